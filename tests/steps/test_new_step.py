"""Adding a step touches its declaration (with its judges), its solution and its stub, and nothing
else: a throw-away step built in a temporary folder is graded by the real engine as it stands."""
from __future__ import annotations

import importlib
import sys
import textwrap
from pathlib import Path

import pytest

from kata.grading import runner
from kata.judging.results import FAILED, FAILING, NOT_STARTED, PASSED
from kata.rendering import report
from kata.steps import stubs

PACKAGE = "kata_throwaway_step99"

DECLARATION = '''
from kata.steps.declare import Check, Step, Wrong

STEP = Step(
    "step99", "step99_double", "Doubling", replaces="x + x", replaced_by="2 * x", names=("double",),
    checks=(
        Check("doubles", "double(x) = 2 * x for every whole number x", stage="forward", uses=("double",),
              hints=("Doubling is multiplying by two.", "return 2 * x")),
    ),
    wrong=(Wrong("squares", "squares instead of doubling", old="2 * x", new="x * x", catches="doubles"),),
    todos={{"double": "return twice x."}},
    baseline={baseline!r},
    package="{package}",
)
'''

JUDGES = '''
from hypothesis import strategies as st

from kata.judging.compare import Mismatch
from kata.steps.common.base import judge


@judge("doubles", strategy=st.integers(-1000, 1000), edges=(0, 1, 2), max_examples=10)
def doubles(child, ref, x):
    got, expected = child.get("double")(x).value(), ref.double(x)
    if got != expected:
        raise Mismatch(f"double({x})", f"expected {expected}, got {got!r}.")
'''

SOLUTION = '''
"""Step 99 · doubling.

Run it:  python -m solutions.step99_double
"""


def double(x):
    """Twice x."""
    return 2 * x
'''

BASELINE = '''
def double(x):
    return x + x
'''


@pytest.fixture
def new_step(tmp_path, monkeypatch):
    """The step's package (declaration and judges) on a temporary import path, its solution, its stub
    made by the kata's own stub maker, and a baseline module it is graded against."""
    package = tmp_path / "packages" / PACKAGE
    package.mkdir(parents=True)
    baseline = tmp_path / "baseline_double.py"
    baseline.write_text(textwrap.dedent(BASELINE))
    (package / "__init__.py").write_text(textwrap.dedent(DECLARATION).format(baseline=str(baseline), package=PACKAGE))
    (package / "judges.py").write_text(textwrap.dedent(JUDGES))
    for folder in ("solutions", "steps", "wrong"):
        (tmp_path / folder).mkdir()
    (tmp_path / "solutions" / "step99_double.py").write_text(textwrap.dedent(SOLUTION).lstrip())
    monkeypatch.syspath_prepend(str(tmp_path / "packages"))
    monkeypatch.delitem(sys.modules, PACKAGE, raising=False)
    monkeypatch.delitem(sys.modules, f"{PACKAGE}.judges", raising=False)
    step = importlib.import_module(PACKAGE).STEP
    monkeypatch.setattr(stubs, "ROOT", tmp_path)  # the stub maker reads solutions/ under its ROOT
    (tmp_path / "steps" / step.filename).write_text(stubs.make_stub(step))
    yield step, tmp_path
    sys.modules.pop(PACKAGE, None)
    sys.modules.pop(f"{PACKAGE}.judges", None)


def test_the_stub_maker_turns_the_new_solution_into_a_stub(new_step):
    step, root = new_step
    stub = (root / "steps" / step.filename).read_text()
    assert 'raise NotImplementedError("step99_double: double")' in stub and "return 2 * x" not in stub
    assert "# TODO(step99): return twice x." in stub
    assert "Grade it:        python grader.py step99\nRun it:  python -m steps.step99_double" in stub


def test_its_solution_passes(new_step):
    step, root = new_step
    result = runner.grade(step, root / "solutions", timeout=60)
    assert result.status == PASSED, report.step_text(result)
    assert [c.id for c in result.checks][-1] == "step99.doubles"
    assert result.score() == (1, 1)  # its one check (no source rules; the guards are notes)


def test_its_stub_is_not_started(new_step):
    step, root = new_step
    result = runner.grade(step, root / "steps", timeout=60)
    assert result.status == NOT_STARTED, report.step_text(result)
    assert result.score()[0] == 0


def test_its_wrong_version_fails_on_the_check_it_names(new_step):
    step, root = new_step
    wrong = step.wrong[0]
    solution = (root / "solutions" / step.filename).read_text()
    (root / "wrong" / step.filename).write_text(solution.replace(wrong.old, wrong.new))
    result = runner.grade(step, root / "wrong", timeout=60)
    assert result.status == FAILING, report.step_text(result)
    check = next(c for c in result.checks if c.id == f"step99.{wrong.catches}")
    assert check.status == FAILED and check.stage == "forward"
    assert "expected" in check.message and check.hint == "Doubling is multiplying by two."


def test_the_baseline_is_found_by_its_absolute_path(new_step):
    step, root = new_step
    assert Path(step.baseline).is_absolute()
    assert runner.baseline(step).__file__ == str(root / "baseline_double.py")
