"""`python grader.py class SUBMISSIONS --out REPORT_DIR`: grade a whole class, each learner's
step in isolation (kata.engine.isolate), on a private copy of the submissions, and keep the results.

SUBMISSIONS holds one folder per learner, each laid out like steps/. A learner's folder that
shadows the kata's own modules (kata/, torch.py, conftest.py...) or holds links gets no credit;
a step that imports or reads the reference, or reaches into the grader, fails its guard check
and gets no credit either.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from kata.engine import isolate
from kata.engine import loading
from kata.steps import registry
from kata.engine import runner
from kata.steps.registry import Step
from kata.engine.results import BROKEN, PASSED, StepResult

# names that, in a learner's folder, would stand in for the grader's own code
SHADOWS = {"kata", "grader.py", "solutions", "steps", "tests", "conftest.py", "torch", "torch.py", "hypothesis",
           "hypothesis.py", "numpy", "numpy.py", "rich", "rich.py", "pytest.py", "sitecustomize.py",
           "usercustomize.py"}


@dataclass
class ClassResults:
    submissions: Path
    steps: list[Step]
    learners: list[str]
    grades: dict[str, dict[str, dict]] = field(default_factory=dict)  # learner -> step id -> StepResult dict
    hidden_names: dict[str, list[str]] = field(default_factory=dict)  # step id -> hidden check names

    def credit(self, learner: str, step: str) -> int:
        """Checks passed, or 0 when the step may not count (a guard failed, the folder was screened out)."""
        grade = self.grades[learner][step]
        if grade.get("no_credit") or any(c["kind"] == "guard" and c["status"] != PASSED for c in grade["checks"]):
            return 0
        return sum(c["status"] == PASSED for c in grade["checks"])

    def total(self, learner: str, step: str) -> int:
        """Every check the step has, whether or not grading got to it."""
        s = registry.BY_ID[step]
        return len(s.all_rules) + len(s.checks())


def learner_folders(submissions: Path) -> list[Path]:
    return sorted(p for p in submissions.iterdir() if p.is_dir() and not p.name.startswith("."))


def screen(folder: Path) -> str:
    """Why this learner's folder cannot be trusted at all, or ''."""
    shadows = sorted(p.name for p in folder.iterdir() if p.name in SHADOWS)
    if shadows:
        return (f"{folder} contains {', '.join(shadows)}, which would stand in for the kata's own code: "
                "no step of this submission gets credit. Submit only the step files.")
    return ""


def load_hidden(folder: Path | None) -> dict[str, tuple]:
    """An instructor's extra checks: FOLDER/stepNN.py files, each with a CHECKS list like kata/steps/checks/."""
    if folder is None:
        return {}
    hidden = {}
    for path in sorted(folder.glob("step*.py")):
        step = registry.find(path.stem.split("_")[0])
        if step is None:
            raise ValueError(f"{path}: no step named {path.stem.split('_')[0]!r}")
        hidden[step.id] = tuple(loading.load(path).CHECKS)
    return hidden


def _no_credit(step: Step, folder: Path, problem: str) -> dict:
    result = StepResult(step.id, step.slug, step.title, str(folder), str(folder / step.filename), status=BROKEN,
                        problem=problem).to_dict()
    result["no_credit"] = True
    return result


def _relocate(value, copy: str, original: str):
    """Put the submission's own paths back where the private copy's appear (reports stay the same)."""
    if isinstance(value, str):
        return value.replace(copy, original)
    if isinstance(value, list):
        return [_relocate(v, copy, original) for v in value]
    if isinstance(value, dict):
        return {k: _relocate(v, copy, original) for k, v in value.items() if k != "seconds"}
    return value


def grade_class(submissions: Path, steps: list[Step], *, jobs: int = os.cpu_count() or 1, timeout: float = 60.0,
                memory_mb: int | None = 2048, hidden_folder: Path | None = None, progress=None) -> ClassResults:
    """Grade every learner × step; `progress(done, total)` is called as grades come in."""
    submissions = submissions.resolve()
    folders = learner_folders(submissions)
    hidden = load_hidden(hidden_folder)
    results = ClassResults(submissions, steps, [f.name for f in folders],
                           hidden_names={s: [c.name for c in checks] for s, checks in hidden.items()})
    isolate.warm_up(steps)
    with tempfile.TemporaryDirectory(prefix="kata-class-") as scratch:
        copy_root = Path(scratch).resolve()
        work: list[isolate.Job] = []
        for folder in folders:
            grades = results.grades[folder.name] = {}
            copy = copy_root / folder.name
            shutil.copytree(folder, copy, symlinks=True)  # the submission itself is only ever read
            problem = screen(folder)
            for step in steps:
                path = copy / step.filename
                if problem:
                    grades[step.id] = _no_credit(step, copy, problem)
                elif path.is_symlink():
                    grades[step.id] = _no_credit(step, copy, f"{folder / step.filename} is a link, not a file: "
                                                 "submit your own file.")
                elif not path.exists():
                    grades[step.id] = runner.grade(step, copy).to_dict()  # "missing": no learner code runs
                else:
                    work.append(isolate.Job((folder.name, step.id), step, copy, hidden.get(step.id, ())))
        total, done = len(folders) * len(steps), len(folders) * len(steps) - len(work)
        if progress:
            progress(done, total)

        def on_done(job, result):
            nonlocal done
            done += 1
            if progress:
                progress(done, total)

        for (learner, step_id), result in isolate.run_all(work, jobs, timeout, memory_mb, on_done).items():
            results.grades[learner][step_id] = result
        for learner, grades in results.grades.items():
            original = str(submissions / learner)
            for step_id in grades:
                grades[step_id] = _relocate(grades[step_id], str(copy_root / learner), original)
    return results
