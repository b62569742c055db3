"""The class reports, from made-up grades (no grading here): what each cell, row and file says,
the scoring rule every report shares, and how the files are written."""
import csv
import io
import json
from pathlib import Path

import pytest

from kata.classroom import reports
from kata.classroom.grading import ClassResults
from kata.steps import registry

STEPS = [registry.BY_ID["step00"], registry.BY_ID["step04"]]


def check(name, status, message="", counterexample=""):
    return {"id": f"x.{name}", "name": name, "kind": "property", "status": status, "message": message,
            "counterexample": counterexample, "hint": "", "stage": ""}


def step_grade(status, passed, failed=0, max_score=None, problem="", hidden=(), no_credit=False, loaded=True):
    checks = [check(f"ok{i}", "passed") for i in range(passed)] + \
             [check(f"bad{i}", "failed", f"wrong {i}", "bs=1") for i in range(failed)]
    grade = {"status": status, "problem": problem, "checks": checks, "hidden": list(hidden),
             "score": passed if loaded else 0, "loaded": loaded and not no_credit, "max_score": max_score if max_score is not None else passed + failed}
    if no_credit:
        grade["no_credit"] = True
    return grade


@pytest.fixture
def results() -> ClassResults:
    long_problem = "stopped after 2 s\n" + "x" * 400
    grades = {
        "ann": {"step00": step_grade("passed", 9), "step04": step_grade("passed", 7, hidden=[check("h", "passed")])},
        "ben": {"step00": step_grade("missing", 0, max_score=9, problem="does not exist"),
                "step04": step_grade("failing", 5, 2, hidden=[check("h", "failed", "no")])},
        "cid": {"step00": step_grade("not started", 0, max_score=9, loaded=False),
                "step04": {**step_grade("broken", 3, max_score=7, problem=long_problem)}},
        "<dee & co>": {"step00": step_grade("failing", 6, 1, loaded=False),
                       "step04": step_grade("failing", 6, 1, no_credit=True)},
    }
    return ClassResults(Path("/class/submissions"), STEPS, list(grades), grades, {"step04": ["defaults to lr=0.5"]})


def test_credit_is_the_score_and_no_credit_is_zero(results):
    assert results.credit("ann", "step04") == 7 and results.total("ann", "step04") == 7
    assert results.credit("ben", "step04") == 5 and results.total("ben", "step04") == 7
    assert results.credit("<dee & co>", "step04") == 0  # flagged: no credit, whatever passed
    assert results.credit("<dee & co>", "step00") == 0  # nothing earned before the code loads
    results.grades["cid"]["step04"].pop("max_score")  # an old result: the step's declared max
    assert results.total("cid", "step04") == len(STEPS[1].rules) + len(STEPS[1].checks) == 5


def test_summary_markdown_cells(results):
    text = reports.summary_markdown(results)
    assert "| learner | step00 | step04 | steps passed |" in text
    assert "| ann | 9/9 | 7/7 · h 1/1 | 2/2 |" in text
    assert "| ben | — | 5/7 · h 0/1 | 0/2 |" in text
    assert "| cid | 0/9 | 3/7 ! | 0/2 |" in text
    assert "| <dee & co> | 0/7 | 0/7 ! | 0/2 |" in text
    assert "`/class/submissions`" in text


def test_summary_csv_has_one_row_per_learner_step(results):
    rows = list(csv.reader(io.StringIO(reports.summary_csv(results))))
    assert rows[0] == ["learner", "step", "status", "credit", "total", "hidden_passed", "hidden_total", "problem"]
    assert len(rows) == 1 + 4 * 2
    assert rows[1] == ["ann", "step00", "passed", "9", "9", "0", "0", ""]
    assert rows[2] == ["ann", "step04", "passed", "7", "7", "1", "1", ""]
    assert rows[4][5:7] == ["0", "1"]  # ben's hidden check failed
    problem = rows[6][7]
    assert problem.startswith("stopped after 2 s x") and "\n" not in problem and len(problem) == 300


