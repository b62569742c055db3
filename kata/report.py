"""Render grading results for a terminal (plain text, colour when it is a terminal) or as JSON."""
from __future__ import annotations

import json
import os
import sys
import textwrap

from kata.results import BROKEN, FAILED, FAILING, IN_PROGRESS, MISSING, NOT_STARTED, PASSED, SKIPPED, StepResult

MARKS = {PASSED: "✓", FAILED: "✗", FAILING: "✗", NOT_STARTED: "·", SKIPPED: "-", IN_PROGRESS: "…", BROKEN: "!",
         MISSING: "?"}
COLOURS = {PASSED: "32", FAILED: "31", FAILING: "31", NOT_STARTED: "2", SKIPPED: "2", IN_PROGRESS: "36", BROKEN: "33",
           MISSING: "33"}
WIDTH = 80


def use_colour(stream=None) -> bool:
    stream = stream or sys.stdout  # looked up now: tests and pipes replace sys.stdout
    return stream.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


class Painter:
    def __init__(self, colour: bool):
        self.colour = colour

    def __call__(self, status: str, text: str) -> str:
        return f"\033[{COLOURS[status]}m{text}\033[0m" if self.colour else text

    def bold(self, text: str) -> str:
        return f"\033[1m{text}\033[0m" if self.colour else text


def _block(text: str, indent: int) -> list[str]:
    """Wrap prose to the terminal width, keeping lines that start with spaces (code) as they are."""
    out = []
    for line in text.splitlines():
        if line.startswith("    ") or len(line) + indent <= WIDTH:
            out.append(" " * indent + line)
        else:
            out += textwrap.wrap(line, WIDTH, initial_indent=" " * indent, subsequent_indent=" " * indent)
    return out


def step_text(r: StepResult, colour: bool = False) -> str:
    paint = Painter(colour)
    lines = [paint.bold(f"{r.slug} · {r.title}"), f"  {r.file}"]
    if r.problem:
        lines += ["", paint(r.status, f"  {MARKS[r.status]} {r.status}: this step cannot be graded yet")]
        lines += _block(r.problem, 4)
    for c in r.checks:
        lines.append(paint(c.status, f"  {MARKS[c.status]} ") + c.name
                     + (paint(NOT_STARTED, "  (not started)") if c.status == NOT_STARTED else "")
                     + (paint(SKIPPED, f"  (skipped: {c.message})") if c.status == SKIPPED else ""))
        if c.status != FAILED:
            continue
        if c.counterexample:
            lines += _block(f"smallest counterexample: {c.counterexample}", 6)
        lines += _block(c.message, 6)
        hint = c.hint or (r.hint if c.kind == "property" else "")  # a rule's message is its own pointer
        if hint:
            lines += _block(f"hint: {hint}", 6)
    lines += ["", summary_line(r, paint)]
    return "\n".join(lines)


def summary_line(r: StepResult, paint) -> str:
    if r.status in (BROKEN, MISSING):
        return paint(r.status, f"{r.step}: {r.status}")
    counts = f"{r.count(PASSED)} passed, {r.count(FAILED)} failed, {r.count(NOT_STARTED)} not started"
    verdict = {PASSED: "passed: on to the next step", NOT_STARTED: "not started: open the file and follow its TODOs",
               IN_PROGRESS: "in progress: TODOs left", FAILING: "not yet"}[r.status]
    return f"{counts} · " + paint(r.status, f"{r.step} {verdict}")


def board_text(results: list[StepResult], target: str, colour: bool = False) -> str:
    paint = Painter(colour)
    lines = [paint.bold(f"torch-nn-kata · {target}"), ""]
    for r in results:
        if r.status in (BROKEN, MISSING):
            state = "cannot be loaded" if r.status == BROKEN else "file missing"
        elif r.status == NOT_STARTED:
            state = "not started"
        else:
            state = f"{r.status} {r.count(PASSED)}/{len(r.checks)}" if r.status != PASSED else f"{len(r.checks)} checks"
        lines.append(paint(r.status, f"  {MARKS[r.status]} ") + f"{r.slug:<20} {r.title[:38]:<38} "
                     + paint(r.status, state))
    upcoming = next_step(results)
    lines.append("")
    lines.append(f"Next: python grader.py {upcoming.step}" if upcoming else "Every step passes. Well done.")
    return "\n".join(lines)


def next_step(results: list[StepResult]) -> StepResult | None:
    return next((r for r in results if r.status != PASSED), None)


def step_json(r: StepResult) -> str:
    return json.dumps(r.to_dict(), indent=2, ensure_ascii=False)


def board_json(results: list[StepResult], target: str) -> str:
    upcoming = next_step(results)
    return json.dumps({"target": target, "steps": [r.to_dict() for r in results],
                       "next": upcoming.step if upcoming else None}, indent=2, ensure_ascii=False)
