"""step03_linear against the reference step02_module."""
from kata.steps import strategies as S
from kata.steps.checks.base import prop
from kata.steps.checks.fixtures import compare_training, expect_parameters, with_hand_made, with_linear
from kata.engine.compare import as_tensor, assert_grad, assert_same

PARAMETERS = {"lin.weight": (S.N_CLASSES, S.N_FEATURES), "lin.bias": (S.N_CLASSES,)}
LAYOUT = ("nn.Linear(784, 10) stores weight as (10, 784): with lin.weight = w.T it computes xb @ w + b. "
          "A layer built as nn.Linear(10, 784), or weights copied without the transpose, does not.")


@prop("Mnist_Logistic registers exactly lin.weight (10, 784) and lin.bias (10,)", uses=("Mnist_Logistic",),
      strategy=S.seeds, edges=(0,), max_examples=1, hint=LAYOUT)
def registers_parameters(learner, ref, seed):
    expect_parameters(learner.Mnist_Logistic(), PARAMETERS, "Mnist_Logistic()")


@prop("model(xb) with lin.weight = w.T ≈ step02's model with weights = w", uses=("Mnist_Logistic",),
      strategy=S.batches, edges=S.BATCH_EDGES, hint=LAYOUT)
def forward_matches(learner, ref, case):
    x, (w, b) = case.x(), case.weights()
    model = with_linear(learner.Mnist_Logistic(), w, b)
    assert_same(model(x), with_hand_made(ref.Mnist_Logistic(), w, b)(x), "model(xb)")


@prop("loss and gradients ≈ step02's (lin.weight.grad = weights.grad.T)", uses=("Mnist_Logistic", "loss_func"),
      strategy=S.batches, edges=S.BATCH_EDGES, hint=LAYOUT)
def gradients_match(learner, ref, case):
    x, y = case.x(), case.y()
    w, b = case.weights()
    model = with_linear(learner.Mnist_Logistic(), w, b)
    expected_model = with_hand_made(ref.Mnist_Logistic(), w, b)
    loss = as_tensor(learner.loss_func(model(x), y), "loss")
    expected = ref.loss_func(expected_model(x), y)
    assert_same(loss, expected, "loss")
    loss.backward()
    expected.backward()
    assert_same(assert_grad(model.lin.weight, "lin.weight.grad"), expected_model.weights.grad.T,
                "gradient of lin.weight")
    assert_same(assert_grad(model.lin.bias, "lin.bias.grad"), expected_model.bias.grad, "gradient of lin.bias")


@prop("fit(model, ...) from the same weights on the same batches ≈ step02's fit",
      uses=("Mnist_Logistic", "fit"), strategy=S.runs, edges=S.RUN_EDGES, max_examples=20)
def fit_matches(learner, ref, run):
    def mine(x, y, epochs):
        model = with_linear(learner.Mnist_Logistic(), *run.weights())
        learner.fit(model, x, y, run.lr, epochs, run.bs)
        return {"lin.weight": model.lin.weight, "lin.bias": model.lin.bias}

    def expected(x, y, epochs):
        model = with_hand_made(ref.Mnist_Logistic(), *run.weights())
        ref.fit(model, x, y, run.lr, epochs, run.bs)
        return {"lin.weight": model.weights.T, "lin.bias": model.bias}  # in nn.Linear's (out, in) layout

    compare_training(run, mine, expected)


CHECKS = [registers_parameters, forward_matches, gradients_match, fit_matches]
