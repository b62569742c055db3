"""step01_functional against the reference step00_scratch."""
import torch
import torch.nn.functional as F

from kata.engine.compare import Mismatch, assert_same
from kata.steps import strategies as S
from kata.steps.checks.base import prop
from kata.steps.checks.fixtures import compare_training, leaf_copies
from kata.steps.checks.judging import tensor
from kata.steps.checks.step00 import expect_leaf, leaves, loss_and_gradients, now, pair


@prop("step01.loss", "loss_func(logits, yb) ≈ step00's nll(log_softmax(logits), yb)", stage="loss",
      uses=("loss_func",), strategy=S.batches, edges=S.BATCH_EDGES,
      hints=(("loss_func takes raw logits and the targets and gives the mean negative log-likelihood, as "
              "step00's nll(log_softmax(...)) did."),
             "F.cross_entropy does log_softmax and nll in one call, averaging over the batch by default.",
             "loss_func = F.cross_entropy (no reduction argument)"))
def loss_matches(child, ref, case):
    z, y = case.logits(), case.y()
    got = tensor(child.get("loss_func")(z, y), "loss_func(logits, yb)")
    assert_same(got, ref.nll(ref.log_softmax(z), y), "loss_func(logits, yb)")


@prop("step01.model-logits", "model(xb, weights, bias) returns the raw logits that step00 fed to log_softmax",
      stage="forward", uses=("model",), strategy=S.batches, edges=S.BATCH_EDGES,
      hints=(("F.cross_entropy expects raw scores (logits): it applies log_softmax itself, so the model "
              "must stop applying it."),
             "log_softmax of log_softmax is log_softmax again, so the loss hides the slip; the outputs do not.",
             "return xb @ weights + bias, untouched"))
def model_returns_logits(child, ref, case):
    x, (w, b) = case.x(), case.weights()
    logits = tensor(child.get("model")(x, w, b), "model(xb, weights, bias)")
    # step00's model is log_softmax(logits): the same logits give the same log-probabilities ...
    assert_same(ref.log_softmax(logits), ref.model(x, w, b), "log_softmax of your model's output")
    # ... and they are the raw scores, not already normalised (log_softmax of log_softmax is itself)
    assert_same(logits, x @ w + b, "model(xb, weights, bias)")


@prop("step01.gradients", "loss and gradients of loss_func(model(xb), yb) ≈ step00's", stage="gradients",
      uses=("loss_func", "model"), strategy=S.batches, edges=S.BATCH_EDGES,
      hints=("The gradients follow from the loss and the model: when those checks fail too, fix them first.",
             ("backward() reaches weights and bias only through torch operations on them: no .detach(), no "
              ".data, no .item() on the way to the loss."),
             "loss = loss_func(model(xb, weights, bias), yb), with model returning the logits"))
def gradients_match(child, ref, case):
    x, y = case.x(), case.y()
    w, b = case.weights()
    ew, eb = leaf_copies(w, b)
    gw, gb = leaves(child, w, b)
    loss = child.get("loss_func")(child.get("model")(x, gw, gb), y)
    loss_and_gradients(loss, ref.nll(ref.model(x, ew, eb), y),
                       lambda: {"weights": child.observe("tensor_grad", gw), "bias": child.observe("tensor_grad", gb)},
                       lambda: {"weights": ew.grad, "bias": eb.grad})


@prop("step01.stable-loss", "loss_func stays finite and exact on logits near ±100, where step00's formula overflows",
      stage="loss", uses=("loss_func",), strategy=S.large_logits, edges=S.LARGE_LOGIT_EDGES, max_examples=10,
      hints=(("The hand-written log_softmax computes exp(x) directly, which is inf in float32 once x passes "
              "about 88.7; the library subtracts each row's maximum first and stays finite."),
             ("F.cross_entropy (log_softmax and nll together) is the numerically stable form: "
              "nll(log_softmax(x)) written by hand is not."),
             "loss_func = F.cross_entropy, not the step00 functions renamed"))
def loss_is_stable(child, ref, case):
    z, y = case.logits(dtype=torch.float32), case.y()  # float32, as MNIST training runs
    expected = F.cross_entropy(z.double(), y).float()  # computed where nothing overflows
    got = tensor(child.get("loss_func")(z, y), "loss_func on float32 logits near ±100")
    assert_same(got, expected, "loss_func on float32 logits near ±100")


@prop("step01.init-weights", "init_weights() ≈ step00's (same seed, same tensors)", stage="structure",
      uses=("init_weights",), strategy=S.seeds, edges=(0,), max_examples=5,
      hints=("Keep everything else as it was: same initialisation, same batches, same update.",
             "Same seed, same tensors: the same torch.randn call, in the same order, scaled the same way.",
             "keep step00's init_weights as it was"))
def init_weights_unchanged(child, ref, seed):
    weights, bias = pair(child.get("init_weights")(seed=seed), "init_weights()", "weights, bias")
    torch.manual_seed(seed)
    ew, eb = ref.init_weights()
    assert_same(tensor(weights, "weights"), ew, "weights")
    assert_same(tensor(bias, "bias"), eb, "bias")
    try:
        expect_leaf(weights, "weights")
        expect_leaf(bias, "bias")
    except Mismatch:
        raise Mismatch("init_weights()", "must return leaf tensors that require grad, as in step00.") from None


@prop("step01.accuracy", "accuracy(out, yb) ≈ step00's", stage="loss", uses=("accuracy",), strategy=S.batches,
      edges=S.BATCH_EDGES,
      hints=("accuracy does not change in this step: the share of rows whose largest score is the target.",
             "Keep step00's accuracy: out.argmax(dim=1) compared with yb, as floats, averaged.",
             "keep step00's accuracy as it was"))
def accuracy_unchanged(child, ref, case):
    out, y = case.logits(), case.y()
    assert_same(tensor(child.get("accuracy")(out, y), "accuracy(out, yb)"), ref.accuracy(out, y), "accuracy(out, yb)")


@prop("step01.fit", "fit from the same weights on the same batches ≈ step00's fit", stage="update", uses=("fit",),
      strategy=S.runs, edges=S.RUN_EDGES, max_examples=20,
      hints=("Only the loss changes in fit: the batches and the update on weights and bias stay as in step00.",
             "Each parameter moves by its own gradient times lr, the bias as much as the weights.",
             "for p in (weights, bias): p -= p.grad * lr; then zero p.grad"))
def fit_matches(child, ref, run):
    def mine(x, y, epochs):
        w, b = leaves(child, *run.weights())
        child.get("fit")(x, y, w, b, run.lr, epochs, run.bs)
        return {"weights": now(w), "bias": now(b)}

    def expected(x, y, epochs):
        w, b = run.weights()
        ref.fit(x, y, w, b, run.lr, epochs, run.bs)
        return {"weights": w, "bias": b}

    compare_training(run, mine, expected)


CHECKS = [loss_matches, model_returns_logits, gradients_match, loss_is_stable, init_weights_unchanged,
          accuracy_unchanged, fit_matches]
