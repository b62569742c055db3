"""Two locks for the learner's child beside Landlock: no new processes, no capabilities.

- seccomp: fork, vfork and clone without CLONE_THREAD fail with EPERM (clone3 with ENOSYS, so the
  C library falls back to clone, where the flags can be read). Threads still start (torch uses
  them); processes do not, so nothing the learner starts can outlive its step or fork-bomb a class.
- capabilities: a child of root keeps uid 0 (the Python installation may sit in root's 0700 home)
  but loses every capability, so it cannot raise its rlimits, override file permissions or kill
  processes of other users. Landlock's signal scope covers the processes of its own uid.
Linux only (x86_64, aarch64); elsewhere each function says it could not and changes nothing.
"""
from __future__ import annotations

import ctypes
import errno
import os
import platform
import struct

PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 22, 2
PR_CAPBSET_DROP = 24
CLONE_THREAD = 0x00010000
RET_ALLOW = 0x7FFF0000
RET_ERRNO = 0x00050000
ARCHES = {  # machine -> (AUDIT_ARCH_*, clone, clone3, fork or None, vfork or None)
    "x86_64": (0xC000003E, 56, 435, 57, 58),
    "aarch64": (0xC00000B7, 220, 435, None, None),
}


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _filter(arch: int, clone: int, clone3: int, forks: list[int]) -> bytes:
    """A classic BPF program over struct seccomp_data {u32 nr; u32 arch; u64 ip; u64 args[6]}."""
    ld, jeq, jset, ret = 0x20, 0x15, 0x45, 0x06
    deny, nosys = RET_ERRNO | errno.EPERM, RET_ERRNO | errno.ENOSYS
    prog = [(ld, 0, 0, 4), (jeq, 1, 0, arch), (ret, 0, 0, RET_ALLOW),  # another ABI: not ours to judge
            (ld, 0, 0, 0)]
    for nr in forks:
        prog += [(jeq, 0, 1, nr), (ret, 0, 0, deny)]
    prog += [(jeq, 0, 1, clone3), (ret, 0, 0, nosys),
             (jeq, 0, 3, clone), (ld, 0, 0, 16),  # args[0], low word: the clone flags
             (jset, 1, 0, CLONE_THREAD), (ret, 0, 0, deny),
             (ret, 0, 0, RET_ALLOW)]
    return b"".join(struct.pack("HBBI", *ins) for ins in prog), len(prog)


def deny_new_processes() -> bool:
    """Install the seccomp filter on this thread (and all it starts). Needs no_new_privs first."""
    spec = ARCHES.get(platform.machine())
    if spec is None or not hasattr(os, "fork") or platform.system() != "Linux":
        return False
    arch, clone, clone3, fork, vfork = spec
    code, count = _filter(arch, clone, clone3, [n for n in (fork, vfork) if n is not None])
    buf = ctypes.create_string_buffer(code, len(code))

    class Prog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    prog = Prog(count, ctypes.addressof(buf))
    libc = _libc()
    if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS: required to install a filter unprivileged
        return False
    return libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) == 0


def drop_capabilities() -> bool:
    """Empty the bounding, effective, permitted and inheritable capability sets (root only)."""
    if platform.system() != "Linux" or os.geteuid() != 0:
        return False
    libc = _libc()
    for cap in range(64):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 and ctypes.get_errno() == errno.EINVAL:
            break  # past the last capability this kernel knows

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                    ("inheritable", ctypes.c_uint32)]

    header, data = Header(0x20080522, 0), (Data * 2)()  # _LINUX_CAPABILITY_VERSION_3: two 32-bit words
    return libc.capset(ctypes.byref(header), data) == 0
