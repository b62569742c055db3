"""What the learner reads: one golden report per stage where a step can part from the reference.

Each golden file is the plain-text report (kata.rendering.report.step_text) of one real failure,
wrapped at 100 columns, with the graded folder replaced by "<target>". After changing the
report's layout on purpose, rewrite them with `pytest tests/engine/test_report.py --update-golden`
and read the diff before committing it.
"""
from __future__ import annotations

import copy
import dataclasses
import io
import re
import sys
from pathlib import Path

import pytest

from kata import i18n
from kata.authoring import mutants, selfcheck
from kata.child import zygote_supply
from kata.judging.results import BROKEN, FAILED, FAILING, STAGE_NAMES, STAGES, CheckResult, StepResult
from kata.rendering import report
from kata.steps import registry
from tests.conftest import grade, solution_copy

GOLDEN = Path(__file__).parent / "golden"
TARGET = "<target>"


@pytest.fixture(scope="module", autouse=True)
def warm_zygote():
    """Start the zygote with everything any step imports lazily (torch._dynamo) before the first grade: a
    zygote started by a grade of step00 would leave every later optimizer-building child to import it."""
    zygote_supply.start()

# one catalogued wrong version per stage, caught by a check of that stage
CATALOGUED = {
    "structure": ("step04", "momentum"),
    "forward": ("step13", "flatten-merges-batch"),
    "loss": ("step15", "sum-reduction"),
    "batches": ("step05", "extra-batch"),
    "modes": ("step07", "no-eval"),
    "update": ("step04", "no-zero-grad"),
    "hooks": ("step14", "records-input"),
}
# stages no catalogued wrong version reaches first: an edit of the reference solution instead
EDITED = {
    # the old tutorials' habit of reaching for .data: the forward is right, the bias gets no gradient
    "gradients": ("step02", ("xb @ self.weights + self.bias\n", "xb @ self.weights + self.bias.data\n")),
    # a typo in a method name: every check that reaches that line reports the line
    "crash": ("step04", ("            opt.step()\n", "            opt.stepp()\n")),
}


def test_every_stage_has_a_golden_report():
    assert set(CATALOGUED) | set(EDITED) == set(STAGES)


def anonymous(result: StepResult) -> StepResult:
    """A copy with the graded folder replaced by TARGET everywhere (before wrapping: the length of a
    temporary path must not move a line break), without the machine's isolation note (a machine
    without Landlock adds a line saying so), and with the numbers the code printed masked (a check
    that looks only at modes trains from weights it does not fix, so the printed losses vary)."""
    folder = result.target
    assert folder and folder != "/"

    def scrub(obj):
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            if isinstance(value, str):
                setattr(obj, f.name, value.replace(folder, TARGET))
        return obj

    clean = scrub(copy.deepcopy(result))
    clean.checks = [scrub(c) for c in clean.checks]
    clean.hidden = [scrub(c) for c in clean.hidden]
    clean.isolation = ""
    clean.output = re.sub(r"\d+\.\d+", "#.##", clean.output)
    return clean


def failure(stage: str, folder: Path) -> StepResult:
    if stage in CATALOGUED:
        mutant = mutants.find(*CATALOGUED[stage])
        step = registry.BY_ID[mutant.step]
        assert step.check(mutant.catches.split(".", 1)[1]).stage == stage, "pick a wrong version of that stage"
        if i18n.language() != "en":  # the messages are written as it grades: not the English grade's, cached
            return selfcheck.grade_mutant.__wrapped__(mutant)
        return selfcheck.grade_mutant(mutant)  # cached: the wrong-version tests grade it too
    step_id, edit = EDITED[stage]
    solution_copy(step_id, folder, edit)
    return grade(step_id, folder)


@pytest.mark.parametrize("stage", STAGES)
def test_the_report_of_a_failure_reads_as_its_golden_file(stage, submission, monkeypatch, update_golden):
    monkeypatch.setenv("COLUMNS", "100")
    for lang in i18n.LANGUAGES:  # the same failure, graded and read in each language the kata speaks
        i18n.use(lang)
        try:
            result = failure(stage, submission)
            assert result.status == FAILING
            text = report.step_text(anonymous(result)).replace(result.target, TARGET) + "\n"
        finally:
            i18n.use("en")
        if lang == "en":
            assert report.divergence(result).startswith(f"Where it diverged: {STAGE_NAMES[stage]},")
        assert "Traceback" not in text and "/tmp/" not in text
        path = GOLDEN / (f"{stage}.txt" if lang == "en" else f"{stage}.{lang}.txt")
        if update_golden:
            path.write_text(text, encoding="utf-8")
        assert path.exists(), f"no golden file {path.name}: run pytest with --update-golden"
        assert text == path.read_text(encoding="utf-8"), \
            f"the {stage} report in {lang} changed: if on purpose, run pytest with --update-golden"


