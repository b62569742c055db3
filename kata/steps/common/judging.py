"""The judge's helpers for objects that live in the learner's child (kata.judging.remote.Remote).

Each turns a child-side object into what the checks compare (parameters, an optimizer's settings,
the batches a recorder saw), or says in the learner's words why it cannot.
"""
from __future__ import annotations

import contextlib
import reprlib

import torch

from kata.i18n import _
from kata.judging.compare import Mismatch
from kata.judging.remote import NotPlain


class Unlike(Mismatch):
    """A Mismatch about how the code is put together (a mode, a type, a device, a missing method), not a
    value that parts from the reference's."""


def model_pair(got, what: str = "get_model(lr)"):
    """(model, opt) handles from a call that should return that pair."""
    items = got.unpack(2)
    if items is None:
        raise Unlike(what, _("should return (model, opt), got {type}.").format(type=got.type))
    if not items[0].is_a("module"):
        raise Unlike(what, _("should return (model, opt): the model is {type}, not an nn.Module.").format(
            type=items[0].type))
    return items


def set_params(model, values: dict[str, torch.Tensor], what: str):
    """Copy `values` into the child-side model's parameters of those names, in place."""
    have = model.child.observe("set_parameters", model, values)
    if have is not None:
        for name, value in values.items():
            if name not in have:
                shown = ", ".join(f"{n} {tuple(s)}" for n, s in have.items()) or _("none")
                raise Unlike(what, _("has no parameter named `{name}` (its parameters: {have}).").format(
                    name=name, have=shown))
            if tuple(have[name]) != tuple(value.shape):
                raise Unlike(what, _("parameter `{name}` has shape {got}, expected {expected}.").format(
                    name=name, got=tuple(have[name]), expected=tuple(value.shape)))
    return model


def params(model, grads: bool = False) -> dict[str, torch.Tensor]:
    """Every named parameter of the child-side model (or its gradient, None where there is none)."""
    return model.child.observe("parameters", model, grads=grads)


def linear(model) -> dict[str, torch.Tensor]:
    """lin.weight and lin.bias of a logistic model in the child."""
    got = params(model)
    missing = [n for n in ("lin.weight", "lin.bias") if n not in got]
    if missing:
        raise Unlike(_("the model"), _("has no {names}: keep the layer named `lin` (self.lin = ...).").format(
            names=", ".join(missing)))
    return {n: got[n] for n in ("lin.weight", "lin.bias")}


def with_linear(model, w: torch.Tensor, b: torch.Tensor, what: str = "Mnist_Logistic()"):
    """Give a child-side nn.Linear model the hand-made weights w (784, 10): lin.weight is w.T (10, 784)."""
    return set_params(model, {"lin.weight": w.detach().T, "lin.bias": b.detach()}, what)


def model_and_opt(child, run, what: str = "get_model(lr)"):
    """The learner's get_model(run.lr): its model holding the run's initial weights."""
    model, opt = model_pair(child.get("get_model")(run.lr), what)
    return with_linear(model, *run.weights()), opt


def expect_sgd(model, opt, lr: float, momentum: float = 0.0, what: str = "opt") -> None:
    """opt is SGD over every parameter of model, with learning rate lr and this momentum, nothing else:
    plain SGD (momentum 0) is what the hand-written update did; the tutorial's CNN uses momentum 0.9."""
    got = opt.child.observe("optimizer", opt, model)
    if not got["is_sgd"]:
        raise Mismatch(what, _("is {type}, expected torch.optim.SGD.").format(type=got["type"]))
    if got["missing"]:
        raise Mismatch(what, _("does not update {names}: build it over model.parameters().").format(
            names=", ".join(got["missing"])))
    groups = got["groups"]
    lrs = sorted({g.get("lr") for g in groups})
    if lrs != [lr]:
        raise Mismatch(what, _("has learning rate {lrs}, expected {lr}: use the lr get_model is given.").format(
            lrs=lrs, lr=lr))
    momenta = sorted({g.get("momentum", 0) for g in groups})
    if momenta != [momentum]:
        want = _("no momentum: plain SGD, as the hand-written update") if momentum == 0 else \
            f"SGD(model.parameters(), lr=lr, momentum={momentum})"
        raise Mismatch(what, _("has momentum {got}, expected {momentum} ({want}).").format(
            got=momenta, momentum=momentum, want=want))
    g = groups[0]
    if g.get("weight_decay", 0) or g.get("nesterov", False) or g.get("dampening", 0):
        raise Mismatch(what, _("must be plain SGD: no weight decay, dampening or Nesterov momentum."))


_SHORT = reprlib.Repr()
_SHORT.maxlist = _SHORT.maxtuple = _SHORT.maxset = 6
_SHORT.maxdict, _SHORT.maxlevel, _SHORT.maxstring, _SHORT.maxother = 4, 3, 80, 80


def short(value, width: int = 80) -> str:
    """repr(value) in at most `width` characters, made from its first few items only: an answer may hold
    thousands of them, and the whole repr would cost the judge seconds before it is cut."""
    return f"{_SHORT.repr(value):.{width}}"


def charged(got):
    """The judge's work on a child-side answer counts against the learner's time (kata.judging.remote)."""
    child = getattr(got, "child", None)
    return child.charged() if hasattr(child, "charged") else contextlib.nullcontext()


def tensor(got, what: str) -> torch.Tensor:
    """A child-side result that should be a tensor, as one."""
    with charged(got):
        try:
            value = got.value()
        except NotPlain:
            value = got
        if isinstance(value, torch.Tensor):
            return value
        shown = short(value)
    raise Mismatch(what, _("expected a tensor, got {type} {value}").format(
        type=getattr(got, "type", type(value).__name__), value=shown))


def seen_batches(child, fit_call, lr: float) -> list[torch.Tensor]:
    """The x batches a learner's fit hands to the model, in order: `fit_call(model, opt)` trains a recorder."""
    model = child.fixture("recorder")
    fit_call(model, child.fixture("sgd", model, lr))
    return child.observe("recorder", model)["seen"]


def expect_parameters(model, expected: dict[str, tuple[int, ...]], what: str) -> None:
    """Exactly these parameters, with these shapes, registered and requiring grad, in the child-side model."""
    got = model.child.observe("registered_parameters", model)
    if got is None:
        raise Mismatch(what, _("expected an nn.Module, got {type}.").format(type=model.type))
    shapes = {n: tuple(shape) for n, (shape, _grad) in got.items()}
    if shapes != expected:
        show = lambda d: ", ".join(f"{n} {s}" for n, s in d.items()) or _("none")
        raise Mismatch(what, _("registers {got}; expected {expected}. Only nn.Parameter "
                               "attributes (and layers' own parameters) are registered.").format(
            got=show(shapes), expected=show(expected)))
    for n, (_shape, requires_grad) in got.items():
        if not requires_grad:
            raise Mismatch(what, _("parameter `{name}` does not require grad.").format(name=n))
