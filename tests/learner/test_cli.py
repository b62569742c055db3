"""The grader as a learner and an instructor run it: exit codes, JSON, the board, step names, bad input.

Most runs call `cli.main` in this process (capfd: what it writes to stdout, as a pipe would get it);
the real command in a fresh interpreter costs seconds, so only what needs one runs that way.
"""
import json
import os
import subprocess
import sys

import pytest

from kata import paths
from kata.authoring import mutants, selfcheck
from kata.judging.results import BROKEN, FAILED, FAILING, MISSING, NOT_STARTED, PASSED, CheckResult, StepResult
from kata.learner import cli
from kata.steps import registry
from tests.conftest import grade, solution_copy

LOOP_IN_FIT = ("    n = len(train_ds)\n", "    n = len(train_ds)\n    while True:\n        pass\n")


@pytest.fixture(autouse=True)
def no_columns(monkeypatch):
    """Output as a pipe gets it, whatever the shell running the tests exports."""
    monkeypatch.delenv("COLUMNS", raising=False)


def command_env() -> dict:
    """A learner's shell (no colour setting, no $COLUMNS), offline, without the warm server, and with
    this test's own state folder."""
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLUMNS", "FORCE_COLOR")}
    return env | {"KATA_OFFLINE": "1", "KATA_SERVER": "off"}


def run_grader(*args, cwd=paths.ROOT):
    """The real command, in a fresh interpreter, its output piped."""
    return subprocess.run([sys.executable, str(paths.ROOT / "grader.py"), *args], cwd=cwd, env=command_env(),
                          capture_output=True, text=True, timeout=300)


def run_main(capfd, *args):
    code = cli.main(list(args))
    out = capfd.readouterr()
    return code, out.out, out.err


def snapshot(folder):
    return sorted((str(p.relative_to(folder)), p.stat().st_mtime_ns, p.read_bytes() if p.is_file() else b"")
                  for p in folder.rglob("*"))


# --- the real command ------------------------------------------------------------------------------

@pytest.mark.slow
def test_json_is_only_json_even_when_the_learners_code_prints(submission):
    """--json from the real command: stdout is one JSON document, whatever the learner's code prints
    (at import and inside fit); what it printed is in the result; nothing is written in the folder,
    even with the folder as the working directory."""
    solution_copy("step04", submission, ("loss_func = F.cross_entropy\n",
                                         "loss_func = F.cross_entropy\nprint('LOUD at import')\n"))
    text = (submission / "step04_optim.py").read_text()
    text = text.replace("    n = x_train.shape[0]\n", "    n = x_train.shape[0]\n    print('LOUD in fit', n)\n", 1)
    assert "LOUD in fit" in text
    (submission / "step04_optim.py").write_text(text)
    before = snapshot(submission)
    done = run_grader("step04", "--json", "--target", ".", cwd=submission)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
    result = json.loads(done.stdout)  # the whole of stdout, nothing before or after it
    assert result["step"] == "step04" and result["status"] == PASSED
    assert result["target"] == str(submission.resolve())
    assert "LOUD at import" in result["output"] and "LOUD in fit" in result["output"]
    assert "LOUD" not in done.stderr and "Traceback" not in done.stderr
    check = result["checks"][0]
    assert {"id", "name", "kind", "status", "message", "counterexample", "hint", "stage"} <= set(check)
    assert [c["id"] for c in result["checks"]][-3:] == ["step04.sgd", "step04.one-update", "step04.k-updates"]
    assert result["counts"]["total"] == len(result["checks"]) == result["counts"][PASSED]
    assert (result["score"], result["max_score"]) == (5, 5)
    assert snapshot(submission) == before, "grading wrote into the graded folder"


@pytest.mark.slow
def test_the_real_command_ends_as_a_normal_exit_would(submission):
    """grader.py skips the interpreter's teardown (a tenth of `import torch`): its output is still
    whole, its exit status right, and its atexit work done (no scratch folder left behind)."""
    solution_copy("step01", submission)
    done = run_grader("step01", "--target", str(submission))
    assert done.returncode == 0, done.stderr
    assert "9 passed, 0 failed, 0 not started · step01 passed" in done.stdout
    assert done.stdout.endswith("\n") and done.stderr == ""
    (submission / "step01_functional.py").write_text("")
    assert run_grader("step01", "--target", str(submission)).returncode == 1
    scratch = paths.state_dir() / "scratch"
    assert not scratch.exists() or not any(scratch.iterdir()), "a scratch folder was left behind"


