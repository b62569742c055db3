"""step01_functional against the reference step00_scratch."""
import torch
import torch.nn.functional as F

from kata.child import seeding
from kata.i18n import _
from kata.judging.compare import Mismatch, assert_same
from kata.steps import strategies as S
from kata.steps.common.base import judge
from kata.steps.common.fixtures import leaf_copies
from kata.steps.common.judging import tensor
from kata.steps.common.training import compare_training
from kata.steps.step00.judges import expect_leaf, leaves, loss_and_gradients, now, pair


@judge('loss', strategy=S.batches, edges=S.BATCH_EDGES)
def loss_matches(child, ref, case):
    z, y = case.logits(), case.y()
    got = tensor(child.get("loss_func")(z, y), "loss_func(logits, yb)")
    assert_same(got, ref.nll(ref.log_softmax(z), y), "loss_func(logits, yb)")


@judge('model-logits', strategy=S.batches, edges=S.BATCH_EDGES)
def model_returns_logits(child, ref, case):
    x, (w, b) = case.x(), case.weights()
    logits = tensor(child.get("model")(x, w, b), "model(xb, weights, bias)")
    # step00's model is log_softmax(logits): the same logits give the same log-probabilities ...
    assert_same(ref.log_softmax(logits), ref.model(x, w, b), _("log_softmax of your model's output"))
    # ... and they are the raw scores, not already normalised (log_softmax of log_softmax is itself)
    assert_same(logits, x @ w + b, "model(xb, weights, bias)")


@judge('gradients', strategy=S.batches, edges=S.BATCH_EDGES)
def gradients_match(child, ref, case):
    x, y = case.x(), case.y()
    w, b = case.weights()
    ew, eb = leaf_copies(w, b)
    gw, gb = leaves(child, w, b)
    loss = child.get("loss_func")(child.get("model")(x, gw, gb), y)
    loss_and_gradients(loss, ref.nll(ref.model(x, ew, eb), y),
                       lambda: {"weights": child.observe("tensor_grad", gw), "bias": child.observe("tensor_grad", gb)},
                       lambda: {"weights": ew.grad, "bias": eb.grad})


@judge('stable-loss', strategy=S.large_logits, edges=S.LARGE_LOGIT_EDGES, max_examples=5)
def loss_is_stable(child, ref, case):
    z, y = case.logits(dtype=torch.float32), case.y()  # float32, as MNIST training runs
    expected = F.cross_entropy(z.double(), y).float()  # computed where nothing overflows
    what = _("loss_func on float32 logits near ±100")
    got = tensor(child.get("loss_func")(z, y), what)
    assert_same(got, expected, what)


@judge('init-weights', strategy=S.seeds, edges=(0,), max_examples=5)
def init_weights_unchanged(child, ref, seed):
    weights, bias = pair(child.get("init_weights")(seed=seed), "init_weights()", "weights, bias")
    seeding.manual_seed(seed)
    ew, eb = ref.init_weights()
    assert_same(tensor(weights, "weights"), ew, "weights")
    assert_same(tensor(bias, "bias"), eb, "bias")
    try:
        expect_leaf(weights, "weights")
        expect_leaf(bias, "bias")
    except Mismatch:
        raise Mismatch("init_weights()", _("must return leaf tensors that require grad, as in step00.")) from None


@judge('accuracy', strategy=S.batches, edges=S.BATCH_EDGES)
def accuracy_unchanged(child, ref, case):
    out, y = case.logits(), case.y()
    assert_same(tensor(child.get("accuracy")(out, y), "accuracy(out, yb)"), ref.accuracy(out, y), "accuracy(out, yb)")


@judge('fit', strategy=S.runs, edges=S.RUN_EDGES, max_examples=7)
def fit_matches(child, ref, run):
    def mine(x, y, epochs):
        w, b = leaves(child, *run.weights())
        child.get("fit")(x, y, w, b, run.lr, epochs, run.bs)
        return {"weights": now(w), "bias": now(b)}

    def expected(x, y, epochs):
        w, b = run.weights()
        ref.fit(x, y, w, b, run.lr, epochs, run.bs)
        return {"weights": w, "bias": b}

    compare_training(run, mine, expected, child)
