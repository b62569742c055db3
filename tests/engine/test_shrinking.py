"""A failing grade costs about what a passing one does: hypothesis shrinks a failure within a number of
tries (the same on any machine, so the verdict is too), the diagnosis of a training runs once, on the
final case, and the time the kata spends on a failure is not the learner's."""
from __future__ import annotations

import dataclasses
import time

import pytest

from kata import paths
from kata.grading import runner
from kata.judging import case_drawing
from kata.judging.remote import Child
from kata.judging.results import FAILED
from tests.conftest import grade

STEP01 = (paths.SOLUTIONS / "step01_functional.py").read_text()
# the logits come back as float32: the fit check fails on every case, and once took 30 s to shrink
FLOAT32 = STEP01.replace("    return xb @ weights + bias", "    return (xb @ weights + bias).float()")


@pytest.fixture
def cold(monkeypatch):
    monkeypatch.setattr(case_drawing, "_kept", {})


def test_a_failure_is_shrunk_within_about_what_its_check_costs_when_it_passes(submission, cold, monkeypatch):
    assert FLOAT32 != STEP01
    calls: dict[str, int] = {}
    run_property = runner.run_property

    def counted(check, *args, **kwargs):
        def body(child, ref, case):
            calls[check.id] = calls.get(check.id, 0) + 1
            return check.body(child, ref, case)
        return run_property(dataclasses.replace(check, body=body), *args, **kwargs)

    monkeypatch.setattr(runner, "run_property", counted)
    (submission / "step01_functional.py").write_text(FLOAT32)
    result = grade("step01", submission)
    fit = next(c for c in result.checks if c.id == "step01.fit")
    assert fit.status == FAILED and fit.counterexample
    check = next(c for c in runner.registry.BY_ID["step01"].checks_to_run() if c.id == "step01.fit")
    tries = len(check.edges) + check.max_examples
    # the cases until the first failure, as many again to shrink it, its replay and its diagnosis
    assert calls["step01.fit"] <= 2 * tries + 2, calls


def test_a_shrunk_failure_reads_the_same_on_every_grade(submission, cold):
    (submission / "step01_functional.py").write_text(FLOAT32)
    first = grade("step01", submission).to_dict()
    case_drawing._kept.clear()
    second = grade("step01", submission).to_dict()
    for result in (first, second):
        result.pop("seconds", None)
    assert first == second
    fit = next(c for c in first["checks"] if c["id"] == "step01.fit")
    assert "they part" in fit["message"].lower()  # the diagnosis (where the training parts) ran, on the final case


def test_the_time_the_kata_spends_on_a_failure_is_not_the_learners():
    """Child.charged counts a wait against the learner's budget, unless the child is `free` (once a
    check has failed: shrinking and replays)."""
    child = object.__new__(Child)
    child.timeout, child.budget, child._charging, child.free = 10.0, 10.0, False, True
    with child.charged():
        time.sleep(0.02)
    assert child.budget == 10.0
    child.free = False
    with child.charged():
        time.sleep(0.02)
    assert child.budget < 10.0
