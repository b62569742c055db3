"""Advisories (kata.steps.advisories): notes read from the source that never fail a step. Each finder on
small sources: where it speaks, and where it keeps quiet; then how a grade carries them, in the terminal
and in --json."""
from __future__ import annotations

import ast
import json
import textwrap

import pytest

from kata.judging.results import PASSED, StepResult
from kata.learner import cli
from kata.paths import SOLUTIONS
from kata.rendering import report
from kata.steps import advisories, registry
from tests.steps.test_seeds import seed_copy


def notes(finder, source: str) -> list[tuple[int, str]]:
    return [(line, local) for line, local, _ in finder(ast.parse(textwrap.dedent(source)))]


def last_batch(source: str) -> list[tuple[int, str]]:
    return notes(advisories.last_batch_loss, source)


# --- the loss "after training" ----------------------------------------------------------------------

SEED_CELL = """
    for epoch in range(epochs):
        for i in range((n - 1) // bs + 1):
            start_i = i * bs
            end_i = start_i + bs
            xb = x_train[start_i:end_i]
            yb = y_train[start_i:end_i]
            pred = model(xb)
            loss = loss_func(pred, yb)
            loss.backward()
    print("loss: ", loss_func(model(xb), yb).item(), "accuracy: ", accuracy(model(xb), yb).item())
"""


@pytest.mark.parametrize("source, line", [
    (SEED_CELL, 11),  # seed 003's cell: slices by hand, prints at module level
    ("""
    for xb, yb in train_dl:
        loss_func(model(xb), yb).backward()
    print(loss_func(model(xb), yb))
    """, 4),
    ("""
    for epoch in range(2):
        for i in range(10):
            xb, yb = train_ds[i * bs: i * bs + bs]
            loss = loss_func(model(xb), yb)
    print(f"after training: {loss.item():.4f}")
    """, 6),  # the loss itself, left over
    ("""
    def main():
        for xb, yb in train_dl:
            pred = model(xb)
        final = loss_func(pred, yb)
        if verbose:
            print("final", final)
    """, 7),  # in main(), through a name computed after the loop, inside an if
    ("""
    def fit(model, opt, train_dl, epochs):
        for epoch in range(epochs):
            for xb, yb in train_dl:
                loss = loss_func(model(xb), yb)
        print(loss)
    """, 6),  # at the end of fit: the tutorial's own slip, the last (short) batch's loss
    ("""
    def fit():
        for epoch in range(epochs):
            for xb, yb in train_dl:
                opt.step()
            print(epoch, loss_func(model(xb), yb).item())
    """, 6),  # inside the epoch loop, after its loop over batches
    ("""
    if __name__ == "__main__":
        for xb, yb in train_dl:
            opt.step()
        with torch.no_grad():
            print(loss_func(model(xb), yb))
    """, 6),
])
def test_the_last_batchs_loss_printed_after_the_loop_gets_a_note(source, line):
    assert last_batch(source) == [(line, "last-batch-loss")]


def test_the_note_says_what_the_loss_is_and_where_to_look():
    (_, local, message), = advisories.last_batch_loss(ast.parse(textwrap.dedent(SEED_CELL)))
    assert local == "last-batch-loss"
    assert "`xb`, `yb`" in message and "line 2" in message and "last batch's loss" in message
    assert "not the data set's" in message and "step07" in message


@pytest.mark.parametrize("source", [
    # step07 measures validation properly: the whole validation set, every epoch, inside the loop
    """
    for epoch in range(epochs):
        model.train()
        for xb, yb in train_dl:
            loss_batch(model, loss_func, xb, yb, opt)
        model.eval()
        with torch.no_grad():
            losses, nums = zip(*[loss_batch(model, loss_func, xb, yb) for xb, yb in valid_dl])
        val_loss = np.sum(np.multiply(losses, nums)) / np.sum(nums)
        print(epoch, val_loss)
    print("final validation loss", val_loss)
    """,
    # the loss over the whole data set, after training
    """
    for xb, yb in train_dl:
        loss_func(model(xb), yb).backward()
    print(loss_func(model(x_valid), y_valid))
    """,
    # summed over every batch: not the last batch's
    """
    total_loss, n = 0.0, 0
    for xb, yb in valid_dl:
        total_loss += loss_func(model(xb), yb).item() * len(xb)
        n += len(xb)
    print("valid loss", total_loss / n)
    """,
    # the leftover name computed again on the whole data set
    """
    for xb, yb in train_dl:
        loss = loss_func(model(xb), yb)
    loss = loss_func(model(x_train), y_train)
    print(loss)
    """,
    # a progress line inside the loop over batches: each batch's own loss, said as such
    """
    def fit(model, opt, train_dl, epochs):
        for epoch in range(epochs):
            for xb, yb in train_dl:
                loss = loss_func(model(xb), yb)
                print(loss)
    """,
    # something else than a loss
    """
    for xb, yb in train_dl:
        opt.step()
    print(xb.shape, accuracy(model(xb), yb))
    """,
])
def test_no_note_for_a_proper_measure_or_for_no_loss(source):
    assert last_batch(source) == []


