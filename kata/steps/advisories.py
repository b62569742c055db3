"""Advisories: notes read from the learner's source that never fail a step.

A step lists its finders in `advisories=` (kata.steps.declare.Step); each takes the parsed module and
returns [(line, local id, message)], which the runner reports as `result.advisories` ({id, line,
message}, the id "stepNN.advice.<local id>"), shown as "note line N: ..." and in --json. They are
for code whose arithmetic is right but which says something it does not mean, or leans on a
deprecated API: the tutorial's own code earns them, and passes.

ast only: no torch, nothing run.
"""
from __future__ import annotations

import ast
from typing import Iterable

from kata.i18n import N_, _

Note = tuple[int, str, str]  # (line, local id, message)

_BLOCKS = (ast.If, ast.With, ast.AsyncWith, ast.Try)  # flattened: their bodies run in the enclosing scope's order
_LOOPS = (ast.For, ast.AsyncFor, ast.While)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


# --- the loss "after training", on the batch the loop left behind (steps 00-06) ------------------------

LAST_BATCH = N_(
    "this prints a loss computed from {names}, which the training loop at line {loop} left holding its "
    "last batch's values: that is the last batch's loss (a few rows, which the model has just been trained "
    "on), not the data set's. The arithmetic is right, but it says little about the model. To measure it, "
    "compute the loss over a whole data set the model does not train on; step07 does, over a validation "
    "set, in eval mode, under torch.no_grad(), each batch weighted by its size."
)


def last_batch_loss(tree: ast.Module) -> list[Note]:
    """A print(...) of a loss computed on variables that a preceding loop of the same block left holding its
    last batch (xb, yb from `for xb, yb in train_dl`, or sliced inside it, and what is computed from them
    there): the tutorial's "loss after training". Wherever the print is: at module level, at the end of fit
    or main, or inside an epoch loop after its loop over batches."""
    notes: list[Note] = []
    blocks = [tree.body] + [node.body for node in ast.walk(tree) if isinstance(node, (*_LOOPS, *_SCOPES[:2]))]
    for body in blocks:
        notes += _prints_of_leftovers(body)
    return sorted(set(notes))


def _flat(statements: Iterable[ast.stmt]) -> Iterable[ast.stmt]:
    """The statements of a scope in the order they run, the bodies of if/with/try inlined; loops and nested
    definitions are kept whole."""
    for stmt in statements:
        if isinstance(stmt, _BLOCKS):
            parts = [stmt.body, getattr(stmt, "orelse", [])]
            if isinstance(stmt, ast.Try):
                parts += [h.body for h in stmt.handlers] + [stmt.finalbody]
            for part in parts:
                yield from _flat(part)
        else:
            yield stmt


def _prints_of_leftovers(body: list[ast.stmt]) -> list[Note]:
    notes = []
    left: dict[str, tuple[int, bool]] = {}  # name -> (line of the loop that left it, whether it holds a loss)
    for stmt in _flat(body):
        if isinstance(stmt, _LOOPS):
            for name, is_loss in _leftovers(stmt).items():
                left[name] = (stmt.lineno, is_loss)
            continue
        if isinstance(stmt, _SCOPES):
            continue
        for call in _prints(stmt):
            used = sorted(n for n in _free_names(call) if n in left)
            if used and (_mentions_a_loss(call) or any(left[n][1] for n in used)):
                loop = min(left[n][0] for n in used)
                notes.append((call.lineno, "last-batch-loss", _(LAST_BATCH).format(names=", ".join(f"`{n}`" for n in used), loop=loop)))

        def source(value):
            found = [left[n] for n in _free_names(value) if n in left]
            return (min(line for line, _ in found), any(is_loss for _, is_loss in found)) if found else None
        _assign(stmt, left, source)
    return notes


def _prints(stmt: ast.stmt) -> list[ast.Call]:
    return [n for n in ast.walk(stmt) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
            and n.func.id == "print"]


def _mentions_a_loss(node: ast.AST) -> bool:
    """A name, attribute, callee or printed label with "loss" in it (loss_func(...), val_loss, "loss:")."""
    for n in ast.walk(node):
        word = n.id if isinstance(n, ast.Name) else n.attr if isinstance(n, ast.Attribute) else \
            n.value if isinstance(n, ast.Constant) and isinstance(n.value, str) else ""
        if "loss" in word.lower():
            return True
    return False


def _leftovers(loop: ast.stmt) -> dict[str, bool]:
    """Names a loop leaves holding its last iteration's batch, or a value computed from it (name -> whether
    it is a loss): the targets of a loop over batches (not over range(...)), names sliced out inside it
    (xb = x_train[a:b]), and names assigned from those. A name that accumulates (`total += ...`,
    `total = total + ...`) sums over every batch: not a leftover."""
    batch: dict[str, bool] = {}

    def source(value):
        found = [batch[n] for n in _free_names(value) if n in batch]
        if not found and not _sliced(value):
            return None
        return any(found) or _mentions_a_loss(value)

    def visit(stmt: ast.stmt) -> None:
        if isinstance(stmt, (ast.For, ast.AsyncFor)):
            if not _over_range(stmt.iter):
                for name in _targets(stmt.target):
                    batch[name] = False
            for inner in _flat(stmt.body + stmt.orelse):
                visit(inner)
        elif isinstance(stmt, ast.While):
            for inner in _flat(stmt.body + stmt.orelse):
                visit(inner)
        elif not isinstance(stmt, _SCOPES):
            _assign(stmt, batch, source)

    visit(loop)
    return batch


