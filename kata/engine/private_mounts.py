"""The child's writable folder as a tmpfs of its own: a cap on all its scratch files together.

RLIMIT_FSIZE bounds one file; nothing in rlimits bounds how many files a learner's code writes.
As root, the child enters a mount namespace of its own (its mounts never reach the grader's) and
mounts a size-limited tmpfs on its working folder: a write past the size fails with ENOSPC, and
everything it wrote is gone with the child. Only for the forked child, before it drops root.
"""
from __future__ import annotations

import ctypes
import os
import platform

CLONE_NEWNS = 0x00020000
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
    options = f"size={size},nr_inodes=4096,mode=0700,uid={uid},gid={uid}".encode()
    return libc.mount(b"tmpfs", os.fsencode(folder), b"tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, options) == 0
