"""Every step, from its declaration: the reference solution passes, the untouched stub reads "not
started" and scores 0, and every wrong version fails on the check it names, with a message.

Grading goes through kata.authoring.selfcheck's cached grade_* functions (the code behind
`grader.py --check`), so nothing is graded twice in one test process. Then what some steps claim
beyond their wrong versions.
"""
from __future__ import annotations

import re

import pytest
import torch

from kata.authoring import mutants, selfcheck
from kata.child import loading, zygote_supply
from kata.grading import runner
from kata.judging.results import FAILED, FAILING, NOT_STARTED, PASSED, SKIPPED, STAGES
from kata.paths import BASELINES, SOLUTIONS
from kata.rendering import report
from kata.steps import registry
from tests.conftest import grade, solution_copy

STEPS = registry.STEPS
WRONG = [(step, wrong) for step in STEPS for wrong in step.wrong]


@pytest.fixture(scope="module", autouse=True)
def warm_zygote():
    """Start the zygote with everything any step imports lazily (torch._dynamo) before the first grade: a
    zygote started by a grade of step00 would leave every later optimizer-building child to import it."""
    zygote_supply.start()


def declared_ids(step) -> list[str]:
    return [f"{step.id}.rule.{r.id}" for r in step.all_rules] + [f"{step.id}.{c.id}" for c in step.checks]


def scored(step) -> int:
    """What a step is scored on: its source rules and checks (the guards every step carries are notes)."""
    return len(step.rules) + len(step.checks)


@pytest.mark.parametrize("step", STEPS, ids=lambda s: s.id)
def test_reference_solution_passes_every_check(step):
    result = selfcheck.grade_solution(step.id)
    assert result.status == PASSED, report.step_text(result)
    assert [c.id for c in result.checks] == declared_ids(step)
    # a check that cannot run here (step12's GPU run on a machine without one) is skipped, with its reason
    assert all(c.status == PASSED or (c.status == SKIPPED and c.message) for c in result.checks)
    assert result.score() == (scored(step) - result.count(SKIPPED),) * 2


@pytest.mark.parametrize("step", STEPS, ids=lambda s: s.id)
def test_untouched_stub_reads_not_started_and_scores_nothing(step):
    result = selfcheck.grade_stub(step.id)
    text = report.step_text(result)
    assert result.status == NOT_STARTED, text
    assert result.score() == (0, scored(step))
    assert not any(c.status == FAILED for c in result.checks), text
    assert any(c.status == NOT_STARTED and c.kind == "property" for c in result.checks)
    assert "Traceback" not in text and "not started" in text


@pytest.mark.parametrize("step, wrong", WRONG, ids=[f"{s.id}-{w.name}" for s, w in WRONG])
def test_wrong_version_is_caught_by_the_check_it_names(step, wrong):
    result = selfcheck.grade_mutant(mutants.find(step.id, wrong.name))
    text = report.step_text(result)
    assert result.status == FAILING, text
    check = next((c for c in result.checks if c.id == f"{step.id}.{wrong.catches}"), None)
    assert check is not None and check.status == FAILED, f"{step.id}.{wrong.catches} did not fail:\n{text}"
    assert check.message and "Traceback" not in check.message
    said = "\n".join([check.message] + [note["message"] for note in result.advisories])
    assert wrong.says in said, f"the message does not say {wrong.says!r}:\n{said}"
    if check.kind == "property":
        assert check.stage in STAGES, "a property failure says where the values part"
    assert check.name in text
    earned, most = result.score()
    assert earned < most


# --- beyond the wrong versions ------------------------------------------------------------------------

def test_the_gpu_check_runs_on_a_gpu_and_says_why_not_elsewhere():
    result = selfcheck.grade_solution("step12")
    gpu = next(c for c in result.checks if c.id == "step12.gpu-fit")
    if torch.cuda.is_available():
        assert gpu.status == PASSED
    else:
        assert gpu.status == SKIPPED and "torch.cuda.is_available() is False" in gpu.message
        assert result.score()[1] == scored(registry.BY_ID["step12"]) - 1  # neither earned nor lost


def test_the_gpu_checks_comparison_catches_a_changed_update_on_the_cpu(submission):
    """gpu-fit and cpu-fit share their comparison; on the CPU a changed momentum is caught after fit."""
    solution_copy("step12", submission, ("lr=lr, momentum=0.9)", "lr=lr, momentum=0.5)"))
    result = grade("step12", submission)
    fit = next(c for c in result.checks if c.id == "step12.cpu-fit")
    assert fit.status == FAILED and fit.stage == "update", report.step_text(result)
    assert "after fit" in fit.message


def test_the_tutorials_numpy_validation_loss_is_a_fair_step08_answer(submission):
    """A right answer the reference does not spell out passes: numpy imports in the child."""
    path = solution_copy("step08", submission, (
        "val_loss = sum(loss * n for loss, n in zip(batch_losses, sizes)) / sum(sizes)",
        "val_loss = np.sum(np.multiply(batch_losses, sizes)) / np.sum(sizes)"))
    path.write_text("import numpy as np\n" + path.read_text())
    result = grade("step08", submission)
    assert result.status == PASSED, report.step_text(result)


def test_a_cnn_that_draws_other_initial_weights_is_given_the_hand_written_ones(submission):
    """The judge sends only the weights the learner's CNN does not hold already (by digest): one built
    after other random draws holds none of them, and still passes with the hand-written ones."""
    solution_copy("step14", submission, (
        "        super().__init__()\n        self.conv1",
        "        super().__init__()\n        torch.rand(3)  # other initial weights\n        self.conv1"))
    result = grade("step14", submission)
    assert result.status == PASSED, report.step_text(result)


def test_companion_steps_are_graded_against_their_baselines():
    for step_id, baseline in (("step13", "step13_handwritten"), ("step14", "step14_printing"),
                              ("step15", "step15_handwritten")):
        step = registry.BY_ID[step_id]
        assert runner.baseline(step).__file__ == str(BASELINES / f"{baseline}.py")
    step04 = registry.BY_ID["step04"]
    assert runner.baseline(step04).__file__ == str(SOLUTIONS / "step03_linear.py")


def test_the_step13_reference_walks_the_graph_by_first_inputs():
    """grad_fn_chain has no check (it is read, not graded): the reference must do what its docstring says."""
    step14 = loading.load(SOLUTIONS / "step14_hooks.py")
    model = step14.CNN()
    loss = torch.nn.functional.cross_entropy(model(torch.randn(1, 1, 28, 28)), torch.tensor([0]))
    assert step14.grad_fn_chain(loss) == ["NllLossBackward0", "LogSoftmaxBackward0", "AddmmBackward0",
                                          "AccumulateGrad"]


def test_the_step14_reference_learns_the_made_up_prices(capsys):
    """`python -m solutions.step15_regression` fits the line the data were made with (3 * area + 0.5)."""
    loading.load(SOLUTIONS / "step15_regression.py").main()
    out = capsys.readouterr().out
    start, end = (float(v) for v in re.findall(r"loss (\S+) at the start, (\S+) after 300 epochs", out)[0])
    slope, intercept = (float(v) for v in re.findall(r"price = (\S+) \* area \+ (\S+)", out)[0])
    assert end < start / 10 and abs(slope - 3) < 0.5 and abs(intercept - 0.5) < 0.5
