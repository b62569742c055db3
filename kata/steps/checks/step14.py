"""step14_regression against the hand-written regression (kata/steps/baselines/step14_handwritten.py)."""
import warnings

import torch
from torch import nn

from kata.steps import strategies as S
from kata.steps.checks.base import prop
from kata.steps.checks.fixtures import expect_sgd, leaf_copies, model_pair, with_house_weights
from kata.engine.compare import Mismatch, as_tensor, assert_grad, assert_same

SHAPES = ("nn.Linear(1, 1) returns (n, 1); the prices are (n,). nn.MSELoss does not check that its inputs have "
          "the same shape: (n, 1) against (n,) broadcasts to an (n, n) table, whose mean is not the error.")
UPDATE = ("Each epoch, in the seeds' order: opt.zero_grad(), loss.backward(), opt.step(). Without the zeroing, "
          "each epoch's gradient adds onto the last one's.")


def linear(case):
    """nn.Linear(1, 1) holding the case's w and b."""
    return with_house_weights(nn.Linear(1, 1), *case.weights())


def learner_loss(learner, model, x, y):
    """loss_of(model, x, y), and whether nn.MSELoss warned that it broadcast two shapes."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loss = as_tensor(learner.loss_of(model, x, y), "loss_of(model, x, y)")
    broadcast = [str(w.message) for w in caught if "different to the input size" in str(w.message)]
    return loss, broadcast


def learner_model(learner, case):
    """get_model(lr): (model, opt), the model holding the case's w and b."""
    model, opt = model_pair(learner.get_model(case.lr))
    return with_house_weights(model, *case.weights(), what="the model from get_model"), opt


def run_fit(learner, ref, case):
    """Both fits from the same w and b on the same houses: (model, losses, w, b, expected losses)."""
    x, y = case.data()
    model, opt = learner_model(learner, case)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a broadcasting loss is named by the loss check
        losses = learner.fit(model, opt, x, y, case.epochs)
    w, b = case.weights()
    expected = ref.fit(x, y, w, b, case.lr, case.epochs)
    if not isinstance(losses, (list, tuple)) or len(losses) != case.epochs:
        raise Mismatch("fit(model, opt, x, y, epochs)", f"should return a list of {case.epochs} losses, one per "
                       f"epoch, got {losses!r:.80}")
    try:
        got = torch.tensor([float(v) for v in losses])
    except (TypeError, ValueError, RuntimeError):
        raise Mismatch("the losses fit returns", f"should be numbers (loss.item()), got {losses!r:.80}") from None
    return model, got, w, b, torch.tensor(expected)


@prop("get_model(lr) returns (nn.Linear(1, 1), plain SGD over its parameters with that lr)",
      uses=("get_model",), strategy=S.house_learning_rates, edges=(0.1,), max_examples=4)
def model_and_optimizer(learner, ref, lr):
    model, opt = model_pair(learner.get_model(lr))
    if not isinstance(model, nn.Linear) or (model.in_features, model.out_features) != (1, 1):
        raise Mismatch("the model", f"is {model!r:.80}, expected nn.Linear(1, 1): one input (the area), one "
                       "output (the price), weight (1, 1) and bias (1,).")
    expect_sgd(model, opt, lr)


@prop("loss_of(model, x, y) ≈ the hand-written mean squared error: one number over the n houses, never an "
      "(n, n) table", uses=("loss_fn", "loss_of"), strategy=S.houses, edges=S.HOUSE_EDGES, max_examples=20,
      hint=SHAPES)
def loss_matches(learner, ref, case):
    x, y = case.data()
    w, b = case.weights()
    loss, broadcast = learner_loss(learner, linear(case), x, y)
    expected = ref.mse(ref.predict(x, w, b), y)
    table = ((ref.predict(x, w, b)[:, None] - y[None, :]) ** 2).mean()  # (n, 1) - (n,) -> (n, n): the slip
    if loss.numel() == 1 and case.n > 1 and torch.isclose(loss.detach().reshape(()), table) \
            and not torch.isclose(table, expected):
        raise Mismatch("loss_of(model, x, y)", f"is {loss.item():.6g}, the mean of the ({case.n}, {case.n}) table that "
                       f"predictions (n, 1) against prices (n,) broadcast to: every prediction minus every price. "
                       f"The mean squared error is {expected.item():.6g}."
                       + (f" torch warned: {broadcast[0]}" if broadcast else ""))
    assert_same(loss, expected, "loss_of(model, x, y)")


@prop("loss_of(model, x, y).backward() gives weight and bias the hand-written gradients of w and b",
      uses=("loss_fn", "loss_of"), strategy=S.houses, edges=S.HOUSE_EDGES, max_examples=10, hint=SHAPES)
def gradients_match(learner, ref, case):
    x, y = case.data()
    w, b = leaf_copies(*case.weights())
    model = linear(case)
    loss, _ = learner_loss(learner, model, x, y)
    if not loss.requires_grad:
        raise Mismatch("loss_of(model, x, y)", "does not require grad: it was computed outside the model's graph.")
    loss.backward()
    ref.mse(ref.predict(x, w, b), y).backward()
    assert_same(assert_grad(model.weight, "weight.grad").reshape(1), w.grad, "gradient of weight (as w)")
    assert_same(assert_grad(model.bias, "bias.grad"), b.grad, "gradient of bias")


@prop("one epoch of fit: the loss it returns and the updated weight and bias ≈ the hand-written update",
      uses=("loss_fn", "loss_of", "get_model", "fit"), strategy=S.one_house_update, edges=S.ONE_HOUSE_UPDATE_EDGES,
      max_examples=10, hint=UPDATE)
def one_update_matches(learner, ref, case):
    model, losses, w, b, expected = run_fit(learner, ref, case)
    assert_same(losses, expected, "the loss fit returns")
    assert_same(model.weight.reshape(1), w, "weight after one update (as w)")
    assert_same(model.bias, b, "bias after one update")


@prop("fit for k epochs: every epoch's loss and the final weight and bias ≈ the hand-written fit",
      uses=("loss_fn", "loss_of", "get_model", "fit"), strategy=S.houses, edges=S.HOUSE_EDGES, max_examples=15,
      hint=UPDATE)
def every_update_matches(learner, ref, case):
    model, losses, w, b, expected = run_fit(learner, ref, case)
    assert_same(losses, expected, "the losses fit returns, epoch by epoch (each after the updates before it)")
    assert_same(model.weight.reshape(1), w, "weight after fit (as w)")
    assert_same(model.bias, b, "bias after fit")


CHECKS = [model_and_optimizer, loss_matches, gradients_match, one_update_matches, every_update_matches]
