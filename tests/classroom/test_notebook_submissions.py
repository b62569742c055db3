"""Notebooks handed in to the instructor's commands: `grader.py class`, Gradescope's run_autograder and
the GitHub Classroom command take the last `%%kata stepNN` cell of each step as that step's file, read
from the notebook's JSON and never run (kata.grading.notebooks.Submission).

A made-up class of four learners, graded once on step00 and step01 (two of the cheapest steps):
ana (a notebook only: an earlier, wrong step00 cell before the right one, and cells that must never
run), ben (a notebook that is not JSON, beside a step00 file), cy (plain step files: graded as always)
and dee (both ways: a stub step00 file beside a worked cell, a step01 file beside a wrong cell).
The notebooks are written by hand as nbformat 4 JSON, with the reference solutions in their cells.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from kata import paths
from kata.authoring import mutants
from kata.classroom import cli as class_cli
from kata.classroom import gradescope, workflow
from kata.grading import notebooks
from kata.judging.results import MISSING, PASSED
from kata.steps import registry
from kata.steps.stubs import make_stub

STEP0, STEP1 = registry.BY_ID["step00"], registry.BY_ID["step01"]
SOLUTION0 = (paths.SOLUTIONS / STEP0.filename).read_text()
SOLUTION1 = (paths.SOLUTIONS / STEP1.filename).read_text()


def code(source: str) -> dict:
    return {"cell_type": "code", "source": source.splitlines(keepends=True), "metadata": {}, "outputs": [],
            "execution_count": None}


def markdown(source: str) -> dict:
    return {"cell_type": "markdown", "source": source.splitlines(keepends=True), "metadata": {}}


def notebook(*cells: dict) -> str:
    return json.dumps({"cells": list(cells), "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1)


def kata_cell(step, body: str) -> dict:
    return code(f"%%kata {step.id}\n{body}")


def never_run(side: Path) -> str:
    """Code that would leave a file behind and stop whoever ran it."""
    return f"open({str(side)!r}, 'w').write('this cell ran')\nraise SystemExit('this cell ran')\n"


def snapshot(folder: Path) -> list:
    return sorted((str(p.relative_to(folder)), p.lstat().st_mtime_ns, p.read_bytes() if p.is_file() else b"")
                  for p in folder.rglob("*"))


def scratch_folders(state: Path) -> list[Path]:
    root = state / "scratch"
    return sorted(root.iterdir()) if root.is_dir() else []


@pytest.fixture(scope="module")
def klass(tmp_path_factory):
    root = tmp_path_factory.mktemp("notebooks")
    side = root / "side-effect"  # what the cells that must not run would write
    subs = root / "submissions"
    for name in ("ana", "ben", "cy", "dee"):
        (subs / name).mkdir(parents=True)
    wrong0 = mutants.find(STEP0.id, "nll-sum").source()
    (subs / "ana" / "my work.ipynb").write_text(notebook(
        markdown("# My kata\n%%kata step00\n"),  # not code: never a step
        code(never_run(side)),  # cell 2: plain code, never run
        kata_cell(STEP0, wrong0),  # cell 3: an earlier try, replaced by cell 6
        code("%%kata step99\n" + never_run(side)),  # no such step: left out
        kata_cell(STEP1, SOLUTION1),  # cell 5
        code("\n%%kata step00\n" + SOLUTION0),  # cell 6: the last step00 cell (a blank line above the magic)
    ))
    (subs / "ben" / "broken.ipynb").write_text('{"cells": [ {"cell_type": "code", "source": "%%kata step01\\n')
    (subs / "ben" / STEP0.filename).write_text(SOLUTION0)
    (subs / "cy" / STEP0.filename).write_text(SOLUTION0)
    (subs / "cy" / STEP1.filename).write_text(SOLUTION1)
    (subs / "dee" / STEP0.filename).write_text(make_stub(STEP0))  # the stub as handed out
    (subs / "dee" / STEP1.filename).write_text(SOLUTION1)
    wrong1 = mutants.find(STEP1.id, "loss-sum").source()
    (subs / "dee" / "kata.en.ipynb").write_text(notebook(kata_cell(STEP0, SOLUTION0), kata_cell(STEP1, wrong1)))
    before = snapshot(subs)
    out = root / "reports"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KATA_STATE_DIR", str(root / "state"))
        code_ = class_cli.main_class([str(subs), "--out", str(out), "--steps", "step00,step01", "--jobs", "2",
                                      "--timeout", "30"])
    return {"subs": subs, "out": out, "code": code_, "before": before, "side": side, "root": root,
            "results": json.loads((out / "results.json").read_text())["learners"],
            "summary": (out / "summary.md").read_text()}


@pytest.mark.slow
def test_a_class_with_notebooks_gets_each_learners_own_verdicts(klass):
    assert klass["code"] == 0
    r = klass["results"]
    assert [r["ana"][s]["status"] for s in ("step00", "step01")] == [PASSED, PASSED]
    assert [r["cy"][s]["status"] for s in ("step00", "step01")] == [PASSED, PASSED]
    assert r["ben"]["step00"]["status"] == PASSED and r["ben"]["step01"]["status"] == MISSING
    for learner in ("ana", "cy"):
        for s in ("step00", "step01"):
            assert r[learner][s]["credit"] == r[learner][s]["total"] > 0
    # the notebook's learner: each step names the cell graded, never the grader's scratch copy
    ana = r["ana"]["step00"]
    assert ana["file"] == f"{klass['subs'] / 'ana' / 'my work.ipynb'}, cell 6" and ana["target"] == str(klass["subs"] / "ana")
    assert "cell 6" in ana["graded"] and "`%%kata step00`" in ana["graded"]
    assert r["ana"]["step01"]["file"].endswith("my work.ipynb, cell 5")
    assert str(klass["root"] / "state") not in json.dumps(r["ana"])
    # the plain step files: graded exactly as without notebooks (no note)
    assert "graded" not in r["cy"]["step00"] and r["cy"]["step01"]["file"] == str(klass["subs"] / "cy" / STEP1.filename)
    # the same code graded from a cell or from a file: the same checks, the same verdicts
    for s in ("step00", "step01"):
        assert [(c["id"], c["status"]) for c in r["ana"][s]["checks"]] == \
            [(c["id"], c["status"]) for c in r["cy"][s]["checks"]]
    assert "| ana | 7/7 | 9/9 | 2/2 |" in klass["summary"] and "| cy | 7/7 | 9/9 | 2/2 |" in klass["summary"]
    assert "| ben | 7/7 | — | 1/2 |" in klass["summary"]


@pytest.mark.slow
def test_a_notebook_that_is_not_json_is_said_in_that_learners_report(klass):
    ben = klass["results"]["ben"]
    missing = ben["step01"]
    assert missing["status"] == MISSING and missing["credit"] == 0 and missing["total"] > 0
    assert "broken.ipynb" in missing["problem"] and "not valid JSON" in missing["problem"]
    assert STEP1.filename in missing["problem"]  # neither the step file nor a cell
    assert ben["step00"]["status"] == PASSED  # the step file beside it is graded as usual
    assert "not valid JSON" in ben["step00"]["graded"] and str(klass["subs"] / "ben" / STEP0.filename) in ben["step00"]["graded"]
    csv = (klass["out"] / "summary.csv").read_text()
    assert "not valid JSON" in next(line for line in csv.splitlines() if line.startswith("ben,step01"))
    learner = json.loads((klass["out"] / "gradescope" / "ben" / "results.json").read_text())
    test = next(t for t in learner["tests"] if t["name"] == "step01: could not be graded")
    assert "broken.ipynb" in test["output"] and test["score"] == 0


@pytest.mark.slow
def test_the_last_cell_of_a_step_is_graded(klass):
    ana = klass["results"]["ana"]["step00"]
    assert ana["status"] == PASSED  # cell 3 (nll sums instead of averaging) would fail
    assert notebooks.cells_at((klass["subs"] / "ana" / "my work.ipynb").read_text())["step00"].number == 6


@pytest.mark.slow
def test_no_other_cell_is_ever_run_and_nothing_handed_in_changes(klass):
    assert not klass["side"].exists()  # the plain code cell and the %%kata step99 cell never ran
    assert snapshot(klass["subs"]) == klass["before"]  # the learners' files are only read
    assert scratch_folders(klass["root"] / "state") == []  # the cells' copies are gone with the grading


@pytest.mark.slow
def test_a_step_handed_in_both_ways_says_which_was_graded(klass):
    dee = klass["results"]["dee"]
    file_wins = dee["step01"]
    assert file_wins["status"] == PASSED and file_wins["file"] == str(klass["subs"] / "dee" / STEP1.filename)
    assert f"Graded: {klass['subs'] / 'dee' / STEP1.filename}." in file_wins["graded"]
    assert "kata.en.ipynb (cell 2) was not graded" in file_wins["graded"]
    stub_gives_way = dee["step00"]  # the untouched stub is no work: the notebook's cell is graded
    assert stub_gives_way["status"] == PASSED and stub_gives_way["file"].endswith("kata.en.ipynb, cell 1")
    assert "still the stub as handed out" in stub_gives_way["graded"]
    learner = json.loads((klass["out"] / "gradescope" / "dee" / "results.json").read_text())
    assert learner["score"] == sum(t["max_score"] for t in learner["tests"])
    assert "step00: Graded: the last `%%kata step00` cell" in learner["output"]
    assert f"step01: Graded: {klass['subs'] / 'dee' / STEP1.filename}." in learner["output"]
    assert "output" not in json.loads((klass["out"] / "gradescope" / "cy" / "results.json").read_text())


def test_which_is_graded(tmp_path):
    """The rules without grading: several notebooks, stubs on either side, a link, a FIFO."""
    folder = tmp_path / "learner"
    folder.mkdir()
    (folder / "a.ipynb").write_text(notebook(kata_cell(STEP1, SOLUTION1)))
    (folder / "b.ipynb").write_text(notebook(kata_cell(STEP1, SOLUTION1 + "\n# mine\n")))
    (folder / "c.ipynb").write_text(notebook(kata_cell(STEP0, make_stub(STEP0)), kata_cell(STEP1, make_stub(STEP1))))
    with notebooks.Submission(folder) as sub:
        ambiguous = sub.choose(STEP1)  # two notebooks with work in a step01 cell, no step file
        assert "a.ipynb" in ambiguous.missing and "b.ipynb" in ambiguous.missing and "none was" in ambiguous.missing
        assert sub.missing(STEP1, ambiguous)["status"] == MISSING
        stub = sub.choose(STEP0)  # only a stub cell: graded (it is "not started")
        assert stub.cell.endswith("c.ipynb, cell 1") and (stub.folder / STEP0.filename).read_text().startswith("\n")
        scratch = stub.folder
    assert not scratch.exists()
    (folder / "b.ipynb").unlink()
    (folder / "c.ipynb").unlink()
    os.symlink(folder / "a.ipynb", folder / "linked.ipynb")
    os.mkfifo(folder / "fifo.ipynb")
    with notebooks.Submission(folder) as sub:
        assert "symbolic link" in sub.problems[folder / "linked.ipynb"]
        assert "not a regular file" in sub.problems[folder / "fifo.ipynb"]
        assert sub.choose(STEP1).cell.endswith("a.ipynb, cell 1")  # the readable one, despite the others
    (folder / STEP1.filename).write_text(make_stub(STEP1))
    (folder / STEP0.filename).write_text("x = 1\n")  # worked on (not the stub): wins
    with notebooks.Submission(folder) as sub:
        assert "still the stub" in sub.choose(STEP1).note
        assert sub.choose(STEP0).cell == ""  # no step00 cell at all: the file, no note beyond the notebooks'


@pytest.mark.parametrize("text, says", [
    ("[" * 100_000 + "]" * 100_000, "not valid JSON"),
    ('{"cells": {"not": "a list"}}', "no list of cells"),
    ("null", "no list of cells"),
    (b"\xff\xfe{}", "not UTF-8"),
])
def test_a_notebook_that_cannot_be_read_is_one_sentence(tmp_path, text, says):
    (tmp_path / "odd.ipynb").write_bytes(text if isinstance(text, bytes) else text.encode())
    with notebooks.Submission(tmp_path) as sub:
        choice = sub.choose(STEP1)
    assert choice.missing.startswith(f"{tmp_path / 'odd.ipynb'} is not a notebook the grader can read: ")
    assert says in choice.missing


def test_odd_cells_are_no_step_files(tmp_path):
    """Sources that are not text, a lone surrogate: still read as data, graded (or not) as such."""
    (tmp_path / "odd.ipynb").write_text(notebook(
        {"cell_type": "code", "source": [1, 2], "metadata": {}, "outputs": [], "execution_count": None},
        kata_cell(STEP1, 'x = "\ud800"\n')))
    with notebooks.Submission(tmp_path) as sub:
        choice = sub.choose(STEP1)
        assert choice.cell.endswith("odd.ipynb, cell 2")
        assert b"\xed\xa0\x80" in (choice.folder / STEP1.filename).read_bytes()  # not UTF-8: a verdict says so


def test_a_repositorys_notebooks_folder_is_read_with_its_steps(tmp_path):
    """Gradescope's whole repository and GitHub Classroom's: steps/ holds the stubs, notebooks/ the work."""
    repo = tmp_path / "repo"
    (repo / "steps").mkdir(parents=True)
    (repo / "notebooks").mkdir()
    (repo / "steps" / STEP1.filename).write_text(make_stub(STEP1))
    (repo / "notebooks" / "kata.en.ipynb").write_text(notebook(kata_cell(STEP1, SOLUTION1)))
    (repo / "notebooks" / "kata.vi.ipynb").write_text(notebook(kata_cell(STEP1, make_stub(STEP1))))  # untouched
    with notebooks.Submission(repo / "steps", top=repo) as sub:
        assert sub.choose(STEP1).cell.endswith("kata.en.ipynb, cell 1")
    with notebooks.Submission(repo / "steps") as sub:  # no top: nothing above the folder is read
        assert sub.notebooks == []
    assert gradescope.locate(repo / "notebooks", [STEP1]) == (repo / "notebooks", "no step file: the submitted notebook")
    assert gradescope.locate(tmp_path, [STEP0])[0] == repo / "notebooks"


@pytest.mark.slow
def test_run_autograder_grades_a_submitted_notebook(tmp_path):
    """The Gradescope bundle, unpacked, its run_autograder run in a process of its own on a submission that
    is one notebook (the kata's root, AUTOGRADER_ROOT and KATA_PYTHON as tests/classroom/test_gradescope.py)."""
    side = tmp_path / "side-effect"
    assert class_cli.main_gradescope(["build", "--out", str(tmp_path / "out"), "--steps", STEP1.id,
                                      "--timeout", "30", "--memory", "2048"]) == 0
    root = tmp_path / "autograder"
    with zipfile.ZipFile(tmp_path / "out" / "autograder.zip") as z:
        z.extractall(root / "source")
    (root / "submission").mkdir()
    (root / "results").mkdir()
    (root / "submission" / "kata.en.ipynb").write_text(notebook(
        code(never_run(side)), kata_cell(STEP1, "raise SystemExit('an earlier try')\n"), kata_cell(STEP1, SOLUTION1)))
    env = {k: v for k, v in os.environ.items() if not k.startswith("KATA_")}
    env |= {"AUTOGRADER_ROOT": str(root), "KATA_PYTHON": sys.executable, "KATA_STATE_DIR": str(tmp_path / "state")}
    done = subprocess.run(["bash", str(root / "source" / "run_autograder")], cwd=root, env=env, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
    assert done.returncode == 0, done.stdout
    data = json.loads((root / "results" / "results.json").read_text())
    assert data["score"] == sum(t["max_score"] for t in data["tests"]) == len(STEP1.rules) + len(STEP1.checks)
    assert "the submitted notebook" in data["output"]
    assert f"{root / 'submission' / 'kata.en.ipynb'} (cell 3;" in data["output"]  # the cell graded, said
    assert not side.exists() and scratch_folders(tmp_path / "state") == []


def test_the_classroom_command_grades_a_notebooks_cell(tmp_path, monkeypatch, capfd):
    """`python -m kata.classroom.workflow STEP`, the workflow's command: grader.py on the notebook's cell (here
    grader.py is a stand-in that shows what it was asked; the real one is test_workflow.py's)."""
    repo = tmp_path / "repo"
    (repo / "steps").mkdir(parents=True)
    (repo / "steps" / STEP1.filename).write_text(make_stub(STEP1))
    (repo / "kata.ipynb").write_text(notebook(markdown("hi"), kata_cell(STEP1, SOLUTION1)))
    (repo / "grader.py").write_text(  # prints what it was asked to grade, and that file's first lines
        "import sys, pathlib\nprint(sys.argv[1:])\nprint(repr(pathlib.Path(sys.argv[-1], 'step01_functional.py')"
        ".read_text()[:30]) if '--target' in sys.argv else '')\n")
    monkeypatch.setattr(paths, "ROOT", repo)
    monkeypatch.setattr(paths, "STEPS", repo / "steps")
    assert workflow.main([STEP1.id, "--timeout", "90"]) == 0
    out = capfd.readouterr().out
    assert "the last `%%kata step01` cell of" in out and "cell 2" in out
    assert "['step01', '--timeout', '90', '--target'," in out
    assert repr(("\n" + SOLUTION1)[:30]) in out  # the cell's text, a blank line standing for the %%kata line
    (repo / "kata.ipynb").write_text("not json")
    assert workflow.main([STEP1.id]) == 0  # the step file (the stub) is graded, and the notebook's problem said
    out = capfd.readouterr().out
    assert "not valid JSON" in out and "['step01']" in out
    (repo / "steps" / STEP1.filename).unlink()
    assert workflow.main([STEP1.id]) == 1
    assert "nothing to grade" in capfd.readouterr().out
