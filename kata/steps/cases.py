"""What a drawn case is: a few small numbers (sizes, a seed, a learning rate) from which torch makes
the exact tensors, so a counterexample reads as one short line ("bs=10, seed=3") that reproduces them.

Tensors are made in torch's current default dtype (float64 while the equivalence checks run).
torch only; the hypothesis strategies that draw these cases are in kata.steps.strategies.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from kata.i18n import _, n_

N_FEATURES = 784  # 28 * 28 pixels


N_CLASSES = 10


def _generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _targets(g: torch.Generator, n: int, one_class: int | None) -> torch.Tensor:
    if one_class is not None:
        return torch.full((n,), one_class, dtype=torch.int64)
    return torch.randint(0, N_CLASSES, (n,), generator=g)  # (n,)


def _class_note(one_class: int | None) -> str:
    return "" if one_class is None else _(", every target is class {c}").format(c=one_class)


@dataclass(frozen=True)
class Batch:
    """One batch: pixels, targets, logits and a set of weights, all made from `seed`."""

    bs: int
    seed: int = 0
    one_class: int | None = None
    scale: float = 3.0  # spread of the logits
    shift: float = 0.0  # added to every logit (large values overflow exp in float32)

    def __str__(self) -> str:
        logits = f", logits = {self.scale:g} * randn + {self.shift:g}" if self.shift else ""
        return f"bs={self.bs}, seed={self.seed}{_class_note(self.one_class)}{logits}"

    def x(self) -> torch.Tensor:
        return torch.rand(self.bs, N_FEATURES, generator=_generator(self.seed))  # (bs, 784) in [0, 1)

    def y(self) -> torch.Tensor:
        return _targets(_generator(self.seed + 1), self.bs, self.one_class)  # (bs,)

    def logits(self, dtype: torch.dtype | None = None) -> torch.Tensor:
        z = torch.randn(self.bs, N_CLASSES, generator=_generator(self.seed + 2), dtype=dtype)
        return z * self.scale + self.shift  # (bs, 10)

    def weights(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Fresh leaf (784, 10) weights and (10,) bias; the bias is non-zero so bias slips show."""
        return make_weights(self.seed + 3)


@dataclass(frozen=True)
class Run:
    """A training run: n rows of data, batch size, epochs, learning rate, all from `seed`."""

    n: int
    bs: int
    epochs: int = 1
    lr: float = 0.5
    seed: int = 0
    one_class: int | None = None

    @property
    def n_batches(self) -> int:
        return math.ceil(self.n / self.bs)

    def __str__(self) -> str:
        last = self.n - (self.n_batches - 1) * self.bs
        batches = _batches(self.n_batches)
        if last != self.bs:
            batches += _last_one(last)
        return (
            n_("n={n} row", "n={n} rows", self.n).format(n=self.n) + f", bs={self.bs} ({batches}), "
            + f"{_epochs(self.epochs)}, lr={self.lr:g}, seed={self.seed}{_class_note(self.one_class)}"
        )

    def data(self) -> tuple[torch.Tensor, torch.Tensor]:
        g = _generator(self.seed)
        x = torch.rand(self.n, N_FEATURES, generator=g)  # (n, 784)
        return x, _targets(g, self.n, self.one_class)  # (n,)

    def weights(self) -> tuple[torch.Tensor, torch.Tensor]:
        return make_weights(self.seed + 1)


