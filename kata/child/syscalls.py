"""The system calls the learner's child may make, by name, and their numbers on each architecture.

The child's seccomp filter (kata.child.lockdown) is an allowlist: a call named here is allowed,
every other call fails with EPERM, and a call made through another architecture's entry (i386's
`int 0x80`, x32) kills the process. What is allowed is what Python and torch need on the CPU to
import lazily, compute, read their files, write in the scratch folder and talk on the channel the
child was given; what is left out is every door: new processes and threads, sockets, pipes and
other kernel objects that hold memory outside RLIMIT_AS, file metadata (modes, owners, times,
extended attributes, links), mounts and namespaces, tracing, keys, BPF, io_uring, SysV IPC.

A few calls are allowed only on the child itself (kill, tgkill, tkill, prlimit64: their first
argument must be its own pid, or 0), and clone only for threads where threads are allowed.
Torch-free and import-free: read by the child before it loads anything of the learner's.
"""
from __future__ import annotations

# What any Python program with torch needs: memory, time, signals, polling, reading files.
BASE = """
read write readv writev pread64 pwrite64 preadv pwritev preadv2 pwritev2 lseek close close_range
open openat openat2 creat stat fstat lstat newfstatat statx statfs fstatfs access faccessat faccessat2
readlink readlinkat getdents getdents64 getcwd chdir fchdir umask fcntl dup dup2 dup3 flock
fsync fdatasync sync_file_range fadvise64 readahead sendfile copy_file_range
getxattr lgetxattr fgetxattr listxattr llistxattr flistxattr
mkdir mkdirat rmdir unlink unlinkat rename renameat renameat2 truncate ftruncate fallocate
brk mmap munmap mprotect mremap madvise mincore msync pkey_mprotect pkey_alloc pkey_free
futex futex_waitv set_robust_list get_robust_list membarrier rseq set_tid_address arch_prctl
rt_sigaction rt_sigprocmask rt_sigreturn rt_sigpending rt_sigtimedwait rt_sigsuspend sigaltstack pause
restart_syscall exit exit_group wait4 waitid
poll ppoll select pselect6 epoll_create epoll_create1 epoll_ctl epoll_wait epoll_pwait epoll_pwait2
nanosleep clock_nanosleep clock_gettime clock_getres gettimeofday time getitimer setitimer alarm
getpid getppid gettid getuid geteuid getgid getegid getresuid getresgid getgroups getpgid getpgrp getsid
capget getrlimit setrlimit getrusage times sysinfo uname getrandom getcpu prctl
sched_yield sched_getaffinity sched_setaffinity sched_getparam sched_getscheduler sched_getattr
sched_get_priority_max sched_get_priority_min sched_rr_get_interval get_mempolicy getpriority
recvfrom recvmsg recvmmsg sendto sendmsg sendmmsg shutdown getsockopt getsockname getpeername
ioctl
""".split()
# Only on the child itself: the first argument is its own pid (or 0 for prlimit64 and kill).
SELF_ONLY = ("kill", "tgkill", "tkill", "prlimit64")
# Refused with a clear errno the C library falls back from: clone3 (ENOSYS: glibc retries with clone,
# whose flags the filter can read).
CLONE, CLONE3 = "clone", "clone3"

X86_64 = {
    "read": 0, "write": 1, "open": 2, "close": 3, "stat": 4, "fstat": 5, "lstat": 6, "poll": 7, "lseek": 8,
    "mmap": 9, "mprotect": 10, "munmap": 11, "brk": 12, "rt_sigaction": 13, "rt_sigprocmask": 14,
    "rt_sigreturn": 15, "ioctl": 16, "pread64": 17, "pwrite64": 18, "readv": 19, "writev": 20, "access": 21,
    "select": 23, "sched_yield": 24, "mremap": 25, "msync": 26, "mincore": 27, "madvise": 28, "dup": 32,
    "dup2": 33, "pause": 34, "nanosleep": 35, "getitimer": 36, "alarm": 37, "setitimer": 38, "getpid": 39,
    "sendfile": 40, "sendto": 44, "recvfrom": 45, "sendmsg": 46, "recvmsg": 47, "shutdown": 48,
    "getsockname": 51, "getpeername": 52, "getsockopt": 55, "clone": 56, "exit": 60, "wait4": 61, "kill": 62,
    "uname": 63, "fcntl": 72, "flock": 73, "fsync": 74, "fdatasync": 75, "truncate": 76, "ftruncate": 77,
    "getdents": 78, "getcwd": 79, "chdir": 80, "fchdir": 81, "rename": 82, "mkdir": 83, "rmdir": 84,
    "creat": 85, "unlink": 87, "readlink": 89, "umask": 95, "gettimeofday": 96, "getrlimit": 97,
    "getrusage": 98, "sysinfo": 99, "times": 100, "getuid": 102, "getgid": 104, "geteuid": 107,
    "getegid": 108, "getppid": 110, "getpgrp": 111, "getgroups": 115, "getresuid": 118, "getresgid": 120,
    "getpgid": 121, "getsid": 124, "capget": 125, "rt_sigpending": 127, "rt_sigtimedwait": 128,
    "rt_sigsuspend": 130, "sigaltstack": 131, "statfs": 137, "fstatfs": 138, "getpriority": 140,
    "sched_getparam": 143, "sched_getscheduler": 145, "sched_get_priority_max": 146,
    "sched_get_priority_min": 147, "sched_rr_get_interval": 148, "prctl": 157, "arch_prctl": 158,
    "setrlimit": 160, "gettid": 186, "readahead": 187, "getxattr": 191, "lgetxattr": 192, "fgetxattr": 193,
    "listxattr": 194, "llistxattr": 195, "flistxattr": 196, "tkill": 200, "time": 201, "futex": 202,
    "sched_setaffinity": 203, "sched_getaffinity": 204, "epoll_create": 213, "getdents64": 217,
    "set_tid_address": 218, "restart_syscall": 219, "fadvise64": 221, "clock_gettime": 228,
    "clock_getres": 229, "clock_nanosleep": 230, "exit_group": 231, "epoll_wait": 232, "epoll_ctl": 233,
    "tgkill": 234, "get_mempolicy": 239, "waitid": 247, "openat": 257, "mkdirat": 258, "newfstatat": 262,
    "unlinkat": 263, "renameat": 264, "readlinkat": 267, "faccessat": 269, "pselect6": 270, "ppoll": 271,
    "set_robust_list": 273, "get_robust_list": 274, "sync_file_range": 277, "epoll_pwait": 281,
    "fallocate": 285, "epoll_create1": 291, "dup3": 292, "preadv": 295, "pwritev": 296, "recvmmsg": 299,
    "prlimit64": 302, "sendmmsg": 307, "getcpu": 309, "sched_getattr": 315, "renameat2": 316,
    "getrandom": 318, "membarrier": 324, "copy_file_range": 326, "preadv2": 327, "pwritev2": 328,
    "pkey_mprotect": 329, "pkey_alloc": 330, "pkey_free": 331, "statx": 332, "rseq": 334, "clone3": 435,
    "close_range": 436, "openat2": 437, "faccessat2": 439, "epoll_pwait2": 441, "futex_waitv": 449,
}

