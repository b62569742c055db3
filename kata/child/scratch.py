"""The child's private ground: its scratch folder (TMPDIR, its output) in the state folder, and
its own copy of the learner's step file, refused unless it is a regular file.

Its working folder (`<scratch>/tmp`, the only place it writes) holds SCRATCH_LIMIT bytes of files in
all, whoever enforces it: a tmpfs of its own (mounted as root, or in a user namespace of its own,
kata.child.private_mounts), or else the judge, which sums the folder while the child lives (`over`)
and stops it past the limit (kata.judging.remote.Child). The child says which in its isolation list."""
from __future__ import annotations

import os
import secrets
import shutil
import stat
from pathlib import Path

from kata import paths
from kata.i18n import N_

MAX_SOURCE = 1 * 2**20  # bytes of a step file
SCRATCH_LIMIT = 64 * 2**20  # bytes of files in all in the child's working folder, however it is capped
MAX_ENTRIES = 4096  # files and folders in it (the tmpfs's nr_inodes): more is over the cap too
# what the child's isolation list says of its cap (plain words for the report); the judge watches the
# folder unless the list names one of the first two
TMPFS_CAPPED = f"{SCRATCH_LIMIT // 2**20} MiB of scratch space"
USERNS_CAPPED = f"{TMPFS_CAPPED}, a tmpfs in a user namespace of its own"
WATCHED = f"{TMPFS_CAPPED}, watched by the grader"


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
    from kata.child import sandbox

    if sandbox.isolation_mode() == "uid":  # each child a user of its own: it must reach its folder
        from kata.child import unprivileged

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


def capped(isolation: list[str]) -> bool:
    """Whether the child's isolation list says a tmpfs of its own caps its working folder."""
    return TMPFS_CAPPED in isolation or USERNS_CAPPED in isolation


def over(folder: str | Path, limit: int = SCRATCH_LIMIT, entries: int = MAX_ENTRIES) -> bool:
    """Whether what lies under `folder` passes `limit` bytes (each entry's allocated blocks or its size,
    the larger: a sparse file counts whole), or `entries` files and folders: bounded work, whatever the
    child made there. Links are not followed. A folder that cannot be read is over (fail closed); one
    that is gone holds nothing."""
    total, seen, stack = 0, 0, [os.fspath(folder)]
    while stack:
        try:
            with os.scandir(stack.pop()) as listing:
                for entry in listing:
                    seen += 1
                    if seen > entries:
                        return True
                    try:
                        info = entry.stat(follow_symlinks=False)
                    except FileNotFoundError:  # removed while the folder was read
                        continue
                    total += max(getattr(info, "st_blocks", 0) * 512, info.st_size)
                    if total > limit:
                        return True
                    if stat.S_ISDIR(info.st_mode):
                        stack.append(entry.path)
        except (FileNotFoundError, NotADirectoryError):
            continue
        except OSError:
            return True
    return False
