"""step03_linear against the reference step02_module."""
from kata.judging.compare import assert_same
from kata.steps import strategies as S
from kata.steps.common.base import judge
from kata.steps.common.fixtures import with_hand_made
from kata.steps.common.judging import expect_parameters, linear, params, tensor, with_linear
from kata.steps.common.training import compare_training
from kata.steps.step00.judges import loss_and_gradients
from kata.steps.step02.judges import built

PARAMETERS = {"lin.weight": (S.N_CLASSES, S.N_FEATURES), "lin.bias": (S.N_CLASSES,)}


def logistic(child, w, b):
    """The learner's Mnist_Logistic whose layer computes xb @ w + b (lin.weight = w.T)."""
    return with_linear(built(child), w, b)


@judge('registers', strategy=S.seeds, edges=(0,), max_examples=1)
def registers_parameters(child, ref, seed):
    expect_parameters(built(child), PARAMETERS, "Mnist_Logistic()")


@judge('forward', strategy=S.batches, edges=S.BATCH_EDGES)
def forward_matches(child, ref, case):
    x, (w, b) = case.x(), case.weights()
    got = tensor(logistic(child, w, b)(x), "model(xb)")
    assert_same(got, with_hand_made(ref.Mnist_Logistic(), w, b)(x), "model(xb)")


@judge('gradients', strategy=S.batches, edges=S.BATCH_EDGES)
def gradients_match(child, ref, case):
    x, y = case.x(), case.y()
    w, b = case.weights()
    model = logistic(child, w, b)
    expected_model = with_hand_made(ref.Mnist_Logistic(), w, b)
    loss = child.get("loss_func")(model(x), y)
    loss_and_gradients(loss, ref.loss_func(expected_model(x), y), lambda: params(model, grads=True),
                       lambda: {"lin.weight": expected_model.weights.grad.T, "lin.bias": expected_model.bias.grad})


@judge('fit', strategy=S.runs, edges=S.RUN_EDGES, max_examples=7)
def fit_matches(child, ref, run):
    def mine(x, y, epochs):
        model = logistic(child, *run.weights())
        child.get("fit")(model, x, y, run.lr, epochs, run.bs)
        return linear(model)

    def expected(x, y, epochs):
        model = with_hand_made(ref.Mnist_Logistic(), *run.weights())
        ref.fit(model, x, y, run.lr, epochs, run.bs)
        return {"lin.weight": model.weights.T, "lin.bias": model.bias}  # in nn.Linear's (out, in) layout

    compare_training(run, mine, expected, child)
