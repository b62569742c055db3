"""`--diff`: what the learner changed since their own previous step, or against the reference: the code,
without the docstrings the stubs wrote."""
from __future__ import annotations

import ast
import difflib
from pathlib import Path


def unified(old: Path, new: Path) -> list[str]:
    """Unified diff lines of the code from `old` to `new` (no trailing newlines): docstrings left out,
    since the stub wrote those (a step's docstring is the task, not the learner's change)."""
    a = code_lines(old.read_text(encoding="utf-8"))
    b = code_lines(new.read_text(encoding="utf-8"))
    return list(difflib.unified_diff(a, b, fromfile=str(old), tofile=str(new), lineterm=""))


def code_lines(text: str) -> list[str]:
    """The lines of `text` but those of its docstrings (the module's, each class's and function's);
    every line when it does not parse."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return text.splitlines()
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(
                    first.value.value, str):
                skip.update(range(first.lineno, (first.end_lineno or first.lineno) + 1))
    return [line for number, line in enumerate(text.splitlines(), 1) if number not in skip]


def style(line: str) -> str:
    """The rich style of one diff line."""
    if line.startswith(("+++", "---")):
        return "bold"
    if line.startswith("@@"):
        return "cyan"
    if line.startswith("+"):
        return "green"
    if line.startswith("-"):
        return "red"
    return ""
