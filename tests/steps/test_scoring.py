"""How a step is scored: the rules about its code gate its numeric checks. A learner who keeps the
previous step's hand-written code computes the same numbers, so the checks pass; the refactor is the
lesson, and the score says it was not done (README: How a step is scored)."""
from __future__ import annotations

import json
from pathlib import Path

from kata.authoring import mutants, selfcheck
from kata.classroom import reports
from kata.classroom.grading import ClassResults
from kata.classroom.workflow import default_points
from kata.judging.results import FAILED, PASSED
from kata.rendering import report
from kata.steps import registry

KEPT = mutants.find("step04", "manual-update-kept")  # the hand-written update of step03, still in fit


def test_kept_code_earns_only_the_rules_it_passes_and_the_report_says_why_in_one_line():
    result = selfcheck.grade_mutant(KEPT)
    properties = [c for c in result.checks if c.kind == "property"]
    rules = [c for c in result.checks if c.kind == "static"]
    assert all(c.status == PASSED for c in properties), "the previous step's code computes the same numbers"
    assert any(c.status == FAILED for c in rules) and result.gated
    equivalences = [c for c in properties if c.equivalence]
    assert {c.id for c in equivalences} == {"step04.one-update", "step04.k-updates"}
    earned, most = result.score()  # the rules it passes, and get_model's check (new in step04): not the two
    assert earned == sum(c.status == PASSED for c in rules) + len(properties) - len(equivalences) < most - 1
    text = report.step_text(result)
    lines = [line for line in text.splitlines() if "count once the rules above hold" in line]
    assert len(lines) == 1 and f"(score {earned}/{most})" in text


def test_a_passing_step_is_not_gated_and_earns_everything():
    result = selfcheck.grade_solution("step04")
    assert not result.gated and result.score()[0] == result.score()[1]
    assert "count once the rules above hold" not in report.step_text(result)


def test_gradescope_gives_the_gated_checks_nothing_and_says_why():
    result = selfcheck.grade_mutant(KEPT).to_dict()
    step = registry.BY_ID["step04"]
    results = ClassResults(Path("/class"), [step], ["ann"], {"ann": {"step04": result | {"loaded": True}}}, {})
    data = json.loads(reports.gradescope(results, "ann"))
    assert data["score"] == result["score"]
    gated = [t for t in data["tests"] if t["name"].split(":")[0] in ("step04.one-update", "step04.k-updates")]
    assert len(gated) == 2 and all(t["score"] == 0 and "no credit yet" in t["output"] for t in gated)
    sgd = next(t for t in data["tests"] if t["name"].startswith("step04.sgd:"))
    assert sgd["score"] == 1  # a check new in step04 still earns


def test_a_check_that_needs_a_gpu_is_neutral_in_the_classroom_points_too():
    step12 = registry.BY_ID["step12"]
    assert default_points(step12) == len(step12.rules) + len(step12.checks) - 1
    assert default_points(registry.BY_ID["step04"]) == len(registry.BY_ID["step04"].rules) + len(
        registry.BY_ID["step04"].checks)
