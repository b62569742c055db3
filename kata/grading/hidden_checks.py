"""An instructor's hidden checks (`--extra-tests DIR`): DIR/stepNN.py files of checks written as plain
Python (kata.grading.plain_checks), reported apart from the step's own.

They are loaded into the judge only, and only once its zygote runs: a zygote forked from a process
holding them would hand them to every learner's child (kata.child.zygote_supply then starts a fresh
interpreter instead, which is slower). `for_grading` starts the zygote first; `unsound` grades the
reference solutions with them, so that a check with a mistake of its own stops the instructor before
any learner is graded.
"""
from __future__ import annotations

from pathlib import Path

from kata import paths
from kata.child import loading, zygote_supply
from kata.judging.results import PASSED
from kata.steps import registry


class Unsound(ValueError):
    """Hidden checks that cannot be used as they are: one sentence per problem, for the instructor."""


def load(folder: Path | None) -> dict[str, tuple]:
    """{step id: its hidden checks, in the order they are written}; Unsound for a file that names no
    step or marks no check."""
    if folder is None:
        return {}
    from kata.grading import plain_checks  # the checks' own machinery: once the zygote runs (module docstring)

    hidden = {}
    for path in sorted(folder.glob("step*.py")):
        step = registry.find(path.stem.split("_")[0])
        if step is None:
            raise Unsound(f"{path}: no step named {path.stem.split('_')[0]!r} (name the file after its step: "
                          f"step04.py)")
        try:
            module = loading.load(path)
        except Exception as e:  # noqa: BLE001  the instructor's file: whatever it raises is said, in one line
            raise Unsound(f"{path}: it does not load: {type(e).__name__}: {e}") from None
        marked = plain_checks.found_in(module)
        if not marked:
            raise Unsound(f"{path}: no check in it (mark each with @check(\"what it checks\") from "
                          f"kata.grading.plain_checks)")
        hidden[step.id] = tuple(plain_checks.bind(step, plain) for plain in marked)
    return hidden


def for_grading(folder: Path | None, preload: tuple[str, ...] = zygote_supply.EVERYTHING) -> dict[str, tuple]:
    """`load`, once this process's zygote runs (started with `preload` imported if none does: here too,
    where the references of the steps graded import it as well)."""
    zygote_supply.zygote(preload, preload)
    return load(folder)


def unsound(hidden: dict[str, tuple], timeout: float = paths.DEFAULT_TIMEOUT) -> list[str]:
    """What is wrong with `hidden` (from `for_grading`): each check is run on its step's reference
    solution, which it must pass; a check that raises by itself, or asserts what the reference does not
    do, is named here with its own words."""
    from kata.grading import runner

    problems = []
    for step_id, checks in hidden.items():
        result = runner.grade(registry.BY_ID[step_id], paths.SOLUTIONS, timeout, checks)
        if result.problem:
            problems.append(f"{step_id}: the reference solution could not be graded with its hidden checks: "
                            f"{result.problem}")
        for i, (check, got) in enumerate(zip(checks, result.hidden), 1):
            if got.status != PASSED:
                problems.append(f"{step_id}: hidden check {i} ({check.id.rpartition('.')[2]}: "
                                f"{check.name!r}) does not pass on the reference solution: {got.message}")
    return problems


def checked(folder: Path | None, steps=None, timeout: float = paths.DEFAULT_TIMEOUT) -> dict[str, tuple]:
    """`for_grading`, then `unsound` for the hidden checks of `steps` (default: all): Unsound, with every
    problem, unless each passes on the reference solution."""
    hidden = for_grading(folder)
    chosen = {s: c for s, c in hidden.items() if steps is None or s in {step.id for step in steps}}
    problems = unsound(chosen, timeout)
    if problems:
        raise Unsound("\n".join(problems))
    return hidden
