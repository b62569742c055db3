"""Checks read from the graded source with `ast`, never by running it.

A step must use its replacement and no longer contain the hand-written part it replaces.
Each rule is a small object: a name the learner reads, and a function from the parsed module
to a list of problems (line, message). Each step's declaration lists its rules (`Step.rules`),
and every step also gets the guards of kata.steps.guards (`Step.all_rules`).
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Callable

from kata.i18n import _

Problem = tuple[int, str]  # (line, message); line 0 when it concerns the whole file


@dataclass(frozen=True)
class Rule:
    name: str
    find: Callable[[ast.Module], list[Problem]] = field(compare=False)
    why: str = field(default="", compare=False)  # the declared reason, for the catalogs (kata.i18n)

    @property
    def id(self) -> str:
        """Stable within a step: made from the identifiers the rule is built from ("uses-sgd")."""
        return re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-")


def pending_names(tree: ast.Module) -> set[str]:
    """Top-level functions and classes still holding a stub's `raise NotImplementedError` anywhere in
    their code: a stub's TODO may sit inside a loop or a `with` block it keeps."""
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
    for stmt in ast.walk(fn):
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
        return [] if _mentions(tree, name) else [
            (0, _("`{name}` appears nowhere in the file: {why}").format(name=name, why=_(why)))]
    return Rule(f"uses {name}", find, why)


def defines_none(*names: str) -> Rule:
    """None of `names` is defined at the top level any more (the hand-written part is gone)."""
    def find(tree):
        return [(n.lineno, _("`{name}` is still defined here: the library function replaces it, delete it.").format(
            name=n.name))
                for n in tree.body
                if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.name in names]
    return Rule(f"no hand-written {' / '.join(names)}", find)


def _scan_function(fn_name: str, describe: Callable[[ast.AST], str | None]) -> Callable[[ast.Module], list[Problem]]:
    """A rule's `find` that reports every node of function `fn_name` that `describe` has words for."""
    def find(tree):
        fn = _function(tree, fn_name)
        found = [] if fn is None else ((node, describe(node)) for node in ast.walk(fn))
        return [(node.lineno, f"`{ast.unparse(node)}` {message}") for node, message in found if message]
    return find


def no_parameter_update_by_hand(fn_name: str) -> Rule:
    """`fn_name` does no in-place arithmetic on parameters and no manual .grad zeroing."""
    def describe(node):
        if isinstance(node, ast.AugAssign):
            return _("updates a tensor by hand: the optimizer's step() does the update.")
        if isinstance(node, ast.Call) and _dotted(node.func).endswith(".grad.zero_"):
            return _("zeroes a gradient by hand: the optimizer's zero_grad() does it for every parameter.")
        return None
    return Rule(f"{fn_name} updates no parameter by hand", _scan_function(fn_name, describe))


def no_update_by_name(fn_name: str, *names: str) -> Rule:
    """`fn_name` no longer updates or zeroes the parameters one by one, by name."""
    def describe(node):
        target = node.target if isinstance(node, ast.AugAssign) else (
            node.func.value if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) else None)
        text = _dotted(target) if target is not None else ""
        if any(text.split(".")[0] == n or f".{n}" in f".{text}" for n in names) and (
                isinstance(node, ast.AugAssign) or text.endswith(".grad")):
            return _("handles one parameter by name: loop over model.parameters() and call model.zero_grad().")
        return None
    return Rule(f"{fn_name} updates parameters through model.parameters(), not by name", _scan_function(fn_name, describe))


def no_batch_index_arithmetic(fn_name: str) -> Rule:
    """`fn_name` computes no batch boundaries itself: no slicing, no `//`, no range() over batches."""
    def describe(node):
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
            return _("slices a batch out by hand.")
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.FloorDiv):
            return _("counts batches by hand.")
        return None
    return Rule(f"{fn_name} does no index arithmetic for batches", _scan_function(fn_name, describe))


def avoids(name: str, why: str) -> Rule:
    """No name, attribute or import ends in `name` any more."""
    def find(tree):
        return [(getattr(n, "lineno", 0), _("`{name}` at this line: {why}").format(name=name, why=_(why)))
                for n in ast.walk(tree)
                if (isinstance(n, ast.Name) and n.id == name) or (isinstance(n, ast.Attribute) and n.attr == name)]
    return Rule(f"no {name} any more", find, why)


def no_matmul(fn_name: str) -> Rule:
    def describe(node):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
            return _("multiplies by hand: call the layer instead.")
        return None
    return Rule(f"{fn_name} does no matrix product by hand", _scan_function(fn_name, describe))


