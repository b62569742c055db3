"""step00_scratch against torch's own functions (there is no earlier step)."""
import math

import torch
import torch.nn.functional as F

from kata.engine.compare import Mismatch, assert_same
from kata.steps import strategies as S
from kata.steps.checks.base import prop
from kata.steps.checks.fixtures import compare_training, leaf_copies, oracle_fit
from kata.steps.checks.judging import tensor


def leaves(child, *values):
    """Child-side leaf tensors (requiring grad) holding these values: the learner's code acts on them."""
    return [child.fixture("hand_leaf", v) for v in values]


def now(t) -> torch.Tensor:
    """A child-side tensor's values as they are now (after the learner's code changed it in place)."""
    return t.child.observe("tensor_now", t)


def pair(got, what: str, names: str):
    items = got.unpack(2)
    if items is None:
        raise Mismatch(what, f"should return ({names}), got {got.type}.")
    return items


def expect_leaf(t, what: str) -> None:
    """A parameter the update can change: a tensor, a leaf of the graph, requiring grad (assert_leaf's words)."""
    state = t.child.observe("tensor_state", t)
    if not state["tensor"]:
        raise Mismatch(what, f"expected a tensor, got {state['type']}.")
    if not state["requires_grad"]:
        raise Mismatch(what, "does not require grad, so backward() gives it no gradient.")
    if not state["is_leaf"]:
        raise Mismatch(what, f"is not a leaf tensor (it was made by {state['grad_fn']}), so its .grad "
                       "stays None: scale or build the tensor first, then call requires_grad_().")


def loss_and_gradients(loss, expected: torch.Tensor, got_grads, expected_grads) -> None:
    """The child-side loss ≈ expected; then, after backward() on both, `got_grads()` (name -> the child's
    gradient, or None) ≈ `expected_grads()` (name -> tensor)."""
    assert_same(tensor(loss, "loss"), expected, "loss")
    if not loss.child.observe("tensor_state", loss)["requires_grad"]:
        raise Mismatch("loss", "does not require grad: it was computed outside the graph of the parameters.")
    loss.attr("backward")()
    expected.backward()
    got = got_grads()
    for name, want in expected_grads().items():
        if got.get(name) is None:
            raise Mismatch(f"{name}.grad", "is None after backward(): the loss does not depend on this tensor.")
        assert_same(got[name], want, f"gradient of {name}")


@prop("step00.log-softmax", "log_softmax(x) ≈ F.log_softmax(x, dim=-1)", stage="forward", uses=("log_softmax",),
      strategy=S.batches, edges=S.BATCH_EDGES,
      hints=(("log_softmax normalises each row on its own: every row of the result is that row's scores "
              "minus the log of that row's total of exponentials."),
             ("Reduce over the last dimension and keep it (x.exp().sum(-1).log().unsqueeze(-1), or keepdim=True): "
              "(bs, 10) - (bs,) broadcasts across rows and is silently wrong exactly when bs is 10."),
             "return x - <each row's log-sum-exp, shaped (bs, 1)>"))
def log_softmax_matches(child, ref, case):
    z = case.logits()  # (bs, 10)
    got = child.get("log_softmax")(z)
    assert_same(tensor(got, "log_softmax(x)"), F.log_softmax(z, dim=-1), "log_softmax(x)")


@prop("step00.nll", "nll(log_probs, target) ≈ F.nll_loss", stage="loss", uses=("nll",), strategy=S.batches,
      edges=S.BATCH_EDGES,
      hints=(("nll picks one entry per row, the log-probability of that row's target, then takes the mean "
              "and negates it."),
             ("input[range(n), target] picks input[row, target[row]] for every row; input[:, target] picks a "
              "(bs, bs) block instead."),
             "return -<input at (each row, its target)>.mean()"))
def nll_matches(child, ref, case):
    logp, y = F.log_softmax(case.logits(), dim=-1), case.y()
    got = child.get("nll")(logp, y)
    assert_same(tensor(got, "nll(log_probs, target)"), F.nll_loss(logp, y), "nll(log_probs, target)")


@prop("step00.accuracy", "accuracy(out, yb) = the fraction of rows whose argmax is the target", stage="loss",
      uses=("accuracy",), strategy=S.batches, edges=S.BATCH_EDGES,
      hints=(("A row is right when its largest score sits at the target's index; accuracy is the share of "
              "right rows."),
             ("out.argmax(dim=1) gives each row's predicted class; comparing with yb gives booleans, and "
              ".float().mean() their share."),
             "return (<each row's argmax> == yb).float().mean()"))
