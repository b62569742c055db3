"""Two locks for the learner's child beside Landlock: a seccomp allowlist, and no capabilities.

- seccomp: the calls kata.child.syscalls names are allowed; every other call fails with EPERM
  (new processes, sockets, pipes, file metadata, mounts, tracing, ...), and a call made through a
  foreign architecture's entry (i386 `int 0x80`, x32) kills the process. kill, tgkill, tkill and
  prlimit64 reach the child itself only; clone starts threads only where threads are allowed (a
  GPU's driver needs them; on the CPU torch runs with one thread and needs none). What Landlock
  does not govern (chmod, chown, utime, xattrs, unix sockets by path, UDP) is refused here.
- capabilities: every one is dropped but, where asked, CAP_DAC_READ_SEARCH (reading through a
  folder another user cannot enter: the Python installation under root's 0700 home; Landlock still
  decides what may be read).
Linux only (x86_64, aarch64); elsewhere `supported()` is False and nothing is installed.
"""
from __future__ import annotations

import ctypes
import errno
import os
import platform
import struct

from kata.child import syscalls

PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2
PR_CAPBSET_DROP, PR_SET_KEEPCAPS = 24, 8
CAP_DAC_READ_SEARCH = 2
CLONE_THREAD = 0x00010000
TIOCSTI = 0x5412  # push characters into a terminal's input: never the child's business
RET_KILL_PROCESS, RET_ALLOW, RET_ERRNO = 0x80000000, 0x7FFF0000, 0x00050000
_LD, _JEQ, _JGE, _JSET, _RET = 0x20, 0x15, 0x35, 0x45, 0x06  # BPF_LD|W|ABS, BPF_JMP|JEQ/JGE/JSET|K, BPF_RET|K
_NR, _ARCH, _ARG0, _ARG1 = 0, 4, 16, 24  # struct seccomp_data: nr, arch, ip, args[6] (low words)
# The calls made most often first: the filter is a chain of comparisons, checked in order.
_FREQUENT = ("newfstatat", "mmap", "munmap", "read", "lseek", "close", "openat", "recvfrom", "sendto", "futex",
             "brk", "getdents64", "mprotect", "write", "fstat", "statx")


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def supported() -> bool:
    return platform.system() == "Linux" and platform.machine() in syscalls.ARCHES


def program(pid: int, threads: bool, machine: str | None = None) -> list[tuple[int, int, int, int]]:
    """The filter for the process `pid`, as classic BPF instructions (code, jt, jf, k)."""
    arch, numbers, foreign = syscalls.ARCHES[machine or platform.machine()]
    deny, nosys = RET_ERRNO | errno.EPERM, RET_ERRNO | errno.ENOSYS
    prog = [(_LD, 0, 0, _ARCH), (_JEQ, 1, 0, arch), (_RET, 0, 0, RET_KILL_PROCESS), (_LD, 0, 0, _NR)]
    if foreign is not None:
        prog += [(_JGE, 0, 1, foreign), (_RET, 0, 0, RET_KILL_PROCESS)]
    names = [n for n in _FREQUENT if n in syscalls.BASE] + [n for n in syscalls.BASE if n not in _FREQUENT]
    for name in names:
        if name in numbers and name != "ioctl":
            prog += [(_JEQ, 0, 1, numbers[name]), (_RET, 0, 0, RET_ALLOW)]
    # ioctl, but never TIOCSTI (a terminal's input is not the child's to type into)
    prog += [(_JEQ, 0, 4, numbers["ioctl"]), (_LD, 0, 0, _ARG1), (_JEQ, 0, 1, TIOCSTI), (_RET, 0, 0, deny),
             (_RET, 0, 0, RET_ALLOW)]
    for name in syscalls.SELF_ONLY:  # the first argument names this process (kill: or its group, 0 or -pid)
        also = {"kill": (0, (-pid) & 0xFFFFFFFF), "prlimit64": (0,)}.get(name, ())
        targets = (pid, *also)
        prog += [(_JEQ, 0, 2 + len(targets) + 1, numbers[name]), (_LD, 0, 0, _ARG0)]
        for i, target in enumerate(targets):
            prog.append((_JEQ, len(targets) - i, 0, target))
        prog += [(_RET, 0, 0, deny), (_RET, 0, 0, RET_ALLOW)]
    prog += [(_JEQ, 0, 1, numbers[syscalls.CLONE3]), (_RET, 0, 0, nosys),  # glibc falls back to clone
             (_JEQ, 0, 4, numbers[syscalls.CLONE]), (_LD, 0, 0, _ARG0),
             (_JSET, 0, 1, CLONE_THREAD), (_RET, 0, 0, RET_ALLOW if threads else deny), (_RET, 0, 0, deny),
             (_RET, 0, 0, deny)]
    return prog


def install(threads: bool = False) -> bool:
    """Install the filter on this process (single-threaded: a fork's child). Needs no_new_privs, set
    here. False where seccomp cannot be used; the caller decides whether to go on (it does not)."""
    if not supported():
        return False
    prog = program(os.getpid(), threads)
    code = b"".join(struct.pack("HBBI", *ins) for ins in prog)
    buf = ctypes.create_string_buffer(code, len(code))

    class Prog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    fprog = Prog(len(prog), ctypes.addressof(buf))
    libc = _libc()
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return False
    return libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) == 0


class _Header(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _Data(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def _capset(keep: int | None) -> bool:
    header, data = _Header(0x20080522, 0), (_Data * 2)()  # _LINUX_CAPABILITY_VERSION_3: two 32-bit words
    if keep is not None:
        data[keep // 32].effective = data[keep // 32].permitted = 1 << (keep % 32)
    return _libc().capset(ctypes.byref(header), data) == 0


def drop_capabilities(keep: int | None = None) -> bool:
    """Empty the bounding, effective, permitted and inheritable sets, but `keep`: for root, or for a
    process in a user namespace of its own (which holds every capability there, whatever its uid).
    False if any could not be dropped (a process without CAP_SETPCAP cannot empty its bounding set)."""
    if platform.system() != "Linux":
        return False
    libc = _libc()
    for cap in range(64):
        if cap != keep and libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            if ctypes.get_errno() == errno.EINVAL:
                break  # past the last capability this kernel knows
            return False
    return _capset(keep)


def become_reader(uid: int) -> bool:
    """As root: become `uid` (and gid; no groups) for good, keeping only CAP_DAC_READ_SEARCH, so that
    no owner check passes for the child (chmod, utime, signals by uid) while it can still read the
    Python installation wherever it lies. Landlock decides what it may read. False if it could not."""
    if platform.system() != "Linux" or os.geteuid() != 0:
        return False
    libc = _libc()
    if libc.prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0:
        return False
    for cap in range(64):  # the bounding set first: dropping from it needs CAP_SETPCAP, gone after setuid
        if cap != CAP_DAC_READ_SEARCH and libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 \
                and ctypes.get_errno() == errno.EINVAL:
            break
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)  # the permitted set survives (KEEPCAPS); the effective one is emptied
    libc.prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0)
    return _capset(CAP_DAC_READ_SEARCH)
