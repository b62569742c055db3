"""Train mode on a tiny subset: the learner's step next to the reference of the step before."""
import pytest
from conftest import solution_copy

from kata.authoring import mutants
from kata.learner import cli

QUICK = ["--limit", "300", "--epochs", "1"]


def run(capsys, *args):
    code = cli.main(list(args))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    monkeypatch.setenv("KATA_OFFLINE", "1")


def test_a_correct_refactor_trains_like_the_reference(capsys, submission):
    solution_copy("step04", submission)
    code, out = run(capsys, "step04", "--train", "--target", str(submission), *QUICK)
    assert code == 0
    assert "step03 reference" in out and "step04 yours" in out and "accuracy" in out
    assert "Both start from the same initial weights" in out and "The curves coincide" in out
    assert "shipped 5,000-digit MNIST sample" in out  # it says which data it used


def test_a_wrong_refactor_parts_from_the_reference(capsys, submission):
    next(m for m in mutants.for_step("step04") if m.name == "no-zero-grad").write(submission)
    code, out = run(capsys, "step04", "--train", "--target", str(submission), *QUICK)
    assert code == 0 and "← differs" in out and "The curves part at epoch 1" in out


def test_the_plot_is_saved(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    picture = tmp_path / "curves.png"
    code, out = run(capsys, "step14", "--train", "--target", "solutions", "--limit", "50", "--epochs", "3",
                    "--plot", str(picture))
    assert code == 0 and picture.read_bytes().startswith(b"\x89PNG")
    assert "train MSE" in out and "step14 hand-written" in out


def test_a_stub_is_not_started_and_a_non_training_step_is_refused(capsys):
    code, out = run(capsys, "step02", "--train", *QUICK)
    assert code == 1 and "not started yet" in out
    code, out = run(capsys, "step13", "--train")
    assert code == 2 and "does not train a model" in out


def test_the_cnn_steps_train_with_the_unchanged_fit(capsys):
    code, out = run(capsys, "step10", "--train", "--target", "solutions", *QUICK)
    assert code == 0 and "step09 reference" in out and "The curves coincide" in out
