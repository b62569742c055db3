"""The instructor's commands:

    python grader.py class SUBMISSIONS --out REPORT_DIR [--jobs N] [--timeout S] [--memory MB]
                                       [--steps step00,step04] [--extra-tests DIR]
    python grader.py compare STEP SUBMISSIONS [--diff LEARNER_A LEARNER_B]
    python grader.py gradescope build --out DIR [--steps ...] [--weights step04=2] [--timeout S]
                                      [--memory MB] [--extra-tests DIR]
    python grader.py classroom [--steps ...] [--points N | --points step04=20,...] [--out FILE]
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from kata import i18n, paths
from kata.i18n import LANGUAGES
from kata.inert import inert, inert_name
from kata.steps import registry

USAGE_ERROR = 2


def _steps(text: str | None):
    if not text:
        return list(registry.STEPS)
    steps = [registry.find(name) for name in text.split(",")]
    if None in steps:
        raise argparse.ArgumentTypeError(f"unknown step in {text!r}")
    return steps


def class_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="grader.py class", description="Grade a whole class, each learner's step "
                                "in its own process, and write reports.")
    p.add_argument("submissions", type=Path, help="a folder holding one folder per learner, each laid out like steps/")
    p.add_argument("--out", type=Path, required=True, help="where to write the reports")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="steps graded at once (default: cores)")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds for one learner's step (default 60)")
    p.add_argument("--memory", type=int, default=4096, metavar="MB",
                   help="address space one learner's step may add (default 4096 MB; 0: no limit)")
    p.add_argument("--lang", metavar="LANG",
                   help="the language of what learners read in their reports: en, vi or ko (default: $KATA_LANG, "
                        "else the locale, else en)")
    p.add_argument("--require-sandbox", action="store_true",
                   help="refuse to grade unless the learner's code can be fully confined (Landlock with "
                        "signal scoping, seccomp): for untrusted submissions")
    p.add_argument("--steps", type=_steps, default=None, help="comma-separated steps to grade (default: all)")
    p.add_argument("--extra-tests", type=Path, default=None, metavar="DIR",
                   help="hidden checks: DIR/stepNN.py files of @check functions (docs/INSTRUCTORS.md), reported apart")
    return p


def compare_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="grader.py compare", description="Group the class's versions of a step "
                                "that are the same code up to formatting, comments and local names.")
    p.add_argument("step")
    p.add_argument("submissions", type=Path)
    p.add_argument("--diff", nargs=2, metavar=("LEARNER_A", "LEARNER_B"),
                   help="show two learners' step side by side (names as compare shows them; one that starts "
                        "with -: ./-name)")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds for one group's grading (default 60)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="groups graded at once (default: cores)")
    return p


def gradescope_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="grader.py gradescope", description="Gradescope: build the autograder bundle "
                                "(autograder.zip: setup.sh, run_autograder and the kata) to upload to a "
                                "programming assignment.")
    sub = p.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="write DIR/autograder.zip")
    b.add_argument("--out", type=Path, required=True, help="the folder to write autograder.zip into")
    b.add_argument("--steps", type=_steps, default=None, help="comma-separated steps to grade (default: all)")
    b.add_argument("--weights", default=None, metavar="STEP=W,...",
                   help="multiply a step's points, e.g. step04=2,step07=0.5 (default: 1 point a check)")
    b.add_argument("--timeout", type=float, default=60.0, help="seconds for one step (default 60)")
    b.add_argument("--memory", type=int, default=4096, metavar="MB",
                   help="address space one step may add (default 4096 MB; 0: no limit)")
    b.add_argument("--lang", choices=LANGUAGES, default="en",
                   help="the language of what learners read in Gradescope (default en)")
    b.add_argument("--extra-tests", type=Path, default=None, metavar="DIR",
                   help="hidden checks: DIR/stepNN.py files of @check functions; learners see them once grades "
                        "are published, by number only")
    return p


def main_gradescope(argv: list[str]) -> int:
    args = gradescope_parser().parse_args(argv)
    from kata.classroom import bundle

    steps = args.steps or list(registry.STEPS)
    try:
        weights = bundle.parse_weights(args.weights, steps)
    except ValueError as e:
        print(f"grader.py gradescope: {e}", file=sys.stderr)
        return USAGE_ERROR
    if args.extra_tests is not None and not args.extra_tests.is_dir():
        print(f"grader.py gradescope: --extra-tests {args.extra_tests} is not a folder", file=sys.stderr)
        return USAGE_ERROR
    if args.timeout <= 0 or args.memory < 0:
        print("grader.py gradescope: --timeout must be above 0 and --memory 0 or more", file=sys.stderr)
        return USAGE_ERROR
    try:
        path = bundle.build(args.out, steps, weights, args.timeout, args.memory, args.extra_tests, args.lang)
    except (OSError, ValueError, SyntaxError, ImportError, AttributeError) as e:
        from kata.grading.hidden_checks import Unsound  # an instructor's sentences: shown as they are

        what = "" if isinstance(e, Unsound) else f"{type(e).__name__}: "
        print(f"grader.py gradescope: the bundle could not be built: {what}{e}", file=sys.stderr)
        return 1
    print(f"{path}: upload it as the autograder of a Gradescope programming assignment (Ubuntu base image).\n"
          f"It grades {', '.join(s.id for s in steps)}"
          + (f" with {len(list(args.extra_tests.glob('step*.py')))} file(s) of hidden checks" if args.extra_tests
             else "") + "; learners submit their step files (or their steps/ folder, or their repository). "
          "See docs/INSTRUCTORS.md.")
    return 0


DIFF_MARKS = {"equal": " ", "replace": "~", "delete": "-", "insert": "+"}  # changed, only left, only right
DIFF_WIDTH = 200


def classroom_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="grader.py classroom", description="GitHub Classroom: print (or write) the "
                                "autograding workflow that grades each step on every push.")
    p.add_argument("--steps", type=_steps, default=None, help="comma-separated steps to grade (default: all)")
    p.add_argument("--points", default=None, metavar="N | STEP=N,...",
                   help="whole points a step earns when every check passes: one number for every step, or "
                        "step04=20,step07=30 (default: the step's number of scored checks)")
    p.add_argument("--minutes", type=int, default=None, help="minutes before a step's test is stopped (default 10)")
    p.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                   help="grader.py's own --timeout for each step (default: grader.py's)")
    p.add_argument("--out", type=Path, default=None, metavar="FILE",
                   help="write it there (e.g. .github/workflows/classroom.yml) instead of printing it")
    return p


def main_classroom(argv: list[str]) -> int:
    args = classroom_parser().parse_args(argv)
    from kata.classroom import bundle, workflow

    steps = args.steps or list(registry.STEPS)
    try:
        points = workflow.parse_points(args.points, steps)
    except ValueError as e:
        print(f"grader.py classroom: {e}", file=sys.stderr)
        return USAGE_ERROR
    text = workflow.render(steps, points, args.minutes or workflow.DEFAULT_MINUTES, args.timeout,
                           bundle.dependencies()[0])
    if args.out is None:
        sys.stdout.write(text)
        return 0
    try:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
    except OSError as e:
        print(f"grader.py classroom: {args.out} could not be written: {e}", file=sys.stderr)
        return 1
    print(f"wrote {args.out}: {len(steps)} steps, {sum(points.values())} points in all. Commit it to the "
          "assignment's template repository (see docs/INSTRUCTORS.md).")
    return 0


def main_class(argv: list[str]) -> int:
    args = class_parser().parse_args(argv)
    i18n.setup(args.lang)  # the learners' messages are written as their steps are graded
    if not args.submissions.is_dir():
        print(f"grader.py class: {args.submissions} is not a folder", file=sys.stderr)
        return USAGE_ERROR
    if args.extra_tests is not None and not args.extra_tests.is_dir():
        print(f"grader.py class: {args.extra_tests} is not a folder", file=sys.stderr)
        return USAGE_ERROR
    if args.require_sandbox:
        from kata.grading import confinement

        refusal = confinement.shortfall()
        if refusal:
            print(f"grader.py class: --require-sandbox: {refusal}", file=sys.stderr)
            return USAGE_ERROR
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from kata.classroom import grading as classroom
    from kata.classroom import reports as class_reports

    steps = args.steps or list(registry.STEPS)
    with Progress(TextColumn("grading the class"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True), auto_refresh=False) as bar:
        task = bar.add_task("class", total=None)

        def progress(done, total):
            bar.update(task, completed=done, total=total)
            bar.refresh()

        try:
            results = classroom.grade_class(args.submissions, steps, jobs=max(args.jobs, 1), timeout=args.timeout,
                                            memory_mb=args.memory or None, hidden_folder=args.extra_tests,
                                            progress=progress)
        except ValueError as e:  # the hidden checks are unsound (kata.grading.hidden_checks): before any grade
            from kata.grading.hidden_checks import Unsound

            if not isinstance(e, Unsound):
                raise
            print(f"grader.py class: the hidden checks in {args.extra_tests} cannot be used:\n{e}", file=sys.stderr)
            return 1
    print(class_reports.summary_markdown(results))  # first: the grades are on the screen whatever happens next
    try:
        written = class_reports.write_reports(results, args.out)
    except OSError as e:  # a link planted in the report folder, a full disk: one sentence, no traceback
        print(f"grader.py class: the reports could not be written to {args.out}: {inert(e)}", file=sys.stderr)
        return 1
    print(f"{len(results.learners)} learners × {len(steps)} steps graded; reports: "
          + ", ".join(str(p.relative_to(args.out)) for p in written if "gradescope" not in p.parts)
          + f", gradescope/<learner>/results.json in {args.out}")
    return 0


def main_compare(argv: list[str]) -> int:
    args = compare_parser().parse_args(argv)
    step = registry.find(args.step)
    if step is None or not args.submissions.is_dir():
        print(f"grader.py compare: unknown step {args.step!r} or no folder {args.submissions}", file=sys.stderr)
        return USAGE_ERROR
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    from kata.classroom import grading, similarity
    from kata.rendering import diffs

    out = Console(highlight=False, soft_wrap=True)
    if args.diff:  # the learners' names and code are shown inert (kata.inert), as every report shows them
        a, b = (_learner_folder(args.submissions, name) / step.filename for name in args.diff)
        for path in (a, b):
            if path.parent.is_symlink():  # as in class grading: a link can lead anywhere
                print(f"grader.py compare: {inert(path.parent, one_line=True)} is a link, not a folder",
                      file=sys.stderr)
                return USAGE_ERROR
            if not path.is_file():
                print(f"grader.py compare: {inert(path, one_line=True)} does not exist", file=sys.stderr)
                return USAGE_ERROR
        # Text, never markup: code is full of [a:b] and [i], which rich would read as its own tags
        if not out.is_terminal:  # piped: as wide as two files side by side need, not 80 columns
            out = Console(highlight=False, soft_wrap=True, width=DIFF_WIDTH)
        table = Table(show_lines=False, expand=True)
        table.add_column("", width=1, no_wrap=True)  # the mark: what a pipe keeps of the colours
        for name in args.diff:
            table.add_column(Text(inert(name, one_line=True)))
        colours = {"equal": "", "replace": "yellow", "delete": "red", "insert": "green"}
        for left, right, tag in similarity.side_by_side(a, b):
            table.add_row(DIFF_MARKS[tag], Text(inert(left)), Text(inert(right)), style=colours[tag])
        out.print(table)
        return 0

    from kata.grading import isolate

    folders = grading.learner_folders(args.submissions)
    links = [inert_name(f.name) for f in folders if f.is_symlink()]  # could lead anywhere: not compared
    files = {inert_name(f.name): f / step.filename for f in folders
             if not f.is_symlink() and (f / step.filename).is_file() and not (f / step.filename).is_symlink()}
    groups = similarity.group(files)
    isolate.warm_up([step])
    jobs = [isolate.Job((str(i), step.id), step, g.path.parent) for i, g in enumerate(groups)]
    grades = isolate.run_all(jobs, max(args.jobs, 1), args.timeout, 2048)
    out.print(f"[bold]{step.slug}[/]: {len(files)} submissions, {len(groups)} distinct approaches")
    if links:
        out.print(f"not compared: {escape(', '.join(links))} (a symbolic link, not a folder)")
    for i, g in enumerate(groups, 1):
        g.status = grades[(str(i - 1), step.id)]["status"]
        out.print(f"\n[bold]group {i}[/]: {len(g.learners)} learner{'s' * (len(g.learners) > 1)} "
                  f"({escape(', '.join(g.learners))}) · {g.status}", markup=True)
        lines = similarity.diff_against(paths.SOLUTIONS / step.filename, g.path)
        for line in lines or ["(the same code as the reference solution)"]:
            out.print(inert(line), style=diffs.style(line), markup=False)
    return 0


def _learner_folder(submissions: Path, name: str) -> Path:
    """The folder of the learner compare shows as `name` (its name made inert); else SUBMISSIONS/name."""
    return next((f for f in submissions.iterdir() if inert_name(f.name) == name), submissions / name)
