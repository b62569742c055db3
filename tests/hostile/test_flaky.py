"""Code that answers differently for the same input gets a verdict, the same on every run, never a traceback.

A function wrong only on its 7th and 8th call once ended a cold grade in hypothesis's FlakyFailure:
the check failed on a case, then passed on the very same case. Answers that change after they were
returned (a thread writing into them, the next call writing into the tensor returned before) are read
from the copy the child sends with the answer, so what the judge compares is what was returned.
"""
from __future__ import annotations

import pytest
import torch

from kata import paths
from kata.child import zygote_supply
from kata.judging import case_drawing
from kata.judging.remote import Child
from kata.judging.results import FAILED, PASSED
from tests.conftest import grade

FORWARD = "        return xb @ self.weights + self.bias"
STEP02 = (paths.SOLUTIONS / "step02_module.py").read_text()


def forward_does(body: str, prelude: str = "") -> str:
    """step02's solution with forward's last line replaced by `body` (indented as forward's), and `prelude`
    at the end of the file's imports."""
    assert STEP02.count(FORWARD) == 1 and STEP02.count("from torch import nn\n") == 1
    text = STEP02.replace(FORWARD, "\n".join("        " + line for line in body.splitlines()))
    return text.replace("from torch import nn\n", "from torch import nn\n" + prelude)


def verdict(result) -> list[tuple[str, str, str, str]]:
    """What the learner reads of a grade, check by check."""
    return [(c.id, c.status, c.message, c.counterexample) for c in result.checks] + [(result.status, result.problem,
                                                                                      "", "")]


def check(result, check_id: str):
    return next(c for c in result.checks if c.id == check_id)


@pytest.fixture
def cold(monkeypatch):
    """No cases kept from an earlier grade in this process: each grade is a cold grade."""
    monkeypatch.setattr(case_drawing, "_kept", {})


def graded_twice(submission, source: str):
    """Two cold grades of step02 with `source` as its file: the verdict must not depend on the run."""
    (submission / "step02_module.py").write_text(source)
    first = grade("step02", submission)
    case_drawing._kept.clear()
    second = grade("step02", submission)
    assert verdict(first) == verdict(second)
    return first


WRONG_ON_7_AND_8 = forward_does("_calls[0] += 1\nout = xb @ self.weights + self.bias\n"
                                "return out + 1 if _calls[0] in (7, 8) else out", prelude="_calls = [0]\n")


def test_a_function_wrong_on_its_7th_and_8th_call_gets_the_same_verdict_every_time(submission, cold):
    first = graded_twice(submission, WRONG_ON_7_AND_8)
    forward = check(first, "step02.forward")
    assert forward.status == FAILED
    assert "`Mnist_Logistic` gave different answers for the same input" in forward.message, forward.message
    assert "run 7" in forward.message and "depend only on its arguments" in forward.message
    assert forward.counterexample


def test_a_warm_grade_of_it_gets_a_verdict_too(submission):
    """With the cases of the reference's passing grade kept, the wrong calls fall elsewhere: a verdict still."""
    grade("step02", paths.SOLUTIONS)
    (submission / "step02_module.py").write_text(WRONG_ON_7_AND_8)
    r = grade("step02", submission)
    assert check(r, "step02.forward").status == FAILED and not r.problem


THREAD = forward_does("out = xb @ self.weights + self.bias\nbuffer = out.detach()\n"
                      "def spin():\n    while True:\n        buffer.add_(1)\n"
                      "threading.Thread(target=spin, daemon=True).start()\nreturn out", prelude="import threading\n")


def test_a_thread_that_keeps_changing_a_returned_tensor_gets_the_same_verdict_every_time(submission, cold):
    """Where the child refuses threads, the sentence says so; where it runs them, no answer is taken while
    one runs. Either way the verdict is the same on every run."""
    first = graded_twice(submission, THREAD)
    forward = check(first, "step02.forward")
    assert forward.status == FAILED
    assert "The grader runs your code without new processes, threads or network" in forward.message
    if "can't start new thread" in forward.message:
        assert "This line starts a thread: do the work in the function itself" in forward.message
    else:
        assert "still running" in forward.message, forward.message


MUTATES_EARLIER = forward_does("out = xb @ self.weights + self.bias\n"
                               "with torch.no_grad():\n    for earlier in _returned:\n        earlier.add_(100.0)\n"
                               "_returned.append(out)\nreturn out", prelude="_returned = []\n")


def test_a_forward_that_changes_what_it_returned_before_is_judged_on_what_it_returned(submission, cold):
    first = graded_twice(submission, MUTATES_EARLIER)
    assert check(first, "step02.forward").status == PASSED, check(first, "step02.forward").message


# --- the child: what the judge holds is the copy taken when the answer was returned ---------------------

SOURCE = """import torch

_kept = []

def pair():
    _kept[:] = [torch.zeros(3), torch.ones(2)]
    return _kept[0], _kept[1]

def listed():
    _kept[:] = [torch.zeros(3), torch.ones(2)]
    return list(_kept)

def bump():
    for t in _kept:
        t.add_(5)
"""


def test_a_returned_tuple_or_list_is_read_as_it_was_returned(tmp_path):
    path = tmp_path / "step99_returned.py"
    path.write_text(SOURCE)
    with Child(zygote_supply.zygote(), path, 30, 4096) as child:
        child.load()
        for name in ("pair", "listed"):
            got = child.get(name)()
            child.get("bump")()  # changes the returned tensors in place, after they were returned
            xb, yb = got.unpack(2)
            assert torch.equal(xb.value(), torch.zeros(3)) and torch.equal(yb.value(), torch.ones(2)), name
            assert torch.equal(got.value()[0], torch.zeros(3)), name
