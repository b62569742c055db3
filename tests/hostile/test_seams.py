"""The seams around the child: nothing it can name is a door (issue S, items 1 to 4).

Each attack is a learner's step04 (the reference solution, so that every check would pass) with
an attack added at import time. Whatever the attack does, the files around it keep their mode,
owner and times, no socket around it hears from it, no process of its own outlives the grade,
and what it could not do shows up only as its own failure.
"""
from __future__ import annotations

import os
import platform
import socket

import pytest

from kata import paths
from kata.child import sandbox, unprivileged, zygote_supply
from kata.grading import runner
from kata.judging.results import BROKEN, FAILED, PASSED
from kata.steps import registry
from tests.hostile.processes import left_over

STEP = "step04"
SOLUTION = (paths.SOLUTIONS / "step04_optim.py").read_text()
linux_x86 = pytest.mark.skipif(platform.system() != "Linux" or platform.machine() != "x86_64",
                               reason="the foreign entries are x86_64's (i386 int 0x80, x32)")
as_root = pytest.mark.skipif(os.geteuid() != 0, reason="a user of its own and a tmpfs of its own need root")


def grade_with(submission, prelude: str, **kw):
    (submission / "step04_optim.py").write_text(prelude + "\n" + SOLUTION)
    return runner.grade(registry.BY_ID[STEP], submission, kw.pop("timeout", 60), **kw)


def children_left() -> list[int]:
    """Live processes running as a user the grader made for a child of this test's zygote, or orphaned
    (root only; other test workers' children are theirs)."""
    ours = {zygote_supply.zygote().pid, 1}
    return left_over(lambda fields, uid: uid >= unprivileged.BASE and int(fields[1]) in ours)


def fingerprint(path) -> tuple:
    info = os.lstat(path)
    return info.st_mode, info.st_uid, info.st_gid, info.st_mtime_ns, info.st_size


def _machine_code(code: bytes) -> str:
    """Python that runs these x86_64 bytes as a function (through an executable mapping)."""
    return ("import ctypes, mmap\n"
            f"_page = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)\n"
            f"_page.write({code!r})\n"
            "_addr = ctypes.addressof(ctypes.c_char.from_buffer(_page))\n"
            "ctypes.CFUNCTYPE(ctypes.c_long)(_addr)()\n")


@linux_x86
@pytest.mark.parametrize("entry", ["i386-int80-fork", "x32-fork"])
def test_a_syscall_through_a_foreign_entry_kills_the_child(entry, submission):
    code = {"i386-int80-fork": b"\xb8\x02\x00\x00\x00\xcd\x80\xc3",  # mov eax, 2 (fork); int 0x80; ret
            "x32-fork": b"\xb8\x39\x00\x00\x40\x0f\x05\xc3"}[entry]  # mov eax, 0x40000039; syscall; ret
    r = grade_with(submission, _machine_code(code))
    assert r.status == BROKEN and r.score()[0] == 0, (r.status, r.problem)
    assert "ended without an answer" in r.problem
    if os.geteuid() == 0:
        assert children_left() == []


@pytest.mark.skipif(not sandbox.sys.platform.startswith("linux"), reason="seccomp is Linux's")
def test_file_metadata_cannot_be_changed(submission, tmp_path):
    victim = tmp_path / "classmate" / "step04_optim.py"
    victim.parent.mkdir()
    victim.write_text(SOLUTION)
    tool = tmp_path / "tool"
    tool.write_bytes(b"#!/bin/sh\n")
    tool.chmod(0o755)
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o755)
    before = {p: fingerprint(p) for p in (victim, tool, folder)}
    attack = (f"import os\n_done = []\nfor _try in (lambda: os.chmod({str(victim)!r}, 0),\n"
              f"             lambda: os.utime({str(victim)!r}, (0, 0)),\n"
              f"             lambda: os.chmod({str(tool)!r}, 0o4755),\n"
              f"             lambda: os.chmod({str(folder)!r}, 0o777),\n"
              f"             lambda: os.chown({str(victim)!r}, 12345, 12345),\n"
              f"             lambda: os.setxattr({str(victim)!r}, 'user.x', b'1'),\n"
              "             lambda: os.chmod(__file__, 0o4777)):\n"
              "    try:\n        _try()\n        _done.append(1)\n    except OSError:\n        pass\n"
              "if _done:\n    raise SystemExit(f'{len(_done)} metadata changes went through')\n")
    r = grade_with(submission, attack)
    assert {p: fingerprint(p) for p in (victim, tool, folder)} == before
    assert r.status == PASSED, (r.problem, [(c.id, c.status, c.message[:200]) for c in r.checks])


