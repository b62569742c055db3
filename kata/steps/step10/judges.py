"""step10_sequential against the reference step09_cnn."""
import torch
import torch.nn.functional as F

from kata.i18n import _
from kata.judging.compare import assert_same
from kata.steps import strategies as S
from kata.steps.common.base import judge
from kata.steps.common.fixtures import as_losses, in_order, quietly
from kata.steps.common.fixtures import conv_parameters as ref_conv_parameters
from kata.steps.common.fixtures import with_convs as ref_with_convs
from kata.steps.common.judging import Unlike, expect_sgd, model_pair, tensor
from kata.steps.common.training import compare_fits
from kata.steps.step09.judges import backward, conv_parameters, losses, with_convs


def sequential(child, lr: float, seed: int, weights=None):
    """get_model(lr)'s (model, opt), built right after torch.manual_seed(seed), its convolutions set to `weights`."""
    model, opt = model_pair(child.get("get_model")(lr, seed=seed))
    return (with_convs(model, weights, _("get_model(lr)'s model")) if weights is not None else model), opt


def reference_cnn(ref, weights):
    """step09's Mnist_CNN with the same convolution weights."""
    return ref_with_convs(ref.Mnist_CNN(), weights, _("step09's Mnist_CNN"))


@judge('lambda', strategy=S.digits, edges=S.DIGIT_EDGES[:1], max_examples=3)
def lambda_applies_its_function(child, ref, case):
    layer = child.get("Lambda")(child.fixture("cnn_affine"))  # any function will do: t * 2 + 1
    if not layer.is_a("module"):
        raise Unlike("Lambda(func)", _("is a {type}, not an nn.Module, so nn.Sequential cannot hold it: subclass "
                                       "nn.Module and call super().__init__() first.").format(type=layer.type))
    if child.observe("parameters", layer):
        raise Unlike("Lambda(func)", _("has parameters; it only applies its function."))
    x = case.x()
    assert_same(tensor(layer(x), "Lambda(func)(x)"), x * 2 + 1, "Lambda(func)(x)")
    in_sequential = child.fixture("cnn_sequential", layer)
    assert_same(tensor(in_sequential(x), "nn.Sequential(Lambda(func))(x)"), x * 2 + 1,
                "nn.Sequential(Lambda(func))(x)")


@judge('preprocess', strategy=S.digits, edges=S.DIGIT_EDGES, max_examples=5)
def preprocess_makes_images(child, ref, case):
    x = case.x()
    assert_same(tensor(child.get("preprocess")(x), "preprocess(xb)"), x.view(-1, 1, 28, 28), "preprocess(xb)")


@judge('relu-modules', strategy=S.cnn_learning_rates, edges=(0.1,), max_examples=3)
def sequential_of_modules(child, ref, lr):
    model, opt = model_pair(child.get("get_model")(lr))
    if model.type != "torch.nn.modules.container.Sequential":
        raise Unlike("get_model(lr)", _("returns a {type} model, expected an nn.Sequential.").format(type=model.type))
    relus = child.observe("cnn_relus", model)
    if relus != 3:
        raise Unlike(_("get_model(lr)'s model"), _("has {n} nn.ReLU module(s); step09 applies ReLU after each of "
                                                   "its 3 convolutions.").format(n=relus))
    expect_sgd(model, opt, lr, 0.9)


@judge('outputs', strategy=S.digits, edges=S.DIGIT_EDGES, max_examples=5)
def outputs_match(child, ref, case):
    weights = case.conv_weights()
    model, _opt = sequential(child, 0.1, case.seed, weights)
    x = case.x()  # (bs, 784)
    assert_same(tensor(model(x), "model(xb)"), reference_cnn(ref, weights)(x), "model(xb)")


@judge('gradients', strategy=S.digits, edges=S.DIGIT_EDGES, max_examples=5)
def gradients_match(child, ref, case):
    weights = case.conv_weights()
    model, _opt = sequential(child, 0.1, case.seed, weights)
    expected = reference_cnn(ref, weights)
    x, y = case.x(), case.y()
    backward(child, model(x), y)
    F.cross_entropy(expected(x), y).backward()
    got = conv_parameters(model, _("get_model(lr)'s model"), grad=True)
    for name, value in ref_conv_parameters(expected, _("step09's Mnist_CNN"), grad=True).items():
        assert_same(got[name], value, _("{name}.grad (the convolutions counted in order)").format(name=name))


@judge('fit', strategy=S.cnn_runs, edges=S.CNN_RUN_EDGES, max_examples=5)
def fit_matches(child, ref, run):
    def mine(x, y, epochs):
        model, opt = sequential(child, run.lr, run.seed, run.conv_weights())
        got = child.get("fit")(epochs, model, child.fixture("cross_entropy"), opt,
                               child.fixture("in_order", x, y, run.bs),
                               child.fixture("in_order", *run.valid_data(), run.valid_bs), capture=True)
        return conv_parameters(model, _("get_model(lr)'s model")), losses(got, epochs)

    def expected(x, y, epochs):
        model, opt = reference_pair(ref, run)
        got = quietly(ref.fit, epochs, model, F.cross_entropy, opt, in_order(x, y, run.bs),
                      in_order(*run.valid_data(), run.valid_bs))
        return ref_conv_parameters(model, _("step09's model")), as_losses(got, epochs)

    compare_fits(run, mine, expected, child)


def reference_pair(ref, run):
    """step09's get_model(run.lr), its convolutions holding the run's weights."""
    torch.manual_seed(run.seed)
    model, opt = ref.get_model(run.lr)
    return ref_with_convs(model, run.conv_weights(), _("step09's model")), opt
