"""step11_device against the reference step10_wrapped.

The placement checks need no GPU: they also ask for the "meta" device, which holds shapes
and no data, so a tensor or parameter left behind on the CPU shows on any machine. Tensors on
the meta device cannot come back from the learner's child: the judge reads where they live
(the "devices" observer). The last check trains on the GPU and compares with the CPU; without a
GPU it is skipped, saying why. Both runs are in float64, the checks' dtype, where the GPU takes no
TF32 shortcuts: they agree up to rounding, within assert_close's float64 tolerance.
"""
import torch
import torch.nn.functional as F

from kata.engine.compare import assert_same
from kata.steps import strategies as S
from kata.steps.checks.base import Skip, prop
from kata.steps.checks.fixtures import as_losses, compare_fits, in_order, quietly
from kata.steps.checks.fixtures import conv_parameters as ref_conv_parameters
from kata.steps.checks.fixtures import with_convs as ref_with_convs
from kata.steps.checks.judging import Unlike, expect_sgd, model_pair, tensor
from kata.steps.checks.step08 import conv_parameters, losses, with_convs

NO_GPU = ("no CUDA GPU here, torch.cuda.is_available() is False. Where there is one, this check trains on it "
          "and compares with the CPU.")
MOVE = (("Everything an operation uses must be on one device: the model's parameters (model.to(dev) moves them "
        "all, in place) and every batch, x and y both (x.to(dev) returns a moved copy: keep what it returns)."),
        "Use the dev the function is given, not a device picked inside it: the caller decides where things go.")
SAME = ("Only where tensors live changes: on the CPU the numbers are exactly step10's.",
        ("get_model(lr, dev) moves the model before building the optimizer; the loaders' preprocess moves each batch "
        "to the same dev; fit and loss_batch stay step10's."),
        "def on_dev(x, y): return preprocess(x, y, dev); WrappedDataLoader(dl, on_dev) for both loaders")


def devices_to_try() -> list[str]:
    """meta on every machine (placement without data), cuda where there is one."""
    return ["meta"] + (["cuda"] if torch.cuda.is_available() else [])


def about(dev: str) -> str:
    return " (the meta device: tensors with a shape and no data, to see where things go without a GPU)" \
        if dev == "meta" else ""


def moved(child, x, y, dev: str):
    """Handles to preprocess(x, y, torch.device(dev)), checked to be a pair."""
    got = child.get("preprocess")(x, y, child.fixture("device", dev))
    if got.unpack(2) is None:
        raise Unlike("preprocess(x, y, dev)", f"should return the pair (x, y), got {got.type}.")
    return got


@prop("step11.get-device", "get_device() is torch.device('cuda') when torch.cuda.is_available(), else "
      "torch.device('cpu')", stage="structure", uses=("get_device",), strategy=S.machines, edges=S.MACHINE_EDGES,
      max_examples=2,
      hints=(("torch.cuda.is_available() says whether there is a GPU; torch.device(\"cuda\") and torch.device(\"cpu\") "
             "name the two places a tensor can live."),
             "Ask torch.cuda.is_available() inside get_device, each time it is called, and return a torch.device.",
             "return torch.device(<\"cuda\" if there is a GPU, else \"cpu\">)"))
def picks_the_device(child, ref, machine):
    dev = child.get("get_device")(cuda=machine.gpu)  # torch.cuda.is_available() answers as on that machine
    expected = "cuda" if machine.gpu else "cpu"
    if not dev.is_a("device"):
        shown = f" {dev.value()!r:.80}" if dev.plain else ""
        raise Unlike("get_device()", f"returned {dev.type}{shown}, expected torch.device('{expected}').")
    got = str(dev.value()).split(":")[0]
    if got != expected:
        why = " There is no GPU there: every .to(dev) would fail." if not machine.gpu else ""
        raise Unlike("get_device()", f"returned {dev.value()} on {machine}; expected torch.device('{expected}').{why}")


@prop("step11.preprocess", "preprocess(x, y, dev) gives step10's (bs, 1, 28, 28) images and targets, both moved to "
      "dev", stage="structure", uses=("preprocess",), strategy=S.digits, edges=S.DIGIT_EDGES, max_examples=5,
      hints=MOVE + ("return x.view(-1, 1, 28, 28).to(<dev>), <y moved too>",))
def preprocess_moves_the_batch(child, ref, case):
    x, y = case.x(), case.y()
    xb, yb = moved(child, x, y, "cpu").unpack(2)
    expected_x, expected_y = ref.preprocess(x, y)
    assert_same(tensor(xb, "x from preprocess(x, y, torch.device('cpu'))"), expected_x,
                "x from preprocess(x, y, torch.device('cpu'))")
    assert_same(tensor(yb, "y from preprocess(x, y, torch.device('cpu'))"), expected_y,
                "y from preprocess(x, y, torch.device('cpu'))")
    for dev in devices_to_try():
        where = child.observe("devices", moved(child, x, y, dev))  # {"0": device of x, "1": device of y}
        for name, i in (("x", "0"), ("y", "1")):
            if where.get(i, "?").split(":")[0] != dev:
                raise Unlike(f"{name} from preprocess(x, y, dev)", f"is on {where.get(i)}, expected dev = {dev}"
                             f"{about(dev)}. The model sits on dev: every tensor it meets must be there too.")


