"""The form of a property check, and the decorator that declares one.

A check is a judge that runs in the trusted parent: hypothesis draws a case, the judge sends its
inputs to the learner's confined child (`child`, a kata.engine.remote.Child), computes what they
should give with the reference (`ref`, a module loaded in the parent, or None), and compares.
Everything about a check is keyed by its stable `id`: its seed, its hints, the wrong versions it
must catch, its name in JSON, CSV and Gradescope reports. Reword `name` freely; never change an id.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from hypothesis.strategies import SearchStrategy

# where a check looks, in the order values flow through a step (reports name the earliest that failed)
STAGES = ("structure", "forward", "loss", "gradients", "batches", "modes", "update", "hooks", "crash")


from kata.engine.verdicts import Skip  # noqa: E402,F401  (re-exported for the checks)


Body = Callable[[Any, Any, Any], None]  # (child, reference module or None, case)


@dataclass(frozen=True)
class PropertyCheck:
    id: str  # "step04.k-updates": stable, never reworded
    name: str  # what the learner reads: a claim that holds for a correct step
    stage: str  # one of STAGES: where this check looks
    uses: tuple[str, ...]  # the learner's names it calls: a stub among them means "not started"
    strategy: SearchStrategy = field(repr=False)
    body: Body = field(repr=False)
    edges: tuple = ()  # explicit cases tried first, in order
    max_examples: int = 30
    hints: tuple[str, ...] = ()  # a ladder: the idea and where to look, then the API, then the shape of the fix
    dtype: str = "float64"  # the default dtype in the learner's child while this check runs


def prop(id: str, name: str, *, stage: str, uses: tuple[str, ...], strategy: SearchStrategy, edges: tuple = (),
         max_examples: int = 30, hints: tuple[str, ...] = (), dtype: str = "float64") -> Callable[[Body], PropertyCheck]:
    """Declare `body(child, reference, case)` as a check; it raises (Mismatch) when the claim fails."""
    if stage not in STAGES:
        raise ValueError(f"{id}: unknown stage {stage!r}")

    def declare(body: Body) -> PropertyCheck:
        return PropertyCheck(id, name, stage, uses, strategy, body, tuple(edges), max_examples, tuple(hints), dtype)
    return declare
