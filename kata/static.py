"""Checks read from the graded source with `ast`, never by running it.

A step must use its replacement and no longer contain the hand-written part it replaces.
Each rule is a small object: a name the learner reads, and a function from the parsed module
to a list of problems (line, message). The registry lists the rules of each step.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Callable

Problem = tuple[int, str]  # (line, message); line 0 when it concerns the whole file


@dataclass(frozen=True)
class Rule:
    name: str
    find: Callable[[ast.Module], list[Problem]] = field(compare=False)


def pending_names(tree: ast.Module) -> set[str]:
    """Top-level functions and classes still holding a stub's `raise NotImplementedError`."""
    pending = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _raises_not_implemented(node):
            pending.add(node.name)
        elif isinstance(node, ast.ClassDef) and any(
            isinstance(m, ast.FunctionDef) and _raises_not_implemented(m) for m in node.body
        ):
            pending.add(node.name)
    return pending


def _raises_not_implemented(fn: ast.FunctionDef) -> bool:
    for stmt in fn.body:
        if isinstance(stmt, ast.Raise) and stmt.exc is not None:
            exc = stmt.exc.func if isinstance(stmt.exc, ast.Call) else stmt.exc
            if isinstance(exc, ast.Name) and exc.id == "NotImplementedError":
                return True
    return False


def _dotted(node: ast.AST) -> str:
    """`torch.nn.functional.cross_entropy` for the matching Attribute chain, '' otherwise."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def _function(tree: ast.Module, name: str) -> ast.AST | None:
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            return node
    return None


def _mentions(tree: ast.AST, name: str) -> bool:
    """The last component of some name, attribute or import is `name` (F.cross_entropy, cross_entropy...)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id == name:
            return True
        if isinstance(node, ast.Attribute) and node.attr == name:
            return True
        if isinstance(node, ast.alias) and name in (node.name.rsplit(".", 1)[-1], node.asname):
            return True
    return False


def uses(name: str, why: str) -> Rule:
    """The step refers to `name` somewhere (call, attribute or import)."""
    def find(tree):
        return [] if _mentions(tree, name) else [(0, f"`{name}` appears nowhere in the file: {why}")]
    return Rule(f"uses {name}", find)


def defines_none(*names: str) -> Rule:
    """None of `names` is defined at the top level any more (the hand-written part is gone)."""
    def find(tree):
        return [(n.lineno, f"`{n.name}` is still defined here: the library function replaces it, delete it.")
                for n in tree.body
                if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.name in names]
    return Rule(f"no hand-written {' / '.join(names)}", find)


def no_parameter_update_by_hand(fn_name: str) -> Rule:
    """`fn_name` does no in-place arithmetic on parameters and no manual .grad zeroing."""
    def find(tree):
        fn = _function(tree, fn_name)
        if fn is None:
            return []
        problems = []
        for node in ast.walk(fn):
            if isinstance(node, ast.AugAssign):
                problems.append((node.lineno, f"`{ast.unparse(node)}` updates a tensor by hand: "
                                 "the optimizer's step() does the update."))
            elif isinstance(node, ast.Call) and _dotted(node.func).endswith(".grad.zero_"):
                problems.append((node.lineno, f"`{ast.unparse(node)}` zeroes a gradient by hand: "
                                 "the optimizer's zero_grad() does it for every parameter."))
        return problems
    return Rule(f"{fn_name} updates no parameter by hand", find)


def no_update_by_name(fn_name: str, *names: str) -> Rule:
    """`fn_name` no longer updates or zeroes the parameters one by one, by name."""
    def find(tree):
        fn = _function(tree, fn_name)
        if fn is None:
            return []
        problems = []
        for node in ast.walk(fn):
            target = node.target if isinstance(node, ast.AugAssign) else (
                node.func.value if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) else None)
            text = _dotted(target) if target is not None else ""
            if any(text.split(".")[0] == n or f".{n}" in f".{text}" for n in names) and (
                    isinstance(node, ast.AugAssign) or text.endswith(".grad")):
                problems.append((node.lineno, f"`{ast.unparse(node)}` handles one parameter by name: "
                                 "loop over model.parameters() and call model.zero_grad()."))
        return problems
    return Rule(f"{fn_name} updates parameters through model.parameters(), not by name", find)


def no_batch_index_arithmetic(fn_name: str) -> Rule:
    """`fn_name` computes no batch boundaries itself: no slicing, no `//`, no range() over batches."""
    def find(tree):
        fn = _function(tree, fn_name)
        if fn is None:
            return []
        problems = []
        for node in ast.walk(fn):
            if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
                problems.append((node.lineno, f"`{ast.unparse(node)}` slices a batch out by hand."))
            elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.FloorDiv):
                problems.append((node.lineno, f"`{ast.unparse(node)}` counts batches by hand."))
        return problems
    return Rule(f"{fn_name} does no index arithmetic for batches", find)


def avoids(name: str, why: str) -> Rule:
    """No name, attribute or import ends in `name` any more."""
    def find(tree):
        return [(getattr(n, "lineno", 0), f"`{name}` at this line: {why}") for n in ast.walk(tree)
                if (isinstance(n, ast.Name) and n.id == name) or (isinstance(n, ast.Attribute) and n.attr == name)]
    return Rule(f"no {name} any more", find)


def no_matmul(fn_name: str) -> Rule:
    def find(tree):
        fn = _function(tree, fn_name)
        return [] if fn is None else [
            (n.lineno, f"`{ast.unparse(n)}` multiplies by hand: call the layer instead.")
            for n in ast.walk(fn) if isinstance(n, ast.BinOp) and isinstance(n.op, ast.MatMult)]
    return Rule(f"{fn_name} does no matrix product by hand", find)


def _imports_solutions(node: ast.AST) -> bool:
    if isinstance(node, ast.Import):
        return any(a.name.split(".")[0] == "solutions" for a in node.names)
    if isinstance(node, ast.ImportFrom):
        return (node.module or "").split(".")[0] == "solutions"
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.split(".")[0].split("/")[0] == "solutions"
    return False


def no_reference_import() -> Rule:
    """The graded step must be the learner's own work, not the reference solution imported."""
    def find(tree):
        return [(n.lineno, f"`{ast.unparse(n)[:60]}` reaches for the reference solutions: a graded step "
                 "must stand on its own.") for n in ast.walk(tree) if _imports_solutions(n)]
    return Rule("does not import the reference solutions", find)



# --- steps 07-11 ---

# --- steps 12-14 ---
