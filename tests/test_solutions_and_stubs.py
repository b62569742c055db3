"""Every reference solution passes its step; every untouched stub reads "not started"."""
import ast
import subprocess
import sys

import pytest

from kata.authoring import selfcheck
from kata.engine import report, runner
from kata.engine.results import FAILED, NOT_STARTED, PASSED, SKIPPED
from kata.steps import registry

STEPS = registry.STEPS
ids = [s.id for s in STEPS]


@pytest.mark.parametrize("step", STEPS, ids=ids)
def test_reference_solution_passes_every_check(step):
    result = selfcheck.grade_solution(step.id)
    assert result.status == PASSED, report.step_text(result)
    # a check that cannot run here (step11's GPU run on a machine without one) is skipped, with its reason
    assert result.checks and all(c.status == PASSED or (c.status == SKIPPED and c.message)
                                 for c in result.checks)


@pytest.mark.parametrize("step", STEPS, ids=ids)
def test_untouched_stub_reads_not_started(step):
    result = selfcheck.grade_stub(step.id)
    assert result.status == NOT_STARTED, report.step_text(result)
    assert not any(c.status == FAILED for c in result.checks)
    assert any(c.status == NOT_STARTED and c.kind == "property" for c in result.checks)
    text = report.step_text(result)
    assert "Traceback" not in text and "not started" in text


def test_stubs_are_the_solutions_with_todos():
    """steps/ is generated from solutions/ and the registry's TODOs: the two cannot drift apart."""
    done = subprocess.run([sys.executable, "tools/make_stubs.py", "--check"], cwd=runner.ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def public_names(path):
    tree = ast.parse(path.read_text())
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return {n for n in names if not n.startswith("_")}


@pytest.mark.parametrize("step", STEPS, ids=ids)
def test_steps_and_solutions_mirror_each_other(step):
    stub, solution = runner.STEPS / step.filename, runner.SOLUTIONS / step.filename
    assert public_names(stub) == public_names(solution)
    assert set(step.names) <= public_names(solution)


@pytest.mark.parametrize("step", STEPS, ids=ids)
def test_each_todo_raises_naming_its_step(step):
    source = (runner.STEPS / step.filename).read_text()
    for name, todo in step.todos.items():
        labels = [f"{name}.{m}" for m in todo] if isinstance(todo, dict) else [name]
        for label in labels:
            assert f'raise NotImplementedError("{step.slug}: {label}")' in source
    assert f"# TODO({step.id})" in source


@pytest.mark.parametrize("step", STEPS, ids=ids)
def test_registry_entry_is_complete(step):
    assert step.title and step.replaces and step.replaced_by and step.hints and step.todos
    assert step.checks(), f"kata/steps/checks/{step.id}.py has no CHECKS"
    assert len({c.name for c in step.checks()}) == len(step.checks())
