"""Render grading results: rich text for a terminal (plain when piped or NO_COLOR), or JSON.

The layout is built as rich markup, with everything that comes from the learner's code or
from torch escaped; `*_text` functions give the same thing as plain text. Every text of a result
is made inert first (kata.inert): what the learner's code printed, raised or named shows its
control characters as visible escapes, in the terminal and in the JSON alike.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import sys

from rich.cells import cell_len
from rich.console import Console
from rich.markup import escape
from rich.text import Text

from kata.i18n import N_, _, by_id, wrap_cells
from kata.inert import inert, inert_data
from kata.judging.results import (
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
    text_key,
)

STATUS_WORDS = {PASSED: N_("passed"), FAILED: N_("failed"), FAILING: N_("failing"), NOT_STARTED: N_("not started"),
                SKIPPED: N_("skipped"), IN_PROGRESS: N_("in progress"), BROKEN: N_("broken"), MISSING: N_("missing")}
MARKS = {PASSED: "✓", FAILED: "✗", FAILING: "✗", NOT_STARTED: "·", SKIPPED: "-", IN_PROGRESS: "…", BROKEN: "!",
         MISSING: "?"}
STYLES = {PASSED: "green", FAILED: "red", FAILING: "red", NOT_STARTED: "dim", SKIPPED: "dim", IN_PROGRESS: "cyan",
          BROKEN: "yellow", MISSING: "yellow"}


# the fields of a result that are names or labels: shown on one line (a path, a check's name)
ONE_LINE = frozenset({"step", "slug", "title", "target", "file", "id", "name", "kind", "status", "stage"})


def inert_result(r: StepResult) -> StepResult:
    """A copy of `r` whose every text is inert: nothing the learner's code printed, raised or named
    reaches a terminal or a file with its escape sequences, CR, BEL or bidi controls."""
    return StepResult.from_dict(inert_data(r.to_dict(), ONE_LINE))


_UNWRAPPED: list[bool] = []


@contextlib.contextmanager
def unwrapped():
    """Reports made inside are not wrapped, whatever the terminal: for files (the same submissions
    give the same bytes)."""
    _UNWRAPPED.append(True)
    try:
        yield
    finally:
        _UNWRAPPED.pop()


def width() -> int | None:
    """Columns to wrap prose at: $COLUMNS when set, else the terminal's width; None (no wrapping)
    when output is not a terminal, so piped output never breaks a path or a number in two."""
    if _UNWRAPPED:
        return None
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
        if columns is None or line.startswith("    ") or cell_len(line) + indent <= columns:
            out.append(" " * indent + line)
        else:
            out += wrap_cells(line, columns, " " * indent, " " * indent)
    return [escape(line) for line in out]


def _check_line(mark: str, name: str, note: str = "") -> list[str]:
    """A check's line: its mark (markup, 4 cells), its sentence, and a note (markup) after it; a sentence
    wider than the terminal wraps under itself, never inside a word."""
    columns = width()
    if columns is None or 4 + cell_len(name) + cell_len(plain(note)) <= columns:
        return [mark + escape(name) + note]
    first, *rest = wrap_cells(name, columns, "    ", "    ")
    lines = [mark + escape(first[4:])] + [escape(line) for line in rest]
    lines[-1] += note
    return lines


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
    return _("Where it diverged: {stage}, first seen by “{check}”.").format(
        stage=_(STAGE_NAMES[first.stage]), check=check_name(first))


def check_name(c) -> str:
    """A check's or a rule's sentence in the learner's language (hidden checks keep their label)."""
    return c.name if c.name.startswith("hidden check") else by_id(text_key(c.id), c.name)


def check_hint(c) -> str:
    """The first rung of the ladder that fits the failure, in the learner's language: the known mistake's
    when the judge named one (kata.steps.mistakes), else the check's own."""
    return next(iter(hint_ladder(c)), "") if c.kind == "property" else c.hint


def hint_ladder(c) -> tuple[str, ...]:
    """Every rung for a failed property check: its mistake's ladder, else the check's own as declared."""
    return ladder_of(c.id, c.mistake) or ((c.hint,) if c.hint else ())


def ladder_of(check_id: str, mistake: str = "") -> tuple[str, ...]:
    """The ladder `--hint` and the report climb for a check ("step04.k-updates"), in the learner's language:
    the known mistake's (kata.steps.mistakes) when the judge named one, else the check's own; () for neither."""
    from kata.steps import mistakes, registry

    if mistakes.ladder(mistake):
        return mistakes.ladder(mistake)
    step_id, _sep, local = check_id.partition(".")
    step = registry.BY_ID.get(step_id)
    check = next((k for k in step.checks if k.id == local), None) if step else None
    return tuple(by_id(f"{check_id}.hint.{i}", hint) for i, hint in enumerate(check.hints, 1)) if check else ()


