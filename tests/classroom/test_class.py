"""Class grading as an instructor runs it, on a small made-up class of one step: the reports, the
hidden checks, grades equal to grading alone, the same reports whatever the jobs, compare.

Five learners: alice (the reference), bob (the reference with other local names, comments and
spacing), carol (a catalogued wrong version), dave (a link to the reference: nothing earned) and
erin (the reference, reaching into the grader: the guard fails, and the rules judged by what ran with it).
Hostile classmates are tests/hostile/test_class.py's.
"""
import filecmp
import json
import os

import pytest

from kata import paths
from kata.authoring import mutants
from kata.classroom import cli as class_cli
from kata.classroom import grading
from kata.classroom.reports import write_reports
from kata.judging.results import BROKEN, FAILING, PASSED
from kata.steps import registry
from tests.conftest import grade

STEP = registry.BY_ID["step04"]
SOLUTION = (paths.SOLUTIONS / STEP.filename).read_text()
REFORMATTED = SOLUTION.replace(
    "    model = Mnist_Logistic()\n    return model, optim.SGD(model.parameters(), lr=lr)",
    "    m = Mnist_Logistic()  # mine\n    return m, optim.SGD(m.parameters(), lr = lr)").replace(
    "loss.backward()", "loss.backward()  # gradients of every parameter")
HIDDEN = '''from kata.grading.plain_checks import check


@check("get_model() defaults to lr=0.5", uses=("get_model",))
def default_lr(learner, reference, previous):
    model, opt = learner.get_model()
    assert opt.param_groups[0]["lr"] == 0.5, "get_model() should default to lr=0.5"
    assert opt.param_groups[0]["momentum"] == 0, "plain SGD: no momentum"
'''
REPORTS = ["summary.md", "summary.csv", "results.json", "heatmap.svg"]


def snapshot(folder):
    return sorted((str(p.relative_to(folder)), p.is_symlink(), p.lstat().st_mtime_ns,
                   p.read_bytes() if p.is_file() and not p.is_symlink() else b"") for p in folder.rglob("*"))


@pytest.fixture(scope="module")
def klass(tmp_path_factory):
    root = tmp_path_factory.mktemp("class")
    submissions = root / "submissions"
    assert REFORMATTED.count("# mine") == 1
    for learner, text in {"alice": SOLUTION, "bob": REFORMATTED,
                          "carol": mutants.find("step04", "momentum").source(),
                          "erin": "try:\n    import kata.judging.compare\nexcept Exception:\n    pass\n" + SOLUTION}.items():
        (submissions / learner).mkdir(parents=True)
        (submissions / learner / STEP.filename).write_text(text)
    (submissions / "dave").mkdir()
    os.symlink(paths.SOLUTIONS / STEP.filename, submissions / "dave" / STEP.filename)
    hidden = root / "hidden"
    hidden.mkdir()
    (hidden / "step04.py").write_text(HIDDEN)
    before = snapshot(submissions)
    out = root / "reports"
    code = class_cli.main_class([str(submissions), "--out", str(out), "--steps", "step4", "--jobs", "2",
                                 "--timeout", "30", "--extra-tests", str(hidden)])
    return {"submissions": submissions, "out": out, "code": code, "before": before, "root": root, "hidden": hidden,
            "results": json.loads((out / "results.json").read_text())}


@pytest.mark.slow
def test_every_report_is_written(klass):
    out = klass["out"]
    assert klass["code"] == 0
    for name in REPORTS:
        assert (out / name).stat().st_size > 0
    summary = (out / "summary.md").read_text()
    assert "| alice | 5/5 · h 1/1 | 1/1 |" in summary and "| bob | 5/5 · h 1/1 | 1/1 |" in summary
    assert "| carol | 3/5 · h 0/1 | 0/1 |" in summary and "| dave | 0/5 ! | 0/1 |" in summary
    assert "| erin | 1/5" in summary  # its rules are not judged: they gate the two checks step03 passes too
    assert (out / "summary.csv").read_text().splitlines()[0].startswith("learner,step,status,credit,total")
    assert (out / "heatmap.svg").read_text().count("<rect") == 5
    for learner in ("alice", "bob", "carol", "dave", "erin"):
        gradescope = json.loads((out / "gradescope" / learner / "results.json").read_text())
        assert {"name", "score", "max_score", "output"} <= set(gradescope["tests"][0])
    alice = json.loads((out / "gradescope" / "alice" / "results.json").read_text())
    assert alice["score"] == 5 + 1  # two rules, three checks and the hidden one


@pytest.mark.slow
def test_the_submissions_are_only_read(klass):
    assert snapshot(klass["submissions"]) == klass["before"]


@pytest.mark.slow
def test_each_learner_gets_the_verdict_of_their_own_code(klass):
    learners = klass["results"]["learners"]
    assert [learners[n]["step04"]["status"] for n in ("alice", "bob", "carol", "dave")] == \
        [PASSED, PASSED, FAILING, BROKEN]
    carol = learners["carol"]["step04"]
    assert [c["id"] for c in carol["checks"] if c["status"] == "failed"] == ["step04.sgd", "step04.k-updates"]
    assert "momentum" in next(c["message"] for c in carol["checks"] if c["id"] == "step04.sgd")
    dave = learners["dave"]["step04"]
    assert "is a symbolic link" in dave["problem"] and (dave["credit"], dave["total"]) == (0, 5)
    erin = learners["erin"]["step04"]
    guard = next(c for c in erin["checks"] if c["id"] == "step04.rule.does-not-reach-into-the-grader")
    assert guard["status"] == "failed" and "kata.judging.compare" in guard["message"]
    # the guard is a teaching note, but the rules judged by what ran are not trusted any more: the
    # record they read lives in the learner's own process (README: Trust)
    not_judged = [c["id"] for c in erin["checks"] if c["message"].startswith("not judged")]
    assert not_judged == ["step04.rule.uses-sgd", "step04.rule.fit-updates-no-parameter-by-hand"]
    assert erin["status"] == FAILING and (erin["credit"], erin["total"]) == (1, 5)  # get_model's check only


