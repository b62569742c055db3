"""Where Landlock is missing, a root grader runs each child as a user of its own
(kata.child.unprivileged). Tried here with KATA_SANDBOX=uid, in a fresh grader process each (the
zygote decides its mode when it starts): the step still grades, and the child cannot signal the
grader, write outside its folder, read what other users cannot, or share a user with a classmate."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from kata import paths
from kata.child import unprivileged

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="only root can run a child as another user")

SOLUTION = (paths.SOLUTIONS / "step04_optim.py").read_text()
ATTACK = '''
import os, signal
def _attack(secret):
    found = []
    try:
        os.kill(os.getppid(), 0)
        found.append("signalled its parent")
    except OSError:
        pass
    try:
        open("{outside}", "w").write("x")
        found.append("wrote outside its folder")
    except OSError:
        pass
    try:
        open(secret).read()
        found.append("read a file only its owner may read")
    except OSError:
        pass
    return found
_FOUND = _attack("{secret}")
UID = os.getuid()
'''

GRADE = """
import json, sys
from pathlib import Path
from kata.grading import runner
from kata.judging.remote import Child
from kata.child import zygote_supply
from kata.steps import registry
folder = Path(sys.argv[1])
result = runner.grade(registry.BY_ID["step04"], folder)
with Child(zygote_supply.zygote(), folder / "step04_optim.py", 30, 4096) as a, \\
        Child(zygote_supply.zygote(), folder / "step04_optim.py", 30, 4096) as b:
    a.load(), b.load()
    found, uids = a.get("_FOUND").value(), [a.get("UID").value(), b.get("UID").value()]
print(json.dumps({"status": result.status, "isolation": result.isolation, "found": found, "uids": uids}))
"""


@pytest.mark.slow
def test_a_child_runs_as_a_user_of_its_own(tmp_path):
    secret = tmp_path / "private" / "secret.txt"
    secret.parent.mkdir(mode=0o700)
    secret.write_text("the instructor's")
    outside = tmp_path / "planted.txt"
    folder = tmp_path / "learner"
    folder.mkdir()
    (folder / "step04_optim.py").write_text(SOLUTION + ATTACK.format(outside=outside, secret=secret))
    env = os.environ | {"KATA_SANDBOX": "uid", "KATA_SERVER": "off"}
    done = subprocess.run([sys.executable, "-c", GRADE, str(folder)], cwd=paths.ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert got["status"] == "passed", got
    assert "its own user" in got["isolation"] and "Landlock" not in got["isolation"]
    assert got["found"] == [], got["found"]
    assert not outside.exists()
    a, b = got["uids"]
    assert a != b and min(a, b) >= unprivileged.BASE, "two children share a user"


def test_the_report_names_what_other_users_can_read():
    top = Path(tempfile.mkdtemp(prefix="kata-exposed-", dir="/tmp"))  # /tmp: anyone may enter
    try:
        os.chmod(top, 0o755)
        (top / "open").mkdir(mode=0o755)
        (top / "shut").mkdir(mode=0o700)
        (top / "shut" / "inside").mkdir(mode=0o755)  # readable bits, behind a folder others cannot enter
        paths_ = [str(top / name) for name in ("open", "shut", "shut/inside", "missing")]
        assert unprivileged.exposed(paths_) == [str(top / "open")]
    finally:
        shutil.rmtree(top)


def test_the_scratch_root_is_refused_when_another_user_could_have_planted_it(tmp_path, monkeypatch):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    root = unprivileged.scratch_root()
    assert oct(os.stat(root).st_mode & 0o777) == "0o711"
    os.chmod(root, 0o777)
    with pytest.raises(PermissionError):
        unprivileged.scratch_root()


def test_require_sandbox_refuses_what_cannot_confine(monkeypatch):
    from kata.child import sandbox
    from kata.grading import confinement

    monkeypatch.setenv("KATA_SANDBOX", "process")
    assert "process isolation only" in confinement.shortfall()
    monkeypatch.setenv("KATA_SANDBOX", "uid")
    monkeypatch.setattr(unprivileged, "exposed", lambda paths_: [paths_[0]])
    assert str(paths.SOLUTIONS) in confinement.shortfall()
    monkeypatch.setattr(unprivileged, "exposed", lambda paths_: [])
    assert confinement.shortfall() == ""
    monkeypatch.delenv("KATA_SANDBOX")
    if sandbox.landlock_abi() >= 6:
        assert confinement.shortfall() == ""
