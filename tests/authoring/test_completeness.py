"""Every piece of every step is there, and `grader.py --check` says which one is missing, for which step, and
the command that makes it: stub_defs, the tutorial-code fixture, the catalog entries, README's row and counts."""
from __future__ import annotations

import dataclasses
import re
import shutil

import pytest

from kata.authoring import completeness, selfcheck
from kata.authoring.completeness import Missing
from kata.i18n import LANGUAGES, po
from kata.paths import ROOT
from kata.steps import registry
from kata.steps.stubs import make_stub

STEP04 = registry.BY_ID["step04"]


def test_every_step_has_every_piece():
    missing = completeness.check()
    assert missing == [], "\n".join(map(str, missing))


def test_a_module_level_todo_without_stub_defs_is_named():
    step = dataclasses.replace(registry.BY_ID["step15"], stub_defs={})
    sentences = [m.sentence for m in completeness.step_problems(step) if m.piece == "stub_defs"]
    assert sentences == [sentences[0]] and sentences[0].startswith("step15: `loss_fn` is a module-level name")
    assert "stub_defs['loss_fn']" in sentences[0] and "kata/steps/step15/__init__.py" in sentences[0]
    with pytest.raises(ValueError, match=r"step15_regression: `loss_fn` is a module-level name .*stub_defs"):
        make_stub(step)  # a sentence, not a bare KeyError


@pytest.fixture
def checkout(tmp_path):
    """A checkout holding step04's pieces only: its judges, solution, stub, seed and the catalogs."""
    for piece in (f"kata/steps/{STEP04.id}/judges.py", f"solutions/{STEP04.filename}", f"steps/{STEP04.filename}",
                  f"tests/steps/seeds/{STEP04.id}.py",
                  *(f"kata/locale/{lang}/LC_MESSAGES/kata.{ext}" for lang in LANGUAGES[1:] for ext in ("po", "mo"))):
        (tmp_path / piece).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / piece, tmp_path / piece)
    assert completeness.step_problems(STEP04, tmp_path) == []
    return tmp_path


def test_a_missing_fixture_judges_solution_or_stub_is_named_with_its_command(checkout):
    for piece in (f"tests/steps/seeds/{STEP04.id}.py", f"kata/steps/{STEP04.id}/judges.py",
                  f"solutions/{STEP04.filename}", f"steps/{STEP04.filename}"):
        (checkout / piece).unlink()
    found = {m.piece: m.sentence for m in completeness.step_problems(STEP04, checkout)}
    assert set(found) >= {"seed", "judges", "solution", "stub"}
    assert found["seed"].startswith("step04: no tutorial-code fixture tests/steps/seeds/step04.py")
    assert found["seed"].endswith("write it (`python tools/new_step.py` starts one from the step before's "
                                  "when it makes a step)")
    assert "`python tools/make_stubs.py`" in found["stub"] and "solutions/step04_optim.py" in found["solution"]


def test_catalog_entries_missing_in_a_language_are_each_named(checkout):
    path = checkout / "kata" / "locale" / "ko" / "LC_MESSAGES" / "kata.po"
    text = path.read_text(encoding="utf-8")
    entries = [e for e in po.read(text) if e.msgctxt != "step04.title"]
    for e in entries:
        if e.msgctxt == "step04.sgd.hint.2":
            e.msgstr = [""]
    path.write_text(po.write(entries, po.header_of(text)), encoding="utf-8")
    (found,) = completeness.step_problems(STEP04, checkout)
    assert found.piece == "catalog ko"
    assert found.sentence.startswith("step04: 2 catalog entries have no Korean (ko) text in "
                                     "kata/locale/ko/LC_MESSAGES/kata.po: step04.title, step04.sgd.hint.2; ")
    assert [m.piece for m in completeness.catalog_problems(checkout)] == ["catalog ko"]  # its .mo is stale now


def test_readme_row_and_counts_that_are_out_of_date_are_named_and_brought_up_to_date():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    last = registry.STEPS[-1]
    total = sum(len(s.wrong) for s in registry.STEPS)
    row = next(line for line in text.splitlines() if line.startswith(f"| {last.slug} |"))
    stale = text.replace(row + "\n", "").replace(f"({total} in all", f"({total - 1} in all")
    stale = re.sub(r"(steps \d\d–)(\d\d)( come from)", lambda m: f"{m[1]}{int(m[2]) - 1:02d}{m[3]}", stale)
    found = {m.piece + m.step: m.sentence for m in completeness.readme_problems(stale)}
    assert set(found) == {f"README row{last.id}", "README count", f"README count{last.id}"}
    assert found[f"README row{last.id}"].startswith(f"{last.id}: README.md's table of steps (## The steps) has no "
                                                   f"row for {last.slug}")
    assert found["README count"].startswith(f"README.md counts {total - 1} wrong versions in all")
    assert f"declare {total}; `python tools/new_step.py --readme`" in found["README count"]
    assert found[f"README count{last.id}"].startswith(f"{last.id}: README.md's sentence on where the steps come from")
    fixed = completeness.readme_update(stale)
    assert completeness.readme_problems(fixed) == []
    assert fixed.replace(completeness.row(last), row) == text  # the new row where the old one was


def test_the_self_check_fails_on_a_missing_piece_before_grading_anything(monkeypatch, capsys):
    missing = [Missing("step04", "seed", "step04: no tutorial-code fixture tests/steps/seeds/step04.py; ..."),
               Missing("", "README count", "README.md counts 1 wrong versions in all ...")]
    monkeypatch.setattr(completeness, "check", lambda steps: missing)
    monkeypatch.setattr(selfcheck, "check_step", lambda step, sentences: selfcheck.StepCheck(
        step.id, True, True, caught=[w.name for w in step.wrong], missing=list(sentences)))
    assert selfcheck.main([STEP04]) == 1
    captured = capsys.readouterr()
    assert captured.err.startswith("missing: step04: no tutorial-code fixture")
    lines = captured.out.splitlines()
    assert lines[1].split()[:2] == ["step04", "passes"]
    assert lines[2] == "         missing step04: no tutorial-code fixture tests/steps/seeds/step04.py; ..."
    assert lines[3] == "missing README.md counts 1 wrong versions in all ..."
    assert lines[-1] == "self-check FAILED for step04, the kata as a whole"
