"""steps/ is generated from solutions/ and the declarations' TODOs: the two cannot drift apart, and
every TODO raises NotImplementedError naming its step."""
from __future__ import annotations

import ast
import importlib.util

import pytest

from kata.authoring.stubs import make_stub
from kata.paths import ROOT, SOLUTIONS, STEPS
from kata.steps import registry
from kata.steps.static import pending_names

by_step = pytest.mark.parametrize("step", registry.STEPS, ids=lambda s: s.id)


@by_step
def test_the_stub_is_exactly_what_make_stub_writes(step):
    assert (STEPS / step.filename).read_text() == make_stub(step), \
        f"steps/{step.filename} is out of date: run python tools/make_stubs.py"


def test_make_stubs_check_mode_agrees():
    spec = importlib.util.spec_from_file_location("make_stubs_tool", ROOT / "tools" / "make_stubs.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    assert tool.main(["--check"]) == 0


@by_step
def test_each_todo_raises_naming_its_step(step):
    source = (STEPS / step.filename).read_text()
    labels = []
    for name, todo in step.todos.items():  # a class's TODOs are per method
        labels += [f"{name}.{method}" for method in todo] if isinstance(todo, dict) else [name]
    assert labels
    for label in labels:
        assert source.count(f'raise NotImplementedError("{step.slug}: {label}")') == 1, label
    assert source.count(f"# TODO({step.id}): ") == len(labels)
    assert pending_names(ast.parse(source)) == set(step.todos)


def public_names(path):
    names = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return {n for n in names if not n.startswith("_")}


@by_step
def test_stubs_and_solutions_define_the_same_names(step):
    assert public_names(STEPS / step.filename) == public_names(SOLUTIONS / step.filename)
    assert set(step.names) <= public_names(SOLUTIONS / step.filename)


@by_step
def test_the_stub_points_at_its_grader_command(step):
    source = (STEPS / step.filename).read_text()
    assert f"python grader.py {step.id}" in source and "python -m solutions." not in source
