"""What a fit reports of its validation losses: the list it returns, or what it prints.

The reference's fit (steps 07-12) returns one validation loss per epoch. The tutorial's fit returns
None and prints them (`print(epoch, val_loss)`, or seed 003's "epoch: 1, validaiton loss: 0.3099"):
the same arithmetic, another shape of code. Judges call fit with `capture=True` and read its
losses through `fit_losses`: the returned list when there is one, else the printed numbers, each
compared to the precision it was printed with. Judge-side (the parent): it reads text and numbers.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

import torch

from kata.i18n import _
from kata.judging.compare import Mismatch, assert_same
from kata.judging.remote import NotPlain
from kata.steps.common.judging import Unlike

# a number as Python, numpy and torch print it: 0.3099, 2.302585092994046, 1e-05, nan, inf
_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w.])|(?<!\w)[-+]?(?:nan|inf)(?!\w)",
                     re.IGNORECASE)
RTOL = ATOL = 1e-7  # assert_close's float64 tolerances, on top of what the printed digits leave out


@dataclass(frozen=True)
class Printed:
    """The losses a fit printed, one per epoch, with the line each was read from and its precision."""

    values: torch.Tensor  # (epochs,) float64
    steps: tuple[float, ...]  # half a unit of the last printed digit, per value: what rounding may hide
    lines: tuple[str, ...]

    def close_to(self, expected: torch.Tensor) -> list[bool]:
        out = []
        for got, want, step in zip(self.values.tolist(), expected.tolist(), self.steps):
            if math.isnan(got) or math.isnan(want):
                out.append(math.isnan(got) and math.isnan(want))
            else:
                out.append(abs(got - want) <= step + ATOL + RTOL * abs(want))
        return out


def _decimals_step(text: str) -> float:
    """Half a unit of the last digit printed in `text` ("0.3099" -> 0.00005, "1.5e-03" -> 0.00005)."""
    mantissa, _e, exponent = text.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    return 0.5 * 10.0 ** (int(exponent or 0) - decimals)


def _is_loss_number(text: str) -> bool:
    """A number that can be a loss as printed: with a decimal point, an exponent, or nan/inf (an epoch
    counter is a bare integer)."""
    low = text.lower()
    return "." in low or "e" in low.lstrip("+-").replace("inf", "") or "nan" in low or "inf" in low


def _number_in(line: str) -> re.Match | None:
    """The loss on a line: the first number after the last "val" (valid, validation, val_loss), else after the
    last "loss", else the line's last number with a decimal point."""
    found = [m for m in _NUMBER.finditer(line) if _is_loss_number(m.group())]
    if not found:
        return None
    low = line.lower()
    for word in ("val", "loss"):
        at = low.rfind(word)
        after = [m for m in found if m.start() > at] if at >= 0 else []
        if after:
            return after[0]
    return found[-1]


def read_printed(text: str, epochs: int, what: str = "fit(...)") -> Printed:
    """The validation losses printed by a fit that returned None: one line with a number per epoch."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    with_numbers = [line for line in lines if _number_in(line)]
    if len(with_numbers) > epochs:  # other lines too (a training loss, an accuracy...): the validation ones
        validation = [line for line in with_numbers if "val" in line.lower()]
        with_numbers = validation if len(validation) == epochs else with_numbers
    if len(with_numbers) != epochs:
        shown = "; ".join(repr(line[:60]) for line in with_numbers[:4]) or _("nothing with a number")
        raise Unlike(what, _("returned None, so the checks read the validation losses it prints, one line per "
                             "epoch: expected {epochs} line(s) with a loss, found {found} ({shown}). "
                             "Print each epoch's validation loss once (as the tutorial does), or return the list of "
                             "them.").format(epochs=epochs, found=len(with_numbers), shown=shown))
    values, steps = [], []
    for line in with_numbers:
        number = _number_in(line).group()
        values.append(float(number))
        steps.append(_decimals_step(number) if not re.search("nan|inf", number, re.I) else 0.0)
    return Printed(torch.tensor(values, dtype=torch.float64), tuple(steps), tuple(with_numbers))


def fit_losses(got, epochs: int, what: str = "fit(...)"):
    """The validation losses a fit reported, from its handle (called with capture=True): the list it returned
    as a float64 tensor (epochs,), or, when it returned None, what it printed (a Printed)."""
    from kata.steps.common.fixtures import as_losses

    try:
        value = got.value()
    except NotPlain:
        raise Unlike(what, _("should return the list of {epochs} validation loss(es), one per epoch (or None, "
                             "printing them); got {type}.").format(epochs=epochs, type=got.type)) from None
    if value is None:
        return read_printed(getattr(got, "printed", "") or "", epochs, what)
    return as_losses(value, epochs, what)


def assert_losses(got, expected: torch.Tensor, what: str) -> None:
    """Returned losses ≈ expected (assert_close); printed ones equal to it up to the digits printed."""
    if not isinstance(got, Printed):
        assert_same(got, expected, what)
        return
    for epoch, (ok, value, want, line) in enumerate(zip(got.close_to(expected), got.values.tolist(),
                                                         expected.tolist(), got.lines), 1):
        if not ok:
            raise Mismatch(_("{what} (as fit printed it)").format(what=what),
                           _("epoch {epoch}: fit printed {line}, read as {value}; expected {want} (up to the digits "
                             "printed).").format(epoch=epoch, line=repr(line), value=repr(value), want=f"{want:.6g}"))


def agrees(got, expected: torch.Tensor) -> bool:
    """Whether reported losses (returned or printed) agree with `expected`, as assert_losses judges."""
    try:
        assert_losses(got, expected, "")
    except Mismatch:
        return False
    return True
