"""What the checks build around the learner's code: models with chosen weights, a model that
records the batches it sees, and the one oracle of step 00 (torch's own arithmetic)."""
from __future__ import annotations

import copy
from collections import OrderedDict

import torch
import torch.nn.functional as F
from torch import nn

from kata.child import seeding
from kata.child.workbench import Recorder, tensor_digest
from kata.i18n import _, n_
from kata.judging.compare import Mismatch, as_tensor
from kata.steps.common.judging import Unlike


def set_params(model: nn.Module, values: dict[str, torch.Tensor], what: str) -> nn.Module:
    """Copy `values` into the model's parameters of those names, in place (optimizers keep working)."""
    params = dict(model.named_parameters())
    for name, value in values.items():
        if name not in params:
            have = ", ".join(f"{n} {tuple(p.shape)}" for n, p in params.items()) or _("none")
            raise Mismatch(what, _("has no parameter named `{name}` (its parameters: {have}).").format(
                name=name, have=have))
        if params[name].shape != value.shape:
            raise Mismatch(what, _("parameter `{name}` has shape {got}, expected {expected}.").format(
                name=name, got=tuple(params[name].shape), expected=tuple(value.shape)))
        with torch.no_grad():
            params[name].copy_(value)
    return model


def leaf_copies(*tensors: torch.Tensor) -> tuple[torch.Tensor, ...]:
    return tuple(t.detach().clone().requires_grad_() for t in tensors)


def oracle_fit(x, y, weights, bias, lr, epochs, bs) -> None:
    """Mini-batch SGD written with torch's own loss: what a correct step 00 fit computes."""
    n = x.shape[0]
    for _epoch in range(epochs):
        for start in range(0, n, bs):
            loss = F.cross_entropy(x[start:start + bs] @ weights + bias, y[start:start + bs])
            loss.backward()
            with torch.no_grad():
                for p in (weights, bias):
                    p -= p.grad * lr
                    p.grad = None


def assert_same_batches(got: list[torch.Tensor], expected: list[torch.Tensor], what: str) -> None:
    from kata.judging.compare import assert_same

    if len(got) != len(expected):
        sizes = lambda bs: [len(b) for b in bs]  # noqa: E731
        raise Mismatch(what, n_("expected {n} batch of sizes {sizes}, got {got} of sizes {got_sizes}.",
                                "expected {n} batches of sizes {sizes}, got {got} of sizes {got_sizes}.",
                                len(expected)).format(n=len(expected), sizes=sizes(expected), got=len(got),
                                                      got_sizes=sizes(got)))
    if _same_rows_reordered(got, expected):
        first = next(i for i, (g, e) in enumerate(zip(got, expected)) if g.shape != e.shape or not torch.equal(g, e))
        raise Mismatch(what, _("the same rows arrive in another order: batch {i} of {n} is the first whose rows "
                               "differ ({rows} expected there). The batches are shuffled, where the step before "
                               "keeps the data set's order.").format(i=first + 1, n=len(expected),
                                                                       rows=_rows(expected, first)))
    for i, (g, e) in enumerate(zip(got, expected)):
        assert_same(g, e, _("{what}, batch {i}").format(what=what, i=i))


def _rows(batches: list[torch.Tensor], i: int) -> str:
    start = sum(len(b) for b in batches[:i])
    return _("rows {first}..{last}").format(first=start, last=start + len(batches[i]) - 1)


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
    model, opt = model_pair(module.get_model(run.lr))
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


def quietly(fn, *args):
    """fn(*args) with what it prints swallowed: fit prints a line per epoch, the report must not."""
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):
        return fn(*args)


def as_losses(got, epochs: int, what: str = "fit(...)") -> torch.Tensor:
    """fit's return value, one validation loss per epoch, as a float64 tensor (epochs,)."""
    if got is None:
        raise Mismatch(what, _("returned None: fit should return the list of validation losses, one per epoch."))
    if not isinstance(got, (list, tuple)) or len(got) != epochs:
        shown = _("{n} values").format(n=len(got)) if isinstance(got, (list, tuple)) else type(got).__name__
        raise Mismatch(what, _("should return a list of {epochs} validation loss(es), one per epoch; got {shown}."
                               ).format(epochs=epochs, shown=shown))
    values = []
    for i, value in enumerate(got):
        if isinstance(value, torch.Tensor) and value.numel() == 1:
            value = value.item()
        try:
            values.append(float(value))
        except (TypeError, ValueError):
            raise Mismatch(what, _("value {i} of the list is {type}, not a number.").format(
                i=i, type=type(value).__name__)) from None
    return torch.tensor(values, dtype=torch.float64)  # (epochs,)


def in_order(x: torch.Tensor, y: torch.Tensor, bs: int):
    """A loader over (x, y) in batches of bs, in order (no shuffling), the last batch shorter."""
    from torch.utils.data import DataLoader, TensorDataset

    return DataLoader(TensorDataset(x, y), batch_size=bs)


def model_pair(got, what: str = "get_model(lr)") -> tuple[nn.Module, torch.optim.Optimizer]:
    if not (isinstance(got, tuple) and len(got) == 2):
        raise Unlike(what, _("should return (model, opt), got {type}.").format(type=type(got).__name__))
    if not isinstance(got[0], nn.Module):
        raise Unlike(what, _("should return (model, opt): the model is {type}, not an nn.Module.").format(
            type=type(got[0]).__name__))
    return got


