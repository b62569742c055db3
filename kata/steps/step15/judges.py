"""step15_regression against the hand-written regression (kata/steps/baselines/step15_handwritten.py)."""
import torch

from kata.i18n import _
from kata.judging.compare import Mismatch, assert_same
from kata.judging.remote import NotPlain
from kata.steps import strategies as S
from kata.steps.common.base import judge
from kata.steps.common.fixtures import leaf_copies
from kata.steps.common.judging import expect_sgd, model_pair, params, set_params, tensor
from kata.steps.common.training import traced_parting


def with_house_weights(model, w: torch.Tensor, b: torch.Tensor, what: str | None = None):
    """Give a child-side nn.Linear(1, 1) the hand-written regression's w (1,) and b (1,): weight is w as (1, 1).
    `what` names the model in a message; by default, "the model" (looked up when the message is made)."""
    return set_params(model, {"weight": w.detach().view(1, 1), "bias": b.detach()},
                      _("the model") if what is None else what)


def linear(child, case):
    """nn.Linear(1, 1) in the child, holding the case's w and b."""
    return with_house_weights(child.fixture("linear", 1, 1), *case.weights())


def learner_loss(child, model, x, y):
    """loss_of(model, x, y) in the child: (its handle, its value)."""
    loss = child.get("loss_of")(model, x, y)
    return loss, tensor(loss, "loss_of(model, x, y)")


def run_fit(child, ref, case):
    """Both fits from the same w and b on the same houses: (model, losses, w, b, expected losses). losses is None
    when fit returns None, as the seed's training loop keeps no losses: the parameters are compared all the same,
    and each epoch's loss is the loss check's (loss_of, on the weights of that epoch)."""
    x, y = case.data()
    model, opt = model_pair(child.get("get_model")(case.lr))
    with_house_weights(model, *case.weights(), what=_("the model from get_model"))
    got = child.get("fit")(model, opt, x, y, case.epochs)
    w, b = case.weights()
    expected = ref.fit(x, y, w, b, case.lr, case.epochs)
    try:
        losses = got.value()
    except NotPlain:
        losses = got.type
    if losses is None:
        return params(model), None, w, b, torch.tensor(expected)
    if not isinstance(losses, (list, tuple)) or len(losses) != case.epochs:
        raise Mismatch("fit(model, opt, x, y, epochs)", _("should return a list of {epochs} losses, one per epoch "
                                                          "(or None), got {value}").format(
            epochs=case.epochs, value=f"{losses!r:.80}"))
    try:
        losses = torch.tensor([float(v) for v in losses])
    except (TypeError, ValueError, RuntimeError):
        raise Mismatch(_("the losses fit returns"), _("should be numbers (loss.item()), got {value}").format(
            value=f"{losses!r:.80}")) from None
    got_params = params(model)
    return got_params, losses, w, b, torch.tensor(expected)


@judge('model-and-sgd', strategy=S.house_learning_rates, edges=(0.1,), max_examples=4)
def model_and_optimizer(child, ref, lr):
    model, opt = model_pair(child.get("get_model")(lr))
    found = child.observe("modules", model)
    top = found[0] if found else ("", model.type, {})
    if top[1] != "Linear" or len(found) != 1 or {n: tuple(s) for n, s in top[2].items()} != {"weight": (1, 1),
                                                                                            "bias": (1,)}:
        raise Mismatch(_("the model"), _("is {type} with parameters {params}, expected nn.Linear(1, 1): one input "
                                         "(the area), one output (the price), weight (1, 1) and bias (1,).").format(
            type=top[1], params=top[2]))
    expect_sgd(model, opt, lr)


@judge('loss', strategy=S.houses, edges=S.HOUSE_EDGES, max_examples=7)
def loss_matches(child, ref, case):
    x, y = case.data()
    w, b = case.weights()
    _handle, loss = learner_loss(child, linear(child, case), x, y)
    expected = ref.mse(ref.predict(x, w, b), y)
    table = ((ref.predict(x, w, b)[:, None] - y[None, :]) ** 2).mean()  # (n, 1) - (n,) -> (n, n): the slip
    if loss.numel() == 1 and case.n > 1 and torch.isclose(loss.detach().reshape(()), table) \
            and not torch.isclose(table, expected):
        raise Mismatch("loss_of(model, x, y)", _(
            "is {loss}, the mean of the ({size}, {size}) table that predictions (n, 1) against prices (n,) "
            "broadcast to: every prediction minus every price. The mean squared error is {expected}.").format(
            loss=f"{loss.item():.6g}", size=case.n, expected=f"{expected.item():.6g}"))
    assert_same(loss, expected.detach(), "loss_of(model, x, y)")


