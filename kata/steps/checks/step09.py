"""step09_sequential against the reference step08_cnn."""
import torch
import torch.nn.functional as F

from kata.engine.compare import assert_same
from kata.steps import strategies as S
from kata.steps.checks.base import prop
from kata.steps.checks.fixtures import as_losses, compare_fits, in_order, quietly
from kata.steps.checks.fixtures import conv_parameters as ref_conv_parameters
from kata.steps.checks.fixtures import with_convs as ref_with_convs
from kata.steps.checks.judging import Unlike, expect_sgd, model_pair, tensor
from kata.steps.checks.step08 import backward, conv_parameters, losses, with_convs

SAME = (("The layers run in the order they are listed: the same order as the lines of step08's forward, "
        "the reshapes included (Lambda(preprocess) first, the view to (bs, 10) last)."),
        ("Each line of step08's forward becomes one layer: nn.Conv2d, nn.ReLU(), nn.AvgPool2d(4), Lambda for a "
        "reshape."),
        ("nn.Sequential(Lambda(preprocess), conv, nn.ReLU(), conv, nn.ReLU(), conv, nn.ReLU(), nn.AvgPool2d(4), "
        "Lambda(<(bs, 10, 1, 1) -> (bs, 10)>))"))


def sequential(child, lr: float, seed: int, weights=None):
    """get_model(lr)'s (model, opt), built right after torch.manual_seed(seed), its convolutions set to `weights`."""
    model, opt = model_pair(child.get("get_model")(lr, seed=seed))
    return (with_convs(model, weights, "get_model(lr)'s model") if weights is not None else model), opt


def reference_cnn(ref, weights):
    """step08's Mnist_CNN with the same convolution weights."""
    return ref_with_convs(ref.Mnist_CNN(), weights, "step08's Mnist_CNN")


@prop("step09.lambda", "Lambda(func) is a layer without parameters: Lambda(func)(x) is func(x), inside nn.Sequential too",
      stage="structure", uses=("Lambda",), strategy=S.digits, edges=S.DIGIT_EDGES[:1], max_examples=3,
      hints=(("Lambda is an nn.Module that keeps the function it is given and applies it in forward: a layer "
             "without parameters, so that plain functions can sit in an nn.Sequential."),
             "Subclass nn.Module, call super().__init__() first in __init__, keep func as an attribute.",
             "__init__: super().__init__(); self.func = func.  forward(self, x): return <func applied to x>"))
def lambda_applies_its_function(child, ref, case):
    layer = child.get("Lambda")(child.fixture("cnn_affine"))  # any function will do: t * 2 + 1
    if not layer.is_a("module"):
        raise Unlike("Lambda(func)", f"is a {layer.type}, not an nn.Module, so nn.Sequential cannot "
                     "hold it: subclass nn.Module and call super().__init__() first.")
    if child.observe("parameters", layer):
        raise Unlike("Lambda(func)", "has parameters; it only applies its function.")
    x = case.x()
    assert_same(tensor(layer(x), "Lambda(func)(x)"), x * 2 + 1, "Lambda(func)(x)")
    in_sequential = child.fixture("cnn_sequential", layer)
    assert_same(tensor(in_sequential(x), "nn.Sequential(Lambda(func))(x)"), x * 2 + 1,
                "nn.Sequential(Lambda(func))(x)")


@prop("step09.preprocess", "preprocess(xb) turns (bs, 784) rows into the (bs, 1, 28, 28) images step08's forward made",
      stage="forward", uses=("preprocess",), strategy=S.digits, edges=S.DIGIT_EDGES, max_examples=5,
      hints=(("preprocess is the first line of step08's forward, on its own: rows of 784 pixels become one-channel "
             "28x28 images."),
             "x.view(...) reshapes without copying; -1 lets the batch size be whatever it is.",
             "return x.view(-1, <channels>, 28, 28)"))
def preprocess_makes_images(child, ref, case):
    x = case.x()
    assert_same(tensor(child.get("preprocess")(x), "preprocess(xb)"), x.view(-1, 1, 28, 28), "preprocess(xb)")


@prop("step09.relu-modules",
      "get_model(lr) returns (an nn.Sequential with nn.ReLU modules as its activations, SGD with that lr and "
      "momentum 0.9)", stage="structure", uses=("get_model",), strategy=S.cnn_learning_rates, edges=(0.1,),
      max_examples=3,
      hints=(("nn.Sequential holds modules only. F.relu is a function; nn.ReLU() is the same function as a module. "
             "One after each convolution, as in step08's forward."),
             "nn.ReLU() is a layer without parameters; the optimizer stays step08's SGD with momentum 0.9.",
             ("nn.Sequential(..., nn.Conv2d(...), nn.ReLU(), ...) three times; "
             "return model, optim.SGD(model.parameters(), lr=lr, momentum=0.9)")))
