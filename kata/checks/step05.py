"""step05_dataset against the reference step04_optim."""
from torch import optim
from torch.utils.data import TensorDataset

from kata import strategies as S
from kata.checks.base import prop
from kata.checks.fixtures import Recorder, assert_same_batches, with_linear
from kata.compare import assert_same

BATCHES = ("The batch count rounds up, (n - 1) // bs + 1, and batch i is train_ds[i * bs : i * bs + bs]; "
           "the last slice is simply shorter.")


def seen_batches(fit_call, run):
    """The x batches a fit hands to the model, in order, with a recording model and plain SGD."""
    model = Recorder()
    fit_call(model, optim.SGD(model.parameters(), lr=run.lr))
    return model.seen


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
    x, y = run.data()
    w, b = run.weights()
    model, opt = learner.get_model(run.lr)
    with_linear(model, w, b)
    learner.fit(model, opt, TensorDataset(x, y), run.epochs, run.bs)
    expected, expected_opt = ref.get_model(run.lr)
    with_linear(expected, w, b)
    ref.fit(expected, expected_opt, x, y, run.epochs, run.bs)
    assert_same(model.lin.weight, expected.lin.weight, "lin.weight after fit")
    assert_same(model.lin.bias, expected.lin.bias, "lin.bias after fit")


CHECKS = [same_batches, fit_matches]
