"""step14_hooks against the printing CNN (kata/steps/baselines/step14_printing.py)."""
import warnings

from kata.i18n import _
from kata.judging.compare import Mismatch, as_tensor, assert_same
from kata.judging.remote import NotPlain
from kata.steps import strategies as S
from kata.steps.common.base import judge
from kata.steps.common.fixtures import printed, seeded
from kata.steps.common.judging import tensor
from kata.steps.step13.judges import copy_parameters, learner_model


def quietly(fn, *args):
    """The printing CNN's fn(*args), here, with its printing captured and torch's warnings silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. conv1's backward hook firing although no input needs a gradient
        return printed(fn, *args)


def models(child, ref, case):
    """(the learner's CNN in the child, the printing CNN here), holding the same weights."""
    expected = seeded(ref.CNN, case.seed, _("the printing CNN()"))
    return copy_parameters(learner_model(child, "CNN", case.seed, "CNN()"), expected, "CNN()"), expected


def run_inspect(child, model, case):
    """inspect(model, xb, yb) in the child: the two lists it returns, as handles."""
    got = child.get("inspect")(model, case.x(), case.y())
    pair = got.unpack(2)
    if pair is None:
        raise Mismatch("inspect(model, xb, yb)", _("should return (outputs, grads), got {type}.").format(type=got.type))
    return pair


def log_value(log, what: str):
    """The log as plain data: its value when it came back (a list the judge made is read afresh, as a copy)."""
    try:
        return log.value()
    except NotPlain:
        raise Mismatch(what, _("should be a list of (layer name, tensor) pairs, got {type}.").format(
            type=log.type)) from None


def assert_same_log(got, expected, what: str) -> None:
    """The same layer names in the same order, then each recorded tensor ≈."""
    if not isinstance(got, list) or not all(isinstance(e, tuple) and len(e) == 2 for e in got):
        raise Mismatch(what, _("should be a list of (layer name, tensor) pairs, got {value}").format(
            value=f"{got!r:.100}"))
    names, expected_names = [n for n, _value in got], [n for n, _value in expected]
    if names != expected_names:
        raise Mismatch(what, _("recorded layers {names}, expected {expected}.").format(names=names,
                                                                                     expected=expected_names))
    for (name, value), (_name, expected_value) in zip(got, expected):
        assert_same(as_tensor(value, f"{what}: {name}"), expected_value, f"{what}: {name}")


@judge('forward', strategy=S.hook_images, edges=S.HOOK_EDGES, max_examples=2)
def forward_matches(child, ref, case):
    model, expected_model = models(child, ref, case)
    x = case.x()
    expected, _printed = quietly(expected_model, x)
    got = model(x, capture=True)
    if got.printed:
        raise Mismatch("CNN()(xb)", _("printed {text}: forward should print nothing now.").format(
            text=repr(got.printed.strip()[:120])))
    assert_same(tensor(got, "CNN()(xb)"), expected.detach(), "CNN()(xb)")


@judge('record-output', strategy=S.hook_images, edges=S.HOOK_EDGES, max_examples=3)
def record_output_works(child, ref, case):
    layer = child.fixture("conv", 1, 4)  # (bs, 1, 28, 28) -> (bs, 4, 14, 14): input and output differ in shape
    log = child.fixture("list")
    handle = layer.attr("register_forward_hook")(child.get("record_output")(log, "conv"))
    x = case.x()
    first = tensor(layer(x), _("the layer's output"))
    second = tensor(layer(2 * x), _("the layer's output"))
    handle.attr("remove")()
    assert_same_log(log_value(log.attr("copy")(), _("the output log")), [("conv", first), ("conv", second)],
                    _("the output log from two calls of the layer"))


@judge('record-grad', strategy=S.hook_images, edges=S.HOOK_EDGES, max_examples=3)
def record_grad_works(child, ref, case):
    layer = child.fixture("conv", 1, 4)  # (bs, 1, 28, 28) -> (bs, 4, 14, 14)
    log = child.fixture("list")
    handle = layer.attr("register_full_backward_hook")(child.get("record_grad")(log, "conv"))
    out = layer(child.fixture("leaf", case.x()))
    child.fixture("half_square_backward")(out)  # loss = (out ** 2 / 2).sum(): d loss / d out = out
    handle.attr("remove")()
    assert_same_log(log_value(log.attr("copy")(), _("the gradient log")),
                    [("conv", tensor(out, _("the layer's output")))], _("the gradient log from backward"))


@judge('inspect-outputs', strategy=S.hook_images, edges=S.HOOK_EDGES, max_examples=2)
def inspect_outputs(child, ref, case):
    model, expected_model = models(child, ref, case)
    outputs, _grads = run_inspect(child, model, case)
    (expected, _expected_grads), _printed = quietly(ref.inspect, expected_model, case.x(), case.y())
    assert_same_log(log_value(outputs, "outputs"), expected, _("outputs recorded by inspect"))


@judge('inspect-grads', strategy=S.hook_images, edges=S.HOOK_EDGES, max_examples=2)
def inspect_grads(child, ref, case):
    model, expected_model = models(child, ref, case)
    _outputs, grads = run_inspect(child, model, case)
    (_expected_outputs, expected), _printed = quietly(ref.inspect, expected_model, case.x(), case.y())
    assert_same_log(log_value(grads, "grads"), expected, _("gradients recorded by inspect"))


@judge('calls-module', strategy=S.hook_images, edges=S.HOOK_EDGES[:1], max_examples=2)
def calls_the_module(child, ref, case):
    model, _expected_model = models(child, ref, case)
    counter = child.fixture("forward_calls", model)
    run_inspect(child, model, case)
    calls = child.observe("forward_calls", counter)
    for name, n in calls.items():
        if n != 1:
            who = _("a forward hook on layer {name}").format(name=name) if name else _("a forward hook on the model")
            how = f"self.{name}(x)" if name else "model(xb)"
            raise Mismatch(who, _("ran {n} times during inspect, expected once: {how} runs hooks, .forward(...) skips "
                                  "them.").format(n=n, how=how))


@judge('hooks-removed', strategy=S.hook_images, edges=S.HOOK_EDGES[:1], max_examples=2)
def hooks_removed(child, ref, case):
    model, _expected_model = models(child, ref, case)
    outputs, grads = run_inspect(child, model, case)
    first = log_value(outputs, "outputs"), log_value(grads, "grads")
    counts = child.observe("length", outputs), child.observe("length", grads)
    again_outputs, again_grads = run_inspect(child, model, case)
    later = child.observe("length", outputs), child.observe("length", grads)
    if later != counts:
        raise Mismatch(_("the lists returned by the first inspect"), _(
            "grew from {outputs} outputs and {grads} gradients to {later_outputs} and {later_grads} during a second "
            "inspect: the first one's hooks are still registered.").format(
            outputs=counts[0], grads=counts[1], later_outputs=later[0], later_grads=later[1]))
    assert_same_log(log_value(again_outputs, "outputs"), first[0], _("outputs recorded by a second inspect"))
    assert_same_log(log_value(again_grads, "grads"), first[1], _("gradients recorded by a second inspect"))
    left = child.observe("hooks", model)
    if left["forward"] or left["backward"]:
        raise Mismatch(_("hooks still registered once inspect returns"), _(
            "{forward} forward and {backward} backward hooks on the model and its layers: remove each hook's "
            "handle.").format(forward=left['forward'], backward=left['backward']))
