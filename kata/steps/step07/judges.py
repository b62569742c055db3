"""step07_validation against the reference step06_dataloader."""
import torch
import torch.nn.functional as F

from kata.i18n import _
from kata.judging.compare import Mismatch
from kata.steps import strategies as S
from kata.steps.common.base import judge
from kata.steps.common.fixtures import in_order, linear_parameters
from kata.steps.common.fixtures import model_and_opt as ref_model_and_opt
from kata.steps.common.judging import Unlike, linear, with_linear
from kata.steps.common.reported import agrees, assert_losses, fit_losses
from kata.steps.common.training import compare_fits


def logistic(child, run):
    """A logistic model in the child (it records its calls) holding the run's weights, and plain SGD over it."""
    model = with_linear(child.fixture("recorder"), *run.weights(), what=_("the judge's logistic model"))
    return model, child.fixture("sgd", model, run.lr)


def loaders(child, run):
    """The run's training batches in order (shuffling off) and its validation batches, as child-side loaders."""
    return child.fixture("in_order", *run.data(), run.bs), child.fixture("in_order", *run.valid_data(), run.valid_bs)


def pair(got, what: str):
    items = got.unpack(2)
    if items is None:
        raise Unlike(what, _("should return a pair, got {type}.").format(type=got.type))
    return items


# --- get_data ----------------------------------------------------------------------------------------

def datasets(child, split):
    """Split's two data sets, built in the child (row i holds the number i)."""
    rows = lambda n: child.fixture("dataset", torch.arange(n), torch.arange(n) % S.N_CLASSES)
    return rows(split.n), rows(split.n_valid)


def rows_of(child, loader, what: str) -> list[torch.Tensor]:
    """The row numbers in each batch of a child-side loader over Split's data sets."""
    out = []
    for i, batch in enumerate(child.observe("batches", loader)):
        if not (isinstance(batch, (tuple, list)) and len(batch) == 2):
            shown = batch.get("unsendable") if isinstance(batch, dict) else type(batch).__name__
            raise Unlike(_("{what}, batch {i}").format(what=what, i=i),
                         _("should be a pair (xb, yb), got {shown}.").format(shown=shown))
        out.append(torch.as_tensor(batch[0]).reshape(-1).to(torch.int64))
    return out

def show(batches: list[torch.Tensor], limit: int = 6) -> str:
    text = ", ".join(str(b.tolist()) for b in batches[:limit])
    return f"[{text}{', ...' if len(batches) > limit else ''}]"


def expected_sizes(n: int, bs: int) -> list[int]:
    return [min(bs, n - start) for start in range(0, n, bs)]


@judge('valid-loader', strategy=S.splits, edges=S.SPLIT_EDGES, max_examples=5)
def validation_loader(child, ref, split):
    train_ds, valid_ds = datasets(child, split)
    _unused, valid_dl = pair(child.get("get_data")(train_ds, valid_ds, split.bs), "get_data(train_ds, valid_ds, bs)")
    got = rows_of(child, valid_dl, "valid_dl")
    sizes = [len(b) for b in got]
    if sizes != expected_sizes(split.n_valid, 2 * split.bs):
        raise Mismatch(_("valid_dl's batches"), _("expected sizes {expected} (batch size 2 * bs = {bs}), got "
                                                  "{sizes}.").format(
            expected=expected_sizes(split.n_valid, 2 * split.bs), bs=2 * split.bs, sizes=sizes))
    rows = torch.cat(got)
    if not torch.equal(rows, torch.arange(split.n_valid)):
        raise Mismatch(_("valid_dl's batches"), _("the validation rows come as {rows}: expected them in the data "
                                                  "set's order. Validation does not train, so there is nothing to "
                                                  "shuffle for.").format(rows=show(got)))


def global_state(seed: int) -> torch.Tensor:
    """The state of torch's global generator right after torch.manual_seed(seed), computed on a generator of the
    judge's own (the same kind, so the same state)."""
    return torch.Generator().manual_seed(seed).get_state()


