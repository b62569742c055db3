"""Confine a forked child process before it runs untrusted learner code.

The child of a grading run executes code a learner wrote. This module takes away what
that code has no business doing: Landlock limits the filesystem to what Python, torch
and a scratch folder need (so the learner cannot read the reference solutions or the
grader, nor write anywhere else), denies TCP binds and connects, and (ABI >= 6) keeps it
from signalling processes or reaching abstract unix sockets outside its domain.
Resource limits cap memory, CPU time, file size and process count; privileges can be
dropped to an unprivileged uid; inherited file descriptors can be closed.

Only the standard library and ctypes are used, so the module imports cheaply before the
child loads torch. Landlock is Linux-only: elsewhere `landlock_abi()` is 0 and `confine`
raises `SandboxUnavailable`; the other functions work where the OS provides them.
"""
from __future__ import annotations

import ctypes
import errno
import functools
import glob
import os
import platform
import resource
import site
import stat
import sys
from collections.abc import Iterable
from pathlib import Path

# landlock_create_ruleset / add_rule / restrict_self: the same numbers on both architectures.
_SYSCALLS = {"x86_64": (444, 445, 446), "aarch64": (444, 445, 446), "arm64": (444, 445, 446)}
_CREATE_RULESET_VERSION = 1 << 0
_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38

# Filesystem rights. ABI 1 has the first 13 (EXECUTE .. MAKE_SYM); later ABIs add one each.
_FS_EXECUTE, _FS_WRITE_FILE, _FS_READ_FILE, _FS_READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_FS_ABI1 = (1 << 13) - 1
_FS_REFER, _FS_TRUNCATE, _FS_IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
# The only rights a rule on a non-directory may carry; any other makes add_rule fail with EINVAL.
_FS_FILE_RIGHTS = _FS_EXECUTE | _FS_WRITE_FILE | _FS_READ_FILE | _FS_TRUNCATE | _FS_IOCTL_DEV
_NET_BIND_TCP, _NET_CONNECT_TCP = 1 << 0, 1 << 1
_SCOPE_ABSTRACT_UNIX_SOCKET, _SCOPE_SIGNAL = 1 << 0, 1 << 1


class SandboxUnavailable(OSError):
    """Landlock is not available here (not Linux, old kernel, disabled at boot, or filtered)."""


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1  # the kernel declares it __attribute__((packed)): 12 bytes, not 16
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


@functools.cache
def _libc() -> ctypes.CDLL:
    lib = ctypes.CDLL(None, use_errno=True)
    lib.syscall.restype = ctypes.c_long
    return lib


def _syscall(name: str, *args) -> int:
    nr = _SYSCALLS[platform.machine()][("create", "add", "restrict").index(name)]
    # syscall(2) is variadic and reads every argument as a long: pass longs, not C ints.
    args = [ctypes.c_long(a) if isinstance(a, int) else a for a in args]
    res = _libc().syscall(ctypes.c_long(nr), *args)
    if res < 0:
        err = ctypes.get_errno()
        raise OSError(err, f"landlock {name}: {os.strerror(err)}")
    return res


def isolation_mode() -> str:
    """How a learner's child is confined here: "landlock" (files, network, signals), "uid" (no
    Landlock, but root: each child runs as a user of its own, kata.child.unprivileged) or "process"
    (neither: its own process and session only). KATA_SANDBOX=uid or =process picks a weaker one,
    to try it where Landlock exists."""
    forced = os.environ.get("KATA_SANDBOX", "")
    if forced == "process" or (forced == "uid" and os.geteuid() == 0):
        return forced
    if landlock_abi() > 0:
        return "landlock"
    return "uid" if os.geteuid() == 0 else "process"


def landlock_abi() -> int:
    """The kernel's Landlock ABI version, 0 when Landlock cannot be used."""
    if sys.platform != "linux" or platform.machine() not in _SYSCALLS:
        return 0
    try:
        return _syscall("create", None, 0, _CREATE_RULESET_VERSION)
    except (OSError, AttributeError) as exc:
        # ENOSYS: kernel too old; EOPNOTSUPP: built but disabled; EPERM: a seccomp filter refused it.
        if isinstance(exc, AttributeError) or exc.errno in (errno.ENOSYS, errno.EOPNOTSUPP, errno.EPERM):
            return 0
        raise


