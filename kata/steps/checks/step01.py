"""step01_functional against the reference step00_scratch."""
import torch
import torch.nn.functional as F

from kata.steps import strategies as S
from kata.steps.checks.base import prop
from kata.steps.checks.fixtures import assert_loss_and_gradients, compare_training, leaf_copies
from kata.engine.compare import Mismatch, as_tensor, assert_same


@prop("loss_func(logits, yb) ≈ step00's nll(log_softmax(logits), yb)", uses=("loss_func",),
      strategy=S.batches, edges=S.BATCH_EDGES)
def loss_matches(learner, ref, case):
    z, y = case.logits(), case.y()
    assert_same(learner.loss_func(z.clone(), y), ref.nll(ref.log_softmax(z), y), "loss_func(logits, yb)")


@prop("model(xb, weights, bias) returns the raw logits that step00 fed to log_softmax", uses=("model",),
      strategy=S.batches, edges=S.BATCH_EDGES,
      hint="F.cross_entropy applies log_softmax itself: the model returns xb @ weights + bias, untouched.")
def model_returns_logits(learner, ref, case):
    x, (w, b) = case.x(), case.weights()
    logits = learner.model(x, w, b)
    # step00's model is log_softmax(logits): the same logits give the same log-probabilities ...
    assert_same(ref.log_softmax(as_tensor(logits, "model(xb, weights, bias)")), ref.model(x, w, b),
                "log_softmax of your model's output")
    # ... and they are the raw scores, not already normalised (log_softmax of log_softmax is itself)
    assert_same(logits, x @ w + b, "model(xb, weights, bias)")


@prop("loss and gradients of loss_func(model(xb), yb) ≈ step00's", uses=("loss_func", "model"),
      strategy=S.batches, edges=S.BATCH_EDGES)
def gradients_match(learner, ref, case):
    x, y = case.x(), case.y()
    w, b = case.weights()
    ew, eb = leaf_copies(w, b)
    loss = learner.loss_func(learner.model(x, w, b), y)
    assert_loss_and_gradients(loss, ref.nll(ref.model(x, ew, eb), y), {"weights": (w, ew), "bias": (b, eb)})


@prop("loss_func stays finite and exact on logits near ±100, where step00's formula overflows",
      uses=("loss_func",), strategy=S.large_logits, edges=S.LARGE_LOGIT_EDGES, max_examples=10,
      hint="exp(100) is inf in float32, so nll(log_softmax(x)) gives inf or nan there; F.cross_entropy "
           "subtracts each row's maximum before exp and stays finite. Use it.")
def loss_is_stable(learner, ref, case):
    z, y = case.logits(dtype=torch.float32), case.y()  # float32, as MNIST training runs
    expected = F.cross_entropy(z.double(), y).float()  # computed where nothing overflows
    assert_same(learner.loss_func(z, y), expected, "loss_func on float32 logits near ±100")


@prop("init_weights() ≈ step00's (same seed, same tensors)", uses=("init_weights",),
      strategy=S.seeds, edges=(0,), max_examples=5)
def init_weights_unchanged(learner, ref, seed):
    torch.manual_seed(seed)
    weights, bias = learner.init_weights()
    torch.manual_seed(seed)
    ew, eb = ref.init_weights()
    assert_same(weights, ew, "weights")
    assert_same(bias, eb, "bias")
    if not (weights.is_leaf and weights.requires_grad and bias.is_leaf and bias.requires_grad):
        raise Mismatch("init_weights()", "must return leaf tensors that require grad, as in step00.")


@prop("accuracy(out, yb) ≈ step00's", uses=("accuracy",), strategy=S.batches, edges=S.BATCH_EDGES)
def accuracy_unchanged(learner, ref, case):
    out, y = case.logits(), case.y()
    assert_same(learner.accuracy(out, y), ref.accuracy(out, y), "accuracy(out, yb)")


@prop("fit from the same weights on the same batches ≈ step00's fit", uses=("fit",),
      strategy=S.runs, edges=S.RUN_EDGES, max_examples=20)
def fit_matches(learner, ref, run):
    def trainer(module):
        def train(x, y, epochs):
            w, b = run.weights()
            module.fit(x, y, w, b, run.lr, epochs, run.bs)
            return {"weights": w, "bias": b}
        return train

    compare_training(run, trainer(learner), trainer(ref))


CHECKS = [loss_matches, model_returns_logits, gradients_match, loss_is_stable, init_weights_unchanged,
          accuracy_unchanged, fit_matches]