PRINTED_LINES = 4  # of what the learner's code printed while it was checked: folded to its first lines


# said under --verbose only: a beginner needs to know that values differ, not the comparison's name and numbers
HOW_COMPARED = N_("How values are compared: as torch.testing.assert_close compares them, with its default "
                  "tolerances: a value is right when |got - expected| <= atol + rtol * |expected|, with atol 1e-05 "
                  "and rtol 1.3e-06 for float32, atol 1e-07 and rtol 1e-07 for float64. Shapes and dtypes must "
                  "match exactly.")


def step_markup(r: StepResult, first_pass: bool = False, watching: bool = False, verbose: bool = False) -> str:
    """The report of one step. `verbose` (--verbose): also how values are compared, and all the learner's code
    printed (folded to its first lines otherwise)."""
    r = inert_result(r)  # before any line is split: a CR or a line separator must not start a line of its own
    lines = [f"[bold]{escape(r.slug)} · {escape(by_id(r.step + '.title', r.title))}[/]", f"  {escape(r.file)}"]
    if r.problem:
        lines += ["", paint(r.status, f"  {MARKS[r.status]} " + _("{status}: this step cannot be graded yet").format(
            status=_(STATUS_WORDS[r.status])))]
        lines += _block(r.problem, 4)
    where = divergence(r)
    if where:
        lines += _block(where, 2)
    told: set[str] = set()  # the failure paragraphs shown already (a crash, a parameter of the wrong shape...)
    mismatched = False  # a check failed on the values before: a later crash may only follow from it
    for c in r.checks:
        note = ""
        if c.status == NOT_STARTED:
            note = paint(NOT_STARTED, "  " + _("(not started)"))
        elif c.status == SKIPPED:
            note = paint(SKIPPED, "  " + _("(skipped: {why})").format(why=c.message))
        if c.kind == "guard" and c.status == FAILED:  # a teaching note: it does not change the grade
            lines += _check_line(paint(NOT_STARTED, "  ! "), check_name(c),
                                 paint(NOT_STARTED, "  " + _("(a note, not graded)")))
            lines += _block(c.message, 6)
            continue
        lines += _check_line(paint(c.status, f"  {MARKS[c.status]} "), check_name(c), note)
        if c.status != FAILED:
            continue
        if c.message and c.message in told:  # every check met the same crash or the same wrong part: told once
            lines += _block(_("the same error as above.") if c.stage == "crash" else _("the same problem as above."), 6)
            continue
        told.add(c.message)
        if c.stage == "crash" and mismatched and c.kind == "property":
            lines += _block(_("this may only follow from the first failure above: fix that one first."), 6)
        mismatched = mismatched or (c.stage != "crash" and c.kind == "property")
        if c.counterexample:
            lines += _block(_("the smallest input that shows it: {case}").format(case=c.counterexample), 6)
        lines += _block(c.message, 6)
        # each check has its own ladder, and a known mistake (a crash, a training that parts) its own; a rule's
        # message is its own pointer
        hint = check_hint(c)
        if hint:
            lines += [f"[yellow]{line}[/]" for line in _block(_("hint: {hint}").format(hint=hint), 6)]
    for note in r.advisories:
        at = _("line {line}: ").format(line=note["line"]) if note.get("line") else ""
        lines += [paint(NOT_STARTED, "  " + _("note") + " ") + escape(f"{at}{note['message']}")]
    if verbose and any(c.status == FAILED and c.kind == "property" for c in r.checks):
        lines += [""] + _block(_(HOW_COMPARED), 2)
    if r.output.strip() and r.status != PASSED:
        shown = r.output.strip().splitlines()
        folded = PRINTED_LINES if not verbose else len(shown)
        lines += [""] + _block(_("your code printed this while the checks ran it on their own made-up data "
                                 "(not MNIST: these are not your model's real numbers):"), 2) + [
            f"    {escape(line[:200])}" for line in shown[:folded]] + (
            ["    " + _("… ({n} more lines: --verbose shows them)").format(n=len(shown) - folded)]
            if len(shown) > folded else [])
    lines += ["", summary_markup(r)]
    more = more_help(r)
    if more:
        lines += _block(more, 0)
    if r.gated and any(c.equivalence and c.status == PASSED for c in r.checks):
        lines += _block(_("The checks that compare with the step before count once the rules above hold: the "
                          "previous step's code passes them too, and this step is about the code that computes "
                          "the numbers (score {earned}/{most}).").format(earned=r.score()[0], most=r.score()[1]), 0)
    if r.isolation and "Landlock" not in r.isolation:
        lines += _block(_("isolation: {how} (this machine has no Landlock: your code ran in its own process, "
                          "without file and network confinement)").format(how=r.isolation), 0)
    if r.status == PASSED and first_pass:
        for line in recap(r, watching):
            lines += _block(line, 0)
    if r.status == PASSED:
        lines += _block(reference_pointer(r, first_pass), 0)
    return "\n".join(lines)


