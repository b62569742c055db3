"""The learner's child as the judge sees it: every call starts from the same random state, whatever
the learner's code drew before; its handles, values and errors."""
from __future__ import annotations

import torch

from kata.child import zygote_supply
from kata.judging.remote import Child, LearnerError

SOURCE = """import torch
torch.rand(5)  # a draw at import: the state after it is the learner's business, not the case's

def draw():
    return torch.rand(3)

def draw_twice():
    torch.rand(1)
    return torch.rand(3)

def fails():
    raise ValueError("no")
"""


def child_of(tmp_path, source=SOURCE):
    path = tmp_path / "step99_child.py"
    path.write_text(source)
    child = Child(zygote_supply.zygote(), path, 30, 4096)
    child.load()
    return child


def test_every_call_starts_from_the_same_random_state(tmp_path):
    with child_of(tmp_path) as child:
        first, again = child.get("draw")().value(), child.get("draw")().value()
        assert torch.equal(first, again)
        torch.manual_seed(0)
        assert torch.equal(first, torch.rand(3, dtype=first.dtype))  # the state is seed 0's, not the import's
        assert not torch.equal(child.get("draw_twice")().value(), first)  # the learner's own draws still count
        assert torch.equal(child.get("draw")(seed=7).value(), torch.manual_seed(7) and torch.rand(3, dtype=first.dtype))


def test_an_error_surfaces_where_the_judge_reads_the_answer(tmp_path):
    with child_of(tmp_path) as child:
        result = child.get("fails")()  # sent ahead: nothing read yet
        try:
            result.value()
        except LearnerError as e:
            assert e.info["type"] == "ValueError" and e.info["line"] == 12
        else:
            raise AssertionError("the learner's exception was lost")
        assert torch.equal(child.get("draw")().value(), child.get("draw")().value())  # and the child goes on


def test_an_ask_behind_a_failed_request_raises_that_failure_and_keeps_the_answers_in_order(tmp_path):
    with child_of(tmp_path) as child:
        child.get("fails")()  # sent ahead, fails in the child
        try:
            child.ran()  # an ask goes out at once, behind it: the failure ahead is what the judge hears
        except LearnerError as e:
            assert e.info["type"] == "ValueError"
        else:
            raise AssertionError("the failure sent ahead was lost")
        assert isinstance(child.ran(), dict)  # the next ask gets its own answer, not the one left over
        assert torch.equal(child.get("draw")().value(), child.get("draw")().value())
