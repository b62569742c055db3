"""The strategies reach the edges where hand-written code breaks, and cases are reproducible and read
as one line (a counterexample is that line)."""
import torch
from hypothesis import find, settings

from kata.steps import strategies as S

quick = settings(database=None, max_examples=500)


def test_edges_are_tried_first():
    sizes = {b.bs for b in S.BATCH_EDGES}
    assert {1, S.N_CLASSES} <= sizes
    assert any(r.n % r.bs for r in S.RUN_EDGES), "a data size the batch size does not divide"
    assert any(r.one_class is not None for r in S.RUN_EDGES) and any(b.one_class is not None for b in S.BATCH_EDGES)
    assert all(r.n <= r.bs and r.epochs == 1 for r in S.SINGLE_UPDATE_EDGES)
    assert all(r.n_batches * r.epochs > 1 for r in S.MANY_UPDATE_EDGES)


def test_generated_cases_reach_the_edges_too():
    assert find(S.batches, lambda b: b.bs == S.N_CLASSES, settings=quick).bs == S.N_CLASSES
    assert find(S.runs, lambda r: r.n % r.bs != 0 and r.n > r.bs, settings=quick)
    assert find(S.runs, lambda r: r.one_class is not None, settings=quick)
    assert find(S.single_updates, lambda r: r.n == r.bs, settings=quick)


def test_cases_make_the_same_tensors_every_time():
    run = S.Run(n=7, bs=3, seed=5)
    (x1, y1), (x2, y2) = run.data(), run.data()
    assert torch.equal(x1, x2) and torch.equal(y1, y2)
    assert x1.shape == (7, S.N_FEATURES) and y1.shape == (7,) and y1.dtype == torch.int64
    w, b = run.weights()
    assert w.is_leaf and w.requires_grad and b.abs().sum() > 0


def test_large_logits_overflow_the_hand_written_formula():
    z = S.LARGE_LOGIT_EDGES[0].logits(dtype=torch.float32)
    assert not torch.isfinite(z.exp().sum(-1)).all()


def test_cases_read_as_one_line():
    assert str(S.Run(n=23, bs=10)) == "n=23 rows, bs=10 (3 batches, the last one of 3), 1 epoch, lr=0.5, seed=0"
    assert str(S.Batch(bs=6, one_class=3)) == "bs=6, seed=0, every target is class 3"


# --- steps 07-12 ---

def test_new_cases_read_as_one_line():
    assert str(S.ValidRun(n=5, bs=2, n_valid=7, valid_bs=20, epochs=2)) == (
        "5 training rows, bs=2 (3 batches, the last one of 1); 7 validation rows in batches of 20 "
        "(1 batch of 7); 2 epochs, lr=0.5, seed=0")
    assert str(S.Split(n=1, n_valid=9, bs=4)) == "1 training row, 9 validation rows, bs=4, seed=0"
    assert str(S.Digits(bs=3, side=20, side2=36)) == "bs=3 images of 1×20×36, seed=0"
    assert str(S.Machine(gpu=False)) == "a machine without a GPU (torch.cuda.is_available() returns False)"


def test_edges_reach_a_short_last_validation_batch_and_two_epochs():
    assert any(r.n_valid % r.valid_bs and r.n_valid > r.valid_bs for r in S.VALID_RUN_EDGES)
    assert any(r.epochs == 2 for r in S.VALID_RUN_EDGES) and any(r.epochs == 2 for r in S.CNN_RUN_EDGES)
    assert {1, S.N_CLASSES} <= {d.bs for d in S.DIGIT_EDGES}
    assert all((d.side, d.side2) != (28, 28) for d in S.OTHER_SIZE_EDGES)


# --- steps 13-15 ---

def test_house_cases_are_reproducible_and_read_as_one_line():
    case = S.Houses(n=3, epochs=2, lr=0.3, seed=5)
    (x1, y1), (x2, y2) = case.data(), case.data()
    assert torch.equal(x1, x2) and torch.equal(y1, y2) and x1.shape == y1.shape == (3,)
    w, b = case.weights()
    assert w.is_leaf and w.requires_grad and w.shape == b.shape == (1,)
    assert str(case) == "n=3 houses, 2 epochs, lr=0.3, seed=5"
    assert str(S.Images(bs=1, size=32)) == "bs=1 image of 1×32×32, seed=0"


def test_companion_edges_start_where_the_slips_hide():
    """One image (a flatten that merges the batch looks right), n=1 and n=2 houses (an (n, 1) against
    (n,) loss is right for one house only)."""
    assert {c.bs for c in S.LENET_EDGES} >= {1} and {c.bs for c in S.CNN_EDGES} >= {1}
    assert {c.n for c in S.HOUSE_EDGES} >= {1, 2} and {c.n for c in S.ONE_HOUSE_UPDATE_EDGES} >= {1, 2}