# --- the mistakes beginners make, each told as what happened where it happened ---------------------------

# one golden report per mistake that a message used to describe wrongly (a cause the code did not have, a
# crash told once per check, a layer said not to run, a call named and not made, a missing dimension, a
# training that parted without a cause): the words each must hold are its wrong version's `says`
MISTAKES = {
    "log-softmax-in-model": ("step01", "model-still-log-softmax"),
    "no-super-init": ("step02", "no-super-init"),
    "linear-swapped": ("step03", "linear-swapped"),
    "zero-grad-not-called": ("step04", "zero-grad-not-called"),
    "preprocess-no-channel": ("step10", "preprocess-no-channel"),
    "no-zero-grad-regression": ("step15", "no-zero-grad"),
}


@pytest.mark.parametrize("mistake", MISTAKES)
def test_the_report_of_a_beginners_mistake_reads_as_its_golden_file(mistake, monkeypatch, update_golden):
    monkeypatch.setenv("COLUMNS", "100")
    mutant = mutants.find(*MISTAKES[mistake])
    for lang in i18n.LANGUAGES:
        i18n.use(lang)
        try:
            result = selfcheck.grade_mutant(mutant) if lang == "en" else selfcheck.grade_mutant.__wrapped__(mutant)
            text = report.step_text(anonymous(result)).replace(result.target, TARGET) + "\n"
        finally:
            i18n.use("en")
        assert result.status == FAILING and "Traceback" not in text and "/tmp/" not in text
        path = GOLDEN / "mistakes" / (f"{mistake}.txt" if lang == "en" else f"{mistake}.{lang}.txt")
        if update_golden:
            path.parent.mkdir(exist_ok=True)
            path.write_text(text, encoding="utf-8")
        assert path.exists(), f"no golden file {path.name}: run pytest with --update-golden"
        assert text == path.read_text(encoding="utf-8"), \
            f"the report of {mistake} in {lang} changed: if on purpose, run pytest with --update-golden"


# --- wrapping --------------------------------------------------------------------------------------

LONG_PATH = "/home/learner/" + "-".join(["a-folder-with-a-long-hyphenated-name"] * 4) + "/steps/step04_optim.py"
PROSE = ("Every word of this sentence is an ordinary word, so that a renderer that wraps prose would "
         "certainly break it somewhere before the end of a line of forty columns or of eighty. ")


def failing_result(message: str) -> StepResult:
    check = CheckResult("step04.k-updates", "k updates ≈ step03's", "property", FAILED, message=message,
                        counterexample="n=23 rows, bs=10", hint=f"look at {LONG_PATH} " + PROSE, stage="update")
    return StepResult("step04", "step04_optim", "torch.optim", "/home/learner/steps", LONG_PATH, status=FAILING,
                      checks=[check])


def test_width_is_none_when_piped_and_columns_unset(monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    assert report.width() is None


def test_width_follows_columns_even_when_piped(monkeypatch):
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    monkeypatch.setenv("COLUMNS", "73")
    assert report.width() == 73


def test_piped_output_is_not_wrapped(monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    text = report.step_text(failing_result(PROSE * 3))
    assert any(line.strip() == (PROSE * 3).strip() for line in text.splitlines())


@pytest.mark.parametrize("columns", ["40", "80"])
def test_a_long_path_is_never_broken_across_lines(monkeypatch, columns):
    monkeypatch.setenv("COLUMNS", columns)
    problem = f"Syntax error in {LONG_PATH}, line 3: invalid syntax. " + PROSE
    broken = StepResult("step04", "step04_optim", "torch.optim", "/home/learner/steps", LONG_PATH, status=BROKEN,
                        problem=problem)
    for result in (broken, failing_result(f"your code raised an exception at line 55 of {LONG_PATH}: " + PROSE)):
        lines = report.step_text(result).splitlines()
        assert not any(PROSE.strip() in line for line in lines), "the prose is wrapped at the width"
        carrying = [line for line in lines if "a-folder-with" in line]
        assert carrying and all(LONG_PATH in line for line in carrying), carrying
