"""A learner whose code prints, raises and names terminal escape sequences: every place the grader
shows or stores that text (the terminal report, watch mode, --json, summary.md/csv, results.json,
the learner's Gradescope results.json, the Gradescope log) holds none of the raw control characters,
only their visible escapes; and classmates' results are those of a clean class.

The payload clears the screen, sets the window's title (OSC 0, ended by BEL), plants a hyperlink
(OSC 8), colours with the one-byte C1 CSI (\\x9b), returns to the start of the line (CR) to draw a
fake "✓ 11 passed" over the report, and reverses the text after it (U+202E).
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from kata import paths
from kata.classroom import gradescope, grading, reports
from kata.inert import inert, inert_data, inert_name
from kata.judging.results import BROKEN, FAILING, PASSED
from kata.learner import watch
from kata.rendering import report
from kata.steps import registry
from tests.conftest import grade
from tests.hostile.classmates import SOLUTION, STEP, alice_and_bob, unvaried

EVIL = ("\x1b[2J\x1b[H\x1b]0;owned\x07"  # clear, home, title
        "\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\"  # a hyperlink
        "\x9b31m\r✓ 11 passed\u202eevil")  # C1 CSI, a fake line, right-to-left
NAME = EVIL.replace("/", "")  # as a folder's name
RAW = ("\x1b", "\x07", "\x9b", "\r", "\u202e")  # none of these may be shown or stored as they are
SHOWN = ("\\x1b[2J", "\\x1b]0;owned\\x07", "\\x9b31m", "\\r✓ 11 passed", "\\u202e")  # what is shown instead

# the reference, then functions that print, raise and return the payload, and names made of it
ATTACK = SOLUTION + f'''

import sys as _sys

EVIL = {EVIL!r}
print("printed " + EVIL)
print("on stderr " + EVIL, file=_sys.stderr)
globals()["name" + EVIL] = 1  # a module-level name


class Evil:
    pass


Evil.__name__ = Evil.__qualname__ = "Evil" + EVIL


def nll(input, target):
    return Evil()


def accuracy(out, yb):
    raise ValueError("raised " + EVIL)
'''
# a syntax error on a line that holds the payload (raw, in a comment; a CR would end the line): the report
# quotes the line
SYNTAX = "x = 1 +  # " + EVIL.replace("\r", "") + "\n" + SOLUTION


def assert_inert(text: str, where: str, shown: bool = True) -> None:
    for char in RAW:
        assert char not in text, f"{where}: raw {char!r} in {text[:3000]!r}"
    assert not any(line.lstrip().startswith("✓ 11 passed") for line in text.splitlines()), where
    if shown:
        assert "\\x1b[2J" in text and "\\u202e" in text, f"{where}: no visible escape in {text[:3000]!r}"


def strings(data) -> list[str]:
    """Every string (keys too) of decoded JSON."""
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [s for k, v in data.items() for s in [k, *strings(v)]]
    if isinstance(data, list):
        return [s for v in data for s in strings(v)]
    return []


def assert_inert_json(text: str, where: str) -> None:
    assert_inert(text, where, shown=False)
    assert_inert("\n".join(strings(json.loads(text))), where + " (decoded)")


@pytest.fixture(scope="module")
def attacked(tmp_path_factory):
    folder = tmp_path_factory.mktemp("evil")
    (folder / STEP.filename).write_text(ATTACK)
    return folder


@pytest.fixture
def result(attacked):
    r = grade(STEP.id, attacked)
    assert r.status == FAILING, [(c.id, c.status) for c in r.checks]
    # the payload does reach the result: what is checked below is the shown text, not an empty one
    assert EVIL in r.output and any(EVIL in c.message for c in r.checks)
    return r


def test_inert_escapes_controls_and_keeps_ordinary_text():
    plain = "tab\there\nnew line, ünïcödé, 한국어, Tiếng Việt, [markup], \\ backslash"
    assert inert(plain) == plain
    assert inert(EVIL) == inert(inert(EVIL))  # applying it twice changes nothing more
    assert_inert(inert(EVIL), "inert")
    assert inert("a\nb\tc", one_line=True) == "a\\nb\\tc"
    assert inert("\u2028\u2029\x85\x0b\x0c\x1c") == "\\u2028\\u2029\\x85\\x0b\\x0c\\x1c"  # no line break survives
    assert inert_data({"k\x1b": ["v\r"], "name": "a\nb", "n": 1}, frozenset({"name"})) == {
        "k\\x1b": ["v\\r"], "name": "a\\nb", "n": 1}


def test_the_terminal_report_shows_the_payload_escaped(result, monkeypatch):
    assert_inert(report.step_text(result), "step_text")
    out = io.StringIO()
    report.console(out).print(report.step_markup(result))  # as the command line prints it, piped
    assert_inert(out.getvalue(), "piped report")
    assert "printed \\x1b[2J" in out.getvalue() and "Evil\\x1b[2J" in out.getvalue()
    assert all(shown in out.getvalue() for shown in SHOWN)
    # on a colour terminal the only escape sequences are rich's own colours (SGR), none of the learner's
    monkeypatch.delenv("NO_COLOR", raising=False)
    coloured = io.StringIO()
    Console(file=coloured, force_terminal=True, color_system="256", highlight=False, soft_wrap=True,
            emoji=False).print(report.step_markup(result))
    assert "\x1b[" in coloured.getvalue()
    assert_inert(re.sub(r"\x1b\[[0-9;]*m", "", coloured.getvalue()), "colour report")
    assert_inert(report.board_text([result], "steps"), "board", shown=False)


def test_the_json_output_holds_the_payload_escaped(result):
    for text in (report.step_json(result), report.board_json([result], "steps")):
        assert_inert_json(text, "--json")
        assert all(shown in "\n".join(strings(json.loads(text))) for shown in SHOWN)


def test_ordinary_text_is_unchanged(submission):
    (submission / STEP.filename).write_text(SOLUTION + "\nprint('hello\\tworld [bold]x[/bold] \\\\ é')\n")
    r = grade(STEP.id, submission)
    assert r.status == PASSED
    assert report.inert_result(r) == r
    assert json.loads(report.step_json(r))["output"] == r.output == "hello\tworld [bold]x[/bold] \\ é\n"


def test_a_quoted_line_of_code_is_escaped(submission):
    (submission / STEP.filename).write_text(SYNTAX)
    r = grade(STEP.id, submission)
    assert r.status == BROKEN and "\x1b" in r.problem, r.problem
    assert_inert(report.step_text(r), "syntax error")
    assert_inert_json(report.step_json(r), "syntax error --json")


def test_watch_mode_shows_the_payload_escaped(attacked):
    out = io.StringIO()
    watch.grade_once(STEP, attacked, 60, report.console(out))
    assert_inert(out.getvalue(), "watch")


def _one_learner(r, name: str = gradescope.LEARNER) -> grading.ClassResults:
    return grading.ClassResults(Path("/class"), [STEP], [name], {name: {STEP.id: r.to_dict()}})


def test_the_class_reports_hold_the_payload_escaped(result, tmp_path):
    klass = _one_learner(result, "evil" + NAME)  # a made-up class: the name carries the payload too
    md = reports.summary_markdown(klass)
    assert_inert(md, "summary.md", shown=False)
    assert len([line for line in md.splitlines() if line.startswith("| ")]) == 2  # the header and one row
    text = reports.summary_csv(klass)
    assert_inert(text, "summary.csv", shown=False)
    assert len(list(csv.reader(io.StringIO(text)))) == 2
    assert_inert_json(reports.results_json(klass), "results.json")
    assert_inert_json(reports.gradescope(klass, klass.learners[0]), "gradescope results.json")
    assert_inert(reports.heatmap_svg(klass), "heatmap.svg", shown=False)
    out = tmp_path / "out"
    for path in reports.write_reports(klass, out):
        assert out in path.parents
        if path.suffix != ".png":
            assert_inert(path.read_text(encoding="utf-8"), str(path), shown=False)
    [learner] = (out / "gradescope").iterdir()
    assert_inert(learner.name, "a report's file name", shown=False)


def test_gradescope_writes_and_prints_the_payload_escaped(result, attacked, tmp_path, capfd):
    data = gradescope.results(_one_learner(result), {STEP.id: 1.0}, attacked / ("sub" + NAME), "why" + EVIL, 1.0)
    assert_inert_json(json.dumps(data, ensure_ascii=False), "Gradescope results")
    assert "printed \\x1b[2J" in data["output"] and "sub\\x1b[2J" in data["output"]
    # run_autograder as Gradescope runs it: results.json and the log it prints
    source, root = tmp_path / "source", tmp_path / "autograder"
    source.mkdir()
    (source / gradescope.CONFIG).write_text(json.dumps({"steps": [STEP.id], "weights": {STEP.id: 1.0}, "timeout": 60,
                                                        "memory_mb": 0, "hidden": [], "lang": "en"}))
    (root / gradescope.LEARNER / ("zip" + NAME)).mkdir(parents=True)
    (root / gradescope.LEARNER / ("zip" + NAME) / STEP.filename).write_text(ATTACK)
    capfd.readouterr()
    assert gradescope.run(root, source=source) == 0
    printed = capfd.readouterr()
    assert_inert(printed.out, "run_autograder's log")
    assert_inert_json((root / "results" / "results.json").read_text(encoding="utf-8"), "run_autograder results.json")


def _cli(args: list[str], tmp_path: Path) -> str:
    env = dict(os.environ, KATA_SERVER="off", KATA_LANG="en", KATA_STATE_DIR=str(tmp_path / "state"),
               NO_COLOR="1", COLUMNS="100")
    done = subprocess.run([sys.executable, "grader.py", *args], cwd=paths.ROOT, env=env, capture_output=True,
                          timeout=600, text=True, encoding="utf-8", errors="surrogateescape")
    assert done.returncode in (0, 1), done.stderr[-3000:]
    return done.stdout + done.stderr


@pytest.mark.slow
def test_the_command_line_shows_the_payload_escaped(attacked, tmp_path):
    """`python grader.py step00 --target DIR`, and with --json, as a learner runs it."""
    text = _cli([STEP.id, "--target", str(attacked)], tmp_path)
    assert_inert(text, "grader.py step00")
    assert "printed \\x1b[2J" in text
    text = _cli([STEP.id, "--target", str(attacked), "--json"], tmp_path)
    assert_inert(text, "grader.py step00 --json", shown=False)
    assert_inert("\n".join(strings(json.loads(text))), "grader.py step00 --json (decoded)")


def _class(root: Path, evil: bool) -> Path:
    alice_and_bob(root)
    if evil:
        (root / ("evil" + NAME)).mkdir()
        (root / ("evil" + NAME) / STEP.filename).write_text(ATTACK)
    return root


def same(text: str, tmp_path: Path) -> str:
    return unvaried(text, tmp_path / "clean", tmp_path / "dirty")


@pytest.mark.slow
def test_in_a_class_the_payload_is_escaped_and_changes_no_classmate(tmp_path, capfd):
    from kata.classroom import cli as class_cli

    clean = grading.grade_class(_class(tmp_path / "clean" / "subs", False), [STEP], jobs=2, timeout=60)
    capfd.readouterr()
    out = tmp_path / "reports"
    assert class_cli.main_class([str(_class(tmp_path / "dirty" / "subs", True)), "--out", str(out), "--steps",
                                 STEP.id, "--jobs", "2", "--timeout", "60"]) == 0
    assert_inert(capfd.readouterr().out, "grader.py class's summary", shown=False)
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    evil = inert_name("evil" + NAME)
    assert set(data["learners"]) == {"alice", "bob", evil}
    assert data["learners"][evil][STEP.id]["status"] == FAILING
    for learner in ("alice", "bob"):  # as in the clean class
        assert same(json.dumps(data["learners"][learner][STEP.id], sort_keys=True), tmp_path) == same(json.dumps(
            inert_data(clean.grades[learner][STEP.id], report.ONE_LINE) | {
                "credit": clean.credit(learner, STEP.id), "total": clean.total(learner, STEP.id)}, sort_keys=True),
            tmp_path)
        assert same((out / "gradescope" / learner / "results.json").read_text(), tmp_path) \
            == same(reports.gradescope(clean, learner), tmp_path)
    for path in out.rglob("*"):
        assert_inert(str(path.relative_to(out)), "a report's file name", shown=False)
        if path.is_file() and path.suffix != ".png":
            assert_inert(path.read_text(encoding="utf-8"), str(path), shown=False)
    tests = json.loads((out / "gradescope" / evil / "results.json").read_text())["tests"]
    assert any("raised \\x1b[2J" in t["output"] for t in tests) and any("Evil\\x1b[2J" in t["output"] for t in tests)


def test_diff_shows_the_learners_lines_escaped(tmp_path):
    """The file itself holds the raw characters (a comment), not their Python escapes."""
    folder = tmp_path / "raw"
    folder.mkdir()
    (folder / STEP.filename).write_text(SOLUTION + "\n# " + EVIL + "\n", encoding="utf-8")
    text = _cli([STEP.id, "--diff", "solutions", "--target", str(folder)], tmp_path)
    assert_inert(text, "grader.py step00 --diff solutions")


def test_train_mode_shows_a_crash_escaped(tmp_path):
    step = registry.BY_ID["step04"]
    (tmp_path / step.filename).write_text((paths.SOLUTIONS / step.filename).read_text()
                                          + f"\nraise ValueError({EVIL!r})\n")
    text = _cli([step.id, "--train", "--epochs", "1", "--target", str(tmp_path)], tmp_path)
    assert "cannot be trained" in text
    assert_inert(text, "grader.py step04 --train")
