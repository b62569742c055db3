"""step07_validation against the reference step06_dataloader."""
import torch
import torch.nn.functional as F
from torch import optim

from kata.steps import strategies as S
from kata.steps.checks.base import prop
from kata.steps.checks.fixtures import (Recorder, Unlike, as_losses, compare_fits, in_order, linear_parameters,
                                  model_and_opt, parameters_after, quietly)
from kata.engine.compare import Mismatch, assert_same

WEIGHTED, MODES, LOADERS, LOSS_BATCH = 0, 1, 2, 3  # the step's hints, by index


def loaders(run):
    """The run's training batches in order (shuffling off) and its validation batches."""
    return in_order(*run.data(), run.bs), in_order(*run.valid_data(), run.valid_bs)


def pair(got, what: str):
    if not (isinstance(got, (tuple, list)) and len(got) == 2):
        raise Unlike(what, f"should return a pair, got {type(got).__name__} {got!r:.60}.")
    return got


def number(value, what: str) -> torch.Tensor:
    """A loss the learner returned (a float, or a one-element tensor) as a float64 scalar tensor."""
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        value = value.item()
    if not isinstance(value, (int, float)):
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise Mismatch(what, f"should be a number, got {type(value).__name__} {value!r:.60}.") from None
    return torch.tensor(float(value), dtype=torch.float64)


# --- loss_batch --------------------------------------------------------------------------------------

@prop("loss_batch(model, loss_func, xb, yb) returns (the loss as a number, len(xb)) and updates nothing; "
      "given opt, it takes one step ≈ step06's update", uses=("loss_batch",),
      strategy=S.single_updates, edges=S.SINGLE_UPDATE_EDGES, max_examples=10, hint=LOSS_BATCH)
def loss_batch_steps_only_with_opt(learner, ref, run):
    x, y = run.data()
    model, opt = model_and_opt(ref, run)
    calls = []

    def recording_loss(out, yb):  # the loss_func it is given: loss_batch must use this one
        calls.append(len(yb))
        return F.cross_entropy(out, yb)

    before = parameters_after(model)
    loss, size = pair(learner.loss_batch(model, recording_loss, x, y), "loss_batch(model, loss_func, xb, yb)")
    if not calls:
        raise Unlike("loss_batch(model, loss_func, xb, yb)", "never called the loss_func it was given: compute "
                       "the loss with that argument, not with a loss function of your own.")
    w, b = run.weights()
    assert_same(number(loss, "the loss loss_batch returns"), F.cross_entropy(x @ w + b, y),
                "the loss loss_batch returns")
    if size != len(x):
        raise Unlike("the size loss_batch returns", f"expected len(xb) = {len(x)}, got {size!r}.")
    for name, p in model.named_parameters():
        assert_same(p, before[name], f"{name} after loss_batch without opt (nothing may change)")
        if p.grad is not None and p.grad.abs().sum() > 0:
            raise Mismatch(f"{name}.grad after loss_batch without opt", "is set: backward() ran, though without "
                           "opt there is nothing to update; the next step would add this gradient to its own.")

    learner.loss_batch(model, recording_loss, x, y, opt)
    expected, expected_opt = model_and_opt(ref, run)
    ref.fit(expected, expected_opt, in_order(x, y, len(x)), 1)  # step06: one batch, one update
    for name, value in linear_parameters(expected).items():
        assert_same(getattr(model.lin, name.split(".")[1]), value, f"{name} after loss_batch with opt")


# --- get_data ----------------------------------------------------------------------------------------

def rows_of(loader, what: str) -> list[torch.Tensor]:
    """The row numbers in each batch of a loader over Split's data sets (row i holds i)."""
    batches = []
    for i, batch in enumerate(loader):
        xb, _ = pair(batch, f"{what}, batch {i}")
        batches.append(torch.as_tensor(xb).reshape(-1).to(torch.int64))
    return batches


def show(batches: list[torch.Tensor], limit: int = 6) -> str:
    text = ", ".join(str(b.tolist()) for b in batches[:limit])
    return f"[{text}{', ...' if len(batches) > limit else ''}]"


def expected_sizes(n: int, bs: int) -> list[int]:
    return [min(bs, n - start) for start in range(0, n, bs)]


