"""Steps 12-14 (the companion lessons): the facts their checks rest on, and their source rules.

The checks claim that seed 000's torch.flatten(x) merges the batch, that calling .forward
skips hooks, and that nn.MSELoss broadcasts (n, 1) against (n,) to an (n, n) table. These
tests show each of those on torch itself, so a change in torch that made a check pointless
would show here first.
"""
import ast
import re
import warnings

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from kata.authoring import mutants
from kata.engine import loading, runner
from kata.steps import static
from kata.steps import strategies as S
from kata.steps.baselines import step12_handwritten, step13_printing, step14_handwritten
from solutions import step12_flatten, step13_hooks, step14_regression


@pytest.fixture(autouse=True)
def float64():
    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(before)


def same_weights(model, source):
    model.load_state_dict(source.state_dict())
    return model


def problems(rule, source):
    return rule.find(ast.parse(source))


# --- step 12 -------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, size", [("LeNet", 32), ("CNN", 28)])
@pytest.mark.parametrize("bs", [1, 3])
def test_flatten_solution_equals_the_hand_written_view(name, size, bs):
    torch.manual_seed(bs)
    expected_model = getattr(step12_handwritten, name)()
    model = same_weights(getattr(step12_flatten, name)(), expected_model)
    x = torch.randn(bs, 1, size, size)
    assert model(x).shape == (bs, 10)
    torch.testing.assert_close(model(x), expected_model(x))


def test_seed_000_flatten_merges_the_batch(tmp_path):
    """torch.flatten(x) starts at dimension 0: one image loses its batch dimension, two make fc1 fail."""
    mutant = next(m for m in mutants.for_step("step12") if m.name == "flatten-merges-batch")
    seed000 = loading.load(mutant.write(tmp_path))
    torch.manual_seed(0)
    model = same_weights(seed000.CNN(), step12_handwritten.CNN())
    assert torch.flatten(torch.zeros(2, 32, 14, 14)).shape == (2 * 6272,)
    assert model(torch.randn(1, 1, 28, 28)).shape == (10,)  # not (1, 10): silently
    with pytest.raises(RuntimeError):
        model(torch.randn(2, 1, 28, 28))


def test_flatten_layer_has_no_parameters():
    assert [n for n, _ in step12_flatten.LeNet().named_parameters()] == \
           [n for n, _ in step12_handwritten.LeNet().named_parameters()]


def test_step12_rules():
    flattens = static.uses_one_of(("Flatten", "flatten"), "why")
    assert not problems(flattens, "def forward(self, x):\n    return torch.flatten(x, 1)\n")
    assert not problems(flattens, "from torch.nn import Flatten\n")
    assert problems(flattens, "def forward(self, x):\n    return x.view(-1, 400)\n")
    gone = static.gone("num_flat_features", "why")
    found = problems(gone, "class A:\n    def forward(self, x):\n        return x.view(-1, self.num_flat_features(x))\n"
                           "    def num_flat_features(self, x):\n        return 1\n")
    assert sorted(line for line, _ in found) == [3, 4]
    no_view = static.no_call_in("forward", ("view", "reshape"), "name", "why")
    two_classes = ("class A:\n    def forward(self, x):\n        return self.flatten(x)\n"
                   "class B:\n    def forward(self, x):\n        return x.view(-1, 6272)\n")
    assert [line for line, _ in problems(no_view, two_classes)] == [6]  # every forward, not only the first


# --- step 13 -------------------------------------------------------------------------------------

def test_calling_forward_skips_the_hooks_calling_the_module_runs_them():
    model = step13_hooks.CNN()
    xb = torch.randn(2, 1, 28, 28)
    assert step13_hooks.hooks_run(model, xb) == (1, 0)
    log = []
    handle = model.fc1.register_forward_hook(step13_hooks.record_output(log, "fc1"))
    model.fc1(torch.randn(2, 6272))
    model.fc1.forward(torch.randn(2, 6272))
    handle.remove()
    assert len(log) == 1
    assert not model._forward_hooks and not model.fc1._forward_hooks


def test_hooks_record_what_the_printing_forward_shows(capsys):
    torch.manual_seed(0)
    printing = step13_printing.CNN()
    model = same_weights(step13_hooks.CNN(), printing)
    xb, yb = torch.randn(2, 1, 28, 28), torch.tensor([3, 7])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        outputs, grads = step13_hooks.inspect(model, xb, yb)
    assert capsys.readouterr().out == ""
    expected_outputs, expected_grads = step13_printing.inspect(printing, xb, yb)
    printed = capsys.readouterr().out
    assert "conv1 output (2, 32, 28, 28)" in printed and "fc2 output gradient (2, 10)" in printed
    assert [(n, tuple(t.shape)) for n, t in outputs] == [
        ("conv1", (2, 32, 28, 28)), ("conv2", (2, 32, 28, 28)), ("fc1", (2, 128)), ("fc2", (2, 10))]
    assert [n for n, _ in grads] == ["fc2", "fc1", "conv2", "conv1"]
    for (n, got), (m, expected) in zip(outputs + grads, expected_outputs + expected_grads):
        assert n == m
        torch.testing.assert_close(got, expected)


