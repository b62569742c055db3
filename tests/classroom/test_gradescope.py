"""The Gradescope bundle as Gradescope uses it: `grader.py gradescope build` writes autograder.zip, which
is unpacked into a made-up /autograder (AUTOGRADER_ROOT) and graded with this interpreter instead of
the one setup.sh would make (KATA_PYTHON; setup.sh itself is not run: it installs torch): a correct,
a partly wrong (submitted as a repository) and a hostile submission. results.json is checked against
Gradescope's specification, its scores against the one scoring rule, its visibility.

One step (step03, among the fastest to grade) with a weight and a hidden check keeps this quick. The
hostile submission goes through the bundle's own run_autograder in a process of its own (the unpacked
kata alone, as on Gradescope); the other two are graded meanwhile in this process by the same
function with the bundle's configuration and hidden checks, which spares two cold starts.
"""
from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from kata import paths
from kata.authoring import mutants
from kata.child import sandbox
from kata.classroom import cli as class_cli
from kata.classroom import gradescope
from kata.steps import registry

STEP = registry.BY_ID["step03"]
WEIGHT = 2
SOLUTION = (paths.SOLUTIONS / STEP.filename).read_text()
HIDDEN = '''import torch
import torch.nn.functional as F

from kata.grading.plain_checks import check, same


@check("SECRET SENTENCE: loss_func averages over the batch", uses=("loss_func",))
def mean_reduction(learner, reference, previous):
    z, y = torch.randn(8, 10), torch.randint(0, 10, (8,))
    same(learner.loss_func(z, y), F.cross_entropy(z, y), "loss_func(logits, yb)")
'''
TOP_LEVEL = {"score", "execution_time", "output", "output_format", "test_output_format", "test_name_format",
             "visibility", "stdout_visibility", "extra_data", "tests", "leaderboard"}
TEST_KEYS = {"score", "max_score", "status", "name", "name_format", "number", "output", "output_format", "tags",
             "visibility", "extra_data"}
VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}


def hostile(root: Path) -> str:
    """The step's reference, plus: junk on stdout (a fake results.json and escape codes), a forged
    results.json, a read of the reference solution in the bundle, and fit leaving with os._exit."""
    forged = json.dumps({"score": 1000, "tests": []})
    attack = f'''
import os as _os
print({forged!r})
print("\\x1b[2J\\x1b[31mjunk\\x00" * 20)
try:
    with open({str(root / "results" / "results.json")!r}, "w") as _f:
        _f.write({forged!r})
except OSError as _e:
    print("forge refused:", type(_e).__name__)
try:
    print("LEAKED:" + open({str(root / "source" / "solutions" / STEP.filename)!r}).read())
except OSError as _e:
    print("read refused:", type(_e).__name__)
_fit = fit


def fit(*args, **kwargs):
    _os._exit(0)
'''
    return SOLUTION + attack


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    base = tmp_path_factory.mktemp("gradescope")
    hidden = base / "hidden"
    hidden.mkdir()
    (hidden / "step03.py").write_text(HIDDEN)
    args = ["build", "--out", str(base / "out"), "--steps", STEP.id, "--weights", f"{STEP.id}={WEIGHT}",
            "--timeout", "30", "--memory", "2048", "--extra-tests", str(hidden)]
    assert class_cli.main_gradescope(args) == 0
    zip_path = base / "out" / "autograder.zip"
    source = base / "source"
    with zipfile.ZipFile(zip_path) as z:
        z.extractall(source)
        modes = {i.filename: i.external_attr >> 16 for i in z.infolist()}
    for name in ("setup.sh", "run_autograder"):
        (source / name).chmod(0o755)
    return {"base": base, "zip": zip_path, "source": source, "modes": modes, "hidden": hidden, "args": args}


