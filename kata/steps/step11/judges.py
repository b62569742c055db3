"""step11_wrapped against the reference step10_sequential."""
import torch
import torch.nn.functional as F

from kata.i18n import _
from kata.judging.compare import Mismatch, assert_same
from kata.judging.remote import LearnerError
from kata.steps import strategies as S
from kata.steps.common.base import judge
from kata.steps.common.fixtures import as_losses, in_order, quietly, tutorial_cnn
from kata.steps.common.fixtures import conv_parameters as ref_conv_parameters
from kata.steps.common.fixtures import with_convs as ref_with_convs
from kata.steps.common.judging import Unlike, model_pair, tensor
from kata.steps.common.training import compare_fits
from kata.steps.step09.judges import backward, conv_parameters, losses, with_convs


def cnn(child, lr: float, seed: int, weights):
    """The learner's get_model(lr)'s (model, opt), built after torch.manual_seed(seed), its convolutions set to
    `weights`."""
    model, opt = model_pair(child.get("get_model")(lr, seed=seed))
    return with_convs(model, weights, _("get_model(lr)'s model")), opt


def reference_cnn(ref, lr: float, seed: int, weights):
    """step10's get_model(lr)'s (model, opt), its convolutions set to `weights`."""
    torch.manual_seed(seed)
    model, opt = ref.get_model(lr)
    return ref_with_convs(model, weights, _("step10's model")), opt


def images(child, x, y):
    """The learner's preprocess(x, y): handles to the model's input, checked to be a pair."""
    got = child.get("preprocess")(x, y)
    pair = got.unpack(2)
    if pair is None:
        raise Unlike("preprocess(x, y)", _("should return the pair (x, y), got {type}.").format(type=got.type))
    return pair


@judge('preprocess', strategy=S.digits, edges=S.DIGIT_EDGES, max_examples=5)
def preprocess_reshapes_x(child, ref, case):
    x, y = case.x(), case.y()
    xb, yb = images(child, x, y)
    assert_same(tensor(xb, _("x from preprocess(x, y)")), x.view(-1, 1, 28, 28), _("x from preprocess(x, y)"))
    assert_same(tensor(yb, _("y from preprocess(x, y)")), y, _("y from preprocess(x, y)"))


@judge('wrapper', strategy=S.splits, edges=S.SPLIT_EDGES, max_examples=5)
def wrapper_applies_func(child, ref, split):
    train_ds, _valid_ds = split.datasets()
    x, y = train_ds.tensors
    dl = in_order(x, y, split.bs)
    wrapped = child.get("WrappedDataLoader")(child.fixture("in_order", x, y, split.bs), child.fixture("cnn_batch_map"))
    size = child.observe("length", wrapped)
    if size is None:
        raise Unlike("len(WrappedDataLoader(dl, func))", _("fails: define __len__, the number of batches of dl."))
    if size != len(dl):
        raise Unlike("len(WrappedDataLoader(dl, func))", _("is {size}, expected len(dl) = {n} batches.").format(
            size=size, n=len(dl)))
    expected = [(xb * 10, yb + 1) for xb, yb in dl]  # what cnn_batch_map gives
    for epoch in (1, 2):
        got = child.observe("batches", wrapped)
        if len(got) != len(expected):
            why = (" " + _("The first pass used it up: each call of __iter__ should start a new pass over dl (a "
                           "generator made once, in __init__, is empty from the second epoch on).")
                   if epoch == 2 and not got else "")
            raise Mismatch(_("the batches of pass {epoch} over WrappedDataLoader(dl, func)").format(epoch=epoch),
                           _("gave {got} batches, expected {expected}.{why}").format(
                               got=len(got), expected=len(expected), why=why))
        for i, (g, (xe, ye)) in enumerate(zip(got, expected)):
            if not (isinstance(g, (tuple, list)) and len(g) == 2):
                shown = g.get("unsendable") if isinstance(g, dict) else type(g).__name__
                raise Unlike(_("pass {epoch}, batch {i}").format(epoch=epoch, i=i),
                             _("should be the pair func(xb, yb), got {shown}.").format(shown=shown))
            assert_same(g[0], xe, _("xb of pass {epoch}, batch {i}").format(epoch=epoch, i=i))
            assert_same(g[1], ye, _("yb of pass {epoch}, batch {i}").format(epoch=epoch, i=i))


