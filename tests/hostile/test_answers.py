"""Answers larger than any check reads: the judge's own work on them is bounded and counted.

A model that returns 100,000 small tensors once cost the judge most of a minute of its own work
(decoding them, then printing them in a message), which no deadline counted. An answer is now read
within kata.child.wire.ANSWER's limits, checked on its header before anything is built: an oversized
one is a verdict in one sentence, and the judge's time on the learner's answers counts against the
step's deadline. All three fronts (the cold grader, the server's workers, the Gradescope bundle) grade
through runner.grade, so the step files below go through it too.
"""
from __future__ import annotations

import json
import socket
import time

import pytest
import torch

from kata import paths
from kata.child import wire, zygote_supply
from kata.judging.remote import Child, ChildGone, TooBig
from kata.judging.results import BROKEN, FAILED, FAILING
from kata.learner import cli
from tests.conftest import grade

FORWARD = "        return xb @ self.weights + self.bias"
STEP02 = (paths.SOLUTIONS / "step02_module.py").read_text()
STEP15 = (paths.SOLUTIONS / "step15_regression.py").read_text()


def forward_returns(expression: str) -> str:
    assert STEP02.count(FORWARD) == 1
    return STEP02.replace(FORWARD, f"        return {expression}")


def check(result, check_id: str):
    return next(c for c in result.checks if c.id == check_id)


# --- the grade: one sentence, within the deadline ------------------------------------------------------

def test_a_forward_of_100000_small_tensors_is_one_sentence(submission):
    (submission / "step02_module.py").write_text(forward_returns("[torch.zeros(1) for _ in range(100_000)]"))
    r = grade("step02", submission, timeout=60)
    forward = check(r, "step02.forward")
    assert r.status == FAILING and forward.status == FAILED
    assert "100,000 tensors" in forward.message and "torch.stack" in forward.message, forward.message
    assert len(forward.message) < 400, "the list itself is not printed"
    assert forward.stage == "structure"


def test_a_fit_that_returns_a_huge_list_of_tensors_is_one_sentence(submission):
    old = "    return losses\n"
    assert STEP15.count(old) == 1
    (submission / "step15_regression.py").write_text(
        STEP15.replace(old, "    return [torch.zeros(1) for _ in range(20_000)]\n"))
    r = grade("step15", submission, timeout=60)
    fits = [check(r, "step15.one-update"), check(r, "step15.k-updates")]
    assert r.status == FAILING
    for fit in fits:
        assert fit.status == FAILED and "20,000 tensors" in fit.message, fit.message


def test_a_tensor_of_more_elements_than_any_check_reads_is_one_sentence(submission):
    (submission / "step02_module.py").write_text(forward_returns(
        f"torch.zeros({wire.ANSWER.elements + 1}, dtype=torch.bool)"))
    r = grade("step02", submission, timeout=60)
    forward = check(r, "step02.forward")
    assert forward.status == FAILED and f"{wire.ANSWER.elements + 1:,} numbers" in forward.message, forward.message


@pytest.mark.slow
def test_a_small_timeout_is_honoured_by_the_cold_grader(submission, capfd):
    """--timeout 2: the grade ends, with a verdict for every check (too big, or stopped), never a traceback."""
    (submission / "step02_module.py").write_text(forward_returns("[torch.zeros(1) for _ in range(100_000)]"))
    code = cli.main(["step02", "--target", str(submission), "--timeout", "2", "--json"])
    result = json.loads(capfd.readouterr().out)
    assert code == 1 and result["status"] in (FAILING, BROKEN)
    forward = next(c for c in result["checks"] if c["id"] == "step02.forward")
    assert forward["status"] == FAILED
    said = forward["message"] + result["problem"]
    assert "100,000 tensors" in said or "stopped after 2 s" in result["problem"], said


# --- the wire: limits checked on the header, before anything is built ---------------------------------

def test_an_answer_is_read_within_its_limits_and_a_judges_message_is_not():
    many = wire.encode([torch.zeros(1)] * (wire.ANSWER.tensors + 1))
    with pytest.raises(wire.TooBig) as e:
        wire.decode(many, wire.ANSWER)
    assert (e.value.what, e.value.size, e.value.limit) == ("tensors", wire.ANSWER.tensors + 1, wire.ANSWER.tensors)
    assert len(wire.decode(many)) == wire.ANSWER.tensors + 1  # what the judge sends the child has no such limit
    assert len(wire.decode(wire.encode([torch.zeros(1)] * 100), wire.ANSWER)) == 100

    with pytest.raises(wire.TooBig) as e:
        wire.decode(wire.encode(torch.zeros(wire.ANSWER.elements + 1, dtype=torch.bool)), wire.ANSWER)
    assert e.value.what == "elements"
    with pytest.raises(wire.TooBig) as e:
        wire.decode(wire.encode(["x" * 2000] * (wire.ANSWER.header // 2000 + 1)), wire.ANSWER)
    assert e.value.what == "header"


def test_a_message_over_the_byte_limit_is_too_big_and_left_unread():
    ours, theirs = socket.socketpair()
    with ours, theirs:
        wire.send(theirs, torch.zeros(1000, dtype=torch.uint8))
        with pytest.raises(wire.TooBig) as e:
            wire.receive(ours, time.monotonic() + 5, limit=100)
        assert e.value.what == "bytes" and e.value.size > 1000


# --- the child: a too-big answer fails its handle, the channel stays in step -------------------------

SOURCE = """import torch

def many(n):
    return [torch.zeros(1) for _ in range(n)]

def one():
    return torch.ones(3)
"""


def child_of(tmp_path, timeout=30):
    path = tmp_path / "step99_answers.py"
    path.write_text(SOURCE)
    child = Child(zygote_supply.zygote(), path, timeout, 4096)
    child.load()
    return child


def test_a_too_big_answer_fails_its_handle_and_the_next_answers_come_in_order(tmp_path):
    with child_of(tmp_path) as child:
        big = child.get("many")(wire.ANSWER.tensors + 1)
        after = child.get("one")()  # sent ahead, behind the big one
        with pytest.raises(TooBig):
            big.value()
        assert torch.equal(after.value(), torch.ones(3))
        with pytest.raises(TooBig):
            big.value()  # the same verdict when it is read again, not another request
        assert len(child.get("many")(10).value()) == 10


def test_the_judges_own_work_on_answers_counts_against_the_deadline(tmp_path):
    with child_of(tmp_path) as child:
        before = child.budget
        child.get("many")(wire.ANSWER.tensors).value()  # waiting for it and decoding it both count
        assert child.budget < before
        child.budget = 0.01
        with pytest.raises(ChildGone) as e:
            with child.charged():  # converting an answer, say
                time.sleep(0.05)
        assert e.value.how == "timeout"
