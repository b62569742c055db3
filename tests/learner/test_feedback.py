"""The learner's loop around grading: diffs, reset, the first pass, progress, and where a step diverged."""
import json
import subprocess

import pytest

from kata import paths, state
from kata.authoring import mutants, selfcheck
from kata.judging.results import FAILED, MISSING, NOT_STARTED, PASSED, CheckResult, StepResult
from kata.learner import cli
from kata.rendering import report
from kata.steps import registry
from kata.steps.stubs import make_stub
from tests.conftest import grade, solution_copy

STEP01 = registry.BY_ID["step01"]
NO_ZERO_GRAD = mutants.find("step04", "no-zero-grad")  # gradients pile up: parts at the second update


@pytest.fixture(autouse=True)
def no_columns(monkeypatch):
    """Output as a pipe gets it (never wrapped), whatever the shell running the tests exports."""
    monkeypatch.delenv("COLUMNS", raising=False)


def run_main(capfd, *args):
    code = cli.main(list(args))
    out = capfd.readouterr()
    return code, out.out, out.err


# --- --diff -----------------------------------------------------------------------------------------

def test_diff_against_the_learners_previous_step_and_the_reference(capfd, submission):
    solution_copy("step03", submission)
    solution_copy("step04", submission, ("opt.zero_grad()\n", "opt.zero_grad()  # mine\n"))
    code, out, _ = run_main(capfd, "step04", "--diff", "--target", str(submission))
    assert code == 0
    assert f"--- {submission / 'step03_linear.py'}" in out and f"+++ {submission / 'step04_optim.py'}" in out
    assert "+from torch import nn, optim" in out and "+            opt.zero_grad()  # mine" in out
    code, out, _ = run_main(capfd, "step04", "--diff", "solutions", "--target", str(submission))
    assert code == 0 and f"--- {paths.SOLUTIONS / 'step04_optim.py'}" in out
    assert "-            opt.zero_grad()" in out and "+            opt.zero_grad()  # mine" in out
    assert "+from torch import nn, optim" not in out  # only what differs from the reference


def test_diff_of_identical_files_says_so(capfd, submission):
    solution_copy("step04", submission)
    code, out, _ = run_main(capfd, "step04", "--diff", "solutions", "--target", str(submission))
    assert code == 0 and "are the same" in out and "+++" not in out


def test_diff_needs_both_files_and_a_previous_step(capfd, submission):
    code, _, err = run_main(capfd, "step04", "--diff", "--target", str(submission))
    assert code == cli.USAGE_ERROR and f"{submission / 'step04_optim.py'} does not exist" in err
    solution_copy("step04", submission)
    code, _, err = run_main(capfd, "step04", "--diff", "--target", str(submission))
    assert code == cli.USAGE_ERROR and f"{submission / 'step03_linear.py'} does not exist" in err
    solution_copy("step00", submission)
    solution_copy("step13", submission)  # compared with a hand-written baseline, not with step12
    for step in ("step00", "step13"):
        code, _, err = run_main(capfd, step, "--diff", "--target", str(submission))
        assert code == cli.USAGE_ERROR and "no previous step" in err and "--diff solutions" in err


# --- --reset ----------------------------------------------------------------------------------------

def test_reset_restores_the_stub_and_keeps_numbered_backups(capfd, submission):
    step = registry.BY_ID["step02"]
    path = solution_copy("step02", submission)
    mine = path.read_text()
    code, out, _ = run_main(capfd, "step02", "--reset", "--target", str(submission))
    assert code == 0 and path.read_text() == make_stub(step)
    assert str(submission / ".kata-backups" / "step02_module.1.py") in out
    restore = next(line.split("To put it back: ", 1)[1] for line in out.splitlines() if "To put it back: " in line)
    subprocess.run(restore, shell=True, check=True)  # the command it says puts the learner's version back
    assert path.read_text() == mine
    run_main(capfd, "step02", "--reset", "--target", str(submission))
    (submission / ".kata-backups" / "step02_module.2.py").unlink()  # that reset backed up the same file again
    path.write_text("# second attempt\n")
    run_main(capfd, "step02", "--reset", "--target", str(submission))
    backups = sorted((submission / ".kata-backups").iterdir())
    assert [b.name for b in backups] == ["step02_module.1.py", "step02_module.2.py"]
    assert backups[0].read_text() == mine and backups[1].read_text() == "# second attempt\n"
    code, out, _ = run_main(capfd, "step02", "--reset", "--target", str(submission))
    assert code == 0 and "already the untouched stub" in out
    assert len(list((submission / ".kata-backups").iterdir())) == 2
    assert grade("step02", submission).status == NOT_STARTED


def test_reset_of_a_missing_file_writes_the_stub_and_backs_up_nothing(capfd, submission):
    code, out, _ = run_main(capfd, "step05", "--reset", "--target", str(submission))
    assert code == 0 and (submission / "step05_dataset.py").read_text() == make_stub(registry.BY_ID["step05"])
    assert "kept in" not in out and not (submission / ".kata-backups").exists()


