"""Adding a step: `python tools/new_step.py stepNN NAME` makes every piece of it, and the kata takes it as one
of its steps. Scaffolded into a copy of the checkout, the copy's own registry lists the new step (it finds
the package by its name), its solution passes, its stub reads "not started", its wrong version is caught,
and the completeness check of `grader.py --check` names the catalog entries a translator must fill, and
nothing else, until they are filled."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kata.i18n import LANGUAGES, po
from kata.paths import ROOT
from kata.steps import registry

COPIED = ("kata", "steps", "solutions", "tools", "tests/steps/seeds", "README.md", "grader.py")
NEW = f"step{len(registry.STEPS):02d}"  # the next number
SLUG = f"{NEW}_flatten"
BEFORE = registry.STEPS[-1]

# run in the copy, as its working directory: its kata, its registry, its grader
PROBE = """
import json, sys, tempfile
from pathlib import Path

import kata
from kata.authoring import completeness, mutants
from kata.steps import registry

step = registry.BY_ID[sys.argv[1]]
out = {"kata": kata.__file__, "order": list(registry.ORDER)}
if "grade" in sys.argv:
    from kata.grading import runner

    out["solution"] = runner.grade(step, Path("solutions")).status
    out["stub"] = runner.grade(step, Path("steps")).status
    wrong = mutants.of(step)[0]
    with tempfile.TemporaryDirectory() as folder:
        wrong.write(Path(folder))
        result = runner.grade(step, Path(folder))
    check = next(c for c in result.checks if c.id == wrong.catches)
    out["wrong"] = [wrong.catches, result.status, check.status, check.message]
out["missing"] = [[m.step, m.piece, m.sentence] for m in completeness.check()]
print(json.dumps(out))
"""


def run(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(KATA_STATE_DIR=str(root.parent / "state"), KATA_SERVER="off", KATA_OFFLINE="1")
    return subprocess.run([sys.executable, *args], cwd=root, env=env, capture_output=True, text=True, timeout=240)


def probe(root: Path, *args: str) -> dict:
    done = run(root, "-c", PROBE, NEW, *args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def scaffolded(tmp_path_factory):
    """A copy of the checkout with the new step scaffolded into it, and what the tool printed."""
    root = tmp_path_factory.mktemp("checkout") / "kata-copy"
    for name in COPIED:
        source, target = ROOT / name, root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".kata-backups"))
        else:
            shutil.copy(source, target)
    done = run(ROOT, str(ROOT / "tools" / "new_step.py"), NEW, "flatten", "--root", str(root))
    assert done.returncode == 0, done.stderr
    return root, done.stdout


def test_the_scaffold_writes_every_piece(scaffolded):
    root, printed = scaffolded
    pieces = [f"kata/steps/{NEW}/__init__.py", f"kata/steps/{NEW}/judges.py", f"solutions/{SLUG}.py",
              f"steps/{SLUG}.py", f"tests/steps/seeds/{NEW}.py", "README.md"] + \
             [f"kata/locale/{lang}/LC_MESSAGES/kata.{ext}" for lang in LANGUAGES[1:] for ext in ("po", "mo")]
    for piece in pieces:
        assert (root / piece).is_file() and piece in printed, piece
    solution = (root / "solutions" / f"{SLUG}.py").read_text()
    assert f"python -m solutions.{SLUG}" in solution and BEFORE.slug + "'s code" in solution.splitlines()[0]
    stub = (root / "steps" / f"{SLUG}.py").read_text()
    assert f"# TODO({NEW}): " in stub and f'raise NotImplementedError("{SLUG}: ' in stub
    assert f"Grade it:        python grader.py {NEW}\n" in stub and f"python -m steps.{SLUG}" in stub
    readme = (root / "README.md").read_text()
    assert f"\n| {SLUG} | TODO: what it replaces | TODO: what replaces it |\n" in readme
    total = sum(len(s.wrong) for s in registry.STEPS)
    assert f"({total} in all" not in readme and f"{int(NEW[4:]):02d} come from" in readme
    catalog = (root / "kata" / "locale" / "vi" / "LC_MESSAGES" / "kata.po").read_text()
    assert f'msgctxt "{NEW}.title"' in catalog


def test_it_refuses_a_step_that_exists_or_is_not_the_next_one(scaffolded):
    root, _printed = scaffolded
    tool = str(ROOT / "tools" / "new_step.py")
    following = f"step{int(NEW[4:]) + 1:02d}"
    again = run(ROOT, tool, NEW, "other", "--root", str(root))
    assert again.returncode == 2 and f"{NEW} exists already" in again.stderr and following in again.stderr
    skipping = run(ROOT, tool, f"step{int(NEW[4:]) + 2:02d}", "other", "--root", str(root))
    assert skipping.returncode == 2 and f"a new step is {following}" in skipping.stderr
    named = run(ROOT, tool, following, "Other", "--root", str(root))
    assert named.returncode == 2 and "is not a step name" in named.stderr
    assert not (root / "kata" / "steps" / following).exists()


@pytest.mark.slow
def test_the_copys_registry_grades_it_and_the_check_names_what_a_translator_must_fill(scaffolded):
    root, _printed = scaffolded
    found = probe(root, "grade")
    assert Path(found["kata"]).is_relative_to(root) and found["order"][-2:] == [BEFORE.id, NEW]
    assert found["solution"] == "passed" and found["stub"] == "not started"
    catches, status, check, message = found["wrong"]
    assert catches.startswith(f"{NEW}.") and status == "failing" and check == "failed" and message

    # before the translations: one sentence per language, naming every entry the step needs there
    assert [(step, piece) for step, piece, _ in found["missing"]] == [(NEW, "catalog vi"), (NEW, "catalog ko")]
    for (_step, _piece, sentence), lang in zip(found["missing"], ("vi", "ko")):
        assert sentence.startswith(f"{NEW}: ") and f"kata/locale/{lang}/LC_MESSAGES/kata.po" in sentence
        assert f"{NEW}.title" in sentence and f"{NEW}.{catches.split('.', 1)[1]}.hint.1" in sentence
        assert "`python tools/i18n.py extract`" in sentence and "`python tools/i18n.py compile`" in sentence

    # a translator's placeholder text for each, compiled: nothing is missing any more
    for lang in LANGUAGES[1:]:
        path = root / "kata" / "locale" / lang / "LC_MESSAGES" / "kata.po"
        text = path.read_text(encoding="utf-8")
        entries = po.read(text)
        for e in entries:
            if not e.translated and (e.msgctxt or "").startswith(f"{NEW}."):
                e.msgstr = [f"[{lang}] {e.msgid}"]
        path.write_text(po.write(entries, po.header_of(text)), encoding="utf-8")
    assert run(root, "tools/i18n.py", "compile").returncode == 0
    assert probe(root)["missing"] == []
    again = run(ROOT, str(ROOT / "tools" / "new_step.py"), "--readme", "--root", str(root))
    assert again.returncode == 0 and "README.md was up to date" in again.stdout
