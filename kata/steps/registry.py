"""The ordered list of steps: step N is graded against the reference of step N-1.

Each step is declared whole in its own package (kata/steps/stepNN/__init__.py: STEP) with its
judges beside it (judges.py); the registry finds the package by its name. Adding a step takes more
than the package: `python tools/new_step.py stepNN NAME` makes every piece (the package, its
solution, its stub, its tutorial-code fixture in tests/steps/seeds, its catalog entries, README's
row and counts), and `python grader.py --check` names any piece still missing
(kata.authoring.completeness).
"""
from __future__ import annotations

import importlib
from pathlib import Path

from kata.steps.declare import ALWAYS, Check, Step, Todo, Train, Wrong  # noqa: F401  (re-exported)

# every kata/steps/stepNN package, in the order of its number: adding a step adds no line here
ORDER = tuple(sorted(p.name for p in Path(__file__).parent.glob("step[0-9][0-9]") if (p / "__init__.py").exists()))
STEPS: tuple[Step, ...] = tuple(importlib.import_module(f"kata.steps.{name}").STEP for name in ORDER)
BY_ID = {s.id: s for s in STEPS}


def find(name: str) -> Step | None:
    """A step by id ("step04", "step4", "4", "04"), slug ("step04_optim") or file ("steps/step04_optim.py")."""
    name = name.strip().replace("\\", "/").rsplit("/", 1)[-1].removesuffix(".py")
    if name.isdigit():
        name = f"step{int(name):02d}"
    if name.startswith("step") and name[4:].isdigit():
        name = f"step{int(name[4:]):02d}"
    return BY_ID.get(name) or next((s for s in STEPS if s.slug == name), None)


def previous(step: Step) -> Step | None:
    i = STEPS.index(step)
    return STEPS[i - 1] if i else None