def _assign(stmt: ast.stmt, tainted: dict, source) -> None:
    """Update `tainted` (name -> its mark) for an assignment: a target takes the mark `source(value)` gives
    (None: no mark, and a name reassigned so loses its own); an accumulation loses its mark. A target whose
    name has "loss" in it holds a loss: marks of the form (line, is_loss) or is_loss say so."""
    if isinstance(stmt, ast.AugAssign):
        for name in _targets(stmt.target):
            tainted.pop(name, None)
        return
    if isinstance(stmt, ast.Assign):
        targets, value = stmt.targets, stmt.value
    elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
        targets, value = [stmt.target], stmt.value
    else:
        return
    mark = source(value)
    reads = _free_names(value)
    for target in targets:
        for name in _targets(target):
            if mark is None or name in reads:
                tainted.pop(name, None)
            elif isinstance(mark, tuple):
                tainted[name] = (mark[0], mark[1] or "loss" in name.lower() or _mentions_a_loss(value))
            else:
                tainted[name] = mark or "loss" in name.lower()


def _targets(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, (ast.Tuple, ast.List)):
        return [n for elt in node.elts for n in _targets(elt)]
    if isinstance(node, ast.Starred):
        return _targets(node.value)
    return []


def _over_range(node: ast.AST) -> bool:
    """range(...), or enumerate/zip of ranges only: indices, not batches."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        if node.func.id == "range":
            return True
        if node.func.id in ("enumerate", "zip", "reversed"):
            return bool(node.args) and all(_over_range(a) for a in node.args)
    return False


def _sliced(value: ast.AST) -> bool:
    """A slice is taken (x_train[a:b], train_ds[i * bs: i * bs + bs]): a batch cut out by hand."""
    for node in ast.walk(value):
        if isinstance(node, ast.Subscript):
            parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            if any(isinstance(p, ast.Slice) for p in parts):
                return True
    return False


def _free_names(node: ast.AST) -> set[str]:
    """Names an expression reads from its scope: those bound by a comprehension or a lambda inside it are its own
    (`sum(loss(model(xb), yb) for xb, yb in valid_dl)` reads valid_dl, not xb)."""
    bound: set[str] = set()
    for inner in ast.walk(node):
        if isinstance(inner, ast.comprehension):
            bound |= set(_targets(inner.target))
        elif isinstance(inner, ast.Lambda):
            bound |= {a.arg for a in inner.args.args + inner.args.kwonlyargs + inner.args.posonlyargs}
        elif isinstance(inner, ast.NamedExpr):
            bound |= set(_targets(inner.target))
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)} - bound


# --- register_backward_hook (step14) ------------------------------------------------------------------

BACKWARD_HOOK = N_(
    "register_backward_hook is deprecated. It hooks only the last operation of the module's forward: "
    "grad_output holds the gradient for that operation's output and grad_input the gradients for that "
    "operation's own inputs, so on a module made of several operations (a block of a convolution and a "
    "ReLU, say) it reports the gradients of the last operation only, and grad_input is not the gradient "
    "for the module's input. register_full_backward_hook reports the module's: grad_input for the "
    "module's inputs, grad_output for its outputs. Here each hooked layer is an nn.Conv2d or nn.Linear "
    "whose output is that of its last operation, so grad_output[0] is the same with both and the "
    "checks pass; write register_full_backward_hook, which stays right when a layer grows."
)


def deprecated_backward_hook(tree: ast.Module) -> list[Note]:
    """Every `.register_backward_hook`: accepted (on this step's layers it records the same gradients), noted."""
    return sorted({(n.lineno, "deprecated-backward-hook", _(BACKWARD_HOOK)) for n in ast.walk(tree)
                   if isinstance(n, ast.Attribute) and n.attr == "register_backward_hook"})


# --- a method named and never called (every step) ------------------------------------------------------

NOT_CALLED = N_(
    "`{code}` names the method without calling it, so this line does nothing: write `{code}()`."
)
# the calls of the tutorial whose whole effect is their side effect: a line holding only their name is a slip
_ACTIONS = {"zero_grad", "step", "backward", "eval", "train", "zero_", "manual_seed"}


def method_not_called(tree: ast.Module) -> list[Note]:
    """A statement that is only `something.zero_grad` (or step, backward, eval, train, zero_): the
    parentheses forgotten, a line that runs and does nothing. The checks then say what went wrong with
    the numbers (gradients that pile up, a model left in train mode); this note says why."""
    return sorted({(n.lineno, "not-called", _(NOT_CALLED).format(code=ast.unparse(n.value)))
                   for n in ast.walk(tree)
                   if isinstance(n, ast.Expr) and isinstance(n.value, ast.Attribute) and n.value.attr in _ACTIONS})


ALWAYS = (method_not_called,)  # every step's, besides those it declares
