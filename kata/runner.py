"""Grade one step of one target folder: static rules, then property checks, one result each.

Everything runs in this process, so torch is imported once per grader run. Hypothesis runs
with a fixed seed per check and no example database: the same code gets the same verdict and
the same counterexample every time, and nothing is written anywhere.
"""
from __future__ import annotations

import contextlib
import hashlib
import signal
import time
from pathlib import Path
from types import ModuleType

import torch
from hypothesis import HealthCheck, Verbosity, example, given, seed, settings

from kata import loading, registry
from kata.checks.base import PropertyCheck, Skip
from kata.compare import Mismatch
from kata.loading import LoadProblem
from kata.registry import Step
from kata.static import pending_names
from kata.results import BROKEN, FAILED, MISSING, NOT_STARTED, PASSED, SKIPPED, CheckResult, StepResult

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
STEPS = ROOT / "steps"
DEFAULT_TIMEOUT = 60.0  # seconds for one step, all checks together


class StepTimeout(BaseException):
    """Raised by the alarm; a BaseException so that neither hypothesis nor learner code catches it."""


class StepOutOfMemory(BaseException):
    """The learner's code ran out of memory: stop the step at once, rather than let hypothesis retry
    (and allocate it all again) while it looks for a smaller example."""


def _out_of_memory(e: BaseException) -> bool:
    return isinstance(e, MemoryError) or (isinstance(e, RuntimeError) and "can't allocate memory" in str(e))


@contextlib.contextmanager
def time_limit(seconds: float | None):
    if not seconds or seconds <= 0 or not hasattr(signal, "setitimer"):
        yield
        return

    def on_alarm(signum, frame):
        raise StepTimeout()

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def float64_default():
    """Equivalence checks run in float64 so that rounding never passes for a real difference."""
    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        yield
    finally:
        torch.set_default_dtype(before)


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


def _stable_seed(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "big")


def _settings(check: PropertyCheck) -> settings:
    return settings(
        max_examples=check.max_examples, database=None, deadline=None, derandomize=False,
        verbosity=Verbosity.quiet, print_blob=False, report_multiple_bugs=False,
        suppress_health_check=list(HealthCheck),
    )


def _advice(e: BaseException) -> str:
    text = str(e)
    if "shape" in text or "size of tensor" in text or "must match the size" in text:
        return ("A shape mismatch: the shapes in the step's docstring say what each tensor should be; "
                "print the shapes on that line to see which one differs.")
    if "leaf Variable that requires grad" in text:
        return "Parameters can only be changed in place under `with torch.no_grad():`."
    if "does not require grad" in text:
        return "backward() needs a loss computed from tensors that require grad, inside the graph."
    if isinstance(e, TypeError) and ("argument" in text or "positional" in text):
        return "Keep the names and arguments of the stub: the checks call them as the docstring says."
    if isinstance(e, AttributeError) and "NoneType" in text:
        return "Something is None here: a function that forgot to return, or a .grad read before backward()."
    return "Read the line above, and the docstring of the function it is in."


def _hint(check: PropertyCheck, step: Step) -> str:
    """A check's hint is its own text, or the index of one of its step's hints."""
    return step.hints[check.hint] if isinstance(check.hint, int) else check.hint


def run_property(check: PropertyCheck, learner: ModuleType, ref: ModuleType | None, path: Path,
                 hint: str = "") -> CheckResult:
    last = {}

    def test(case):
        last["case"] = case
        try:
            check.body(learner, ref, case)
        except Exception as e:
            if _out_of_memory(e):
                raise StepOutOfMemory(loading.describe_exception(e, path)) from None
            raise

    wrapped = given(case=check.strategy)(_settings(check)(test))
    for edge in reversed(check.edges):
        wrapped = example(case=edge)(wrapped)
    wrapped = seed(_stable_seed(check.name))(wrapped)
    result = CheckResult(check.name, "property", PASSED, hint=hint)
    try:
        with float64_default():
            wrapped()
        return result
    except NotImplementedError as e:
        result.status = NOT_STARTED
        result.message = f"still raises NotImplementedError: {loading.describe_exception(e, path)}"
        return result
    except Skip as e:
        result.status = SKIPPED
        result.message = str(e)
        return result
    except Mismatch as e:
        result.message = str(e)
        result.stage = e.stage
    except Exception as e:  # the learner's code crashed: say where and why
        result.message = f"your code raised an exception at {loading.describe_exception(e, path)}\n{_advice(e)}"
        result.stage = "crash"
    except SystemExit as e:  # sys.exit() or exit() in the learner's code must not end the grader
        result.message = (f"your code called sys.exit() at {loading.describe_exception(e, path)}\n"
                          "A step's functions return their results; they never end the program.")
        result.stage = "crash"
    result.status = FAILED
    result.counterexample = str(last.get("case", ""))
    return result