@prop("get_data(train_ds, valid_ds, bs, seed): valid_dl gives every validation row once, in order, in batches "
      "of 2 * bs, the last one shorter", uses=("get_data",), strategy=S.splits, edges=S.SPLIT_EDGES,
      max_examples=12, hint=LOADERS)
def validation_loader(learner, ref, split):
    train_ds, valid_ds = split.datasets()
    _, valid_dl = pair(learner.get_data(train_ds, valid_ds, split.bs, split.seed), "get_data(...)")
    got = rows_of(valid_dl, "valid_dl")
    sizes = [len(b) for b in got]
    if sizes != expected_sizes(split.n_valid, 2 * split.bs):
        raise Mismatch("valid_dl's batches", f"expected sizes {expected_sizes(split.n_valid, 2 * split.bs)} "
                       f"(batch size 2 * bs = {2 * split.bs}), got {sizes}.")
    rows = torch.cat(got)
    if not torch.equal(rows, torch.arange(split.n_valid)):
        raise Mismatch("valid_dl's batches", f"the validation rows come as {show(got)}: expected them in the data "
                       "set's order. Validation does not train, so there is nothing to shuffle for.")


@prop("get_data's train_dl gives every training row once per epoch in batches of bs, shuffled anew each epoch; "
      "the same seed gives the same orders, whatever else draws random numbers", uses=("get_data",),
      strategy=S.splits, edges=S.SPLIT_EDGES, max_examples=12, hint=LOADERS)
def training_loader(learner, ref, split):
    train_ds, valid_ds = split.datasets()

    def two_epochs(seed: int, draw_between: bool) -> list[list[torch.Tensor]]:
        train_dl, _ = pair(learner.get_data(train_ds, valid_ds, split.bs, seed), "get_data(...)")
        if draw_between:
            torch.rand(3)  # what building a model does between get_data and fit: draw from the global generator
        return [rows_of(train_dl, "train_dl") for _ in range(2)]

    first = two_epochs(split.seed, draw_between=False)
    for epoch, got in enumerate(first, 1):
        sizes = [len(b) for b in got]
        if sizes != expected_sizes(split.n, split.bs):
            raise Mismatch(f"train_dl's batches in epoch {epoch}", f"expected sizes {expected_sizes(split.n, split.bs)}, "
                           f"got {sizes}.")
        if not torch.equal(torch.cat(got).sort().values, torch.arange(split.n)):
            raise Mismatch(f"train_dl's batches in epoch {epoch}", f"rows {show(got)}: every training row should "
                           "come exactly once per epoch.")
    flat = [torch.cat(epoch) for epoch in first]
    if split.n >= 8:  # fewer rows may come out in order by chance
        if all(torch.equal(f, torch.arange(split.n)) for f in flat):
            raise Mismatch("train_dl's batches", f"come in the data set's order in both epochs, {show(first[0])}: "
                           "the training loader should shuffle.")
        if torch.equal(flat[0], flat[1]):
            raise Mismatch("train_dl's batches", f"come in the same order in both epochs, {show(first[0])}: a "
                           "shuffling DataLoader draws a new order every epoch.")
    again = two_epochs(split.seed, draw_between=True)
    for epoch, (f, a) in enumerate(zip(first, again), 1):
        if not (len(f) == len(a) and all(torch.equal(p, q) for p, q in zip(f, a))):
            raise Mismatch("train_dl's batch order", f"get_data with seed={split.seed} gave {show(f)} in epoch {epoch}, "
                           f"then {show(a)} when something drew from torch's global random generator between "
                           "get_data and the loop (as building a model does). The shuffle should depend on the seed "
                           "alone.")
    if split.n >= 8:
        other = two_epochs(split.seed + 1, draw_between=False)
        if all(torch.equal(torch.cat(f), torch.cat(o)) for f, o in zip(first, other)):
            raise Mismatch("train_dl's batch order", f"seed={split.seed} and seed={split.seed + 1} give the same orders: "
                           "the seed argument is not used.")


# --- fit ---------------------------------------------------------------------------------------------

