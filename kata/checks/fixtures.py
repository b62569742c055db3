"""What the checks build around the learner's code: models with chosen weights, a model that
records the batches it sees, and the one oracle of step 00 (torch's own arithmetic)."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from kata.compare import Mismatch, as_tensor
from kata.strategies import N_CLASSES, N_FEATURES


def set_params(model: nn.Module, values: dict[str, torch.Tensor], what: str) -> nn.Module:
    """Copy `values` into the model's parameters of those names, in place (optimizers keep working)."""
    params = dict(model.named_parameters())
    for name, value in values.items():
        if name not in params:
            have = ", ".join(f"{n} {tuple(p.shape)}" for n, p in params.items()) or "none"
            raise Mismatch(what, f"has no parameter named `{name}` (its parameters: {have}).")
        if params[name].shape != value.shape:
            raise Mismatch(what, f"parameter `{name}` has shape {tuple(params[name].shape)}, "
                           f"expected {tuple(value.shape)}.")
        with torch.no_grad():
            params[name].copy_(value)
    return model


def expect_parameters(model: nn.Module, expected: dict[str, tuple[int, ...]], what: str) -> None:
    """Exactly these parameters, with these shapes, registered and requiring grad."""
    if not isinstance(model, nn.Module):
        raise Mismatch(what, f"expected an nn.Module, got {type(model).__name__}.")
    got = {n: tuple(p.shape) for n, p in model.named_parameters()}
    if got != expected:
        show = lambda d: ", ".join(f"{n} {s}" for n, s in d.items()) or "none"  # noqa: E731
        raise Mismatch(what, f"registers {show(got)}; expected {show(expected)}. Only nn.Parameter "
                       "attributes (and layers' own parameters) are registered.")
    for n, p in model.named_parameters():
        if not p.requires_grad:
            raise Mismatch(what, f"parameter `{n}` does not require grad.")


def parameters_after(model: nn.Module) -> dict[str, torch.Tensor]:
    return {n: p.detach().clone() for n, p in model.named_parameters()}


def leaf_copies(*tensors: torch.Tensor) -> tuple[torch.Tensor, ...]:
    return tuple(t.detach().clone().requires_grad_() for t in tensors)


def oracle_fit(x, y, weights, bias, lr, epochs, bs) -> None:
    """Mini-batch SGD written with torch's own loss: what a correct step 00 fit computes."""
    n = x.shape[0]
    for _ in range(epochs):
        for start in range(0, n, bs):
            loss = F.cross_entropy(x[start:start + bs] @ weights + bias, y[start:start + bs])
            loss.backward()
            with torch.no_grad():
                for p in (weights, bias):
                    p -= p.grad * lr
                    p.grad = None


class Recorder(nn.Module):
    """A logistic model that keeps a copy of every batch it is called on (and in which mode)."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(N_FEATURES, N_CLASSES)
        self.seen: list[torch.Tensor] = []
        self.modes: list[tuple[bool, bool]] = []  # (training, grad enabled) per call

    def forward(self, xb):
        self.seen.append(as_tensor(xb, "a batch").detach().clone())
        self.modes.append((self.training, torch.is_grad_enabled()))
        return self.lin(xb)  # (bs, 784) -> (bs, 10)


def assert_same_batches(got: list[torch.Tensor], expected: list[torch.Tensor], what: str) -> None:
    from kata.compare import assert_same

    if len(got) != len(expected):
        sizes = lambda bs: [len(b) for b in bs]  # noqa: E731
        raise Mismatch(what, f"expected {_batches(len(expected))} of sizes {sizes(expected)}, "
                       f"got {len(got)} of sizes {sizes(got)}.")
    if _same_rows_reordered(got, expected):
        raise Mismatch(what, "the same rows arrive in another order: the batches are shuffled, "
                       "where step05 keeps the data set's order.")
    for i, (g, e) in enumerate(zip(got, expected)):
        assert_same(g, e, f"{what}, batch {i}")


def _batches(n: int) -> str:
    return f"{n} batch" if n == 1 else f"{n} batches"


def _same_rows_reordered(got: list[torch.Tensor], expected: list[torch.Tensor]) -> bool:
    try:
        g, e = torch.cat(got), torch.cat(expected)  # (n, ...) all rows, in the order seen
    except (RuntimeError, TypeError):
        return False
    if g.shape != e.shape or torch.equal(g, e):
        return False
    key = lambda t: t.reshape(len(t), -1)[:, 0].argsort()  # noqa: E731  rows are random: one column orders them
    return torch.equal(g[key(g)], e[key(e)])


def with_linear(model: nn.Module, w: torch.Tensor, b: torch.Tensor, what: str = "Mnist_Logistic()") -> nn.Module:
    """Give an nn.Linear-based model the hand-made weights w (784, 10): lin.weight is w.T (10, 784)."""
    return set_params(model, {"lin.weight": w.T, "lin.bias": b}, what)


def model_and_opt(module, run) -> tuple[nn.Module, torch.optim.Optimizer]:
    """`module.get_model(run.lr)`, its model holding the run's initial weights."""
    got = module.get_model(run.lr)
    if not (isinstance(got, tuple) and len(got) == 2):
        raise Mismatch("get_model(lr)", f"should return (model, opt), got {type(got).__name__}.")
    model, opt = got
    return with_linear(model, *run.weights()), opt


