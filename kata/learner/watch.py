"""`--watch`: re-grade a step every time its file is saved, in one warm process.

torch, hypothesis and the reference solutions stay loaded between grades, so a verdict comes
back a fraction of a second after a save. Polling the file's size and modification time needs
no extra dependency and works on every file system.
"""
from __future__ import annotations

import time
from pathlib import Path

from kata.engine import report, runner
from kata.engine.results import PASSED
from kata.learner import state
from kata.steps import registry

POLL_SECONDS = 0.05
SETTLE_SECONDS = 0.03  # an editor may write a file in several pieces: wait until it stops changing


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size


def _settled(path: Path) -> tuple[int, int] | None:
    stamp = _stamp(path)
    while True:
        time.sleep(SETTLE_SECONDS)
        again = _stamp(path)
        if again == stamp:
            return stamp
        stamp = again


def grade_once(step, target: Path, timeout: float, out) -> None:
    result = runner.grade(step, target, timeout)
    first_pass = result.status == PASSED and state.LearnerState(target).mark_passed(step.id)
    if out.is_terminal:
        out.clear()
    out.print(report.step_markup(result, first_pass))
    if result.status == PASSED:
        after = registry.STEPS.index(step) + 1
        nxt = registry.STEPS[after] if after < len(registry.STEPS) else None
        out.print(f"[green]{step.id} passes.[/] " + (f"Next: python grader.py {nxt.id} --watch" if nxt
                                                       else "That was the last step."))
    out.print(f"[dim]watching {target / step.filename} · graded in {result.seconds:.2f} s · "
              "save to grade again, Ctrl-C to stop[/]")
    out.file.flush()


def watch(step, target: Path, timeout: float) -> int:
    out = report.console()
    path = target / step.filename
    seen = None
    try:
        while True:
            stamp = _stamp(path)
            if stamp != seen:
                seen = _settled(path)
                grade_once(step, target, timeout, out)
            time.sleep(POLL_SECONDS)
    except KeyboardInterrupt:
        out.print("stopped watching.")
        return 0
