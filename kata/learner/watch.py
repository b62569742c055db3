"""`--watch`: re-grade a step every time its file is saved, in one warm process.

torch, hypothesis and the reference solutions stay loaded between grades, so a verdict comes
back a fraction of a second after a save: kata.learner.filewatch wakes at the save itself.
What the learner's code printed or raised is shown inert (kata.rendering.report makes it so).
"""
from __future__ import annotations

import signal
from pathlib import Path

from rich.markup import escape

from kata import state
from kata.grading import runner
from kata.i18n import _
from kata.inert import inert
from kata.judging.results import PASSED
from kata.learner import filewatch
from kata.rendering import report
from kata.steps import registry


def grade_once(step, target: Path, timeout: float, out) -> None:
    result = runner.grade(step, target, timeout)
    first_pass = result.status == PASSED and state.LearnerState(target).mark_passed(step.id)
    if out.is_terminal:
        out.clear()
    out.print(report.step_markup(result, first_pass, watching=True))
    if result.status == PASSED:
        after = registry.STEPS.index(step) + 1
        nxt = registry.STEPS[after] if after < len(registry.STEPS) else None
        upcoming = "" if first_pass else (  # a first pass's recap has said what comes next
            _("Next: python grader.py {step} --watch").format(step=nxt.id) if nxt else _("That was the last step."))
        out.print(f"[green]{_('{step} passes.').format(step=step.id)}[/] " + upcoming)
    out.print("[dim]" + _("watching {path} · graded in {seconds} s · save to grade again, Ctrl-C to stop").format(
        path=escape(inert(target / step.filename, one_line=True)), seconds=f"{result.seconds:.2f}") + "[/]")
    out.file.flush()


def watch(step, target: Path, timeout: float) -> int:
    # Ctrl-C is how watching stops, even in a process that was started with SIGINT ignored (a script's
    # background job inherits that, and Python then leaves it ignored): without this, nothing stops it
    signal.signal(signal.SIGINT, signal.default_int_handler)
    out = report.console()
    path = target / step.filename
    watcher = filewatch.Watcher(path)
    try:
        seen = None
        while True:
            seen = watcher.changed(seen)  # at once the first time, if the file is there
            grade_once(step, target, timeout, out)
    except KeyboardInterrupt:
        out.print(_("stopped watching."))
        return 0
    finally:
        watcher.close()
