"""`python grader.py [STEP] [options]`: grade a step, or show the board of every step.

Exit status: 0 when every check of the step (or of every step, for the board) passed; 1 when a
check failed or a step is not started or cannot be loaded; 2 for a usage error.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from kata import i18n
from kata.i18n import N_, _, by_id, wrap_cells
from kata.inert import inert
from kata.steps import registry

USAGE_ERROR = 2
EPILOG = N_("""examples:
  python grader.py                      the board: every step, its state, the next one
  python grader.py step04               grade steps/step04_optim.py
  python grader.py step04 --watch       re-grade on every save
  python grader.py step04 --hint        one more hint
  python grader.py step04 --diff        what you changed since your step03
  python grader.py step04 --diff solutions   against the reference solution
  python grader.py step04 --reset       back to the stub (your file is kept as a backup)
  python grader.py step04 --train       train it on MNIST next to the reference of step03
  python grader.py --target solutions   grade the reference (or any folder laid out like steps/)
  python grader.py --check              self-check the kata's checks
  python grader.py class SUBMISSIONS --out REPORTS   grade a class (see: grader.py class -h)
  python grader.py compare step04 SUBMISSIONS        the class's distinct approaches to a step
  python grader.py server status      the warm grading server (and: server stop)
  python grader.py gradescope build --out DIR        a Gradescope autograder (see: grader.py gradescope -h)
  python grader.py classroom --out .github/workflows/classroom.yml   the GitHub Classroom workflow
  in a notebook: %load_ext kata, then a cell that begins with %%kata step04 (README: Notebooks)""")


class CellsHelpFormatter(argparse.RawDescriptionHelpFormatter):
    """argparse's help, wrapped by terminal cells (a Hangul syllable takes two), never inside a word. The
    epilog's lines keep their layout; one too wide wraps its description under where it starts."""

    def _split_lines(self, text, width):
        return wrap_cells(text, width)

    def _fill_text(self, text, width, indent):
        from rich.cells import cell_len

        lines = []
        for line in text.splitlines():
            if cell_len(indent + line) <= width:
                lines.append(indent + line)
                continue
            gap = max((m for m in re.finditer(r"\S( {2,})(?=\S)", line)), key=lambda m: m.end(), default=None)
            if gap is None:  # prose: wrapped at its own indentation
                start, head, tail = len(line) - len(line.lstrip()), "", line.lstrip()
            else:  # the description's column, or a line of its own below the command
                start, head, tail = (gap.end() if gap.end() <= width // 2 else 6), line[:gap.end()], line[gap.end():]
                if start == 6:
                    lines.append(indent + head.rstrip())
                    head = ""
            wrapped = wrap_cells(tail, width - len(indent) - start)
            lines.append(indent + (head or " " * start) + wrapped[0])
            lines += [indent + " " * start + rest for rest in wrapped[1:]]
        return "\n".join(lines)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="grader.py", description=_("Grade the torch.nn kata's steps."), epilog=_(EPILOG),
                                formatter_class=CellsHelpFormatter)
    p.add_argument("step", nargs="?", help=_("step to grade, e.g. step04 (default: show every step)"))
    p.add_argument("--target", default="steps",
                   help=_("folder laid out like steps/ to grade: 'steps' (default), 'solutions', or a path"))
    p.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    p.add_argument("--verbose", action="store_true",
                   help=_("also say how values are compared (the tolerances) and show all your code printed"))
    p.add_argument("--lang", metavar="LANG", help=_("en, vi or ko (default: $KATA_LANG, else your locale, else en)"))
    p.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS",
                   help=_("time limit for grading one step (default 60): an endless loop ends with a verdict"))
    actions = p.add_mutually_exclusive_group()
    actions.add_argument("--hint", action="store_true", help=_("show the step's next hint (one more each time)"))
    actions.add_argument("--diff", nargs="?", const="previous", choices=("previous", "solutions"),
                         help=_("unified diff against your previous step (default) or the reference solution"))
    actions.add_argument("--watch", action="store_true", help=_("re-grade the step every time its file is saved"))
    actions.add_argument("--reset", action="store_true",
                         help=_("restore the step's stub, keeping your file as a numbered backup"))
    actions.add_argument("--train", action="store_true",
                         help=_("train the step's model on MNIST with its own fit, next to the step before it"))
    actions.add_argument("--check", action="store_true",
                         help=_("self-check the kata: solutions pass, stubs read not started, every catalogued "
                                "wrong version is caught (all steps, or the one given)"))
    training = p.add_argument_group(_("with --train"))
    training.add_argument("--epochs", type=int, default=None, help=_("epochs (default: 2, or 5 for the CNN steps)"))
    training.add_argument("--plot", type=Path, metavar="FILE.png", help=_("save the loss and accuracy curves"))
    training.add_argument("--lr", type=float, default=None, help=_("learning rate (default: the step's own)"))
    training.add_argument("--limit", type=int, default=None, metavar="ROWS", help=_("train on the first ROWS rows only"))
    training.add_argument("--seed", type=int, default=0, help=_("seed of the initial weights and shuffling (default 0)"))
    return p


