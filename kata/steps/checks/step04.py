"""step04_optim against the reference step03_linear."""
from kata.steps import strategies as S
from kata.steps.checks.base import prop
from kata.steps.checks.fixtures import compare_training, linear_parameters
from kata.steps.checks.fixtures import with_linear as ref_with_linear
from kata.steps.checks.judging import expect_sgd, linear, model_and_opt, model_pair


def compare_fit(child, ref, run):
    def mine(x, y, epochs):  # the learner's get_model and fit, in its child
        model, opt = model_and_opt(child, run)
        child.get("fit")(model, opt, x, y, epochs, run.bs)
        return linear(model)

    def expected(x, y, epochs):  # step03's fit, here
        model = ref_with_linear(ref.Mnist_Logistic(), *run.weights())
        ref.fit(model, x, y, run.lr, epochs, run.bs)
        return linear_parameters(model)

    compare_training(run, mine, expected)


@prop("step04.sgd", "get_model(lr) returns (model, opt): plain SGD over all the model's parameters with that lr",
      stage="structure", uses=("get_model",), strategy=S.learning_rates, edges=(0.5,), max_examples=4,
      hints=("get_model builds two things and returns both: the model, and the optimizer that will update it.",
             "torch.optim.SGD(params, lr=lr) takes the parameters to update and the learning rate; "
             "model.parameters() gives them all.",
             "model = Mnist_Logistic(); return model, optim.SGD(<the model's parameters>, lr=<the lr given>)"))
def optimizer_is_sgd(child, ref, lr):
    model, opt = model_pair(child.get("get_model")(lr))
    expect_sgd(model, opt, lr)


@prop("step04.one-update", "one update (all rows in one batch) ≈ step03's update", stage="update",
      uses=("get_model", "fit"), strategy=S.single_updates, edges=S.SINGLE_UPDATE_EDGES, max_examples=15,
      hints=("One batch, one update: the loss, its gradients, then the optimizer moves every parameter once.",
             "After loss.backward(), opt.step() applies p -= lr * p.grad to every parameter it holds.",
             "for each batch: loss = loss_func(model(xb), yb); loss.backward(); opt.step(); opt.zero_grad()"))
def one_update_matches(child, ref, run):
    compare_fit(child, ref, run)


@prop("step04.k-updates", "k updates over several batches and epochs ≈ step03's; gradients do not pile up",
      stage="update", uses=("get_model", "fit"), strategy=S.many_updates, edges=S.MANY_UPDATE_EDGES,
      max_examples=20,
      hints=("Gradients add up in .grad until something zeroes them: each batch's update must use that "
             "batch's gradient only.",
             "opt.zero_grad() clears the gradients of every parameter the optimizer holds.",
             "once per batch, after opt.step(): opt.zero_grad()"))
def many_updates_match(child, ref, run):
    compare_fit(child, ref, run)


CHECKS = [optimizer_is_sgd, one_update_matches, many_updates_match]
