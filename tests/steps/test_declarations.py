"""Each step's declaration is whole and consistent: ids, judges, hints, wrong versions, stages, train
families. Reading the declarations needs neither torch nor hypothesis."""
from __future__ import annotations

import re
import subprocess
import sys
from collections import defaultdict

import pytest

from kata.judging.results import STAGES
from kata.paths import ROOT, SOLUTIONS
from kata.steps import registry
from kata.steps.declare import ALWAYS

STEPS = registry.STEPS
KEBAB = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
by_step = pytest.mark.parametrize("step", STEPS, ids=lambda s: s.id)


def test_steps_are_numbered_in_order_and_unique():
    assert [s.id for s in STEPS] == [f"step{i:02d}" for i in range(len(STEPS))]
    assert len({s.slug for s in STEPS}) == len(STEPS)
    assert all(s.slug.startswith(s.id + "_") and (SOLUTIONS / s.filename).is_file() for s in STEPS)


@by_step
def test_ids_are_unique_and_kebab_case(step):
    for kind, ids in (("check", [c.id for c in step.checks]), ("rule", [r.id for r in step.all_rules]),
                      ("wrong version", [w.name for w in step.wrong])):
        assert len(ids) == len(set(ids)), f"{step.id}: a {kind} id is used twice: {ids}"
        bad = [i for i in ids if not KEBAB.fullmatch(i)]
        assert not bad, f"{step.id}: {kind} ids not in kebab-case: {bad}"
    assert not {c.id for c in step.checks} & {f"rule.{r.id}" for r in step.all_rules}


@by_step
def test_every_declared_check_has_a_judge_and_every_judge_a_check(step):
    bound = step.checks_to_run()  # refuses a check without a judge and a judge without a check
    assert [c.id for c in bound] == [f"{step.id}.{c.id}" for c in step.checks]
    assert all(c.body is not None and c.strategy is not None for c in bound)


@by_step
def test_every_check_declares_a_ladder_of_hints(step):
    for check in step.checks:
        assert 2 <= len(check.hints) <= 3, f"{step.id}.{check.id} has {len(check.hints)} hints"
        assert all(h.strip() for h in check.hints) and len(set(check.hints)) == len(check.hints)


def test_no_hint_is_shared_between_checks():
    """A hint is written for the one check it helps with: the same words under two checks mean one of
    them does not point at its own mistake."""
    where = defaultdict(list)
    for step in STEPS:
        for check in step.checks:
            for hint in check.hints:
                where[" ".join(hint.split())].append(f"{step.id}.{check.id}")
    shared = {hint[:80]: ids for hint, ids in where.items() if len(ids) > 1}
    assert not shared, f"hints repeated across checks: {shared}"


@by_step
def test_stages_are_valid(step):
    for check in step.checks:
        assert check.stage in STAGES and check.stage != "crash", f"{step.id}.{check.id}: stage {check.stage!r}"


@by_step
def test_checks_call_only_the_names_the_step_defines(step):
    assert step.names and len(set(step.names)) == len(step.names)
    for check in step.checks:
        assert check.uses and set(check.uses) <= set(step.names), f"{step.id}.{check.id} uses {check.uses}"
    assert set(step.todos) <= set(step.names) and set(step.stub_defs) <= set(step.todos)


@by_step
def test_every_wrong_version_names_a_check_or_rule_of_its_step(step):
    targets = {c.id for c in step.checks} | {f"rule.{r.id}" for r in step.all_rules}
    for wrong in step.wrong:
        assert wrong.catches in targets, f"{step.id}/{wrong.name} catches {wrong.catches!r}: not one of {targets}"


@by_step
def test_every_wrong_version_is_one_edit_of_the_solution(step):
    solution = (SOLUTIONS / step.filename).read_text()
    for wrong in step.wrong:
        assert solution.count(wrong.old) == 1, f"{step.id}/{wrong.name}: its text occurs {solution.count(wrong.old)}×"
        assert wrong.new != wrong.old and wrong.description


@by_step
def test_each_step_has_wrong_versions_enough(step):
    assert len(step.wrong) >= 4


@by_step
def test_train_families_exist(step):
    from kata.child.workbench.train_drivers import FAMILIES

    if step.train is not None:
        assert step.train.family in FAMILIES, f"{step.id}: no driver for family {step.train.family!r}"
        assert not step.train.baseline_family or step.train.baseline_family in FAMILIES


@by_step
def test_baselines_exist(step):
    if step.baseline:
        assert (ROOT / step.baseline).is_file()


def test_rules_every_step_carries():
    assert all(step.all_rules[:len(ALWAYS)] == ALWAYS for step in STEPS)
    assert {r.id for r in ALWAYS} == {"does-not-import-the-reference-solutions", "does-not-reach-into-the-grader"}


def test_reading_the_declarations_imports_neither_torch_nor_hypothesis():
    code = ("import sys, kata.steps.registry as r; r.find('4'); "
            "print(sorted(m for m in ('torch', 'hypothesis') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
