"""The child's scratch folder is capped in all, not only per file (issue S: scratch disk use).

RLIMIT_FSIZE bounds one file; a learner's code can write many. Each way the cap holds is tried with
the same writer (a step04 whose get_model() writes 16 files of 16 MiB in its working folder):

- a tmpfs of its own, mounted as root (the default here: this machine and CI run as root);
- a tmpfs in a user namespace of its own (a grader that is not root), forced with the child's
  spec key "scratch_cap": "userns";
- the judge watching the folder where no tmpfs can be mounted, forced with "scratch_cap": "watch".

Each ends in a verdict that names the limit, nothing outside the scratch folder changes, and the
scratch folder is gone after the grade.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest

from kata import paths
from kata.child import sandbox, scratch
from kata.grading import runner
from kata.judging import refusals, verdicts
from kata.judging.remote import Child, ChildGone
from kata.judging.results import BROKEN, PASSED
from kata.steps import registry
from tests.hostile.processes import left_over

STEP = "step04"
SOLUTION = (paths.SOLUTIONS / "step04_optim.py").read_text()
LIMIT_MIB = scratch.SCRATCH_LIMIT // 2**20
FULL = f"holds {LIMIT_MIB} MiB of files in all"  # the refusal sentence of a write the tmpfs refused
DISK = f"wrote more than {LIMIT_MIB} MiB of files in its scratch folder"  # the judge's verdict
FILL = '''

def _fill():
    import os
    for _i in range(16):
        _name = f"big{_i}"
        if os.path.exists(_name) and os.path.getsize(_name) == 2**24:
            continue  # written by an earlier call: each later call fails at once on the full folder
        with open(_name, "wb") as _f:
            _f.write(b"x" * 2**24)
'''
WRITER = SOLUTION.replace("    model = Mnist_Logistic()\n", "    _fill()\n    model = Mnist_Logistic()\n", 1) + FILL
# writes past the cap in one call that never returns: only a watcher can stop it before the deadline
# (bounded at 1 GiB, then it waits, so a watcher that fails ends in a timeout, not a full disk)
ENDLESS = SOLUTION.replace("    model = Mnist_Logistic()\n", "    _fill()\n    model = Mnist_Logistic()\n", 1) + '''

def _fill():
    import time
    for _i in range(64):
        with open(f"big{_i}", "wb") as _f:
            _f.write(b"x" * 2**24)
    while True:
        time.sleep(0.05)
'''
as_root = pytest.mark.skipif(os.geteuid() != 0, reason="a tmpfs of its own without a user namespace needs root")
linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="process groups are read from /proc")


@pytest.fixture
def watched(monkeypatch):
    """Every Child made in the test: its pid, whether it started a watcher, and that watcher."""
    made: list[dict] = []
    close = Child.close

    def recording_close(self):
        made.append({"pid": self.pid, "watcher": self._watcher, "scratch": self.scratch})
        close(self)

    monkeypatch.setattr(Child, "close", recording_close)
    return made


def grade(submission, source: str | None = None, timeout: float = 60):
    if source is not None:
        (submission / "step04_optim.py").write_text(source)
    return runner.grade(registry.BY_ID[STEP], submission, timeout)


def snapshot(folder) -> dict:
    found = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = os.path.join(root, name)
            info = os.lstat(path)
            found[path] = (info.st_mode, info.st_uid, info.st_size, info.st_mtime_ns)
    return found


def group_left(pgid: int) -> list[int]:
    """Live processes of this process group."""
    return left_over(lambda fields, uid: int(fields[2]) == pgid)


def messages(r) -> str:
    return "\n".join([r.problem] + [c.message for c in r.checks])


def userns_refused(folder) -> str:
    """Why a child here could not mount its tmpfs in a user namespace of its own ("" if it can): tried
    on `folder` in a process of its own, as the child would (the mount goes with that process)."""
    if not sys.platform.startswith("linux"):
        return "user namespaces are Linux's"
    if os.geteuid() == 0 and sandbox.isolation_mode() != "landlock":
        return "a root grader forces a user namespace only where Landlock confines the child"
    probe = "import sys\nfrom kata.child import private_mounts\nprint(private_mounts.userns_tmpfs(sys.argv[1], 2**20))\n"
    done = subprocess.run([sys.executable, "-c", probe, str(folder)], cwd=paths.ROOT, capture_output=True, text=True,
                          timeout=60)
    said = done.stdout.strip()
    return "" if said == "mounted" else f"this kernel gives no tmpfs in a user namespace ({said or done.stderr[-200:]})"


@as_root
def test_a_tmpfs_of_its_own_caps_the_scratch_folder_in_all(submission, watched):
    (submission / "step04_optim.py").write_text(WRITER)
    before = snapshot(submission.parent)
    scratches = set(scratch.scratch_root().iterdir()) if scratch.scratch_root().is_dir() else set()
    r = grade(submission)
    assert r.status != PASSED
    said = messages(r)
    assert FULL in said and "Traceback" not in said, said
    assert "main()" in said  # what to change: save in main()
    assert f"{LIMIT_MIB} MiB of scratch space" in r.isolation and "watched" not in r.isolation, r.isolation
    assert [w["watcher"] for w in watched] == [None]  # a tmpfs caps it: nothing to watch
    after = snapshot(submission.parent)
    assert {p: v for p, v in after.items() if not p.startswith(str(paths.state_dir()))} == \
        {p: v for p, v in before.items() if not p.startswith(str(paths.state_dir()))}
    assert not watched[0]["scratch"].exists()
    assert set(scratch.scratch_root().iterdir()) <= scratches


@linux
def test_where_no_tmpfs_can_be_mounted_the_grader_watches_the_folder(submission, watched, monkeypatch):
    monkeypatch.setattr(Child, "scratch_cap", "watch")
    (submission / "step04_optim.py").write_text(WRITER)
    before = snapshot(submission)
    r = grade(submission, timeout=60)
    assert r.status == BROKEN, (r.status, r.problem)
    assert DISK in r.problem and "main()" in r.problem, r.problem
    assert "stopped after" not in r.problem and r.seconds < 60
    assert f"{LIMIT_MIB} MiB of scratch space, watched by the grader" in r.isolation, r.isolation
    (child,) = watched
    assert child["watcher"] is not None and not child["watcher"].is_alive()  # stopped with the child
    assert group_left(child["pid"]) == []
    assert not child["scratch"].exists()
    assert snapshot(submission) == before


@linux
def test_the_watcher_stops_a_call_that_writes_and_never_returns(submission, watched, monkeypatch):
    """No answer comes, so only the watcher (not a check at the next answer) can stop it before the
    deadline: the verdict is the disk's, not a timeout's."""
    monkeypatch.setattr(Child, "scratch_cap", "watch")
    r = grade(submission, ENDLESS, timeout=30)
    assert r.status == BROKEN and DISK in r.problem, r.problem
    assert "stopped after" not in r.problem
    (child,) = watched
    assert not child["watcher"].is_alive()
    assert group_left(child["pid"]) == []
    assert not child["scratch"].exists()


def test_a_tmpfs_in_a_user_namespace_caps_the_scratch_folder(submission, watched, monkeypatch, tmp_path):
    (tmp_path / "probe").mkdir()
    why = userns_refused(tmp_path / "probe")
    if why:
        pytest.skip(why)
    monkeypatch.setattr(Child, "scratch_cap", "userns")
    (submission / "step04_optim.py").write_text(WRITER)
    before = snapshot(submission)
    r = grade(submission)
    assert r.status != PASSED
    said = messages(r)
    assert FULL in said and "Traceback" not in said, said
    assert f"{LIMIT_MIB} MiB of scratch space, a tmpfs in a user namespace of its own" in r.isolation, r.isolation
    assert [w["watcher"] for w in watched] == [None]
    assert not watched[0]["scratch"].exists()
    assert snapshot(submission) == before


SEAL = """
import ctypes, json, os, sys, tempfile
from kata.child import private_mounts, zygote
scratch, how = sys.argv[1], sys.argv[2]
pid = os.fork()  # as the zygote's children are: single-threaded (torch's threads stay in the parent)
if pid:
    sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