def make_weights(seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Leaf weights (784, 10) ~ randn / sqrt(784) and bias (10,) ~ randn / 10, requiring grad."""
    g = _generator(seed)
    w = (torch.randn(N_FEATURES, N_CLASSES, generator=g) / math.sqrt(N_FEATURES)).requires_grad_()
    b = (torch.randn(N_CLASSES, generator=g) / 10).requires_grad_()
    return w, b




def _batches(n: int) -> str:
    return n_("{n} batch", "{n} batches", n).format(n=n)


def _epochs(n: int) -> str:
    return n_("{n} epoch", "{n} epochs", n).format(n=n)


def _last_one(rows: int) -> str:
    return _(", the last one of {rows}").format(rows=rows)


def _training_rows(n: int) -> str:
    return n_("{n} training row", "{n} training rows", n).format(n=n)


def _validation_rows(n: int) -> str:
    return n_("{n} validation row", "{n} validation rows", n).format(n=n)


def _batching(n: int, bs: int) -> str:
    """'3 batches, the last one of 3' for n rows in batches of bs."""
    batches = math.ceil(n / bs)
    last = n - (batches - 1) * bs
    if batches == 1:
        return _("1 batch of {n}").format(n=n)
    return _batches(batches) + (_last_one(last) if last != bs else "")


@dataclass(frozen=True)
class ValidRun:
    """Training with validation: n training rows in batches of bs, then, after every epoch, a
    validation set of n_valid rows in batches of valid_bs; all tensors made from `seed`."""

    n: int
    bs: int
    n_valid: int
    valid_bs: int
    epochs: int = 1
    lr: float = 0.5
    seed: int = 0

    @property
    def n_batches(self) -> int:
        return math.ceil(self.n / self.bs)

    @property
    def n_valid_batches(self) -> int:
        return math.ceil(self.n_valid / self.valid_bs)

    def __str__(self) -> str:
        return _("{training}, bs={bs} ({batching}); {validation} in batches of {valid_bs} ({valid_batching}); "
                 "{epochs}, lr={lr}, seed={seed}").format(
            training=_training_rows(self.n), bs=self.bs, batching=_batching(self.n, self.bs),
            validation=_validation_rows(self.n_valid), valid_bs=self.valid_bs,
            valid_batching=_batching(self.n_valid, self.valid_bs), epochs=_epochs(self.epochs), lr=f"{self.lr:g}",
            seed=self.seed)

    def data(self) -> tuple[torch.Tensor, torch.Tensor]:
        g = _generator(self.seed)
        return torch.rand(self.n, N_FEATURES, generator=g), _targets(g, self.n, None)  # (n, 784), (n,)

    def valid_data(self) -> tuple[torch.Tensor, torch.Tensor]:
        g = _generator(self.seed + 2)
        return torch.rand(self.n_valid, N_FEATURES, generator=g), _targets(g, self.n_valid, None)

    def weights(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The logistic model's (784, 10) weights and (10,) bias."""
        return make_weights(self.seed + 1)

    def conv_weights(self) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """The tutorial CNN's three (weight, bias) pairs."""
        return make_conv_weights(self.seed + 3)


@dataclass(frozen=True)
class Split:
    """A training set of n rows (row i holds the number i) and a validation set of n_valid rows,
    for get_data(train_ds, valid_ds, bs, seed): which rows come out, in which order."""

    n: int
    n_valid: int
    bs: int
    seed: int = 0

    def __str__(self) -> str:
        return f"{_training_rows(self.n)}, {_validation_rows(self.n_valid)}, bs={self.bs}, seed={self.seed}"

    def datasets(self):
        from torch.utils.data import TensorDataset

        rows = lambda n: TensorDataset(torch.arange(n), torch.arange(n) % N_CLASSES)  # noqa: E731
        return rows(self.n), rows(self.n_valid)


@dataclass(frozen=True)
class Digits:
    """bs flattened images (bs, 784) in [0, 1), their targets and a set of CNN weights, from `seed`;
    with `side` other than 28, images (bs, 1, side, side2) instead (step 11's other sizes)."""

    bs: int
    seed: int = 0
    side: int = 28
    side2: int = 28

    def __str__(self) -> str:
        if (self.side, self.side2) != (28, 28):
            images = n_("bs={bs} image of 1×{h}×{w}", "bs={bs} images of 1×{h}×{w}", self.bs).format(
                bs=self.bs, h=self.side, w=self.side2)
        else:
            images = n_("bs={bs} image", "bs={bs} images", self.bs).format(bs=self.bs)
        return f"{images}, seed={self.seed}"

    def x(self) -> torch.Tensor:
        return torch.rand(self.bs, N_FEATURES, generator=_generator(self.seed))  # (bs, 784)

    def images(self) -> torch.Tensor:
        return torch.rand(self.bs, 1, self.side, self.side2, generator=_generator(self.seed))  # (bs, 1, H, W)

    def y(self) -> torch.Tensor:
        return _targets(_generator(self.seed + 1), self.bs, None)  # (bs,)

    def conv_weights(self) -> list[tuple[torch.Tensor, torch.Tensor]]:
        return make_conv_weights(self.seed + 3)


CONV_SHAPES = ((16, 1, 3, 3), (16, 16, 3, 3), (10, 16, 3, 3))  # the tutorial CNN: 1 -> 16 -> 16 -> 10 channels


def make_conv_weights(seed: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """(weight, bias) for conv1..conv3: weight ~ randn / sqrt(fan in), bias ~ randn / 10."""
    g = _generator(seed)
    out = []
    for shape in CONV_SHAPES:
        fan_in = shape[1] * shape[2] * shape[3]
        out.append((torch.randn(shape, generator=g) / math.sqrt(fan_in), torch.randn(shape[0], generator=g) / 10))
    return out


@dataclass(frozen=True)
class Machine:
    """Whether torch.cuda.is_available() says there is a GPU (step 12 asks get_device() on both kinds)."""

    gpu: bool

    def __str__(self) -> str:
        if self.gpu:
            return _("a machine with a GPU (torch.cuda.is_available() returns True)")
        return _("a machine without a GPU (torch.cuda.is_available() returns False)")


@dataclass(frozen=True)
class Images:
    """A batch of one-channel images (bs, 1, size, size) and class targets, made from `seed`.

    LeNet (step 13) reads 32×32 images, the 32-channel CNN (steps 13 and 14) 28×28 ones.
    """

    bs: int
    size: int = 28
    seed: int = 0

    def __str__(self) -> str:
        return n_("bs={bs} image of 1×{h}×{w}", "bs={bs} images of 1×{h}×{w}", self.bs).format(
            bs=self.bs, h=self.size, w=self.size) + f", seed={self.seed}"

    def x(self) -> torch.Tensor:
        return torch.randn(self.bs, 1, self.size, self.size, generator=_generator(self.seed))  # (bs, 1, H, W)

    def y(self) -> torch.Tensor:
        return _targets(_generator(self.seed + 1), self.bs, None)  # (bs,)


@dataclass(frozen=True)
class Houses:
    """A small house-price table: n areas (hundreds of m²) and prices, a learning rate and a run length.

    price = 3 * area + 0.5 + noise, the areas in [0.3, 1.5). The columns come as the data file
    gives them, (n,) each; the starting weight w and bias b are (1,) tensors.
    """

    n: int
    epochs: int = 1
    lr: float = 0.1
    seed: int = 0

    def __str__(self) -> str:
        return (n_("n={n} house", "n={n} houses", self.n).format(n=self.n)
                + f", {_epochs(self.epochs)}, lr={self.lr:g}, seed={self.seed}")

    def data(self) -> tuple[torch.Tensor, torch.Tensor]:
        g = _generator(self.seed)
        area = 0.3 + 1.2 * torch.rand(self.n, generator=g)  # (n,)
        price = 3.0 * area + 0.5 + 0.3 * torch.randn(self.n, generator=g)  # (n,)
        return area, price

    def weights(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Leaf w (1,) and b (1,), requiring grad, away from the answer so that the updates are large."""
        g = _generator(self.seed + 1)
        return torch.randn(1, generator=g).requires_grad_(), torch.randn(1, generator=g).requires_grad_()
