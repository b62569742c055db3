"""Kept cases (kata.judging.case_drawing): a grade that runs the cases hypothesis drew when the check last
passed gives hypothesis's own verdict, word for word, for passing and failing code alike."""
from __future__ import annotations

import pytest

from kata import paths
from kata.authoring import mutants
from kata.grading import runner
from kata.judging import case_drawing
from kata.steps import registry

STEPS = [s for s in registry.STEPS if s.wrong]


def verdict(step, folder) -> dict:
    result = runner.grade(step, folder).to_dict()
    result.pop("seconds", None)
    return result


@pytest.mark.parametrize("step", STEPS, ids=[s.id for s in STEPS])
def test_kept_cases_give_hypothesis_own_verdict(step, tmp_path, monkeypatch):
    monkeypatch.setattr(case_drawing, "_kept", {})
    passed = {c.id for c in runner.grade(step, paths.SOLUTIONS).checks if c.status == "passed"}
    checks = [c for c in step.checks_to_run() if c.id in passed]  # a passing run keeps its cases
    assert checks and all(case_drawing.kept(c) for c in checks)
    first = case_drawing.kept(checks[-1])
    monkeypatch.setattr(case_drawing, "_kept", {})
    runner.grade(step, paths.SOLUTIONS)
    assert case_drawing.kept(checks[-1]) == first, "the same check drew other cases: hypothesis is not repeatable here"
    wrong = mutants.for_step(step.id)[0]  # one wrong version a step: graded with the kept cases, then without
    wrong.write(tmp_path)
    with_kept = verdict(step, tmp_path)
    monkeypatch.setattr(case_drawing, "_kept", {})
    assert verdict(step, tmp_path) == with_kept, wrong.name
