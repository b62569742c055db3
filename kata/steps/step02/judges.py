"""step02_module against the reference step01_functional."""

from kata.child import seeding
from kata.i18n import _
from kata.judging.compare import Mismatch, assert_same
from kata.steps import strategies as S
from kata.steps.common.base import judge
from kata.steps.common.fixtures import leaf_copies
from kata.steps.common.judging import expect_parameters, params, set_params, tensor
from kata.steps.common.training import compare_training
from kata.steps.step00.judges import loss_and_gradients

PARAMETERS = {"weights": (S.N_FEATURES, S.N_CLASSES), "bias": (S.N_CLASSES,)}


def built(child, what: str = "Mnist_Logistic()", **options):
    """The learner's Mnist_Logistic(), checked to be an nn.Module."""
    model = child.get("Mnist_Logistic")(**options)
    if not model.is_a("module"):
        raise Mismatch(what, _("expected an nn.Module, got {type}.").format(type=model.type))
    return model


def logistic(child, w, b):
    """The learner's Mnist_Logistic holding copies of w and b."""
    return set_params(built(child), {"weights": w.detach(), "bias": b.detach()}, "Mnist_Logistic()")


@judge('registers', strategy=S.seeds, edges=(0,), max_examples=1)
def registers_parameters(child, ref, seed):
    expect_parameters(built(child), PARAMETERS, "Mnist_Logistic()")


@judge('init', strategy=S.seeds, edges=(0,), max_examples=5)
def init_matches(child, ref, seed):
    got = params(built(child, seed=seed))
    seeding.manual_seed(seed)
    ew, eb = ref.init_weights()
    if set(got) != set(PARAMETERS):
        raise Mismatch("Mnist_Logistic()", _("parameters are {names}, expected ['bias', 'weights'].").format(
            names=sorted(got)))
    assert_same(got["weights"], ew, "weights")
    assert_same(got["bias"], eb, "bias")


@judge('forward', strategy=S.batches, edges=S.BATCH_EDGES)
def forward_matches(child, ref, case):
    x, (w, b) = case.x(), case.weights()
    assert_same(tensor(logistic(child, w, b)(x), "model(xb)"), ref.model(x, w, b), "model(xb)")


@judge('gradients', strategy=S.batches, edges=S.BATCH_EDGES)
def gradients_match(child, ref, case):
    x, y = case.x(), case.y()
    w, b = leaf_copies(*case.weights())
    model = logistic(child, w, b)
    loss = child.get("loss_func")(model(x), y)
    loss_and_gradients(loss, ref.loss_func(ref.model(x, w, b), y), lambda: params(model, grads=True),
                       lambda: {"weights": w.grad, "bias": b.grad})


@judge('fit', strategy=S.runs, edges=S.RUN_EDGES, max_examples=7)
def fit_matches(child, ref, run):
    def mine(x, y, epochs):
        model = logistic(child, *run.weights())
        child.get("fit")(model, x, y, run.lr, epochs, run.bs)
        got = params(model)
        return {"weights": got["weights"], "bias": got["bias"]}

    def expected(x, y, epochs):
        w, b = run.weights()
        ref.fit(x, y, w, b, run.lr, epochs, run.bs)
        return {"weights": w, "bias": b}

    compare_training(run, mine, expected, child)
