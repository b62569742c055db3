"""The catalogue of wrong versions: realistic learner bugs, declared with each step
(`Step.wrong`), each a one-place edit of the reference solution and the id of the check (or
rule) that must catch it.

The self-check and the test suite grade every one of them and require that check to fail with a
readable message; a wrong version that no check catches is a hole in the kata, not a test to delete.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kata.paths import SOLUTIONS
from kata.steps.registry import BY_ID, STEPS


@dataclass(frozen=True)
class Mutant:
    step: str  # "step04"
    name: str  # short id, unique within the step
    description: str  # what the learner did, in one line
    old: str  # text of the reference solution, found exactly once
    new: str  # what the learner wrote instead
    catches: str  # the full id of the check that must fail: "step04.k-updates", "step04.rule.uses-sgd"

    def source(self) -> str:
        """The reference solution with this bug put in."""
        text = (SOLUTIONS / BY_ID[self.step].filename).read_text()
        if text.count(self.old) != 1:
            raise ValueError(f"{self.step}/{self.name}: the edited text occurs {text.count(self.old)} times, not once")
        return text.replace(self.old, self.new)

    def write(self, folder: Path) -> Path:
        """Write the wrong version into `folder`, laid out like steps/; return its path."""
        path = folder / BY_ID[self.step].filename
        path.write_text(self.source())
        return path


def of(step) -> list[Mutant]:
    """The wrong versions a step declares."""
    return [Mutant(step.id, w.name, w.description, w.old, w.new, f"{step.id}.{w.catches}") for w in step.wrong]


CATALOGUE: tuple[Mutant, ...] = tuple(m for step in STEPS for m in of(step))


def for_step(step_id: str) -> list[Mutant]:
    return [m for m in CATALOGUE if m.step == step_id]


def find(step_id: str, name: str) -> Mutant:
    return next(m for m in CATALOGUE if m.step == step_id and m.name == name)
