"""Learner folders an instructor may find in SUBMISSIONS: a link (to solutions/, say), a name that is
not UTF-8, one with a newline, one that starts with '-'. The link is refused with a sentence saying
why, the others are graded and shown escaped, and every other learner's reports are written and are
those of a clean class; the report files stay under --out.
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
from pathlib import Path

import pytest

from kata import paths
from kata.classroom import cli as class_cli
from kata.classroom import grading, reports
from kata.inert import inert_name
from kata.judging.results import BROKEN, PASSED
from tests.hostile.classmates import SOLUTION, STEP, alice_and_bob, unvaried

ODD = {b"caf\xe9": "caf\\udce9", b"new\nline": "new\\nline", b"-dash": "-dash"}  # folder name -> as shown


def test_a_name_is_shown_on_one_line_and_never_like_another():
    for raw, shown in ODD.items():
        assert inert_name(raw) == inert_name(os.fsdecode(raw)) == shown
    names = ["a\x1bb", "a\\x1bb", "a\nb", "a\\nb", "a\\b", "a\\\\b", "caf\udce9", "caf\\udce9"]
    assert len({inert_name(n) for n in names}) == len(names)
    assert inert_name("alice") == "alice" and inert_name("Nguyễn Văn An") == "Nguyễn Văn An"


def _grade(status: str, score: int, problem: str = "") -> dict:
    check = {"id": "step00.fit", "name": "fit", "kind": "property", "status": status, "message": "",
             "counterexample": "", "hint": "", "stage": ""}
    return {"status": status, "problem": problem, "checks": [check], "hidden": [], "score": score, "loaded": True,
            "max_score": 1}


def test_reports_are_written_whatever_the_names(tmp_path):
    """Made-up grades under raw names (no grading): every report is written, one row and one file each."""
    names = ["alice", "caf\udce9", "new\nline", "-dash", "a|b", "=cmd()", "x" * 250, "é" * 120, "..", "a/b",
             "$\\frac{$"]  # the last: no formula of matplotlib's in heatmap.png
    klass = grading.ClassResults(tmp_path / "subs", [STEP], names, {n: {STEP.id: _grade(PASSED, 1)} for n in names})
    out = tmp_path / "out"
    written = reports.write_reports(klass, out)
    assert all(out in p.parents for p in written)
    mine = [p for p in written if "gradescope" in p.parts]
    assert len({p.parent for p in mine}) == len(names)  # one file each, none shared
    assert all(p.parent.parent == out / "gradescope" and len(p.parent.name.encode()) <= 200 for p in mine)
    md = (out / "summary.md").read_text(encoding="utf-8")
    rows = [line for line in md.splitlines() if line.startswith("| ")]
    assert len(rows) == len(names) + 1 and all(len(re.findall(r"(?<!\\)\|", line)) == 4 for line in rows)  # 3 cells
    assert "| caf\\udce9 |" in md and "| new\\nline |" in md and "a\\|b" in md
    rows = list(csv.reader(io.StringIO((out / "summary.csv").read_text(encoding="utf-8"))))
    assert len(rows) == len(names) + 1
    assert {r[0] for r in rows[1:]} >= {"'-dash", "'=cmd()", "caf\\udce9"}  # never read as a formula
    assert len(json.loads((out / "results.json").read_text(encoding="utf-8"))["learners"]) == len(names)


def _class(root: Path, odd: bool) -> Path:
    """alice passes, bob has not started; the odd class adds a link to the reference solutions and three
    folder names that are hard to show, each holding the reference (they pass)."""
    alice_and_bob(root)
    if odd:
        os.symlink(paths.SOLUTIONS, root / "linked", target_is_directory=True)
        for raw in ODD:
            folder = os.path.join(os.fsencode(root), raw)
            os.mkdir(folder)
            with open(os.path.join(folder, os.fsencode(STEP.filename)), "w") as f:
                f.write(SOLUTION)
    return root


def _same(text: str, tmp_path: Path) -> str:
    return unvaried(text, tmp_path / "clean", tmp_path / "odd")


@pytest.mark.slow
def test_odd_folders_are_graded_or_refused_alone(tmp_path, capfd):
    outs = {}
    for run in ("clean", "odd"):
        outs[run] = tmp_path / run / "reports"
        code = class_cli.main_class([str(_class(tmp_path / run / "subs", run == "odd")), "--out", str(outs[run]),
                                     "--steps", STEP.id, "--jobs", "2", "--timeout", "60"])
        assert code == 0, capfd.readouterr()
    printed = capfd.readouterr().out
    clean = json.loads((outs["clean"] / "results.json").read_text(encoding="utf-8"))["learners"]
    odd = json.loads((outs["odd"] / "results.json").read_text(encoding="utf-8"))["learners"]
    assert set(odd) == {"alice", "bob", "linked", *ODD.values()}
    for learner in ("alice", "bob"):  # written, and as in the clean class
        assert _same(json.dumps(odd[learner], sort_keys=True), tmp_path) == \
            _same(json.dumps(clean[learner], sort_keys=True), tmp_path)
        assert _same((outs["odd"] / "gradescope" / learner / "results.json").read_text(), tmp_path) == \
            _same((outs["clean"] / "gradescope" / learner / "results.json").read_text(), tmp_path)
    for shown in ODD.values():  # graded, under the name shown
        assert odd[shown][STEP.id]["status"] == PASSED and odd[shown][STEP.id]["credit"] == odd[shown][STEP.id]["total"]
        assert (outs["odd"] / "gradescope" / shown / "results.json").is_file()
    # the link to solutions/ earns nothing, and says why: in the summary, and in the learner's own report
    linked = odd["linked"][STEP.id]
    assert linked["status"] == BROKEN and linked["credit"] == 0 and "symbolic link" in linked["problem"]
    md = (outs["odd"] / "summary.md").read_text(encoding="utf-8")
    assert "Not graded: `linked` (a symbolic link" in md and "Not graded" in printed
    assert "| new\\nline |" in md and "| caf\\udce9 |" in md and "| -dash |" in md
    mine = json.loads((outs["odd"] / "gradescope" / "linked" / "results.json").read_text(encoding="utf-8"))
    assert mine["score"] == 0 and any("symbolic link" in t["output"] for t in mine["tests"])
    rows = list(csv.reader(io.StringIO((outs["odd"] / "summary.csv").read_text(encoding="utf-8"))))
    assert len(rows) == 1 + 6 and {r[0] for r in rows[1:]} == {"alice", "bob", "linked", "caf\\udce9", "new\\nline",
                                                                 "'-dash"}
    for path in outs["odd"].rglob("*"):  # nothing written through a link or outside --out
        assert not path.is_symlink() and outs["odd"] in path.resolve().parents

    # compare: the link is left out and said so, the odd names are shown escaped and can be diffed
    subs = tmp_path / "odd" / "subs"
    assert class_cli.main_compare([STEP.id, str(subs), "--jobs", "2"]) == 0
    text = capfd.readouterr().out
    assert "not compared: linked" in text and "5 submissions" in text
    assert "caf\\udce9" in text and "new\\nline" in text and "-dash" in text
    assert class_cli.main_compare([STEP.id, str(subs), "--diff", "caf\\udce9", "./-dash"]) == 0
    assert "def log_softmax" in capfd.readouterr().out
    assert class_cli.main_compare([STEP.id, str(subs), "--diff", "linked", "alice"]) == 2
    assert "is a link" in capfd.readouterr().err
