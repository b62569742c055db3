"""step05_dataset against the reference step04_optim."""
from torch.utils.data import TensorDataset

from kata.steps import strategies as S
from kata.steps.checks.base import prop
from kata.steps.checks.fixtures import assert_same_batches, compare_training, linear_parameters, model_and_opt, seen_batches

BATCHES = ("The batch count rounds up, (n - 1) // bs + 1, and batch i is train_ds[i * bs : i * bs + bs]; "
           "the last slice is simply shorter.")


@prop("fit on TensorDataset(x, y) hands the model the same batches, in the same order, as step04",
      uses=("fit",), strategy=S.runs, edges=S.RUN_EDGES, max_examples=20, hint=BATCHES)
def same_batches(learner, ref, run):
    x, y = run.data()
    got = seen_batches(lambda m, o: learner.fit(m, o, TensorDataset(x, y), run.epochs, run.bs), run)
    expected = seen_batches(lambda m, o: ref.fit(m, o, x, y, run.epochs, run.bs), run)
    assert_same_batches(got, expected, "batches seen by the model")


@prop("fit(model, opt, train_ds, ...) from the same weights ≈ step04's fit(model, opt, x, y, ...)",
      uses=("get_model", "fit"), strategy=S.runs, edges=S.RUN_EDGES, max_examples=20, hint=BATCHES)
def fit_matches(learner, ref, run):
    def mine(x, y, epochs):
        model, opt = model_and_opt(learner, run)
        learner.fit(model, opt, TensorDataset(x, y), epochs, run.bs)
        return linear_parameters(model)

    def expected(x, y, epochs):
        model, opt = model_and_opt(ref, run)
        ref.fit(model, opt, x, y, epochs, run.bs)
        return linear_parameters(model)

    compare_training(run, mine, expected)


CHECKS = [same_batches, fit_matches]
