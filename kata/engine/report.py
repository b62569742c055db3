"""Render grading results: rich text for a terminal (plain when piped or NO_COLOR), or JSON.

The layout is built as rich markup, with everything that comes from the learner's code or
from torch escaped; `*_text` functions give the same thing as plain text.
"""
from __future__ import annotations

import json
import os
import shutil
import sys
import textwrap

from rich.console import Console
from rich.markup import escape
from rich.text import Text

from kata.engine.results import (
    BROKEN,
    FAILED,
    FAILING,
    IN_PROGRESS,
    MISSING,
    NOT_STARTED,
    PASSED,
    SKIPPED,
    STAGE_NAMES,
    STAGES,
    StepResult,
)

MARKS = {PASSED: "✓", FAILED: "✗", FAILING: "✗", NOT_STARTED: "·", SKIPPED: "-", IN_PROGRESS: "…", BROKEN: "!",
         MISSING: "?"}
STYLES = {PASSED: "green", FAILED: "red", FAILING: "red", NOT_STARTED: "dim", SKIPPED: "dim", IN_PROGRESS: "cyan",
          BROKEN: "yellow", MISSING: "yellow"}


def width() -> int | None:
    """Columns to wrap prose at: $COLUMNS when set, else the terminal's width; None (no wrapping)
    when output is not a terminal, so piped output never breaks a path or a number in two."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 20:
        return int(columns)
    if not sys.stdout.isatty():
        return None
    return shutil.get_terminal_size((80, 24)).columns


def console(stream=None) -> Console:
    """A console on stdout (looked up now: tests and pipes replace it); rich itself drops colour
    when the stream is not a terminal, NO_COLOR is set or TERM is dumb."""
    return Console(file=stream or sys.stdout, highlight=False, soft_wrap=True, emoji=False)


def paint(status: str, text: str) -> str:
    return f"[{STYLES[status]}]{escape(text)}[/]"


def _block(text: str, indent: int) -> list[str]:
    """Wrap prose to the terminal's width; lines that start with spaces (code, tables) stay as they are.
    Words are never broken (a path stays whole)."""
    out, columns = [], width()
    for line in text.splitlines():
        if columns is None or line.startswith("    ") or len(line) + indent <= columns:
            out.append(" " * indent + line)
        else:
            out += textwrap.wrap(line, columns, initial_indent=" " * indent, subsequent_indent=" " * indent,
                                 break_long_words=False, break_on_hyphens=False)
    return [escape(line) for line in out]


def plain(markup: str) -> str:
    return Text.from_markup(markup).plain


def first_failure(r: StepResult) -> str | None:
    """The id of the property check that failed at the earliest stage, or None."""
    failed = [c for c in r.checks if c.status == FAILED and c.kind == "property"]
    if not failed:
        return None
    return min(failed, key=lambda c: STAGES.index(c.stage) if c.stage in STAGES else len(STAGES)).id


def divergence(r: StepResult) -> str:
    """The earliest stage at which a failed equivalence check parts from the reference."""
    failed = [c for c in r.checks if c.status == FAILED and c.stage]
    if not failed:
        return ""
    first = min(failed, key=lambda c: STAGES.index(c.stage))
    return f"Where it diverged: {STAGE_NAMES[first.stage]}, first seen by “{first.name}”."


def step_markup(r: StepResult, first_pass: bool = False) -> str:
    lines = [f"[bold]{escape(r.slug)} · {escape(r.title)}[/]", f"  {escape(r.file)}"]
    if r.problem:
        lines += ["", paint(r.status, f"  {MARKS[r.status]} {r.status}: this step cannot be graded yet")]
        lines += _block(r.problem, 4)
    where = divergence(r)
    if where:
        lines += _block(where, 2)
    for c in r.checks:
        note = ""
        if c.status == NOT_STARTED:
            note = paint(NOT_STARTED, "  (not started)")
        elif c.status == SKIPPED:
            note = paint(SKIPPED, f"  (skipped: {c.message})")
        if c.kind == "guard" and c.status == FAILED:  # a teaching note: it does not change the grade
            lines.append(paint(NOT_STARTED, "  ! ") + escape(c.name) + paint(NOT_STARTED, "  (a note, not graded)"))
            lines += _block(c.message, 6)
            continue
        lines.append(paint(c.status, f"  {MARKS[c.status]} ") + escape(c.name) + note)
        if c.status != FAILED:
            continue
        if c.counterexample:
            lines += _block(f"smallest counterexample: {c.counterexample}", 6)
        lines += _block(c.message, 6)
        hint = c.hint  # each check has its own ladder; a rule's message is its own pointer
        if hint:
            lines += [f"[yellow]{line}[/]" for line in _block(f"hint: {hint}", 6)]
    for note in r.advisories:
        at = f"line {note['line']}: " if note.get("line") else ""
        lines += [paint(NOT_STARTED, "  note ") + escape(f"{at}{note['message']}")]
    if r.output.strip() and r.status != PASSED:
        shown = r.output.strip().splitlines()
        lines += ["", "  your code printed while it was graded:"] + [
            f"    {escape(line[:200])}" for line in shown[:8]] + (
            [f"    … ({len(shown) - 8} more lines)"] if len(shown) > 8 else [])
    lines += ["", summary_markup(r)]
    if r.isolation and "Landlock" not in r.isolation:
        lines += _block(f"isolation: {r.isolation} (this machine has no Landlock: your code ran in its own "
                        "process, without file and network confinement)", 0)
    if r.status == PASSED:
        lines += _block(reference_pointer(r, first_pass), 0)
    return "\n".join(lines)


def reference_pointer(r: StepResult, first_pass: bool) -> str:
    lead = "First pass! " if first_pass else ""
    return (f"{lead}Compare with the reference solution, solutions/{r.slug}.py: "
            f"python grader.py {r.step} --diff solutions")


def summary_markup(r: StepResult) -> str:
    if r.status in (BROKEN, MISSING):
        return paint(r.status, f"{r.step}: {r.status}")
    counts = f"{r.count(PASSED)} passed, {r.count(FAILED)} failed, {r.count(NOT_STARTED)} not started"
    if r.count(SKIPPED):
        counts += f", {r.count(SKIPPED)} skipped"
    verdict = {PASSED: "passed", NOT_STARTED: "not started: open the file and follow its TODOs",
               IN_PROGRESS: "in progress: TODOs left", FAILING: "not yet"}[r.status]
    return f"{escape(counts)} · " + paint(r.status, f"{r.step} {verdict}")


def step_text(r: StepResult, first_pass: bool = False) -> str:
    return plain(step_markup(r, first_pass))


def board_markup(results: list[StepResult], target: str) -> str:
    lines = [f"[bold]torch-nn-kata · {escape(target)}[/]", ""]
    for r in results:
        if r.status in (BROKEN, MISSING):
            state = "cannot be loaded" if r.status == BROKEN else "file missing"
        elif r.status == NOT_STARTED:
            state = "not started"
        elif r.status == PASSED:
            state = "passed {}/{}".format(*r.score())
        else:
            state = "{} {}/{}".format(r.status, *r.score())
        lines.append(paint(r.status, f"  {MARKS[r.status]} ") + f"{escape(r.slug):<20} {escape(r.title[:36]):<36} "
                     + paint(r.status, state))
    done = sum(r.status == PASSED for r in results)
    upcoming = next_step(results)
    lines += ["", f"{done} of {len(results)} steps passed."]
    if upcoming:
        lines.append(f"Next: [bold]python grader.py {upcoming.step}[/]  ({escape(upcoming.title)})")
    else:
        lines.append("Every step passes. Well done.")
    if done:
        lines.append("Finished a step? Compare it with the reference: python grader.py stepNN --diff solutions")
    return "\n".join(lines)


def board_text(results: list[StepResult], target: str) -> str:
    return plain(board_markup(results, target))


def next_step(results: list[StepResult]) -> StepResult | None:
    return next((r for r in results if r.status != PASSED), None)


def step_json(r: StepResult) -> str:
    return json.dumps(r.to_dict(), indent=2, ensure_ascii=False)


def board_json(results: list[StepResult], target: str) -> str:
    upcoming = next_step(results)
    return json.dumps({"target": target, "steps": [r.to_dict() for r in results],
                       "next": upcoming.step if upcoming else None}, indent=2, ensure_ascii=False)
