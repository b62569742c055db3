"""step10_wrapped against the reference step09_sequential."""
import torch
import torch.nn.functional as F

from kata.steps import strategies as S
from kata.steps.checks.base import prop
from kata.steps.checks.fixtures import (Unlike, as_losses, compare_fits, conv_parameters, in_order, model_pair, quietly,
                                  tutorial_cnn, with_convs)
from kata.engine.compare import Mismatch, as_tensor, assert_same

WRAPPER, ADAPTIVE, SAME = 0, 1, 2  # the step's hints, by index


def cnn(module, lr: float, seed: int, weights):
    """module.get_model(lr)'s (model, opt), built after torch.manual_seed(seed), its convolutions set to `weights`."""
    torch.manual_seed(seed)
    model, opt = model_pair(module.get_model(lr))
    return with_convs(model, weights, "get_model(lr)'s model"), opt


def images(learner, x, y):
    """The learner's preprocess(x, y): the model's input, checked to be a pair."""
    got = learner.preprocess(x, y)
    if not (isinstance(got, (tuple, list)) and len(got) == 2):
        raise Unlike("preprocess(x, y)", f"should return the pair (x, y), got {type(got).__name__}.")
    return got


@prop("preprocess(x, y) gives (x as (bs, 1, 28, 28) images, y unchanged)", uses=("preprocess",),
      strategy=S.digits, edges=S.DIGIT_EDGES, max_examples=5)
def preprocess_reshapes_x(learner, ref, case):
    x, y = case.x(), case.y()
    xb, yb = images(learner, x, y)
    assert_same(xb, x.view(-1, 1, 28, 28), "x from preprocess(x, y)")
    assert_same(yb, y, "y from preprocess(x, y)")


@prop("WrappedDataLoader(dl, func) yields func(xb, yb) for every batch of dl, in order, on every pass; "
      "its len() is len(dl)", uses=("WrappedDataLoader",), strategy=S.splits, edges=S.SPLIT_EDGES,
      max_examples=8, hint=WRAPPER)
def wrapper_applies_func(learner, ref, split):
    train_ds, _ = split.datasets()
    dl = in_order(*train_ds.tensors, split.bs)

    def func(xb, yb):  # any function of the batch will do
        return xb * 10, yb + 1

    wrapped = learner.WrappedDataLoader(dl, func)
    try:
        size = len(wrapped)
    except TypeError as e:
        raise Unlike("len(WrappedDataLoader(dl, func))", f"fails ({e}): define __len__, the number of batches "
                       "of dl.") from None
    if size != len(dl):
        raise Unlike("len(WrappedDataLoader(dl, func))", f"is {size}, expected len(dl) = {len(dl)} batches.")
    expected = [func(xb, yb) for xb, yb in dl]
    for epoch in (1, 2):
        got = list(wrapped)
        if len(got) != len(expected):
            why = (" The first pass used it up: each call of __iter__ should start a new pass over dl (a generator "
                   "made once, in __init__, is empty from the second epoch on)." if epoch == 2 and not got else "")
            raise Mismatch(f"the batches of pass {epoch} over WrappedDataLoader(dl, func)", f"gave {len(got)} batches, expected "
                           f"{len(expected)}.{why}")
        for i, (g, (xe, ye)) in enumerate(zip(got, expected)):
            if not (isinstance(g, (tuple, list)) and len(g) == 2):
                raise Unlike(f"pass {epoch}, batch {i}", f"should be the pair func(xb, yb), got {type(g).__name__}.")
            assert_same(g[0], xe, f"xb of pass {epoch}, batch {i}")
            assert_same(g[1], ye, f"yb of pass {epoch}, batch {i}")


@prop("on 28×28 digits with step09's convolution weights: model(preprocess(x, y)[0]) ≈ step09's model(x), "
      "gradients included", uses=("get_model", "preprocess"), strategy=S.digits, edges=S.DIGIT_EDGES,
      max_examples=10, hint=SAME)
def outputs_and_gradients_match(learner, ref, case):
    weights = case.conv_weights()
    model, _ = cnn(learner, 0.1, case.seed, weights)
    expected, _ = cnn(ref, 0.1, case.seed, weights)
    x, y = case.x(), case.y()
    xb, yb = images(learner, x, y)
    out, expected_out = as_tensor(model(xb), "model(preprocess(x, y)[0])"), expected(x)
    if out.dim() == 2 and out.shape[1] != S.N_CLASSES and out.shape[1] % S.N_CLASSES == 0:
        per_channel = out.shape[1] // S.N_CLASSES
        raise Mismatch("model(preprocess(x, y)[0])", f"expected shape {tuple(expected_out.shape)}, got "
                       f"{tuple(out.shape)}: {per_channel} values per channel, where the pooling should leave one "
                       "(a 1×1 map).")
    assert_same(out, expected_out, "model(preprocess(x, y)[0])")
    F.cross_entropy(out, y).backward()
    F.cross_entropy(expected_out, y).backward()
    got = conv_parameters(model, "get_model(lr)'s model", grad=True)
    for name, value in conv_parameters(expected, "step09's model", grad=True).items():
        assert_same(got[name], value, f"{name}.grad (the convolutions counted in order)")


@prop("get_model's model reads images of any size: (bs, 1, H, W) -> (bs, 10), the mean of each final map",
      uses=("get_model",), strategy=S.other_sizes, edges=S.OTHER_SIZE_EDGES, max_examples=10, hint=ADAPTIVE)
def any_image_size(learner, ref, case):
    weights = case.conv_weights()
    model, _ = cnn(learner, 0.1, case.seed, weights)
    x = case.images()  # (bs, 1, H, W)
    what = f"model(x) on {case.side}×{case.side2} images"
    try:
        out = as_tensor(model(x), what)
    except RuntimeError as e:
        raise Unlike(what, f"fails: {str(e).splitlines()[0]}\nSomething in the model still expects 28×28 "
                       "images: a reshape to 28×28, or a pooling window fitted to the 4×4 maps they give.") from None
    assert_same(out, tutorial_cnn(x, weights), what)


@prop("fit on WrappedDataLoader(dl, preprocess) loaders, from step09's weights ≈ step09's fit on the plain loaders, "
      "validation losses included", uses=("get_model", "preprocess", "WrappedDataLoader"), strategy=S.cnn_runs,
      edges=S.CNN_RUN_EDGES, max_examples=6)
def fit_matches(learner, ref, run):
    def mine(x, y, epochs):
        model, opt = cnn(learner, run.lr, run.seed, run.conv_weights())
        train_dl = learner.WrappedDataLoader(in_order(x, y, run.bs), learner.preprocess)
        valid_dl = learner.WrappedDataLoader(in_order(*run.valid_data(), run.valid_bs), learner.preprocess)
        got = quietly(learner.fit, epochs, model, F.cross_entropy, opt, train_dl, valid_dl)
        return conv_parameters(model, "get_model(lr)'s model"), as_losses(got, epochs)

    def expected(x, y, epochs):
        model, opt = cnn(ref, run.lr, run.seed, run.conv_weights())
        got = quietly(ref.fit, epochs, model, F.cross_entropy, opt, in_order(x, y, run.bs),
                      in_order(*run.valid_data(), run.valid_bs))
        return conv_parameters(model, "step09's model"), as_losses(got, epochs)

    compare_fits(run, mine, expected)


CHECKS = [preprocess_reshapes_x, wrapper_applies_func, outputs_and_gradients_match, any_image_size, fit_matches]
