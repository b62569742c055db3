"""The form of a property check, and the decorator that declares one."""
from __future__ import annotations

from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Callable

from hypothesis.strategies import SearchStrategy

class Skip(Exception):
    """Raised by a check body that cannot run here (for example: no GPU); the reason is shown."""


Body = Callable[[ModuleType, "ModuleType | None", Any], None]


@dataclass(frozen=True)
class PropertyCheck:
    name: str  # what the learner reads: a claim that holds for a correct step
    uses: tuple[str, ...]  # the learner's names it calls: a stub among them means "not started"
    strategy: SearchStrategy = field(repr=False)
    body: Body = field(repr=False)
    edges: tuple = ()  # explicit cases tried first, in order
    max_examples: int = 30
    hint: str | int = ""  # the usual cause of a failure, without the fix; an int picks one of the step's hints


def prop(name: str, *, uses: tuple[str, ...], strategy: SearchStrategy, edges: tuple = (),
         max_examples: int = 30, hint: str | int = "") -> Callable[[Body], PropertyCheck]:
    """Declare `body(learner, reference, case)` as a check; it raises (Mismatch) when the claim fails."""
    def declare(body: Body) -> PropertyCheck:
        return PropertyCheck(name, uses, strategy, body, tuple(edges), max_examples, hint)
    return declare
