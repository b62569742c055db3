"""Hypothesis, set up once per process for drawing the checks' cases.

Local constants off: recent hypothesis versions scan every module it deems local (here: the kata's
own) for literals and mix them into draws. Which kata modules a process has loaded differs (a cold
grade loads one step's checks, the server every step's), so the cases, and with them a failing
check's counterexample, would differ between a cold and a warm grade of the same code; the scan
also costs about 75 ms at a cold grade's first draw. The learner's code is not in this process, so
no constant of its own would be found anyway.
"""
from __future__ import annotations

_done: list[bool] = []


def ready() -> None:
    """Import hypothesis and set it up for the checks (once)."""
    if _done:
        return
    try:
        from hypothesis.internal.conjecture import providers
    except ImportError:  # an older hypothesis: no local constants to turn off
        providers = None
    local = getattr(providers, "_get_local_constants", None)
    empty = getattr(providers, "_local_constants", None)
    if local is not None and empty is not None:
        providers._get_local_constants = lambda: empty  # never filled: the scan is what fills it
    _done.append(True)
