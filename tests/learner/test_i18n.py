"""Every word a learner reads, in English, Vietnamese and Korean: the language chosen, the catalogs
complete and compiled, placeholders kept, Hangul lined up, keys and ids left English."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from rich.cells import cell_len

from kata import i18n, paths
from kata.i18n import po
from kata.judging.results import FAILED, FAILING, PASSED, CheckResult, StepResult
from kata.rendering import report
from kata.steps import registry

sys.path.insert(0, str(paths.ROOT / "tools"))
import i18n as catalogs  # noqa: E402  tools/i18n.py


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    i18n.use("en")


LOCALE_VARS = ("KATA_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


@pytest.mark.parametrize("asked, env, expected", [
    ("ko", {"KATA_LANG": "vi", "LANG": "vi_VN.UTF-8"}, ("ko", "")),
    (None, {"KATA_LANG": "vi", "LANG": "ko_KR.UTF-8"}, ("vi", "")),
    (None, {"LANGUAGE": "fr:ko", "LANG": "vi_VN.UTF-8"}, ("ko", "")),
    (None, {"LC_ALL": "vi_VN.UTF-8", "LANG": "ko_KR.UTF-8"}, ("vi", "")),
    (None, {"LC_MESSAGES": "ko_KR.UTF-8"}, ("ko", "")),
    (None, {"LANG": "C.UTF-8"}, ("en", "")),
    (None, {"LANG": "fr_FR.UTF-8"}, ("en", "")),  # a locale of another language: English, silently
    (None, {}, ("en", "")),
])
def test_the_language_comes_from_the_flag_then_kata_lang_then_the_locale(monkeypatch, asked, env, expected):
    for name in LOCALE_VARS:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert i18n.choose(asked) == expected


@pytest.mark.parametrize("asked, env", [("fr", {}), (None, {"KATA_LANG": "klingon"})])
def test_an_unknown_language_asked_by_name_is_english_with_one_line(monkeypatch, asked, env):
    for name in LOCALE_VARS:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    lang, notice = i18n.choose(asked)
    assert lang == "en" and "English" in notice and notice.count("\n") == 0


def test_every_catalog_is_complete_compiled_and_keeps_its_placeholders():
    assert catalogs.problems() == []


def test_every_text_a_check_shows_has_its_own_translation_keyed_by_its_id():
    """In the compiled catalog under its id (a sentence that is all code may read the same)."""
    for lang in ("vi", "ko"):
        i18n.use(lang)
        compiled = i18n._current["catalog"]._catalog
        for step in registry.STEPS:
            assert f"{step.id}.title\x04{step.title}" in compiled, (lang, step.id)
            for check in step.checks:
                key = f"{step.id}.{check.id}"
                assert f"{key}\x04{check.says}" in compiled, (lang, key)
                for n, hint in enumerate(check.hints, 1):
                    assert f"{key}.hint.{n}\x04{hint}" in compiled, (lang, key, n)
        translated = sum(i18n.by_id(f"{s.id}.{c.id}", c.says) != c.says for s in registry.STEPS for c in s.checks)
        assert translated > 0.8 * sum(len(s.checks) for s in registry.STEPS), lang


def test_a_rule_is_worded_once_for_the_whole_kata():
    """The guards every step carries, and a rule two steps share, are one catalog entry each: one
    rendering in every step's report, and nothing to translate again for a new step."""
    keys = {e.msgctxt for e in po.read(catalogs.POT.read_text(encoding="utf-8")) if e.msgctxt}
    assert not [k for k in keys if ".rule." in k], "a per-step copy of a rule's words"
    shared = registry.STEPS[0].all_rules[-1]  # a guard: every step has it
    for lang in ("vi", "ko"):
        i18n.use(lang)
        try:
            words = {report.check_name(CheckResult(f"{s.id}.rule.{shared.id}", shared.name, "guard", FAILED))
                     for s in registry.STEPS}
        finally:
            i18n.use("en")
        assert len(words) == 1 and words != {shared.name}, (lang, words)


