"""Class grading as an instructor would use it, on a made-up class of 30 submissions
(bench/class_fixture.py): reports, adversarial verdicts, isolation, determinism, compare."""
import filecmp
import json
import shutil

import pytest

from bench.class_fixture import make_class
from kata.classroom import cli as class_cli
from kata.classroom import grading as classroom
from kata.classroom.reports import write_reports
from kata.engine import runner
from kata.steps import registry

STEPS = ["step00", "step04"]


def snapshot(folder):
    return sorted((str(p.relative_to(folder)), p.is_symlink(), p.read_bytes() if p.is_file() and not p.is_symlink()
                   else b"") for p in folder.rglob("*"))


@pytest.fixture(scope="module")
def klass(tmp_path_factory):
    root = tmp_path_factory.mktemp("class")
    submissions = root / "submissions"
    kinds = make_class(submissions, STEPS)
    hidden = root / "hidden"
    hidden.mkdir()
    (hidden / "step04.py").write_text(
        "from kata.steps import strategies as S\nfrom kata.steps.checks.base import prop\nfrom kata.engine.compare import Mismatch\n\n"
        "@prop('get_model() defaults to lr=0.5', uses=('get_model',), strategy=S.seeds, edges=(0,), max_examples=1)\n"
        "def default_lr(learner, ref, seed):\n"
        "    lr = learner.get_model()[1].param_groups[0]['lr']\n"
        "    if lr != 0.5:\n        raise Mismatch('lr', f'is {lr}')\n\nCHECKS = [default_lr]\n")
    before = snapshot(submissions)
    out = root / "reports"
    code = class_cli.main_class([str(submissions), "--out", str(out), "--steps", ",".join(STEPS), "--jobs", "2",
                                 "--timeout", "10", "--extra-tests", str(hidden)])
    return {"submissions": submissions, "kinds": kinds, "out": out, "code": code, "before": before, "root": root,
            "hidden": hidden, "results": json.loads((out / "results.json").read_text())}


def test_the_class_is_big_enough_and_varied(klass):
    kinds = klass["kinds"]
    assert len(kinds) >= 30
    assert sum(k.startswith("adversarial") for k in kinds.values()) >= 6


def test_every_report_is_written(klass):
    out = klass["out"]
    assert klass["code"] == 0
    for name in ("summary.md", "summary.csv", "results.json", "heatmap.svg"):
        assert (out / name).stat().st_size > 0
    assert "| solved-0 | 9/9 | 7/7 | 2/2 |" in (out / "summary.md").read_text()
    assert (out / "summary.csv").read_text().splitlines()[0].startswith("learner,step,status,credit,total")
    assert (out / "heatmap.svg").read_text().count("<rect") == len(klass["kinds"]) * len(STEPS)
    for learner in klass["kinds"]:
        gradescope = json.loads((out / "gradescope" / learner / "results.json").read_text())
        assert {"name", "score", "max_score", "output"} <= set(gradescope["tests"][0])


def test_the_submissions_are_never_written(klass):
    assert snapshot(klass["submissions"]) == klass["before"]


def verdict(klass, learner, step="step04"):
    grade = klass["results"]["learners"][learner][step]
    return grade, " ".join((grade["problem"] + " " + " ".join(c["message"] for c in grade["checks"])).split())


def test_each_adversarial_submission_gets_its_own_verdict(klass):
    expectations = {
        "zz-endless-loop": "did not finish within 10 s",
        "zz-memory-bomb": "ran out of memory",
        "zz-os-exit": "ends the process itself",
        "zz-imports-solutions": "reaches for the reference solutions",
        "zz-reads-solutions": "reaches for the reference solutions",
        "zz-tampers": "imports `kata.engine.compare`",
        "zz-shadows-kata": "would stand in for the kata's own code",
        "zz-links-solution": "is a link, not a file",
    }
    for learner, words in expectations.items():
        grade, text = verdict(klass, learner)
        assert words in text, (learner, text[:300])
        assert grade["status"] != "passed" and grade["credit"] < grade["total"], learner
        if learner not in ("zz-endless-loop", "zz-memory-bomb"):  # those keep the checks passed before it
            assert grade["credit"] == 0, learner


def test_honest_grades_are_what_grading_alone_gives(klass):
    honest = [name for name, kind in klass["kinds"].items() if kind.startswith("honest")]
    for learner in honest:
        for step_id in STEPS:
            alone = runner.grade(registry.BY_ID[step_id], klass["submissions"] / learner, 10).to_dict()
            alone.pop("seconds")
            in_class = klass["results"]["learners"][learner][step_id]
            assert in_class | {"credit": 0, "total": 0, "hidden": []} == \
                alone | {"credit": 0, "total": 0, "hidden": []}, (learner, step_id)


def test_hidden_checks_are_reported_apart(klass):
    results = klass["results"]
    assert results["hidden_checks"] == {"step04": ["get_model() defaults to lr=0.5"]}
    solved = results["learners"]["solved-0"]["step04"]
    assert [c["status"] for c in solved["hidden"]] == ["passed"]
    assert results["learners"]["solved-0"]["step04"]["credit"] == 7  # hidden checks do not change the grade


def test_same_submissions_same_reports_whatever_the_jobs(klass):
    again = klass["root"] / "again"
    results = classroom.grade_class(klass["submissions"], [registry.BY_ID[s] for s in STEPS], jobs=1, timeout=10,
                                    hidden_folder=klass["hidden"])
    write_reports(results, again)
    names = ["summary.md", "summary.csv", "results.json", "heatmap.svg"]
    match, mismatch, errors = filecmp.cmpfiles(klass["out"], again, names, shallow=False)
    assert not mismatch and not errors
    shutil.rmtree(again)


def test_compare_groups_the_same_approach(klass, capsys):
    code = class_cli.main_compare(["step04", str(klass["submissions"]), "--timeout", "5"])
    out = capsys.readouterr().out
    assert code == 0
    first = out.split("group 1", 1)[1].split("group 2", 1)[0]
    # the reference, copied, reformatted and renamed, is one approach; and it passes
    for learner in ("solved-0", "solved-1", "solved-2", "reformatted"):
        assert learner in first
    assert "· passed" in first
    assert "distinct approaches" in out and "· failing" in out


def test_compare_side_by_side(klass, capsys):
    assert class_cli.main_compare(["step04", str(klass["submissions"]), "--diff", "solved-0", "wrong-step04-momentum"]) == 0
    out = capsys.readouterr().out
    assert "momentum=0.9" in out and "solved-0" in out


def test_usage_errors(tmp_path, capsys):
    assert class_cli.main_class([str(tmp_path / "nope"), "--out", str(tmp_path / "o")]) == 2
    assert class_cli.main_compare(["step99", str(tmp_path)]) == 2
