"""step04_optim against the reference step03_linear."""
from kata import strategies as S
from kata.checks.base import prop
from kata.checks.fixtures import compare_training, expect_sgd, linear_parameters, model_and_opt, model_pair, with_linear

ACCUMULATE = ("Gradients add up in .grad until something zeroes them: once per batch, after opt.step(), "
              "opt.zero_grad().")


def compare_fit(learner, ref, run):
    def mine(x, y, epochs):
        model, opt = model_and_opt(learner, run)
        learner.fit(model, opt, x, y, epochs, run.bs)
        return linear_parameters(model)

    def expected(x, y, epochs):
        model = with_linear(ref.Mnist_Logistic(), *run.weights())
        ref.fit(model, x, y, run.lr, epochs, run.bs)
        return linear_parameters(model)

    compare_training(run, mine, expected)


@prop("get_model(lr) returns (model, opt): plain SGD over all the model's parameters with that lr",
      uses=("get_model",), strategy=S.learning_rates, edges=(0.5,), max_examples=4)
def optimizer_is_sgd(learner, ref, lr):
    model, opt = model_pair(learner.get_model(lr))
    expect_sgd(model, opt, lr)


@prop("one update (all rows in one batch) ≈ step03's update", uses=("get_model", "fit"),
      strategy=S.single_updates, edges=S.SINGLE_UPDATE_EDGES, max_examples=15)
def one_update_matches(learner, ref, run):
    compare_fit(learner, ref, run)


@prop("k updates over several batches and epochs ≈ step03's; gradients do not pile up",
      uses=("get_model", "fit"), strategy=S.many_updates, edges=S.MANY_UPDATE_EDGES, max_examples=20,
      hint=ACCUMULATE)
def many_updates_match(learner, ref, run):
    compare_fit(learner, ref, run)


CHECKS = [optimizer_is_sgd, one_update_matches, many_updates_match]
