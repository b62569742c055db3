"""The child's private ground: its scratch folder (TMPDIR, its output) in the state folder, and
its own copy of the learner's step file, refused unless it is a regular file."""
from __future__ import annotations

import os
import secrets
import shutil
import stat
from pathlib import Path

from kata import paths
from kata.i18n import N_

MAX_SOURCE = 1 * 2**20  # bytes of a step file


class Refused(Exception):
    """The step file cannot be graded as it is (missing, a link, not a regular file, too big)."""


def read_regular(source: Path) -> bytes:
    """The bytes of the learner's step file, refusing anything but a regular file. Opened without
    following links and without blocking, so a FIFO cannot hang the grader."""
    try:
        info = os.lstat(source)
    except FileNotFoundError:
        raise Refused("missing") from None
    if stat.S_ISLNK(info.st_mode):
        raise Refused(N_("a symbolic link"))
    if stat.S_ISDIR(info.st_mode):
        raise Refused(N_("a folder"))
    if not stat.S_ISREG(info.st_mode):
        raise Refused(N_("not a regular file (a pipe, a socket or a device)"))
    fd = os.open(source, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise Refused(N_("not a regular file"))
        data = os.read(fd, MAX_SOURCE + 1)
    finally:
        os.close(fd)
    if len(data) > MAX_SOURCE:
        raise Refused(N_("larger than 1 MiB"))  # MAX_SOURCE
    return data


def private_copy(source: Path, scratch: Path) -> Path:
    """The child's own copy of the learner's step file, in its scratch folder."""
    copy = scratch / source.name
    copy.write_bytes(read_regular(source))
    return copy


def scratch_root() -> Path:
    from kata.engine import sandbox

    if sandbox.isolation_mode() == "uid":  # each child a user of its own: it must reach its folder
        from kata.engine import unprivileged

        return unprivileged.scratch_root()
    return paths.state_dir() / "scratch"


def new_scratch() -> Path:
    root = scratch_root()
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    folder = root / f"{os.getpid()}-{secrets.token_hex(6)}"
    folder.mkdir(mode=0o700)
    return folder


def sweep_stale_scratch() -> None:
    """Remove the scratch folders of runs that were killed before they could clean up."""
    root = scratch_root()
    if not root.is_dir():
        return
    for folder in root.iterdir():
        owner = folder.name.split("-", 1)[0]
        if owner.isdigit() and not _alive(int(owner)):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