def seen_batches(fit_call, run) -> list[torch.Tensor]:
    """The x batches a fit hands to the model, in order: `fit_call(model, opt)` trains a Recorder."""
    model = Recorder()
    fit_call(model, torch.optim.SGD(model.parameters(), lr=run.lr))
    return model.seen


def linear_parameters(model: nn.Module) -> dict[str, torch.Tensor]:
    return {"lin.weight": model.lin.weight, "lin.bias": model.lin.bias}


def with_hand_made(model: nn.Module, w: torch.Tensor, b: torch.Tensor, what: str = "Mnist_Logistic()") -> nn.Module:
    """Give a step02-style model (parameters `weights` and `bias`) the weights w (784, 10) and b."""
    return set_params(model, {"weights": w, "bias": b}, what)


def compare_training(run, mine, expected) -> None:
    """Train both ways on the run's data and compare every parameter afterwards.

    `mine` and `expected` take (x, y, epochs), train a fresh model from the run's initial
    weights, and return its parameters by name (in the same layout). When they differ, the
    message also says after which update they first part, by re-training on the first k batches.
    """
    x, y = run.data()
    try:
        _assert_parameters(mine(x, y, run.epochs), expected(x, y, run.epochs), " after fit")
    except Mismatch as e:
        where = _first_update_that_differs(run, x, y, mine, expected)
        raise Mismatch(e.what, f"{e.detail}\n{where}" if where else e.detail) from None


def _assert_parameters(got: dict, expected: dict, suffix: str) -> None:
    from kata.compare import assert_same

    for name, value in expected.items():
        assert_same(got[name], value, f"{name}{suffix}")


def _first_update_that_differs(run, x, y, mine, expected) -> str:
    updates = run.n_batches * run.epochs
    for k in range(1, run.n_batches + 1):
        rows = k * run.bs
        try:
            _assert_parameters(mine(x[:rows], y[:rows], 1), expected(x[:rows], y[:rows], 1), "")
        except Mismatch:
            last = min(rows, run.n)
            first = "the very first update already differs: look at the output, loss and gradient checks too." \
                if k == 1 else "the updates before it agree."
            return f"They part at update {k} of {updates} (batch {k}, rows {(k - 1) * run.bs}..{last - 1}): {first}"
        except Exception:  # the learner's code fails on a shorter run: the full message says enough
            return ""
    return "The first epoch agrees; they part in a later epoch." if run.epochs > 1 else ""


# --- steps 07-11 ---

# --- steps 12-14 ---


def seeded(factory, seed: int, what: str):
    """`factory()` right after torch.manual_seed(seed): the same layers get the same initial weights."""
    torch.manual_seed(seed)
    model = factory()
    if not isinstance(model, nn.Module):
        raise Mismatch(what, f"expected an nn.Module, got {type(model).__name__}.")
    return model


def copy_parameters(model: nn.Module, source: nn.Module, what: str) -> nn.Module:
    """Give `model` exactly the parameters of `source`: same names, same shapes, nothing missing or extra."""
    got = {n: tuple(p.shape) for n, p in model.named_parameters()}
    expected = {n: tuple(p.shape) for n, p in source.named_parameters()}
    missing = [f"{n} {s}" for n, s in expected.items() if n not in got]
    extra = [f"{n} {s}" for n, s in got.items() if n not in expected]
    shapes = [f"{n} is {got[n]}, expected {s}" for n, s in expected.items() if n in got and got[n] != s]
    if missing or extra or shapes:
        parts = ([f"has no {', '.join(missing)}"] if missing else []) + (
            [f"has {', '.join(extra)}, which the hand-written version does not"] if extra else []) + shapes
        raise Mismatch(what, "; ".join(parts) + ". Keep the hand-written layers, their names and sizes: only "
                       "the parts the step replaces change.")
    return set_params(model, {n: p.detach() for n, p in source.named_parameters()}, what)


def assert_batch_kept(got, expected: torch.Tensor, what: str) -> None:
    """assert_same, first naming the one shape slip that matters here: the batch dimension flattened away."""
    from kata.compare import assert_same

    got = as_tensor(got, what)
    if got.dim() == expected.dim() - 1 and got.numel() == expected.numel() and expected.shape[0] == 1:
        raise Mismatch(what, f"expected shape {tuple(expected.shape)}, got {tuple(got.shape)}: the batch "
                       "dimension is gone, so one image came out as a plain vector. Something flattened from "
                       "dimension 0 (torch.flatten(x) or nn.Flatten(0)) and merged the batch into the features.")
    assert_same(got, expected, what)


def printed(fn, *args):
    """(fn(*args), what it printed to stdout)."""
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = fn(*args)
    return result, out.getvalue()