def asked_language(argv: list[str]) -> str | None:
    """The last `--lang X` or `--lang=X` of the command line, read before argparse (its help is translated)."""
    asked = None
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            asked = argv[i + 1]
        elif arg.startswith("--lang="):
            asked = arg.split("=", 1)[1]
    return asked


def resolve_target(name: str) -> Path | None:
    from kata.paths import ROOT

    for candidate in (Path(name), ROOT / name):
        if candidate.is_dir():
            return candidate.resolve()
    return None


def usage_error(message: str) -> int:
    print(f"grader.py: {message}", file=sys.stderr)
    return USAGE_ERROR


def steps_named(name: str | None) -> list | None:
    """The step a command line names (every step when it names none); None, said, when no step has that name."""
    if not name:
        return list(registry.STEPS)
    step = registry.find(name)
    if step is None:
        usage_error(_("unknown step {name!r}. The steps are: {steps}.").format(
            name=name, steps=", ".join(s.id for s in registry.STEPS)))
        return None
    return [step]


def main(argv: list[str] | None = None) -> int:
    """The learner's commands (kata.dispatch sends the others elsewhere): grade a step or the board,
    --watch, --train, --hint, --diff, --reset."""
    argv = sys.argv[1:] if argv is None else argv
    i18n.setup(asked_language(argv))  # before the parser: its help is in that language too
    args = parser().parse_args(argv)
    if args.check:
        return usage_error(_("--check is the kata's self-check: run it as python grader.py --check."))
    named = steps_named(args.step)
    if named is None:
        return USAGE_ERROR
    step = named[0] if args.step else None
    if step is None and (args.hint or args.diff or args.watch or args.reset or args.train):
        return usage_error(_("--hint, --diff, --watch, --reset and --train need a step, e.g. "
                             "python grader.py step04 --hint"))
    target = resolve_target(args.target)
    if target is None:
        return usage_error(_("target folder {folder!r} does not exist. Give 'steps', 'solutions' or the path "
                             "of a folder laid out like steps/.").format(folder=args.target))
    if args.hint:
        return show_hint(step, target, args.timeout)
    if args.diff:
        return show_diff(step, target, args.diff)
    if args.reset:
        from kata.learner import reset

        return reset.reset(step, target)

    if not (args.train or args.watch):
        code = show_recorded(step, target, args.timeout, args.json, args.verbose)
        if code is not None:
            return code
    code = _through_server(argv)  # what grades: a warm server does it faster
    if code is not None:
        return code
    from kata.grading import runner  # imports torch and hypothesis: only once the arguments are known good

    if args.train:
        from kata.grading.training import Config
        from kata.learner import train_cli

        epochs = args.epochs or (step.train.epochs if step.train else 2)  # the step declares its own
        cfg = Config(epochs=epochs, lr=args.lr, seed=args.seed, limit=args.limit)
        return train_cli.train(step, target, cfg, args.plot)
    if args.watch:
        from kata.learner import watch

        return watch.watch(step, target, args.timeout)
    if step is not None:
        return grade_step(step, target, args.timeout, args.json, args.verbose)
    from kata.learner import verdict_cache

    results = runner.grade_all(list(registry.STEPS), target, args.timeout)
    verdict_cache.record(results, registry.STEPS, target, args.timeout)
    return show_board(results, target, args.json)


def show_recorded(step, target: Path, timeout: float, as_json: bool = False, verbose: bool = False) -> int | None:
    """Show the step's (or, with no step, the board's) recorded verdict when nothing changed since its
    last grade: the same verdict, without torch. None when it must be graded."""
    from kata.learner import verdict_cache

    steps = [step] if step else list(registry.STEPS)
    results = verdict_cache.recorded(steps, target, timeout)
    if results is None:
        return None
    return show_step(results[0], target, as_json, verbose) if step else show_board(results, target, as_json)


def _through_server(argv: list[str]) -> int | None:
    from kata.learner import client

    return client.run(argv) if client.enabled() else None