def accuracy_matches(child, ref, case):
    out, y = case.logits(), case.y()
    expected = (out.argmax(dim=1) == y).float().mean()
    got = tensor(child.get("accuracy")(out, y), "accuracy(out, yb)")
    assert_same(torch.as_tensor(got, dtype=expected.dtype), expected, "accuracy(out, yb)")


@prop("step00.init-weights", "init_weights() gives leaf weights randn(784, 10) / sqrt(784) and zero bias",
      stage="structure", uses=("init_weights",), strategy=S.seeds, edges=(0,), max_examples=5,
      hints=(("The weights must be a leaf of the graph that requires grad, or backward() leaves their .grad "
              "None and nothing is ever updated."),
             ("A tensor computed from one that requires grad (randn(...).requires_grad_() / sqrt(784)) is not a "
              "leaf; scale first, then call requires_grad_() on the result."),
             ("weights = (torch.randn(784, 10) / math.sqrt(784)).requires_grad_(); "
              "bias = torch.zeros(10, requires_grad=True)")))
def init_weights_matches(child, ref, seed):
    weights, bias = pair(child.get("init_weights")(seed=seed), "init_weights()", "weights, bias")
    torch.manual_seed(seed)
    expected = torch.randn(S.N_FEATURES, S.N_CLASSES) / math.sqrt(S.N_FEATURES)
    expect_leaf(weights, "weights")
    expect_leaf(bias, "bias")
    assert_same(tensor(weights, "weights"), expected, "weights (after torch.manual_seed(seed))")
    assert_same(tensor(bias, "bias"), torch.zeros(S.N_CLASSES), "bias")


@prop("step00.model", "model(xb, weights, bias) ≈ F.log_softmax(xb @ weights + bias)", stage="forward",
      uses=("model",), strategy=S.batches, edges=S.BATCH_EDGES,
      hints=("The model is log_softmax of the linear map: check log_softmax first, then the shapes.",
             ("xb is (bs, 784) and weights (784, 10): xb @ weights is (bs, 10), and the (10,) bias broadcasts "
              "over the rows."),
             "return log_softmax(<xb times weights, plus bias>)"))
def model_matches(child, ref, case):
    x, (w, b) = case.x(), case.weights()
    got = child.get("model")(x, w, b)
    assert_same(tensor(got, "model(xb, weights, bias)"), F.log_softmax(x @ w + b, dim=-1), "model(xb, weights, bias)")


@prop("step00.gradients", "loss and gradients of nll(model(xb), yb) ≈ those of F.cross_entropy", stage="gradients",
      uses=("model", "nll"), strategy=S.batches, edges=S.BATCH_EDGES,
      hints=("The gradients follow from the loss: when log_softmax, nll or model fail too, fix those first.",
             ("backward() reaches weights and bias only through torch operations on them: no .detach(), no "
              ".data, no .item() between the parameters and the loss."),
             "loss = nll(model(xb, weights, bias), yb), built from torch operations end to end"))
def gradients_match(child, ref, case):
    x, y = case.x(), case.y()
    w, b = case.weights()
    ew, eb = leaf_copies(w, b)
    gw, gb = leaves(child, w, b)
    loss = child.get("nll")(child.get("model")(x, gw, gb), y)
    loss_and_gradients(loss, F.cross_entropy(x @ ew + eb, y),
                       lambda: {"weights": child.observe("tensor_grad", gw), "bias": child.observe("tensor_grad", gb)},
                       lambda: {"weights": ew.grad, "bias": eb.grad})


@prop("step00.fit", "fit(...) leaves weights and bias ≈ mini-batch SGD with torch's loss", stage="update",
      uses=("fit",), strategy=S.runs, edges=S.RUN_EDGES, max_examples=20,
      hints=(("One update per batch: backward, update, zero the gradients, all inside the batch loop, over "
              "every batch including the last, shorter one."),
             ("The batch count rounds up ((n - 1) // bs + 1) so the last rows are used; p.grad.zero_() after "
              "each update stops gradients piling up."),
             "for each batch: loss.backward(); with torch.no_grad(): p -= p.grad * lr, then p.grad.zero_()"))
def fit_matches(child, ref, run):
    def mine(x, y, epochs):
        w, b = leaves(child, *run.weights())
        child.get("fit")(x, y, w, b, run.lr, epochs, run.bs)
        return {"weights": now(w), "bias": now(b)}

    def expected(x, y, epochs):
        w, b = run.weights()
        oracle_fit(x, y, w, b, run.lr, epochs, run.bs)
        return {"weights": w, "bias": b}

    compare_training(run, mine, expected)


CHECKS = [log_softmax_matches, nll_matches, accuracy_matches, init_weights_matches, model_matches,
          gradients_match, fit_matches]
