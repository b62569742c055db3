"""step02_module against the reference step01_functional."""
import torch

from kata.steps import strategies as S
from kata.steps.checks.base import prop
from kata.steps.checks.fixtures import compare_training, expect_parameters, leaf_copies, with_hand_made
from kata.engine.compare import Mismatch, as_tensor, assert_grad, assert_same

PARAMETERS = {"weights": (S.N_FEATURES, S.N_CLASSES), "bias": (S.N_CLASSES,)}


def logistic(learner, w, b):
    """The learner's Mnist_Logistic holding copies of w and b."""
    return with_hand_made(learner.Mnist_Logistic(), w, b)


@prop("Mnist_Logistic registers exactly `weights` (784, 10) and `bias` (10,) as parameters",
      uses=("Mnist_Logistic",), strategy=S.seeds, edges=(0,), max_examples=1,
      hint="Wrap each tensor in nn.Parameter when assigning it to self, after super().__init__().")
def registers_parameters(learner, ref, seed):
    expect_parameters(learner.Mnist_Logistic(), PARAMETERS, "Mnist_Logistic()")


@prop("Mnist_Logistic() starts from step01's init_weights() (same seed, same tensors)",
      uses=("Mnist_Logistic",), strategy=S.seeds, edges=(0,), max_examples=5)
def init_matches(learner, ref, seed):
    torch.manual_seed(seed)
    params = dict(learner.Mnist_Logistic().named_parameters())
    torch.manual_seed(seed)
    ew, eb = ref.init_weights()
    if set(params) != set(PARAMETERS):
        raise Mismatch("Mnist_Logistic()", f"parameters are {sorted(params)}, expected ['bias', 'weights'].")
    assert_same(params["weights"], ew, "weights")
    assert_same(params["bias"], eb, "bias")


@prop("model(xb) ≈ step01's model(xb, weights, bias) with the same weights", uses=("Mnist_Logistic",),
      strategy=S.batches, edges=S.BATCH_EDGES)
def forward_matches(learner, ref, case):
    x, (w, b) = case.x(), case.weights()
    assert_same(logistic(learner, w, b)(x), ref.model(x, w, b), "model(xb)")


@prop("loss and parameter gradients ≈ step01's with the same weights", uses=("Mnist_Logistic", "loss_func"),
      strategy=S.batches, edges=S.BATCH_EDGES)
def gradients_match(learner, ref, case):
    x, y = case.x(), case.y()
    w, b = leaf_copies(*case.weights())
    model = logistic(learner, w, b)
    loss = as_tensor(learner.loss_func(model(x), y), "loss")
    expected = ref.loss_func(ref.model(x, w, b), y)
    assert_same(loss, expected, "loss")
    loss.backward()
    expected.backward()
    assert_same(assert_grad(model.weights, "model.weights.grad"), w.grad, "gradient of weights")
    assert_same(assert_grad(model.bias, "model.bias.grad"), b.grad, "gradient of bias")


@prop("fit(model, ...) from the same weights on the same batches ≈ step01's fit", uses=("Mnist_Logistic", "fit"),
      strategy=S.runs, edges=S.RUN_EDGES, max_examples=20)
def fit_matches(learner, ref, run):
    def mine(x, y, epochs):
        model = logistic(learner, *run.weights())
        learner.fit(model, x, y, run.lr, epochs, run.bs)
        return {"weights": model.weights, "bias": model.bias}

    def expected(x, y, epochs):
        w, b = run.weights()
        ref.fit(x, y, w, b, run.lr, epochs, run.bs)
        return {"weights": w, "bias": b}

    compare_training(run, mine, expected)


CHECKS = [registers_parameters, init_matches, forward_matches, gradients_match, fit_matches]