@pytest.mark.parametrize("step_id", [f"step{i:02d}" for i in range(7)])
def test_the_reference_solutions_earn_no_note(step_id):
    step = registry.BY_ID[step_id]
    tree = ast.parse((SOLUTIONS / step.filename).read_text())
    assert advisories.last_batch_loss in step.advisories
    assert [f(tree) for f in step.advisories] == [[]]


# --- register_backward_hook ------------------------------------------------------------------------

def test_register_backward_hook_gets_a_note_explaining_the_deprecation():
    source = """
    for name, layer in model.named_children():
        handles.append(layer.register_forward_hook(record_output(outputs, name)))
        handles.append(layer.register_backward_hook(record_grad(grads, name)))
    """
    found = advisories.deprecated_backward_hook(ast.parse(textwrap.dedent(source)))
    assert [(line, local) for line, local, _ in found] == [(4, "deprecated-backward-hook")]
    message = found[0][2]
    assert "several operations" in message and "last operation only" in message
    assert "register_full_backward_hook reports the module's" in message


def test_register_full_backward_hook_gets_no_note():
    step = registry.BY_ID["step14"]
    assert step.advisories == (advisories.deprecated_backward_hook,)
    assert notes(advisories.deprecated_backward_hook, (SOLUTIONS / step.filename).read_text()) == []
    assert notes(advisories.deprecated_backward_hook, "layer.register_full_backward_hook(hook)") == []


def test_step13s_rule_accepts_either_backward_hook():
    step = registry.BY_ID["step14"]
    rule = next(r for r in step.rules if "backward" in r.id)
    for call in ("register_full_backward_hook", "register_backward_hook"):
        assert rule.find(ast.parse(f"layer.{call}(hook)")) == []
    assert rule.find(ast.parse("layer.register_forward_hook(hook)"))


# --- in a grade: the terminal and --json -----------------------------------------------------------

def test_advisories_show_as_notes_in_the_terminal():
    result = StepResult("step04", "step04_optim", "torch.optim", "steps", "steps/step04_optim.py", status=PASSED,
                        advisories=[{"id": "step04.advice.last-batch-loss", "line": 71, "message": "the last batch."}])
    assert "note line 71: the last batch." in report.step_text(result)


@pytest.mark.slow
def test_the_json_carries_advisories_as_a_list_of_id_line_message(capfd, submission):
    seed_copy("step04", submission)
    code = cli.main(["step04", "--target", str(submission), "--json"])
    result = json.loads(capfd.readouterr().out)
    assert code == 0 and result["status"] == PASSED
    assert isinstance(result["advisories"], list) and len(result["advisories"]) == 1
    note = result["advisories"][0]
    assert set(note) == {"id", "line", "message"}
    assert note["id"] == "step04.advice.last-batch-loss" and isinstance(note["line"], int)
    assert "print(loss_func(model(xb), yb))" in (submission / "step04_optim.py").read_text().splitlines()[
        note["line"] - 1]


# --- a method named and never called ------------------------------------------------------------------

def test_a_forgotten_call_is_said_where_it_is(capfd, submission):
    """step04 with `opt.zero_grad` (no parentheses): the check on the updates fails on the gradients that
    pile up, and a note names the line that does nothing and how to write it."""
    from kata.grading import runner

    source = (SOLUTIONS / "step04_optim.py").read_text()
    assert source.count("            opt.zero_grad()\n") == 1  # the call in fit's loop (the others are prose)
    (submission / "step04_optim.py").write_text(source.replace("            opt.zero_grad()\n",
                                                               "            opt.zero_grad\n"))
    result = runner.grade(registry.BY_ID["step04"], submission)
    text = report.step_text(result)
    line = source[:source.index("            opt.zero_grad()\n")].count("\n") + 1
    assert f"line {line}: `opt.zero_grad` names the method without calling it, so this line does nothing: " \
           "write `opt.zero_grad()`." in text.replace("\n", " ").replace("  ", " ")
    assert next(c for c in result.checks if c.id == "step04.k-updates").status == "failed"


def test_a_called_method_or_an_attribute_read_earns_no_such_note():
    tree = ast.parse("opt.zero_grad()\nmodel.train(True)\nx = model.training\nprint(opt.step)\n")
    assert advisories.method_not_called(tree) == []