def _handled_fs(abi: int) -> int:
    fs = _FS_ABI1
    if abi >= 2:
        fs |= _FS_REFER
    if abi >= 3:
        fs |= _FS_TRUNCATE
    if abi >= 5:
        fs |= _FS_IOCTL_DEV
    return fs


def _add_path_rule(ruleset: int, path: str | Path, rights: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except (FileNotFoundError, NotADirectoryError, PermissionError):
        return  # nothing there (or unreachable anyway): nothing to allow
    try:
        if not stat.S_ISDIR(os.fstat(fd).st_mode):
            rights &= _FS_FILE_RIGHTS
        if rights:
            attr = _PathBeneathAttr(rights, fd)
            _syscall("add", ruleset, _RULE_PATH_BENEATH, ctypes.byref(attr), 0)
    finally:
        os.close(fd)


def confine(read: Iterable[str | Path], write: Iterable[str | Path], devices: Iterable[str | Path] = ()) -> int:
    """Restrict the calling process (and its future children) with Landlock; return the ABI used.

    `read` paths may be read and executed (directories recursively), `write` paths get every
    right the ABI knows, `devices` may be read, written and (ABI >= 5) ioctl'd. Everything else
    the ABI can express is denied, including all TCP bind/connect (ABI >= 4) and signals or
    abstract unix sockets outside the domain (ABI >= 6). Irreversible.
    """
    abi = landlock_abi()
    if abi <= 0:
        raise SandboxUnavailable(errno.ENOSYS, "Landlock is not available on this system")
    fs = _handled_fs(abi)
    # Fill only the fields this ABI knows and pass only their size: a kernel older than a field
    # rejects a struct whose extra bytes are not zero (E2BIG), and a right it does not know (EINVAL).
    attr, size = _RulesetAttr(handled_access_fs=fs), 8
    if abi >= 4:
        attr.handled_access_net, size = _NET_BIND_TCP | _NET_CONNECT_TCP, 16  # no net rules: no TCP
    if abi >= 6:
        attr.scoped, size = _SCOPE_ABSTRACT_UNIX_SOCKET | _SCOPE_SIGNAL, 24
    ruleset = _syscall("create", ctypes.byref(attr), size, 0)
    try:
        read_rights = _FS_READ_FILE | _FS_READ_DIR | _FS_EXECUTE
        # No TRUNCATE needed: O_TRUNC on a device is not a truncation, so open("/dev/null", "w") works.
        device_rights = _FS_READ_FILE | _FS_WRITE_FILE | _FS_IOCTL_DEV
        for paths, rights in ((read, read_rights), (write, fs), (devices, device_rights)):
            for path in paths:
                _add_path_rule(ruleset, path, rights & fs)
        # The kernel refuses restrict_self to an unprivileged process without no_new_privs, and
        # it is what keeps a setuid binary from escaping the domain with more rights.
        no_new_privs()
        _syscall("restrict", ruleset, 0)
    finally:
        os.close(ruleset)
    return abi


def no_new_privs() -> None:
    """Set PR_SET_NO_NEW_PRIVS: execve can no longer grant privileges (setuid bits, file caps). Linux only."""
    if sys.platform != "linux":
        return
    if _libc().prctl(_PR_SET_NO_NEW_PRIVS, ctypes.c_ulong(1), ctypes.c_ulong(0), ctypes.c_ulong(0),
                     ctypes.c_ulong(0)) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"prctl(PR_SET_NO_NEW_PRIVS): {os.strerror(err)}")


def _limit(which: int, soft: int, hard: int) -> None:
    # Never ask for more than the current hard limit: only root may raise it.
    current_hard = resource.getrlimit(which)[1]
    if current_hard != resource.RLIM_INFINITY:
        hard = min(hard, current_hard)
    resource.setrlimit(which, (min(soft, hard), hard))