def _result(title_step: str = "step04") -> StepResult:
    step = registry.BY_ID[title_step]
    r = StepResult(step.id, step.slug, step.title, "steps", f"steps/{step.filename}", status=FAILING)
    check = step.checks[-1]
    r.checks = [CheckResult(f"{step.id}.{check.id}", check.says, "property", FAILED, message="lin.weight differs",
                            hint=check.hints[0], stage=check.stage)]
    r.max_checks = 1
    return r


def test_the_json_keeps_english_keys_ids_and_states_with_the_learners_words(monkeypatch):
    english = json.loads(report.step_json(_result()))
    i18n.use("ko")
    korean = json.loads(report.step_json(_result()))
    assert set(korean) == set(english) and set(korean["checks"][0]) == set(english["checks"][0])
    assert korean["checks"][0]["id"] == english["checks"][0]["id"] and korean["status"] == english["status"]
    assert korean["checks"][0]["name"] != english["checks"][0]["name"]
    assert korean["checks"][0]["message"] == "lin.weight differs"  # what the learner's code gave: as it was


def test_the_board_lines_up_in_hangul():
    assert report.fit("가나다", 5) == "가나 " and report.fit("ab", 4) == "ab  "
    i18n.use("ko")
    for step in registry.STEPS:  # every title takes the same cells on the board, cut or padded
        assert cell_len(report.fit(i18n.by_id(f"{step.id}.title", step.title), 36)) == 36


@pytest.mark.parametrize("lang", ["en", "vi", "ko"])
def test_the_board_never_cuts_a_title_and_lines_up_its_states(lang):
    i18n.use(lang)
    results = [StepResult(s.id, s.slug, s.title, "steps", f"steps/{s.filename}", status=PASSED) for s in registry.STEPS]
    board = report.board_text(results, "steps")
    for step in registry.STEPS:
        assert i18n.by_id(f"{step.id}.title", step.title).split()[-1] in board  # the title's last word is there
    rows = [line for line in board.splitlines() if line.startswith("  ✓ ")]
    assert len({cell_len(line.rsplit(" ", 2)[0]) for line in rows}) == 1  # every state starts in one column
    assert all(cell_len(line) <= 80 for line in rows)


@pytest.mark.parametrize("lang", ["en", "vi", "ko"])
def test_help_and_check_lines_wrap_by_cells(lang, monkeypatch):
    done = subprocess.run([sys.executable, "grader.py", "--help", "--lang", lang], capture_output=True, text=True,
                          cwd=paths.ROOT, env={"PATH": os.environ["PATH"], "COLUMNS": "80"}, timeout=60)
    assert done.returncode == 0 and all(cell_len(line) <= 80 for line in done.stdout.splitlines()), done.stdout
    monkeypatch.setenv("COLUMNS", "60")
    i18n.use(lang)
    long = next(c for c in registry.BY_ID["step07"].checks if c.id == "train-loader")
    result = StepResult("step07", "step07_validation", "Validation", "steps", "steps/step07_validation.py",
                        status=PASSED, checks=[CheckResult("step07.train-loader", long.says, "property", PASSED)])
    lines = report.step_text(result).splitlines()
    assert all(cell_len(line) <= 60 for line in lines if not line.startswith("step07")), lines
    assert " ".join(" ".join(lines).split()).count(i18n.by_id("step07.train-loader", long.says).split()[-1]) >= 1


def test_wrapping_measures_cells_not_characters(monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    lines = report._block("가나다라 " * 30, 2)
    assert all(cell_len(line) <= 40 for line in lines) and len(lines) > 5


def test_the_hint_in_korean_never_imports_torch(tmp_path):
    code = ("import sys\nfrom kata.learner import cli\n"
            "code = cli.main(['step04', '--hint', '--lang', 'ko'])\n"
            "assert 'torch' not in sys.modules, 'torch was imported'\nsys.exit(code)\n")
    env = {k: v for k, v in __import__("os").environ.items() if k not in LOCALE_VARS}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          cwd=paths.ROOT, env=env | {"KATA_SERVER": "off"})
    assert done.returncode == 0, done.stderr
    i18n.use("ko")
    check = registry.BY_ID["step04"].checks[0]
    assert i18n.by_id(f"step04.{check.id}.hint.1", check.hints[0]) in done.stdout


