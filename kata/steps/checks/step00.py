"""step00_scratch against torch's own functions (there is no earlier step)."""
import math

import torch
import torch.nn.functional as F

from kata.steps import strategies as S
from kata.steps.checks.base import prop
from kata.steps.checks.fixtures import assert_loss_and_gradients, compare_training, leaf_copies, oracle_fit
from kata.engine.compare import as_tensor, assert_leaf, assert_same


@prop("log_softmax(x) ≈ F.log_softmax(x, dim=-1)", uses=("log_softmax",),
      strategy=S.batches, edges=S.BATCH_EDGES, hint=0)
def log_softmax_matches(learner, ref, case):
    z = case.logits()  # (bs, 10)
    assert_same(learner.log_softmax(z.clone()), F.log_softmax(z, dim=-1), "log_softmax(x)")


@prop("nll(log_probs, target) ≈ F.nll_loss", uses=("nll",), strategy=S.batches, edges=S.BATCH_EDGES, hint=1)
def nll_matches(learner, ref, case):
    logp, y = F.log_softmax(case.logits(), dim=-1), case.y()
    assert_same(learner.nll(logp.clone(), y), F.nll_loss(logp, y), "nll(log_probs, target)")


@prop("accuracy(out, yb) = the fraction of rows whose argmax is the target", uses=("accuracy",),
      strategy=S.batches, edges=S.BATCH_EDGES)
def accuracy_matches(learner, ref, case):
    out, y = case.logits(), case.y()
    expected = (out.argmax(dim=1) == y).float().mean()
    got = learner.accuracy(out, y)
    assert_same(torch.as_tensor(as_tensor(got, "accuracy(out, yb)"), dtype=expected.dtype), expected,
                "accuracy(out, yb)")


@prop("init_weights() gives leaf weights randn(784, 10) / sqrt(784) and zero bias", uses=("init_weights",),
      strategy=S.seeds, edges=(0,), max_examples=5, hint=2)
def init_weights_matches(learner, ref, seed):
    torch.manual_seed(seed)
    weights, bias = learner.init_weights()
    torch.manual_seed(seed)
    expected = torch.randn(S.N_FEATURES, S.N_CLASSES) / math.sqrt(S.N_FEATURES)
    assert_leaf(weights, "weights")
    assert_leaf(bias, "bias")
    assert_same(weights, expected, "weights (after torch.manual_seed(seed))")
    assert_same(bias, torch.zeros(S.N_CLASSES), "bias")


@prop("model(xb, weights, bias) ≈ F.log_softmax(xb @ weights + bias)", uses=("model",),
      strategy=S.batches, edges=S.BATCH_EDGES,
      hint="The model is log_softmax of the linear map: check log_softmax first, then the shapes.")
def model_matches(learner, ref, case):
    x, (w, b) = case.x(), case.weights()
    assert_same(learner.model(x, w, b), F.log_softmax(x @ w + b, dim=-1), "model(xb, weights, bias)")


@prop("loss and gradients of nll(model(xb), yb) ≈ those of F.cross_entropy", uses=("model", "nll"),
      strategy=S.batches, edges=S.BATCH_EDGES,
      hint="The gradients follow from the loss: when log_softmax, nll or model fail too, fix those first.")
def gradients_match(learner, ref, case):
    x, y = case.x(), case.y()
    w, b = case.weights()
    ew, eb = leaf_copies(w, b)
    loss = learner.nll(learner.model(x, w, b), y)
    assert_loss_and_gradients(loss, F.cross_entropy(x @ ew + eb, y), {"weights": (w, ew), "bias": (b, eb)})


@prop("fit(...) leaves weights and bias ≈ mini-batch SGD with torch's loss", uses=("fit",),
      strategy=S.runs, edges=S.RUN_EDGES, max_examples=20, hint=3)
def fit_matches(learner, ref, run):
    def mine(x, y, epochs):
        w, b = run.weights()
        learner.fit(x, y, w, b, run.lr, epochs, run.bs)
        return {"weights": w, "bias": b}

    def expected(x, y, epochs):
        w, b = run.weights()
        oracle_fit(x, y, w, b, run.lr, epochs, run.bs)
        return {"weights": w, "bias": b}

    compare_training(run, mine, expected)


CHECKS = [log_softmax_matches, nll_matches, accuracy_matches, init_weights_matches, model_matches,
          gradients_match, fit_matches]
