"""Gradescope: what `run_autograder` does for each submission, inside the autograder bundle that
kata.classroom.bundle builds (`python grader.py gradescope build --out DIR`): it grades the files in
/autograder/submission with the sealed engine and writes /autograder/results/results.json.
`AUTOGRADER_ROOT` replaces /autograder (to try it anywhere) and `KATA_PYTHON` the interpreter
setup.sh made.

Scores come from the one scoring rule (kata.classroom.reports.gradescope: one test per check, named
by its id; hidden checks by number, visible only once grades are published); a step's weight
multiplies its tests' points. The kata is not installed into site-packages: it stays in
/autograder/source, which the learner's confined child cannot read (nor the hidden checks there).
What the learner's code printed or raised, and the names of their folders, are written and printed
inert (kata.inert): escape sequences, CR, BEL and bidi controls show as visible escapes.

A notebook counts as the step files it holds: the last `%%kata STEP` cell of each step, read from its
JSON and never run (kata.grading.notebooks.Submission: which is graded when a step comes both ways, and
where notebooks are looked for); the output says, under each step, what was graded.
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path

from kata import i18n, paths
from kata.i18n import _
from kata.inert import inert

CONFIG = "kata-gradescope.json"  # in the bundle: what run_autograder grades, and how
KEPT_CASES = ".kept-cases.json"  # in the bundle's folder: the cases setup's --check drew (kata.judging.case_drawing)
MAX_JUDGES = 4  # steps graded at once, at most: each is a judge and a learner's child, in the container's memory
HIDDEN = "hidden"  # in the bundle: the instructor's hidden checks (under the kata's root: unreadable to learners)
LEARNER = "submission"
DEFAULT_ROOT = "/autograder"
MAX_PRINTED = 1500  # what a learner's code printed, shown with a step that did not pass (its last characters)


# --- the bundle ------------------------------------------------------------------------------


# --- grading one submission -------------------------------------------------------------------


def locate(submission: Path, steps) -> tuple[Path, str]:
    """The folder to grade: the submission itself when it holds a step file, else its steps/ folder,
    else the folder below it (a zip or a repository) holding the most step files. (folder, why)."""
    names = {s.filename for s in steps}

    def held(folder: Path) -> int:
        return sum(os.path.lexists(folder / n) for n in names)

    if held(submission):
        return submission, "the submitted files"
    if held(submission / "steps") and not (submission / "steps").is_symlink():
        return submission / "steps", "the submitted steps/ folder"
    best, count = submission, 0
    for folder, dirs, _files in os.walk(submission):  # links are not followed
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "__")))
        here = Path(folder)
        if len(here.relative_to(submission).parts) > 4:
            dirs[:] = []
            continue
        if held(here) > count:
            best, count = here, held(here)
    if count:
        return best, f"the step files found in {best.relative_to(submission)}/"
    return _notebook_folder(submission)


def _notebook_folder(submission: Path) -> tuple[Path, str]:
    """With no step file anywhere: the shallowest folder holding a notebook (its %%kata cells are the
    step files), as `locate` says it."""
    from kata.grading import notebooks

    best: Path | None = None
    for folder, dirs, _files in os.walk(submission):  # links are not followed
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "__")))
        here = Path(folder)
        depth = len(here.relative_to(submission).parts)
        if depth > 4 or (best is not None and depth >= len(best.relative_to(submission).parts)):
            dirs[:] = []
            continue
        if notebooks.found_in(here):
            best = here
    if best is None:
        return submission, "no step file was found"
    if best == submission:
        return submission, _("no step file: the submitted notebook")
    return best, _("no step file: the notebook found in {folder}/").format(folder=best.relative_to(submission))


def _status(check: dict, score: float, max_score: float) -> str | None:
    if max_score:
        return "passed" if score >= max_score else "failed"
    return {"passed": "passed", "failed": "failed", "not started": "failed"}.get(check.get("status", ""))


def results(results, weights: dict[str, float], folder: Path, why: str, seconds: float) -> dict:
    """Gradescope's results.json for the one learner of `results`: kata.classroom.reports.gradescope's
    tests, each step's points times its weight, with the top-level fields the specification names."""
    from kata.classroom import reports

    data = json.loads(reports.gradescope(results, LEARNER))
    checks = {inert(f"{c.get('id') or step}: {c['name']}", one_line=True): c
              for step in results.grades[LEARNER] for c in results.grades[LEARNER][step]["checks"]}
    for s in results.steps:  # a step that broke before its hidden checks ran still owes their points
        grade = results.grades[LEARNER][s.id]
        for i in range(len(grade.get("hidden", [])) + 1, len(results.hidden_names.get(s.id, [])) + 1):
            data["tests"].append({"name": f"{s.id}: hidden check {i}", "score": 0, "max_score": 1,
                                  "output": "did not run: the step could not be graded", "visibility": "after_published"})
    order = {s.id: i for i, s in enumerate(results.steps)}
    data["tests"].sort(key=lambda t: order[_step_of(t)])  # stable: each step's tests stay in their order
    tests = []
    for test in data["tests"]:
        step = _step_of(test)
        weight = weights.get(step, 1.0)
        score, most = _points(test["score"] * weight), _points(test["max_score"] * weight)
        entry = {"name": test["name"], "score": score, "max_score": most,
                 "output": test["output"],
                 "visibility": test.get("visibility", "visible")}
        status = _status(checks.get(test["name"], {}), score, most)
        if status:
            entry["status"] = status
        tests.append(entry)
    lines = [f"Graded {folder} ({why}); isolation: "
             + (_isolation(results) or "none: nothing could be graded") + "."]
    for s in results.steps:
        grade = results.grades[LEARNER][s.id]
        weight = weights.get(s.id, 1.0)
        earned, total = results.credit(LEARNER, s.id), results.total(LEARNER, s.id)
        line = f"{s.id} · {s.title}: {grade['status']}, {_points(earned * weight)}/{_points(total * weight)}"
        if grade.get("hidden"):
            line += f" (+ {len(grade['hidden'])} hidden check{'s' * (len(grade['hidden']) > 1)}, shown once grades are published)"
        lines.append(line)
        if grade.get("graded"):  # what was graded, when a notebook came with the submission
            lines.append("  " + grade["graded"])
        if grade.get("problem"):
            lines.append("  " + grade["problem"].replace("\n", "\n  "))
        printed = grade.get("output", "")
        if printed and grade["status"] != "passed":
            printed = printed if len(printed) <= MAX_PRINTED else "…" + printed[-MAX_PRINTED:]
            lines.append("  " + _("your code printed this while the checks ran it on their own made-up data "
                                  "(not MNIST: these are not your model's real numbers):")
                         + "\n    " + printed.rstrip().replace("\n", "\n    "))
    return {"score": _points(sum(t["score"] for t in tests)), "execution_time": max(int(round(seconds)), 0),
            "output": inert("\n".join(lines)), "output_format": "text", "stdout_visibility": "hidden",
            "tests": tests}