def sequential_of_modules(child, ref, lr):
    model, opt = model_pair(child.get("get_model")(lr))
    if model.type != "torch.nn.modules.container.Sequential":
        raise Unlike("get_model(lr)", f"returns a {model.type} model, expected an nn.Sequential.")
    relus = child.observe("cnn_relus", model)
    if relus != 3:
        raise Unlike("get_model(lr)'s model", f"has {relus} nn.ReLU module(s); step08 applies ReLU after each of its "
                     "3 convolutions.")
    expect_sgd(model, opt, lr, 0.9)


@prop("step09.outputs", "with step08's convolution weights, get_model's model gives Mnist_CNN's outputs",
      stage="forward", uses=("get_model",), strategy=S.digits, edges=S.DIGIT_EDGES, max_examples=10, hints=SAME)
def outputs_match(child, ref, case):
    weights = case.conv_weights()
    model, _ = sequential(child, 0.1, case.seed, weights)
    x = case.x()  # (bs, 784)
    assert_same(tensor(model(x), "model(xb)"), reference_cnn(ref, weights)(x), "model(xb)")


@prop("step09.gradients", "with step08's convolution weights, the gradients of every convolution ≈ Mnist_CNN's",
      stage="gradients", uses=("get_model",), strategy=S.digits, edges=S.DIGIT_EDGES, max_examples=8,
      hints=(("The gradients follow the outputs: if the layers compute step08's forward, in the same order, every "
             "convolution gets step08's gradient."),
             ("Only nn.Conv2d layers hold parameters here; F.cross_entropy(model(xb), yb).backward() fills their "
             ".grad."),
             "list the layers in the order of step08's forward, a ReLU after every convolution"))
def gradients_match(child, ref, case):
    weights = case.conv_weights()
    model, _ = sequential(child, 0.1, case.seed, weights)
    expected = reference_cnn(ref, weights)
    x, y = case.x(), case.y()
    backward(child, model(x), y)
    F.cross_entropy(expected(x), y).backward()
    got = conv_parameters(model, "get_model(lr)'s model", grad=True)
    for name, value in ref_conv_parameters(expected, "step08's Mnist_CNN", grad=True).items():
        assert_same(got[name], value, f"{name}.grad (the convolutions counted in order)")


@prop("step09.fit", "fit with get_model's model and opt, from step08's weights ≈ step08's fit, validation losses "
      "included", stage="update", uses=("get_model",), strategy=S.cnn_runs, edges=S.CNN_RUN_EDGES, max_examples=6,
      hints=(("Only the model's form changes: trained by the same fit from the same weights, nn.Sequential follows "
             "Mnist_CNN update by update."),
             "fit and loss_batch stay step08's; get_model's optimizer is SGD over model.parameters(), momentum 0.9.",
             "keep fit and loss_batch as they were; get_model builds the nn.Sequential and its SGD"))
def fit_matches(child, ref, run):
    def mine(x, y, epochs):
        model, opt = sequential(child, run.lr, run.seed, run.conv_weights())
        got = child.get("fit")(epochs, model, child.fixture("cross_entropy"), opt,
                               child.fixture("in_order", x, y, run.bs),
                               child.fixture("in_order", *run.valid_data(), run.valid_bs))
        return conv_parameters(model, "get_model(lr)'s model"), losses(got, epochs)

    def expected(x, y, epochs):
        model, opt = reference_pair(ref, run)
        got = quietly(ref.fit, epochs, model, F.cross_entropy, opt, in_order(x, y, run.bs),
                      in_order(*run.valid_data(), run.valid_bs))
        return ref_conv_parameters(model, "step08's model"), as_losses(got, epochs)

    compare_fits(run, mine, expected)


def reference_pair(ref, run):
    """step08's get_model(run.lr), its convolutions holding the run's weights."""
    torch.manual_seed(run.seed)
    model, opt = ref.get_model(run.lr)
    return ref_with_convs(model, run.conv_weights(), "step08's model"), opt


CHECKS = [lambda_applies_its_function, preprocess_makes_images, sequential_of_modules, outputs_match,
          gradients_match, fit_matches]
