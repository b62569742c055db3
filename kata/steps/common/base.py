"""The form of a property check: a judge, bound to the check its step declares.

A judge runs in the trusted parent: hypothesis draws a case, the judge sends its inputs to the
learner's confined child (`child`, a kata.judging.remote.Child), computes what they should give with
the reference (`ref`, a module loaded in the parent, or None), and compares. A step's judges.py
marks each judge with `@judge("<check id>", strategy=..., ...)`; `bind` joins them with the
declared checks (kata.steps.declare.Check) and refuses a check without a judge or a judge without
a check. Instructors' hidden checks are plain functions instead (kata.grading.plain_checks), bound
to a PropertyCheck with nothing to draw (`strategy` None: the runner runs such a check once).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Callable

from hypothesis.strategies import SearchStrategy

from kata.judging.verdicts import Skip  # noqa: F401  (re-exported for the judges)

Body = Callable[[Any, Any, Any], None]  # (child, reference module or None, case)


@dataclass(frozen=True)
class Examples:
    """The examples hypothesis runs a judge on (not a training run: that is kata.steps.cases.Run)."""

    strategy: SearchStrategy = field(repr=False)
    edges: tuple = ()  # explicit cases tried first, in order
    max_examples: int = 10
    dtype: str = "float64"  # the default dtype, in the judge and in the learner's child, while it runs


@dataclass(frozen=True)
class PropertyCheck:
    id: str  # "step04.k-updates": stable, never reworded
    name: str  # what the learner reads
    stage: str
    uses: tuple[str, ...]
    strategy: SearchStrategy | None = field(repr=False)  # None: nothing to draw, run once
    body: Body = field(repr=False)
    edges: tuple = ()
    max_examples: int = 10
    hints: tuple[str, ...] = ()
    dtype: str = "float64"


def judge(check_id: str, *, strategy: SearchStrategy, edges: tuple = (), max_examples: int = 10,
          dtype: str = "float64") -> Callable[[Body], Body]:
    """Mark `body(child, reference, case)` as the judge of the step's check `check_id`."""
    def mark(body: Body) -> Body:
        body.judges = check_id
        body.examples = Examples(strategy, tuple(edges), max_examples, dtype)
        return body
    return mark


def bind(step, module: ModuleType) -> list[PropertyCheck]:
    judges = {fn.judges: fn for fn in vars(module).values() if callable(fn) and hasattr(fn, "judges")}
    declared = [c.id for c in step.checks]
    if set(judges) != set(declared):
        raise LookupError(f"{step.id}: checks without a judge {sorted(set(declared) - set(judges))}, judges without "
                          f"a check {sorted(set(judges) - set(declared))}")
    out = []
    for c in step.checks:
        fn = judges[c.id]
        examples = fn.examples
        out.append(PropertyCheck(f"{step.id}.{c.id}", c.says, c.stage, c.uses, examples.strategy, fn, examples.edges,
                                 examples.max_examples, c.hints, examples.dtype))
    return out

