"""Compare a learner's tensor with the expected one and explain any difference.

The verdict comes from `torch.testing.assert_close` with its default tolerances for the
dtype; this module only turns a failure into a message a learner can act on: the shapes, the
largest absolute error and where it is, and the values on both sides there.
"""
from __future__ import annotations

import re
import sys

import torch
from rich.cells import cell_len

from kata.i18n import N_, _

SMALL = 6  # values shown side by side around the largest error


class Mismatch(AssertionError):
    """The learner's value differs from the expected one. `what` names the value compared."""

    mistake = ""  # the known mistake it is, when the judge can tell (kata.steps.mistakes)

    def __init__(self, what: str, detail: str, mistake: str = ""):
        super().__init__(f"{what}: {detail}")
        self.what = what
        self.detail = detail
        self.mistake = mistake


def _side_by_side(got: torch.Tensor, expected: torch.Tensor, where: tuple[int, ...]) -> list[str]:
    """Up to SMALL values around the worst one, along the last dimension: index, expected, got, diff."""
    row = where[:-1]
    g, e = got[row].flatten(), expected[row].flatten()  # the worst element's row: (k,)
    start = max(0, min(where[-1] - SMALL // 2, len(g) - SMALL))
    lines = [" ".join(_right(_(word), size) for word, size in ((N_("index"), 14), (N_("expected"), 13),
                                                                (N_("got"), 13), (N_("difference"), 13)))]
    for j in range(start, min(start + SMALL, len(g))):
        index = str(list(row + (j,)))
        mark = "  " + _("<- largest") if j == where[-1] else ""
        lines.append(f"{index:>14} {e[j].item():>13.6g} {g[j].item():>13.6g} {(g[j] - e[j]).item():>13.3g}{mark}")
    if len(g) > SMALL:
        lines.append(" " * 15 + _("({shown} of the {n} values in that row)").format(shown=SMALL, n=len(g)))
    return lines


def _right(text: str, cells: int) -> str:
    """`text` right-aligned in `cells` terminal cells (a Hangul syllable takes two)."""
    return " " * max(0, cells - cell_len(text)) + text


def _index(flat: int, shape: torch.Size) -> tuple[int, ...]:
    return tuple(int(i) for i in torch.unravel_index(torch.tensor(flat), shape)) if shape else ()


def _shape_hint(got: torch.Size, expected: torch.Size) -> str:
    if len(got) == len(expected) + 1 and got[:1] == got[1:2]:
        return " " + _("A square result where a vector was expected is what broadcasting (n,) against (n, 1) gives.")
    if len(got) != len(expected) and [d for d in got if d != 1] == [d for d in expected if d != 1]:
        return " " + (_("The same values, with a dimension of size 1 missing: compare the two shapes position by "
                        "position.") if len(got) < len(expected) else
                      _("The same values, with an extra dimension of size 1: compare the two shapes position by "
                        "position."))
    if got.numel() == expected.numel():
        return " " + _("Same number of elements in another layout: a transposed or reshaped result.")
    return ""


def as_tensor(got, what: str) -> torch.Tensor:
    if isinstance(got, torch.Tensor):
        return got
    raise Mismatch(what, _("expected a tensor, got {type} {value}").format(type=type(got).__name__,
                                                                           value=f"{got!r:.80}"))


def assert_close(actual: torch.Tensor, expected: torch.Tensor) -> None:
    """torch.testing.assert_close, without importing torch.distributed.tensor when no DTensor can exist.

    torch 2.13's assert_close first asks whether either side is a DTensor, and that question imports
    torch.distributed.tensor (about 0.6 s, a third of `import torch`). A DTensor can exist only once
    that module is imported; until then the answer is no, and the rest of assert_close runs as is."""
    if _identical(actual, expected):  # equal bit for bit: assert_close passes, without its checks' cost
        return
    from torch.testing import _comparison

    unwrap = getattr(_comparison, "_unwrap_dtensor_for_comparison", None)
    if unwrap is None or "torch.distributed.tensor" in sys.modules:
        torch.testing.assert_close(actual, expected)
        return
    _comparison._unwrap_dtensor_for_comparison = _as_they_are
    try:
        torch.testing.assert_close(actual, expected)
    finally:
        _comparison._unwrap_dtensor_for_comparison = unwrap


def _identical(actual, expected) -> bool:
    """Both plain dense tensors of one dtype, shape and device, every value equal (NaN never is)."""
    return (type(actual) is type(expected) and isinstance(actual, torch.Tensor) and actual.layout == torch.strided
            and expected.layout == torch.strided and actual.dtype == expected.dtype
            and actual.shape == expected.shape and actual.device == expected.device
            and bool(torch.equal(actual, expected)))


def _as_they_are(actual, expected):
    return actual, expected


def assert_same(got, expected: torch.Tensor, what: str) -> None:
    """Raise Mismatch unless `got` is close to `expected` (torch.testing.assert_close)."""
    got = as_tensor(got, what).detach()
    expected = expected.detach()
    if got.shape != expected.shape:
        raise Mismatch(what, _("expected shape {expected}, got {got}.").format(
            expected=tuple(expected.shape), got=tuple(got.shape)) + _shape_hint(got.shape, expected.shape))
    if got.dtype != expected.dtype:
        raise Mismatch(what, _("expected dtype {expected}, got {got}.").format(expected=expected.dtype, got=got.dtype))
    bad = ~torch.isfinite(got) & torch.isfinite(expected)
    if bad.any():
        where = _index(int(bad.flatten().nonzero()[0]), got.shape)
        raise Mismatch(what, _("got {got} at index {index} where {expected} was expected ({n} of {total} values "
                               "are NaN or inf).").format(got=got[where].item(), index=list(where),
                                                          expected=f"{expected[where].item():.6g}",
                                                          n=int(bad.sum()), total=got.numel()))
    try:
        assert_close(got, expected)
    except AssertionError as e:
        raise Mismatch(what, _difference(got, expected, str(e))) from None


def _difference(got: torch.Tensor, expected: torch.Tensor, report: str) -> str:
    err = (got - expected).abs()
    flat = int(err.flatten().argmax())
    where = _index(flat, got.shape)
    numbers = {"error": f"{err.flatten()[flat].item():.3g}", "index": list(where),
               "expected": f"{expected[where].item():.6g}", "got": f"{got[where].item():.6g}"}
    lines = [(_("largest absolute error {error} at index {index}: expected {expected}, got {got}.") if where else
              _("largest absolute error {error}: expected {expected}, got {got}.")).format(**numbers)]
    if got.numel() > 1:
        lines += _side_by_side(got, expected, where)
    # assert_close's own summary: how many elements differ (its tolerances are said under --verbose only:
    # a beginner needs to know that the values differ, not the name of the comparison)
    count = re.search(r"Mismatched elements: (\d+) / (\d+)", report)
    if count:
        lines.append(_("{n} of {total} values differ by more than rounding error.").format(n=count[1],
                                                                                         total=count[2]))
    return "\n".join(lines)


def assert_leaf(t, what: str) -> None:
    """A parameter the optimiser can update: a tensor, a leaf of the graph, requiring grad."""
    t = as_tensor(t, what)
    if not t.requires_grad:
        raise Mismatch(what, _("does not require grad, so backward() gives it no gradient."))
    if not t.is_leaf:
        raise Mismatch(what, _("is not a leaf tensor (it was made by {made_by}), so its .grad "
                               "stays None: scale or build the tensor first, then call requires_grad_().").format(
            made_by=type(t.grad_fn).__name__))


def assert_grad(t: torch.Tensor, what: str) -> torch.Tensor:
    if t.grad is None:
        raise Mismatch(what, _("is None after backward(): the loss does not depend on this tensor."))
    return t.grad