@judge('train-loader', strategy=S.splits, edges=S.SPLIT_EDGES, max_examples=5)
def training_loader(child, ref, split):
    """The tutorial's loader shuffles with torch's global generator, the reference's with a generator of its
    own: both pass. What is judged is what the loader does: every row once per epoch, a new order every
    epoch, the same orders again from the same random state, and get_data leaves the global generator as
    it found it (seeding is the program's business, once, at its top)."""
    train_ds, valid_ds = datasets(child, split)
    # every call into the child starts from torch.manual_seed(its seed); never 0 here, so that a
    # torch.manual_seed(0) inside get_data (its seed argument's default) changes the state and shows
    state_seed = split.seed + 1

    def loader(check_state: bool):
        train_dl, _unused = pair(child.get("get_data")(train_ds, valid_ds, split.bs, seed=state_seed),
                                 "get_data(train_ds, valid_ds, bs)")
        if check_state and not torch.equal(child.observe("global_rng_state"), global_state(state_seed)):
            raise Mismatch(_("torch's global random generator after get_data(...)"), _(
                "is not as get_data found it: get_data reseeded it (torch.manual_seed inside get_data?) or drew "
                "from it. Seeding is the program's business, once, at its top: reseeded inside get_data, every "
                "random number drawn after it (the model's initial weights, each epoch's shuffle) comes out the "
                "same whatever seed the program chose. A DataLoader with shuffle=True draws its order when it is "
                "iterated, from the global generator or from a torch.Generator of its own (generator=...)."))
        return train_dl

    def two_epochs(train_dl) -> list[list[torch.Tensor]]:
        return [rows_of(child, train_dl, "train_dl") for _epoch in range(2)]

    first = two_epochs(loader(check_state=True))
    for epoch, got in enumerate(first, 1):
        sizes = [len(b) for b in got]
        if sizes != expected_sizes(split.n, split.bs):
            raise Mismatch(_("train_dl's batches in epoch {epoch}").format(epoch=epoch),
                           _("expected sizes {expected}, got {sizes}.").format(
                               expected=expected_sizes(split.n, split.bs), sizes=sizes))
        if not torch.equal(torch.cat(got).sort().values, torch.arange(split.n)):
            raise Mismatch(_("train_dl's batches in epoch {epoch}").format(epoch=epoch),
                           _("rows {rows}: every training row should come exactly once per epoch.").format(
                               rows=show(got)))
    flat = [torch.cat(epoch) for epoch in first]
    if split.n >= 8:  # fewer rows may come out in order by chance
        if all(torch.equal(f, torch.arange(split.n)) for f in flat):
            raise Mismatch(_("train_dl's batches"), _("come in the data set's order in both epochs, {rows}: "
                                                      "the training loader should shuffle.").format(rows=show(first[0])))
        if torch.equal(flat[0], flat[1]):
            raise Mismatch(_("train_dl's batches"), _("come in the same order in both epochs, {rows}: a "
                                                      "shuffling DataLoader draws a new order every epoch.").format(
                rows=show(first[0])))
    again = two_epochs(loader(check_state=False))
    for epoch, (f, a) in enumerate(zip(first, again), 1):
        if not (len(f) == len(a) and all(torch.equal(p, q) for p, q in zip(f, a))):
            raise Mismatch(_("train_dl's batch order"), _(
                "with torch's global generator in the same state before get_data, epoch {epoch} gave {first} once "
                "and {again} the next time: the order should come from torch's random generator (DataLoader's "
                "shuffle=True, drawing from the global generator or from the loader's own), so that seeding the "
                "program repeats the run.").format(epoch=epoch, first=show(f), again=show(a)))


# --- fit ---------------------------------------------------------------------------------------------

def describe_call(i: int, run) -> str:
    per_epoch = run.n_batches + run.n_valid_batches
    epoch, j = divmod(i, per_epoch)
    if j < run.n_batches:
        return _("call {call} of the model (training batch {batch} of epoch {epoch})").format(
            call=i + 1, batch=j + 1, epoch=epoch + 1)
    return _("call {call} of the model (validation batch {batch} of epoch {epoch})").format(
        call=i + 1, batch=j - run.n_batches + 1, epoch=epoch + 1)


