"""The GitHub Classroom workflow: `grader.py classroom` writes it, the shipped
.github/workflows/classroom.yml is what it writes by default, the YAML says what GitHub Classroom's
command grader and reporter read, and the command it runs for a step works here: in a copy of the
learner's repository, with the bare environment that command grader gives it (PATH, HOME and
FORCE_COLOR), it earns the step's points (exit status 0) for a correct step.
The install step is not run (it downloads torch).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kata import paths
from kata.classroom import bundle, workflow
from kata.classroom import cli as class_cli
from kata.steps import registry

yaml = pytest.importorskip("yaml", reason="PyYAML is in the test extra: pip install -e '.[test]'")
SHIPPED = paths.ROOT / ".github" / "workflows" / "classroom.yml"


def grading_steps(doc: dict) -> list[dict]:
    return [s for s in doc["jobs"]["run-autograding-tests"]["steps"] if s.get("uses") == workflow.COMMAND_GRADER]


def test_the_shipped_workflow_is_what_the_command_writes(capsys):
    assert class_cli.main_classroom([]) == 0
    assert SHIPPED.read_text() == capsys.readouterr().out, \
        "the shipped workflow is out of date: python grader.py classroom --out .github/workflows/classroom.yml"


def test_the_yaml_says_what_classroom_reads():
    doc = yaml.safe_load(SHIPPED.read_text())
    assert "push" in doc["on"] and doc["permissions"]["checks"] == "write"
    job = doc["jobs"]["run-autograding-tests"]
    assert "github-classroom[bot]" in job["if"]
    steps = grading_steps(doc)
    assert [s["id"] for s in steps] == [s.id for s in registry.STEPS]
    for s, step in zip(steps, registry.STEPS):
        w = s["with"]
        assert w["test-name"].startswith(step.id) and isinstance(w["timeout"], int)
        assert w["max-score"] == workflow.default_points(step) and isinstance(w["max-score"], int)
        assert w["command"] == f"env KATA_SERVER=off python -m kata.classroom.workflow {step.id}"
    reporter = job["steps"][-1]
    assert reporter["uses"] == workflow.REPORTER
    assert reporter["with"]["runners"] == ",".join(s.id for s in registry.STEPS)
    assert reporter["env"] == {f"{s.id.upper()}_RESULTS": f"${{{{steps.{s.id}.outputs.result}}}}" for s in registry.STEPS}
    install = next(s for s in job["steps"] if s.get("name", "").startswith("Install"))["run"]
    torch = bundle.dependencies()[0]
    assert f"'{torch}' --index-url https://download.pytorch.org/whl/cpu" in install and "pip install -e ." in install


def test_points_and_steps_are_chosen_on_the_command_line(tmp_path, capsys):
    out = tmp_path / "wf" / "classroom.yml"
    assert class_cli.main_classroom(["--steps", "step01,step04", "--points", "step04=25", "--minutes", "3",
                                     "--timeout", "90", "--out", str(out)]) == 0
    assert "2 steps" in capsys.readouterr().out
    steps = grading_steps(yaml.safe_load(out.read_text()))
    assert [(s["id"], s["with"]["max-score"], s["with"]["timeout"]) for s in steps] == [
        ("step01", workflow.default_points(registry.BY_ID["step01"]), 3), ("step04", 25, 3)]
    assert steps[1]["with"]["command"].endswith("python -m kata.classroom.workflow step04 --timeout 90")
    assert class_cli.main_classroom(["--points", "7"]) == 0
    assert {s["with"]["max-score"] for s in grading_steps(yaml.safe_load(capsys.readouterr().out))} == {7}
    for bad in ("step04=2.5", "step99=3", "step04"):
        assert class_cli.main_classroom(["--points", bad]) == 2
        assert "--points" in capsys.readouterr().err
    assert class_cli.main_classroom(["--steps", "step01", "--points", "step04=3"]) == 2
    assert "not one of the graded steps" in capsys.readouterr().err


# found where torch is (the kata's fingerprint of torch stays the same), but importing it fails
NO_TORCH = """import importlib.abc, importlib.machinery, sys


class _Refused(importlib.abc.Loader):
    def create_module(self, spec):
        return None

    def exec_module(self, module):
        raise ImportError("torch was imported")


class _NoTorch(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        spec = importlib.machinery.PathFinder.find_spec(name, path) if name == "torch" else None
        if spec is not None:
            spec.loader = _Refused()
        return spec


sys.meta_path.insert(0, _NoTorch())
"""


def learner_repository(folder: Path) -> Path:
    """What a learner's repository holds that grading needs: the kata, the solutions, steps/, grader.py."""
    for top in ("kata", "solutions", "steps"):
        shutil.copytree(paths.ROOT / top, folder / top, ignore=shutil.ignore_patterns("__pycache__", ".kata-backups"))
    for name in ("grader.py", "pyproject.toml"):
        shutil.copy(paths.ROOT / name, folder / name)
    return folder


@pytest.mark.slow
def test_a_steps_command_earns_its_points_for_a_correct_step(tmp_path):
    """The step's command, verbatim from the shipped workflow, in a learner's repository whose step is
    correct: exit status 0, which the command grader turns into the step's points. (A failing step's
    exit status 1 is tests/learner/test_cli.py's.)"""
    step = registry.BY_ID["step03"]
    command = next(s for s in grading_steps(yaml.safe_load(SHIPPED.read_text())) if s["id"] == step.id)["with"]["command"]
    repo = learner_repository(tmp_path / "repo")
    shutil.copy(paths.SOLUTIONS / step.filename, repo / "steps" / step.filename)
    (tmp_path / "home").mkdir()
    # the command grader's environment: PATH (with the Python setup-python installed), HOME, FORCE_COLOR
    env = {"PATH": f"{Path(sys.executable).parent}{os.pathsep}/usr/bin{os.pathsep}/bin",
           "HOME": str(tmp_path / "home"), "FORCE_COLOR": "true"}
    jobs = yaml.safe_load(SHIPPED.read_text())["jobs"]["run-autograding-tests"]["steps"]
    pregrade = next(s["run"] for s in jobs if s.get("name", "").startswith("Grade every step once"))
    once = subprocess.run(pregrade, shell=True, cwd=repo, env=env | {"XDG_STATE_HOME": str(tmp_path / "xdg")},
                          text=True, capture_output=True, timeout=300)
    assert once.returncode == 0 and "step03_linear" in once.stdout, once.stdout + once.stderr
    # each step's test reads the verdict recorded above: a torch that cannot be imported changes nothing
    (tmp_path / "no-torch").mkdir()
    (tmp_path / "no-torch" / "sitecustomize.py").write_text(NO_TORCH)
    done = subprocess.run(command, shell=True, cwd=repo, env=env | {"PYTHONPATH": str(tmp_path / "no-torch")},
                          text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
    text = re.sub(r"\x1b\[[0-9;]*m", "", done.stdout)
    assert done.returncode == 0 and "step03 passed" in text, text
    assert str(repo / "steps" / step.filename) in text  # it graded the learner's steps/, nothing else
    assert (tmp_path / "home" / ".local" / "state" / "torch-nn-kata").is_dir()  # its state in HOME, not the repo
