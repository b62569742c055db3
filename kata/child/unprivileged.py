"""Where Landlock is missing (macOS, old kernels), a root grader runs each learner's child as a user
of its own: an unused uid (and gid) made from the child's pid, so no two children share one.

Such a child cannot signal the grader, its classmates' children or anything else; it can write only
its scratch folder (its own, mode 0700), and read only what is readable by everyone. That last part
is the instructor's to check: `exposed()` says which of the kata's private paths (the reference
solutions, the state folder) other users can read, and the report names them.

Only for the child's process, after fork, as root; torch-free.
"""
from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

BASE = 2_000_000_000  # uid_t is 32 bits: BASE + a pid stays below 2**31, far from any real account


def identity(pid: int | None = None) -> int:
    """The uid (and gid) of the child with this pid."""
    return BASE + (os.getpid() if pid is None else pid)


def scratch_root() -> Path:
    """A folder every child can reach its own scratch folder through (the state folder may sit under a
    home no other user can enter): in the temporary folder, made by this user, mode 0711, checked so
    that no other user can have planted it."""
    root = Path(tempfile.gettempdir()) / f"torch-nn-kata-scratch-{os.geteuid()}"
    try:
        root.mkdir(mode=0o711)
    except FileExistsError:
        pass
    info = os.lstat(root)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o022:
        raise PermissionError(f"{root} is not a folder of this user's that only it can write")
    os.chmod(root, 0o711)
    return root


def become(scratch: str, files: list[str]) -> int:
    """Hand the scratch folder and these files to a uid of this process's own, then switch to it for
    good: no supplementary groups, no capabilities left (setuid from root clears them). The uid."""
    uid = identity()
    for path in [scratch, *files]:
        os.chown(path, uid, uid)
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
    return uid


def exposed(paths: list[str]) -> list[str]:
    """Which of `paths` a user of no group could read, from the permission bits along each path."""
    return [p for p in paths if os.path.exists(p) and _readable_by_others(p)]


def _readable_by_others(path: str) -> bool:
    here = Path(path).resolve()
    for folder in [*reversed(here.parents)]:
        if not os.stat(folder).st_mode & stat.S_IXOTH:
            return False  # a folder on the way that others cannot enter
    mode = os.stat(here).st_mode
    return bool(mode & stat.S_IROTH) and (not stat.S_ISDIR(mode) or bool(mode & stat.S_IXOTH))
