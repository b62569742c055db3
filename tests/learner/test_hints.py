"""`--hint`: the hint ladder of the check that failed first when the step was last graded, one rung
more each time, remembered per check id outside the learner's folder."""
import pytest

from kata import state
from kata.authoring import mutants
from kata.judging.results import FAILED, PASSED, CheckResult, StepResult
from kata.learner import cli
from kata.rendering import report
from kata.steps import mistakes, registry
from tests.conftest import solution_copy

STEP = registry.BY_ID["step04"]


def hint(capfd, target) -> str:
    assert cli.main(["step04", "--hint", "--target", str(target)]) == 0
    return capfd.readouterr().out


def test_never_graded_the_step_climbs_its_first_checks_ladder(capfd, submission):
    sgd = STEP.check("sgd")
    outputs = [hint(capfd, submission) for _ in range(len(sgd.hints) + 1)]
    assert outputs[0].startswith(f"step04.sgd (the step's first check): {sgd.says}\n")
    assert f"hint 1 of 3: {sgd.hints[0]}" in outputs[0] and "hint 2 of 3" not in outputs[0]
    assert "Run it again for hint 2." in outputs[0]
    assert f"hint 1 of 3: {sgd.hints[0]}" in outputs[1] and f"hint 2 of 3: {sgd.hints[1]}" in outputs[1]
    assert "hint 3 of 3" not in outputs[1]
    assert f"hint 3 of 3: {sgd.hints[2]}" in outputs[2] and "That is every hint" in outputs[2]
    assert outputs[3] == outputs[2]
    assert not any(submission.iterdir()), "the hint count lives outside the graded folder"
    assert state.LearnerState(submission).hints_shown("step04.sgd") == 3


def test_after_a_failing_grade_the_hints_are_the_failing_checks(capfd, submission):
    """momentum=0.9 where plain SGD is asked: get_model's check fails first, on the structure; no known
    mistake is named there, so its own ladder is climbed."""
    mutants.find("step04", "momentum").write(submission)
    assert cli.main(["step04", "--target", str(submission)]) == 1
    report_text = capfd.readouterr().out
    record = state.LearnerState(submission)
    assert record.last_failure("step04") == "step04.sgd"
    sgd = STEP.check("sgd")
    assert f"hint: {sgd.hints[0]}" in report_text.replace("\n      ", " ")
    first, second = hint(capfd, submission), hint(capfd, submission)
    assert first.startswith("step04.sgd (it fails in your file as it is now): ")
    # the failing report showed the first rung: --hint goes on from the second, one more each time
    assert "hint 1 of 3" not in first and f"hint 2 of 3: {sgd.hints[1]}" in first
    assert f"hint 3 of 3: {sgd.hints[2]}" in second and "That is every hint" in second
    assert record.hints_shown("step04.sgd") == 2 and record.hints_shown("step04.k-updates") == 0

    solution_copy("step04", submission)  # fixed, not graded yet: the failure of the last grade, said as such
    assert hint(capfd, submission).startswith("step04.sgd (it failed the last time you graded the step;")
    assert cli.main(["step04", "--target", str(submission)]) == 0
    capfd.readouterr()
    assert record.last_failure("step04") is None
    assert hint(capfd, submission).startswith("step04 passes as your file is now: no hint needed.")
    assert record.hints_shown("step04.sgd") == 2  # each check keeps its own rung


def test_a_known_mistake_starts_its_own_ladder(capfd, submission):
    """Gradients never zeroed: the judge names the mistake, and the report's hint and --hint climb its ladder
    (the idea, the API, then the code), not the ladder of the check that caught it."""
    mutants.find("step04", "no-zero-grad").write(submission)
    assert cli.main(["step04", "--target", str(submission)]) == 1
    report_text = " ".join(capfd.readouterr().out.split())
    ladder = mistakes.ladder("grads-not-zeroed")
    assert f"hint: {' '.join(ladder[0].split())}" in report_text
    assert "--hint (2 more for this check)" in report_text
    first, second = hint(capfd, submission), hint(capfd, submission)
    assert first.startswith("step04.k-updates (it fails in your file as it is now): ")
    assert f"hint 2 of 3: {ladder[1]}" in first and f"hint 3 of 3: {ladder[2]}" in second
    assert "opt.zero_grad()" in ladder[2] and "That is every hint" in second
    assert state.LearnerState(submission).hints_shown("mistake.grads-not-zeroed") == 2


def test_each_folder_keeps_its_own_record(capfd, tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir(), two.mkdir()
    hint(capfd, one), hint(capfd, one)
    assert "hint 1 of 3" in (out := hint(capfd, two)) and "hint 2 of 3" not in out
    assert state.LearnerState(one).hints_shown("step04.sgd") == 2
    assert state.LearnerState(one / ".." / "two").hints_shown("step04.sgd") == 1  # one folder, however named


def test_a_recorded_failure_the_step_no_longer_declares_falls_back_to_the_first_check(capfd, submission):
    state.LearnerState(submission).remember_failure("step04", "step04.a-check-since-removed")
    assert hint(capfd, submission).startswith("step04.sgd (the step's first check)")
    state.LearnerState(submission).remember_failure("step04", "step03.k-updates")  # another step's id
    assert hint(capfd, submission).startswith("step04.sgd (the step's first check)")


def test_a_damaged_state_file_does_not_stop_the_hints(capfd, submission):
    state.state_file().parent.mkdir(parents=True, exist_ok=True)
    state.state_file().write_text("{ not json")
    assert "hint 1 of 3" in hint(capfd, submission)
    assert state.LearnerState(submission).hints_shown("step04.sgd") == 1


def _check(local: str, stage: str, status=FAILED, kind="property") -> CheckResult:
    return CheckResult(f"step04.{local}", local, kind, status, "m", stage=stage if status == FAILED else "")


def test_the_first_failure_is_the_earliest_stage_of_a_property_check():
    result = StepResult("step04", "step04_optim", "t", "x", "f")
    result.checks = [_check("rule.uses-sgd", "", kind="static"), _check("k-updates", "update"),
                     _check("sgd", "structure"), _check("one-update", "update")]
    assert report.first_failure(result) == "step04.sgd"
    result.checks = [_check("rule.uses-sgd", "", kind="static"), _check("sgd", "", status=PASSED)]
    assert report.first_failure(result) is None  # a rule's own message is its pointer


@pytest.mark.parametrize("step", registry.STEPS, ids=lambda s: s.id)
def test_every_check_has_a_ladder_of_two_or_three_distinct_hints(step):
    for check in step.checks:
        assert 2 <= len(check.hints) <= 3, check.id
        assert len(set(check.hints)) == len(check.hints) and all(h.strip() for h in check.hints), check.id
    assert not hasattr(step, "hints"), "hints belong to checks, not to steps"