def describe_mode(mode: tuple[bool, bool]) -> str:
    training, grad = mode
    if training:
        return _("train mode with gradients on") if grad else _("train mode with gradients off")
    return _("eval mode with gradients on") if grad else _("eval mode with gradients off")


def run_fit(child, run, model, opt, epochs: int, train_dl=None, capture: bool = False):
    """The learner's fit(epochs, model, loss_func, opt, train_dl, valid_dl) in its child, in-order loaders;
    with `capture`, what it prints comes back with the result (the tutorial's fit prints its losses)."""
    default_train, valid_dl = loaders(child, run)
    return child.get("fit")(epochs, model, child.fixture("cross_entropy"), opt, train_dl or default_train, valid_dl,
                            capture=capture)


@judge('modes', strategy=S.valid_runs, edges=S.VALID_RUN_EDGES, max_examples=5)
def train_and_eval_modes(child, ref, run):
    model = child.fixture("recorder")
    run_fit(child, run, model, child.fixture("sgd", model, run.lr), run.epochs)
    modes = [tuple(bool(v) for v in m) for m in child.observe("recorder", model)["modes"]]
    expected = ([(True, True)] * run.n_batches + [(False, False)] * run.n_valid_batches) * run.epochs
    for i, (got, want) in enumerate(zip(modes, expected)):
        if got != want:
            raise Unlike(_("the model's mode"), _("{call} ran in {got}; expected {want}.").format(
                call=describe_call(i, run), got=describe_mode(got), want=describe_mode(want)))
    if len(modes) != len(expected):
        raise Unlike(_("the model's calls"), _("the model was called {calls} times, expected {expected}: {train} "
                                               "training and {valid} validation batch(es) in each of {epochs} "
                                               "epoch(s).").format(
            calls=len(modes), expected=len(expected), train=run.n_batches, valid=run.n_valid_batches,
            epochs=run.epochs))


@judge('valid-loss', strategy=S.valid_runs, edges=S.VALID_RUN_EDGES, max_examples=5)
def validation_loss_over_the_whole_set(child, ref, run):
    model, opt = logistic(child, run)
    # the list fit returns, or, for the tutorial's fit (it returns None), the losses it prints
    got = fit_losses(run_fit(child, run, model, opt, run.epochs, capture=True), run.epochs)
    # step06's fit, one epoch at a time, and the loss over the whole validation set after each
    train_dl, valid_dl = in_order(*run.data(), run.bs), in_order(*run.valid_data(), run.valid_bs)
    expected_model, expected_opt = ref_model_and_opt(ref, run)
    x_valid, y_valid = run.valid_data()
    expected, batch_means = [], []
    for _epoch in range(run.epochs):
        ref.fit(expected_model, expected_opt, train_dl, 1)
        with torch.no_grad():
            expected.append(F.cross_entropy(expected_model(x_valid), y_valid))  # (n_valid, 10) -> a scalar
            batch_means.append(torch.stack([F.cross_entropy(expected_model(xb), yb) for xb, yb in valid_dl]).mean())
    try:
        assert_losses(got, torch.stack(expected), _("the validation loss fit reports for each epoch"))
    except Mismatch as e:
        if agrees(got, torch.stack(batch_means)):
            last = run.n_valid - (run.n_valid_batches - 1) * run.valid_bs
            e = Mismatch(e.what, e.detail + "\n" + _(
                "That is the plain mean of the {batches} batch means: the last batch, of {last} row(s), weighs as "
                "much as a full one of {bs}.").format(batches=run.n_valid_batches, last=last, bs=run.valid_bs))
        raise e from None


@judge('fit', strategy=S.valid_runs, edges=S.VALID_RUN_EDGES, max_examples=5)
def fit_matches(child, ref, run):
    def mine(x, y, epochs):  # the learner's fit, in its child, on the judge's model
        model, opt = logistic(child, run)
        run_fit(child, run, model, opt, epochs, child.fixture("in_order", x, y, run.bs))
        return linear(model), None

    def expected(x, y, epochs):  # step06's fit, here
        model, opt = ref_model_and_opt(ref, run)
        ref.fit(model, opt, in_order(x, y, run.bs), epochs)
        return linear_parameters(model), None

    compare_fits(run, mine, expected, child)