def describe_call(i: int, run) -> str:
    per_epoch = run.n_batches + run.n_valid_batches
    epoch, j = divmod(i, per_epoch)
    phase = f"training batch {j + 1}" if j < run.n_batches else f"validation batch {j - run.n_batches + 1}"
    return f"call {i + 1} of the model ({phase} of epoch {epoch + 1})"


def describe_mode(mode: tuple[bool, bool]) -> str:
    training, grad = mode
    return f"{'train' if training else 'eval'} mode with gradients {'on' if grad else 'off'}"


@prop("fit trains in train mode with gradients on, then validates in eval mode under torch.no_grad(), "
      "every epoch", uses=("fit",), strategy=S.valid_runs, edges=S.VALID_RUN_EDGES, max_examples=10, hint=MODES)
def train_and_eval_modes(learner, ref, run):
    model = Recorder()
    train_dl, valid_dl = loaders(run)
    quietly(learner.fit, run.epochs, model, F.cross_entropy, optim.SGD(model.parameters(), lr=run.lr),
            train_dl, valid_dl)
    expected = ([(True, True)] * run.n_batches + [(False, False)] * run.n_valid_batches) * run.epochs
    for i, (got, want) in enumerate(zip(model.modes, expected)):
        if got != want:
            raise Unlike("the model's mode", f"{describe_call(i, run)} ran in {describe_mode(got)}; expected "
                           f"{describe_mode(want)}.")
    if len(model.modes) != len(expected):
        raise Unlike("the model's calls", f"the model was called {len(model.modes)} times, expected "
                       f"{len(expected)}: {run.n_batches} training and {run.n_valid_batches} validation batch(es) "
                       f"in each of {run.epochs} epoch(s).")


@prop("fit returns each epoch's validation loss: the mean loss over every validation row, whatever the batch "
      "sizes", uses=("fit",), strategy=S.valid_runs, edges=S.VALID_RUN_EDGES, max_examples=15, hint=WEIGHTED)
def validation_loss_over_the_whole_set(learner, ref, run):
    train_dl, valid_dl = loaders(run)
    model, opt = model_and_opt(ref, run)
    got = as_losses(quietly(learner.fit, run.epochs, model, F.cross_entropy, opt, train_dl, valid_dl), run.epochs)
    # step06's fit, one epoch at a time, and the loss over the whole validation set after each
    expected_model, expected_opt = model_and_opt(ref, run)
    x_valid, y_valid = run.valid_data()
    expected, batch_means = [], []
    for _ in range(run.epochs):
        ref.fit(expected_model, expected_opt, train_dl, 1)
        with torch.no_grad():
            expected.append(F.cross_entropy(expected_model(x_valid), y_valid))  # (n_valid, 10) -> a scalar
            batch_means.append(torch.stack([F.cross_entropy(expected_model(xb), yb) for xb, yb in valid_dl]).mean())
    try:
        assert_same(got, torch.stack(expected), "the validation loss fit returns for each epoch")
    except Mismatch as e:
        if torch.allclose(got, torch.stack(batch_means)):
            last = run.n_valid - (run.n_valid_batches - 1) * run.valid_bs
            e = Mismatch(e.what, f"{e.detail}\nThat is the plain mean of the {run.n_valid_batches} batch means: the "
                         f"last batch, of {last} row(s), weighs as much as a full one of {run.valid_bs}.")
        raise e from None


@prop("with the training batches in order, fit from the same weights ≈ step06's fit", uses=("fit",),
      strategy=S.valid_runs, edges=S.VALID_RUN_EDGES, max_examples=15)
def fit_matches(learner, ref, run):
    def mine(x, y, epochs):
        model, opt = model_and_opt(ref, run)
        quietly(learner.fit, epochs, model, F.cross_entropy, opt, in_order(x, y, run.bs),
                in_order(*run.valid_data(), run.valid_bs))
        return linear_parameters(model), None

    def expected(x, y, epochs):
        model, opt = model_and_opt(ref, run)
        ref.fit(model, opt, in_order(x, y, run.bs), epochs)
        return linear_parameters(model), None

    compare_fits(run, mine, expected)


CHECKS = [loss_batch_steps_only_with_opt, validation_loader, training_loader, train_and_eval_modes,
          validation_loss_over_the_whole_set, fit_matches]
