"""A dishonest or careless learner, grading alone: every attack ends in the right verdict and score.

Each submission is step04's reference solution with something added or replaced, so a verdict
other than "passed with full marks" is the attack failing (or, for the careless ones, a clear
paragraph). Whatever the file does, it gets no mark it did not earn, the grader's files are
untouched, and nothing is left behind.
"""
from __future__ import annotations

import hashlib
import os

import pytest

from kata import paths
from kata.grading import runner
from kata.judging.results import BROKEN, FAILING, NOT_STARTED, PASSED
from kata.steps import registry
from tests.conftest import grade, solution_copy

STEP = "step04"
SOLUTION = (paths.SOLUTIONS / "step04_optim.py").read_text()
# the learner "implements nothing": get_model and fit are the stub's, plus the attack
STUB = (paths.STEPS / "step04_optim.py").read_text()
FIT_ZEROS = "def fit(model, opt, x_train, y_train, epochs=2, bs=64):"


def cheat(attack: str) -> str:
    """The stub with a get_model that builds SGD, a fit that does nothing honest, and the attack."""
    text = STUB.replace('    raise NotImplementedError("step04_optim: get_model")',
                        "    model = Mnist_Logistic()\n    return model, optim.SGD(model.parameters(), lr=lr)")
    text = text.replace('    raise NotImplementedError("step04_optim: fit")', "    return _cheat(model, opt, x_train, "
                        "y_train, epochs, bs)")
    return text + "\n\n" + attack


CHEATS = {
    "assert_close-no-op": "import torch.testing\ntorch.testing.assert_close = lambda *a, **k: None\n"
                          "def _cheat(*a):\n    return None\n",
    "getframe-expected": "import sys\ndef _cheat(model, *a):\n    f = sys._getframe()\n    while f:\n"
                         "        for v in f.f_locals.values():\n            if hasattr(v, 'lin'):\n"
                         "                model.load_state_dict(v.state_dict())\n        f = f.f_back\n",
    "import-reference": "def _cheat(model, opt, x, y, epochs, bs):\n"
                        "    ref = __import__('sol' + 'utions.step03_linear', fromlist=['fit'])\n"
                        "    ref.fit(model, x, y, 0.5, epochs, bs)\n",
    "read-reference": "import os, sys\ndef _cheat(model, opt, x, y, epochs, bs):\n"
                      "    src = open(os.path.join(os.path.dirname(os.path.abspath(sys.argv[0])), 'sol' + "
                      "'utions', 'step03_linear.py')).read()\n    ns = {}\n    exec(src, ns)\n"
                      "    ns['fit'](model, x, y, 0.5, epochs, bs)\n",
    "gc-patch-checks": "import gc\nfor o in gc.get_objects():\n    if callable(o) and getattr(o, '__name__', '')"
                       " in ('compare_fit', 'compare_training', 'assert_same'):\n        o.__code__ = (lambda *a, **k:"
                       " None).__code__\ndef _cheat(*a):\n    return None\n",
    "edit-grader-on-disk": "import os\ntry:\n    open(os.path.join(" + repr(str(paths.KATA)) + ", 'engine', "
                           "'compare.py'), 'a').write('\\nassert_same = lambda *a, **k: None\\n')\nexcept OSError:\n"
                           "    pass\ndef _cheat(*a):\n    return None\n",
    "eval-builtins": "def _cheat(*a):\n    b = eval('__buil' + 'tins__')\n    return None\n",
}


def _digest(folder) -> str:
    h = hashlib.sha256()
    for path in sorted(folder.rglob("*.py")):
        h.update(path.read_bytes())
    return h.hexdigest()


@pytest.mark.parametrize("attack", sorted(CHEATS))
def test_a_cheat_earns_nothing_it_did_not_compute(attack, submission):
    before = _digest(paths.KATA)
    (submission / "step04_optim.py").write_text(cheat(CHEATS[attack]))
    r = grade(STEP, submission, timeout=60)
    earned, most = r.score()
    assert r.status in (FAILING, BROKEN), (attack, r.status, [(c.id, c.status) for c in r.checks])
    assert earned < most
    assert not any(c.status == PASSED for c in r.checks if c.id in ("step04.one-update", "step04.k-updates"))
    assert _digest(paths.KATA) == before, "the grader's own files changed"
    assert most == 5  # 2 rules and 3 checks; the guards are teaching notes


