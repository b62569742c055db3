"""Grade one step of one target folder: source rules in the parent, property checks through a child.

The learner's file is read here as text only (rules, pending TODOs). Its code runs in a confined
child (kata.judging.remote, born from the zygote of kata.child.zygote_supply); each check is a judge that
runs here, with hypothesis and the reference, and sends the child only inputs. Hypothesis runs with
a seed derived from the check's id and no example database: the same code gets the same verdict and
counterexample every time, and nothing is written anywhere.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import re
import time
from pathlib import Path
from types import ModuleType

from kata.child import loading, seeding, zygote_supply
from kata.child.loading import LoadProblem
from kata.child.scratch import Refused
from kata.i18n import N_, _, by_id
from kata.judging import case_drawing, verdicts
from kata.judging.compare import Mismatch
from kata.judging.remote import Child, ChildGone, LearnerError, NotPlain, TooBig
from kata.judging.results import (
    BROKEN,
    FAILED,
    MISSING,
    NOT_STARTED,
    PASSED,
    SKIPPED,
    CheckResult,
    StepResult,
    text_key,
)
from kata.paths import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT, ROOT, SOLUTIONS, STEPS
from kata.steps import registry
from kata.steps.declare import ALWAYS, Step
from kata.steps.static import pending_names

_references: dict[Path, ModuleType] = {}


def reference(step: Step | None) -> ModuleType | None:
    """The reference solution of `step` (loaded once per process), or None before step00."""
    return None if step is None else _load_reference(SOLUTIONS / step.filename)


def baseline(step: Step) -> ModuleType | None:
    """What `step` is compared with: its own baseline module if it names one (the hand-written
    version a companion step replaces), else the reference solution of the step before it."""
    return _load_reference(ROOT / step.baseline) if step.baseline else reference(registry.previous(step))


def _load_reference(path: Path) -> ModuleType:
    if path not in _references:
        _references[path] = loading.load(path)
    return _references[path]


@contextlib.contextmanager
def default_dtype(name: str):
    """The judge draws and computes in the check's dtype (float64 for equivalence: rounding never
    passes for a real difference), as the child does."""
    import torch

    before = torch.get_default_dtype()
    torch.set_default_dtype(getattr(torch, name))
    try:
        yield
    finally:
        torch.set_default_dtype(before)


def stable_seed(check_id: str) -> int:
    return int.from_bytes(hashlib.sha256(check_id.encode()).digest()[:4], "big")


def run_property(check, child: Child, ref: ModuleType | None, path: Path, label: str = "",
                 record: bool = True) -> CheckResult:
    from hypothesis import HealthCheck, Phase, Verbosity, example, given, seed, settings

    case_drawing.ready()

    last = {"cases": [], "runs": [], "failed": False, "shrinks": None}  # runs: (case as text, passed), for flaky
    shrink_budget = len(check.edges) + check.max_examples  # tries: about what the check costs when it passes

    def test(case):
        if last["shrinks"] is not None:  # hypothesis is shrinking a failure: within the budget, or no further
            if last["shrinks"] >= shrink_budget:
                raise ShrinkSpent
            last["shrinks"] += 1
        last["case"] = case
        last["cases"].append(case)
        seeding.manual_seed(0)  # hypothesis does not seed torch: what the judge draws never depends on history
        child.record = record and "recorded" not in last  # the first example shows what the code runs, for the rules
        child.free = last["failed"]  # after the check's first failure: shrinking and replays are the kata's time
        last["recorded"] = True
        passed = False
        try:
            check.body(child, ref, case)
            passed = True
        except BaseException as e:
            last["error"], last["failing"] = e, case
            raise
        finally:
            child.record = False
            last["runs"].append((str(case), passed))
            if not passed:
                last["failed"] = True
                last["shrinks"] = last["shrinks"] or 0

    config = settings(max_examples=check.max_examples, database=None, deadline=None, derandomize=False,
                      verbosity=Verbosity.quiet, print_blob=False, report_multiple_bugs=False,
                      suppress_health_check=list(HealthCheck),
                      # no "explain" phase: it runs the failing case again and again to annotate a traceback
                      # nobody reads here, and its variants are not smaller cases (the budget above counts them)
                      phases=[p for p in Phase if p.name in ("explicit", "reuse", "generate", "shrink")])
    wrapped = given(case=check.strategy)(config(test))
    for edge in reversed(check.edges):
        wrapped = example(case=edge)(wrapped)
    wrapped = seed(stable_seed(check.id))(wrapped)
    result = CheckResult(check.id, label or check.name, "property", PASSED, hint=check.hints[0] if check.hints else "")
    child.dtype = check.dtype
    case_drawing.bound_shrinking(child.timeout)  # and in time: never longer than the step may take
    try:
        return _run_property(check, child, ref, path, result, test, wrapped, last)
    finally:
        child.free = False
        case_drawing.bound_shrinking(None)


class ReplayPassed(Exception):
    """The failing case passed when it ran again (as hypothesis's Flaky errors say)."""


class ShrinkSpent(BaseException):
    """The shrinking budget of a check is spent: the smallest failing case found so far is the verdict's.
    A BaseException, so that hypothesis lets it through at once."""


def _run_property(check, child: Child, ref, path: Path, result: CheckResult, test, wrapped, last: dict) -> CheckResult:
    try:
        if check.strategy is None:  # a check with nothing to draw (an instructor's plain check): run it once
            with default_dtype(check.dtype):
                test(None)
            return result
        known = case_drawing.kept(check)
        if known is not None:
            printed = child.output_size()
            if _all_pass(known, test, check.dtype):
                return result  # hypothesis would draw these very cases, and they all pass
            try:
                child.drain()  # what the failing case sent ahead runs (and prints) now, not in hypothesis's run
            except Exception:  # noqa: BLE001  hypothesis's own run meets it again and says what it is
                pass
            child.forget_output(printed, child.output_size())
        last["cases"], last["runs"], last["shrinks"] = [], [], None  # a kept case's failure: hypothesis starts over
        with default_dtype(check.dtype):
            try:
                wrapped()
            except ShrinkSpent:  # the smallest failing case found so far, once more, as hypothesis replays its own
                last["shrinks"] = None
                test(last["failing"])  # fails again: that failure is the verdict, below
                raise ReplayPassed from None  # or not: the code is not a function of its inputs
        case_drawing.keep(check, last["cases"])
        return result
    except case_drawing.flaky_errors() + (ReplayPassed,):  # failed on a case, passed on it: not a function of it
        runs = case_drawing.differing(last["runs"])
        result.message = verdicts.flaky(check.uses, runs)
        result.stage = check.stage
        if runs:
            last["case"] = last["runs"][runs[0] - 1][0]  # the case of those two runs, as the message says
    except TooBig as e:  # read no further: every other try would send it again
        result.message = verdicts.too_big(e.what, e.size, e.limit)
        result.stage = "structure"
    except LearnerError as e:
        if e.kind == "not-implemented":
            result.status = NOT_STARTED
            result.message = _("still raises NotImplementedError: {where}").format(where=verdicts.where(e.info, path))
            return result
        result.message = verdicts.learner_error(e.info, path)
        if e.info.get("code") and _code_of(e.info["code"]) in _given_lines(check.id.split(".", 1)[0]):
            result.message += "\n" + _(GIVEN_LINE).format(line=e.info.get("line"))
        result.mistake = verdicts.known_crash(e.info)
        result.stage = "crash"
    except verdicts.Skip as e:
        result.status = SKIPPED
        result.message = str(e)
        return result
    except Mismatch as e:
        explained = _explained(check, child, ref, last.get("case")) or e
        result.message, result.mistake = str(explained), explained.mistake
        result.stage = check.stage
    except NotPlain as e:
        result.message = _("returned a {type} where the check needs plain data (a tensor, a number, a list): "
                           "read the docstring for what the function should return.").format(type=e)
        result.stage = "structure"
    result.status = FAILED
    case = last.get("case", "")
    result.counterexample = "" if case is None or isinstance(case, int) else str(case)  # a bare seed says nothing
    return result


GIVEN_LINE = N_("Line {line} is code the stub gave you, unchanged: the cause is in what it uses that you wrote "
                "(a function it calls, the model it runs, or what that model is given), not in the line itself.")


@functools.lru_cache(maxsize=None)
def _given_lines(step_id: str) -> frozenset[str]:
    """The lines of code a step's stub gives the learner as they are (its TODOs and their raises left out):
    a crash on one of them was caused by what the learner wrote elsewhere."""
    from kata.steps.stubs import make_stub

    step = registry.BY_ID.get(step_id)
    if step is None:
        return frozenset()
    lines = (_code_of(line) for line in make_stub(step).splitlines())
    return frozenset(line for line in lines if len(line) >= 10
                     and not line.startswith(("#", "raise NotImplementedError", '"""', "def ", "class ")))


def _code_of(line: str) -> str:
    """A line of code without its indentation and its trailing comment (a learner may drop or change that)."""
    return line.split("  #", 1)[0].strip()


def _explained(check, child: Child, ref, case) -> Mismatch | None:
    """The final case once more, with the explanations hypothesis's runs leave out (where a training parts
    from the reference's, and the mistake that shows there): its Mismatch, or None when that run does not
    fail with one again."""
    child.explain = child.free = True
    seeding.manual_seed(0)
    try:
        with default_dtype(check.dtype):
            check.body(child, ref, case)
    except Mismatch as e:
        return e
    except Exception:  # noqa: BLE001  the plain verdict stands
        return None
    finally:
        child.explain = False
    return None


def _all_pass(cases: tuple, test, dtype: str) -> bool:
    """Each case through the check's body, in order; False at the first that fails (whatever raised:
    hypothesis then runs from the start and says what). A child that is gone ends the grade as it
    would inside hypothesis."""
    with default_dtype(dtype):
        for case in cases:
            try:
                test(case)
            except Exception:  # noqa: BLE001  not a verdict: hypothesis's own run gives that
                return False
    return True


def run_rules(step: Step, tree, pending: set[str]) -> list[CheckResult]:
    results = []
    for rule in step.all_rules:
        kind = "guard" if rule in ALWAYS else "static"
        rule_id = f"{step.id}.rule.{rule.id}"
        if pending and kind == "static":
            results.append(CheckResult(rule_id, rule.name, kind, NOT_STARTED, _("read once the TODOs are done")))
            continue
        problems = sorted(rule.find(tree))
        message = "\n".join(_("line {line}: ").format(line=line) + msg if line else msg for line, msg in problems)
        results.append(CheckResult(rule_id, rule.name, kind, FAILED if problems else PASSED, message))
    return results


def grade_all(steps: list[Step], target: Path = STEPS, timeout: float | None = DEFAULT_TIMEOUT) -> list[StepResult]:
    """Grade `steps` one after another in this process (the board): the zygote warms, once, what any of
    them imports (torch._dynamo for the steps that build an optimizer), not only what the first needs."""
    zygote_supply.zygote(tuple(sorted({name for step in steps for name in step.preload})),
                         tuple(sorted({name for step in steps for name in judge_imports(step)})))
    return [grade(step, target, timeout) for step in steps]


def judge_imports(step: Step) -> tuple[str, ...]:
    """What the judge of `step` imports lazily as it runs the code it compares with: what the step before
    needs (its reference is the baseline), unless the step names a baseline of its own."""
    before = registry.previous(step)
    return () if step.baseline or before is None else before.preload


def grade(step: Step, target: Path = STEPS, timeout: float | None = DEFAULT_TIMEOUT, hidden: tuple = (),
          memory_mb: int | None = DEFAULT_MEMORY_MB) -> StepResult:
    """Grade `target/<step file>` against the reference of the step before it.

    `hidden` checks (an instructor's extra ones) run too, after the step's own, and are reported
    apart in `result.hidden`: they do not change the step's state."""
    zygote_supply.zygote(step.preload, judge_imports(step))  # before any check or reference: children inherit neither
    path = Path(target) / step.filename
    result = StepResult(step.id, step.slug, step.title, str(target), str(path))
    result.max_checks = len(step.rules) + len(step.checks)
    started = time.perf_counter()
    try:
        _grade_into(result, step, path, hidden, timeout, memory_mb)
    except LoadProblem as e:
        result.status = BROKEN
        result.problem = str(e)
    result.seconds = round(time.perf_counter() - started, 3)
    equivalence = {f"{step.id}.{c.id}" for c in step.checks if c.equivalence}
    for c in result.checks:
        c.equivalence = c.id in equivalence
    return result.settle()


def _grade_into(result: StepResult, step: Step, path: Path, hidden: tuple, timeout, memory_mb) -> None:
    try:
        source = loading.read_source(path)
    except Refused as e:
        if str(e) == "missing":
            result.status = MISSING
            result.problem = _("{path} does not exist. Each step is one file named like the stub in steps/ "
                               "({file}); copy the stub there to start it.").format(path=path, file=step.filename)
            return
        raise LoadProblem(verdicts.refused(path, str(e))) from None
    tree = loading.parse(source, path)
    pending = pending_names(tree)
    result.untouched = bool(step.todos) and set(step.todos) <= pending
    result.checks = run_rules(step, tree, pending)
    result.advisories = [{"id": f"{step.id}.advice.{local}", "line": line, "message": message}
                         for find in step.all_advisories for line, local, message in find(tree)]
    checks = step.checks_to_run()
    with Child(zygote_supply.zygote(), path, timeout, memory_mb) as child:
        result.isolation = ", ".join(child.isolation) or "process only"
        try:
            _run_checks(result, step, child, path, pending, checks, hidden)
        except (ChildGone, TooBig) as gone:  # TooBig here: an answer read outside a check (a name, the record)
            result.status = BROKEN
            result.problem = verdicts.gone(gone, path, timeout) if isinstance(gone, ChildGone) else \
                verdicts.too_big(gone.what, gone.size, gone.limit)
            done = {c.id for c in result.checks}
            for check in checks:  # what did not finish is lost, never dropped from the max
                if check.id not in done:
                    result.checks.append(CheckResult(check.id, check.name, "property", FAILED,
                                                     _("did not run: the step's process ended before it")))
    result.output = child.output


def _run_checks(result, step, child, path, pending, checks, hidden) -> None:
    try:
        child.load()
    except LearnerError as e:
        if e.kind == "not-implemented":
            raise LoadProblem(_("{path} raises NotImplementedError while it is imported, at "
                                "{where}\nOnly the functions should raise it.").format(
                path=path, where=verdicts.where(e.info, path))) from None
        raise LoadProblem(verdicts.import_error(e.info, path)) from None
    missing = [n for n in step.names if _missing(child, n)]
    if missing:
        raise LoadProblem(_("{path} does not define {names}. The checks call "
                            "the names the stub defines: keep them (and their arguments), even when a library "
                            "object now does the work (for example `loss_func = F.cross_entropy`).").format(
            path=path, names=", ".join(f"`{n}`" for n in missing)))
    result.loaded = not (pending & set(step.names))  # rules count once every name is the learner's own
    ref = baseline(step)
    for check in checks:
        result.checks.append(_run_unless_pending(check, child, ref, path, pending))
    if not pending:
        judge_rules_by_what_ran(result, step, child.ran())
    for i, check in enumerate(hidden, 1):  # after the rules: what they run is not the learner's to answer for
        result.hidden.append(_run_unless_pending(check, child, ref, path, pending, f"hidden check {i}"))


def _run_unless_pending(check, child: Child, ref, path: Path, pending: set[str], label: str = "") -> CheckResult:
    if pending & set(check.uses):
        todo = ", ".join(sorted(pending & set(check.uses)))
        return CheckResult(check.id, label or check.name, "property", NOT_STARTED,
                           _("{names}: still a stub").format(names=todo))
    return run_property(check, child, ref, path, label, record=not label)


TAMPERING_RULE = "does-not-reach-into-the-grader"


def judge_rules_by_what_ran(result: StepResult, step: Step, record: dict) -> None:
    """A rule that kata.steps.behaviour can judge from what the code ran is decided by that; the
    source reading stays only to point at a line."""
    from kata.steps import behaviour

    # the record is kept inside the learner's own process: a file that reaches into the interpreter could
    # have rewritten it, so what it says counts for nothing then (README: Trust)
    tampered = next((c for c in result.checks if c.kind == "guard" and c.status == FAILED
                     and c.id.endswith(".rule." + TAMPERING_RULE)), None)
    for c in result.checks:
        if c.kind != "static":
            continue
        verdict = behaviour.judge(c.id.rsplit(".", 1)[-1], record)
        if verdict is None:
            continue
        if tampered:
            c.status = FAILED
            c.message = _("not judged: this rule is decided by what your code ran, and your file reaches into the "
                          "grader (see “{rule}”), so that record cannot be trusted.").format(
                rule=by_id(text_key(tampered.id), tampered.name))
            continue
        held, why = verdict
        # "line 12" (in the learner's language) of the first problem the source reading pointed at
        numbered = re.compile(re.escape(_("line {line}: ")).replace(re.escape("{line}"), r"(\d+)"))
        lines = [_("line {line}: ").format(line=m.group(1)).rstrip(": ")
                 for m in map(numbered.match, c.message.splitlines()) if m]
        if held:
            c.status, c.message = PASSED, ""
        else:
            c.status = FAILED
            c.message = (_("while the checks ran your code, {why} (see {line}).").format(why=_(why), line=lines[0])
                         if lines else _("while the checks ran your code, {why}.").format(why=_(why)))


def _missing(child: Child, name: str) -> bool:
    try:
        child.get(name).type  # noqa: B018  (the answer is read here: is the name there?)
    except LearnerError as e:
        return e.kind == "missing"
    return False


__all__ = ["grade", "grade_all", "reference", "baseline", "run_property", "run_rules", "BROKEN", "FAILED", "MISSING",
           "NOT_STARTED", "PASSED", "SKIPPED"]