# --- the first pass, progress, the board --------------------------------------------------------------

def test_the_first_pass_points_to_the_reference_once(capfd, submission):
    solution_copy("step04", submission)
    code, out, _ = run_main(capfd, "step04", "--target", str(submission))
    assert code == 0 and "step04 passed" in out
    assert "First pass!" in out and "python grader.py step04 --diff solutions" in out
    # the recap, from the step's declaration: what it replaced by what, seeing it learn, the next step
    assert "Step 04 · optim: torch.optim.SGD replaces `p -= p.grad * lr` and the manual zeroing." in out
    assert "See it learn: python grader.py step04 --train --plot step04.png" in out
    assert "In the lessons: “What is torch.nn really?”: Refactor using torch.optim." in " ".join(out.split())
    assert "Next: python grader.py step05 (TensorDataset)" in out
    assert state.LearnerState(submission).passed() == {"step04"}
    code, out, _ = run_main(capfd, "step04", "--target", str(submission))
    assert code == 0 and "First pass!" not in out and "--diff solutions" in out and "See it learn" not in out


def test_the_last_step_closes_the_kata():
    from kata.judging.results import StepResult

    last = registry.STEPS[-1]
    text = report.step_text(StepResult(last.id, last.slug, last.title, "steps", f"steps/{last.filename}",
                                       status=PASSED), first_pass=True)
    assert "That was the last step:" in text and "Next:" not in text


def test_the_board_shows_progress_and_the_next_step(capfd, monkeypatch, submission):
    monkeypatch.delenv("COLUMNS", raising=False)  # piped: no line is wrapped, whatever the terminal is
    results = [selfcheck.grade_solution("step00"), selfcheck.grade_mutant(mutants.find("step01", "loss-sum"))]
    results += [grade(s.id, submission) for s in registry.STEPS[2:]]
    assert cli.show_board(results, str(submission), False) == 1
    out = capfd.readouterr().out
    step00, step01 = results[0], results[1]
    total = len(registry.BY_ID["step00"].rules) + len(registry.BY_ID["step00"].checks)
    assert f"passed {total}/{total}" in out
    earned, most = step01.score()  # the board counts what the step scores
    assert f"failing {earned}/{most}" in out and 0 < earned < most == len(STEP01.rules) + len(STEP01.checks)
    assert out.count("file missing") == len(registry.STEPS) - 2 and all(r.status == MISSING for r in results[2:])
    both = sum(n for r in results for n in r.score()[:1])
    assert f"1 of {len(registry.STEPS)} steps passed; {both} of " in out and "Next: python grader.py step01" in out
    assert step00.status == PASSED
    # what each step replaces, under its title; where the next hint and train mode are
    assert "F.cross_entropy replaces log_softmax + nll." in out
    assert "Stuck on step01? python grader.py step01 --hint gives one more hint each time." in out
    assert "See step00 learn on MNIST: python grader.py step00 --train --plot step00.png" in out


# --- where a failing step parts from the reference ---------------------------------------------------

def test_where_it_diverged_names_the_earliest_stage(submission):
    text = report.step_text(selfcheck.grade_mutant(NO_ZERO_GRAD))
    assert ("Where it diverged: the parameters after the update, first seen by “k updates over several "
            "batches and epochs ≈ step03's; gradients do not pile up”.") in text
    # several failures: the earliest stage in the order values flow wins, whatever the order of the checks
    result = StepResult("step00", "step00_scratch", "t", "x", "f")
    result.checks = [_failed("step00.fit", "fit", "update"), _failed("step00.nll", "nll", "loss"),
                     _failed("step00.rule.r", "rule", "")]
    assert "Where it diverged: the loss, first seen by “nll”." in report.step_text(result.settle())


def _failed(check_id, name, stage):
    return CheckResult(check_id, name, "static" if not stage else "property", FAILED, "wrong", stage=stage)


def test_a_fit_mismatch_says_at_which_update_it_parts():
    result = selfcheck.grade_mutant(NO_ZERO_GRAD)
    failed = next(c for c in result.checks if c.status == FAILED)
    assert failed.id == "step04.k-updates" and failed.stage == "update"
    assert "They part at update 2 of 3 (batch 2, rows 10..19)" in failed.message
    assert failed.counterexample.startswith("n=23 rows, bs=10 (3 batches, the last one of 3)")
    assert failed.hint == registry.BY_ID["step04"].check("k-updates").hints[0]


def test_output_is_plain_when_piped_and_json_is_plain_json(capfd, monkeypatch, submission):
    monkeypatch.setenv("NO_COLOR", "1")
    NO_ZERO_GRAD.write(submission)
    code, out, _ = run_main(capfd, "step04", "--target", str(submission))
    assert code == 1 and "\x1b[" not in out and "✗ k updates" in out
    code, out, _ = run_main(capfd, "step04", "--target", str(submission), "--json")
    assert code == 1 and json.loads(out)["status"] == "failing"


