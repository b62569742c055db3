"""The learner's loop around grading: hints, diffs, reset, progress and where a step diverged."""
import json

from conftest import grade, solution_copy

from kata.authoring import mutants
from kata.authoring.stubs import make_stub
from kata.engine import report, runner
from kata.learner import cli, state


def run_main(capsys, *args):
    code = cli.main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_hints_are_revealed_one_at_a_time_and_remembered(capsys, submission):
    step = runner.registry.BY_ID["step04"]
    outputs = [run_main(capsys, "step04", "--hint", "--target", str(submission))[1] for _ in range(len(step.hints) + 1)]
    assert "hint 1 of 3" in outputs[0] and "hint 2 of 3" not in outputs[0]
    assert "hint 2 of 3" in outputs[1] and "hint 3 of 3" not in outputs[1]
    assert "That is every hint" in outputs[2] and outputs[3] == outputs[2]
    assert not any(submission.iterdir()), "the hint count lives outside the graded folder"
    assert state.LearnerState(submission).hints_shown("step04") == 3


def test_diff_against_previous_step_and_reference(capsys, submission):
    solution_copy("step03", submission)
    solution_copy("step04", submission, ("opt.zero_grad()\n", "opt.zero_grad()  # mine\n"))
    code, out, _ = run_main(capsys, "step04", "--diff", "--target", str(submission))
    assert code == 0 and "--- " in out and "+++ " in out and "+from torch import nn, optim" in out
    code, out, _ = run_main(capsys, "step04", "--diff", "solutions", "--target", str(submission))
    assert code == 0
    assert "-            opt.zero_grad()" in out and "+            opt.zero_grad()  # mine" in out


def test_diff_needs_the_files(capsys, submission):
    code, _, err = run_main(capsys, "step04", "--diff", "--target", str(submission))
    assert code == cli.USAGE_ERROR and "does not exist" in err
    code, _, err = run_main(capsys, "--diff")
    assert code == cli.USAGE_ERROR and "need a step" in err


def test_reset_restores_the_stub_and_keeps_numbered_backups(capsys, submission):
    step = runner.registry.BY_ID["step02"]
    path = solution_copy("step02", submission)
    mine = path.read_text()
    assert run_main(capsys, "step02", "--reset", "--target", str(submission))[0] == 0
    assert path.read_text() == make_stub(step)
    path.write_text("# second attempt\n")
    run_main(capsys, "step02", "--reset", "--target", str(submission))
    backups = sorted((submission / ".kata-backups").iterdir())
    assert [b.name for b in backups] == ["step02_module.1.py", "step02_module.2.py"]
    assert backups[0].read_text() == mine and backups[1].read_text() == "# second attempt\n"
    code, out, _ = run_main(capsys, "step02", "--reset", "--target", str(submission))
    assert "already the untouched stub" in out and len(list((submission / ".kata-backups").iterdir())) == 2
    assert grade("step02", submission).status == "not started"


def test_first_pass_points_to_the_reference(capsys, submission):
    solution_copy("step03", submission)
    code, out, _ = run_main(capsys, "step03", "--target", str(submission))
    assert code == 0 and "First pass!" in out and "python grader.py step03 --diff solutions" in out
    code, out, _ = run_main(capsys, "step03", "--target", str(submission))
    assert "First pass!" not in out and "--diff solutions" in out


def test_board_shows_progress_and_the_next_step(capsys, submission):
    solution_copy("step00", submission)
    mutants.for_step("step01")[0].write(submission)
    code, out, _ = run_main(capsys, "--target", str(submission))
    total = len(runner.registry.BY_ID["step00"].all_rules) + len(runner.registry.BY_ID["step00"].checks())
    assert f"passed {total}/{total}" in out and "failing " in out and "file missing" in out
    assert "1 of " in out and "Next: python grader.py step01" in out


def test_where_it_diverged_names_the_first_stage(submission):
    (m,) = [m for m in mutants.for_step("step00") if m.name == "log-softmax-no-unsqueeze"]
    m.write(submission)
    text = report.step_text(grade("step00", submission))
    assert "Where it diverged: the forward output" in text


def test_fit_mismatch_says_at_which_update_it_parts(submission):
    (m,) = [m for m in mutants.for_step("step04") if m.name == "no-zero-grad"]
    m.write(submission)
    result = grade("step04", submission)
    failed = next(c for c in result.checks if c.status == "failed")
    assert failed.stage == "update"
    assert "They part at update 2 of 3 (batch 2, rows 10..19)" in failed.message


def test_plain_output_when_piped_or_no_color(capsys, monkeypatch, submission):
    monkeypatch.setenv("NO_COLOR", "1")
    mutants.for_step("step00")[0].write(submission)
    _, out, _ = run_main(capsys, "step00", "--target", str(submission))
    assert "\x1b[" not in out and "✗" in out
    _, out, _ = run_main(capsys, "step00", "--target", str(submission), "--json")
    assert json.loads(out)["status"] == "failing"