def more_help(r: StepResult) -> str:
    """For a failing step, one line: where the next hint is, and how many rungs the ladder of the check that
    failed first (its mistake's, when known) has beyond the one this report shows."""
    failed = first_failure(r)
    check = next((c for c in r.checks if c.id == failed), None)
    rungs = len(hint_ladder(check)) if check is not None else 0
    if rungs < 2:
        return ""
    return _("More help, one hint at a time: python grader.py {step} --hint ({n} more for this check).").format(
        step=r.step, n=rungs - 1)


def recap(r: StepResult, watching: bool = False) -> list[str]:
    """What a first pass closes, from the step's own declaration: what it replaced by what, how to see
    it learn, and the next step (after the last one, what torch.nn took off the learner's hands)."""
    from kata.steps import registry

    step = registry.BY_ID.get(r.step)
    if step is None:
        return []
    doc = by_id(f"{step.id}.stub", step.stub_doc).strip()
    lines = [doc.splitlines()[0]] if doc else []
    if step.section:
        lines.append(_("In the lessons: {section}.").format(section=by_id(f"{step.id}.section", step.section)))
    if step.train:
        lines.append(_("See it learn: python grader.py {step} --train --plot {step}.png").format(step=step.id))
    after = registry.STEPS.index(step) + 1
    if after < len(registry.STEPS):
        upcoming = registry.STEPS[after]
        lines.append(_("Next: {command} ({title})").format(
            command=f"python grader.py {upcoming.id}" + (" --watch" if watching else ""),
            title=by_id(upcoming.id + ".title", upcoming.title)))
    else:
        lines.append(_("That was the last step: every part of the classifier you first wrote by hand (the loss, the "
                       "weights, the layer, the update, the batches, the validation) now comes from torch.nn, "
                       "torch.optim and torch.utils.data. As the tutorial sums it up: Module, Parameter and "
                       "functional, optim, Dataset and DataLoader, each doing one part of the training loop for you. "
                       "python grader.py shows the whole board."))
    return lines


def reference_pointer(r: StepResult, first_pass: bool) -> str:
    lead = _("First pass! ") if first_pass else ""
    return lead + _("Compare with the reference solution, solutions/{slug}.py: "
                    "python grader.py {step} --diff solutions").format(slug=r.slug, step=r.step)


def summary_markup(r: StepResult) -> str:
    if r.status in (BROKEN, MISSING):
        return paint(r.status, f"{r.step}: {_(STATUS_WORDS[r.status])}")
    # the checks that score, as the board counts them: the guards are notes (their lines say so)
    scored = [c for c in r.checks if c.kind != "guard"]
    count = {status: sum(c.status == status for c in scored) for status in (PASSED, FAILED, NOT_STARTED, SKIPPED)}
    counts = _("{passed} passed, {failed} failed, {todo} not started").format(
        passed=count[PASSED], failed=count[FAILED], todo=count[NOT_STARTED])
    if count[SKIPPED]:
        counts += _(", {n} skipped").format(n=count[SKIPPED])
    verdict = {PASSED: _("passed"), NOT_STARTED: _("not started: open the file and follow its TODOs"),
               IN_PROGRESS: _("in progress: TODOs left"), FAILING: _("not yet")}[r.status]
    return f"{escape(counts)} · " + paint(r.status, f"{r.step} {verdict}")


def step_text(r: StepResult, first_pass: bool = False, verbose: bool = False) -> str:
    return plain(step_markup(r, first_pass, verbose=verbose))


