"""Hypothesis, set up once per process for drawing the checks' cases; the cases it drew, kept.

Kept cases: with its fixed seed, hypothesis draws the very same cases for a check every time the
check passes (each draw depends on the seed and the draws before it, never on a passing outcome).
A long-lived grader (the server, watch mode, class mode, all of which grade the references first)
keeps them per check, and the next grade of that check runs them straight: if every one passes, so
would hypothesis's run; at the first that fails, hypothesis runs from the start as it always does,
so the verdict and the counterexample are hypothesis's own. That skips hypothesis's machinery
(about a third of a grade's time in the server) on the passing checks.

Local constants off: recent hypothesis versions scan every module it deems local (here: the kata's
own) for literals and mix them into draws. Which kata modules a process has loaded differs (a cold
grade loads one step's checks, the server every step's), so the cases, and with them a failing
check's counterexample, would differ between a cold and a warm grade of the same code; the scan
also costs about 75 ms at a cold grade's first draw. The learner's code is not in this process, so
no constant of its own would be found anyway.

Flaky: a check that fails on a case and passes on the same case again is the learner's code not being
a function of its inputs (a counter, a global it changes). Hypothesis says so with an error of its own;
the runner turns it into a verdict that names the two runs (`differing`).
"""
from __future__ import annotations

_done: list[bool] = []
_kept: dict[tuple, tuple] = {}  # (check id, its strategy, examples, edges) -> the cases of a passing run
_restored: dict[tuple, tuple] = {}  # (check id, examples, edges) -> cases kept by another process (`restore`)


def _key(check) -> tuple:
    return check.id, id(check.strategy), check.max_examples, len(check.edges)


def kept(check) -> tuple | None:
    """The cases hypothesis drew for `check` when it last passed in this process (or in the process
    whose cases were restored here), in order."""
    found = _kept.get(_key(check))
    return found if found is not None else _restored.get((check.id, check.max_examples, len(check.edges)))


def keep(check, cases: list) -> None:
    _kept[_key(check)] = tuple(cases)


def everything_kept() -> list[tuple[str, int, int, tuple]]:
    """(check id, examples, edges, cases) of every check kept in this process: for `restore` elsewhere."""
    return [(check_id, examples, edges, cases) for (check_id, _s, examples, edges), cases in _kept.items()]


def restore(entries: list[tuple[str, int, int, tuple]]) -> None:
    """Keep cases another process drew with the same kata, hypothesis and torch (`everything_kept`)."""
    _restored.update({(check_id, examples, edges): tuple(cases) for check_id, examples, edges, cases in entries})


def forget_restored() -> None:
    """Drop what `restore` kept: the grades it was for are done (the judges forked for them hold a copy)."""
    _restored.clear()


def bound_shrinking(seconds: float | None) -> None:
    """Make hypothesis stop shrinking after `seconds` at most (the test call under way is finished first),
    and report the smallest case found by then; None: its own limit again. Its limit is a module
    constant it reads as shrinking starts, and says may be changed. A safety net only: the runner
    bounds shrinking by a number of tries, which gives the same case on any machine."""
    from hypothesis.internal.conjecture import engine

    if not hasattr(engine, "MAX_SHRINKING_SECONDS"):  # another hypothesis: its own limit holds
        return
    _default.setdefault("seconds", engine.MAX_SHRINKING_SECONDS)
    engine.MAX_SHRINKING_SECONDS = _default["seconds"] if seconds is None else seconds


_default: dict[str, float] = {}


def flaky_errors() -> tuple[type, ...]:
    """What hypothesis raises when a check fails on a case and passes on the very same case (FlakyFailure,
    FlakyReplay, FlakyStrategyDefinition...: all are Flaky, in every version that has them)."""
    from hypothesis import errors

    return tuple(cls for name, cls in vars(errors).items()
                 if isinstance(cls, type) and issubclass(cls, BaseException) and name.startswith("Flaky"))


def differing(runs: list[tuple[str, bool]]) -> tuple[int, int] | None:
    """The first two runs (counted from 1) of one case, shown the same way, that ended differently: one
    failed, the other passed. `runs` is each run's (case as text, passed), in order."""
    for i, (case, passed) in enumerate(runs):
        for j in range(i + 1, len(runs)):
            if runs[j][0] == case and runs[j][1] != passed:
                return i + 1, j + 1
    return None


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
        for kind in ("integers", "floats", "bytes", "strings"):  # what a draw before this one found
            getattr(getattr(empty, kind, None), "clear", lambda: None)()
        providers._get_local_constants = lambda: empty  # never filled again: the scan is what fills it
    _done.append(True)
