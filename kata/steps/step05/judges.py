"""step05_dataset against the reference step04_optim."""
from kata.i18n import _
from kata.steps import strategies as S
from kata.steps.common.base import judge
from kata.steps.common.fixtures import assert_same_batches, linear_parameters
from kata.steps.common.fixtures import model_and_opt as ref_model_and_opt
from kata.steps.common.fixtures import seen_batches as ref_seen_batches
from kata.steps.common.judging import linear, model_and_opt, seen_batches
from kata.steps.common.training import compare_training


@judge('batches', strategy=S.runs, edges=S.RUN_EDGES, max_examples=7)
def same_batches(child, ref, run):
    x, y = run.data()
    fit = child.get("fit")
    got = seen_batches(child, lambda m, o: fit(m, o, child.fixture("dataset", x, y), run.epochs, run.bs), run.lr)
    expected = ref_seen_batches(lambda m, o: ref.fit(m, o, x, y, run.epochs, run.bs), run)
    assert_same_batches(got, expected, _("batches seen by the model"))


@judge('fit', strategy=S.runs, edges=S.RUN_EDGES, max_examples=7)
def fit_matches(child, ref, run):
    def mine(x, y, epochs):  # the learner's get_model and fit, in its child
        model, opt = model_and_opt(child, run)
        child.get("fit")(model, opt, child.fixture("dataset", x, y), epochs, run.bs)
        return linear(model)

    def expected(x, y, epochs):  # step04's fit, here
        model, opt = ref_model_and_opt(ref, run)
        ref.fit(model, opt, x, y, epochs, run.bs)
        return linear_parameters(model)

    compare_training(run, mine, expected, child)