def test_hint_diff_and_reset_never_import_torch(submission):
    """Commands that grade nothing answer at once: no torch (nor hypothesis) in the process."""
    solution_copy("step03", submission)
    solution_copy("step04", submission)
    program = (
        "import sys\n"
        "from kata.learner import cli\n"
        f"target = {str(submission)!r}\n"
        "for args in (['--hint'], ['--diff'], ['--diff', 'solutions'], ['--reset']):\n"
        "    code = cli.main(['step04', *args, '--target', target])\n"
        "    heavy = [m for m in ('torch', 'hypothesis') if m in sys.modules]\n"
        "    print('RESULT', ' '.join(args), code, heavy, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", program], cwd=paths.ROOT, env=command_env(), capture_output=True,
                          text=True, timeout=120)
    results = [line for line in done.stderr.splitlines() if line.startswith("RESULT")]
    assert results == ["RESULT --hint 0 []", "RESULT --diff 0 []", "RESULT --diff solutions 0 []",
                       "RESULT --reset 0 []"], done.stderr
    assert "hint 1 of 3" in done.stdout and "is the stub again" in done.stdout


# --- which step, which folder ----------------------------------------------------------------------

@pytest.mark.parametrize("name", ["step4", "4", "step04_optim", "steps/step04_optim.py"])
def test_every_way_of_naming_a_step_grades_it(capfd, name):
    code, out, _ = run_main(capfd, name, "--json")
    result = json.loads(out)
    assert code == 1 and result["step"] == "step04" and result["status"] == NOT_STARTED
    assert result["file"] == str(paths.STEPS / "step04_optim.py")


@pytest.mark.parametrize("args, message", [
    (["step99"], "unknown step 'step99'"),
    (["step04x"], "unknown step 'step04x'"),
    (["step04", "--target", "no/such/folder"], "does not exist"),
    (["--hint"], "need a step"),
    (["--diff"], "need a step"),
    (["--reset"], "need a step"),
])
def test_usage_errors_exit_2_with_one_sentence(capfd, args, message):
    code, out, err = run_main(capfd, *args)
    assert code == cli.USAGE_ERROR and message in err and out == ""
    assert err.startswith("grader.py: ") and "Traceback" not in err


def test_untouched_stub_exits_1_and_says_not_started(capfd):
    code, out, _ = run_main(capfd, "step00")
    assert code == 1
    assert "step00 not started" in out and "Traceback" not in out


def test_board_of_the_stubs_lists_every_step_in_order_and_the_next_one(capfd):
    code, out, _ = run_main(capfd)
    assert code == 1
    positions = [out.index(s.slug) for s in registry.STEPS]
    assert positions == sorted(positions)
    most = sum(len(s.rules) + len(s.checks) for s in registry.STEPS)
    assert f"0 of {len(registry.STEPS)} steps passed; 0 of {most} checks." in out
    assert "Next: python grader.py step00" in out and "--hint" not in out and "--train" not in out


def test_board_json_names_the_next_step(capfd, submission):
    """step00 passes, step01 fails, the rest are missing (graded results shared with the self-check)."""
    results = [selfcheck.grade_solution("step00"), selfcheck.grade_mutant(mutants.find("step01", "loss-sum"))]
    results += [grade(s.id, submission) for s in registry.STEPS[2:]]
    assert cli.show_board(results, str(submission), True) == 1
    board = json.loads(capfd.readouterr().out)
    assert board["next"] == "step01" and board["target"] == str(submission)
    assert [s["step"] for s in board["steps"]] == list(registry.ORDER)
    assert [s["status"] for s in board["steps"]][:3] == [PASSED, FAILING, MISSING]


def _passed(step, status=PASSED) -> StepResult:
    return StepResult(step.id, step.slug, step.title, "t", step.filename, status=status,
                      checks=[CheckResult(f"{step.id}.x", "x", "property", PASSED)])