def test_no_socket_can_be_opened(submission, tmp_path):
    """The warm server's socket stands in here: a unix socket by path, of the grader's own user."""
    where = tmp_path / "server.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(where))
    server.listen(4)
    server.setblocking(False)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    udp.setblocking(False)
    attack = ("import socket\n_open = []\n"
              f"for _try in (lambda: socket.socket(socket.AF_UNIX).connect({str(where)!r}),\n"
              f"             lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', "
              f"('127.0.0.1', {udp.getsockname()[1]})),\n"
              "             lambda: socket.socketpair(),\n"
              "             lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0),\n"
              "             lambda: socket.socket(socket.AF_INET6, socket.SOCK_STREAM)):\n"
              "    try:\n        _try()\n        _open.append(1)\n    except OSError:\n        pass\n"
              "if _open:\n    raise SystemExit(f'{len(_open)} sockets opened')\n")
    try:
        r = grade_with(submission, attack)
        with pytest.raises(BlockingIOError):
            server.accept()
        with pytest.raises(BlockingIOError):
            udp.recvfrom(16)
    finally:
        server.close()
        udp.close()
    assert r.status == PASSED, (r.problem, [(c.id, c.status, c.message[:200]) for c in r.checks])


@pytest.mark.parametrize("attack", [
    "import os\nos.pipe()\n",
    "import os\nos.memfd_create('x')\n",
    "import os\nos.fork()\n",
    "import threading\nthreading.Thread(target=print).start()\n",
    "import os\nos.kill(os.getppid(), 0)\n",
])
def test_kernel_objects_and_new_tasks_are_refused(attack, submission):
    r = grade_with(submission, attack)
    assert r.status == BROKEN and r.score()[0] == 0
    assert "Operation not permitted" in r.problem or "can't start new thread" in r.problem, r.problem


@as_root
def test_scratch_space_is_capped_in_all(submission):
    attack = ("import os\n_wrote = 0\ntry:\n    for _i in range(16):\n"
              "        with open(f'big{_i}', 'wb') as _f:\n            _f.write(b'x' * 2**25)\n"
              "        _wrote += 1\nexcept OSError as _e:\n    raise SystemExit(f'stopped after {_wrote}: {_e}')\n")
    r = grade_with(submission, attack)
    assert r.status == BROKEN and "No space left on device" in r.problem, r.problem
    assert "64 MiB of scratch space" in r.isolation


@as_root
def test_the_child_runs_as_a_user_of_its_own(submission):
    attack = "import os\nif os.getuid() == 0 or os.geteuid() == 0:\n    raise SystemExit('still root')\n"
    r = grade_with(submission, attack)
    assert r.status == PASSED, r.problem
    assert children_left() == []


def test_the_child_still_dies_with_its_zygote_after_changing_user(submission):
    """A change of user clears the parent-death signal: the child sets it again, or it would outlive
    a killed grader (until its CPU limit)."""
    attack = ("import ctypes\n_sig = ctypes.c_int(-1)\n"
              "ctypes.CDLL(None).prctl(2, ctypes.byref(_sig), 0, 0, 0)  # PR_GET_PDEATHSIG\n"
              "if _sig.value != 9:\n    raise SystemExit(f'parent-death signal {_sig.value}')\n")
    r = grade_with(submission, attack)
    assert not r.problem, r.problem  # it loaded: the signal was there
    assert all(c.status == PASSED for c in r.checks if ".rule." not in c.id)  # rules: ctypes reaches into it


