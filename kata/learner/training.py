"""`python grader.py STEP --train`: train the graded step's model with its own fit, next to the
reference of the step before it, from the same seed and the same initial weights.

Each step's code is driven through its own public names (init_weights/fit, get_model/fit,
get_data, ...), one epoch at a time, so that after every epoch both models are measured the
same way: the loss over the whole training set, and the loss and accuracy over the whole
validation set (never the last batch). For a correct refactor the two columns coincide.
"""
from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass, field
from types import ModuleType
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import TensorDataset

CHUNK = 2000  # rows scored at once when measuring


@dataclass
class Config:
    epochs: int = 2
    bs: int = 64
    lr: float | None = None  # None: the step's own default (0.5 logistic, 0.1 with momentum for the CNN)
    seed: int = 0
    limit: int | None = None  # train on the first `limit` rows only (quick runs, tests)


@dataclass
class Data:
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_valid: torch.Tensor
    y_valid: torch.Tensor
    source: str
    classify: bool = True  # False: a regression, measured by its mean squared error alone


@dataclass
class Trainee:
    """One model being trained by one step's code."""

    label: str
    params: list[torch.Tensor]  # in creation order, to copy initial weights across
    epoch: Callable[[Callable[[], None]], None]  # one epoch of the step's own fit; calls tick() per batch
    scores: Callable[[torch.Tensor], torch.Tensor]  # rows of x -> (n, 10) scores (or (n,) predictions)
    history: list[dict] = field(default_factory=list)


# --- counting batches as the step's own fit runs --------------------------------------------------

@contextlib.contextmanager
def counting_forward(model: nn.Module, tick):
    handle = model.register_forward_pre_hook(lambda module, args: tick() if module.training else None)
    try:
        yield
    finally:
        handle.remove()


@contextlib.contextmanager
def counting_function(module: ModuleType, name: str, tick):
    """Count the calls the step's fit makes to a module-level function (in memory only)."""
    original = getattr(module, name)

    def counted(*args, **kwargs):
        tick()
        return original(*args, **kwargs)

    setattr(module, name, counted)
    try:
        yield
    finally:
        setattr(module, name, original)


def quiet(fn, *args):
    """Run a step's fit that prints its own per-epoch lines: train mode prints its own table."""
    with contextlib.redirect_stdout(io.StringIO()):
        return fn(*args)


# --- one builder per family of steps: how that step's code is driven ---------------------------

def _lr(cfg: Config, default: float) -> float:
    return default if cfg.lr is None else cfg.lr


def functional(m: ModuleType, data: Data, cfg: Config, label: str) -> Trainee:  # step00, step01
    w, b = m.init_weights()
    lr = _lr(cfg, 0.5)

    def epoch(tick):
        with counting_function(m, "model", tick):
            m.fit(data.x_train, data.y_train, w, b, lr, 1, cfg.bs)

    return Trainee(label, [w, b], epoch, lambda x: m.model(x, w, b))


def module_fit(m: ModuleType, data: Data, cfg: Config, label: str) -> Trainee:  # step02, step03
    model = m.Mnist_Logistic()
    lr = _lr(cfg, 0.5)

    def epoch(tick):
        with counting_forward(model, tick):
            m.fit(model, data.x_train, data.y_train, lr, 1, cfg.bs)

    return Trainee(label, list(model.parameters()), epoch, model)


def optim_fit(m: ModuleType, data: Data, cfg: Config, label: str, feed=None) -> Trainee:  # step04..06
    model, opt = m.get_model(_lr(cfg, 0.5))
    train = feed(m, data, cfg) if feed else None

    def epoch(tick):
        with counting_forward(model, tick):
            if feed is None:
                m.fit(model, opt, data.x_train, data.y_train, 1, cfg.bs)
            elif hasattr(m, "get_dataloader"):
                m.fit(model, opt, train, 1)
            else:
                m.fit(model, opt, train, 1, cfg.bs)

    return Trainee(label, list(model.parameters()), epoch, model)


def _dataset(m, data, cfg):
    ds = TensorDataset(data.x_train, data.y_train)
    return m.get_dataloader(ds, cfg.bs) if hasattr(m, "get_dataloader") else ds


