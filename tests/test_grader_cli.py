"""The grader as a learner and an instructor use it: exit codes, JSON, the board, bad input."""
import json
import os
import subprocess
import sys

import pytest
from conftest import grade, solution_copy

from kata.engine import runner
from kata.engine.results import BROKEN, FAILED, FAILING, PASSED
from kata.learner import cli


def run_grader(*args, cwd=runner.ROOT):
    """The real command, in a fresh interpreter (a few of these only: each imports torch)."""
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | {"KATA_OFFLINE": "1"}
    return subprocess.run([sys.executable, str(runner.ROOT / "grader.py"), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def run_main(capsys, *args):
    code = cli.main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_reference_step_exits_0_from_the_command_line():
    done = run_grader("step04", "--target", "solutions")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "step04 passed" in done.stdout


def test_json_is_valid_and_complete():
    done = run_grader("step04", "--json")
    assert done.returncode == 1
    result = json.loads(done.stdout)
    assert result["step"] == "step04" and result["status"] == "not started"
    assert result["target"].endswith("steps")
    assert {"name", "kind", "status", "message", "counterexample"} <= set(result["checks"][0])
    assert result["counts"]["total"] == len(result["checks"])


def test_untouched_stub_exits_1_and_says_not_started(capsys):
    code, out, _ = run_main(capsys, "step00")
    assert code == 1
    assert "not started" in out and "Traceback" not in out


def test_board_lists_every_step_in_order_and_the_next_one(capsys):
    code, out, _ = run_main(capsys, "--target", "solutions")
    assert code == 0 and "Every step passes" in out
    code, out, _ = run_main(capsys)
    assert code == 1
    positions = [out.index(s.slug) for s in runner.registry.STEPS]
    assert positions == sorted(positions)
    assert "Next: python grader.py step00" in out


def test_board_json_names_the_next_step(capsys, submission):
    solution_copy("step00", submission)
    code, out, _ = run_main(capsys, "--target", str(submission), "--json")
    board = json.loads(out)
    assert code == 1 and board["next"] == "step01"
    assert [s["status"] for s in board["steps"]][:2] == [PASSED, "missing"]


@pytest.mark.parametrize("args, message", [
    (["step99"], "unknown step"),
    (["step04", "--target", "no/such/folder"], "does not exist"),
])
def test_usage_errors_exit_2(capsys, args, message):
    code, _, err = run_main(capsys, *args)
    assert code == cli.USAGE_ERROR and message in err


def test_step_names_are_forgiving(capsys):
    for name in ("4", "04", "step04_optim", "step04_optim.py"):
        assert cli.main([name, "--target", "solutions", "--json"]) == 0
    capsys.readouterr()


# --- a learner's bad input: one clear paragraph, never a traceback ---------------------------------

def test_syntax_error_names_file_and_line(submission):
    path = solution_copy("step03", submission, ("def forward(self, xb):", "def forward(self, xb:"))
    result = grade("step03", submission)
    assert result.status == BROKEN
    assert "Syntax error" in result.problem and str(path) in result.problem
    line = path.read_text().splitlines().index("    def forward(self, xb:") + 1
    assert f"line {line}" in result.problem


def test_import_error_is_explained(submission):
    solution_copy("step04", submission, ("from torch import nn, optim", "from torch import nn, optimizer"))
    result = grade("step04", submission)
    assert result.status == BROKEN and "cannot be imported" in result.problem and "optimizer" in result.problem


def test_missing_name_is_explained(submission):
    solution_copy("step04", submission, ("def get_model(lr=0.5):", "def make_model(lr=0.5):"))
    result = grade("step04", submission)
    assert result.status == BROKEN and "does not define `get_model`" in result.problem


def test_crash_at_import_names_the_line(submission):
    path = solution_copy("step02", submission, ("loss_func = F.cross_entropy\n", "loss_func = F.cross_entropyy\n"))
    result = grade("step02", submission)
    assert result.status == BROKEN and "AttributeError" in result.problem
    assert f"line {path.read_text().splitlines().index('loss_func = F.cross_entropyy') + 1}" in result.problem


def test_exception_in_learner_code_names_the_line_and_the_case(submission):
    path = solution_copy("step05", submission, ("            loss.backward()\n",
                                                "            loss.backward()\n            if len(xb) < bs: raise "
                                                "ValueError('short batch')\n"))
    result = grade("step05", submission)
    failed = [c for c in result.checks if c.status == FAILED]
    assert result.status == FAILING and failed
    line = next(i for i, t in enumerate(path.read_text().splitlines(), 1) if "short batch" in t)
    assert f"line {line}" in failed[0].message and "ValueError: short batch" in failed[0].message
    assert "the last one of" in failed[0].counterexample  # the smallest case with a short last batch


def test_nan_output_is_named(submission):
    solution_copy("step02", submission, ("return xb @ self.weights + self.bias", "return (xb @ self.weights + self.bias) * "
                                         "float('nan')"))
    result = grade("step02", submission)
    forward = next(c for c in result.checks if c.name.startswith("model(xb)"))
    assert forward.status == FAILED and "NaN" in forward.message


def test_wrong_shape_is_named(submission):
    solution_copy("step02", submission, ("return xb @ self.weights + self.bias", "return (xb @ self.weights + self.bias).T"))
    result = grade("step02", submission)
    forward = next(c for c in result.checks if c.name.startswith("model(xb)"))
    assert forward.status == FAILED and "expected shape (1, 10), got (10, 1)" in forward.message


def test_endless_loop_ends_with_a_verdict(submission):
    solution_copy("step05", submission, ("    n = len(train_ds)\n", "    n = len(train_ds)\n    while True:\n        pass\n"))
    result = grade("step05", submission, timeout=2)
    assert result.status == BROKEN and "did not finish within 2 s" in result.problem


def test_importing_the_reference_solution_fails_the_step(submission):
    (submission / "step03_linear.py").write_text(
        "from solutions.step03_linear import Mnist_Logistic, accuracy, fit, loss_func  # noqa\n")
    result = grade("step03", submission)
    guard = next(c for c in result.checks if c.kind == "guard")
    assert result.status == FAILING and guard.status == FAILED and "reference solutions" in guard.message


def test_same_code_same_verdict_and_counterexample(submission):
    from kata.authoring import mutants

    mutants.for_step("step00")[0].write(submission)
    first, second = (grade("step00", submission).to_dict() for _ in range(2))
    first.pop("seconds"), second.pop("seconds")
    assert first == second


def test_grading_never_writes_into_the_graded_folder(submission):
    from kata.authoring import mutants

    for m in (mutants.for_step("step01")[0], mutants.for_step("step06")[0]):
        m.write(submission)
    before = sorted((p.relative_to(submission), p.stat().st_mtime_ns) for p in submission.rglob("*"))
    for step_id in ("step01", "step06"):
        grade(step_id, submission)
    done = run_grader("step06", "--target", str(submission), cwd=submission)
    assert done.returncode == 1
    after = sorted((p.relative_to(submission), p.stat().st_mtime_ns) for p in submission.rglob("*"))
    assert after == before


def test_bad_input_from_the_command_line(submission):
    """A failing step, a syntax error and an endless loop, as a learner runs them."""
    from kata.authoring import mutants

    mutants.for_step("step02")[0].write(submission)
    (submission / "step03_linear.py").write_text("def fit(:\n")
    solution_copy("step05", submission, ("    n = len(train_ds)\n", "    n = len(train_ds)\n    while True:\n        pass\n"))
    failing = run_grader("step02", "--target", str(submission))
    syntax = run_grader("step03", "--target", str(submission))
    hang = run_grader("step05", "--target", str(submission), "--timeout", "3")
    assert failing.returncode == 1 and "✗" in failing.stdout and "smallest counterexample" in failing.stdout
    assert syntax.returncode == 1 and "Syntax error" in syntax.stdout and "line 1" in syntax.stdout
    assert hang.returncode == 1 and "did not finish within 3 s" in " ".join(hang.stdout.split())
    for done in (failing, syntax, hang):
        assert "Traceback" not in done.stdout + done.stderr


def test_sys_exit_in_learner_code_gets_a_verdict(submission):
    solution_copy("step04", submission, ("            opt.step()\n", "            opt.step()\n            exit(3)\n"))
    result = grade("step04", submission)
    crashed = [c for c in result.checks if c.status == FAILED]
    assert crashed and "sys.exit()" in crashed[0].message
    solution_copy("step03", submission, ("loss_func = F.cross_entropy\n", "loss_func = F.cross_entropy\nraise SystemExit\n"))
    assert grade("step03", submission).status == BROKEN