def _step_of(test: dict) -> str:
    """The step a test belongs to: its name starts with the check's id or the step's ("step04.k-updates: ...")."""
    return test["name"].split(":", 1)[0].split(".", 1)[0]


def _points(value: float) -> float | int:
    value = round(value, 4)
    return int(value) if value == int(value) else value


def _isolation(results) -> str:
    return next((g.get("isolation") for g in results.grades[LEARNER].values() if g.get("isolation")), "")


def grade_submission(source: Path, submission: Path, config: dict, in_process: bool = False) -> tuple:
    """(ClassResults of the one learner, the graded folder, why that folder). The steps are graded side
    by side, one judge forked per step (kata.grading.isolate), as many at once as there are cores, as
    class grading grades a learner's steps; the learner's code runs in its confined child. With
    `in_process`, one after another in this process instead (setup's --check: the cases each check
    drew stay here, to be kept for every submission)."""
    from kata.classroom import grading
    from kata.grading import hidden_checks, isolate, kept_cases, notebooks, runner
    from kata.judging import case_drawing
    from kata.steps import registry

    steps = [registry.BY_ID[s] for s in config["steps"]]
    folder, why = locate(submission, steps)
    # the zygote warmed with what these steps' code imports
    hidden = hidden_checks.for_grading(source / HIDDEN if (source / HIDDEN).is_dir() else None,
                                       tuple(sorted({name for step in steps for name in step.preload})))
    klass = grading.ClassResults(folder.parent, steps, [LEARNER], {LEARNER: {}},
                                 {s: [c.name for c in checks] for s, checks in hidden.items()})
    timeout, memory_mb = config["timeout"], config["memory_mb"] or None
    with notebooks.Submission(folder, top=submission) as handed_in:  # its cells' scratch folder goes with it
        chosen, jobs = {}, []
        for step in steps:
            chosen[step.id] = choice = handed_in.choose(step)
            if choice.missing:  # a notebook's problem, or nothing handed in for the step
                klass.grades[LEARNER][step.id] = handed_in.missing(step, choice)
            else:
                jobs.append(isolate.Job((LEARNER, step.id), step, choice.folder, hidden.get(step.id, ())))
        if in_process:
            graded = {job.key: runner.grade(job.step, job.folder, timeout, job.hidden, memory_mb).to_dict()
                      for job in jobs}
        else:
            isolate.prepare([job.step for job in jobs])
            kept_cases.load(source / KEPT_CASES)
            try:  # the later steps first: they are the longer (CNNs, hooks), and the short ones fill in around them
                graded = isolate.run_all(jobs[::-1], min(isolate.cores(), MAX_JUDGES), timeout, memory_mb)
            finally:
                case_drawing.forget_restored()  # this submission's alone: nothing else in this process uses them
        for job in jobs:
            result = graded[job.key]
            result.pop("seconds", None)
            if result["status"] == "missing":  # what to submit, not where to copy a stub on Gradescope's disk
                result["problem"] = _("{file} is not in your submission: submit it with your other step files "
                                      "(or your steps/ folder) to be graded for {step}.").format(
                    file=job.step.filename, step=job.step.id)
            klass.grades[LEARNER][job.step.id] = handed_in.relabel(job.step, chosen[job.step.id], result)
        klass.grades[LEARNER] = {step.id: klass.grades[LEARNER][step.id] for step in steps}  # in the steps' order
    if in_process:
        try:
            kept_cases.save(source / KEPT_CASES)
        except OSError as e:  # a read-only bundle: each submission draws its cases as a terminal grade does
            print(f"run_autograder --check: the cases drawn were not kept ({e}); grading still works", file=sys.stderr)
    return klass, folder, why


