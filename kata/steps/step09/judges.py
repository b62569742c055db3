"""step09_cnn against the reference step08_fit.

Also the CNN helpers of steps 09-12 for models in the learner's child: the convolutions are found by
type, in registration order (kata/child/workbench/convolutions.py), and named conv1..conv3 by position.
"""
import torch

from kata.i18n import _
from kata.judging.compare import Mismatch, assert_same
from kata.steps import strategies as S
from kata.steps.common.base import judge
from kata.steps.common.fixtures import tutorial_cnn
from kata.steps.common.judging import Unlike, expect_parameters, expect_sgd, model_pair, tensor
from kata.steps.common.reported import fit_losses
from kata.steps.step08.judges import logistic_fits_agree

TUTORIAL_PARAMETERS = {
    "conv1.weight": (16, 1, 3, 3), "conv1.bias": (16,),
    "conv2.weight": (16, 16, 3, 3), "conv2.bias": (16,),
    "conv3.weight": (10, 16, 3, 3), "conv3.bias": (10,),
}


# --- the CNN helpers of steps 09-12 (models in the child) ---

def convs(model, what: str) -> list:
    """(name, weight shape, bias shape or None) of the model's three nn.Conv2d layers, in order."""
    if not model.is_a("module"):
        raise Unlike(what, _("expected an nn.Module, got {type}.").format(type=model.type))
    found = model.child.observe("cnn_conv_layers", model)
    if len(found) != 3:
        raise Unlike(what, _("has {n} nn.Conv2d layer(s); the tutorial's CNN has 3 (1 -> 16 -> 16 -> 10 "
                             "channels).").format(n=len(found)))
    return found


def with_convs(model, weights, what: str):
    """Give the child-side model's three convolutions, in order, the (weight, bias) pairs `weights`, in place."""
    for i, ((_name, w_shape, b_shape), (w, _b)) in enumerate(zip(convs(model, what), weights), 1):
        if tuple(w_shape) != tuple(w.shape):
            raise Unlike(what, _("convolution {i} has weight {got}, expected {expected} "
                                 "(out channels, in channels, 3, 3).").format(i=i, got=tuple(w_shape),
                                                                              expected=tuple(w.shape)))
        if b_shape is None:
            raise Unlike(what, _("convolution {i} has no bias; the tutorial's have one (bias=True, the "
                                 "default).").format(i=i))
    model.child.observe("cnn_set_convs", model, [(w, b) for w, b in weights])
    return model


def conv_parameters(model, what: str, grad: bool = False) -> dict:
    """conv1.weight, conv1.bias, ... named by position (or their .grad), whatever the model calls them."""
    convs(model, what)
    out = {}
    for i, pair in enumerate(model.child.observe("cnn_conv_values", model, grads=grad), 1):
        for kind, value in zip(("weight", "bias"), pair):
            if value is None:
                raise Mismatch(f"conv{i}.{kind}.grad", _("is None after backward(): the loss does not depend on it."))
            out[f"conv{i}.{kind}"] = value
    return out


def losses(got, epochs: int):
    """The learner's fit result (a handle, from a call with capture=True), one validation loss per epoch: the
    list it returns, or, as the tutorial's fit returns None, the losses it prints (kata.steps.common.reported)."""
    return fit_losses(got, epochs)


def backward(child, out, y) -> None:
    """F.cross_entropy(out, y).backward() in the child."""
    child.fixture("cross_entropy")(out, y).attr("backward")()


# --- step09 ---

def new_cnn(child, seed: int):
    """Mnist_CNN() right after torch.manual_seed(seed): the same verdict on every run."""
    return child.get("Mnist_CNN")(seed=seed)


def expect_scores(out, bs: int, what: str) -> torch.Tensor:
    """(bs, 10) class scores, or a message about the batch dimension."""
    out = tensor(out, what)
    if tuple(out.shape) == (bs, S.N_CLASSES):
        return out
    shape = tuple(out.shape)
    if out.dim() == 1 and out.numel() == bs * S.N_CLASSES:
        why = " " + (_("The batch dimension is gone: squeeze() drops it when bs is 1, and torch.flatten(xb) or "
                       "view(-1) merge it into the scores.") if bs == 1 else
                     _("The batch dimension is gone: torch.flatten(xb) or view(-1) merged it into the scores."))
    elif out.numel() == bs * S.N_CLASSES:
        why = " " + _("The right numbers in the wrong layout: dimension 0 should stay the batch.")
    else:
        why = " " + _("Follow the shapes in the docstring, one line of forward at a time.")
    raise Mismatch(what, _("expected shape ({bs}, {classes}), one row of scores per image; got {shape}.{why}").format(
        bs=bs, classes=S.N_CLASSES, shape=shape, why=why))


@judge('momentum-sgd', strategy=S.cnn_learning_rates, edges=(0.1,), max_examples=3)
def optimizer_has_momentum(child, ref, lr):
    model, opt = model_pair(child.get("get_model")(lr))
    if model.type != "Mnist_CNN":
        raise Unlike("get_model(lr)", _("returns a {type}, expected a Mnist_CNN.").format(type=model.type))
    expect_sgd(model, opt, lr, 0.9)


@judge('tutorial-cnn', strategy=S.digits, edges=S.DIGIT_EDGES, max_examples=5)
def computes_the_tutorial_cnn(child, ref, case):
    model = new_cnn(child, case.seed)
    expect_parameters(model, TUTORIAL_PARAMETERS, "Mnist_CNN()")
    weights = case.conv_weights()
    with_convs(model, weights, "Mnist_CNN()")
    x = case.x()  # (bs, 784)
    out = expect_scores(model(x), case.bs, "Mnist_CNN()(xb)")
    assert_same(out, tutorial_cnn(x.view(-1, 1, 28, 28), weights), "Mnist_CNN()(xb)")


@judge('batch-kept', strategy=S.digits, edges=S.DIGIT_EDGES, max_examples=5)
def one_row_per_image(child, ref, case):
    expect_scores(new_cnn(child, case.seed)(case.x()), case.bs, "Mnist_CNN()(xb)")


@judge('images-independent', strategy=S.digit_batches, edges=S.DIGIT_BATCH_EDGES, max_examples=5)
def images_are_independent(child, ref, case):
    model = new_cnn(child, case.seed)
    x = case.x()  # (bs, 784)
    together = expect_scores(model(x), case.bs, "Mnist_CNN()(xb)")
    alone = torch.cat([expect_scores(model(x[i:i + 1]), 1, f"Mnist_CNN()(xb[{i}:{i + 1}])")
                       for i in range(case.bs)])  # (bs, 10), one image at a time
    try:
        assert_same(together, alone, _("Mnist_CNN()(xb) against each image run on its own"))
    except Mismatch as e:
        raise Mismatch(e.what, _("{detail}\nRow i of the output changes with the other images of the batch: "
                                 "something in forward mixes the images (a statistic over the whole batch, or a "
                                 "reshape that moves the batch dimension).").format(detail=e.detail)) from None


@judge('fit-unchanged', strategy=S.valid_runs, edges=S.VALID_RUN_EDGES, max_examples=5)
def fit_is_unchanged(child, ref, run):
    logistic_fits_agree(child, ref, run)  # step08's logistic model, trained by this step's fit as by step08's
