"""step04_optim against the reference step03_linear."""
from torch import optim

from kata import strategies as S
from kata.checks.base import prop
from kata.checks.fixtures import with_linear
from kata.compare import Mismatch, assert_same

ACCUMULATE = ("Gradients add up in .grad until something zeroes them: once per batch, after opt.step(), "
              "opt.zero_grad().")


def learner_model(learner, run):
    """The learner's (model, opt) from get_model(lr), the model holding the run's weights."""
    got = learner.get_model(run.lr)
    if not (isinstance(got, tuple) and len(got) == 2):
        raise Mismatch("get_model(lr)", f"should return (model, opt), got {type(got).__name__}.")
    model, opt = got
    w, b = run.weights()
    return with_linear(model, w, b), opt


def reference_fit(ref, run):
    """step03's fit from the same weights: its model afterwards."""
    x, y = run.data()
    w, b = run.weights()
    model = with_linear(ref.Mnist_Logistic(), w, b)
    ref.fit(model, x, y, run.lr, run.epochs, run.bs)
    return model


def compare_fit(learner, ref, run):
    x, y = run.data()
    model, opt = learner_model(learner, run)
    learner.fit(model, opt, x, y, run.epochs, run.bs)
    expected = reference_fit(ref, run)
    assert_same(model.lin.weight, expected.lin.weight, "lin.weight after fit")
    assert_same(model.lin.bias, expected.lin.bias, "lin.bias after fit")


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
