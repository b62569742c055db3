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
    wrong = mutants.for_step(step.id)[0]  # one wrong version a step: graded with the kept cases, then without
    wrong.write(tmp_path)
    with_kept = verdict(step, tmp_path)
    monkeypatch.setattr(case_drawing, "_kept", {})
    # different verdicts: the kept cases are not what hypothesis draws (is its drawing repeatable here?)
    assert verdict(step, tmp_path) == with_kept, wrong.name


def test_cases_kept_in_a_file_are_those_drawn_and_only_for_the_same_kata(tmp_path, monkeypatch):
    """setup's --check keeps its cases in the bundle (kata.grading.kept_cases); a submission's grade
    restores them, unless the file is not what it drew (another version, a class that is not a case)."""
    from kata.grading import kept_cases

    step = registry.BY_ID["step07"]
    monkeypatch.setattr(case_drawing, "_kept", {})
    monkeypatch.setattr(case_drawing, "_restored", {})
    runner.grade(step, paths.SOLUTIONS)
    checks = step.checks_to_run()
    drawn = {c.id: case_drawing.kept(c) for c in checks}
    assert all(drawn.values())
    kept_cases.save(tmp_path / "kept.json")
    monkeypatch.setattr(case_drawing, "_kept", {})
    assert kept_cases.load(tmp_path / "kept.json")
    assert {c.id: case_drawing.kept(c) for c in checks} == drawn

    text = (tmp_path / "kept.json").read_text()
    for name, changed in {"other-kata": text.replace('"fingerprint": "1 ', '"fingerprint": "0 '),
                          "not-a-case": text.replace('"$case": "ValidRun"', '"$case": "Path"', 1),
                          "not-json": text[:100]}.items():
        assert changed != text, name
        (tmp_path / name).write_text(changed)
        monkeypatch.setattr(case_drawing, "_restored", {})
        assert not kept_cases.load(tmp_path / name) and not case_drawing._restored, name
