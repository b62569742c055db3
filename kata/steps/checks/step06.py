"""step06_dataloader against the reference step05_dataset."""
import torch
from torch.utils.data import TensorDataset

from kata.engine.compare import Mismatch
from kata.steps import strategies as S
from kata.steps.checks.base import prop
from kata.steps.checks.fixtures import assert_same_batches, compare_training, linear_parameters
from kata.steps.checks.fixtures import model_and_opt as ref_model_and_opt
from kata.steps.checks.fixtures import seen_batches as ref_seen_batches
from kata.steps.checks.judging import linear, model_and_opt, seen_batches


def loader_pairs(child, loader) -> list:
    """Every batch a child-side loader yields, each checked to be a pair (xb, yb) of tensors."""
    got = child.observe("batches", loader)
    for i, batch in enumerate(got):
        if not (isinstance(batch, (tuple, list)) and len(batch) == 2):
            shown = batch.get("unsendable") if isinstance(batch, dict) else type(batch).__name__
            raise Mismatch(f"batch {i}", f"should be a pair (xb, yb), got {shown}.")
        for part, what in zip(batch, ("xb", "yb")):
            if not isinstance(part, torch.Tensor):
                raise Mismatch(f"batch {i}", f"{what} should be a tensor, got {type(part).__name__}.")
    return got


@prop("step06.loader-batches", "get_dataloader(train_ds, bs) gives step05's batches in order, the last partial one "
      "included", stage="batches", uses=("get_dataloader",), strategy=S.runs, edges=S.RUN_EDGES, max_examples=20,
      hints=("The loader should yield exactly step05's slices: same sizes, same order, the last one shorter.",
             ("DataLoader(train_ds, batch_size=bs) keeps the order and the last, shorter batch by default; "
              "shuffle and drop_last change what the model sees, and without batch_size every batch holds one row."),
             "return DataLoader(<the dataset>, batch_size=<bs>), nothing more"))
def loader_batches(child, ref, run):
    x, y = run.data()
    got = loader_pairs(child, child.get("get_dataloader")(child.fixture("dataset", x, y), run.bs))
    # step05's batches: one slice of the dataset per batch, the batch count rounded up
    ds = TensorDataset(x, y)
    expected = [ds[i * run.bs: i * run.bs + run.bs] for i in range((run.n - 1) // run.bs + 1)]
    assert_same_batches([b[0] for b in got], [e[0] for e in expected], "xb from the loader")
    assert_same_batches([b[1] for b in got], [e[1] for e in expected], "yb from the loader")


@prop("step06.fit-batches", "fit(model, opt, train_dl, epochs) hands the model the same batches as step05's fit",
      stage="batches", uses=("get_dataloader", "fit"), strategy=S.runs, edges=S.RUN_EDGES, max_examples=20,
      hints=("fit should take its batches from the loader it is given, all of them, every epoch.",
             ("DataLoader(train_ds, batch_size=bs) yields (xb, yb) pairs in order; `for xb, yb in train_dl:` "
              "is the whole batch loop."),
             "for epoch in range(epochs): for xb, yb in train_dl: <step05's update on xb, yb>"))
def same_batches(child, ref, run):
    x, y = run.data()
    fit, get_dataloader = child.get("fit"), child.get("get_dataloader")
    got = seen_batches(child, lambda m, o: fit(m, o, get_dataloader(child.fixture("dataset", x, y), run.bs),
                                               run.epochs), run.lr)
    expected = ref_seen_batches(lambda m, o: ref.fit(m, o, TensorDataset(x, y), run.epochs, run.bs), run)
    assert_same_batches(got, expected, "batches seen by the model")


@prop("step06.fit", "fit from the same weights ≈ step05's fit", stage="update",
      uses=("get_model", "get_dataloader", "fit"), strategy=S.runs, edges=S.RUN_EDGES, max_examples=20,
      hints=("Only the batch loop changes: each batch's loss, backward, step and zero_grad stay as in step05.",
             "fit(model, opt, train_dl, epochs): the loader knows the batch size, so fit no longer takes bs.",
             "for xb, yb in train_dl: loss = loss_func(model(xb), yb); loss.backward(); opt.step(); opt.zero_grad()"))
def fit_matches(child, ref, run):
    def mine(x, y, epochs):  # the learner's get_model, get_dataloader and fit, in its child
        model, opt = model_and_opt(child, run)
        child.get("fit")(model, opt, child.get("get_dataloader")(child.fixture("dataset", x, y), run.bs), epochs)
        return linear(model)

    def expected(x, y, epochs):  # step05's fit, here
        model, opt = ref_model_and_opt(ref, run)
        ref.fit(model, opt, TensorDataset(x, y), epochs, run.bs)
        return linear_parameters(model)

    compare_training(run, mine, expected)


CHECKS = [loader_batches, same_batches, fit_matches]