def grade_step(step, target: Path, timeout: float, as_json: bool, verbose: bool = False) -> int:
    from kata.grading import runner
    from kata.learner import verdict_cache

    result = runner.grade(step, target, timeout)
    verdict_cache.record([result], [step], target, timeout)
    return show_step(result, target, as_json, verbose)


def show_step(result, target: Path, as_json: bool, verbose: bool = False) -> int:
    from kata import state
    from kata.judging.results import PASSED
    from kata.rendering import report

    record = state.LearnerState(target)
    first_pass = result.status == PASSED and record.mark_passed(result.step)
    record.remember_failure(result.step, report.first_failure(result))
    if as_json:
        print(report.step_json(result))
    else:
        report.console().print(report.step_markup(result, first_pass, verbose=verbose))
    return 0 if result.status == PASSED else 1


def show_board(results, target: Path, as_json: bool) -> int:
    from kata.judging.results import PASSED
    from kata.rendering import report

    if as_json:
        print(report.board_json(results, str(target)))
    else:
        report.console().print(report.board_markup(results, str(target)))
    return 0 if all(r.status == PASSED for r in results) else 1


def show_hint(step, target: Path, timeout: float = 60.0) -> int:
    """The hint ladder of the check that fails first in the step's file as it is now (its recorded
    verdict), else of the one that failed when the step was last graded, else of its first check:
    one more rung each time, never the rung the report already showed. Reads the declarations and
    the records only: no torch."""
    from kata import state
    from kata.judging.results import PASSED
    from kata.learner import verdict_cache
    from kata.rendering import report
    from kata.steps import mistakes

    record = state.LearnerState(target)
    now = verdict_cache.recorded([step], target, timeout)
    if now is not None and now[0].status == PASSED:
        print(_("{step} passes as your file is now: no hint needed. Compare with the reference solution: "
                "python grader.py {step} --diff solutions").format(step=step.id))
        return 0
    failing = report.first_failure(now[0]) if now is not None else record.last_failure(step.id)
    local = (failing or "").split(".", 1)[1] if (failing or "").startswith(step.id + ".") else ""
    check = next((c for c in step.checks if c.id == local), None) or next((c for c in step.checks if c.hints), None)
    if check is None:
        print(_("{step} has no hints: read its docstring, then grade it.").format(step=step.id))
        return 0
    full_id = f"{step.id}.{check.id}"
    failed = local == check.id
    if not failed:
        why = _("the step's first check")
    elif now is not None:
        why = _("it fails in your file as it is now")
    else:
        why = _("it failed the last time you graded the step; grade it again to see where it stands now")
    # the ladder the report started: the known mistake's, when the judge named one, else the check's own
    result = next((c for c in now[0].checks if c.id == full_id), None) if now is not None and failed else None
    mistake = result.mistake if result is not None and mistakes.ladder(result.mistake) else ""
    ladder = report.ladder_of(full_id, mistake)
    seen = 1 if failed else 0  # the failing report showed the first rung already
    shown = seen + record.show_next_hint(f"mistake.{mistake}" if mistake else full_id, len(ladder) - seen)
    print(f"{full_id} ({why}): {by_id(full_id, check.says)}")
    for i, hint in enumerate(ladder[seen:shown], seen + 1):
        print(_("hint {i} of {n}: {hint}").format(i=i, n=len(ladder), hint=hint))
    if shown == len(ladder):
        print(_("That is every hint for this check. Read the docstring's maths and shapes once more, "
                "then grade again: the counterexample is the best hint of all."))
    else:
        print(_("Run it again for hint {n}.").format(n=shown + 1))
    return 0


def show_diff(step, target: Path, against: str) -> int:
    from kata.paths import SOLUTIONS  # not the runner's: a diff needs no torch
    from kata.rendering import diffs, report

    mine = target / step.filename
    if not mine.exists():
        return usage_error(_("{path} does not exist.").format(path=mine))
    if against == "solutions":
        other = SOLUTIONS / step.filename
    else:
        before = registry.previous(step)
        if before is None or step.baseline:
            return usage_error(_("{step} has no previous step to compare with; try --diff solutions.").format(
                step=step.id))
        other = target / before.filename
        if not other.exists():
            return usage_error(_("{path} does not exist.").format(path=other))
    lines = diffs.unified(other, mine)
    out = report.console()
    for line in lines or [_("{mine} and {other} are the same.").format(mine=mine, other=other)]:
        out.print(inert(line), style=diffs.style(line), markup=False)  # the learner's lines, shown not obeyed
    return 0
