"""Every hypothesis strategy the checks draw from, in one place.

Hypothesis draws small things (sizes, a seed, a learning rate) and torch makes the tensors
from the seed, so a counterexample reads as a short line ("bs=10, seed=3") that reproduces
the exact tensors. Tensors are made in torch's current default dtype: the grader runs the
equivalence checks in float64, so that two orders of the same arithmetic agree to the last
bits that matter and a mismatch is a real difference, not rounding.

The edges where hand-written code breaks are run first as explicit examples (see `*_EDGES`):
batch size 1, a batch size equal to the number of classes (10, where a broadcasting slip is
silent), data sizes that bs does not divide, and targets of a single class.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from hypothesis import strategies as st

N_FEATURES = 784  # 28 * 28 pixels
N_CLASSES = 10


def _generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _targets(g: torch.Generator, n: int, one_class: int | None) -> torch.Tensor:
    if one_class is not None:
        return torch.full((n,), one_class, dtype=torch.int64)
    return torch.randint(0, N_CLASSES, (n,), generator=g)  # (n,)


def _class_note(one_class: int | None) -> str:
    return "" if one_class is None else f", every target is class {one_class}"


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
        batches = f"{self.n_batches} batch{'es' if self.n_batches > 1 else ''}"
        if last != self.bs:
            batches += f", the last one of {last}"
        epochs = f"{self.epochs} epoch{'s' if self.epochs > 1 else ''}"
        return (
            f"n={self.n} row{'s' if self.n > 1 else ''}, bs={self.bs} ({batches}), {epochs}, lr={self.lr:g}, "
            f"seed={self.seed}{_class_note(self.one_class)}"
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


seeds = st.integers(0, 2**16)
batch_sizes = st.one_of(st.sampled_from([1, N_CLASSES]), st.integers(1, 24))
one_class = st.one_of(st.none(), st.integers(0, N_CLASSES - 1))
learning_rates = st.sampled_from([0.5, 0.1, 0.01, 1.0])

batches = st.builds(Batch, bs=batch_sizes, seed=seeds, one_class=one_class)
# logits far beyond float32's exp range (exp overflows past about 88.7)
large_logits = st.builds(
    Batch, bs=batch_sizes, seed=seeds, one_class=one_class,
    scale=st.sampled_from([1.0, 10.0]), shift=st.sampled_from([100.0, 200.0, -100.0]),
)
runs = st.builds(
    Run, n=st.integers(1, 40), bs=batch_sizes, epochs=st.integers(1, 2),
    lr=learning_rates, seed=seeds, one_class=one_class,
)


@st.composite
def _single_update(draw) -> Run:
    bs = draw(batch_sizes)
    return Run(n=draw(st.integers(1, bs)), bs=bs, epochs=1, lr=draw(learning_rates), seed=draw(seeds),
               one_class=draw(one_class))


single_updates = _single_update()  # every row in one batch, one epoch: exactly one update
many_updates = runs.filter(lambda r: r.n_batches * r.epochs > 1)

BATCH_EDGES = (Batch(bs=1), Batch(bs=N_CLASSES), Batch(bs=7), Batch(bs=6, one_class=3))
LARGE_LOGIT_EDGES = (Batch(bs=1, scale=1.0, shift=100.0), Batch(bs=4, scale=10.0, shift=-100.0))
RUN_EDGES = (
    Run(n=1, bs=1),
    Run(n=N_CLASSES, bs=N_CLASSES),
    Run(n=23, bs=N_CLASSES),
    Run(n=12, bs=5, one_class=3),
    Run(n=9, bs=4, epochs=2, lr=0.1),
)
SINGLE_UPDATE_EDGES = (Run(n=1, bs=1), Run(n=N_CLASSES, bs=N_CLASSES), Run(n=7, bs=8, one_class=0))
MANY_UPDATE_EDGES = tuple(r for r in RUN_EDGES if r.n_batches * r.epochs > 1)

# --- steps 07-11 ---


def _count(n: int, word: str, plural: str = "") -> str:
    return f"{n} {word if n == 1 else plural or word + 's'}"


def _batching(n: int, bs: int) -> str:
    """'3 batches, the last one of 3' for n rows in batches of bs."""
    batches = math.ceil(n / bs)
    last = n - (batches - 1) * bs
    if batches == 1:
        return f"1 batch of {n}"
    return _count(batches, "batch", "batches") + (f", the last one of {last}" if last != bs else "")


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
        return (f"{_count(self.n, 'training row')}, bs={self.bs} ({_batching(self.n, self.bs)}); "
                f"{_count(self.n_valid, 'validation row')} in batches of {self.valid_bs} "
                f"({_batching(self.n_valid, self.valid_bs)}); {_count(self.epochs, 'epoch')}, "
                f"lr={self.lr:g}, seed={self.seed}")

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
        return (f"{_count(self.n, 'training row')}, {_count(self.n_valid, 'validation row')}, bs={self.bs}, "
                f"seed={self.seed}")

    def datasets(self):
        from torch.utils.data import TensorDataset

        rows = lambda n: TensorDataset(torch.arange(n), torch.arange(n) % N_CLASSES)  # noqa: E731
        return rows(self.n), rows(self.n_valid)


@dataclass(frozen=True)
class Digits:
    """bs flattened images (bs, 784) in [0, 1), their targets and a set of CNN weights, from `seed`;
    with `side` other than 28, images (bs, 1, side, side2) instead (step 10's other sizes)."""

    bs: int
    seed: int = 0
    side: int = 28
    side2: int = 28

    def __str__(self) -> str:
        images = f"bs={self.bs} image{'s' if self.bs > 1 else ''}"
        if (self.side, self.side2) != (28, 28):
            images += f" of 1×{self.side}×{self.side2}"
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


valid_runs = st.builds(
    ValidRun, n=st.integers(1, 30), bs=batch_sizes, n_valid=st.integers(1, 30), valid_bs=batch_sizes,
    epochs=st.integers(1, 2), lr=learning_rates, seed=seeds,
)
VALID_RUN_EDGES = (
    ValidRun(n=5, bs=2, n_valid=5, valid_bs=4, epochs=2, lr=0.01),  # the last validation batch holds 1 row
    ValidRun(n=23, bs=N_CLASSES, n_valid=7, valid_bs=2 * N_CLASSES),  # one validation batch
    ValidRun(n=1, bs=1, n_valid=3, valid_bs=2),
    ValidRun(n=12, bs=5, n_valid=21, valid_bs=10, epochs=2, lr=0.1),
)
splits = st.builds(Split, n=st.integers(1, 40), n_valid=st.integers(1, 40), bs=batch_sizes, seed=seeds)
SPLIT_EDGES = (Split(n=12, n_valid=7, bs=3), Split(n=10, n_valid=25, bs=N_CLASSES, seed=1),
               Split(n=1, n_valid=1, bs=1), Split(n=30, n_valid=9, bs=4, seed=2))

# the CNN steps: few, small batches (a 28×28 CNN is cheap at bs <= 8), lr low enough for momentum
cnn_batch_sizes = st.one_of(st.just(1), st.integers(1, 8))
digits = st.builds(Digits, bs=cnn_batch_sizes, seed=seeds)
DIGIT_EDGES = (Digits(bs=1), Digits(bs=N_CLASSES), Digits(bs=3, seed=1))
other_sizes = st.builds(Digits, bs=st.integers(1, 4), seed=seeds, side=st.integers(5, 40), side2=st.integers(5, 40)
                        ).filter(lambda d: (d.side, d.side2) != (28, 28))
digit_batches = st.builds(Digits, bs=st.integers(2, 8), seed=seeds)  # at least two images to mix up
DIGIT_BATCH_EDGES = (Digits(bs=2), Digits(bs=N_CLASSES), Digits(bs=5, seed=1))
cnn_learning_rates = st.sampled_from([0.1, 0.05, 0.01])
OTHER_SIZE_EDGES = (Digits(bs=2, side=32, side2=32), Digits(bs=1, side=20, side2=36), Digits(bs=3, side=64, side2=9))


@dataclass(frozen=True)
class Machine:
    """Whether torch.cuda.is_available() says there is a GPU (step 11 asks get_device() on both kinds)."""

    gpu: bool

    def __str__(self) -> str:
        return f"a machine {'with' if self.gpu else 'without'} a GPU (torch.cuda.is_available() returns {self.gpu})"


machines = st.builds(Machine, gpu=st.booleans())
MACHINE_EDGES = (Machine(gpu=False), Machine(gpu=True))
cnn_runs = st.builds(
    ValidRun, n=st.integers(1, 10), bs=st.integers(1, 5), n_valid=st.integers(1, 8), valid_bs=st.integers(1, 6),
    epochs=st.integers(1, 2), lr=st.sampled_from([0.1, 0.05]), seed=seeds,
)
CNN_RUN_EDGES = (
    ValidRun(n=7, bs=3, n_valid=5, valid_bs=4, epochs=2, lr=0.1),
    ValidRun(n=1, bs=1, n_valid=1, valid_bs=2, lr=0.1),
)

# --- steps 12-14 ---


@dataclass(frozen=True)
class Images:
    """A batch of one-channel images (bs, 1, size, size) and class targets, made from `seed`.

    LeNet (step 12) reads 32×32 images, the 32-channel CNN (steps 12 and 13) 28×28 ones.
    """

    bs: int
    size: int = 28
    seed: int = 0

    def __str__(self) -> str:
        return f"bs={self.bs} image{'s' if self.bs > 1 else ''} of 1×{self.size}×{self.size}, seed={self.seed}"

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
        epochs = f"{self.epochs} epoch{'s' if self.epochs > 1 else ''}"
        return f"n={self.n} house{'s' if self.n > 1 else ''}, {epochs}, lr={self.lr:g}, seed={self.seed}"

    def data(self) -> tuple[torch.Tensor, torch.Tensor]:
        g = _generator(self.seed)
        area = 0.3 + 1.2 * torch.rand(self.n, generator=g)  # (n,)
        price = 3.0 * area + 0.5 + 0.3 * torch.randn(self.n, generator=g)  # (n,)
        return area, price

    def weights(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Leaf w (1,) and b (1,), requiring grad, away from the answer so that the updates are large."""
        g = _generator(self.seed + 1)
        return torch.randn(1, generator=g).requires_grad_(), torch.randn(1, generator=g).requires_grad_()


image_batch_sizes = st.one_of(st.just(1), st.integers(1, 5))
lenet_images = st.builds(Images, bs=image_batch_sizes, size=st.just(32), seed=seeds)
cnn_images = st.builds(Images, bs=image_batch_sizes, size=st.just(28), seed=seeds)
LENET_EDGES = (Images(bs=1, size=32), Images(bs=2, size=32), Images(bs=5, size=32, seed=1))
CNN_EDGES = (Images(bs=1), Images(bs=2), Images(bs=5, seed=1))
# step 13 runs forward and backward with hooks: fewer, smaller batches keep it quick
hook_images = st.builds(Images, bs=st.integers(1, 3), size=st.just(28), seed=seeds)
HOOK_EDGES = (Images(bs=1), Images(bs=3, seed=1))

house_learning_rates = st.sampled_from([0.1, 0.01, 0.3, 0.05])
houses = st.builds(Houses, n=st.integers(1, 40), epochs=st.integers(1, 5), lr=house_learning_rates, seed=seeds)
one_house_update = st.builds(Houses, n=st.integers(1, 40), epochs=st.just(1), lr=house_learning_rates, seed=seeds)
HOUSE_EDGES = (Houses(n=1), Houses(n=2), Houses(n=30, epochs=3), Houses(n=7, epochs=5, lr=0.3))
ONE_HOUSE_UPDATE_EDGES = (Houses(n=1), Houses(n=2), Houses(n=30))
