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

from hypothesis import strategies as st

from kata.steps.cases import *  # noqa: F401,F403  (the judges use S.Run, S.N_CLASSES, ...)
from kata.steps.cases import N_CLASSES, Batch, Digits, Houses, Images, Machine, Run, Split, ValidRun  # noqa: F401

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


image_batch_sizes = st.one_of(st.just(1), st.integers(1, 5))


lenet_images = st.builds(Images, bs=image_batch_sizes, size=st.just(32), seed=seeds)


cnn_images = st.builds(Images, bs=image_batch_sizes, size=st.just(28), seed=seeds)


LENET_EDGES = (Images(bs=1, size=32), Images(bs=2, size=32), Images(bs=5, size=32, seed=1))


CNN_EDGES = (Images(bs=1), Images(bs=2), Images(bs=5, seed=1))


# step 14 runs forward and backward with hooks: fewer, smaller batches keep it quick
hook_images = st.builds(Images, bs=st.integers(1, 3), size=st.just(28), seed=seeds)


HOOK_EDGES = (Images(bs=1), Images(bs=3, seed=1))


house_learning_rates = st.sampled_from([0.1, 0.01, 0.3, 0.05])


houses = st.builds(Houses, n=st.integers(1, 40), epochs=st.integers(1, 5), lr=house_learning_rates, seed=seeds)


one_house_update = st.builds(Houses, n=st.integers(1, 40), epochs=st.just(1), lr=house_learning_rates, seed=seeds)


HOUSE_EDGES = (Houses(n=1), Houses(n=2), Houses(n=30, epochs=3), Houses(n=7, epochs=5, lr=0.3))


ONE_HOUSE_UPDATE_EDGES = (Houses(n=1), Houses(n=2), Houses(n=30))