@pytest.fixture(scope="module")
def graded(bundle):
    """The three submissions, each in its own made-up /autograder. The hostile one is graded by the
    bundle's run_autograder in a process of its own (the unpacked kata, AUTOGRADER_ROOT, KATA_PYTHON:
    what Gradescope runs); meanwhile the correct and the wrong one are graded here, by the same code
    with the bundle's configuration and hidden checks, which spares two cold starts of torch and the
    checks (the learner's code runs in its confined child either way)."""
    wrong = mutants.find(STEP.id, "forward-log-softmax").source()  # fails the forward check, keeps the rest
    roots = {}
    for name in ("hostile", "correct", "wrong", "empty"):
        root = roots[name] = bundle["base"] / f"root-{name}"
        (root / "submission").mkdir(parents=True)
        (root / "results").mkdir()  # Gradescope makes it before run_autograder runs
        if name == "empty":
            (root / "submission" / "notes.txt").write_text("I forgot the step file")
        elif name == "wrong":  # submitted as a repository: the grader finds steps/
            (root / "submission" / "steps").mkdir()
            (root / "submission" / "steps" / STEP.filename).write_text(wrong)
            (root / "submission" / "README.md").write_text("my repo")
        else:
            (root / "submission" / STEP.filename).write_text(SOLUTION if name == "correct" else hostile(root))
    root = roots["hostile"]
    os.symlink(bundle["source"], root / "source")  # Gradescope unpacks the zip there
    env = {k: v for k, v in os.environ.items() if not k.startswith("KATA_")}
    env |= {"AUTOGRADER_ROOT": root.name, "KATA_PYTHON": sys.executable,  # relative: the folder it names from here
            "KATA_STATE_DIR": str(root / "state")}
    proc = subprocess.Popen(["bash", str(root / "source" / "run_autograder")], cwd=root.parent, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    done = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KATA_STATE_DIR", str(bundle["base"] / "state"))
        for name in ("correct", "wrong", "empty"):
            code = gradescope.run(roots[name], source=bundle["source"])
            done[name] = {"root": roots[name], "code": code, "log": ""}
    done["hostile"] = {"root": root, "log": proc.communicate(timeout=120)[0], "code": proc.returncode}
    for run in done.values():
        path = run["root"] / "results" / "results.json"
        run["results"] = json.loads(path.read_text()) if path.exists() else None
    return done


def validate(data: dict) -> None:
    """Gradescope's results.json specification: the fields, their types, the visibility values."""
    assert set(data) <= TOP_LEVEL, set(data) - TOP_LEVEL
    assert isinstance(data["score"], (int, float)) and isinstance(data["execution_time"], int)
    assert isinstance(data["output"], str) and data["stdout_visibility"] in VISIBILITY
    assert data["tests"], "no tests"
    for t in data["tests"]:
        assert set(t) <= TEST_KEYS and {"name", "score", "max_score", "output", "visibility"} <= set(t), t
        assert isinstance(t["name"], str) and isinstance(t["output"], str)
        assert isinstance(t["score"], (int, float)) and isinstance(t["max_score"], (int, float))
        assert 0 <= t["score"] <= t["max_score"] or t["max_score"] == 0 == t["score"], t
        assert t["visibility"] in VISIBILITY and t.get("status", "passed") in ("passed", "failed")
    assert data["score"] == sum(t["score"] for t in data["tests"])


def step_max() -> int:
    return len(STEP.rules) + len(STEP.checks)


def test_the_zip_holds_the_kata_and_gradescopes_two_scripts_at_its_root(bundle):
    modes = bundle["modes"]
    for name in ("setup.sh", "run_autograder"):
        assert modes[name] & stat.S_IXUSR, f"{name} is not executable in the zip"
    for name in ("grader.py", "pyproject.toml", "requirements.txt", gradescope.CONFIG, "kata/grading/runner.py",
                 f"solutions/{STEP.filename}", f"steps/{STEP.filename}", "hidden/step03.py"):
        assert name in modes, name
    assert not any("__pycache__" in n or n.endswith(".pyc") or ".kata-backups" in n for n in modes)
    setup = (bundle["source"] / "setup.sh").read_text()
    assert "--index-url https://download.pytorch.org/whl/cpu" in setup and "'torch>=2.2,<2.14'" in setup
    assert "python3 -m venv" in setup and "run_autograder\" --check" in setup
    run = (bundle["source"] / "run_autograder").read_text()
    assert "KATA_SERVER=off" in run and "AUTOGRADER_ROOT:-/autograder" in run and "KATA_PYTHON" in run
    config = json.loads((bundle["source"] / gradescope.CONFIG).read_text())
    assert config == {"steps": ["step03"], "weights": {"step03": 2.0}, "timeout": 30.0, "memory_mb": 2048,
                      "hidden": ["hidden/step03.py"], "lang": "en"}
    # the stubs are made afresh, whatever a learner did in this checkout's steps/
    assert (bundle["source"] / "steps" / STEP.filename).read_text() == (paths.STEPS / STEP.filename).read_text()


def test_the_same_kata_and_options_give_the_same_zip(bundle, tmp_path):
    args = list(bundle["args"])
    args[args.index("--out") + 1] = str(tmp_path)
    assert class_cli.main_gradescope(args) == 0
    assert (tmp_path / "autograder.zip").read_bytes() == bundle["zip"].read_bytes()


@pytest.mark.slow
def test_run_autograder_runs_the_unpacked_kata_alone(graded, bundle):
    run = graded["hostile"]
    assert run["code"] == 0, run["log"]
    assert run["log"].startswith(f"kata {bundle['source']} graded"), run["log"]  # the unpacked kata, not this one
    validate(run["results"])


def test_a_step_not_submitted_says_what_to_submit(graded):
    data = graded["empty"]["results"]
    validate(data)
    assert data["score"] == 0
    said = json.dumps(data, ensure_ascii=False)
    assert f"{STEP.filename} is not in your submission: submit it" in said and "copy the stub" not in said


def test_a_correct_submission_earns_every_weighted_point(graded):
    run = graded["correct"]
    assert run["code"] == 0
    data = run["results"]
    validate(data)
    assert data["stdout_visibility"] == "hidden"
    visible = [t for t in data["tests"] if t["visibility"] == "visible"]
    hidden = [t for t in data["tests"] if t["visibility"] != "visible"]
    assert sum(t["max_score"] for t in visible) == WEIGHT * step_max()
    assert [t["name"] for t in hidden] == ["step03: hidden check 1"]
    assert hidden[0]["visibility"] == "after_published" and hidden[0]["max_score"] == WEIGHT
    assert data["score"] == WEIGHT * (step_max() + 1) == sum(t["max_score"] for t in data["tests"])
    names = {t["name"].split(":")[0] for t in visible}
    assert {f"step03.{c.id}" for c in STEP.checks} <= names  # one test per check, named by its id
    assert all(t["status"] == "passed" for t in data["tests"])
    assert "SECRET SENTENCE" not in json.dumps(data) and "mean_reduction" not in json.dumps(data)


def test_a_wrong_submission_in_a_repository_loses_what_it_breaks(graded):
    run = graded["wrong"]
    data = run["results"]
    validate(data)
    assert str(run["root"] / "submission" / "steps") in data["output"]  # found steps/ in the repository
    failed = [t for t in data["tests"] if t.get("status") == "failed"]
    assert "step03.forward" in {t["name"].split(":")[0] for t in failed}
    forward = next(t for t in failed if t["name"].startswith("step03.forward:"))
    assert forward["score"] == 0 and forward["max_score"] == WEIGHT and "bs=" in forward["output"]
    assert 0 < data["score"] < sum(t["max_score"] for t in data["tests"])
    assert next(t for t in data["tests"] if "hidden" in t["name"])["visibility"] == "after_published"


def test_setups_check_keeps_its_cases_and_grades_as_a_submission_is_graded(graded, bundle, monkeypatch):
    """setup's --check grades one step after another in its own process and keeps the cases drawn in the
    bundle; a submission's steps are graded side by side, one forked judge each: the same grade."""
    monkeypatch.setenv("KATA_STATE_DIR", str(bundle["base"] / "state"))
    config = json.loads((bundle["source"] / gradescope.CONFIG).read_text())
    submission = graded["wrong"]["root"] / "submission"
    alone = gradescope.grade_submission(bundle["source"], submission, config, in_process=True)[0]
    assert json.loads((bundle["source"] / gradescope.KEPT_CASES).read_text())["checks"]
    side_by_side = gradescope.grade_submission(bundle["source"], submission, config)[0]
    assert side_by_side.grades == alone.grades and alone.grades[gradescope.LEARNER][STEP.id]["status"] == "failing"
    from kata.judging import case_drawing

    assert not case_drawing._restored, "the cases restored for one submission outlived it"


def test_a_hostile_submission_gets_a_verdict_and_forges_nothing(graded):
    run = graded["hostile"]
    data = run["results"]
    validate(data)  # the file is ours: the forged one was refused or replaced
    assert data["score"] < sum(t["max_score"] for t in data["tests"])
    assert next(t for t in data["tests"] if t["name"].startswith("step03.fit:"))["score"] == 0
    assert "os._exit" in data["output"] or "ended" in data["output"], data["output"]
    hidden = next(t for t in data["tests"] if t["name"] == "step03: hidden check 1")  # still owed, never run
    assert hidden["score"] == 0 and hidden["max_score"] == WEIGHT and hidden["visibility"] == "after_published"
    assert sum(t["max_score"] for t in data["tests"]) == WEIGHT * (step_max() + 1)  # the same max as the others
    assert "\x1b" not in data["output"] and "\\x1b[2J" in data["output"]  # its junk, shown inert
    if sandbox.landlock_abi() >= 6:  # with only process isolation the child can read files: see Trust
        assert "LEAKED" not in data["output"] and "read refused" in data["output"]
        assert "forge refused" in data["output"]


def test_locate_finds_the_step_files_where_a_learner_put_them(tmp_path):
    steps = [STEP, registry.BY_ID["step04"]]
    assert gradescope.locate(tmp_path, steps) == (tmp_path, "no step file was found")
    deep = tmp_path / "torch-nn-kata-main" / "steps"
    deep.mkdir(parents=True)
    (deep / STEP.filename).write_text("x")
    (deep / "step04_optim.py").write_text("x")
    (tmp_path / "torch-nn-kata-main" / STEP.filename).write_text("x")  # one file above: fewer
    assert gradescope.locate(tmp_path, steps)[0] == deep
    (tmp_path / "steps").mkdir()
    (tmp_path / "steps" / "step04_optim.py").write_text("x")
    assert gradescope.locate(tmp_path, steps)[0] == tmp_path / "steps"
    (tmp_path / STEP.filename).write_text("x")
    assert gradescope.locate(tmp_path, steps)[0] == tmp_path


def test_an_engine_failure_still_writes_a_results_json(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(gradescope, "CONFIG", "no-such-config.json")
    assert gradescope.run(tmp_path) == 1
    data = json.loads((tmp_path / "results" / "results.json").read_text())
    assert data["score"] == 0 and data["tests"] == [] and "not your code" in data["output"]
    assert "Traceback" in capsys.readouterr().err


@pytest.mark.parametrize("args, says", [
    (["build", "--out", "x", "--weights", "step04=2", "--steps", "step01"], "not one of the graded steps"),
    (["build", "--out", "x", "--weights", "step04"], "is not STEP=NUMBER"),
    (["build", "--out", "x", "--weights", "step04=two"], "is not a number"),
    (["build", "--out", "x", "--extra-tests", "/no/such/folder"], "is not a folder"),
])
def test_build_usage_errors_are_one_sentence(args, says, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert class_cli.main_gradescope(args) == 2
    assert says in capsys.readouterr().err and not (tmp_path / "x").exists()
