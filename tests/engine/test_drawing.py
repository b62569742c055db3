"""kata.judging.case_drawing: the cases a check draws do not depend on which kata modules are loaded."""
from __future__ import annotations

import subprocess
import sys

import pytest

DRAW = """
import sys
from hypothesis import given, seed, settings
from kata.judging import case_drawing
from kata.steps import strategies as S
if sys.argv[1] == "all":  # what the server loads: every step's declarations and judges
    from kata.steps import registry
    for step in registry.STEPS:
        step.checks_to_run()
case_drawing.ready()
seen = []
@seed(1234)
@settings(max_examples=40, database=None, deadline=None)
@given(S.runs)
def draw(case):
    seen.append(repr(case))
draw()
print("\\n".join(seen))
"""


@pytest.mark.slow
def test_a_cold_grade_and_the_server_draw_the_same_cases():
    one, every = (subprocess.run([sys.executable, "-c", DRAW, which], capture_output=True, text=True, timeout=120)
                  for which in ("one", "all"))
    assert one.returncode == 0 and every.returncode == 0, one.stderr + every.stderr
    assert one.stdout == every.stdout and one.stdout.count("\n") >= 20


def test_no_local_constants_are_mixed_into_draws():
    providers = pytest.importorskip("hypothesis.internal.conjecture.providers")
    if not hasattr(providers, "_get_local_constants"):
        pytest.skip("this hypothesis mixes no local constants into its draws")
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from kata.judging import case_drawing
    from kata.steps import registry

    for step in registry.STEPS:
        step.checks_to_run()
    given(st.integers(0, 9))(settings(max_examples=3, database=None)(lambda x: None))()  # a draw before ready()
    case_drawing.ready()
    assert len(providers._get_local_constants()) == 0
