"""steps/ is generated from solutions/ and the declarations' TODOs: the two cannot drift apart, and
every TODO raises NotImplementedError naming its step."""
from __future__ import annotations

import ast
import difflib
import importlib.util
from collections import Counter

import pytest

from kata.paths import ROOT, SOLUTIONS, STEPS
from kata.steps import registry
from kata.steps.declare import Todo
from kata.steps.static import pending_names
from kata.steps.stubs import make_stub, spots

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
    todos = spots(step)  # a class's TODOs are per method; a function may have several
    assert todos
    for label, _ in todos:
        raises = source.count(f'raise NotImplementedError("{step.slug}: {label}")')
        assert 1 <= raises <= sum(lbl == label for lbl, _ in todos), label
    assert source.count(f"# TODO({step.id}): ") == len(todos)
    assert pending_names(ast.parse(source)) == set(step.todos)


def _code(line: str) -> str:
    """A line's code: no indentation, no trailing comment."""
    return line.split("  #")[0].strip()


def _replaced(solution: str, label: str, todo) -> list[str]:
    """The solution's lines a TODO replaces: its `lines`, or the whole body of the function or method
    `label` ("fit", "Mnist_CNN.forward") after its docstring, or a module-level assignment (stub_defs)."""
    if todo.lines:
        return todo.lines.splitlines()
    assignment = [line for line in solution.splitlines() if line.startswith(f"{label} = ")]
    if assignment:
        return assignment
    tree = ast.parse(solution)
    node = tree
    for part in label.split("."):
        node = next(n for n in node.body if getattr(n, "name", None) == part)
    first = node.body[0]
    has_doc = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str)
    body = node.body[1:] if has_doc else node.body
    return solution.splitlines()[body[0].lineno - 1:node.end_lineno]


@by_step
def test_the_stub_drops_only_the_lines_its_todos_name(step):
    """Everything else of the solution (the previous step's batch loops, slicing, data handling) stays
    working code in the stub: a solution line missing from the stub is one of its TODOs' lines."""
    solution = (SOLUTIONS / step.filename).read_text()
    stub = (STEPS / step.filename).read_text()
    allowed = set()
    for label, todo in spots(step):
        allowed |= {_code(r) for r in _replaced(solution, label, todo)}

    def code_lines(text):
        tree = ast.parse(text)
        docs = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef)) and node.body:
                first = node.body[0]
                if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                    docs |= set(range(first.lineno, first.end_lineno + 1))
        return [_code(line) for n, line in enumerate(text.splitlines(), 1)
                if n not in docs and _code(line) and not line.strip().startswith("#")]

    kept = code_lines(stub)
    matcher = difflib.SequenceMatcher(None, code_lines(solution), kept, autojunk=False)
    dropped, added = [], []
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op in ("delete", "replace"):
            dropped += matcher.a[a1:a2]
        if op in ("insert", "replace"):
            added += matcher.b[b1:b2]
    assert [line for line in dropped if line not in allowed] == []
    assert all(line.startswith("raise NotImplementedError(") or line.startswith("def ") for line in added), added


def _prose(text: str) -> str:
    """What a stub says in words: its docstrings and its TODO comments."""
    said = [node.body[0].value.value for node in ast.walk(ast.parse(text))
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef)) and node.body
            and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)]
    todo = False
    for line in text.splitlines():
        line = line.strip()
        todo = line.startswith("# TODO(") or (todo and line.startswith("#   "))
        if todo:
            said.append(line)
    return "\n".join(said)


@by_step
def test_no_todo_hands_over_its_finished_line(step):
    """The TODO says the idea and the API at most: no line it replaces appears in a TODO comment or a
    docstring of the stub (the module's included)."""
    solution = (SOLUTIONS / step.filename).read_text()
    prose = _prose((STEPS / step.filename).read_text())
    for label, todo in spots(step):
        for row in {_code(r) for r in _replaced(solution, label, todo)}:
            if len(row) >= 10 and not row.startswith("#"):  # `return x` may well be said in words
                assert row not in prose, f"{label}: the stub hands over `{row}`"


@pytest.mark.parametrize("step", [s for s in registry.STEPS if not s.baseline and registry.previous(s)],
                         ids=lambda s: s.id)
def test_the_stub_keeps_the_previous_steps_code(step):
    """A line the previous step's solution and this one share is not this step's lesson: the stub keeps it
    (step04's stub keeps fit's batch loop and slicing, and asks only for the optimizer's two calls)."""
    before = Counter(_code(line) for line in (SOLUTIONS / registry.previous(step).filename).read_text().splitlines())
    after = Counter(_code(line) for line in (SOLUTIONS / step.filename).read_text().splitlines())
    stub = Counter(_code(line) for line in (STEPS / step.filename).read_text().splitlines())
    lost = {line: n for line, n in (before & after).items() if line and not line.startswith("#") and stub[line] < n}
    assert not lost, f"the stub drops code the previous step already had: {lost}"


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


# --- the stub maker on a small solution of its own ------------------------------------------------------