@pytest.mark.slow
def test_grades_are_what_grading_alone_gives(klass):
    for learner in ("alice", "carol", "erin"):
        alone = grade("step04", klass["submissions"] / learner, 30).to_dict()
        in_class = dict(klass["results"]["learners"][learner]["step04"])
        for key in ("seconds", "credit", "total", "hidden"):
            alone.pop(key, None), in_class.pop(key, None)
        assert in_class == alone, learner


@pytest.mark.slow
def test_hidden_checks_are_reported_apart_and_do_not_change_the_grade(klass):
    results = klass["results"]
    assert results["hidden_checks"] == {"step04": ["get_model() defaults to lr=0.5"]}
    alice, carol = results["learners"]["alice"]["step04"], results["learners"]["carol"]["step04"]
    assert [c["status"] for c in alice["hidden"]] == ["passed"] and alice["credit"] == 5
    assert [c["status"] for c in carol["hidden"]] == ["failed"] and carol["credit"] == 3
    assert all(not c["id"].startswith("hidden") for c in alice["checks"])
    assert "defaults to lr" not in json.dumps(alice["checks"])


@pytest.mark.slow
def test_the_same_submissions_give_the_same_reports_whatever_the_jobs(klass):
    again = klass["root"] / "again"
    results = grading.grade_class(klass["submissions"], [STEP], jobs=1, timeout=30, hidden_folder=klass["hidden"])
    write_reports(results, again)
    match, mismatch, errors = filecmp.cmpfiles(klass["out"], again, REPORTS, shallow=False)
    assert match == REPORTS and not mismatch and not errors


@pytest.mark.slow
def test_compare_groups_the_same_approach(klass, capfd):
    code = class_cli.main_compare(["step04", str(klass["submissions"]), "--timeout", "30"])
    out = capfd.readouterr().out
    assert code == 0 and "4 submissions, 3 distinct approaches" in out  # dave's link is not a submission
    first, second = out.split("group 1", 1)[1].split("group 2", 1)
    assert "2 learners (alice, bob) · passed" in first and "(the same code as the reference solution)" in first
    assert "1 learner (carol) · failing" in second and "+" in second and "momentum=0.9" in second


@pytest.mark.slow
def test_compare_side_by_side(klass, capfd, monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)  # piped, as an instructor's `| less` or a file
    assert class_cli.main_compare(["step04", str(klass["submissions"]), "--diff", "alice", "carol"]) == 0
    out = capfd.readouterr().out
    assert "momentum=0.9" in out and "alice" in out and "carol" in out
    changed = [line for line in out.splitlines() if "momentum=0.9" in line]
    assert changed and all("~" in line.split("momentum")[0] for line in changed)  # marked without colour
    assert max(len(line) for line in out.splitlines()) > 80  # two files side by side: not wrapped at 80


def test_usage_errors(tmp_path, capfd):
    assert class_cli.main_class([str(tmp_path / "nope"), "--out", str(tmp_path / "o")]) == 2
    assert class_cli.main_class([str(tmp_path), "--out", str(tmp_path / "o"), "--extra-tests",
                                 str(tmp_path / "nope")]) == 2
    assert class_cli.main_compare(["step99", str(tmp_path)]) == 2
    assert class_cli.main_compare(["step04", str(tmp_path), "--diff", "alice", "bob"]) == 2
    with pytest.raises(SystemExit):
        class_cli.main_class([str(tmp_path), "--out", str(tmp_path / "o"), "--steps", "step04,step99"])
    err = capfd.readouterr().err
    assert "is not a folder" in err and "unknown step" in err and "does not exist" in err
    assert not (tmp_path / "o").exists()


@pytest.mark.slow
def test_a_report_folder_with_a_link_in_it_gets_one_sentence(klass, capfd, monkeypatch, tmp_path):
    """The grades are shown, the link is not followed, and the instructor reads why, not a traceback."""
    results = grading.ClassResults(klass["submissions"], [STEP], ["alice"], {
        "alice": {"step04": klass["results"]["learners"]["alice"]["step04"]}})
    monkeypatch.setattr(grading, "grade_class", lambda *args, **kwargs: results)
    out, victim = tmp_path / "out", tmp_path / "victim"
    out.mkdir(), victim.mkdir()
    (out / "gradescope").symlink_to(victim, target_is_directory=True)
    code = class_cli.main_class([str(klass["submissions"]), "--out", str(out), "--steps", "step04"])
    captured = capfd.readouterr()
    assert code == 1 and "| alice | 5/5 · h 1/1 | 1/1 |" in captured.out
    assert "the reports could not be written" in captured.err and "is a link" in captured.err
    assert "Traceback" not in captured.err and not any(victim.iterdir())
