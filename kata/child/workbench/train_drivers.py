"""How `--train` drives a step's own code, one epoch at a time, by family (a step declares its
family in `Train`): the same driver runs the reference in the grader and the learner's code in its
confined child, so both are built, trained and measured alike. torch only (loaded into the child).
"""
from __future__ import annotations

import contextlib
import inspect
import io
from dataclasses import dataclass, field
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import TensorDataset

from kata.child import seeding

CHUNK = 2000  # rows scored at once when measuring


@dataclass
class Data:
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_valid: torch.Tensor
    y_valid: torch.Tensor
    classify: bool = True  # False: a regression, measured by its mean squared error alone


@dataclass
class Trainee:
    """One model being trained by one step's code."""

    params: list[torch.Tensor]  # in creation order, to copy initial weights across
    epoch: Callable[[], None]  # one epoch of the step's own fit
    scores: Callable[[torch.Tensor], torch.Tensor]  # rows of x -> (n, 10) scores (or (n,) predictions)
    model: nn.Module | None = None
    history: list[dict] = field(default_factory=list)


def quiet(fn, *args):
    """A step's fit prints its own per-epoch lines: train mode prints its own table."""
    with contextlib.redirect_stdout(io.StringIO()):
        return fn(*args)


def functional(m, data: Data, lr: float | None, bs: int, seed: int) -> Trainee:
    w, b = m.init_weights()
    lr = 0.5 if lr is None else lr
    return Trainee([w, b], lambda: m.fit(data.x_train, data.y_train, w, b, lr, 1, bs), lambda x: m.model(x, w, b))


def module(m, data: Data, lr: float | None, bs: int, seed: int) -> Trainee:
    model = m.Mnist_Logistic()
    lr = 0.5 if lr is None else lr
    return Trainee(list(model.parameters()), lambda: m.fit(model, data.x_train, data.y_train, lr, 1, bs), model,
                   model)


def optim(m, data: Data, lr: float | None, bs: int, seed: int, feed: str = "") -> Trainee:
    model, opt = m.get_model(0.5 if lr is None else lr)
    ds = TensorDataset(data.x_train, data.y_train)
    if feed == "loader":
        dl = m.get_dataloader(ds, bs)
        epoch = lambda: m.fit(model, opt, dl, 1)  # noqa: E731
    elif feed == "dataset":
        epoch = lambda: m.fit(model, opt, ds, 1, bs)  # noqa: E731
    else:
        epoch = lambda: m.fit(model, opt, data.x_train, data.y_train, 1, bs)  # noqa: E731
    return Trainee(list(model.parameters()), epoch, model, model)


def validation(m, data: Data, lr: float | None, bs: int, seed: int) -> Trainee:
    device = m.get_device() if hasattr(m, "get_device") else None
    if device is None:
        model, opt = m.get_model() if lr is None else m.get_model(lr)
    else:
        model, opt = m.get_model(dev=device) if lr is None else m.get_model(lr, device)
    train_dl, valid_dl = get_data(m, TensorDataset(data.x_train, data.y_train),
                                  TensorDataset(data.x_valid, data.y_valid), bs, seed)
    scores = model
    if hasattr(m, "WrappedDataLoader"):  # the loaders reshape (and move) every batch
        prep = m.preprocess if device is None else (lambda x, y: m.preprocess(x, y, device))
        train_dl, valid_dl = m.WrappedDataLoader(train_dl, prep), m.WrappedDataLoader(valid_dl, prep)

        def scores(x):
            return model(prep(x, torch.zeros(len(x), dtype=torch.int64))[0]).cpu()

    return Trainee(list(model.parameters()), lambda: quiet(m.fit, 1, model, m.loss_func, opt, train_dl, valid_dl),
                   scores, model)


def get_data(m, train_ds, valid_ds, bs: int, seed: int):
    """m.get_data(train_ds, valid_ds, bs, seed); the tutorial's get_data takes no seed (its loader shuffles with
    torch's global generator, which build() seeded): then m.get_data(train_ds, valid_ds, bs)."""
    try:
        inspect.signature(m.get_data).bind(train_ds, valid_ds, bs, seed)
    except TypeError:
        return m.get_data(train_ds, valid_ds, bs)
    except ValueError:  # no signature to read: call it as the reference is called
        pass
    return m.get_data(train_ds, valid_ds, bs, seed)


def flatten(m, data: Data, lr: float | None, bs: int, seed: int) -> Trainee:
    model = m.CNN()
    images = data.x_train.view(-1, 1, 28, 28)  # (n, 784) -> (n, 1, 28, 28)
    lr = 0.05 if lr is None else lr
    return Trainee(list(model.parameters()), lambda: m.train(model, images, data.y_train, lr, 1, 16),
                   lambda x: model(x.view(-1, 1, 28, 28)), model)


def regression(m, data: Data, lr: float | None, bs: int, seed: int) -> Trainee:
    model, opt = m.get_model(0.3 if lr is None else lr)
    return Trainee(list(model.parameters()), lambda: m.fit(model, opt, data.x_train, data.y_train, 1),
                   lambda x: model(x.unsqueeze(1)).squeeze(1), model)


def regression_by_hand(m, data: Data, lr: float | None, bs: int, seed: int) -> Trainee:
    w, b = torch.zeros(1, requires_grad=True), torch.zeros(1, requires_grad=True)
    lr = 0.3 if lr is None else lr
    return Trainee([w, b], lambda: m.fit(data.x_train, data.y_train, w, b, lr, 1), lambda x: m.predict(x, w, b))


FAMILIES = {"functional": functional, "module": module, "optim": optim,
            "optim_dataset": lambda *a: optim(*a, feed="dataset"), "optim_loader": lambda *a: optim(*a, feed="loader"),
            "validation": validation, "flatten": flatten, "regression": regression,
            "regression_by_hand": regression_by_hand}


def build(family: str, m, data: Data, lr: float | None, bs: int, seed: int) -> Trainee:
    seeding.manual_seed(seed)
    return FAMILIES[family](m, data, lr, bs, seed)


@torch.no_grad()
def measure(t: Trainee, data: Data) -> dict:
    """The loss over the whole training set, the loss and accuracy over the whole validation set."""
    if t.model is not None:
        t.model.eval()
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
        if t.model is not None:
            t.model.train()


def align(target: Trainee, source: list[torch.Tensor]) -> bool:
    """Start `target` from the initial weights `source` when the layouts correspond (nn.Linear's
    weight is the transpose of the hand-made one); False when the models differ."""
    if len(source) != len(target.params):
        return False
    pairs = []
    for s, t in zip(source, target.params):
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
            t.copy_(s.to(t.device, t.dtype))
    return True


# what the learner's child offers train mode (kata.child.workbench merges these)
FIXTURES = {"train_data": Data, "trainee": build}
OBSERVERS = {"trainee_params": lambda t: [p.detach().cpu().clone() for p in t.params],
             "align": align, "train_epoch": lambda t: t.epoch(), "measure": measure}