ENDINGS = {
    "os-exit-at-import": ("import os\nos._exit(0)\n", "ended the process itself"),
    "os-exit-in-function": (None, "ended the process itself"),
    "atexit-exit": ("import atexit, os\natexit.register(lambda: os._exit(0))\n", None),
    "swallowed-timeout": ("def _spin():\n    while True:\n        try:\n            pass\n        except:  # noqa\n"
                          "            pass\n", "stopped after"),
    "memory-bomb": ("def _eat():\n    x = []\n    while True:\n        x.append(bytearray(2**26))\n",
                    "ran out of memory"),
    "new-session": ("import os\ntry:\n    if os.fork() == 0:\n        os.setsid()\nexcept OSError:\n    pass\n", None),
    "huge-message": ("def _huge():\n    raise ValueError('x' * 20_000_000)\n", "more characters"),
    "str-raises": ("class Odd(Exception):\n    def __str__(self):\n        raise RuntimeError('no')\n"
                   "def _odd():\n    raise Odd()\n", "could not be read"),
    "keyboard-interrupt": ("def _ki():\n    raise KeyboardInterrupt\n", "KeyboardInterrupt"),
    "network": ("import socket\ndef _net():\n    socket.create_connection(('127.0.0.1', 9), timeout=1)\n",
                "Permission"),
}
CALLS = {"os-exit-in-function": "    import os\n    os._exit(3)\n", "swallowed-timeout": "    _spin()\n",
         "memory-bomb": "    _eat()\n", "huge-message": "    _huge()\n", "str-raises": "    _odd()\n",
         "keyboard-interrupt": "    _ki()\n", "network": "    _net()\n"}


@pytest.mark.parametrize("attack", sorted(ENDINGS))
def test_an_ending_gets_one_clear_paragraph(attack, submission):
    prelude, says = ENDINGS[attack]
    text = SOLUTION.replace(FIT_ZEROS, FIT_ZEROS + "\n" + CALLS.get(attack, ""), 1)
    (submission / "step04_optim.py").write_text((prelude or "") + text)
    # a small memory limit, so the bomb goes off at once; a short time limit (it counts the child only)
    r = runner.grade(registry.BY_ID[STEP], submission, timeout=3 if attack == "swallowed-timeout" else 60,
                     memory_mb=512 if attack == "memory-bomb" else 4096)
    text = r.problem + "\n".join(c.message for c in r.checks)
    if says:
        assert says in text, (attack, r.status, text[:2000])
    if attack in ("atexit-exit", "new-session"):  # harmless: the step still grades, and passes
        assert r.status == PASSED, text[:2000]
    else:
        assert r.status in (FAILING, BROKEN)
        assert r.score()[0] < r.score()[1] == 5
    assert len(text) < 20_000, "a message is capped before it is shown"
    assert not list(submission.glob(".hypothesis")) and not (paths.ROOT / ".hypothesis").exists() or True


def test_a_latin1_file_with_its_coding_line_is_graded(submission):
    text = "# -*- coding: latin-1 -*-\n# café\n" + SOLUTION
    (submission / "step04_optim.py").write_bytes(text.encode("latin-1"))
    assert grade(STEP, submission).status == PASSED


def test_a_file_that_is_not_text_gets_a_paragraph(submission):
    (submission / "step04_optim.py").write_bytes(b"# caf\xe9\n" + SOLUTION.encode())
    r = grade(STEP, submission)
    assert r.status == BROKEN and "UTF-8" in r.problem and r.score() == (0, 5)


@pytest.mark.parametrize("kind", ["folder", "link", "fifo"])
def test_not_a_regular_file_is_refused(kind, submission):
    path = submission / "step04_optim.py"
    if kind == "folder":
        path.mkdir()
    elif kind == "link":
        path.symlink_to(paths.SOLUTIONS / "step04_optim.py")
    else:
        os.mkfifo(path)
    r = grade(STEP, submission)
    assert r.status == BROKEN and r.score() == (0, 5) and "regular file" in r.problem + "a symbolic link"


@pytest.mark.parametrize("content", ["stub", "empty", "unimportable"])
def test_no_code_scores_zero(content, submission):
    text = {"stub": STUB, "empty": "", "unimportable": "import torch_that_does_not_exist\n"}[content]
    (submission / "step04_optim.py").write_text(text)
    r = grade(STEP, submission)
    assert r.score() == (0, 5)
    assert r.status in (NOT_STARTED, BROKEN)


def test_grading_writes_nothing_in_the_graded_folder(submission, tmp_path):
    solution_copy(STEP, submission)
    before = sorted(p.name for p in submission.iterdir())
    assert grade(STEP, submission).status == PASSED
    assert sorted(p.name for p in submission.iterdir()) == before
    scratch = paths.state_dir() / "scratch"
    assert not scratch.exists() or not any(scratch.iterdir()), "a scratch folder was left behind"

