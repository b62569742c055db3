"""A class with hostile learners in it: every classmate's result is byte-identical to a clean run.

The hostile ones try to rewrite classmates' files, kill siblings or the parent, forge a result on
an inherited descriptor, read the hidden checks, hang with the channel closed, or ship a FIFO.
"""
from __future__ import annotations

import json
import os
import shutil

import pytest

from kata import paths
from kata.classroom import grading
from kata.classroom.reports import write_reports
from kata.steps import registry

STEP = registry.BY_ID["step04"]
SOLUTION = (paths.SOLUTIONS / STEP.filename).read_text()
STUB = (paths.STEPS / STEP.filename).read_text()
FIT = "def fit(model, opt, x_train, y_train, epochs=2, bs=64):\n"

HOSTILE = {
    "overwrite-classmates": "import glob\nfor p in glob.glob('/**/step04_optim.py', recursive=True):\n    try:\n"
                            "        open(p, 'w').write('')\n    except OSError:\n        pass\n",
    "kill-everyone": "import os, signal\nfor pid in range(2, 4 * 2**15):\n    if pid != os.getpid():\n        try:\n"
                     "            os.kill(pid, signal.SIGKILL)\n        except OSError:\n            pass\n",
    "forge-result": "import os, json\nfor fd in range(3, 64):\n    try:\n        os.write(fd, json.dumps({'status': "
                    "'passed', 'checks': []}).encode())\n    except OSError:\n        pass\n",
    "read-hidden": "import glob\nSTOLEN = [open(p).read() for p in glob.glob('/**/hidden/*.py', recursive=True)]\n",
    "close-and-sleep": "import os, time\nfor fd in range(3, 64):\n    try:\n        os.close(fd)\n    except OSError:\n"
                       "        pass\ntime.sleep(600)\n",
}


def _class(root, hostile: bool):
    for name in ("alice", "bob"):
        (root / name).mkdir(parents=True)
    (root / "alice" / STEP.filename).write_text(SOLUTION)
    (root / "bob" / STEP.filename).write_text(STUB)
    if hostile:
        for name, attack in HOSTILE.items():
            (root / name).mkdir()
            (root / name / STEP.filename).write_text(attack + SOLUTION)
        (root / "fifo").mkdir()
        os.mkfifo(root / "fifo" / STEP.filename)
    return root


@pytest.mark.slow
def test_hostile_classmates_change_nothing(tmp_path):
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    (hidden / "step04.py").write_text("from kata.grading.plain_checks import check\n\n"
                                      "SECRET = 'the hidden check text'\n\n\n"
                                      "@check(SECRET)\ndef nothing(learner, reference, previous):\n    pass\n")
    clean = grading.grade_class(_class(tmp_path / "clean" / "subs", False), [STEP], jobs=2, timeout=10,
                                hidden_folder=hidden)
    dirty_root = _class(tmp_path / "dirty" / "subs", True)
    snapshot = {p: p.read_bytes() for p in dirty_root.rglob("*.py") if p.is_file()}
    dirty = grading.grade_class(dirty_root, [STEP], jobs=2, timeout=10, hidden_folder=hidden)

    def same(result, learner):
        grade = dict(result.grades[learner]["step04"])
        return json.dumps(grade, sort_keys=True).replace(str(tmp_path / "clean"), "X").replace(
            str(tmp_path / "dirty"), "X")

    for learner in ("alice", "bob"):
        assert same(clean, learner) == same(dirty, learner)
    assert {p: p.read_bytes() for p in snapshot} == snapshot, "a submission was changed"
    # each attack failed inside its own child: the correct code beside it still earns its marks,
    # and the one that hangs with its channel closed is stopped, alone
    for name in ("overwrite-classmates", "read-hidden"):
        assert dirty.grades[name]["step04"]["status"] == "passed", name
    # these break only their own step: garbage on their own channel, a hang with the channel closed
    for name in ("forge-result", "close-and-sleep"):
        assert dirty.grades[name]["step04"]["status"] == "broken", name
    # SIGKILL to every pid reaches no other process; it may hit the child's own threads
    assert dirty.grades["kill-everyone"]["step04"]["status"] in ("passed", "broken")
    assert dirty.grades["fifo"]["step04"]["status"] == "broken"
    assert "hidden check text" not in json.dumps(dirty.grades)
    out = tmp_path / "out"
    out.mkdir()
    (out / "summary.md").symlink_to(tmp_path / "victim.txt")
    write_reports(dirty, out)
    assert not (tmp_path / "victim.txt").exists() and not (out / "summary.md").is_symlink()
    scratch = paths.state_dir() / "scratch"
    assert not scratch.exists() or not any(scratch.iterdir()), "a scratch folder was left behind"
    shutil.rmtree(tmp_path / "dirty", ignore_errors=True)
