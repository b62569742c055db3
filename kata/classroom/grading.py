"""`python grader.py class SUBMISSIONS --out REPORT_DIR`: grade a whole class, each learner's
step in its own confined child (kata.grading.isolate), and keep the results.

SUBMISSIONS holds one folder per learner, each laid out like steps/, and is only ever read. Each
learner-step runs in its own confined child with a private copy of its one file: nothing one
learner's code does reaches a classmate's files, results or processes, or the grader.

A notebook handed in beside (or instead of) the step files counts too: the last `%%kata STEP` cell of
a step is that step's file, read from the notebook's JSON (never run), written into a scratch folder
of the grader's own and graded from there like any step file (kata.grading.notebooks.Submission says
which is graded when a step comes both ways; the learner's result says which, under "graded").

A learner is named by their folder's name made inert (kata.inert.inert_name: controls, newlines and
bytes that are not UTF-8 escaped, two folders never named alike), so a name can go in any report,
table or file name. A learner "folder" that is a symbolic link is refused, not graded: it could lead
anywhere, the reference solutions included.
"""
from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from kata.grading import hidden_checks, isolate, notebooks
from kata.i18n import _
from kata.inert import inert_name
from kata.judging.results import BROKEN, StepResult
from kata.steps import registry
from kata.steps.registry import Step


@dataclass
class ClassResults:
    submissions: Path
    steps: list[Step]
    learners: list[str]
    grades: dict[str, dict[str, dict]] = field(default_factory=dict)  # learner -> step id -> StepResult dict
    hidden_names: dict[str, list[str]] = field(default_factory=dict)  # step id -> hidden check names
    refused: list[str] = field(default_factory=list)  # learners whose folder is a link: not graded

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
    """Each learner's folder, and each link to a folder standing where one would be (to refuse it)."""
    return sorted(p for p in submissions.iterdir() if p.is_dir() and not p.name.startswith("."))


def refused(folder: Path, step: Step) -> dict:
    """The result of a step of a learner whose folder is a symbolic link: not graded, and why."""
    problem = _("{folder} is a symbolic link, not a folder: it was not graded, since a link can lead to any "
                "folder (the reference solutions too). Hand in the folder itself.")
    problem = problem.format(folder=inert_name(folder.name))
    return StepResult(step.id, step.slug, step.title, str(folder), str(folder / step.filename), status=BROKEN,
                      problem=problem).to_dict()


def grade_class(submissions: Path, steps: list[Step], *, jobs: int = os.cpu_count() or 1, timeout: float = 60.0,
                memory_mb: int | None = 2048, hidden_folder: Path | None = None, progress=None) -> ClassResults:
    """Grade every learner × step; `progress(done, total)` is called as grades come in."""
    submissions = submissions.resolve()
    folders = learner_folders(submissions)
    hidden = hidden_checks.checked(hidden_folder, steps, timeout)  # Unsound before any learner is graded
    names = {folder: inert_name(folder.name) for folder in folders}
    results = ClassResults(submissions, steps, list(names.values()),
                           hidden_names={s: [c.name for c in checks] for s, checks in hidden.items()},
                           refused=[names[f] for f in folders if f.is_symlink()])
    isolate.warm_up(steps)
    work: list[isolate.Job] = []
    chosen: dict[tuple[str, str], tuple[notebooks.Submission, notebooks.Choice]] = {}
    with contextlib.ExitStack() as scratch:  # the cells' scratch folders, removed whatever happens
        for folder, name in names.items():
            if folder.is_symlink():
                results.grades[name] = {step.id: refused(folder, step) for step in steps}
                continue
            results.grades[name] = {}
            submission = scratch.enter_context(notebooks.Submission(folder))
            for step in steps:  # the submission is only read: each child copies its own step file
                choice = submission.choose(step)
                if choice.missing:  # a notebook's problem, or nothing handed in: no child to start
                    results.grades[name][step.id] = submission.missing(step, choice)
                    continue
                chosen[(name, step.id)] = submission, choice
                work.append(isolate.Job((name, step.id), step, choice.folder, hidden.get(step.id, ())))
        total, done = len(work), 0
        if progress:
            progress(done, total)

        def on_done(job, result):
            nonlocal done
            done += 1
            if progress:
                progress(done, total)

        for (learner, step_id), result in isolate.run_all(work, jobs, timeout, memory_mb, on_done).items():
            result.pop("seconds", None)
            submission, choice = chosen[(learner, step_id)]
            results.grades[learner][step_id] = submission.relabel(registry.BY_ID[step_id], choice, result)
    return results