# asm-generic numbering (aarch64 has no open/stat/fork/... of its own: the *at forms only).
AARCH64 = {
    "getxattr": 8, "lgetxattr": 9, "fgetxattr": 10, "listxattr": 11, "llistxattr": 12, "flistxattr": 13,
    "getcwd": 17, "epoll_create1": 20, "epoll_ctl": 21, "epoll_pwait": 22, "dup": 23, "dup3": 24, "fcntl": 25,
    "ioctl": 29, "flock": 32, "mkdirat": 34, "unlinkat": 35, "renameat": 38, "statfs": 43, "fstatfs": 44,
    "truncate": 45, "ftruncate": 46, "fallocate": 47, "faccessat": 48, "chdir": 49, "fchdir": 50,
    "openat": 56, "close": 57, "getdents64": 61, "lseek": 62, "read": 63, "write": 64, "readv": 65,
    "writev": 66, "pread64": 67, "pwrite64": 68, "preadv": 69, "pwritev": 70, "sendfile": 71, "pselect6": 72,
    "ppoll": 73, "readlinkat": 78, "newfstatat": 79, "fstat": 80, "fsync": 82, "fdatasync": 83,
    "sync_file_range": 84, "capget": 90, "exit": 93, "exit_group": 94, "waitid": 95, "set_tid_address": 96,
    "futex": 98, "set_robust_list": 99, "get_robust_list": 100, "nanosleep": 101, "getitimer": 102,
    "setitimer": 103, "clock_gettime": 113, "clock_getres": 114, "clock_nanosleep": 115,
    "sched_getscheduler": 120, "sched_getparam": 121, "sched_setaffinity": 122, "sched_getaffinity": 123,
    "sched_yield": 124, "sched_get_priority_max": 125, "sched_get_priority_min": 126,
    "sched_rr_get_interval": 127, "restart_syscall": 128, "kill": 129, "tkill": 130, "tgkill": 131,
    "sigaltstack": 132, "rt_sigsuspend": 133, "rt_sigaction": 134, "rt_sigprocmask": 135,
    "rt_sigpending": 136, "rt_sigtimedwait": 137, "rt_sigreturn": 139, "getpriority": 141,
    "getresuid": 148, "getresgid": 150, "times": 153, "getpgid": 155, "getsid": 156, "getgroups": 158,
    "uname": 160, "getrlimit": 163, "setrlimit": 164, "getrusage": 165, "umask": 166, "prctl": 167,
    "getcpu": 168, "gettimeofday": 169, "getpid": 172, "getppid": 173, "getuid": 174, "geteuid": 175,
    "getgid": 176, "getegid": 177, "gettid": 178, "sysinfo": 179, "getsockname": 204, "getpeername": 205,
    "sendto": 206, "recvfrom": 207, "getsockopt": 209, "shutdown": 210, "sendmsg": 211, "recvmsg": 212,
    "readahead": 213, "brk": 214, "munmap": 215, "mremap": 216, "clone": 220, "mmap": 222, "fadvise64": 223,
    "mprotect": 226, "msync": 227, "mincore": 232, "madvise": 233, "get_mempolicy": 236, "recvmmsg": 243,
    "wait4": 260, "prlimit64": 261, "sendmmsg": 269, "sched_getattr": 275, "renameat2": 276,
    "getrandom": 278, "membarrier": 283, "copy_file_range": 285, "preadv2": 286, "pwritev2": 287,
    "pkey_mprotect": 288, "pkey_alloc": 289, "pkey_free": 290, "statx": 291, "rseq": 293, "clone3": 435,
    "close_range": 436, "openat2": 437, "faccessat2": 439, "epoll_pwait2": 441, "futex_waitv": 449,
}

# machine -> (AUDIT_ARCH_* of the native entry, numbers, the lowest number of a foreign ABI sharing
# that AUDIT_ARCH: x32's calls come in as x86_64 with bit 30 set)
ARCHES = {"x86_64": (0xC000003E, X86_64, 0x40000000), "aarch64": (0xC00000B7, AARCH64, None)}