@judge('outputs-gradients', strategy=S.digits, edges=S.DIGIT_EDGES, max_examples=5)
def outputs_and_gradients_match(child, ref, case):
    weights = case.conv_weights()
    model, _opt = cnn(child, 0.1, case.seed, weights)
    expected, _expected_opt = reference_cnn(ref, 0.1, case.seed, weights)
    x, y = case.x(), case.y()
    xb, _yb = images(child, x, y)
    got = model(xb)
    out, expected_out = tensor(got, "model(preprocess(x, y)[0])"), expected(x)
    if out.dim() == 2 and out.shape[1] != S.N_CLASSES and out.shape[1] % S.N_CLASSES == 0:
        per_channel = out.shape[1] // S.N_CLASSES
        raise Mismatch("model(preprocess(x, y)[0])", _("expected shape {expected}, got {got}: {n} values per "
                                                       "channel, where the pooling should leave one (a 1×1 map).").format(
            expected=tuple(expected_out.shape), got=tuple(out.shape), n=per_channel))
    assert_same(out, expected_out, "model(preprocess(x, y)[0])")
    backward(child, got, y)
    F.cross_entropy(expected_out, y).backward()
    grads = conv_parameters(model, _("get_model(lr)'s model"), grad=True)
    for name, value in ref_conv_parameters(expected, _("step10's model"), grad=True).items():
        assert_same(grads[name], value, _("{name}.grad (the convolutions counted in order)").format(name=name))


@judge('any-size', strategy=S.other_sizes, edges=S.OTHER_SIZE_EDGES, max_examples=5)
def any_image_size(child, ref, case):
    weights = case.conv_weights()
    model, _opt = cnn(child, 0.1, case.seed, weights)
    x = case.images()  # (bs, 1, H, W)
    what = _("model(x) on {side}×{side2} images").format(side=case.side, side2=case.side2)
    try:
        out = tensor(model(x), what)
    except LearnerError as e:
        if e.info.get("type") != "RuntimeError":
            raise
        raise Unlike(what, _("fails: {error}\nSomething in the model still expects 28×28 images: a reshape to "
                             "28×28, or a pooling window fitted to the 4×4 maps they give.").format(
            error=str(e).splitlines()[0] if str(e) else e.info.get('type'))) from None
    assert_same(out, tutorial_cnn(x, weights), what)


@judge('fit', strategy=S.cnn_runs, edges=S.CNN_RUN_EDGES, max_examples=5)
def fit_matches(child, ref, run):
    def mine(x, y, epochs):
        model, opt = cnn(child, run.lr, run.seed, run.conv_weights())
        wrap, preprocess = child.get("WrappedDataLoader"), child.get("preprocess")
        train_dl = wrap(child.fixture("in_order", x, y, run.bs), preprocess)
        valid_dl = wrap(child.fixture("in_order", *run.valid_data(), run.valid_bs), preprocess)
        got = child.get("fit")(epochs, model, child.fixture("cross_entropy"), opt, train_dl, valid_dl, capture=True)
        return conv_parameters(model, _("get_model(lr)'s model")), losses(got, epochs)

    def expected(x, y, epochs):
        model, opt = reference_cnn(ref, run.lr, run.seed, run.conv_weights())
        got = quietly(ref.fit, epochs, model, F.cross_entropy, opt, in_order(x, y, run.bs),
                      in_order(*run.valid_data(), run.valid_bs))
        return ref_conv_parameters(model, _("step10's model")), as_losses(got, epochs)

    compare_fits(run, mine, expected, child)