def validation_fit(m: ModuleType, data: Data, cfg: Config, label: str) -> Trainee:  # step07..step11
    device = m.get_device() if hasattr(m, "get_device") else None
    model, opt = (m.get_model() if cfg.lr is None else m.get_model(cfg.lr)) if device is None else \
        (m.get_model(dev=device) if cfg.lr is None else m.get_model(cfg.lr, device))
    train_dl, valid_dl = m.get_data(TensorDataset(data.x_train, data.y_train),
                                    TensorDataset(data.x_valid, data.y_valid), cfg.bs, cfg.seed)
    if hasattr(m, "WrappedDataLoader"):  # step10 and on: the loaders reshape (and move) every batch
        prep = m.preprocess if device is None else (lambda x, y: m.preprocess(x, y, device))
        train_dl, valid_dl = m.WrappedDataLoader(train_dl, prep), m.WrappedDataLoader(valid_dl, prep)

        def scores(x):
            return model(prep(x, torch.zeros(len(x), dtype=torch.int64))[0]).cpu()
    else:
        scores = model

    def epoch(tick):
        with counting_forward(model, tick):
            quiet(m.fit, 1, model, m.loss_func, opt, train_dl, valid_dl)

    return Trainee(label, list(model.parameters()), epoch, scores)


def flatten_fit(m: ModuleType, data: Data, cfg: Config, label: str, train=None) -> Trainee:  # step12
    model = m.CNN()
    train = train or m.train
    images = data.x_train.view(-1, 1, 28, 28)  # (n, 784) -> (n, 1, 28, 28)

    def epoch(tick):
        with counting_forward(model, tick):
            train(model, images, data.y_train, _lr(cfg, 0.05), 1, cfg.bs)

    return Trainee(label, list(model.parameters()), epoch, lambda x: model(x.view(-1, 1, 28, 28)))


def regression_fit(m: ModuleType, data: Data, cfg: Config, label: str) -> Trainee:  # step14
    lr = _lr(cfg, 0.3)
    if hasattr(m, "get_model"):
        model, opt = m.get_model(lr)

        def epoch(tick):
            tick()
            m.fit(model, opt, data.x_train, data.y_train, 1)

        return Trainee(label, list(model.parameters()), epoch, lambda x: model(x.unsqueeze(1)).squeeze(1))
    w, b = torch.zeros(1, requires_grad=True), torch.zeros(1, requires_grad=True)  # the hand-written baseline

    def epoch_by_hand(tick):
        tick()
        m.fit(data.x_train, data.y_train, w, b, lr, 1)

    return Trainee(label, [w, b], epoch_by_hand, lambda x: m.predict(x, w, b))


FAMILIES: dict[str, Callable] = {
    "step00": functional, "step01": functional, "step02": module_fit, "step03": module_fit, "step04": optim_fit,
    "step05": lambda m, d, c, lbl: optim_fit(m, d, c, lbl, feed=_dataset),
    "step06": lambda m, d, c, lbl: optim_fit(m, d, c, lbl, feed=_dataset),
    "step07": validation_fit, "step08": validation_fit, "step09": validation_fit, "step10": validation_fit,
    "step11": validation_fit, "step12": flatten_fit, "step14": regression_fit,
}
CNN_STEPS = {"step08", "step09", "step10", "step11", "step12"}


def trainable(step_id: str) -> bool:
    return step_id in FAMILIES


# --- measuring -------------------------------------------------------------------------------------

@torch.no_grad()
def measure(t: Trainee, data: Data) -> dict:
    for p in t.params:
        if isinstance(p, nn.Module):
            p.eval()
    model = t.scores if isinstance(t.scores, nn.Module) else None
    if model is not None:
        model.eval()
    try:
        row = {}
        for split, x, y in (("train", data.x_train, data.y_train), ("valid", data.x_valid, data.y_valid)):
            out = torch.cat([t.scores(x[i:i + CHUNK]) for i in range(0, len(x), CHUNK)])
            if data.classify:
                # cross_entropy takes raw scores and log-probabilities alike (log_softmax is idempotent)
                row[f"{split}_loss"] = F.cross_entropy(out, y).item()
                if split == "valid":
                    row["valid_accuracy"] = (out.argmax(dim=1) == y).float().mean().item()
            else:
                row[f"{split}_loss"] = F.mse_loss(out, y).item()
        return row
    finally:
        if model is not None:
            model.train()