def run_rules(step: Step, tree, pending: set[str]) -> list[CheckResult]:
    results = []
    for rule in step.all_rules:
        kind = "guard" if rule in registry.ALWAYS else "static"
        if pending and kind == "static":
            results.append(CheckResult(rule.name, kind, NOT_STARTED, "read once the TODOs are done"))
            continue
        problems = sorted(rule.find(tree))
        message = "\n".join(f"line {line}: {msg}" if line else msg for line, msg in problems)
        results.append(CheckResult(rule.name, kind, FAILED if problems else PASSED, message))
    return results


def grade(step: Step, target: Path = STEPS, timeout: float | None = DEFAULT_TIMEOUT,
          hidden: tuple[PropertyCheck, ...] = ()) -> StepResult:
    """Grade `target/<step file>` against the reference of the step before it.

    `hidden` checks (an instructor's extra ones) run too, after the step's own, and are reported
    apart in `result.hidden`: they do not change the step's state."""
    path = (target / step.filename).resolve()
    result = StepResult(step.id, step.slug, step.title, str(target), str(path),
                        hint=step.hints[0] if step.hints else "")
    started = time.perf_counter()
    try:
        with time_limit(timeout):
            _grade_into(result, step, path, hidden)
    except StepTimeout:
        result.status = BROKEN
        result.problem = (f"{path} did not finish within {timeout:g} s: an endless loop, or far more work "
                          "than the step needs. Check every loop's stopping condition (epochs, batches).")
    except StepOutOfMemory as e:
        result.status = BROKEN
        result.problem = (f"{path} ran out of memory while it was graded, at {e}\nSomething grows without bound "
                          "(a list or tensor appended to in a loop, or a tensor far larger than the data).")
    except LoadProblem as e:
        result.status = BROKEN
        result.problem = str(e)
    result.seconds = round(time.perf_counter() - started, 3)
    return result.settle()


def _grade_into(result: StepResult, step: Step, path: Path, hidden: tuple[PropertyCheck, ...] = ()) -> None:
    if not path.exists():
        result.status = MISSING
        result.problem = (f"{path} does not exist. Each step is one file named like the stub in steps/ "
                          f"({step.filename}); copy the stub there to start it.")
        return
    _, tree = loading.parse(path)
    pending = pending_names(tree)
    result.untouched = bool(step.todos) and set(step.todos) <= pending
    result.checks = run_rules(step, tree, pending)
    try:
        learner = loading.load(path)
    except NotImplementedError as e:
        raise LoadProblem(f"{path} raises NotImplementedError while it is imported, at "
                          f"{loading.describe_exception(e, path)}\nOnly the functions should raise it.") from None
    missing = [n for n in step.names if not hasattr(learner, n)]
    if missing:
        raise LoadProblem(f"{path} does not define {', '.join(f'`{n}`' for n in missing)}. The checks call "
                          "the names the stub defines: keep them (and their arguments), even when a library "
                          "object now does the work (for example `loss_func = F.cross_entropy`).")
    ref = baseline(step)
    for checks, into in ((step.checks(), result.checks), (hidden, result.hidden)):
        for check in checks:
            if pending & set(check.uses):
                todo = ", ".join(sorted(pending & set(check.uses)))
                into.append(CheckResult(check.name, "property", NOT_STARTED, f"{todo}: still a stub"))
            else:
                into.append(run_property(check, learner, ref, path, _hint(check, step)))

