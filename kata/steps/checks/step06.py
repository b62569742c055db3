"""step06_dataloader against the reference step05_dataset."""
from torch.utils.data import TensorDataset

from kata.steps import strategies as S
from kata.steps.checks.base import prop
from kata.steps.checks.fixtures import (assert_same_batches, compare_training, linear_parameters, model_and_opt,
                                  seen_batches)
from kata.engine.compare import Mismatch, as_tensor

ORDER = ("DataLoader(train_ds, batch_size=bs) keeps the order and the last, shorter batch by default; "
         "shuffle and drop_last change what the model sees.")


@prop("get_dataloader(train_ds, bs) gives step05's batches in order, the last partial one included",
      uses=("get_dataloader",), strategy=S.runs, edges=S.RUN_EDGES, max_examples=20, hint=ORDER)
def loader_batches(learner, ref, run):
    x, y = run.data()
    ds = TensorDataset(x, y)
    got = list(learner.get_dataloader(ds, run.bs))
    # step05's batches: one slice of the dataset per batch, the batch count rounded up
    expected = [ds[i * run.bs: i * run.bs + run.bs] for i in range((run.n - 1) // run.bs + 1)]
    for i, batch in enumerate(got):
        if not (isinstance(batch, (tuple, list)) and len(batch) == 2):
            raise Mismatch(f"batch {i}", f"should be a pair (xb, yb), got {type(batch).__name__}.")
    assert_same_batches([as_tensor(b[0], "xb") for b in got], [e[0] for e in expected], "xb from the loader")
    assert_same_batches([as_tensor(b[1], "yb") for b in got], [e[1] for e in expected], "yb from the loader")


@prop("fit(model, opt, train_dl, epochs) hands the model the same batches as step05's fit",
      uses=("get_dataloader", "fit"), strategy=S.runs, edges=S.RUN_EDGES, max_examples=20, hint=ORDER)
def same_batches(learner, ref, run):
    x, y = run.data()
    ds = TensorDataset(x, y)
    got = seen_batches(lambda m, o: learner.fit(m, o, learner.get_dataloader(ds, run.bs), run.epochs), run)
    expected = seen_batches(lambda m, o: ref.fit(m, o, ds, run.epochs, run.bs), run)
    assert_same_batches(got, expected, "batches seen by the model")


@prop("fit from the same weights ≈ step05's fit", uses=("get_model", "get_dataloader", "fit"),
      strategy=S.runs, edges=S.RUN_EDGES, max_examples=20)
def fit_matches(learner, ref, run):
    def mine(x, y, epochs):
        model, opt = model_and_opt(learner, run)
        learner.fit(model, opt, learner.get_dataloader(TensorDataset(x, y), run.bs), epochs)
        return linear_parameters(model)

    def expected(x, y, epochs):
        model, opt = model_and_opt(ref, run)
        ref.fit(model, opt, TensorDataset(x, y), epochs, run.bs)
        return linear_parameters(model)

    compare_training(run, mine, expected)


CHECKS = [loader_batches, same_batches, fit_matches]