def test_the_record_of_what_ran_cannot_be_rewritten(submission):
    """step04 keeping its by-hand update: the record says so, and patching the record (by any of the
    spellings the guard reads) leaves the rule failed rather than bought."""
    by_hand = SOLUTION.replace("            opt.step()\n            opt.zero_grad()\n",
                               "            with torch.no_grad():\n                for p in model.parameters():\n"
                               "                    p -= p.grad * 0.5\n                    p.grad.zero_()\n")
    assert by_hand != SOLUTION
    rule = f"{STEP}.rule.fit-updates-no-parameter-by-hand"
    for patch in ("import sys\nfor _n in list(sys.modules):\n    if _n.endswith('.ran'):\n"
                  "        sys.modules[_n]._by_hand = lambda: 0\n",
                  "import torch\ntorch.nn.Module.eval.__globals__['_by_hand'] = lambda: 0\n"):
        (submission / "step04_optim.py").write_text(patch + by_hand)
        r = runner.grade(registry.BY_ID[STEP], submission, 60)
        verdicts = {c.id: c.status for c in r.checks}
        assert verdicts.get(rule) == FAILED, verdicts
        assert r.score()[0] < r.score()[1]


def test_nothing_of_the_kata_is_in_the_childs_modules(submission):
    probe = ("import sys as _s\n_leak = [m for m in _s.modules if m.split('.')[0] in ('solutions', 'tests')"
             " or m.startswith(('ka' + 'ta', 'ka' + 'ta_reference'))]\n"
             "if _leak:\n    raise SystemExit(f'found {_leak[:5]}')\n")
    r = grade_with(submission, probe)
    assert r.status != BROKEN, r.problem
    assert all(c.status == PASSED for c in r.checks if c.kind == "property")


@pytest.mark.slow
def test_a_zygote_that_died_is_replaced_by_a_fresh_interpreter(submission):
    """The test process has loaded checks and references: a new zygote forked from it would hand
    them to every child. It must be a new interpreter instead (fail closed)."""
    import signal
    import time

    before = zygote_supply.zygote()
    os.kill(before.pid, signal.SIGKILL)
    for _ in range(200):
        if not before.alive():
            break
        time.sleep(0.01)
    (submission / "step04_optim.py").write_text(SOLUTION)
    r = runner.grade(registry.BY_ID[STEP], submission, 60)
    after = zygote_supply.zygote()
    assert after.pid != before.pid and after.process is not None
    assert r.status == PASSED, r.problem


def test_forking_is_refused_once_checks_are_loaded():
    assert zygote_supply.unclean_modules(), "this test process has loaded checks: it is not clean"


def test_what_starts_a_zygote_can_fork_it_warm():
    """Refused forking costs a fresh interpreter (import torch again): every module that starts the
    zygote must leave this process clean once imported, or every grade it starts pays that."""
    import subprocess
    import sys

    modules = ("kata.grading.hidden_checks", "kata.grading.kept_cases", "kata.grading.isolate", "kata.grading.runner", "kata.classroom.grading",
               "kata.classroom.gradescope", "kata.learner.cli", "kata.server.host", "kata.learner.notebook")
    code = ("import importlib, sys\nfor m in sys.argv[1:]: importlib.import_module(m)\n"
            "from kata.child import zygote_supply\nprint(zygote_supply.unclean_modules())")
    done = subprocess.run([sys.executable, "-c", code, *modules], capture_output=True, text=True, cwd=paths.ROOT)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr


@pytest.mark.parametrize("machine", ["x86_64", "aarch64"])
@pytest.mark.parametrize("threads", [False, True])
def test_the_filter_is_well_formed_on_each_architecture(machine, threads):
    """Every jump lands inside the program, every path ends in a return, the last answer is a denial,
    and the doors are not in the allowlist (checked for the architecture the tests cannot run on too)."""
    from kata.child import lockdown, syscalls

    prog = lockdown.program(1234, threads, machine)
    assert len(prog) < 4096
    for i, (code, jt, jf, _k) in enumerate(prog):
        if code & 0x07 == 0x05:  # a jump
            assert i + 1 + max(jt, jf) < len(prog)
    assert prog[-1] == (0x06, 0, 0, lockdown.RET_ERRNO | 1)
    numbers = syscalls.ARCHES[machine][1]
    for door in ("socket", "socketpair", "connect", "pipe", "pipe2", "fork", "vfork", "execve", "chmod", "fchmod",
                 "fchmodat", "chown", "fchown", "utimensat", "setxattr", "mount", "unshare", "ptrace",
                 "process_vm_readv", "pidfd_getfd", "memfd_create", "io_uring_setup", "bpf", "shmget"):
        assert door not in syscalls.BASE and door not in numbers
    assert len(set(numbers.values())) == len(numbers), "two names share a number"
