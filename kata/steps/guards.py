"""The two guards every step carries, read from the source: the step does not import or read the
reference solutions, and does not reach into the grader. Teaching notes, not grades: the learner's
code runs confined, where neither is possible (README: Trust)."""
from __future__ import annotations

import ast
import re

from kata.i18n import _
from kata.steps.static import Rule, _dotted, _function  # noqa: F401

_SOLUTIONS_PATH = re.compile(r"(^|[/\\.])solutions([/\\.]|$)")  # solutions.step04, ../solutions/x.py
_GRADER_MODULES = {"kata", "hypothesis", "pytest", "_pytest", "builtins", "importlib", "ctypes", "gc", "inspect"}


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the docstring constants (they may mention the reference: that reads nothing)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _reaches_solutions(node: ast.AST) -> bool:
    if isinstance(node, ast.Import):
        return any(a.name.split(".")[0] == "solutions" for a in node.names)
    if isinstance(node, ast.ImportFrom):
        return (node.module or "").split(".")[0] == "solutions"
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(_SOLUTIONS_PATH.search(node.value))  # a path or module name handed to open/import_module
    return False


def no_reference_import() -> Rule:
    """The graded step must be the learner's own work, not the reference solution imported or read."""
    def find(tree):
        docs = _docstrings(tree)
        return [(getattr(n, "lineno", 0), _("`{code}` reaches for the reference solutions: a graded step must stand "
                                            "on its own.").format(code=ast.unparse(n)[:60]))
                for n in ast.walk(tree) if id(n) not in docs and _reaches_solutions(n)]
    return Rule("does not import the reference solutions", find)


_ALLOWED = {"kata.data"}  # a step's main() loads MNIST through it


def no_grader_tampering() -> Rule:
    """A step does not import the grader's own modules nor reach into the interpreter to change them."""
    def find(tree):
        problems = []
        for n in ast.walk(tree):
            names = []
            if isinstance(n, ast.Import):
                names = [a.name for a in n.names]
            elif isinstance(n, ast.ImportFrom) and n.module:
                names = [n.module] if n.module != "kata" else [f"kata.{a.name}" for a in n.names]
            for name in names:
                if name.split(".")[0] in _GRADER_MODULES and name not in _ALLOWED:
                    problems.append((n.lineno, _("imports `{name}`: a step needs torch, not the grader's machinery."
                                                 ).format(name=name)))
            if isinstance(n, ast.Attribute) and n.attr in ("modules", "__builtins__") and _dotted(n) in (
                    "sys.modules", "__builtins__"):
                problems.append((n.lineno, _("`{name}` changes what other code imports: not in a step.").format(
                    name=_dotted(n))))
            if isinstance(n, ast.Name) and n.id == "__builtins__":
                problems.append((n.lineno, _("`__builtins__` changes Python itself: not in a step.")))
        return problems
    return Rule("does not reach into the grader", find)