@prop("step11.model-on-device",
      "get_model(lr, dev) puts every parameter on dev, and opt is SGD over them with that lr and momentum 0.9",
      stage="structure", uses=("get_model",), strategy=S.cnn_learning_rates, edges=(0.1,), max_examples=2,
      hints=(MOVE[0], "model.to(dev) moves every parameter in place; model.cuda() works only where there is a GPU.",
             "model.to(dev) right after building the model, before optim.SGD(model.parameters(), ...)"))
def model_on_the_device(child, ref, lr):
    for dev in devices_to_try():
        model, opt = model_pair(child.get("get_model")(lr, child.fixture("device", dev)), "get_model(lr, dev)")
        where = child.observe("devices", model)
        elsewhere = [f"{n} on {d}" for n, d in where.items() if d.split(":")[0] != dev]
        if elsewhere:
            raise Unlike("get_model(lr, dev)'s model", f"has {', '.join(elsewhere[:3])}"
                         f"{', ...' if len(elsewhere) > 3 else ''}; expected every parameter on dev = {dev}"
                         f"{about(dev)}.")
        expect_sgd(model, opt, lr, 0.9)


def learner_fit(child, run, dev: str, x, y, epochs):
    """fit with the learner's get_model(lr, dev) from the run's weights and loaders that move each batch to dev:
    (convolution parameters, back on the CPU; validation losses)."""
    device = child.fixture("device", dev)
    model, opt = model_pair(child.get("get_model")(run.lr, device, seed=run.seed), "get_model(lr, dev)")
    with_convs(model, run.conv_weights(), "get_model(lr, dev)'s model")
    move = child.fixture("cnn_on_device", child.get("preprocess"), device)
    wrap = child.get("WrappedDataLoader")
    train_dl = wrap(child.fixture("in_order", x, y, run.bs), move)
    valid_dl = wrap(child.fixture("in_order", *run.valid_data(), run.valid_bs), move)
    got = child.get("fit")(epochs, model, child.fixture("cross_entropy"), opt, train_dl, valid_dl)
    return conv_parameters(model, "get_model(lr, dev)'s model"), losses(got, epochs)


def reference_fit(ref, run, x, y, epochs):
    """step10's fit on the CPU, from the same weights."""
    torch.manual_seed(run.seed)
    model, opt = ref.get_model(run.lr)
    ref_with_convs(model, run.conv_weights(), "step10's model")
    train_dl = ref.WrappedDataLoader(in_order(x, y, run.bs), ref.preprocess)
    valid_dl = ref.WrappedDataLoader(in_order(*run.valid_data(), run.valid_bs), ref.preprocess)
    got = quietly(ref.fit, epochs, model, F.cross_entropy, opt, train_dl, valid_dl)
    return ref_conv_parameters(model, "step10's model"), as_losses(got, epochs)


def compare_on(child, ref, run, dev: str) -> None:
    """The learner's fit on dev against step10's fit on the CPU (float64: equal up to rounding)."""
    compare_fits(run, lambda x, y, epochs: learner_fit(child, run, dev, x, y, epochs),
                 lambda x, y, epochs: reference_fit(ref, run, x, y, epochs))


@prop("step11.cpu-fit", "on the CPU (dev = torch.device('cpu')), fit from step10's weights ≈ step10's fit, "
      "validation losses included", stage="update", uses=("get_model", "preprocess"), strategy=S.cnn_runs,
      edges=S.CNN_RUN_EDGES, max_examples=6, hints=SAME)
def cpu_fit_matches(child, ref, run):
    compare_on(child, ref, run, "cpu")


@prop("step11.gpu-fit", "on a GPU (dev = torch.device('cuda')), fit ≈ step10's fit on the CPU, up to "
      "floating-point rounding", stage="update", uses=("get_model", "preprocess"), strategy=S.cnn_runs,
      edges=S.CNN_RUN_EDGES, max_examples=4,
      hints=("On a GPU the same float64 arithmetic runs elsewhere: the results agree with the CPU's up to rounding.",
             ("Every tensor the model meets must be on the GPU: the parameters (model.to(dev)) and both x and y of "
             "every batch, training and validation."),
             "get_model(lr, dev) moves the model; preprocess(x, y, dev) returns x and y moved with .to(dev)"))
def gpu_fit_matches_cpu(child, ref, run):
    if not torch.cuda.is_available():
        raise Skip(NO_GPU)
    compare_on(child, ref, run, "cuda")


CHECKS = [picks_the_device, preprocess_moves_the_batch, model_on_the_device, cpu_fit_matches, gpu_fit_matches_cpu]
