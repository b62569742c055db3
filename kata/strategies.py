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

# --- steps 12-14 ---
