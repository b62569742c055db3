"""step12_device against the reference step11_wrapped.

The placement checks need no GPU: they also ask for the "meta" device, which holds shapes
and no data, so a tensor or parameter left behind on the CPU shows on any machine. Tensors on
the meta device cannot come back from the learner's child: the judge reads where they live
(the "devices" observer). The last check trains on the GPU and compares with the CPU; without a
GPU it is skipped, saying why. Both runs are in float64, the checks' dtype, where the GPU takes no
TF32 shortcuts: they agree up to rounding, within assert_close's float64 tolerance.
"""
import torch
import torch.nn.functional as F

from kata.i18n import _
from kata.judging.compare import assert_same
from kata.steps import strategies as S
from kata.steps.common.base import Skip, judge
from kata.steps.common.fixtures import as_losses, in_order, quietly
from kata.steps.common.fixtures import conv_parameters as ref_conv_parameters
from kata.steps.common.fixtures import with_convs as ref_with_convs
from kata.steps.common.judging import Unlike, expect_sgd, model_pair, tensor
from kata.steps.common.training import compare_fits
from kata.steps.step09.judges import conv_parameters, losses, with_convs


def devices_to_try() -> list[str]:
    """meta on every machine (placement without data), cuda where there is one."""
    return ["meta"] + (["cuda"] if torch.cuda.is_available() else [])


def about(dev: str) -> str:
    return " " + _("(the meta device: tensors with a shape and no data, to see where things go without a GPU)") \
        if dev == "meta" else ""


def moved(child, x, y, dev: str):
    """Handles to preprocess(x, y, torch.device(dev)), checked to be a pair."""
    got = child.get("preprocess")(x, y, child.fixture("device", dev))
    if got.unpack(2) is None:
        raise Unlike("preprocess(x, y, dev)", _("should return the pair (x, y), got {type}.").format(type=got.type))
    return got


@judge('get-device', strategy=S.machines, edges=S.MACHINE_EDGES, max_examples=2)
def picks_the_device(child, ref, machine):
    dev = child.get("get_device")(cuda=machine.gpu)  # torch.cuda.is_available() answers as on that machine
    expected = "cuda" if machine.gpu else "cpu"
    if not dev.is_a("device"):
        shown = f" {dev.value()!r:.80}" if dev.plain else ""
        raise Unlike("get_device()", _("returned {type}{shown}, expected torch.device('{expected}').").format(
            type=dev.type, shown=shown, expected=expected))
    got = str(dev.value()).split(":")[0]
    if got != expected:
        why = " " + _("There is no GPU there: every .to(dev) would fail.") if not machine.gpu else ""
        raise Unlike("get_device()", _("returned {device} on {machine}; expected torch.device('{expected}').{why}").format(
            device=dev.value(), machine=machine, expected=expected, why=why))


@judge('preprocess', strategy=S.digits, edges=S.DIGIT_EDGES, max_examples=5)
def preprocess_moves_the_batch(child, ref, case):
    x, y = case.x(), case.y()
    xb, yb = moved(child, x, y, "cpu").unpack(2)
    expected_x, expected_y = ref.preprocess(x, y)
    assert_same(tensor(xb, _("x from preprocess(x, y, torch.device('cpu'))")), expected_x,
                _("x from preprocess(x, y, torch.device('cpu'))"))
    assert_same(tensor(yb, _("y from preprocess(x, y, torch.device('cpu'))")), expected_y,
                _("y from preprocess(x, y, torch.device('cpu'))"))
    for dev in devices_to_try():
        where = child.observe("devices", moved(child, x, y, dev))  # {"0": device of x, "1": device of y}
        for name, i in (("x", "0"), ("y", "1")):
            if where.get(i, "?").split(":")[0] != dev:
                raise Unlike(_("{name} from preprocess(x, y, dev)").format(name=name),
                             _("is on {where}, expected dev = {dev}{about}. The model sits on dev: every tensor it "
                               "meets must be there too.").format(where=where.get(i), dev=dev, about=about(dev)))


@judge('model-on-device', strategy=S.cnn_learning_rates, edges=(0.1,), max_examples=2)
def model_on_the_device(child, ref, lr):
    for dev in devices_to_try():
        model, opt = model_pair(child.get("get_model")(lr, child.fixture("device", dev)), "get_model(lr, dev)")
        where = child.observe("devices", model)
        elsewhere = [_("{name} on {device}").format(name=n, device=d) for n, d in where.items()
                     if d.split(":")[0] != dev]
        if elsewhere:
            raise Unlike(_("get_model(lr, dev)'s model"), _("has {found}; expected every parameter on dev = "
                                                           "{dev}{about}.").format(
                found=", ".join(elsewhere[:3]) + (", ..." if len(elsewhere) > 3 else ""), dev=dev, about=about(dev)))
        expect_sgd(model, opt, lr, 0.9)


def learner_fit(child, run, dev: str, x, y, epochs):
    """fit with the learner's get_model(lr, dev) from the run's weights and loaders that move each batch to dev:
    (convolution parameters, back on the CPU; validation losses)."""
    device = child.fixture("device", dev)
    model, opt = model_pair(child.get("get_model")(run.lr, device, seed=run.seed), "get_model(lr, dev)")
    with_convs(model, run.conv_weights(), _("get_model(lr, dev)'s model"))
    move = child.fixture("cnn_on_device", child.get("preprocess"), device)
    wrap = child.get("WrappedDataLoader")
    train_dl = wrap(child.fixture("in_order", x, y, run.bs), move)
    valid_dl = wrap(child.fixture("in_order", *run.valid_data(), run.valid_bs), move)
    got = child.get("fit")(epochs, model, child.fixture("cross_entropy"), opt, train_dl, valid_dl, capture=True)
    return conv_parameters(model, _("get_model(lr, dev)'s model")), losses(got, epochs)


def reference_fit(ref, run, x, y, epochs):
    """step11's fit on the CPU, from the same weights."""
    torch.manual_seed(run.seed)
    model, opt = ref.get_model(run.lr)
    ref_with_convs(model, run.conv_weights(), _("step11's model"))
    train_dl = ref.WrappedDataLoader(in_order(x, y, run.bs), ref.preprocess)
    valid_dl = ref.WrappedDataLoader(in_order(*run.valid_data(), run.valid_bs), ref.preprocess)
    got = quietly(ref.fit, epochs, model, F.cross_entropy, opt, train_dl, valid_dl)
    return ref_conv_parameters(model, _("step11's model")), as_losses(got, epochs)


def compare_on(child, ref, run, dev: str) -> None:
    """The learner's fit on dev against step11's fit on the CPU (float64: equal up to rounding)."""
    compare_fits(run, lambda x, y, epochs: learner_fit(child, run, dev, x, y, epochs),
                 lambda x, y, epochs: reference_fit(ref, run, x, y, epochs), child)


@judge('cpu-fit', strategy=S.cnn_runs, edges=S.CNN_RUN_EDGES, max_examples=5)
def cpu_fit_matches(child, ref, run):
    compare_on(child, ref, run, "cpu")


@judge('gpu-fit', strategy=S.cnn_runs, edges=S.CNN_RUN_EDGES, max_examples=4)
def gpu_fit_matches_cpu(child, ref, run):
    if not torch.cuda.is_available():
        raise Skip(_("no CUDA GPU here, torch.cuda.is_available() is False. Where there is one, this check trains "
                     "on it and compares with the CPU."))
    compare_on(child, ref, run, "cuda")
