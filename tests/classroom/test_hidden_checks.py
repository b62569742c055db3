"""Hidden checks as an instructor writes them (kata.grading.plain_checks): the worked example of
docs/INSTRUCTORS.md graded as it stands, each failure in the check's own words, and each mistake of
the check's own named before any learner is graded."""
import re

import pytest

from kata import paths
from kata.authoring import mutants
from kata.classroom import cli as class_cli
from kata.grading import hidden_checks, runner
from kata.judging.results import FAILED, NOT_STARTED, PASSED
from kata.steps import registry

STEP = registry.BY_ID["step04"]
SOLUTION = (paths.SOLUTIONS / STEP.filename).read_text()
GUIDE = (paths.ROOT / "docs" / "INSTRUCTORS.md").read_text()
EXAMPLE = re.search(r"<!-- hidden/step04.py: [^\n]*-->\n```python\n(.*?)```", GUIDE, re.S).group(1)


def hidden_folder(tmp_path, text: str):
    folder = tmp_path / "hidden"
    folder.mkdir()
    (folder / "step04.py").write_text(text)
    return folder


def learner(tmp_path, text: str):
    folder = tmp_path / "learner"
    folder.mkdir(parents=True)
    (folder / STEP.filename).write_text(text)
    return folder


def hidden_results(tmp_path, checks, text: str) -> list[tuple[str, str]]:
    result = runner.grade(STEP, learner(tmp_path, text), 60, checks)
    return [(c.status, c.message) for c in result.hidden]


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    """The guide's example, checked on the reference solution as `class` and `gradescope build` check it."""
    return hidden_checks.checked(hidden_folder(tmp_path_factory.mktemp("example"), EXAMPLE), [STEP])["step04"]


def test_the_guides_example_passes_on_the_reference_and_runs_each_check_once(example):
    assert [c.name for c in example] == ["get_model(lr) gives optim.SGD with that learning rate",
                                         "fit trains as step03's fit did, for two batches"]
    assert [c.id for c in example] == ["step04.hidden.keeps_the_learning_rate", "step04.hidden.trains_like_step03"]


def test_a_failing_assert_is_the_verdict_in_the_instructors_words(example, tmp_path):
    ignores_lr = SOLUTION.replace("lr=lr)", "lr=0.5)")
    assert ignores_lr != SOLUTION
    got = hidden_results(tmp_path, example, ignores_lr)
    assert got == [(FAILED, "get_model(lr) should hand lr on to optim.SGD"), (PASSED, "")]


def test_same_says_where_a_learners_model_parts_from_the_reference(example, tmp_path):
    got = hidden_results(tmp_path, example, mutants.find("step04", "momentum").source())
    assert got[0] == (PASSED, "")
    status, message = got[1]
    assert status == FAILED and message.startswith("the model after two batches: lin.weight: ")
    assert "values differ by more than rounding error" in message


def test_a_step_not_written_yet_leaves_its_hidden_checks_not_started(example, tmp_path):
    stub = (paths.STEPS / STEP.filename).read_text()
    assert [status for status, _m in hidden_results(tmp_path, example, stub)] == [NOT_STARTED, NOT_STARTED]


def test_what_the_learners_step_lacks_is_said_in_the_katas_words(tmp_path):
    checks = hidden_checks.load(hidden_folder(tmp_path, '''from kata.grading.plain_checks import check


@check("the layer is named lin")
def layer(learner, reference, previous):
    model, opt = learner.get_model(0.5)
    assert not hasattr(model, "nothing_here")
    assert model.lin.weight.shape == (10, 784)


@check("a helper the step does not ask for")
def helper(learner, reference, previous):
    learner.helper()
'''))["step04"]
    renamed = SOLUTION.replace("self.lin", "self.layer")
    assert renamed != SOLUTION
    assert hidden_results(tmp_path, checks, renamed) == [
        (FAILED, "your Mnist_Logistic has no attribute `lin`."), (FAILED, "the step file defines no `helper`.")]


MISTAKES = '''from kata.grading.plain_checks import check


@check("lr is 0.1")
def bare(learner, reference, previous):
    model, opt = learner.get_model(0.5)
    assert opt.param_groups[0]["lr"] == 0.1


@check("a check with a bug")
def bug(learner, reference, previous):
    learner.get_model(0.5)
    return 1 / 0
'''


def test_a_check_that_fails_on_the_reference_stops_the_class_before_any_learner_is_graded(tmp_path, capsys):
    submissions = tmp_path / "submissions"
    learner(submissions, SOLUTION)
    out = tmp_path / "reports"
    code = class_cli.main_class([str(submissions), "--out", str(out), "--steps", "step04",
                                 "--extra-tests", str(hidden_folder(tmp_path, MISTAKES))])
    err = capsys.readouterr().err
    assert code == 1 and not out.exists()
    assert "step04: hidden check 1 (bare: 'lr is 0.1') does not pass on the reference solution: this did not " \
           "hold: assert opt.param_groups[0][\"lr\"] == 0.1" in err
    assert "step04: hidden check 2 (bug: 'a check with a bug') does not pass on the reference solution: the check " \
           "itself raised ZeroDivisionError: division by zero (line 13 of step04.py): a mistake in the check, not " \
           "in the step." in err


@pytest.mark.parametrize("name, text, says", [
    ("step04.py", "from kata.grading.plain_checks import check\nCHECKS = []\n", "no check in it"),
    ("step04.py", "def broken(:\n", "it does not load: SyntaxError"),
    ("step99.py", "", "no step named 'step99'"),
])
def test_a_file_of_checks_that_cannot_be_used_is_one_sentence(tmp_path, name, text, says):
    folder = tmp_path / "hidden"
    folder.mkdir()
    (folder / name).write_text(text)
    with pytest.raises(hidden_checks.Unsound, match=re.escape(says)):
        hidden_checks.load(folder)
