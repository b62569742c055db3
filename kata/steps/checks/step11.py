"""step11_device against the reference step10_wrapped.

The placement checks need no GPU: they also ask for the "meta" device, which holds shapes
and no data, so a tensor or parameter left behind on the CPU shows on any machine. The last
check trains on the GPU and compares with the CPU; without a GPU it is skipped, saying why.
Both runs are in float64, the checks' dtype, where the GPU takes no TF32 shortcuts: they agree
up to rounding, within assert_close's float64 tolerance.
"""
import torch
import torch.nn.functional as F

from kata.steps import strategies as S
from kata.steps.checks.base import Skip, prop
from kata.steps.checks.fixtures import (Unlike, as_losses, compare_fits, conv_parameters, expect_momentum_sgd, in_order, model_pair,
                                  quietly, with_convs)
from kata.engine.compare import as_tensor, assert_same

PICK, MOVE, SAME = 0, 1, 2  # the step's hints, by index
CPU, META = torch.device("cpu"), torch.device("meta")
NO_GPU = ("no CUDA GPU here, torch.cuda.is_available() is False. Where there is one, this check trains on it "
          "and compares with the CPU.")


def devices_to_try() -> list[torch.device]:
    """meta on every machine (placement without data), cuda where there is one."""
    return [META] + ([torch.device("cuda")] if torch.cuda.is_available() else [])


def about(dev: torch.device) -> str:
    return " (the meta device: tensors with a shape and no data, to see where things go without a GPU)" \
        if dev.type == "meta" else ""


def moved(learner, x, y, dev):
    got = learner.preprocess(x, y, dev)
    if not (isinstance(got, (tuple, list)) and len(got) == 2):
        raise Unlike("preprocess(x, y, dev)", f"should return the pair (x, y), got {type(got).__name__}.")
    return as_tensor(got[0], "x from preprocess(x, y, dev)"), as_tensor(got[1], "y from preprocess(x, y, dev)")


@prop("get_device() is torch.device('cuda') when torch.cuda.is_available(), else torch.device('cpu')",
      uses=("get_device",), strategy=S.machines, edges=S.MACHINE_EDGES, max_examples=2, hint=PICK)
def picks_the_device(learner, ref, machine):
    real = torch.cuda.is_available
    torch.cuda.is_available = lambda: machine.gpu  # what get_device() asks, answered as on that machine
    try:
        dev = learner.get_device()
    finally:
        torch.cuda.is_available = real
    expected = "cuda" if machine.gpu else "cpu"
    if not isinstance(dev, torch.device):
        raise Unlike("get_device()", f"returned {type(dev).__name__} {dev!r}, expected torch.device('{expected}').")
    if dev.type != expected:
        why = " There is no GPU there: every .to(dev) would fail." if not machine.gpu else ""
        raise Unlike("get_device()", f"returned {dev} on {machine}; expected torch.device('{expected}').{why}")


@prop("preprocess(x, y, dev) gives step10's (bs, 1, 28, 28) images and targets, both moved to dev",
      uses=("preprocess",), strategy=S.digits, edges=S.DIGIT_EDGES, max_examples=5, hint=MOVE)
def preprocess_moves_the_batch(learner, ref, case):
    x, y = case.x(), case.y()
    xb, yb = moved(learner, x, y, CPU)
    expected_x, expected_y = ref.preprocess(x, y)
    assert_same(xb, expected_x, "x from preprocess(x, y, torch.device('cpu'))")
    assert_same(yb, expected_y, "y from preprocess(x, y, torch.device('cpu'))")
    for dev in devices_to_try():
        for name, t in zip("xy", moved(learner, x, y, dev)):
            if t.device.type != dev.type:
                raise Unlike(f"{name} from preprocess(x, y, dev)", f"is on {t.device}, expected dev = {dev}"
                               f"{about(dev)}. The model sits on dev: every tensor it meets must be there too.")


@prop("get_model(lr, dev) puts every parameter on dev, and opt is SGD over them with that lr and momentum 0.9",
      uses=("get_model",), strategy=S.cnn_learning_rates, edges=(0.1,), max_examples=2, hint=MOVE)
def model_on_the_device(learner, ref, lr):
    for dev in devices_to_try():
        model, opt = model_pair(learner.get_model(lr, dev), "get_model(lr, dev)")
        elsewhere = [f"{n} on {p.device}" for n, p in model.named_parameters() if p.device.type != dev.type]
        if elsewhere:
            raise Unlike("get_model(lr, dev)'s model", f"has {', '.join(elsewhere[:3])}"
                           f"{', ...' if len(elsewhere) > 3 else ''}; expected every parameter on dev = {dev}"
                           f"{about(dev)}.")
        expect_momentum_sgd(model, opt, lr)


def fit_on(module, run, dev, x, y, epochs):
    """fit with module's get_model(lr, dev) from the run's weights and loaders that move each batch to dev:
    (convolution parameters on the CPU, validation losses)."""
    torch.manual_seed(run.seed)
    model, opt = model_pair(module.get_model(run.lr, dev) if dev is not None else module.get_model(run.lr))
    with_convs(model, run.conv_weights(), "get_model(lr, dev)'s model")
    move = (lambda xb, yb: module.preprocess(xb, yb, dev)) if dev is not None else module.preprocess  # noqa: E731
    train_dl = module.WrappedDataLoader(in_order(x, y, run.bs), move)
    valid_dl = module.WrappedDataLoader(in_order(*run.valid_data(), run.valid_bs), move)
    got = quietly(module.fit, epochs, model, F.cross_entropy, opt, train_dl, valid_dl)
    return conv_parameters(model, "get_model(lr, dev)'s model"), as_losses(got, epochs)


def compare_on(learner, ref, run, dev: torch.device) -> None:
    """The learner's fit on dev against step10's fit on the CPU (float64: equal up to rounding)."""
    compare_fits(run, lambda x, y, epochs: fit_on(learner, run, dev, x, y, epochs),
                 lambda x, y, epochs: fit_on(ref, run, None, x, y, epochs))


@prop("on the CPU (dev = torch.device('cpu')), fit from step10's weights ≈ step10's fit, validation losses "
      "included", uses=("get_model", "preprocess"), strategy=S.cnn_runs, edges=S.CNN_RUN_EDGES, max_examples=6,
      hint=SAME)
def cpu_fit_matches(learner, ref, run):
    compare_on(learner, ref, run, CPU)


@prop("on a GPU (dev = torch.device('cuda')), fit ≈ step10's fit on the CPU, up to floating-point rounding",
      uses=("get_model", "preprocess"), strategy=S.cnn_runs, edges=S.CNN_RUN_EDGES, max_examples=4, hint=SAME)
def gpu_fit_matches_cpu(learner, ref, run):
    if not torch.cuda.is_available():
        raise Skip(NO_GPU)
    compare_on(learner, ref, run, torch.device("cuda"))


CHECKS = [picks_the_device, preprocess_moves_the_batch, model_on_the_device, cpu_fit_matches, gpu_fit_matches_cpu]
