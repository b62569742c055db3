"""Each catalogued learner bug is caught by the check it names, with a readable message."""
import pytest

from kata import mutants, registry, report
from kata.results import FAILED, FAILING
from conftest import grade


@pytest.mark.parametrize("mutant", mutants.CATALOGUE, ids=lambda m: f"{m.step}-{m.name}")
def test_wrong_version_is_caught(mutant, submission):
    mutant.write(submission)
    result = grade(mutant.step, submission)
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
