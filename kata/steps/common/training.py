"""Train the learner's way and the reference's way on the same case, and say where they part.

`mine` and `expected` take (x, y, epochs) and return parameters by name (compare_fits: and the
validation losses per epoch). The reference's answers are remembered per case: a warm grader (the
server, watch mode) sees the same cases at every grade of a step.
"""
from __future__ import annotations

from collections import OrderedDict

import torch

from kata.child import update_trace
from kata.i18n import _
from kata.judging.compare import Mismatch, assert_same
from kata.steps.common.divergence import what_parts
from kata.steps.common.judging import Unlike
from kata.steps.common.reported import assert_losses

_REMEMBERED: OrderedDict = OrderedDict()  # what the reference computed, for cases seen before


REMEMBER_AT_MOST = 512


def remember(expected, run):
    """`expected(x, y, epochs)` computed once per case in this process: the reference is deterministic,
    and a warm grader (the server, watch mode) sees the same cases again at every grade of a step.
    Keyed by the judge's own code, the case, the rows used and the epochs."""
    if getattr(expected, "remembered", False):
        return expected

    def call(x, y, epochs):
        if update_trace.tracing_now():  # traced: the run itself is what is wanted, not its answer
            return expected(x, y, epochs)
        key = (expected.__code__, run, int(x.shape[0]), epochs, torch.get_default_dtype())
        if key in _REMEMBERED:
            _REMEMBERED.move_to_end(key)
            return _REMEMBERED[key]
        value = _REMEMBERED[key] = expected(x, y, epochs)
        if len(_REMEMBERED) > REMEMBER_AT_MOST:
            _REMEMBERED.popitem(last=False)
        return value

    call.remembered = True
    return call


def compare_training(run, mine, expected, child=None) -> None:
    """Train both ways on the run's data and compare every parameter afterwards.

    `mine` and `expected` take (x, y, epochs), train a fresh model from the run's initial
    weights, and return its parameters by name (in the same layout). When they differ, the
    message also says after which update they first part, by re-training on the first k batches,
    and (given the learner's `child`) whether the gradients, the momentum buffers or the step part.
    """
    x, y = run.data()
    expected = remember(expected, run)
    try:
        _assert_parameters(mine(x, y, run.epochs), expected(x, y, run.epochs), _("{name} after fit"))
    except Unlike:  # about how the code is put together (what fit returns...): no update to look for
        raise
    except Mismatch as e:
        if child is not None and not child.explain:  # a case tried while shrinking: the plain verdict will do
            raise
        where, mistake = _first_update_that_differs(run, x, y, mine, expected, child)
        raise Mismatch(e.what, f"{e.detail}\n{where}" if where else e.detail, mistake) from None


def _assert_parameters(got: dict, expected: dict, suffix: str) -> None:
    """`suffix` names each parameter compared: "{name} after fit", or "{name}" alone."""

    for name, value in expected.items():
        assert_same(got[name], value, suffix.format(name=name))


def _first_update_that_differs(run, x, y, mine, expected, child=None) -> tuple[str, str]:
    """After which update of the first epoch the parameters first part, found by bisection over the
    number of batches trained on (each try trains afresh): a few trainings, not one per batch. With the
    id of the mistake that shows there, when the traces tell (kata.steps.mistakes)."""
    updates = run.n_batches * run.epochs

    def part(k: int) -> bool | None:  # True: k batches already differ; None: the learner's code failed there
        rows = k * run.bs
        try:
            _assert_parameters(mine(x[:rows], y[:rows], 1), expected(x[:rows], y[:rows], 1), "{name}")
        except Mismatch:
            return True
        except Exception:  # the learner's code fails on a shorter run: the full message says enough
            return None
        return False

    agree, differ = 0, None  # the most batches known to agree, the fewest known to differ
    first_try = part(run.n_batches)
    if first_try is None:
        return "", ""
    if first_try:
        differ = run.n_batches
    while differ is not None and differ - agree > 1:
        k = (agree + differ) // 2
        parted = part(k)
        if parted is None:
            return "", ""
        agree, differ = (agree, k) if parted else (k, differ)
    if differ is None:
        return (_("The first epoch agrees; they part in a later epoch.") if run.epochs > 1 else ""), ""
    k, rows = differ, differ * run.bs
    first = _("the very first update already differs: look at the output, loss and gradient checks too.") \
        if k == 1 else _("the updates before it agree.")
    traced, mistake = traced_parting(child, x[:rows], y[:rows], mine, expected)
    return _("They part at update {k} of {updates} (batch {k}, rows {first_row}..{last_row}): {what}").format(
        k=k, updates=updates, first_row=(k - 1) * run.bs, last_row=min(rows, run.n) - 1,
        what=traced or first), mistake


def traced_parting(child, x, y, mine, expected, epochs: int = 1) -> tuple[str, str]:
    """Both sides trained once more on these rows for `epochs`, traced (kata.child.update_trace): what parts
    first, and the mistake it shows. `expected` returns the parameters by name (they name the leaves)."""
    if child is None:
        return "", ""
    child.trace = True
    try:
        mine(x, y, epochs)
        got = child.updates()
    except Exception:  # noqa: BLE001  the plain message stands
        return "", ""
    finally:
        child.trace = False
    with update_trace.tracing() as want:
        names = expected(x, y, epochs)
    return what_parts(got, want, names if isinstance(names, dict) else {})


def compare_fits(run, mine, expected, child=None) -> None:
    """compare_training (the parameters after fit, and where they part), then the validation losses.

    `mine` and `expected` take (x, y, epochs) and return (parameters by name, validation losses
    per epoch as a tensor, or None to skip that comparison). The learner's side may report its
    losses as printed (kata.steps.common.reported.Printed): compared to the digits printed.
    """

    losses = {}

    def keep(fn, side):
        def call(x, y, epochs):
            params, per_epoch = fn(x, y, epochs)
            losses.setdefault(side, per_epoch)
            return params
        return call

    kept = keep(remember(expected, run), "expected")
    kept.remembered = True  # remembered inside, by the judge's own code: the wrapper's is everyone's
    compare_training(run, keep(mine, "got"), kept, child)
    if losses.get("expected") is not None:
        assert_losses(losses["got"], losses["expected"], _("the validation loss fit reports for each epoch"))