def set_limits(*, memory_bytes: int | None = None, cpu_seconds: int | None = None,
               file_bytes: int | None = None, processes: int | None = None) -> None:
    """Lower resource limits (soft and hard, so the learner cannot raise them again); no core dumps."""
    _limit(resource.RLIMIT_CORE, 0, 0)
    if memory_bytes is not None:
        _limit(resource.RLIMIT_AS, memory_bytes, memory_bytes)
    if cpu_seconds is not None:
        # SIGXCPU at the soft limit, SIGKILL a second later if it is caught or ignored.
        _limit(resource.RLIMIT_CPU, cpu_seconds, cpu_seconds + 1)
    if file_bytes is not None:
        _limit(resource.RLIMIT_FSIZE, file_bytes, file_bytes)
    if processes is not None:
        _limit(resource.RLIMIT_NPROC, processes, processes)


def drop_privileges(uid: int, gid: int) -> None:
    """As root, become `uid`/`gid` for good (real, effective and saved ids; no groups). No-op otherwise."""
    if os.geteuid() != 0:
        return
    os.setgroups([])  # first, while we still may: the supplementary groups are root's
    if hasattr(os, "setresuid"):
        os.setresgid(gid, gid, gid)  # the gid before the uid: after setuid we could not
        os.setresuid(uid, uid, uid)
    else:  # macOS: as root, setgid/setuid set the real, effective and saved ids
        os.setgid(gid)
        os.setuid(uid)


def close_fds(keep: Iterable[int] = ()) -> None:
    """Close every file descriptor >= 3 except those in `keep`."""
    try:  # the highest fd open now bounds the work; listing opens one more fd, closed again
        top = max(int(name) for name in os.listdir("/proc/self/fd" if sys.platform == "linux" else "/dev/fd")) + 1
    except (OSError, ValueError):
        top = os.sysconf("SC_OPEN_MAX")
    low = 3
    for fd in sorted({fd for fd in keep if fd >= 3}):
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, max(low, top))


def _forms(path: str | Path) -> list[Path]:
    """The path as written (made absolute) and, when it differs, where its symlinks lead."""
    p = Path(os.path.abspath(path))
    real = p.resolve()
    return [p] if real == p else [p, real]


def python_paths(exclude: Iterable[str | Path] = ()) -> list[str]:
    """Paths the running Python needs to read, none of them inside or above an `exclude` path.

    sys.prefix, sys.base_prefix and the site-packages folders are kept even when they lie
    inside an excluded root (a venv in the project), but never when they contain one.
    The current directory and sys.path entries in or above an excluded root (an editable
    install's project path) are dropped.
    """
    excluded = [form for e in exclude for form in _forms(e)]
    try:
        cwd = Path.cwd().resolve()
    except OSError:
        cwd = None
    always = [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix]
    always += getattr(site, "getsitepackages", list)()
    others = [p for p in sys.path if p and os.path.isdir(p)]
    others.append(os.path.dirname(os.path.realpath(sys.executable)))
    others += ["/usr/lib", "/lib", "/lib64", "/usr/lib64", "/usr/share/zoneinfo",
               "/etc/ld.so.cache", "/etc/localtime", "/etc/passwd", "/etc/nsswitch.conf"]
    out: list[str] = []
    for path, keep_inside in [(p, True) for p in always] + [(p, False) for p in others]:
        if not os.path.exists(path):
            continue
        forms = _forms(path)
        if not keep_inside and cwd in forms:
            continue
        if any(e.is_relative_to(f) or (not keep_inside and f.is_relative_to(e)) for f in forms for e in excluded):
            continue
        out += [str(f) for f in forms if str(f) not in out]
    return out


def system_paths() -> tuple[list[str], list[str]]:
    """(read, devices): what torch reads from the system (CPU topology, cgroup limits, entropy)."""
    read = ["/proc", "/sys/devices/system/cpu", "/sys/fs/cgroup", "/dev/urandom", "/dev/random"]
    devices = ["/dev/null", "/dev/zero", "/dev/urandom"] + sorted(glob.glob("/dev/nvidia*"))
    return [p for p in read if os.path.exists(p)], [p for p in devices if os.path.exists(p)]
