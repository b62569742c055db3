"""Each catalogued learner bug is caught by the check it names, with a readable message.

Grading goes through kata.authoring.selfcheck (cached per process), the code behind `grader.py --check`,
so the self-check at the end costs nothing extra.
"""
import pytest

from kata.authoring import mutants, selfcheck
from kata.engine import report
from kata.engine.results import FAILED, FAILING
from kata.learner import cli
from kata.steps import registry


@pytest.mark.parametrize("mutant", mutants.CATALOGUE, ids=lambda m: f"{m.step}-{m.name}")
def test_wrong_version_is_caught(mutant):
    result = selfcheck.grade_mutant(mutant)
    failed = {c.name: c for c in result.checks if c.status == FAILED}
    assert result.status == FAILING, report.step_text(result)
    assert mutant.catches in failed, report.step_text(result)
    check = failed[mutant.catches]
    assert check.message and "Traceback" not in check.message
    if check.kind == "property":
        assert check.counterexample, "a property failure names its smallest counterexample"
    assert mutant.catches in report.step_text(result)


@pytest.mark.parametrize("step", registry.STEPS, ids=lambda s: s.id)
def test_every_step_has_at_least_four_wrong_versions(step):
    assert len(mutants.for_step(step.id)) >= 4


@pytest.mark.parametrize("mutant", mutants.CATALOGUE, ids=lambda m: f"{m.step}-{m.name}")
def test_catalogue_names_an_existing_check(mutant):
    step = registry.BY_ID[mutant.step]
    names = {c.name for c in step.checks()} | {r.name for r in step.all_rules}
    assert mutant.catches in names


def test_mutant_names_are_unique_within_a_step():
    keys = [(m.step, m.name) for m in mutants.CATALOGUE]
    assert len(keys) == len(set(keys))


def test_self_check_passes_and_prints_the_table(capsys):
    assert cli.main(["--check"]) == 0
    out = capsys.readouterr().out
    for step in registry.STEPS:
        total = len(mutants.for_step(step.id))
        assert f"{total}/{total}" in out.split(step.id, 1)[1].splitlines()[0]
    assert "every wrong version caught" in out


def test_self_check_fails_on_a_wrong_version_that_gets_through(monkeypatch):
    harmless = mutants.Mutant("step04", "harmless", "renames a local variable: not a bug at all",
                              "    model = Mnist_Logistic()\n    return model, optim.SGD(model.parameters(), lr=lr)",
                              "    m = Mnist_Logistic()\n    return m, optim.SGD(m.parameters(), lr=lr)",
                              "k updates over several batches and epochs ≈ step03's; gradients do not pile up")
    monkeypatch.setattr(mutants, "CATALOGUE", mutants.CATALOGUE + (harmless,))
    result = selfcheck.check_step(registry.BY_ID["step04"])
    assert not result.ok and result.missed and result.missed[0].startswith("harmless: the step reads 'passed'")
