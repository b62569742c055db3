"""step05_dataset against the reference step04_optim."""
from kata.steps import strategies as S
from kata.steps.checks.base import prop
from kata.steps.checks.fixtures import assert_same_batches, compare_training, linear_parameters
from kata.steps.checks.fixtures import model_and_opt as ref_model_and_opt
from kata.steps.checks.fixtures import seen_batches as ref_seen_batches
from kata.steps.checks.judging import linear, model_and_opt, seen_batches


@prop("step05.batches", "fit on TensorDataset(x, y) hands the model the same batches, in the same order, as step04",
      stage="batches", uses=("fit",), strategy=S.runs, edges=S.RUN_EDGES, max_examples=20,
      hints=(("train_ds[a:b] returns the pair (x[a:b], y[a:b]): one slice of the dataset per batch, batch i "
              "starting at row i * bs."),
             "len(train_ds) is the number of rows; the batch count still rounds up: (n - 1) // bs + 1.",
             "for i in range(<the rounded-up batch count>): xb, yb = train_ds[i * bs : i * bs + bs]"))
def same_batches(child, ref, run):
    x, y = run.data()
    fit = child.get("fit")
    got = seen_batches(child, lambda m, o: fit(m, o, child.fixture("dataset", x, y), run.epochs, run.bs), run.lr)
    expected = ref_seen_batches(lambda m, o: ref.fit(m, o, x, y, run.epochs, run.bs), run)
    assert_same_batches(got, expected, "batches seen by the model")


@prop("step05.fit", "fit(model, opt, train_ds, ...) from the same weights ≈ step04's fit(model, opt, x, y, ...)",
      stage="update", uses=("get_model", "fit"), strategy=S.runs, edges=S.RUN_EDGES, max_examples=20,
      hints=("Only where the batches come from changes: the loss, backward, step and zero_grad stay as in step04.",
             ("fit receives the dataset, not x and y: fit(model, opt, train_ds, epochs, bs), and slicing train_ds "
              "gives xb and yb together."),
             ("xb, yb = train_ds[i * bs : i * bs + bs]; then step04's loss, loss.backward(), opt.step(), "
              "opt.zero_grad()")))
def fit_matches(child, ref, run):
    def mine(x, y, epochs):  # the learner's get_model and fit, in its child
        model, opt = model_and_opt(child, run)
        child.get("fit")(model, opt, child.fixture("dataset", x, y), epochs, run.bs)
        return linear(model)

    def expected(x, y, epochs):  # step04's fit, here
        model, opt = ref_model_and_opt(ref, run)
        ref.fit(model, opt, x, y, epochs, run.bs)
        return linear_parameters(model)

    compare_training(run, mine, expected)


CHECKS = [same_batches, fit_matches]
