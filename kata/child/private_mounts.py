"""The child's writable folder as a tmpfs of its own: a cap on all its scratch files together.

RLIMIT_FSIZE bounds one file; nothing in rlimits bounds how many files a learner's code writes.
As root, the child enters a mount namespace of its own (its mounts never reach the grader's) and
mounts a size-limited tmpfs on its working folder: a write past the size fails with ENOSPC, and
everything it wrote is gone with the child. Only for the forked child, before it drops root.

A grader that is not root can often do the same in a user namespace of the child's own
(`userns_tmpfs`): the child maps its own uid and gid to themselves (its files keep their owner),
mounts the tmpfs there, and then drops every capability the namespace gave it. Where the kernel
refuses the namespace or the mount (unprivileged user namespaces turned off, Ubuntu's AppArmor
restriction), the judge watches the folder instead (kata.judging.remote).
"""
from __future__ import annotations

import ctypes
import os
import platform

CLONE_NEWNS, CLONE_NEWUSER = 0x00020000, 0x10000000
MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REC, MS_PRIVATE = 2, 4, 8, 1 << 14, 1 << 18


def scratch_tmpfs(folder: str, size: int, uid: int) -> bool:
    """Mount a tmpfs of `size` bytes on `folder`, owned by `uid`, in a mount namespace of this process's
    own. False where it cannot be done (not Linux, not root)."""
    if platform.system() != "Linux" or os.geteuid() != 0:
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNS) != 0:
        return False
    # nothing mounted here propagates back to the grader's namespace
    if libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None) != 0:
        return False
    return _mount_tmpfs(libc, folder, size, uid, uid)


def _mount_tmpfs(libc, folder: str, size: int, uid: int, gid: int) -> bool:
    options = f"size={size},nr_inodes=4096,mode=0700,uid={uid},gid={gid}".encode()
    return libc.mount(b"tmpfs", os.fsencode(folder), b"tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, options) == 0


def userns_tmpfs(folder: str, size: int) -> str:
    """Mount a tmpfs of `size` bytes on `folder` in a user and mount namespace of this process's own
    (single-threaded: a fork's child), owned by its own uid and gid. What came of it:

    - "mounted": the tmpfs caps the folder;
    - "refused": no user namespace here (not Linux, or the kernel refused one): nothing changed;
    - "unmounted": in a user namespace of its own, but the mount was refused (the folder is as it was);
    - "unmapped": in a user namespace of its own whose uid or gid map could not be written: it could
      create no file (its ids are unmapped there), so the caller runs nothing in it.

    After anything but "refused" the process holds every capability of the new namespace: the caller
    drops them (kata.child.lockdown.drop_capabilities)."""
    if platform.system() != "Linux":
        return "refused"
    uid, gid = os.geteuid(), os.getegid()
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0:
        return "refused"
    try:
        try:  # a gid map written from inside needs setgroups denied (Linux 3.19 on; older kernels lack the file)
            _write("/proc/self/setgroups", "deny")
        except FileNotFoundError:
            pass
        _write("/proc/self/uid_map", f"{uid} {uid} 1")
        _write("/proc/self/gid_map", f"{gid} {gid} 1")
    except OSError:
        return "unmapped"
    # nothing mounted here propagates back to the grader's namespace
    if libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None) != 0:
        return "unmounted"
    return "mounted" if _mount_tmpfs(libc, folder, size, uid, gid) else "unmounted"


def _write(path: str, text: str) -> None:
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)
