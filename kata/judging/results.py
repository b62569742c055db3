"""What grading produces: one result per check, gathered per step. Plain data, JSON-ready."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from kata.i18n import N_

PASSED, FAILED, NOT_STARTED, SKIPPED = "passed", "failed", "not started", "skipped"
# where a failed equivalence check first parts from the reference, in the order values flow
STAGES = ("structure", "forward", "loss", "gradients", "batches", "modes", "update", "hooks", "crash")
STAGE_NAMES = {"structure": N_("how the code is put together (types, layers, what it returns)"),
               "forward": N_("the forward output"), "loss": N_("the loss"), "gradients": N_("the gradients"),
               "batches": N_("the batches the model sees"), "modes": N_("train/eval mode and gradient tracking"),
               "update": N_("the parameters after the update"), "hooks": N_("what the hooks record"),
               "crash": N_("an exception in your code")}



def text_key(check_id: str) -> str:
    """The catalog key of a check's or a rule's sentence (kata.i18n.by_id). A rule is worded once for
    the whole kata: the same rule in several steps ("step07.rule.uses-sgd", "step15.rule.uses-sgd") is
    one entry, "rule.uses-sgd"; a check's sentence is its own."""
    _step, sep, rule = check_id.partition(".rule.")
    return f"rule.{rule}" if sep else check_id


# step states
FAILING, IN_PROGRESS, BROKEN, MISSING = "failing", "in progress", "broken", "missing"


@dataclass
class CheckResult:
    id: str  # the check's stable id ("step04.k-updates"; rules: "step04.rule.uses-sgd")
    name: str
    kind: str  # "guard" (applies to every step), "static" (read from the source) or "property"
    status: str  # PASSED, FAILED, NOT_STARTED or SKIPPED (cannot run on this machine, e.g. no GPU)
    message: str = ""  # why it failed, in plain text, possibly several lines
    counterexample: str = ""  # the smallest case hypothesis found, as one readable line
    hint: str = ""  # shown with a failure: where to look, not the fix
    stage: str = ""  # for a failed property check: where the values part (see STAGES)
    equivalence: bool = False  # a check that the previous step's code passes too: the rules gate its credit
    mistake: str = ""  # the known mistake that made it fail, when the judge could tell: its hints come first


@dataclass
class StepResult:
    step: str  # "step04"
    slug: str
    title: str
    target: str  # the graded folder
    file: str
    status: str = NOT_STARTED  # PASSED, FAILING, NOT_STARTED, BROKEN (cannot be loaded) or MISSING
    problem: str = ""  # for BROKEN and MISSING: one paragraph saying what is wrong and what to do
    hint: str = ""
    checks: list[CheckResult] = field(default_factory=list)
    seconds: float = 0.0
    untouched: bool = False  # every TODO of the stub is still a stub
    hidden: list[CheckResult] = field(default_factory=list)  # an instructor's extra checks: reported apart
    loaded: bool = False  # the learner's code imports and implements every name of the step (no stub left)
    max_checks: int = 0  # the step's rules and property checks (guards are teaching notes): its full max

    # notes that do not fail the step (a deprecated API, a habit worth changing): {id, line, message}
    advisories: list[dict] = field(default_factory=list)
    isolation: str = ""  # how the learner's code was confined while it ran
    output: str = ""  # what the learner's code printed while it was graded (bounded)

    def count(self, status: str) -> int:
        return sum(c.status == status for c in self.checks)

    def settle(self) -> "StepResult":
        """Derive the step's state from its checks (unless loading already decided it)."""
        if self.status in (BROKEN, MISSING):
            return self
        graded = [c for c in self.checks if c.kind != "guard"]  # guards are teaching notes
        if any(c.status == FAILED for c in graded):
            self.status = FAILING
        elif all(c.status in (PASSED, SKIPPED) for c in graded):
            self.status = PASSED
        else:
            self.status = NOT_STARTED if self.untouched else IN_PROGRESS
        return self

    @property
    def gated(self) -> bool:
        """A rule of the step about its code failed: the step's lesson (the API it teaches, the
        hand-written part it removes) is not done, so its checks of equivalence with the step before
        earn nothing (score): the previous step's code passes them too."""
        return any(c.kind == "static" and c.status == FAILED for c in self.checks)

    def score(self) -> tuple[int, int]:
        """(earned, max): the one scoring rule of every report. The max is always the step's full max
        (its source rules and checks; the guards are teaching notes), less the checks skipped for lack
        of a device (neither earned nor lost).
        Nothing is earned until the learner's code loads and defines the step's names: an untouched stub,
        an empty or unimportable file scores 0; a check that did not finish (time-out, crash) is lost.
        The rules gate the checks of equivalence: while one of the step's rules about its code fails,
        the checks that the previous step's code passes too earn nothing (`gated`)."""
        gated = self.gated
        counted = [c for c in self.checks if c.kind == "static" or (c.kind == "property" and not (
            gated and c.equivalence))]
        earned = sum(c.status == PASSED for c in counted) if self.loaded else 0
        return earned, max(self.max_checks - self.count(SKIPPED), earned)

    @classmethod
    def from_dict(cls, data: dict) -> "StepResult":
        """A result recorded by to_dict, read back."""
        fields = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        fields["checks"] = [CheckResult(**c) for c in data.get("checks", [])]
        fields["hidden"] = [CheckResult(**c) for c in data.get("hidden", [])]
        return cls(**fields)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["counts"] = {s: self.count(s) for s in (PASSED, FAILED, NOT_STARTED, SKIPPED)} | {"total": len(self.checks)}
        d["score"], d["max_score"] = self.score()
        d["gated"] = self.gated
        return d
