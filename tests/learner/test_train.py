"""Train mode on a tiny subset: the learner's step next to the reference of the step before."""
import pytest

from kata.authoring import mutants
from kata.learner import cli
from tests.conftest import solution_copy

QUICK = ["--limit", "100", "--epochs", "1"]


def run(capfd, *args):
    code = cli.main(list(args))
    captured = capfd.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    monkeypatch.setenv("KATA_OFFLINE", "1")


@pytest.mark.slow
def test_a_correct_refactor_trains_like_the_reference_and_draws_both(capfd, submission, tmp_path):
    pytest.importorskip("matplotlib")
    solution_copy("step04", submission)
    picture = tmp_path / "curves.png"
    code, out, _ = run(capfd, "step04", "--train", "--target", str(submission), *QUICK, "--plot", str(picture))
    assert code == 0
    assert "step03 reference" in out and "step04 yours" in out and "accuracy" in out
    assert "Both start from the same initial weights" in out and "The curves coincide" in out
    assert "shipped 5,000-digit MNIST sample" in out and "first 100 train" in out  # which data, how much
    assert "← differs" not in out and picture.read_bytes().startswith(b"\x89PNG")
    assert f"plot saved to {picture}" in out


@pytest.mark.slow
def test_a_wrong_refactor_parts_from_the_reference(capfd, submission):
    mutants.find("step04", "no-zero-grad").write(submission)
    code, out, _ = run(capfd, "step04", "--train", "--target", str(submission), *QUICK)
    assert code == 0 and "← differs" in out and "The curves part at epoch 1" in out
    assert "python grader.py step04" in out  # where to look next


@pytest.mark.slow
def test_the_regression_trains_next_to_its_hand_written_baseline(capfd):
    code, out, _ = run(capfd, "step15", "--train", "--target", "solutions", "--limit", "40", "--epochs", "2")
    assert code == 0 and "train MSE" in out and "accuracy" not in out
    assert "step15 hand-written" in out and "made-up houses" in out and "The curves coincide" in out
    assert out.count("\n1 ") == 1 and out.count("\n2 ") == 1  # one row per epoch


def test_a_stub_is_not_started_and_a_step_without_a_model_is_refused(capfd):
    code, out, _ = run(capfd, "step02", "--train", *QUICK)
    assert code == 1 and "step02 is not started yet" in out
    code, _, err = run(capfd, "step14", "--train")  # no --epochs: the step's declared default is used
    assert code == cli.USAGE_ERROR and "step14 does not train a model" in err


@pytest.mark.parametrize("plot, says", [("curves.gif", "name a .png, .svg or .pdf file"),
                                        ("no/such/folder/curves.png", "does not exist")])
def test_a_bad_plot_path_is_refused_before_training(capfd, tmp_path, plot, says):
    pytest.importorskip("matplotlib")
    code, out, err = run(capfd, "step04", "--train", "--target", "solutions", "--plot", str(tmp_path / plot))
    assert code == cli.USAGE_ERROR and says in err and "epoch" not in out


@pytest.mark.slow
def test_the_cnn_steps_train_with_the_unchanged_fit(capfd):
    code, out, _ = run(capfd, "step11", "--train", "--target", "solutions", *QUICK)
    assert code == 0 and "step10 reference" in out and "step11 yours" in out and "The curves coincide" in out
