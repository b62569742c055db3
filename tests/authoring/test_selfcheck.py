"""`grader.py --check` proves the checks against the code they judge, and a wrong version that gets
through makes it fail."""
from __future__ import annotations

import dataclasses

import pytest

from kata import dispatch
from kata.authoring import mutants, selfcheck
from kata.steps import registry
from kata.steps.declare import Wrong


@pytest.mark.slow
def test_the_self_check_of_one_step_passes_and_prints_its_row(capsys):
    assert dispatch.main(["step04", "--check"]) == 0
    out = capsys.readouterr().out
    total = len(registry.BY_ID["step04"].wrong)
    row = next(line for line in out.splitlines() if line.startswith("step04"))
    assert row.split() == ["step04", "passes", "not", "started", f"{total}/{total}"]
    assert "every check holds" in out and "step05" not in out


def test_a_wrong_version_that_gets_through_is_a_miss(monkeypatch, capsys):
    """A renamed local variable is no bug at all: declared as a wrong version, no check can catch it."""
    harmless = Wrong("harmless", "renames a local variable: not a bug at all",
                     old="    model = Mnist_Logistic()\n    return model, optim.SGD(model.parameters(), lr=lr)",
                     new="    m = Mnist_Logistic()\n    return m, optim.SGD(m.parameters(), lr=lr)",
                     catches="k-updates")
    step = registry.BY_ID["step04"]
    changed = dataclasses.replace(step, wrong=step.wrong + (harmless,))
    # the catalogue is built from the declarations when it is imported: rebuild it from the changed step
    added = mutants.Mutant(step.id, harmless.name, harmless.description, harmless.old, harmless.new,
                           f"{step.id}.{harmless.catches}")
    monkeypatch.setattr(mutants, "CATALOGUE", mutants.CATALOGUE + (added,))
    result = selfcheck.check_step(changed)
    assert not result.ok and result.solution_ok and result.stub_ok
    assert result.missed == ["harmless: the step reads 'passed'"]
    assert set(result.caught) == {w.name for w in step.wrong}
    table = selfcheck.table([result])
    assert "missed harmless" in table and "self-check FAILED for step04" in table