def align(source: Trainee, target: Trainee) -> bool:
    """Start `target` from `source`'s initial weights when the layouts correspond (nn.Linear's
    weight is the transpose of the hand-made one); False when the models differ."""
    if len(source.params) != len(target.params):
        return False
    pairs = []
    for s, t in zip(source.params, target.params):
        if s.shape == t.shape:
            pairs.append((t, s))
        elif s.dim() == 2 and t.dim() == 2 and s.shape == t.shape[::-1]:
            pairs.append((t, s.T))  # (784, 10) by hand -> (10, 784) in nn.Linear
        elif s.numel() == t.numel() and min(s.dim(), t.dim()) <= 1:
            pairs.append((t, s.reshape(t.shape)))
        else:
            return False
    with torch.no_grad():
        for t, s in pairs:
            t.copy_(s.to(t.device))
    return True


# --- the run -------------------------------------------------------------------------------------

def load_data(step_id: str, cfg: Config) -> Data:
    if step_id == "step14":
        from kata.engine import runner
        from kata.steps import registry

        area, price = runner.reference(registry.BY_ID["step14"]).house_prices(n=200, seed=cfg.seed)
        n = cfg.limit or 160
        return Data(area[:n], price[:n], area[160:], price[160:], "200 made-up houses (price = 3 * area + 0.5 + "
                    "noise): 160 to train, 40 to validate", classify=False)
    from kata.data import load_mnist

    mnist = load_mnist()
    if cfg.limit:
        mnist = mnist.subset(min(cfg.limit, len(mnist.x_train)), min(max(cfg.limit // 5, 100), len(mnist.x_valid)))
    return Data(mnist.x_train, mnist.y_train, mnist.x_valid, mnist.y_valid, mnist.source)


def build(step_id: str, module: ModuleType, data: Data, cfg: Config, label: str, baseline_of: str = "") -> Trainee:
    torch.manual_seed(cfg.seed)
    if baseline_of == "step12":  # the hand-written CNN, trained by the step's reference train()
        from kata.engine import runner
        from kata.steps import registry

        return flatten_fit(module, data, cfg, label, train=runner.reference(registry.BY_ID["step12"]).train)
    return FAMILIES[baseline_of or step_id](module, data, cfg, label)


def shown(value: float) -> str:
    return f"{value:.4f}"


def header_text(classify: bool) -> str:
    names = ("train loss", "valid loss", "accuracy") if classify else ("train MSE", "valid MSE")
    return "  ".join(f"{n:>10}" for n in names)


def row_text(row: dict, classify: bool) -> str:
    cells = [shown(row["train_loss"]), shown(row["valid_loss"])] + ([shown(row["valid_accuracy"])] if classify else [])
    return "  ".join(f"{c:>10}" for c in cells)


def coincide(a: dict, b: dict) -> bool:
    """The same numbers as printed (4 decimals): what the learner sees, not a check."""
    return all(shown(a[k]) == shown(b[k]) for k in a)


def plot(trainees: list[Trainee], classify: bool, path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = 2 if classify else 1
    fig, axes = plt.subplots(1, panels, figsize=(5 * panels, 3.6), squeeze=False)
    for t, style in zip(trainees, ("-", "--")):
        epochs = range(1, len(t.history) + 1)
        axes[0][0].plot(epochs, [r["train_loss"] for r in t.history], style, label=f"{t.label}: train")
        axes[0][0].plot(epochs, [r["valid_loss"] for r in t.history], style, label=f"{t.label}: valid")
        if classify:
            axes[0][1].plot(epochs, [r["valid_accuracy"] for r in t.history], style, label=t.label)
    from matplotlib.ticker import MaxNLocator

    for ax in axes[0]:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes[0][0].set(title="loss", xlabel="epoch")
    axes[0][0].legend(fontsize=8)
    if classify:
        axes[0][1].set(title="validation accuracy", xlabel="epoch")
        axes[0][1].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110, metadata={"Software": None})
    plt.close(fig)