def test_grad_fn_chain_walks_the_first_inputs():
    model = step13_hooks.CNN()
    loss = F.cross_entropy(model(torch.randn(1, 1, 28, 28)), torch.tensor([0]))
    assert step13_hooks.grad_fn_chain(loss) == ["NllLossBackward0", "LogSoftmaxBackward0", "AddmmBackward0",
                                                "AccumulateGrad"]


def test_step13_rules():
    rule = static.calls_modules_not_forward("hooks_run")
    assert not problems(rule, "def f(model, x):\n    return model(x)\n")
    assert not problems(rule, "class A:\n    def forward(self, x):\n        return super().forward(x)\n")
    assert not problems(rule, "def hooks_run(model, x):\n    model.forward(x)\n")
    found = problems(rule, "def inspect(model, x):\n    return model.forward(x)\n")
    assert found and found[0][0] == 2 and "skips every hook registered on `model`" in found[0][1]
    no_print = static.no_call_in("forward", ("print",), "name", "why")
    assert problems(no_print, "class A:\n    def forward(self, x):\n        print(x.shape)\n        return x\n")
    assert not problems(no_print, "def main():\n    print('fine outside forward')\n")


# --- step 14 -------------------------------------------------------------------------------------

def test_mse_loss_broadcasts_a_column_against_a_row_to_a_table():
    """Why the loss check's edges start at n=1 (where the slip is invisible) and go on to n=2."""
    y_hat, y = torch.randn(5, 1), torch.randn(5)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        slip = nn.MSELoss()(y_hat, y)
    assert any("different to the input size" in str(w.message) for w in caught)
    torch.testing.assert_close(slip, ((y_hat - y[None, :]) ** 2).mean())  # (5, 1) - (1, 5) -> (5, 5)
    assert not torch.isclose(slip, ((y_hat[:, 0] - y) ** 2).mean())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        one = nn.MSELoss()(y_hat[:1], y[:1])
    torch.testing.assert_close(one, ((y_hat[0, 0] - y[0]) ** 2))  # n = 1: the slip changes nothing


def test_regression_solution_equals_the_hand_written_fit():
    case = S.Houses(n=12, epochs=4, lr=0.1, seed=3)
    x, y = case.data()
    w, b = case.weights()
    model, opt = step14_regression.get_model(case.lr)
    with torch.no_grad():
        model.weight.copy_(w.view(1, 1))
        model.bias.copy_(b)
    losses = step14_regression.fit(model, opt, x, y, case.epochs)
    expected = step14_handwritten.fit(x, y, w, b, case.lr, case.epochs)
    torch.testing.assert_close(torch.tensor(losses), torch.tensor(expected))
    torch.testing.assert_close(model.weight.detach().view(1), w.detach())
    assert losses[-1] < losses[0]


def test_regression_main_trains(capsys):
    step14_regression.main()
    out = capsys.readouterr().out
    start, end = (float(v) for v in re.findall(r"loss (\S+) at the start, (\S+) after", out)[0])
    assert "after 300 epochs" in out and end < start / 10 and "* area +" in out


def test_house_cases_are_reproducible_and_read_as_one_line():
    case = S.Houses(n=3, epochs=2, lr=0.3, seed=5)
    (x1, y1), (x2, y2) = case.data(), case.data()
    assert torch.equal(x1, x2) and torch.equal(y1, y2) and x1.shape == y1.shape == (3,)
    w, b = case.weights()
    assert w.is_leaf and w.requires_grad and w.shape == b.shape == (1,)
    assert str(case) == "n=3 houses, 2 epochs, lr=0.3, seed=5"
    assert str(S.Images(bs=1, size=32)) == "bs=1 image of 1×32×32, seed=0"
    assert {c.bs for c in S.LENET_EDGES} >= {1} and {c.bs for c in S.CNN_EDGES} >= {1}
    assert {c.n for c in S.HOUSE_EDGES} >= {1, 2}


def test_companion_steps_are_graded_against_their_baselines():
    for step_id, module in (("step12", step12_handwritten), ("step13", step13_printing),
                            ("step14", step14_handwritten)):
        step = runner.registry.BY_ID[step_id]
        assert runner.baseline(step).__file__ == module.__file__