def test_results_json_holds_everything_with_credit_and_total(results):
    data = json.loads(reports.results_json(results))
    assert data["steps"] == ["step00", "step04"] and data["hidden_checks"] == {"step04": ["defaults to lr=0.5"]}
    assert list(data["learners"]) == sorted(results.learners)  # sorted keys: the same class, the same bytes
    ben = data["learners"]["ben"]["step04"]
    assert (ben["credit"], ben["total"]) == (5, 7) and len(ben["checks"]) == 7 and ben["hidden"][0]["status"] == "failed"
    assert "<dee & co>" in reports.results_json(results)  # written as is, not escaped


def test_gradescope_scores_each_check_and_keeps_hidden_ones_for_later(results):
    ann = json.loads(reports.gradescope(results, "ann"))
    assert ann["score"] == 9 + 7 + 1 and len(ann["tests"]) == 9 + 7 + 1
    hidden = [t for t in ann["tests"] if "hidden check" in t["name"]]
    assert hidden == [{"name": "step04: hidden check 1", "score": 1, "max_score": 1, "output": "",
                       "visibility": "after_published"}]  # named by number: its sentence is the instructor's
    ben = json.loads(reports.gradescope(results, "ben"))
    missing = next(t for t in ben["tests"] if t["name"] == "step00: could not be graded")  # one test: the rest
    assert missing == {"name": "step00: could not be graded", "score": 0, "max_score": 9, "output": "does not exist"}
    failed = next(t for t in ben["tests"] if t["name"] == "x.bad0: bad0")
    assert failed["score"] == 0 and failed["output"] == "failed\nbs=1\nwrong 0"
    dee = json.loads(reports.gradescope(results, "<dee & co>"))
    assert dee["score"] == 0, "no credit: not even the checks that passed score"


def test_heatmap_has_a_cell_per_learner_step_coloured_by_credit(results):
    svg = reports.heatmap_svg(results)
    assert svg.count("<rect") == 8
    assert svg.count('fill="#e0e0e0"') == 1  # ben's missing step00
    assert svg.count('fill="#1a9850"') == 2  # ann's full marks
    assert 'fill="#d73027"' in svg  # no credit
    assert "&lt;dee &amp; co&gt;" in svg and "<dee" not in svg


def test_write_reports_writes_every_file_the_same_way_twice(results, tmp_path):
    first, second = tmp_path / "one", tmp_path / "two"
    written = reports.write_reports(results, first)
    reports.write_reports(results, second)
    names = {str(p.relative_to(first)) for p in written}
    assert {"summary.md", "summary.csv", "results.json", "heatmap.svg", "gradescope/ann/results.json",
            "gradescope/<dee & co>/results.json"} <= names
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    assert not list(first.rglob(".*.tmp")), "a temporary file was left behind"


def test_reports_are_never_written_through_a_link(results, tmp_path):
    victim = tmp_path / "victim"
    victim.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "gradescope").symlink_to(victim, target_is_directory=True)
    with pytest.raises(OSError, match="is a link"):
        reports.write_reports(results, out)
    assert not any(victim.iterdir())
    (out / "gradescope").unlink()
    (out / "results.json").unlink()  # written before the refusal: plant a link at its name instead
    (out / "results.json").symlink_to(tmp_path / "elsewhere.json")
    reports.write_reports(results, out)
    assert not (tmp_path / "elsewhere.json").exists() and not (out / "results.json").is_symlink()


def test_the_png_heatmap_when_matplotlib_is_there(results, tmp_path):
    pytest.importorskip("matplotlib")
    assert reports.heatmap_png(results, tmp_path / "a.png") and reports.heatmap_png(results, tmp_path / "b.png")
    assert (tmp_path / "a.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()


def test_summary_shows_hidden_results_by_number_only(results):
    ben = reports.summary_markdown(results).split("| ben |")[1].split("\n")[0]
    assert "· h 0/1" in ben and "no" not in ben  # never the hidden check's words ("no")


def test_each_learner_gets_a_readable_report_in_the_courses_language(results, tmp_path):
    text = reports.learner_markdown(results, "ben")
    assert text.startswith("# torch-nn-kata · ben")
    assert "## step04 · torch.optim: 5/7" in text and "```text" in text
    assert "Hidden checks: 1: failed." in text
    odd = reports.learner_markdown(results, "<dee & co>")
    assert "&lt;dee &amp; co&gt;" in odd.splitlines()[0]
    written = reports.write_reports(results, tmp_path)
    assert tmp_path / "learners" / "ann" / "report.md" in written