def write_results(root: Path, data: dict) -> Path:
    out = root / "results"
    out.mkdir(parents=True, exist_ok=True)
    path = out / "results.json"
    fd, tmp = tempfile.mkstemp(dir=out, prefix=".results.", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=1, ensure_ascii=False)
    os.replace(tmp, path)  # a file planted at that name (a link too) is replaced, never followed
    return path


def run(root: Path, check: bool = False, source: Path | None = None) -> int:
    """Grade root/submission and write root/results/results.json; whatever goes wrong, a results.json
    says so. With `check` (setup.sh does it once): grade the reference solutions instead, which must
    earn every point, and write nothing. `source`: the bundle's folder (its configuration and hidden
    checks); by default the kata this runs from, as run_autograder runs it."""
    started = time.monotonic()
    source = paths.ROOT if source is None else source
    try:
        config = json.loads((source / CONFIG).read_text(encoding="utf-8"))
        i18n.use(config.get("lang", "en"))  # what the learner reads, in the course's language
        klass, folder, why = grade_submission(source, paths.SOLUTIONS if check else root / LEARNER, config,
                                              in_process=check)
        data = results(klass, config["weights"], folder, why, time.monotonic() - started)
    except Exception as e:  # noqa: BLE001  the engine itself failed: say so in results.json, details in the log
        traceback.print_exc()
        if not check:
            write_results(root, {
                "score": 0, "execution_time": int(time.monotonic() - started), "stdout_visibility": "hidden",
                "output": f"The autograder itself failed ({type(e).__name__}), not your code: your instructor "
                          "sees the details in the autograder's log.", "tests": []})
        return 1
    most = _points(sum(t["max_score"] for t in data["tests"]))
    where = "(not written: --check)" if check else write_results(root, data)
    print(f"kata {source} graded {inert(folder, one_line=True)}: {data['score']}/{most} in "
          f"{data['execution_time']} s; results: {where}")
    print(data["output"])
    if check and data["score"] != most:
        print("run_autograder --check: the reference solutions do not earn every point: this bundle is broken "
              "(a hidden check that fails on the reference?)", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    import argparse

    p = argparse.ArgumentParser(prog="run_autograder", description="Grade one Gradescope submission.")
    p.add_argument("--root", type=Path, default=Path(os.environ.get("AUTOGRADER_ROOT") or DEFAULT_ROOT))
    p.add_argument("--check", action="store_true", help="grade the reference solutions instead: all must pass")
    args = p.parse_args(argv)
    return run(args.root, args.check)


if __name__ == "__main__":
    sys.exit(main())