try:
    os.setgroups([]); os.setresgid(65534, 65534, 65534); os.setresuid(65534, 65534, 65534)  # not root
    if how == "unmountable":  # the kernel refuses the mount (as Ubuntu's AppArmor does), after the namespace
        ctypes.CDLL(None).prctl(4, 1, 0, 0, 0)  # PR_SET_DUMPABLE: as a non-root grader's child is
        private_mounts._mount_tmpfs = lambda *args: False
    # else not dumpable (setuid made it so): it cannot write its own uid map
    try:
        isolation = zygote._seal(scratch, os.path.join(scratch, "step.py"), [], [], "process", [], False)
    except zygote.Unsealed as e:
        print(json.dumps({"unsealed": str(e)}), flush=True)
    else:
        caps = [line.split()[1] for line in open("/proc/self/status") if line.startswith(("CapEff", "CapPrm"))]
        print(json.dumps({"isolation": isolation, "caps": caps}), flush=True)
except BaseException:
    import traceback
    traceback.print_exc()
    os._exit(1)
finally:
    os._exit(0)
"""


def seal(how: str) -> dict:
    """kata.child.zygote._seal in a process of its own (it confines that process for good), as nobody, on
    a folder in /tmp (nobody cannot enter the test's own)."""
    top = tempfile.mkdtemp(prefix="kata-seal-", dir="/tmp")
    try:
        os.chmod(top, 0o777)
        (Path(top) / "step.py").write_text("")
        done = subprocess.run([sys.executable, "-c", SEAL, top, how], cwd=paths.ROOT, capture_output=True,
                              text=True, timeout=60)
    finally:
        shutil.rmtree(top, ignore_errors=True)
    said = done.stdout.strip().splitlines()
    assert done.returncode == 0 and said, done.stderr[-2000:]
    return json.loads(said[-1])


@pytest.mark.slow
@as_root
@linux
def test_a_user_namespace_whose_user_cannot_be_mapped_runs_nothing(tmp_path):
    """A child that is not root: unshare went through, but its uid could not be mapped, so it could
    create no file there: it says it is unsealed (and runs none of the learner's code)."""
    (tmp_path / "probe").mkdir()
    why = userns_refused(tmp_path / "probe")
    if why:
        pytest.skip(why)
    assert "could not map its user" in seal("unmappable").get("unsealed", ""), "not refused"


@pytest.mark.slow
@as_root
@linux
def test_a_refused_mount_in_the_user_namespace_falls_back_to_the_watcher(tmp_path):
    """A child that is not root, whose kernel gives it a user namespace but refuses the mount there: the
    judge watches its folder, and it keeps none of the capabilities the namespace gave it."""
    (tmp_path / "probe").mkdir()
    why = userns_refused(tmp_path / "probe")
    if why:
        pytest.skip(why)
    got = seal("unmountable")
    assert scratch.WATCHED in got.get("isolation", []) and not scratch.capped(got["isolation"]), got
    assert got["caps"] == ["0000000000000000", "0000000000000000"], got


@linux
def test_no_watcher_outlives_its_child(submission, monkeypatch):
    monkeypatch.setattr(Child, "scratch_cap", "watch")
    (submission / "step04_optim.py").write_text(SOLUTION)
    from kata.child import zygote_supply

    with Child(zygote_supply.zygote(), submission / "step04_optim.py", 30, 4096) as child:
        child.load()
        watcher = child._watcher
        assert watcher is not None and watcher.is_alive()
    assert not watcher.is_alive()
    assert watcher not in threading.enumerate()


def test_the_folder_sum_is_bounded(tmp_path):
    folder = tmp_path / "work"
    folder.mkdir()
    assert not scratch.over(folder)
    (folder / "small").write_bytes(b"x" * 1000)
    (folder / "deep").mkdir()
    (folder / "deep" / "small").write_bytes(b"x" * 1000)
    assert not scratch.over(folder)
    with open(folder / "deep" / "sparse", "wb") as f:  # few blocks, a large size: the larger counts
        f.truncate(scratch.SCRATCH_LIMIT + 1)
    assert scratch.over(folder)
    os.unlink(folder / "deep" / "sparse")
    for i in range(scratch.MAX_ENTRIES + 1):  # too many entries to sum in time: over, whatever their size
        (folder / f"e{i}").touch()
    assert scratch.over(folder)
    assert scratch.over(tmp_path / "gone") is False  # nothing there: nothing written


@pytest.mark.parametrize("info", [
    {"type": "OSError", "errno": 28, "message": "[Errno 28] No space left on device"},
    {"type": "OSError", "errno": 27, "message": "[Errno 27] File too large"},
    {"type": "OSError", "message": "[Errno 122] Disk quota exceeded: 'big'"},
    {"type": "RuntimeError", "message": "[enforce fail at inline_container.cc:672] . unexpected pos 576 vs 534",
     "through": ["step04_optim", "torch.serialization"]},
])
def test_a_write_past_the_cap_is_named_for_what_it_is(info):
    assert refusals.kind(info) == "full"
    said = refusals.sentence(info)
    assert FULL in said and "main()" in said
    assert FULL in verdicts.learner_error(info | {"kind": "exception", "line": 3, "code": "f.write(x)"},
                                          paths.ROOT / "step04_optim.py")
    assert FULL in verdicts.import_error(info | {"kind": "exception", "line": 3, "code": "f.write(x)"},
                                         paths.ROOT / "step04_optim.py")


def test_the_disk_verdict_says_what_to_change():
    said = verdicts.gone(ChildGone("disk", "wrote too much"), paths.ROOT / "step04_optim.py", 60)
    assert DISK in said and "main()" in said and "Nothing after that could be graded" in said
