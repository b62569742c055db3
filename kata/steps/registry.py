"""The ordered list of steps: step N is graded against the reference of step N-1.

Each step is declared whole in its own package (kata/steps/stepNN/__init__.py: STEP) with its
judges beside it (judges.py). Adding a step: its package, its solution in solutions/ and its stub
in steps/ (tools/make_stubs.py writes it), and one line here.
"""
from __future__ import annotations

import importlib

from kata.steps.declare import ALWAYS, Check, Step, Train, Wrong  # noqa: F401  (re-exported)

ORDER = ("step00", "step01", "step02", "step03", "step04", "step05", "step06", "step07", "step08", "step09",
         "step10", "step11", "step12", "step13", "step14")
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