def test_reset_in_vietnamese_writes_the_vietnamese_stub_and_keeps_the_learners_file(tmp_path, capsys):
    from kata.grading import runner
    from kata.judging.results import NOT_STARTED
    from kata.learner import cli
    from kata.steps.stubs import make_stub

    step = registry.BY_ID["step04"]
    mine = tmp_path / step.filename
    mine.write_text("# my own work\n")
    assert cli.main(["step04", "--reset", "--lang", "vi", "--target", str(tmp_path)]) == 0
    stub = mine.read_text(encoding="utf-8")
    i18n.use("en")
    english = make_stub(step)
    assert stub != english and stub.count("TODO(step04)") == english.count("TODO(step04)")
    assert english == (paths.STEPS / step.filename).read_text()  # the stubs in steps/ stay English
    assert _code(stub) == _code(english), "only words change: the code of the stub is the same"
    assert _docstring_of(stub, "accuracy") != _docstring_of(english, "accuracy")  # what earlier steps wrote, too
    assert (tmp_path / ".kata-backups" / "step04_optim.1.py").read_text() == "# my own work\n"
    result = runner.grade(step, tmp_path)
    assert result.status == NOT_STARTED and result.score()[0] == 0


ENGLISH_FRAMING = ("Grade it:", "Run it", "Shapes:", "its TODO is in the lines below",
                   "(the lines below the raise are its body", "Step 0", "Step 1")


@pytest.mark.parametrize("lang", ["vi", "ko"])
def test_a_translated_stub_frames_itself_in_its_language(lang):
    """The stub's own words (its header, the grade and run lines, the notes beside a TODO) are the
    learner's language; code, paths and the step's names stay as they are."""
    from kata.steps.stubs import make_stub

    i18n.use(lang)
    for step in registry.STEPS:
        stub = make_stub(step)
        left = [w for w in ENGLISH_FRAMING if w in stub]
        assert not left, f"{step.id} ({lang}): {left}"
        assert f"python grader.py {step.id}" in stub and f"python -m steps.{step.slug}" in stub


def _code(source: str) -> str:
    """The module's code without its docstrings (comments are not in the tree)."""
    import ast

    tree = ast.parse(source)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                and isinstance(getattr(body[0], "value", None), ast.Constant) and isinstance(body[0].value.value, str):
            node.body = body[1:]
    return ast.dump(tree)


def test_gradescope_shows_the_learner_the_courses_language(tmp_path):
    """A bundle built with --lang ko grades in Korean: the test names and the status words of
    results.json (what the learner reads on Gradescope); ids, scores and visibility as in English."""
    from kata.classroom import grading, reports

    step = registry.BY_ID["step04"]
    result = _result()
    klass = grading.ClassResults(tmp_path, [step], ["learner"], {"learner": {step.id: result.to_dict()}})
    english = json.loads(reports.gradescope(klass, "learner"))
    i18n.use("ko")
    korean = json.loads(reports.gradescope(klass, "learner"))
    assert [t["score"] for t in korean["tests"]] == [t["score"] for t in english["tests"]]
    assert [t["name"].split(":")[0] for t in korean["tests"]] == [t["name"].split(":")[0] for t in english["tests"]]
    assert korean["tests"][0]["name"] != english["tests"][0]["name"]
    assert korean["tests"][0]["output"].startswith(i18n._("failed"))


def test_help_speaks_the_language_asked_for_on_its_own_command_line(capsys):
    from kata.learner import cli

    with pytest.raises(SystemExit):
        cli.main(["--help", "--lang", "vi"])
    out = capsys.readouterr().out
    assert i18n._("Grade the torch.nn kata's steps.") in out and "Chấm các bước" in out
    assert "python grader.py step04 --hint" in out  # the commands of the examples stay as they are


# the modules whose words a learner reads (the instructor's commands, the authoring tools, the child's own
# machinery and the tutorial's baselines are not among them; nor is the language chooser, whose only
# sentences say that English it is, in English)
NOT_THE_LEARNERS = ("kata/classroom/", "kata/authoring/", "kata/steps/baselines/", "kata/child/zygote.py",
                    "kata/child/probe.py", "kata/server/host.py", "kata/i18n/")