def test_the_board_exits_0_only_when_every_step_passes(capfd):
    every = [_passed(s) for s in registry.STEPS]
    assert cli.show_board(every, "t", False) == 0
    assert "Every step passes" in capfd.readouterr().out
    one_short = every[:-1] + [_passed(registry.STEPS[-1], FAILING)]
    assert cli.show_board(one_short, "t", False) == 1
    assert f"Next: python grader.py {registry.STEPS[-1].id}" in capfd.readouterr().out


# --- a learner's bad input: one clear paragraph, never a traceback ---------------------------------

def test_a_syntax_error_names_the_file_and_the_line(submission):
    path = solution_copy("step03", submission, ("def forward(self, xb):", "def forward(self, xb:"))
    result = grade("step03", submission)
    assert result.status == BROKEN and result.score() == (0, 7)
    line = path.read_text().splitlines().index("    def forward(self, xb:") + 1
    assert f"Syntax error in {path}, line {line}" in result.problem


def test_piped_output_is_not_wrapped_whatever_the_path(capfd, monkeypatch, tmp_path):
    """The paragraph for a syntax error keeps "<path>, line 1" on one line, however long the path:
    output to a pipe is never hard-wrapped (the old test broke when the temporary path was long)."""
    monkeypatch.delenv("COLUMNS", raising=False)
    folder = tmp_path.joinpath(*["a-rather-long-folder-name"] * 6)
    folder.mkdir(parents=True)
    path = folder / "step03_linear.py"
    path.write_text("def fit(:\n")
    assert len(f"    Syntax error in {path}, line 1") > 120  # far wider than any terminal default
    code, out, _ = run_main(capfd, "step03", "--target", str(folder))
    assert code == 1
    said = [line for line in out.splitlines() if "Syntax error" in line]
    assert len(said) == 1 and said[0].startswith(f"    Syntax error in {path}, line 1: "), out
    assert "Traceback" not in out


def test_columns_wraps_prose_but_never_a_path(capfd, monkeypatch, tmp_path):
    monkeypatch.setenv("COLUMNS", "60")
    folder = tmp_path.joinpath(*["a-rather-long-folder-name"] * 3)
    folder.mkdir(parents=True)
    path = folder / "step03_linear.py"
    path.write_text("def fit(:\n")
    code, out, _ = run_main(capfd, "step03", "--target", str(folder))
    lines = out.splitlines()
    assert code == 1 and str(path) + "," in out.split()  # the path is one word, whole
    prose = [line for line in lines if str(path) not in line and not line.startswith("        ")]
    assert all(len(line) <= 60 for line in prose), prose
    assert max(len(line) for line in lines) > 60  # ... and it did need wrapping


def test_an_import_error_is_explained(submission):
    solution_copy("step04", submission, ("from torch import nn, optim", "from torch import nn, optimizer"))
    result = grade("step04", submission)
    assert result.status == BROKEN and "cannot be imported" in result.problem and "optimizer" in result.problem


def test_a_missing_name_is_explained(submission):
    solution_copy("step04", submission, ("def get_model(lr=0.5):", "def make_model(lr=0.5):"))
    result = grade("step04", submission)
    assert result.status == BROKEN and "does not define `get_model`" in result.problem
    assert result.score() == (0, 5)


def test_a_crash_at_import_names_the_line(submission):
    path = solution_copy("step02", submission, ("loss_func = F.cross_entropy\n", "loss_func = F.cross_entropyy\n"))
    result = grade("step02", submission)
    assert result.status == BROKEN and "AttributeError" in result.problem
    line = path.read_text().splitlines().index("loss_func = F.cross_entropyy") + 1
    assert f"line {line} of {path}" in result.problem


def test_an_exception_in_the_learners_code_names_the_line_and_the_case(submission):
    path = solution_copy("step05", submission, ("            loss.backward()\n",
                                                "            loss.backward()\n            if len(xb) < bs: raise "
                                                "ValueError('short batch')\n"))
    result = grade("step05", submission)
    failed = [c for c in result.checks if c.status == FAILED]
    assert result.status == FAILING and failed and failed[0].stage == "crash"
    line = next(i for i, t in enumerate(path.read_text().splitlines(), 1) if "short batch" in t)
    assert f"line {line} of {path}" in failed[0].message and "ValueError: short batch" in failed[0].message
    assert "the last one of" in failed[0].counterexample  # the smallest case with a short last batch


