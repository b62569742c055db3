"""step08_fit against the reference step07_validation."""
import torch
import torch.nn.functional as F

from kata.i18n import _
from kata.judging.compare import Mismatch, assert_same
from kata.judging.remote import NotPlain
from kata.steps import strategies as S
from kata.steps.common.base import judge
from kata.steps.common.fixtures import as_losses, in_order, linear_parameters, quietly
from kata.steps.common.fixtures import model_and_opt as ref_model_and_opt
from kata.steps.common.judging import Unlike, linear, params, with_linear
from kata.steps.common.reported import fit_losses
from kata.steps.common.training import compare_fits
from kata.steps.step07.judges import logistic, pair


def plain_value(got, what: str, expected: str):
    try:
        return got.value()
    except NotPlain:
        raise Mismatch(what, _("should be {expected}, got {type}.").format(expected=expected, type=got.type)) from None


def number(value, what: str) -> torch.Tensor:
    """A loss the learner returned (a float, or a one-element tensor) as a float64 scalar tensor."""
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        value = value.item()
    if not isinstance(value, (int, float)):
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise Mismatch(what, _("should be a number, got {type} {value}.").format(
                type=type(value).__name__, value=f"{value!r:.60}")) from None
    return torch.tensor(float(value), dtype=torch.float64)


# --- loss_batch --------------------------------------------------------------------------------------

@judge('loss-batch', strategy=S.single_updates, edges=S.SINGLE_UPDATE_EDGES, max_examples=5)
def loss_batch_steps_only_with_opt(child, ref, run):
    x, y = run.data()
    model, opt = logistic(child, run)
    loss_func = child.fixture("recording_loss")  # loss_batch must use the loss_func it is given
    before = params(model)
    what = "loss_batch(model, loss_func, xb, yb)"
    loss, size = pair(child.get("loss_batch")(model, loss_func, x, y), what)
    if not child.observe("loss_calls", loss_func):
        raise Unlike(what, _("never called the loss_func it was given: compute the loss with that argument, not "
                             "with a loss function of your own."))
    w, b = run.weights()
    what_loss, what_size = _("the loss loss_batch returns"), _("the size loss_batch returns")
    assert_same(number(plain_value(loss, what_loss, _("a number")), what_loss), F.cross_entropy(x @ w + b, y), what_loss)
    size = plain_value(size, what_size, "len(xb)")
    if size != len(x):
        raise Unlike(what_size, _("expected len(xb) = {n}, got {size}.").format(n=len(x), size=f"{size!r:.60}"))
    after, grads = params(model), params(model, grads=True)
    for name, value in before.items():
        assert_same(after[name], value, _("{name} after loss_batch without opt (nothing may change)").format(name=name))
        if grads[name] is not None and grads[name].abs().sum() > 0:
            raise Mismatch(_("{name}.grad after loss_batch without opt").format(name=name),
                           _("is set: backward() ran, though without opt there is nothing to update; the next step "
                             "would add this gradient to its own."))

    child.get("loss_batch")(model, loss_func, x, y, opt)
    expected, expected_opt = ref_model_and_opt(ref, run)
    # one training batch of step07's fit, on the whole run as one batch; nothing to validate on
    quietly(ref.fit, 1, expected, F.cross_entropy, expected_opt, in_order(x, y, len(x)), in_order(x[:1], y[:1], 1))
    got = linear(model)
    for name, value in linear_parameters(expected).items():
        assert_same(got[name], value, _("{name} after loss_batch with opt").format(name=name))


# --- fit --------------------------------------------------------------------------------------------

@judge('fit', strategy=S.valid_runs, edges=S.VALID_RUN_EDGES, max_examples=5)
def fit_matches(child, ref, run):
    """The learner's fit (through its loss_batch) against step07's, from the same weights on the same batches in
    order: the parameters after every update, and the validation loss of every epoch."""
    logistic_fits_agree(child, ref, run)


def logistic_fits_agree(child, ref, run):
    """The learner's fit(epochs, model, loss_func, opt, train_dl, valid_dl) and the reference's, each training a
    logistic model from the run's weights with plain SGD on the same batches in order (step09 too: its fit must
    still train the logistic model as step08's did)."""
    def mine(x, y, epochs):
        model = with_linear(child.fixture("recorder"), *run.weights(), what=_("a logistic model"))
        opt = child.fixture("sgd", model, run.lr)
        got = child.get("fit")(epochs, model, child.fixture("cross_entropy"), opt,
                               child.fixture("in_order", x, y, run.bs),
                               child.fixture("in_order", *run.valid_data(), run.valid_bs), capture=True)
        return linear(model), fit_losses(got, epochs)

    def expected(x, y, epochs):
        model, opt = ref_model_and_opt(ref, run)  # step07's Mnist_Logistic with the run's weights, plain SGD
        got = quietly(ref.fit, epochs, model, F.cross_entropy, opt, in_order(x, y, run.bs),
                      in_order(*run.valid_data(), run.valid_bs))
        return linear_parameters(model), as_losses(got, epochs)

    compare_fits(run, mine, expected, child)
