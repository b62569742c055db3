"""The kata's layers, and a walk of every import in kata/ that fails on one pointing up or round.

The order is written here once (docs/ARCHITECTURE.md explains it). A module may import its own
package's modules and the layers below its own; packages on the same layer (the fronts) never
import each other; and no chain of imports, module-level or inside a function, comes back to
where it started.
"""
from __future__ import annotations

import ast
from pathlib import Path

from kata import paths

# lowest first: (the layer's name, the packages or ground modules on it)
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("where things are", ("kata.paths",)),
    ("inert text", ("kata.inert",)),
    ("what the grader remembers", ("kata.state",)),
    ("languages", ("kata.i18n",)),
    ("the learner's files, written safely", ("kata.files",)),
    ("the data", ("kata.data",)),
    ("the child's side", ("kata.child",)),  # channel, zygote, probe, locks, scratch, loading, seeding, recording
    ("judging", ("kata.judging",)),  # comparison, verdicts, results, the judge's handle on a child
    ("the steps", ("kata.steps",)),  # declarations, judges, static rules, stubs
    ("the grading core", ("kata.grading",)),  # grade a step, a folder, a class member
    ("rendering", ("kata.rendering",)),  # reports and diffs, for any front
    ("the fronts", ("kata.learner", "kata.classroom", "kata.authoring")),  # side by side: none imports another
    ("the server host", ("kata.server",)),  # beside the learner's front: its workers run the learner's commands
    ("the dispatcher", ("kata.dispatch",)),  # what grader.py calls
)


def _modules() -> dict[str, Path]:
    found = {}
    for path in (paths.ROOT / "kata").rglob("*.py"):
        parts = path.relative_to(paths.ROOT).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """The kata modules `name` imports, at its top or inside a function."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1] + ([base] if base else []))
            found |= {f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names}
    return {m for m in found if m == "kata" or m.startswith("kata.")}


def _place(name: str) -> tuple[int, str]:
    """(the layer's index, the package on it) of a kata module."""
    for index, (_, owners) in enumerate(LAYERS):
        for owner in owners:
            if name == owner or name.startswith(owner + "."):
                return index, owner
    raise AssertionError(f"{name} is on no layer: add its package to LAYERS (and to docs/ARCHITECTURE.md)")


def test_every_module_is_on_a_layer():
    for name in MODULES:
        if name != "kata":
            _place(name)


def test_imports_only_point_down():
    wrong = []
    for name, path in sorted(MODULES.items()):
        if name == "kata":
            continue
        layer, owner = _place(name)
        for imported in sorted(_imports(name, path)):
            if imported == "kata":
                continue
            their_layer, their_owner = _place(imported)
            if their_layer > layer or (their_layer == layer and their_owner != owner):
                wrong.append(f"{name} imports {imported} ({LAYERS[their_layer][0]} is "
                             f"{'above' if their_layer > layer else 'beside'} {LAYERS[layer][0]})")
    assert not wrong, "\n".join(wrong)


def test_no_import_comes_round():
    graph = {name: _imports(name, path) - {"kata"} for name, path in MODULES.items()}
    cycles, seen, stack = [], set(), []

    def visit(node: str) -> None:
        if node in stack:
            cycles.append(" -> ".join(stack[stack.index(node):] + [node]))
            return
        if node in seen:
            return
        seen.add(node)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            visit(nxt)
        stack.pop()

    for name in sorted(graph):
        visit(name)
    assert not cycles, "\n".join(cycles)


FRONTS = ("kata.learner", "kata.classroom", "kata.authoring")
CHILD_ERRORS = {"kata.child.scratch"}  # Refused: a step file that cannot be copied, said by the fronts


def test_the_fronts_reach_the_child_only_through_the_grading_core():
    """A front grades through kata.grading; of the child's side it names only an exception it says."""
    reached = [f"{name} imports {imported}" for name, path in sorted(MODULES.items())
               if name.startswith(FRONTS) for imported in sorted(_imports(name, path))
               if imported.startswith("kata.child") and imported not in CHILD_ERRORS]
    assert not reached, "\n".join(reached)