@judge('gradients', strategy=S.houses, edges=S.HOUSE_EDGES, max_examples=5)
def gradients_match(child, ref, case):
    x, y = case.data()
    w, b = leaf_copies(*case.weights())
    model = linear(child, case)
    loss, _value = learner_loss(child, model, x, y)
    if not child.observe("requires_grad", loss):
        raise Mismatch("loss_of(model, x, y)", _("does not require grad: it was computed outside the model's graph."))
    loss.attr("backward")()
    ref.mse(ref.predict(x, w, b), y).backward()
    grads = params(model, grads=True)
    for name in ("weight", "bias"):
        if grads.get(name) is None:
            raise Mismatch(f"{name}.grad", _("is None after loss.backward(): the loss does not depend on it."))
    assert_same(grads["weight"].reshape(1), w.grad, _("gradient of weight (as w)"))
    assert_same(grads["bias"], b.grad, _("gradient of bias"))




def where_it_parts(child, case) -> tuple[str, str]:
    """On the final failing case (not while shrinking), the learner's fit traced once more from the same w and
    b, beside the right training traced in the judge (kata.steps.common.training.traced_parting): whether the
    gradients (not zeroed, or a wrong loss), the optimizer's view of them, its momentum or the step part first.
    The judge's side is the lesson's own model, nn.Linear(1, 1) with the mean squared error, updated by hand as
    plain SGD does (no optimizer: the judge does not import what one costs): its leaves meet the learner's in
    the same order, weight (1, 1) and bias (1,)."""
    if not child.explain:
        return "", ""
    w, b = case.weights()

    def mine(x, y, epochs):
        model, opt = model_pair(child.get("get_model")(case.lr))
        with_house_weights(model, w, b, what=_("the model from get_model"))
        child.get("fit")(model, opt, x, y, epochs)

    def expected(x, y, epochs):
        layer = torch.nn.Linear(1, 1, dtype=w.dtype)
        with torch.no_grad():
            layer.weight.copy_(w.detach().view(1, 1))
            layer.bias.copy_(b.detach())
        for _epoch in range(epochs):
            loss = torch.nn.functional.mse_loss(layer(x.unsqueeze(1)), y.unsqueeze(1))  # (n, 1) against (n, 1)
            loss.backward()
            with torch.no_grad():
                for p in layer.parameters():
                    p -= case.lr * p.grad
                    p.grad = None
        return dict(layer.named_parameters())

    return traced_parting(child, *case.data(), mine, expected, case.epochs)


def compare_fit(child, ref, case, losses_are: str, weight_is: str, bias_is: str) -> None:
    """fit against the hand-written fit: the losses it returns, then weight and bias; where they part, said."""
    got, losses, w, b, expected = run_fit(child, ref, case)
    try:
        if losses is not None:
            assert_same(losses, expected, losses_are)
        assert_same(got["weight"].reshape(1), w.detach(), weight_is)
        assert_same(got["bias"], b.detach(), bias_is)
    except Mismatch as e:
        where, mistake = where_it_parts(child, case)
        raise Mismatch(e.what, f"{e.detail}\n{where}" if where else e.detail, mistake) from None


@judge('one-update', strategy=S.one_house_update, edges=S.ONE_HOUSE_UPDATE_EDGES, max_examples=5)
def one_update_matches(child, ref, case):
    compare_fit(child, ref, case, _("the loss fit returns"), _("weight after one update (as w)"),
                _("bias after one update"))


@judge('k-updates', strategy=S.houses, edges=S.HOUSE_EDGES, max_examples=5)
def every_update_matches(child, ref, case):
    compare_fit(child, ref, case, _("the losses fit returns, epoch by epoch (each after the updates before it)"),
                _("weight after fit (as w)"), _("bias after fit"))
