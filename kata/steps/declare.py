"""The form of a step's declaration: one Step per step, everything about it in one place.

Torch-free, so that commands that grade nothing (hints, diffs, reset, the board) stay fast.
Checks are keyed by id (`Check("k-updates", ...)` in step04 is "step04.k-updates"): its judge in
the step's judges.py, its seed, its hints, the wrong versions it must catch, its name in every
report. Reword a check's sentence freely; never change an id.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from kata.judging.results import STAGES
from kata.steps import guards
from kata.steps.static import Rule

ALWAYS = (guards.no_reference_import(), guards.no_grader_tampering())  # teaching notes on every step


@dataclass(frozen=True)
class Check:
    id: str  # local to the step: "k-updates"
    says: str  # what the learner reads: a claim that holds for a correct step
    stage: str  # where it looks (kata.judging.results.STAGES)
    uses: tuple[str, ...]  # the learner's names it calls: a stub among them means "not started"
    hints: tuple[str, ...] = ()  # the idea and where to look, then the API, then the shape of the fix
    # it proves the step computes what the step before did ("≈ step03's update"): that step's code passes
    # it too, so the step's rules about its code gate its credit (kata.judging.results.StepResult.score)
    equivalence: bool = False
    device: str = ""  # "cuda": runs only on that device, skipped and neutral (neither earned nor lost) elsewhere

    def __post_init__(self):
        if self.stage not in STAGES:
            raise ValueError(f"{self.id}: unknown stage {self.stage!r}")


@dataclass(frozen=True)
class Wrong:
    """A realistic learner bug: a one-place edit of the reference solution, and the check that must
    catch it (a check id, or "rule.<rule id>")."""

    name: str
    description: str
    old: str  # text of the reference solution, found exactly once
    new: str  # what the learner wrote instead
    catches: str
    # words the learner must read about this bug, not only that values differ: in the message of the check
    # that catches it, or in a note on the learner's line (an advisory: `opt.zero_grad` named, never called)
    says: str = ""


@dataclass(frozen=True)
class Todo:
    """One place the stub leaves to the learner (kata.steps.stubs makes the stub).

    `text` follows `# TODO(stepNN):` there: the idea and the API at most, never the finished line.
    `lines` are the reference solution's lines it replaces, found once inside its function, each as
    it reads without its indentation (a trailing comment may be left off); they become the TODO and
    a `raise NotImplementedError`, and every other line stays working code. Without `lines`, the
    whole body is the TODO (a function the step adds). `doc`, when given, is the function's
    docstring in the stub, for a solution's docstring that spells out the finished code.
    """

    text: str
    lines: str = ""
    doc: str = ""


@dataclass(frozen=True)
class Train:
    """How `--train` drives the step's code (a driver in kata.child.workbench.train_drivers) and on what."""

    family: str
    epochs: int = 2
    lr: float | None = None  # None: the driver's default
    data: str = "mnist"  # or "houses": the regression's made-up data
    baseline_family: str = ""  # for a step compared with a hand-written baseline: how that one trains
    note: str = ""  # said after the run, when the refactor changes the run on purpose


@dataclass(frozen=True)
class Step:
    id: str  # "step04": what the learner types
    slug: str  # "step04_optim": the file name without .py, in steps/ and solutions/
    title: str
    replaces: str
    replaced_by: str
    names: tuple[str, ...]  # public names the step must define
    checks: tuple[Check, ...] = ()
    rules: tuple[Rule, ...] = ()
    wrong: tuple[Wrong, ...] = ()
    train: Train | None = None
    # what the stub leaves to do, keyed by name: a Todo (or several, a tuple) at the solution's lines
    # that are this step's lesson; a plain string is a Todo for the whole body. A class: method -> the
    # same, and "__doc__" -> the class's docstring in the stub. The stub raises NotImplementedError there.
    todos: dict = field(default_factory=dict, hash=False)
    # a module-level name the stub turns into a function to write: name -> its def line and docstring
    stub_defs: dict = field(default_factory=dict, hash=False)
    # the stub's module docstring up to the solution's "Shapes:" (or "Run it") lines, which follow it:
    # its title, what changes in this step and why, never the finished code; "" keeps the solution's
    stub_doc: str = ""
    # the module the checks compare with, relative to the project root; default: the reference
    # solution of the step before. Companion steps name the hand-written version they replace.
    baseline: str = ""
    package: str = ""  # where its judges live: "kata.steps.step04"
    # modules the learner's code imports lazily while it is checked (building an optimizer imports
    # torch._dynamo): the zygote imports them while the judge loads its checks
    preload: tuple[str, ...] = ()
    # notes read from the source that never fail the step: functions (tree) -> [(line, local id, message)]
    advisories: tuple = ()
    # the lesson and its section that the step follows, as the learner would find it: "“What is torch.nn
    # really?”: Refactor using torch.optim"
    section: str = ""

    @property
    def filename(self) -> str:
        return f"{self.slug}.py"

    @property
    def all_rules(self) -> tuple[Rule, ...]:
        return ALWAYS + self.rules

    @property
    def all_advisories(self) -> tuple:
        """The notes every step reads (kata.steps.advisories.ALWAYS), then the step's own."""
        from kata.steps import advisories

        return advisories.ALWAYS + tuple(self.advisories)

    def check(self, local_id: str) -> Check:
        return next(c for c in self.checks if c.id == local_id)

    def checks_to_run(self) -> list:
        """The declared checks joined with their judges (imports hypothesis and torch)."""
        from kata.steps.common.base import bind

        return bind(self, importlib.import_module(f"{self.package or 'kata.steps.' + self.id}.judges"))