def test_nan_output_is_named(submission):
    solution_copy("step02", submission, ("return xb @ self.weights + self.bias",
                                         "return (xb @ self.weights + self.bias) * float('nan')"))
    forward = next(c for c in grade("step02", submission).checks if c.id == "step02.forward")
    assert forward.status == FAILED and "NaN" in forward.message


def test_a_wrong_shape_is_named(submission):
    solution_copy("step02", submission, ("return xb @ self.weights + self.bias",
                                         "return (xb @ self.weights + self.bias).T"))
    forward = next(c for c in grade("step02", submission).checks if c.id == "step02.forward")
    assert forward.status == FAILED and "expected shape (1, 10), got (10, 1)" in forward.message


def test_an_endless_loop_ends_with_a_verdict_on_the_screen(capfd, submission):
    solution_copy("step05", submission, LOOP_IN_FIT)
    code, out, _ = run_main(capfd, "step05", "--target", str(submission), "--timeout", "1")
    assert code == 1 and "cannot be graded yet" in out and "stopped after 1 s" in out
    assert "Traceback" not in out


def test_a_failing_check_on_the_screen(capfd, submission):
    mutants.find("step04", "no-zero-grad").write(submission)
    code, out, _ = run_main(capfd, "step04", "--target", str(submission))
    assert code == 1
    assert "✗ k updates over several batches" in out and "the smallest input that shows it: " in out
    assert "hint: " in out and "step04 not yet" in out and "Traceback" not in out


def test_importing_the_reference_solution_earns_nothing(submission):
    (submission / "step03_linear.py").write_text(
        "from solutions.step03_linear import Mnist_Logistic, accuracy, fit, loss_func  # noqa\n")
    result = grade("step03", submission)
    guard = next(c for c in result.checks if c.id == "step03.rule.does-not-import-the-reference-solutions")
    assert guard.status == FAILED and "reference solutions" in guard.message
    assert result.status in (FAILING, BROKEN) and result.score()[0] == 0


def test_the_same_code_gets_the_same_verdict_and_counterexample(submission):
    wrong = mutants.find("step04", "no-zero-grad")
    wrong.write(submission)
    first, second = grade("step04", submission).to_dict(), selfcheck.grade_mutant(wrong).to_dict()
    for field in ("seconds", "target", "file"):
        first.pop(field), second.pop(field)
    failed = next(c for c in first["checks"] if c["status"] == FAILED)
    assert first["status"] == FAILING and failed["counterexample"] and first == second


def test_sys_exit_in_the_learners_code_gets_a_verdict(submission):
    path = solution_copy("step04", submission, ("            opt.step()\n", "            opt.step()\n            exit(3)\n"))
    result = grade("step04", submission)
    crashed = [c for c in result.checks if c.status == FAILED]
    line = path.read_text().splitlines().index("            exit(3)") + 1
    assert crashed and "sys.exit()" in crashed[0].message and f"line {line} of" in crashed[0].message
    solution_copy("step03", submission, ("loss_func = F.cross_entropy\n", "loss_func = F.cross_entropy\nraise SystemExit\n"))
    result = grade("step03", submission)
    assert result.status == BROKEN and "sys.exit()" in result.problem and result.score()[0] == 0


def test_an_unchanged_board_is_shown_from_its_record_without_torch(capfd, submission):
    """The board grades once; asked again with no step changed, it answers without importing torch."""
    solution_copy("step04", submission, ("def get_model(lr=0.5):", "def make_model(lr=0.5):"))  # broken: cheap
    code, first, _ = run_main(capfd, "--target", str(submission))
    assert code == 1 and "cannot be loaded" in first
    program = ("import sys\nfrom kata.learner import cli\n"
               f"code = cli.main(['--target', {str(submission)!r}])\n"
               "print('RESULT', code, 'torch' in sys.modules, file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", program], cwd=paths.ROOT, env=command_env(), capture_output=True,
                          text=True, timeout=120)
    assert "RESULT 1 False" in done.stderr, done.stderr
    assert done.stdout == first
    from kata.learner import verdict_cache

    assert verdict_cache.recorded(registry.STEPS, submission, 60.0) is not None
    (submission / "step05_dataset.py").write_text("# started\n")  # a step changed: grade again
    assert verdict_cache.recorded(registry.STEPS, submission, 60.0) is None
