"""The strategies reach the edges where hand-written code breaks, and cases are reproducible."""
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
