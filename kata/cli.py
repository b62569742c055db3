"""`python grader.py [STEP] [--target DIR] [--json]`: grade a step, or show the board of all steps.

Exit status: 0 when every check of the step (or of every step, for the board) passed; 1 when a
check failed or a step is not started or cannot be loaded; 2 for a usage error.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kata import registry

USAGE_ERROR = 2


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="grader.py", description="Grade the torch.nn kata's steps.",
        epilog="Examples: python grader.py · python grader.py step04 · "
               "python grader.py step04 --target solutions · python grader.py --json")
    p.add_argument("step", nargs="?", help="step to grade, e.g. step04 (default: show every step)")
    p.add_argument("--target", default="steps",
                   help="folder laid out like steps/ to grade: 'steps' (default), 'solutions', or a path")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS",
                   help="time limit for grading one step (default 60)")
    p.add_argument("--check", action="store_true",
                   help="self-check the kata: solutions pass, stubs read not started, every catalogued "
                        "wrong version is caught (all steps, or the one given)")
    return p


def resolve_target(name: str) -> Path | None:
    from kata.runner import ROOT

    for candidate in (Path(name), ROOT / name):
        if candidate.is_dir():
            return candidate.resolve()
    return None


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    step = None
    if args.step:
        step = registry.find(args.step)
        if step is None:
            known = ", ".join(s.id for s in registry.STEPS)
            print(f"grader.py: unknown step {args.step!r}. The steps are: {known}.", file=sys.stderr)
            return USAGE_ERROR
    target = resolve_target(args.target)
    if target is None:
        print(f"grader.py: target folder {args.target!r} does not exist. Give 'steps', 'solutions' or the "
              "path of a folder laid out like steps/.", file=sys.stderr)
        return USAGE_ERROR

    from kata import report, runner  # imports torch and hypothesis: after the arguments are known good
    from kata.results import PASSED

    if args.check:
        return self_check([step] if step else list(registry.STEPS))

    colour = report.use_colour() and not args.json
    if step is not None:
        result = runner.grade(step, target, args.timeout)
        print(report.step_json(result) if args.json else report.step_text(result, colour))
        return 0 if result.status == PASSED else 1
    results = [runner.grade(s, target, args.timeout) for s in registry.STEPS]
    print(report.board_json(results, str(target)) if args.json else report.board_text(results, str(target), colour))
    return 0 if all(r.status == PASSED for r in results) else 1


def self_check(steps) -> int:
    from kata import selfcheck

    results = []
    for s in steps:
        results.append(selfcheck.check_step(s))
        print(f"checked {s.id}", file=sys.stderr)
    print(selfcheck.table(results))
    return 0 if all(r.ok for r in results) else 1
