"""step04_optim against the reference step03_linear."""
from torch import optim

from kata import strategies as S
from kata.checks.base import prop
from kata.checks.fixtures import compare_training, linear_parameters, model_and_opt, with_linear
from kata.compare import Mismatch

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
    got = learner.get_model(lr)
    if not (isinstance(got, tuple) and len(got) == 2):
        raise Mismatch("get_model(lr)", f"should return (model, opt), got {type(got).__name__}.")
    model, opt = got
    if not isinstance(opt, optim.SGD):
        raise Mismatch("opt", f"is {type(opt).__name__}, expected torch.optim.SGD.")
    in_opt = {id(p) for group in opt.param_groups for p in group["params"]}
    missing = [n for n, p in model.named_parameters() if id(p) not in in_opt]
    if missing:
        raise Mismatch("opt", f"does not update {', '.join(missing)}: build it over model.parameters().")
    lrs = {group["lr"] for group in opt.param_groups}
    if lrs != {lr}:
        raise Mismatch("opt", f"has learning rate {sorted(lrs)}, expected {lr}.")
    settings = opt.param_groups[0]
    if settings.get("momentum", 0) or settings.get("weight_decay", 0) or settings.get("nesterov", False):
        raise Mismatch("opt", "must be plain SGD (no momentum, no weight decay) to match the hand-written update.")


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
