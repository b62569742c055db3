"""`python grader.py class SUBMISSIONS --out REPORT_DIR`: grade a whole class, each learner's
step in its own confined child (kata.engine.isolate), and keep the results.

SUBMISSIONS holds one folder per learner, each laid out like steps/, and is only ever read. Each
learner-step runs in its own confined child with a private copy of its one file: nothing one
learner's code does reaches a classmate's files, results or processes, or the grader.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from kata.engine import isolate, loading
from kata.steps import registry
from kata.steps.registry import Step


@dataclass
class ClassResults:
    submissions: Path
    steps: list[Step]
    learners: list[str]
    grades: dict[str, dict[str, dict]] = field(default_factory=dict)  # learner -> step id -> StepResult dict
    hidden_names: dict[str, list[str]] = field(default_factory=dict)  # step id -> hidden check names

    def credit(self, learner: str, step: str) -> int:
        """The step's score (StepResult.score, the one scoring rule of every report)."""
        grade = self.grades[learner][step]
        return 0 if grade.get("no_credit") else int(grade.get("score", 0))

    def total(self, learner: str, step: str) -> int:
        """The step's full max, whether or not grading got to every check."""
        grade = self.grades[learner][step]
        s = registry.BY_ID[step]
        return int(grade.get("max_score") or len(s.rules) + len(s.checks))


def learner_folders(submissions: Path) -> list[Path]:
    return sorted(p for p in submissions.iterdir() if p.is_dir() and not p.name.startswith("."))


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


def grade_class(submissions: Path, steps: list[Step], *, jobs: int = os.cpu_count() or 1, timeout: float = 60.0,
                memory_mb: int | None = 2048, hidden_folder: Path | None = None, progress=None) -> ClassResults:
    """Grade every learner × step; `progress(done, total)` is called as grades come in."""
    submissions = submissions.resolve()
    folders = learner_folders(submissions)
    from kata.engine import sealed

    sealed.zygote()  # before the hidden checks are loaded: no child inherits them
    hidden = load_hidden(hidden_folder)
    results = ClassResults(submissions, steps, [f.name for f in folders],
                           hidden_names={s: [c.name for c in checks] for s, checks in hidden.items()})
    isolate.warm_up(steps)
    work: list[isolate.Job] = []
    for folder in folders:
        results.grades[folder.name] = {}
        for step in steps:  # the submission is only read: each child copies its own step file
            work.append(isolate.Job((folder.name, step.id), step, folder, hidden.get(step.id, ())))
    total, done = len(folders) * len(steps), 0
    if progress:
        progress(done, total)

    def on_done(job, result):
        nonlocal done
        done += 1
        if progress:
            progress(done, total)

    for (learner, step_id), result in isolate.run_all(work, jobs, timeout, memory_mb, on_done).items():
        result.pop("seconds", None)
        results.grades[learner][step_id] = result
    return results
