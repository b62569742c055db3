"""The seeds' own code is a fair answer: dropped into a step's interface, it passes that step.

tests/steps/seeds/stepNN.py holds, for every step, the code of the tutorial "What is torch.nn really?"
(seed 003; steps 11 and 12 from the tutorial's sections past where seed 003 stops) or of the companion
lessons (seeds 000/001/002/004 for steps 13-15), with the seed's own arithmetic and shape of code: a
get_data without a generator of its own, a fit that prints its validation losses and returns None,
register_backward_hook, the loss "after training" printed on the batch the loop left behind. Where the
seed's code is right, it passes; where it says something it does not mean, or leans on a deprecated
API, it earns an advisory. Then the same glue, shown to still catch wrong arithmetic in that shape.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import torch

from kata.grading import runner
from kata.judging.compare import Mismatch
from kata.judging.results import FAILED, PASSED
from kata.rendering import report
from kata.steps import registry
from kata.steps.common.reported import Printed, agrees, assert_losses, read_printed

SEEDS = Path(__file__).parent / "seeds"
STEPS = registry.STEPS
ADVISED = {**{f"step{i:02d}": ["last-batch-loss"] for i in range(7)}, "step14": ["deprecated-backward-hook"]}


def seed_copy(step_id: str, folder: Path, *edits: tuple[str, str]) -> Path:
    """The seed's file for a step, laid out as the step's file in `folder`, optionally edited."""
    step = registry.BY_ID[step_id]
    path = folder / step.filename
    shutil.copy(SEEDS / f"{step_id}.py", path)
    text = path.read_text()
    for old, new in edits:
        assert text.count(old) == 1, f"edit target not found once in seeds/{step_id}.py: {old!r}"
        text = text.replace(old, new)
    path.write_text(text)
    return path


def grade(step_id: str, folder: Path):
    return runner.grade(registry.BY_ID[step_id], folder, 60)


def failed(result, check: str) -> str:
    """The message of the check `check` of `result`, which must have failed."""
    found = next(c for c in result.checks if c.id == f"{result.step}.{check}")
    assert found.status == FAILED, report.step_text(result)
    return found.message


@pytest.mark.slow
@pytest.mark.parametrize("step", STEPS, ids=lambda s: s.id)
def test_the_seeds_own_code_passes_its_step(step, tmp_path):
    seed_copy(step.id, tmp_path)
    result = grade(step.id, tmp_path)
    assert result.status == PASSED, report.step_text(result)
    notes = result.advisories
    assert [n["id"] for n in notes] == [f"{step.id}.advice.{local}" for local in ADVISED.get(step.id, [])]
    source = (tmp_path / step.filename).read_text().splitlines()
    for note in notes:
        line = source[note["line"] - 1]
        assert ("print(" in line) if "last-batch" in note["id"] else ("register_backward_hook(" in line), line


def test_every_step_has_its_seed():
    assert sorted(p.name for p in SEEDS.glob("step*.py")) == [f"{s.id}.py" for s in STEPS]


# --- the glue still checks the arithmetic --------------------------------------------------------------

@pytest.mark.slow
def test_printed_validation_losses_and_the_global_generator_are_judged(tmp_path):
    """Two slips in the tutorial's shape of step07, one grade: the tutorial's own first validation ("Add
    validation", seed 003's cell 84: the plain mean of the batch means), printed by a fit that returns None, is read from what fit
    prints and named; a get_data that reseeds torch's global generator is caught by what it does to it."""
    seed_copy("step07", tmp_path,
              ("valid_loss = sum(loss_func(model(xb), yb) * len(xb) for xb, yb in valid_dl)",
               "valid_loss = sum(loss_func(model(xb), yb) for xb, yb in valid_dl)"),
              ("print(epoch, (valid_loss / len(valid_dl.dataset)).item())",
               "print(epoch, (valid_loss / len(valid_dl)).item())"),
              ("    return (\n        DataLoader(train_ds, batch_size=bs, shuffle=True),",
               "    torch.manual_seed(0)\n    return (\n        DataLoader(train_ds, batch_size=bs, shuffle=True),"))
    result = grade("step07", tmp_path)
    message = failed(result, "valid-loss")
    assert "as fit printed it" in message and "plain mean of the" in message
    assert "is not as get_data found it" in failed(result, "train-loader")


@pytest.mark.slow
def test_the_losses_a_cnn_steps_fit_prints_are_compared(tmp_path):
    """Steps 09-12 compare fit's validation losses with the reference's: printed ones too, to their digits.
    The parameters after fit agree; the printed plain mean of the batch means does not."""
    seed_copy("step09", tmp_path, ("val_loss = np.sum(np.multiply(losses, nums)) / np.sum(nums)",
                                   "val_loss = np.sum(losses) / len(losses)"))
    message = failed(grade("step09", tmp_path), "fit-unchanged")
    assert "as fit printed it" in message and "after fit" not in message


@pytest.mark.slow
def test_the_old_backward_hook_records_what_the_checks_compare(tmp_path):
    """With register_backward_hook, recording grad_input[0] instead of grad_output[0] is caught: the recorded
    gradients are compared with the layers' own, whichever kind of hook recorded them."""
    seed_copy("step14", tmp_path, ("log.append((name, grad_output[0].clone()))",
                                   "log.append((name, grad_input[0].clone()))"))
    result = grade("step14", tmp_path)
    failed(result, "inspect-grads")
    failed(result, "record-grad")


@pytest.mark.slow
def test_a_fit_that_returns_none_still_has_every_update_compared(tmp_path):
    seed_copy("step15", tmp_path, ("        optimizer.zero_grad()\n", ""))
    assert "after fit" in failed(grade("step15", tmp_path), "k-updates")


# --- reading what fit prints ----------------------------------------------------------------------------

def test_printed_losses_are_read_one_per_epoch_in_the_tutorials_formats():
    seed = read_printed("epoch: 1, validaiton loss: 0.4107\nepoch: 2, validaiton loss: 0.2994\n", 2)
    assert seed.values.tolist() == [0.4107, 0.2994] and seed.steps == pytest.approx((5e-5, 5e-5))
    tutorial = read_printed("0 0.29024046325683596\n1 0.2815\n", 2)  # print(epoch, val_loss)
    assert tutorial.values.tolist() == [0.29024046325683596, 0.2815]
    mixed = read_printed("train loss 0.51, valid loss 0.4107, accuracy 0.88\n", 1)
    assert mixed.values.tolist() == [0.4107]
    chatty = read_printed("batch 1: 0.9\nbatch 2: 0.8\nepoch 1 val_loss=tensor(0.4107)\n", 1)
    assert chatty.values.tolist() == [0.4107]
    assert read_printed("epoch 1: loss 1.5e-03\n", 1).steps == pytest.approx((5e-5,))


def test_printed_losses_compare_to_the_digits_printed():
    printed = Printed(torch.tensor([0.4107, 0.2994], dtype=torch.float64), (5e-5, 5e-5), ("a", "b"))
    assert agrees(printed, torch.tensor([0.41074, 0.29936], dtype=torch.float64))
    assert not agrees(printed, torch.tensor([0.41080, 0.2994], dtype=torch.float64))
    with pytest.raises(Mismatch, match="epoch 1: fit printed 'a'"):
        assert_losses(printed, torch.tensor([0.5, 0.2994], dtype=torch.float64), "the validation loss")


@pytest.mark.parametrize("text", ["", "done\n", "epoch 1\nepoch 2\n", "0.5\n0.4\n0.3\n"])
def test_a_fit_that_returns_none_must_print_one_loss_per_epoch(text):
    with pytest.raises(Mismatch, match="returned None"):
        read_printed(text, 2)
