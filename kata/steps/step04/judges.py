"""step04_optim against the reference step03_linear."""
from kata.steps import strategies as S
from kata.steps.common.base import judge
from kata.steps.common.fixtures import linear_parameters
from kata.steps.common.fixtures import with_linear as ref_with_linear
from kata.steps.common.judging import expect_sgd, linear, model_and_opt, model_pair
from kata.steps.common.training import compare_training


def compare_fit(child, ref, run):
    def mine(x, y, epochs):  # the learner's get_model and fit, in its child
        model, opt = model_and_opt(child, run)
        child.get("fit")(model, opt, x, y, epochs, run.bs)
        return linear(model)

    def expected(x, y, epochs):  # step03's fit, here
        model = ref_with_linear(ref.Mnist_Logistic(), *run.weights())
        ref.fit(model, x, y, run.lr, epochs, run.bs)
        return linear_parameters(model)

    compare_training(run, mine, expected, child)


@judge('sgd', strategy=S.learning_rates, edges=(0.5,), max_examples=4)
def optimizer_is_sgd(child, ref, lr):
    model, opt = model_pair(child.get("get_model")(lr))
    expect_sgd(model, opt, lr)


@judge('one-update', strategy=S.single_updates, edges=S.SINGLE_UPDATE_EDGES, max_examples=5)
def one_update_matches(child, ref, run):
    compare_fit(child, ref, run)


@judge('k-updates', strategy=S.many_updates, edges=S.MANY_UPDATE_EDGES, max_examples=7)
def many_updates_match(child, ref, run):
    compare_fit(child, ref, run)
