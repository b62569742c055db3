"""Make a step's stub from its reference solution: the same file, with the step's new parts
(its `todos` and `stub_defs` in its declaration) turned into TODOs that raise NotImplementedError naming the step.

Used by tools/make_stubs.py (which writes steps/) and by `grader.py STEP --reset`.
"""
from __future__ import annotations

import ast

from kata.paths import ROOT


def _stub_body(lines: list[str], fn: ast.FunctionDef, step: str, label: str, todo: str) -> list[str]:
    """The function's lines up to its docstring, then the TODO and the raise."""
    indent = " " * (fn.body[0].col_offset)
    first = fn.body[0]
    has_doc = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str)
    keep_until = first.end_lineno if has_doc else fn.body[0].lineno - 1
    if label.endswith("__init__") and not has_doc:
        keep_until = fn.lineno
    head = lines[fn.lineno - 1 - len(fn.decorator_list):keep_until]
    return head + [f"{indent}# TODO({step.split('_')[0]}): {todo}",
                   f'{indent}raise NotImplementedError("{step}: {label}")']


def make_stub(step) -> str:
    """The stub of `step`, as text."""
    slug = step.slug
    source = (ROOT / "solutions" / f"{slug}.py").read_text()
    lines = source.splitlines()
    tree = ast.parse(source)
    todos = step.todos
    replacements: list[tuple[int, int, list[str]]] = []  # (first line, last line, new lines), 1-based
    for node in tree.body:
        name = getattr(node, "name", None)
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
        if name not in todos:
            continue
        if isinstance(node, ast.FunctionDef):
            replacements.append((node.lineno, node.end_lineno, _stub_body(lines, node, slug, name, todos[name])))
        elif isinstance(node, ast.ClassDef):
            for m in node.body:
                if isinstance(m, ast.FunctionDef) and m.name in todos[name]:
                    new = _stub_body(lines, m, slug, f"{name}.{m.name}", todos[name][m.name])
                    replacements.append((m.lineno, m.end_lineno, new))
        elif isinstance(node, ast.Assign):
            start = node.lineno
            while start > 1 and lines[start - 2].startswith("#"):  # its comment goes too
                start -= 1
            new = step.stub_defs[name].splitlines() + [
                f"    # TODO({slug.split('_')[0]}): {todos[name]}",
                f'    raise NotImplementedError("{slug}: {name}")']
            replacements.append((start, node.end_lineno, new))
    for first, last, new in sorted(replacements, reverse=True):
        lines[first - 1:last] = new
    text = "\n".join(lines) + "\n"
    step = slug.split("_")[0]
    run = "\nRun it on MNIST:" if "\nRun it on MNIST:" in text else "\nRun it:"  # step14 runs on made-up data
    return (text.replace("python -m solutions.", "python -m steps.")
            .replace(run, f"\nGrade it:        python grader.py {step}{run}", 1))
