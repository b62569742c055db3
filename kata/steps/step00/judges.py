"""step00_scratch against torch's own functions (there is no earlier step)."""
import math

import torch
import torch.nn.functional as F

from kata.child import seeding
from kata.i18n import _
from kata.judging.compare import Mismatch, assert_same
from kata.steps import strategies as S
from kata.steps.common.base import judge
from kata.steps.common.fixtures import leaf_copies, oracle_fit
from kata.steps.common.judging import tensor
from kata.steps.common.training import compare_training


def leaves(child, *values):
    """Child-side leaf tensors (requiring grad) holding these values: the learner's code acts on them."""
    return [child.fixture("hand_leaf", v) for v in values]


def now(t) -> torch.Tensor:
    """A child-side tensor's values as they are now (after the learner's code changed it in place)."""
    return t.child.observe("tensor_now", t)


def pair(got, what: str, names: str):
    items = got.unpack(2)
    if items is None:
        raise Mismatch(what, _("should return ({names}), got {type}.").format(names=names, type=got.type))
    return items


def expect_leaf(t, what: str) -> None:
    """A parameter the update can change: a tensor, a leaf of the graph, requiring grad (assert_leaf's words)."""
    state = t.child.observe("tensor_state", t)
    if not state["tensor"]:
        raise Mismatch(what, _("expected a tensor, got {type}.").format(type=state["type"]))
    if not state["requires_grad"]:
        raise Mismatch(what, _("does not require grad, so backward() gives it no gradient."))
    if not state["is_leaf"]:
        raise Mismatch(what, _("is not a leaf tensor (it was made by {grad_fn}), so its .grad "
                               "stays None: scale or build the tensor first, then call requires_grad_().").format(
                                   grad_fn=state["grad_fn"]))


def loss_and_gradients(loss, expected: torch.Tensor, got_grads, expected_grads) -> None:
    """The child-side loss ≈ expected; then, after backward() on both, `got_grads()` (name -> the child's
    gradient, or None) ≈ `expected_grads()` (name -> tensor)."""
    assert_same(tensor(loss, _("loss")), expected, _("loss"))
    if not loss.child.observe("tensor_state", loss)["requires_grad"]:
        raise Mismatch(_("loss"), _("does not require grad: it was computed outside the graph of the parameters."))
    loss.attr("backward")()
    expected.backward()
    got = got_grads()
    for name, want in expected_grads().items():
        if got.get(name) is None:
            raise Mismatch(f"{name}.grad", _("is None after backward(): the loss does not depend on this tensor."))
        assert_same(got[name], want, _("gradient of {name}").format(name=name))


@judge('log-softmax', strategy=S.batches, edges=S.BATCH_EDGES)
def log_softmax_matches(child, ref, case):
    z = case.logits()  # (bs, 10)
    got = child.get("log_softmax")(z)
    assert_same(tensor(got, "log_softmax(x)"), F.log_softmax(z, dim=-1), "log_softmax(x)")


@judge('nll', strategy=S.batches, edges=S.BATCH_EDGES)
def nll_matches(child, ref, case):
    logp, y = F.log_softmax(case.logits(), dim=-1), case.y()
    got = child.get("nll")(logp, y)
    assert_same(tensor(got, "nll(log_probs, target)"), F.nll_loss(logp, y), "nll(log_probs, target)")


@judge('accuracy', strategy=S.batches, edges=S.BATCH_EDGES)
def accuracy_matches(child, ref, case):
    out, y = case.logits(), case.y()
    expected = (out.argmax(dim=1) == y).float().mean()
    got = tensor(child.get("accuracy")(out, y), "accuracy(out, yb)")
    assert_same(torch.as_tensor(got, dtype=expected.dtype), expected, "accuracy(out, yb)")


@judge('init-weights', strategy=S.seeds, edges=(0,), max_examples=5)
def init_weights_matches(child, ref, seed):
    weights, bias = pair(child.get("init_weights")(seed=seed), "init_weights()", "weights, bias")
    seeding.manual_seed(seed)
    expected = torch.randn(S.N_FEATURES, S.N_CLASSES) / math.sqrt(S.N_FEATURES)
    expect_leaf(weights, "weights")
    expect_leaf(bias, "bias")
    assert_same(tensor(weights, "weights"), expected, _("weights (after torch.manual_seed(seed))"))
    assert_same(tensor(bias, "bias"), torch.zeros(S.N_CLASSES), "bias")


@judge('model', strategy=S.batches, edges=S.BATCH_EDGES)
def model_matches(child, ref, case):
    x, (w, b) = case.x(), case.weights()
    got = child.get("model")(x, w, b)
    assert_same(tensor(got, "model(xb, weights, bias)"), F.log_softmax(x @ w + b, dim=-1), "model(xb, weights, bias)")


@judge('gradients', strategy=S.batches, edges=S.BATCH_EDGES)
def gradients_match(child, ref, case):
    x, y = case.x(), case.y()
    w, b = case.weights()
    ew, eb = leaf_copies(w, b)
    gw, gb = leaves(child, w, b)
    loss = child.get("nll")(child.get("model")(x, gw, gb), y)
    loss_and_gradients(loss, F.cross_entropy(x @ ew + eb, y),
                       lambda: {"weights": child.observe("tensor_grad", gw), "bias": child.observe("tensor_grad", gb)},
                       lambda: {"weights": ew.grad, "bias": eb.grad})


@judge('fit', strategy=S.runs, edges=S.RUN_EDGES, max_examples=7)
def fit_matches(child, ref, run):
    def mine(x, y, epochs):
        w, b = leaves(child, *run.weights())
        child.get("fit")(x, y, w, b, run.lr, epochs, run.bs)
        return {"weights": now(w), "bias": now(b)}

    def expected(x, y, epochs):
        w, b = run.weights()
        oracle_fit(x, y, w, b, run.lr, epochs, run.bs)
        return {"weights": w, "bias": b}

    compare_training(run, mine, expected, child)
