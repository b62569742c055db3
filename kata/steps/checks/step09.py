"""step09_sequential against the reference step08_cnn."""
import torch
import torch.nn.functional as F
from torch import nn

from kata.steps import strategies as S
from kata.steps.checks.base import prop
from kata.steps.checks.fixtures import (Unlike, as_losses, compare_fits, conv_parameters, expect_momentum_sgd, in_order, model_pair,
                                  quietly, with_convs)
from kata.engine.compare import assert_same

LAMBDA, RELU, SAME = 0, 1, 2  # the step's hints, by index


def sequential(learner, lr: float, seed: int, weights=None):
    """get_model(lr)'s (model, opt), built right after torch.manual_seed(seed), its convolutions set to `weights`."""
    torch.manual_seed(seed)
    model, opt = model_pair(learner.get_model(lr))
    return (with_convs(model, weights, "get_model(lr)'s model") if weights is not None else model), opt


def reference_cnn(ref, weights):
    """step08's Mnist_CNN with the same convolution weights."""
    return with_convs(ref.Mnist_CNN(), weights, "step08's Mnist_CNN")


@prop("Lambda(func) is a layer without parameters: Lambda(func)(x) is func(x), inside nn.Sequential too",
      uses=("Lambda",), strategy=S.digits, edges=S.DIGIT_EDGES[:1], max_examples=3, hint=LAMBDA)
def lambda_applies_its_function(learner, ref, case):
    func = lambda t: t * 2 + 1  # noqa: E731  any function will do
    layer = learner.Lambda(func)
    if not isinstance(layer, nn.Module):
        raise Unlike("Lambda(func)", f"is a {type(layer).__name__}, not an nn.Module, so nn.Sequential cannot "
                       "hold it: subclass nn.Module and call super().__init__() first.")
    if list(layer.parameters()):
        raise Unlike("Lambda(func)", "has parameters; it only applies its function.")
    x = case.x()
    assert_same(layer(x), func(x), "Lambda(func)(x)")
    assert_same(nn.Sequential(layer)(x), func(x), "nn.Sequential(Lambda(func))(x)")


@prop("preprocess(xb) turns (bs, 784) rows into the (bs, 1, 28, 28) images step08's forward made",
      uses=("preprocess",), strategy=S.digits, edges=S.DIGIT_EDGES, max_examples=5)
def preprocess_makes_images(learner, ref, case):
    x = case.x()
    assert_same(learner.preprocess(x), x.view(-1, 1, 28, 28), "preprocess(xb)")


@prop("get_model(lr) returns (an nn.Sequential with nn.ReLU modules as its activations, SGD with that lr and "
      "momentum 0.9)", uses=("get_model",), strategy=S.cnn_learning_rates, edges=(0.1,), max_examples=3, hint=RELU)
def sequential_of_modules(learner, ref, lr):
    model, opt = model_pair(learner.get_model(lr))
    if not isinstance(model, nn.Sequential):
        raise Unlike("get_model(lr)", f"returns a {type(model).__name__} model, expected an nn.Sequential.")
    relus = sum(isinstance(m, nn.ReLU) for m in model.modules())
    if relus != 3:
        raise Unlike("get_model(lr)'s model", f"has {relus} nn.ReLU module(s); step08 applies ReLU after each of its "
                       "3 convolutions.")
    expect_momentum_sgd(model, opt, lr)


@prop("with step08's convolution weights, get_model's model gives Mnist_CNN's outputs", uses=("get_model",),
      strategy=S.digits, edges=S.DIGIT_EDGES, max_examples=10, hint=SAME)
def outputs_match(learner, ref, case):
    weights = case.conv_weights()
    model, _ = sequential(learner, 0.1, case.seed, weights)
    x = case.x()  # (bs, 784)
    assert_same(model(x), reference_cnn(ref, weights)(x), "model(xb)")


@prop("with step08's convolution weights, the gradients of every convolution ≈ Mnist_CNN's", uses=("get_model",),
      strategy=S.digits, edges=S.DIGIT_EDGES, max_examples=8, hint=SAME)
def gradients_match(learner, ref, case):
    weights = case.conv_weights()
    model, _ = sequential(learner, 0.1, case.seed, weights)
    expected = reference_cnn(ref, weights)
    x, y = case.x(), case.y()
    for m in (model, expected):
        F.cross_entropy(m(x), y).backward()
    got = conv_parameters(model, "get_model(lr)'s model", grad=True)
    for name, value in conv_parameters(expected, "step08's Mnist_CNN", grad=True).items():
        assert_same(got[name], value, f"{name}.grad (the convolutions counted in order)")


@prop("fit with get_model's model and opt, from step08's weights ≈ step08's fit, validation losses included",
      uses=("get_model",), strategy=S.cnn_runs, edges=S.CNN_RUN_EDGES, max_examples=6)
def fit_matches(learner, ref, run):
    def train(module):
        def run_fit(x, y, epochs):
            model, opt = sequential(module, run.lr, run.seed, run.conv_weights())
            got = quietly(module.fit, epochs, model, F.cross_entropy, opt, in_order(x, y, run.bs),
                          in_order(*run.valid_data(), run.valid_bs))
            return conv_parameters(model, "get_model(lr)'s model"), as_losses(got, epochs)
        return run_fit

    compare_fits(run, train(learner), train(ref))


CHECKS = [lambda_applies_its_function, preprocess_makes_images, sequential_of_modules, outputs_match,
          gradients_match, fit_matches]