def board_markup(results: list[StepResult], target: str) -> str:
    results, target = [inert_result(r) for r in results], inert(target, one_line=True)
    lines = [f"[bold]torch-nn-kata · {escape(target)}[/]", ""]
    titles = {r.step: by_id(r.step + ".title", r.title) for r in results}
    # the title column as wide as the longest title, up to TITLE_CELLS; a longer title wraps at a word
    column = min(max((cell_len(t) for t in titles.values()), default=0), TITLE_CELLS)
    cells = max(width() - 25, REPLACES_CELLS) if width() else None  # piped: never wrapped
    for r in results:
        earned, most = r.score()
        if r.status in (BROKEN, MISSING):
            state = _("cannot be loaded") if r.status == BROKEN else _("file missing")
        elif r.status == NOT_STARTED:
            state = _("not started")
        else:
            state = f"{_(STATUS_WORDS[r.status])} {earned}/{most}"
        first, *more = wrap_cells(titles[r.step], column)
        lines.append(paint(r.status, f"  {MARKS[r.status]} ") + f"{escape(r.slug):<20} {escape(fit(first, column))} "
                     + paint(r.status, state))
        lines += [" " * 25 + escape(line) for line in more]  # under the title column
        said = re.sub(r"`[^`]*`", lambda code: code[0].replace(" ", _GLUE), replaces(r.step))  # code stays whole
        lines += [" " * 25 + f"[dim]{escape(line.replace(_GLUE, ' '))}[/]"
                  for line in (wrap_cells(said, cells) if cells else [said])]
    done = sum(r.status == PASSED for r in results)
    upcoming = next_step(results)
    earned, most = (sum(n) for n in zip(*(r.score() for r in results))) if results else (0, 0)
    lines += ["", _("{done} of {total} steps passed; {earned} of {most} checks.").format(
        done=done, total=len(results), earned=earned, most=most)]
    if upcoming:
        lines.append(_("Next: {command}  ({title})").format(
            command=f"[bold]python grader.py {upcoming.step}[/]", title=escape(by_id(upcoming.step + ".title",
                                                                                 upcoming.title))))
    else:
        lines.append(_("Every step passes. Well done."))
    failing = next((r for r in results if r.status == FAILING), None)
    if failing:
        lines.append(_("Stuck on {step}? python grader.py {step} --hint gives one more hint each time.").format(
            step=failing.step))
    if done:
        lines.append(_("Finished a step? Compare it with the reference: python grader.py stepNN --diff solutions"))
    learnt = [r for r in results if r.status == PASSED and trains(r.step)]
    if learnt:
        lines.append(_("See {step} learn on MNIST: python grader.py {step} --train --plot {step}.png").format(
            step=learnt[-1].step))
    return "\n".join(lines)


TITLE_CELLS = 40  # the board's title column at its widest: with the rest of a row, 80 columns
REPLACES_CELLS = 55  # what a step replaces, under its title: from column 25, within 80
_GLUE = "\ue000"  # a space inside `code` while a line is wrapped (a private-use character: no word breaks at it)


def trains(step_id: str) -> bool:
    """Whether the step has a train mode (--train)."""
    from kata.steps import registry

    step = registry.BY_ID.get(step_id)
    return bool(step and step.train)


def replaces(step_id: str) -> str:
    """What the step replaces by what, in the learner's language: the first line of its stub's docstring
    ("Step 01 · functional: F.cross_entropy replaces log_softmax + nll.") after its "Step NN · name: "."""
    from kata.steps import registry

    step = registry.BY_ID.get(step_id)
    if step is None:
        return ""
    lines = by_id(f"{step.id}.stub", step.stub_doc).strip().splitlines()
    first = lines[0] if lines else ""
    return first.split(": ", 1)[1] if " · " in first and ": " in first else first


def fit(text: str, cells: int) -> str:
    """`text` cut and padded to `cells` terminal cells (a Hangul syllable takes two)."""
    out = ""
    for ch in text:
        if cell_len(out + ch) > cells:
            break
        out += ch
    return out + " " * (cells - cell_len(out))


def board_text(results: list[StepResult], target: str) -> str:
    return plain(board_markup(results, target))


def next_step(results: list[StepResult]) -> StepResult | None:
    return next((r for r in results if r.status != PASSED), None)


def step_json(r: StepResult) -> str:
    return json.dumps(inert_data(_localized(r.to_dict(), r), ONE_LINE), indent=2, ensure_ascii=False)


def _localized(d: dict, r: StepResult) -> dict:
    """The learner's words in their language; keys, ids and states stay English (what tools read)."""
    d["title"] = by_id(r.step + ".title", r.title)
    for out, c in zip(d["checks"], r.checks):
        out["name"], out["hint"] = check_name(c), check_hint(c)
    return d


def board_json(results: list[StepResult], target: str) -> str:
    upcoming = next_step(results)
    return json.dumps(inert_data({"target": target, "steps": [_localized(r.to_dict(), r) for r in results],
                                  "next": upcoming.step if upcoming else None}, ONE_LINE),
                      indent=2, ensure_ascii=False)