# --- steps 07-12 ---


def model_agnostic(*fn_names: str) -> Rule:
    """`fn_names` (fit, loss_batch) reshape no batch and build no model: they train any model as it is."""
    reshapes = ("view", "reshape", "unsqueeze", "flatten", "permute")

    def find(tree):
        problems = []
        for fn_name in fn_names:
            fn = _function(tree, fn_name)
            for node in ast.walk(fn) if fn is not None else ():
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in reshapes:
                    problems.append((node.lineno, _("`{code}` in {function} reshapes the batch for one model: the "
                                                    "model (or the loader) does that; fit stays as step08 left it."
                                                    ).format(code=ast.unparse(node), function=fn_name)))
                elif isinstance(node, ast.Call) and _dotted(node.func).split(".")[-1] in ("Mnist_CNN", "get_model"):
                    problems.append((node.lineno, _("`{code}` in {function} builds a model: fit trains the model "
                                                    "it is given.").format(code=ast.unparse(node), function=fn_name)))
        return problems
    return Rule(f"{' and '.join(fn_names)} stay step08's: no reshaping, no model of their own", find)


def no_method_call(method: str, why: str) -> Rule:
    """No call of the form `something.method(...)` (torch.cuda.is_available() is not one: it calls is_available)."""
    def find(tree):
        return [(n.lineno, f"`{ast.unparse(n)}`: {_(why)}") for n in ast.walk(tree)
                if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == method]
    return Rule(f"no .{method}() calls", find, why)


# --- steps 13-15 ---


def _functions(tree: ast.AST, name: str) -> list[ast.AST]:
    """Every function or method named `name` (each class's forward, not only the first)."""
    return [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == name]


def _callee(call: ast.Call) -> str:
    """The last part of what a call calls: `print` for print(...), `view` for x.view(...)."""
    f = call.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""


def uses_one_of(names: tuple[str, ...], why: str) -> Rule:
    """The step refers to at least one of `names` (call, attribute or import)."""
    def find(tree):
        if any(_mentions(tree, n) for n in names):
            return []
        return [(0, _("{names} appear nowhere in the file: {why}").format(
            names=" / ".join(f"`{n}`" for n in names), why=_(why)))]
    return Rule(f"uses {' or '.join(names)}", find, why)


def gone(name: str, why: str) -> Rule:
    """No function or method `name` is defined any more, and nothing refers to it."""
    def find(tree):
        return [(n.lineno, (_("`{name}` is still defined here: {why}") if isinstance(n, ast.FunctionDef) else
                            _("`{name}` is still used here: {why}")).format(name=name, why=_(why)))
                for n in ast.walk(tree)
                if (isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == name)
                or (isinstance(n, ast.Name) and n.id == name) or (isinstance(n, ast.Attribute) and n.attr == name)]
    return Rule(f"no {name} any more", find, why)


def no_call_in(fn_name: str, callees: tuple[str, ...], rule_name: str, why: str) -> Rule:
    """No function or method named `fn_name` calls any of `callees` (print(...), x.view(...), ...)."""
    def find(tree):
        return [(n.lineno, _("`{code}` in {function}: {why}").format(code=ast.unparse(n)[:60], function=fn_name,
                                                                       why=_(why)))
                for fn in _functions(tree, fn_name) for n in ast.walk(fn)
                if isinstance(n, ast.Call) and _callee(n) in callees]
    return Rule(rule_name, find, why)


def calls_modules_not_forward(*allowed_in: str) -> Rule:
    """No `something.forward(...)` call (super().forward excepted) outside the functions `allowed_in`:
    calling a module runs its hooks, calling its .forward skips them."""
    def find(tree):
        skip = set()
        for fn in _functions_named(tree, allowed_in):
            skip |= {id(n) for n in ast.walk(fn)}
        problems = []
        for n in ast.walk(tree):
            if (isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "forward"
                    and id(n) not in skip and not _is_super_call(n.func.value)):
                target = ast.unparse(n.func.value)
                problems.append((n.lineno, _("`{code}` calls forward directly, which skips every hook registered "
                                             "on `{target}`: call the module itself, `{target}(...)`.").format(
                    code=ast.unparse(n)[:60], target=target)))
        return problems
    return Rule("calls modules, not .forward", find)


def _functions_named(tree: ast.AST, names: tuple[str, ...]) -> list[ast.AST]:
    return [fn for name in names for fn in _functions(tree, name)]


def _is_super_call(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "super"