def convs(model: nn.Module, what: str) -> list[nn.Conv2d]:
    """The model's nn.Conv2d layers in the order they are registered: for nn.Sequential, the order they run."""
    if not isinstance(model, nn.Module):
        raise Unlike(what, _("expected an nn.Module, got {type}.").format(type=type(model).__name__))
    found = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    if len(found) != 3:
        raise Unlike(what, _("has {n} nn.Conv2d layer(s); the tutorial's CNN has 3 (1 -> 16 -> 16 -> 10 "
                             "channels).").format(n=len(found)))
    return found


def with_convs(model: nn.Module, weights, what: str) -> nn.Module:
    """Give the model's three convolutions, in order, the (weight, bias) pairs `weights`, in place."""
    for i, (conv, (w, b)) in enumerate(zip(convs(model, what), weights), 1):
        if conv.weight.shape != w.shape:
            raise Unlike(what, _("convolution {i} has weight {got}, expected {expected} (out channels, in channels, "
                                 "3, 3).").format(i=i, got=tuple(conv.weight.shape), expected=tuple(w.shape)))
        if conv.bias is None:
            raise Unlike(what, _("convolution {i} has no bias; the tutorial's have one (bias=True, the default)."
                                 ).format(i=i))
        with torch.no_grad():
            conv.weight.copy_(w)
            conv.bias.copy_(b)
    return model


def conv_parameters(model: nn.Module, what: str, grad: bool = False) -> dict[str, torch.Tensor]:
    """conv1.weight, conv1.bias, ... named by position (or their .grad), whatever the model calls them."""
    out = {}
    for i, conv in enumerate(convs(model, what), 1):
        for kind in ("weight", "bias"):
            p = getattr(conv, kind)
            if grad and p.grad is None:
                raise Mismatch(f"conv{i}.{kind}.grad", _("is None after backward(): the loss does not depend on it."))
            out[f"conv{i}.{kind}"] = (p.grad if grad else p).detach().cpu()
    return out


def tutorial_cnn(images: torch.Tensor, weights) -> torch.Tensor:
    """The tutorial's CNN in torch.nn.functional, on images of any size: (bs, 1, H, W) -> (bs, 10)."""
    xb = images
    for w, b in weights:
        xb = F.relu(F.conv2d(xb, w, b, stride=2, padding=1))  # each side halves, rounded up
    return xb.mean(dim=(2, 3))  # the average of each map: avg_pool2d(xb, 4) when it is 4x4


_SEEDED: OrderedDict = OrderedDict()  # (factory, seed, dtype) -> (a pristine copy, the random state after it)
SEEDED_AT_MOST = 8  # a 32-channel CNN is 3 MB: a few seeds, the ones a check's cases come back to


def seeded(factory, seed: int, what: str):
    """`factory()` right after torch.manual_seed(seed): the same layers get the same initial weights.

    Built once per seed in this process, then copied: a CNN's initialisation costs more than the copy, and
    a check's cases come back to the same seeds (the edges, then a few drawn). torch's random state is left
    as building it leaves it, and the copy carries its parameters' digests (`kata_digests`, with the
    version each was taken at) so that a judge sending them to the child need not hash them again."""
    key = (factory, seed, torch.get_default_dtype())
    if key in _SEEDED:
        _SEEDED.move_to_end(key)
        pristine, after = _SEEDED[key]
        seeding.manual_seed(seed)  # every generator as building it would leave it (an accelerator's too)
        torch.default_generator.set_state(after)
        return copy.deepcopy(pristine)
    seeding.manual_seed(seed)
    model = factory()
    if not isinstance(model, nn.Module):
        raise Mismatch(what, _("expected an nn.Module, got {type}.").format(type=type(model).__name__))
    try:
        pristine = copy.deepcopy(model)
    except Exception:  # noqa: BLE001  a model that cannot be copied is built every time
        return model
    pristine.kata_digests = {name: (p._version, tensor_digest(p)) for name, p in pristine.named_parameters()}
    _SEEDED[key] = (pristine, torch.default_generator.get_state())
    if len(_SEEDED) > SEEDED_AT_MOST:
        _SEEDED.popitem(last=False)
    return model


def assert_batch_kept(got, expected: torch.Tensor, what: str) -> None:
    """assert_same, first naming the one shape slip that matters here: the batch dimension flattened away."""
    from kata.judging.compare import assert_same

    got = as_tensor(got, what)
    if got.dim() == expected.dim() - 1 and got.numel() == expected.numel() and expected.shape[0] == 1:
        raise Mismatch(what, _("expected shape {expected}, got {got}: the batch dimension is gone, so one image "
                               "came out as a plain vector. Something flattened from dimension 0 (torch.flatten(x) or "
                               "nn.Flatten(0)) and merged the batch into the features.").format(
            expected=tuple(expected.shape), got=tuple(got.shape)))
    assert_same(got, expected, what)


def printed(fn, *args):
    """(fn(*args), what it printed to stdout)."""
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = fn(*args)
    return result, out.getvalue()


