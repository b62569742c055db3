"""step08_cnn against the reference step07_validation."""
import torch
import torch.nn.functional as F

from kata.steps import strategies as S
from kata.steps.checks.base import prop
from kata.steps.checks.fixtures import (Unlike, as_losses, compare_fits, expect_momentum_sgd, expect_parameters, in_order,
                                  linear_parameters, model_and_opt, model_pair, quietly, tutorial_cnn, with_convs)
from kata.engine.compare import Mismatch, as_tensor, assert_same

SIZES, BATCH_FIRST, ALONE, UNCHANGED = 0, 1, 2, 3  # the step's hints, by index

TUTORIAL_PARAMETERS = {
    "conv1.weight": (16, 1, 3, 3), "conv1.bias": (16,),
    "conv2.weight": (16, 16, 3, 3), "conv2.bias": (16,),
    "conv3.weight": (10, 16, 3, 3), "conv3.bias": (10,),
}


def new_cnn(learner, seed: int):
    """Mnist_CNN() right after torch.manual_seed(seed): the same verdict on every run."""
    torch.manual_seed(seed)
    return learner.Mnist_CNN()


def expect_scores(out, bs: int, what: str) -> torch.Tensor:
    """(bs, 10) class scores, or a message about the batch dimension."""
    out = as_tensor(out, what)
    if tuple(out.shape) == (bs, S.N_CLASSES):
        return out
    shape = tuple(out.shape)
    if out.dim() == 1 and out.numel() == bs * S.N_CLASSES:
        why = (" The batch dimension is gone: squeeze() drops it when bs is 1, and torch.flatten(xb) or view(-1) "
               "merge it into the scores." if bs == 1 else
               " The batch dimension is gone: torch.flatten(xb) or view(-1) merged it into the scores.")
    elif out.numel() == bs * S.N_CLASSES:
        why = " The right numbers in the wrong layout: dimension 0 should stay the batch."
    else:
        why = " Follow the shapes in the docstring, one line of forward at a time."
    raise Mismatch(what, f"expected shape ({bs}, {S.N_CLASSES}), one row of scores per image; got {shape}.{why}")


@prop("get_model(lr) returns (Mnist_CNN(), SGD over all its parameters with that lr and momentum 0.9)",
      uses=("get_model",), strategy=S.cnn_learning_rates, edges=(0.1,), max_examples=3)
def optimizer_has_momentum(learner, ref, lr):
    model, opt = model_pair(learner.get_model(lr))
    if not isinstance(model, learner.Mnist_CNN):
        raise Unlike("get_model(lr)", f"returns a {type(model).__name__}, expected a Mnist_CNN.")
    expect_momentum_sgd(model, opt, lr)


@prop("Mnist_CNN is the tutorial's CNN: conv1..conv3 (3×3, stride 2, padding 1; 1→16→16→10 channels), ReLU "
      "after each, then the mean of each 4×4 map", uses=("Mnist_CNN",), strategy=S.digits,
      edges=S.DIGIT_EDGES, max_examples=10, hint=SIZES)
def computes_the_tutorial_cnn(learner, ref, case):
    model = new_cnn(learner, case.seed)
    expect_parameters(model, TUTORIAL_PARAMETERS, "Mnist_CNN()")
    weights = case.conv_weights()
    with_convs(model, weights, "Mnist_CNN()")
    x = case.x()  # (bs, 784)
    out = expect_scores(model(x), case.bs, "Mnist_CNN()(xb)")
    assert_same(out, tutorial_cnn(x.view(-1, 1, 28, 28), weights), "Mnist_CNN()(xb)")


@prop("Mnist_CNN()(xb) has shape (N, 10) for every batch size N, 1 included", uses=("Mnist_CNN",),
      strategy=S.digits, edges=S.DIGIT_EDGES, max_examples=10, hint=BATCH_FIRST)
def one_row_per_image(learner, ref, case):
    expect_scores(new_cnn(learner, case.seed)(case.x()), case.bs, "Mnist_CNN()(xb)")


@prop("row i of Mnist_CNN()(xb) depends on image i alone: it equals the model's output for image i on its own",
      uses=("Mnist_CNN",), strategy=S.digit_batches, edges=S.DIGIT_BATCH_EDGES, max_examples=10, hint=ALONE)
def images_are_independent(learner, ref, case):
    model = new_cnn(learner, case.seed)
    x = case.x()  # (bs, 784)
    together = expect_scores(model(x), case.bs, "Mnist_CNN()(xb)")
    alone = torch.cat([expect_scores(model(x[i:i + 1]), 1, f"Mnist_CNN()(xb[{i}:{i + 1}])")
                       for i in range(case.bs)])  # (bs, 10), one image at a time
    try:
        assert_same(together, alone, "Mnist_CNN()(xb) against each image run on its own")
    except Mismatch as e:
        raise Mismatch(e.what, f"{e.detail}\nRow i of the output changes with the other images of the batch: "
                       "something in forward mixes the images (a statistic over the whole batch, or a reshape "
                       "that moves the batch dimension).") from None


@prop("loss_batch and fit are step07's: with step07's logistic model they train it as step07's fit does, "
      "validation losses included", uses=("fit",), strategy=S.valid_runs, edges=S.VALID_RUN_EDGES,
      max_examples=8, hint=UNCHANGED)
def fit_is_unchanged(learner, ref, run):
    def train(module):
        def run_fit(x, y, epochs):
            model, opt = model_and_opt(ref, run)  # step07's Mnist_Logistic with the run's weights, plain SGD
            got = quietly(module.fit, epochs, model, F.cross_entropy, opt, in_order(x, y, run.bs),
                          in_order(*run.valid_data(), run.valid_bs))
            return linear_parameters(model), as_losses(got, epochs)
        return run_fit

    compare_fits(run, train(learner), train(ref))


CHECKS = [optimizer_has_momentum, computes_the_tutorial_cnn, one_row_per_image, images_are_independent,
          fit_is_unchanged]
