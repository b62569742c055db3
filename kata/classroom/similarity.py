"""`python grader.py compare STEP SUBMISSIONS`: the class's distinct approaches to one step.

Two learners' files are the same approach when they are the same code up to formatting,
comments, docstrings and the names of local variables and arguments: each file is parsed,
docstrings dropped, every function's local names renamed in order of appearance, and the
result unparsed. Groups are shown largest first, with whether they pass and their diff against
the reference solution. A learner's file is read whatever its bytes (source()), so one file that is
not UTF-8 never stops the comparison of the others.
"""
from __future__ import annotations

import ast
import difflib
import io
import tokenize
from dataclasses import dataclass, field
from pathlib import Path


class _Locals(ast.NodeTransformer):
    """Rename each function's arguments and assigned names to v0, v1, ... in order of appearance."""

    def visit_FunctionDef(self, node):
        names: dict[str, str] = {}
        for arg in node.args.posonlyargs + node.args.args + node.args.kwonlyargs:
            names.setdefault(arg.arg, f"v{len(names)}")
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                names.setdefault(sub.id, f"v{len(names)}")
        for sub in ast.walk(node):
            if isinstance(sub, ast.arg) and sub.arg in names:
                sub.arg = names[sub.arg]
            elif isinstance(sub, ast.Name) and sub.id in names:
                sub.id = names[sub.id]
        self.generic_visit(node)
        return node

    visit_AsyncFunctionDef = visit_FunctionDef


def _without_docstrings(tree: ast.AST) -> ast.AST:
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                node.body = node.body[1:] or [ast.Pass()]
    return tree


def source(path: Path) -> str:
    """A learner's file as text: in the encoding it declares (PEP 263) or UTF-8, bytes that do not
    decode replaced."""
    data = path.read_bytes()
    try:
        encoding = tokenize.detect_encoding(io.BytesIO(data).readline)[0]
        return data.decode(encoding, errors="replace")
    except (SyntaxError, LookupError):  # a coding line naming no codec
        return data.decode("utf-8", errors="replace")


def readable(source: str) -> str:
    """The code with formatting, comments and docstrings normalised (names kept): what diffs show."""
    return ast.unparse(_without_docstrings(ast.parse(source)))


def fingerprint(source: str) -> str:
    """Equal for the same code up to formatting, comments, docstrings and local names."""
    try:
        return ast.unparse(_Locals().visit(_without_docstrings(ast.parse(source))))
    except (SyntaxError, ValueError):  # ValueError: a NUL byte in the code
        return "<syntax error>\n" + source


@dataclass
class Group:
    learners: list[str] = field(default_factory=list)
    path: Path | None = None  # a representative file
    status: str = ""


def group(files: dict[str, Path]) -> list[Group]:
    """Learners grouped by fingerprint, largest group first (ties: by first learner's name)."""
    groups: dict[str, Group] = {}
    for learner, path in sorted(files.items()):
        g = groups.setdefault(fingerprint(source(path)), Group(path=path))
        g.learners.append(learner)
    return sorted(groups.values(), key=lambda g: (-len(g.learners), g.learners[0]))


def diff_against(reference: Path, path: Path) -> list[str]:
    def lines(p: Path) -> list[str]:
        text = source(p)
        try:
            return readable(text).splitlines()
        except (SyntaxError, ValueError):
            return text.splitlines()

    return list(difflib.unified_diff(lines(reference), lines(path), fromfile="reference", tofile="this group",
                                     lineterm=""))


def side_by_side(a: Path, b: Path) -> list[tuple[str, str, str]]:
    """Aligned rows (left, right, tag) of two files, tag one of equal/replace/delete/insert."""
    left, right = source(a).splitlines(), source(b).splitlines()
    rows = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, left, right, autojunk=False).get_opcodes():
        for k in range(max(i2 - i1, j2 - j1)):
            rows.append((left[i1 + k] if i1 + k < i2 else "", right[j1 + k] if j1 + k < j2 else "", tag))
    return rows