def test_what_the_code_printed_is_shown_when_a_step_fails_and_capped():
    result = StepResult("step04", "step04_optim", "torch.optim", "x", "f", status=FAILED, output="".join(
        f"line {i}\n" for i in range(1, 21)))
    result.checks = [_failed("step04.sgd", "sgd", "structure")]
    text = report.step_text(result.settle())
    assert "your code printed this while the checks ran it on their own made-up data" in text
    assert "    line 4\n" in text and "line 5\n" not in text  # folded to its first lines
    assert "… (16 more lines: --verbose shows them)" in text
    verbose = report.step_text(result.settle(), verbose=True)
    assert "    line 20\n" in verbose and "more lines" not in verbose
    result.checks[0].status = PASSED
    assert "your code printed" not in report.step_text(result.settle())


def test_tolerances_and_the_comparison_are_said_only_under_verbose(capfd, monkeypatch, submission):
    """A beginner reads how many values differ; --verbose adds the tolerances and the comparison's name."""
    monkeypatch.delenv("COLUMNS", raising=False)  # piped: not wrapped
    NO_ZERO_GRAD.write(submission)
    code, out, _ = run_main(capfd, "step04", "--target", str(submission))
    assert code == 1 and "7840 of 7840 values differ by more than rounding error." in out
    assert "atol" not in out and "assert_close" not in out
    code, out, _ = run_main(capfd, "step04", "--target", str(submission), "--verbose")  # the recorded verdict
    assert code == 1 and "How values are compared: as torch.testing.assert_close compares them" in out
    assert "atol 1e-07 and rtol 1e-07 for float64" in out


def test_a_crash_every_check_meets_is_told_once(submission):
    """step02 without super().__init__(): every check meets the same AttributeError; the report gives
    its paragraph once, and the other checks point to it."""
    solution_copy("step02", submission, ("        super().__init__()\n", ""))
    result = grade("step02", submission)
    crashed = [c for c in result.checks if c.status == FAILED and c.stage == "crash"]
    assert len(crashed) >= 2 and len({c.message for c in crashed}) == 1
    text = report.step_text(result)
    first = crashed[0].message.splitlines()[0]
    assert text.count(first.strip()[:60]) == 1, text
    assert text.count("the same error as above.") == len(crashed) - 1
    # the hint is the crash's, not the first check's (about registered parameters, which it never reached)
    assert "hint: nn.Module sets itself up in its own __init__: call super().__init__() first" in text
    assert "Only attributes wrapped in nn.Parameter" not in text


def test_diff_against_the_reference_shows_code_not_the_docstrings_the_stub_wrote(capfd, submission):
    """A finished stub keeps the stub's docstrings: against the reference, only the code differs."""
    from kata.rendering import diffs

    step = registry.BY_ID["step04"]
    reference = (paths.SOLUTIONS / step.filename).read_text()
    # the learner's finished file: the reference's code under other docstrings (the stub's words)
    (submission / step.filename).write_text('"""The stub\'s words, not the reference\'s."""\n'
                                            + "\n".join(diffs.code_lines(reference)) + "\n")
    code, out, _ = run_main(capfd, "step04", "--diff", "solutions", "--target", str(submission))
    assert code == 0 and "are the same" in out, out


def test_a_missing_dimension_and_what_follows_from_it_are_told_as_they_are():
    """step10's preprocess forgets the channel: the shape check says a dimension of size 1 is missing, and
    the crashes it causes later (in torch, on what the model returned) show no line that is not there and
    say they may only follow from that first failure."""
    text = report.step_text(selfcheck.grade_mutant(mutants.find("step10", "preprocess-no-channel")))
    assert "a dimension of size 1 missing" in text
    assert "another layout" not in text.split("preprocess(xb): expected shape")[1].splitlines()[0]
    assert "exception at ValueError" not in text and "so there is no line of yours to show: ValueError" in text
    assert "print the shapes on that line" not in text.split("no line of yours to show")[1].splitlines()[1]
    assert text.count("this may only follow from the first failure above") >= 1


def test_a_crash_on_a_line_the_stub_gave_points_to_what_the_learner_wrote(submission):
    """step10's preprocess forgets the channel: the crash surfaces in loss_batch's given line, which is said to
    be the stub's own code, so the learner looks at what it uses (their preprocess), not at that line. A crash
    on a line the learner wrote (step04's update, a TODO) says no such thing."""
    result = selfcheck.grade_mutant(mutants.find("step10", "preprocess-no-channel"))
    fit = next(c for c in result.checks if c.id == "step10.fit")
    assert fit.stage == "crash" and "Line 81 is code the stub gave you, unchanged" in fit.message
    solution_copy("step04", submission, ("            opt.step()\n", "            opt.stepp()\n"))
    crashed = [c for c in grade("step04", submission).checks if c.stage == "crash"]
    assert crashed and not any("the stub gave you" in c.message for c in crashed)