TOY = '''"""Step 98 · toy: a title.

What the solution says, with the finished code: `opt.step()`.

Shapes: xb (bs, 4).

Run it:  python -m solutions.step98_toy
"""
from torch import nn


class Net(nn.Module):
    """A net: self.lin = nn.Linear(4, 2)."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 2)  # weight (2, 4)

    def forward(self, x):
        return self.lin(x)


def get_model():
    """A model made of layers."""
    model = nn.Sequential(
        nn.Linear(4, 4),
        nn.ReLU(),
        nn.Linear(4, 2),
    )
    return model


def fit(model, opt, dl, epochs=2):
    """Train: opt.step() after backward."""
    for epoch in range(epochs):
        for xb, yb in dl:  # the batches
            loss = model(xb).sum()
            loss.backward()
            opt.step()
            opt.zero_grad()
    return loss
'''


def toy_stub(tmp_path, monkeypatch, todos, stub_doc=""):
    from kata.steps import stubs
    from kata.steps.declare import Step

    (tmp_path / "solutions").mkdir(exist_ok=True)
    (tmp_path / "solutions" / "step98_toy.py").write_text(TOY)
    monkeypatch.setattr(stubs, "ROOT", tmp_path)
    step = Step("step98", "step98_toy", "Toy", replaces="", replaced_by="", names=("Net", "get_model", "fit"),
                todos=todos, stub_doc=stub_doc)
    return stubs.make_stub(step)


def test_a_todo_replaces_only_its_lines_and_keeps_the_loop_around_them(tmp_path, monkeypatch):
    stub = toy_stub(tmp_path, monkeypatch, {"fit": Todo("let the optimizer update the parameters, then clear "
                                                        "their gradients.", lines="opt.step()\nopt.zero_grad()",
                                                        doc="Train, one update per batch.")})
    assert ('    """Train, one update per batch."""\n'
            "    for epoch in range(epochs):\n"
            "        for xb, yb in dl:  # the batches\n"
            "            loss = model(xb).sum()\n"
            "            loss.backward()\n"
            "            # TODO(step98): let the optimizer update the parameters, then clear their gradients.\n"
            '            raise NotImplementedError("step98_toy: fit")\n'
            "    return loss\n") in stub
    assert "opt.step()" in stub and "opt.zero_grad()" not in stub  # the module docstring is the solution's
    assert pending_names(ast.parse(stub)) == {"fit"}


def test_a_blocks_header_as_todo_keeps_its_body_one_level_out(tmp_path, monkeypatch):
    stub = toy_stub(tmp_path, monkeypatch, {"fit": Todo("loop over the batches.", lines="for xb, yb in dl:")})
    assert ("    for epoch in range(epochs):\n"
            "        # TODO(step98): loop over the batches. (the lines below the raise are its body: indent them under it)\n"
            '        raise NotImplementedError("step98_toy: fit")\n'
            "        loss = model(xb).sum()\n"
            "        loss.backward()\n"
            "        opt.step()\n"
            "        opt.zero_grad()\n"
            "    return loss\n") in stub


def test_a_todo_inside_one_statement_raises_before_it(tmp_path, monkeypatch):
    stub = toy_stub(tmp_path, monkeypatch, {"get_model": Todo("an activation module.", lines="nn.ReLU(),")})
    assert ('    raise NotImplementedError("step98_toy: get_model")  # its TODO is in the lines below\n'
            "    model = nn.Sequential(\n"
            "        nn.Linear(4, 4),\n"
            "        # TODO(step98): an activation module.\n"
            "        nn.Linear(4, 2),\n"
            "    )\n") in stub


def test_whole_bodies_class_docstrings_and_the_module_docstring(tmp_path, monkeypatch):
    stub = toy_stub(tmp_path, monkeypatch, {"Net": {"__doc__": "A net with one linear layer, `lin`.",
                                                    "__init__": Todo("one linear layer.", lines="self.lin = nn.Linear(4, 2)"),
                                                    "forward": "call the layer."}},
                    stub_doc="Step 98 · toy: a title.\n\nWhat changes and why, in words.")
    assert stub.startswith('"""Step 98 · toy: a title.\n\nWhat changes and why, in words.\n\nShapes: xb (bs, 4).\n\n'
                           "Grade it:        python grader.py step98\nRun it:  python -m steps.step98_toy\n")
    assert ('    """A net with one linear layer, `lin`."""\n\n'
            "    def __init__(self):\n"
            "        super().__init__()\n"
            "        # TODO(step98): one linear layer.\n"
            '        raise NotImplementedError("step98_toy: Net.__init__")\n\n'
            "    def forward(self, x):\n"
            "        # TODO(step98): call the layer.\n"
            '        raise NotImplementedError("step98_toy: Net.forward")\n') in stub
    assert "nn.Linear(4, 2)" not in stub.split("def get_model")[0]


@pytest.mark.parametrize("name, lines, says", [
    ("fit", "opt.step(1)", "occur 0 times"),
    ("get_model", "nn.Linear(4, 2),\n)", "cut statement"),
    ("get_model", "nn.Linear(", "occur 0 times"),  # whole lines only
    ("fit", "loss.backward()\nopt.step()\nopt.zero_grad()\nreturn loss", "leave the block"),
    ("fit", "opt.zero_grad()\nreturn loss", "leave the block"),
    ("fit", "for epoch in range(epochs):\nfor xb, yb in dl:", "cut statement"),
    ("get_model", "model = nn.Sequential(\nnn.Linear(4, 4),", "cut statement"),
])
def test_lines_that_are_not_one_place_of_the_function_are_refused(tmp_path, monkeypatch, name, lines, says):
    with pytest.raises(ValueError, match=says):
        toy_stub(tmp_path, monkeypatch, {name: Todo("something.", lines=lines)})
