"""step06_dataloader against the reference step05_dataset."""
import torch
from torch.utils.data import TensorDataset

from kata.i18n import _
from kata.judging.compare import Mismatch
from kata.steps import strategies as S
from kata.steps.common.base import judge
from kata.steps.common.fixtures import assert_same_batches, linear_parameters
from kata.steps.common.fixtures import model_and_opt as ref_model_and_opt
from kata.steps.common.fixtures import seen_batches as ref_seen_batches
from kata.steps.common.judging import linear, model_and_opt, seen_batches
from kata.steps.common.training import compare_training


def loader_pairs(child, loader) -> list:
    """Every batch a child-side loader yields, each checked to be a pair (xb, yb) of tensors."""
    got = child.observe("batches", loader)
    for i, batch in enumerate(got):
        if not (isinstance(batch, (tuple, list)) and len(batch) == 2):
            shown = batch.get("unsendable") if isinstance(batch, dict) else type(batch).__name__
            raise Mismatch(_("batch {i}").format(i=i), _("should be a pair (xb, yb), got {shown}.").format(shown=shown))
        for part, what in zip(batch, ("xb", "yb")):
            if not isinstance(part, torch.Tensor):
                raise Mismatch(_("batch {i}").format(i=i), _("{what} should be a tensor, got {type}.").format(
                    what=what, type=type(part).__name__))
    return got


@judge('loader-batches', strategy=S.runs, edges=S.RUN_EDGES, max_examples=7)
def loader_batches(child, ref, run):
    x, y = run.data()
    got = loader_pairs(child, child.get("get_dataloader")(child.fixture("dataset", x, y), run.bs))
    # step05's batches: one slice of the dataset per batch, the batch count rounded up
    ds = TensorDataset(x, y)
    expected = [ds[i * run.bs: i * run.bs + run.bs] for i in range((run.n - 1) // run.bs + 1)]
    assert_same_batches([b[0] for b in got], [e[0] for e in expected], _("xb from the loader"))
    assert_same_batches([b[1] for b in got], [e[1] for e in expected], _("yb from the loader"))


@judge('fit-batches', strategy=S.runs, edges=S.RUN_EDGES, max_examples=7)
def same_batches(child, ref, run):
    x, y = run.data()
    fit, get_dataloader = child.get("fit"), child.get("get_dataloader")
    got = seen_batches(child, lambda m, o: fit(m, o, get_dataloader(child.fixture("dataset", x, y), run.bs),
                                               run.epochs), run.lr)
    expected = ref_seen_batches(lambda m, o: ref.fit(m, o, TensorDataset(x, y), run.epochs, run.bs), run)
    assert_same_batches(got, expected, _("batches seen by the model"))


@judge('fit', strategy=S.runs, edges=S.RUN_EDGES, max_examples=7)
def fit_matches(child, ref, run):
    def mine(x, y, epochs):  # the learner's get_model, get_dataloader and fit, in its child
        model, opt = model_and_opt(child, run)
        child.get("fit")(model, opt, child.get("get_dataloader")(child.fixture("dataset", x, y), run.bs), epochs)
        return linear(model)

    def expected(x, y, epochs):  # step05's fit, here
        model, opt = ref_model_and_opt(ref, run)
        ref.fit(model, opt, TensorDataset(x, y), epochs, run.bs)
        return linear_parameters(model)

    compare_training(run, mine, expected, child)
