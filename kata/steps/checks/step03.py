"""step03_linear against the reference step02_module."""
from kata.engine.compare import assert_same
from kata.steps import strategies as S
from kata.steps.checks.base import prop
from kata.steps.checks.fixtures import compare_training, with_hand_made
from kata.steps.checks.judging import linear, params, tensor, with_linear
from kata.steps.checks.step00 import loss_and_gradients
from kata.steps.checks.step02 import built, expect_parameters

PARAMETERS = {"lin.weight": (S.N_CLASSES, S.N_FEATURES), "lin.bias": (S.N_CLASSES,)}
LAYOUT = ("nn.Linear(784, 10) stores weight as (10, 784): with lin.weight = w.T it computes xb @ w + b. "
          "A layer built as nn.Linear(10, 784), or weights copied without the transpose, does not.")


def logistic(child, w, b):
    """The learner's Mnist_Logistic whose layer computes xb @ w + b (lin.weight = w.T)."""
    return with_linear(built(child), w, b)


@prop("step03.registers", "Mnist_Logistic registers exactly lin.weight (10, 784) and lin.bias (10,)",
      stage="structure", uses=("Mnist_Logistic",), strategy=S.seeds, edges=(0,), max_examples=1,
      hints=(("nn.Linear(in_features, out_features) stores its weight as (out, in): (10, 784), the "
              "transpose of the hand-made (784, 10) matrix."),
             ("Name the layer `lin` (self.lin = ...) so its parameters are lin.weight and lin.bias; the "
              "hand-made weights and bias go away."),
             "self.lin = nn.Linear(<features in>, <classes out>)"))
def registers_parameters(child, ref, seed):
    expect_parameters(built(child), PARAMETERS, "Mnist_Logistic()")


@prop("step03.forward", "model(xb) with lin.weight = w.T ≈ step02's model with weights = w", stage="forward",
      uses=("Mnist_Logistic",), strategy=S.batches, edges=S.BATCH_EDGES,
      hints=("forward calls the layer; it no longer multiplies by hand, and returns its raw logits.",
             LAYOUT,
             "def forward(self, xb): return self.lin(xb)"))
def forward_matches(child, ref, case):
    x, (w, b) = case.x(), case.weights()
    got = tensor(logistic(child, w, b)(x), "model(xb)")
    assert_same(got, with_hand_made(ref.Mnist_Logistic(), w, b)(x), "model(xb)")


@prop("step03.gradients", "loss and gradients ≈ step02's (lin.weight.grad = weights.grad.T)", stage="gradients",
      uses=("Mnist_Logistic", "loss_func"), strategy=S.batches, edges=S.BATCH_EDGES,
      hints=("The gradients reach lin.weight and lin.bias only when forward runs the layer itself.",
             LAYOUT,
             "forward returns self.lin(xb): the layer's own parameters then get their .grad from backward()"))
def gradients_match(child, ref, case):
    x, y = case.x(), case.y()
    w, b = case.weights()
    model = logistic(child, w, b)
    expected_model = with_hand_made(ref.Mnist_Logistic(), w, b)
    loss = child.get("loss_func")(model(x), y)
    loss_and_gradients(loss, ref.loss_func(expected_model(x), y), lambda: params(model, grads=True),
                       lambda: {"lin.weight": expected_model.weights.grad.T, "lin.bias": expected_model.bias.grad})


@prop("step03.fit", "fit(model, ...) from the same weights on the same batches ≈ step02's fit", stage="update",
      uses=("Mnist_Logistic", "fit"), strategy=S.runs, edges=S.RUN_EDGES, max_examples=20,
      hints=("fit does not change in this step: the same batches, the same update on every parameter.",
             "Each parameter moves by lr times its gradient, under torch.no_grad(), then model.zero_grad().",
             "for p in model.parameters(): p -= p.grad * lr"))
def fit_matches(child, ref, run):
    def mine(x, y, epochs):
        model = logistic(child, *run.weights())
        child.get("fit")(model, x, y, run.lr, epochs, run.bs)
        return linear(model)

    def expected(x, y, epochs):
        model = with_hand_made(ref.Mnist_Logistic(), *run.weights())
        ref.fit(model, x, y, run.lr, epochs, run.bs)
        return {"lin.weight": model.weights.T, "lin.bias": model.bias}  # in nn.Linear's (out, in) layout

    compare_training(run, mine, expected)


CHECKS = [registers_parameters, forward_matches, gradients_match, fit_matches]
