"""`python grader.py --check`: prove the kata's checks against the code they judge.

Every reference solution must pass, every untouched stub must read "not started", and every
catalogued wrong version must fail on the check the catalogue names. A wrong version that gets
through is a hole in the kata: it makes the whole self-check fail. So does a piece of a step that is
missing (kata.authoring.completeness: its stub_defs, its tutorial-code fixture, its words in every
catalog, its row and counts in README.md), said before anything is graded.
"""
from __future__ import annotations

import functools
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from kata import paths
from kata.authoring import completeness, mutants
from kata.authoring.mutants import Mutant
from kata.grading import runner
from kata.judging.results import FAILED, FAILING, NOT_STARTED, PASSED, StepResult
from kata.steps import registry
from kata.steps.registry import Step
from kata.steps.stubs import make_stub


@dataclass
class StepCheck:
    step: str
    solution_ok: bool
    stub_ok: bool
    caught: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)  # "name: why" for each wrong version that got through
    stub_note: str = ""  # steps/<file> is not the stub: the generated stub was graded instead
    missing: list[str] = field(default_factory=list)  # a sentence for each piece of the step that is missing

    @property
    def ok(self) -> bool:
        return self.solution_ok and self.stub_ok and not self.missed and not self.missing


@functools.lru_cache(maxsize=None)
def grade_solution(step_id: str) -> StepResult:
    return runner.grade(registry.BY_ID[step_id], paths.SOLUTIONS)


def stub_differs(step: Step) -> str:
    """'' when steps/<file> is the stub tools/make_stubs.py writes, else which file differs and why it matters."""
    path = paths.STEPS / step.filename
    try:
        same = path.read_text(encoding="utf-8") == make_stub(step)
    except OSError as e:
        return f"{path} cannot be read ({e.strerror or e})"
    except ValueError as e:  # the stub maker cannot make it: its todos or stub_defs
        return f"no stub can be made ({e})"
    return "" if same else (f"{path} differs from the stub tools/make_stubs.py writes (a learner's work, or a stub "
                            "not remade after a solution changed)")


@functools.lru_cache(maxsize=None)
def grade_stub(step_id: str) -> StepResult:
    """The step's untouched stub, graded: steps/<file> when it is that stub, else the stub as
    tools/make_stubs.py writes it (in a private folder), so a learner's work in steps/ is no failure."""
    step = registry.BY_ID[step_id]
    if not stub_differs(step):
        return runner.grade(step, paths.STEPS)
    with tempfile.TemporaryDirectory(prefix="kata-stub-") as folder:
        try:
            (Path(folder) / step.filename).write_text(make_stub(step), encoding="utf-8")
        except ValueError:  # said by stub_differs; graded as a missing file
            pass
        return runner.grade(step, Path(folder))


@functools.lru_cache(maxsize=None)
def grade_mutant(mutant: Mutant) -> StepResult:
    """Grade one wrong version, written to a private temporary folder laid out like steps/."""
    with tempfile.TemporaryDirectory(prefix="kata-mutant-") as folder:
        mutant.write(Path(folder))
        return runner.grade(registry.BY_ID[mutant.step], Path(folder))


def mutant_verdict(mutant: Mutant) -> str:
    """'' when the wrong version is caught as the catalogue says, else why not."""
    result = grade_mutant(mutant)
    check = next((c for c in result.checks if c.id == mutant.catches), None)
    if result.status != FAILING:
        return f"the step reads {result.status!r}" + (f": {result.problem[:120]}" if result.problem else "")
    if check is None:
        return f"no check named {mutant.catches!r}"
    if check.status != FAILED:
        return f"{mutant.catches!r} {check.status}"
    if not check.message:
        return "caught, but without a message"
    return ""


def check_step(step: Step, missing: list[str] = ()) -> StepCheck:
    """Grade the step's solution, stub and wrong versions; `missing`: the sentences of its missing pieces."""
    note = stub_differs(step)
    if note:  # said at once, not after minutes of grading
        print(f"note: {note}; the self-check grades the generated stub instead.", file=sys.stderr)
    solution, stub = grade_solution(step.id), grade_stub(step.id)
    result = StepCheck(step.id, solution.status == PASSED, stub.status == NOT_STARTED, stub_note=note,
                       missing=list(missing))
    for m in mutants.of(step):
        why = mutant_verdict(m)
        (result.missed.append(f"{m.name}: {why}") if why else result.caught.append(m.name))
    return result


def table(results: list[StepCheck], kata_missing: list[str] = ()) -> str:
    """A row for each step (what is missing below it), then what is missing for the kata as a whole."""
    lines = [f"{'step':<8} {'solution':<9} {'stub':<12} {'wrong versions caught':<22}"]
    for r in results:
        total = len(r.caught) + len(r.missed)
        lines.append(f"{r.step:<8} {'passes' if r.solution_ok else 'FAILS':<9} "
                     f"{'not started' if r.stub_ok else 'WRONG STATE':<12} {len(r.caught)}/{total}")
        lines += [f"         missed {m}" for m in r.missed]
        if r.stub_note:
            lines.append(f"         note: {r.stub_note}; the generated stub was graded instead")
        if not r.stub_ok:
            lines.append(f"         the stub of {r.step} does not read 'not started': a name its checks call is "
                         "not a TODO in it (see the step's `todos`)")
        lines += [f"         missing {m}" for m in r.missing]
    lines += [f"missing {m}" for m in kata_missing]
    bad = [r.step for r in results if not r.ok] + (["the kata as a whole"] if kata_missing else [])
    lines.append("")
    lines.append("every check holds: solutions pass, stubs not started, every wrong version caught, no piece missing"
                 if not bad else f"self-check FAILED for {', '.join(bad)}")
    return "\n".join(lines)


def main(steps) -> int:
    """`grader.py --check [STEP]`: each step's row, and 0 when every check holds and no piece is missing."""
    missing = completeness.check(steps)
    for m in missing:  # said at once, not after minutes of grading
        print(f"missing: {m}", file=sys.stderr)
    results = []
    for s in steps:
        results.append(check_step(s, [m.sentence for m in missing if m.step == s.id]))
        print(f"checked {s.id}", file=sys.stderr)  # the authors' tool: English
    kata_missing = [m.sentence for m in missing if m.step not in {s.id for s in steps}]
    print(table(results, kata_missing))
    return 0 if all(r.ok for r in results) and not kata_missing else 1