SINKS = {"Mismatch", "Unlike", "Skip", "LoadProblem", "usage_error", "usage", "print", "Refused", "CheckResult",
         "StepResult"}


def test_no_prose_reaches_a_learner_without_passing_through_the_catalogs():
    """Prose (two words or more) given as a literal or an f-string to what shows it to a learner, not
    wrapped in _(): extraction would never see it."""
    import ast
    import re

    prose = re.compile(r"[A-Za-z]{3,} [A-Za-z]{3,}")
    found = []
    for path in sorted((paths.ROOT / "kata").rglob("*.py")):
        rel = path.relative_to(paths.ROOT).as_posix()
        if rel.startswith(NOT_THE_LEARNERS):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            func = getattr(node, "func", None)
            name = getattr(func, "id", None) or getattr(func, "attr", None)
            if not isinstance(node, ast.Call) or name not in SINKS:
                continue
            said = [k.value for k in node.keywords if k.arg in ("message", "problem", "hint", "detail")]
            for arg in node.args + said:  # a result's words too: message=, problem=, hint=
                parts = [arg] if isinstance(arg, ast.Constant) else getattr(arg, "values", [])
                text = "".join(p.value for p in parts if isinstance(p, ast.Constant) and isinstance(p.value, str))
                if prose.search(text):
                    found.append(f"{rel}:{node.lineno}: {text[:60]!r}")
    assert found == []


def _docstring_of(source: str, name: str) -> str:
    import ast

    return next(ast.get_docstring(n) for n in ast.walk(ast.parse(source)) if getattr(n, "name", None) == name)


def test_argparse_own_words_follow_the_language(capsys):
    from kata.learner import cli

    with pytest.raises(SystemExit):
        cli.main(["--lang", "ko", "--no-such-option"])
    err = capsys.readouterr().err
    assert i18n._("unrecognized arguments: %s") % "--no-such-option" in err and "사용법" in err


def test_a_locale_of_another_language_says_english_once(monkeypatch, capsys):
    for name in LOCALE_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    assert i18n.setup() == "en" and "fr_FR.UTF-8" in capsys.readouterr().err
    assert i18n.setup() == "en" and capsys.readouterr().err == ""  # remembered: not on every command
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    assert i18n.unknown_locale() == ""


def test_the_rules_messages_speak_the_learners_language(submission):
    """A rule's line pointer and the words the runner adds to it go through the catalogs too."""
    from kata.authoring import mutants
    from kata.grading import runner

    mutants.find("step04", "manual-update-kept").write(submission)
    i18n.use("vi")
    try:
        result = runner.grade(registry.BY_ID["step04"], submission)
    finally:
        i18n.use("en")
    rule = next(c for c in result.checks if c.id == "step04.rule.fit-updates-no-parameter-by-hand")
    assert rule.status == FAILED and "line " not in rule.message and "dòng " in rule.message, rule.message


def test_a_keyed_text_whose_english_changed_keeps_its_translation_for_review():
    """extract: a keyed entry whose English changed keeps the old translation, fuzzy (not complete until a
    translator reads it again); an entry whose key is new, or shared by several texts, starts empty."""
    old = {e.key: e for e in [po.Entry("Old words.", "step04.sgd", msgstr=["Lời cũ."]),
                              po.Entry("a", "stub.docstring", msgstr=["A"]),
                              po.Entry("b", "stub.docstring", msgstr=["B"])]}
    changed = catalogs.merge(po.Entry("New words.", "step04.sgd"), old, 1)
    assert changed.msgstr == ["Lời cũ."] and changed.fuzzy and not changed.translated
    assert catalogs.merge(po.Entry("c", "stub.docstring"), old, 1).msgstr == [""]
    assert catalogs.merge(po.Entry("Words.", "step99.new"), old, 1).msgstr == [""]
    same = catalogs.merge(po.Entry("a", "stub.docstring"), old, 1)
    assert same.msgstr == ["A"] and not same.fuzzy
