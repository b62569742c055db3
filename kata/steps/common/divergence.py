"""What parts first when a training run parts from the reference's: gradients, momentum, or the step.

Both sides' traces come from kata.child.update_trace (the learner's from its child, checked here as
untrusted data). Leaves are paired by shape, in the order the backward passes met them, and named
after the reference's parameters where a shape names one.
"""
from __future__ import annotations

import torch

from kata.i18n import N_, _, n_
from kata.judging.compare import assert_close

NOT_ZEROED = N_("the gradients at update {i} are this batch's plus those of the update before: they are not "
              "zeroed after each update (opt.zero_grad(), or .grad.zero_() on each parameter).")


def what_parts(got, want: list, names: dict[str, torch.Tensor]) -> tuple[str, str]:
    """One sentence: the first update whose gradients or momentum buffers differ, or that neither does; and
    the id of the mistake it shows (kata.steps.mistakes), "" when it points elsewhere (the loss, the output)."""
    got = _events(got)
    if got is None:
        return "", ""
    got_b, want_b = _of(got, "backward", "grads"), _of(want, "backward", "grads")
    got_s, want_s = _of(got, "step", "momentum"), _of(want, "step", "momentum")
    used_got, used_want = _of(got, "step", "used"), _of(want, "step", "used") or want_b  # by hand: as backward left them
    if len(got_b) != len(want_b):
        return n_("over those {batches} batches your code ran {n} backward pass where the reference ran {batches}: "
                  "one loss.backward() per batch, inside the batch loop.",
                  "over those {batches} batches your code ran {n} backward passes where the reference ran {batches}: "
                  "one loss.backward() per batch, inside the batch loop.", len(got_b)).format(
            batches=len(want_b), n=len(got_b)), "backward-per-batch"
    for i, wanted in enumerate(want_b):
        name = _first_differing(got_b[i], wanted, names)
        if name is not None:
            if i > 0 and _first_differing(_minus(got_b[i], got_b[i - 1]), wanted, names) is None:
                return _(NOT_ZEROED).format(i=i + 1), "grads-not-zeroed"
            return _("the gradients already differ at update {i} ({name} first), before any step uses them: "
                     "look at the loss and the model's output on that batch.").format(i=i + 1, name=name), ""
        if i < len(used_want) and i < len(used_got):
            name = _first_differing(used_got[i], used_want[i], names)
            if name is not None:
                return _("the gradients are right after backward, but at update {i} the optimizer's step finds "
                         "others ({name} first): nothing may change or zero them between backward and step."
                         ).format(i=i + 1, name=name), "grads-changed-before-step"
        held = _momentum(got_s[i] if i < len(got_s) else [], want_s[i] if i < len(want_s) else [], names, i + 1)
        if held:
            return held
    if any(m is not None for step in want_s for m in step):
        return _("the gradients agree at every update and so do the optimizer's momentum buffers: the step itself "
                 "differs (the learning rate, its sign, or what is subtracted from the parameters)."), "step-differs"
    return _("the gradients agree at every update: the step itself differs (the learning rate, "
             "its sign, or what is subtracted from the parameters)."), "step-differs"


def _momentum(got: list, want: list, names, update: int) -> tuple[str, str] | None:
    has_got, has_want = any(m is not None for m in got), any(m is not None for m in want)
    if has_want and not has_got:
        return _("the gradients agree, but from update {update} the reference's optimizer keeps momentum buffers "
                 "and yours keeps none: give SGD its momentum.").format(update=update), "momentum-missing"
    if has_got and not has_want:
        return _("the gradients agree, but from update {update} your optimizer keeps momentum buffers where "
                 "the reference's keeps none: plain SGD, no momentum.").format(update=update), "momentum-extra"
    name = _first_differing(got, want, names) if has_want else None
    if name is not None:
        return _("the gradients agree, but the optimizer's momentum buffers part at update {update} ({name} "
                 "first): look at the momentum SGD is given.").format(update=update, name=name), "momentum-differs"
    return None


def _events(got) -> list | None:
    """The learner's trace, if it has the shape of one: a list of events holding tensors or None."""
    if not isinstance(got, list):
        return None
    for event in got:
        if not (isinstance(event, dict) and event.get("event") in ("backward", "step")):
            return None
        for key in ("grads",) if event["event"] == "backward" else ("used", "momentum"):
            values = event.get(key)
            if not isinstance(values, list) or not all(v is None or isinstance(v, torch.Tensor) for v in values):
                return None
    return got


def _of(events: list, kind: str, key: str) -> list[list]:
    return [e[key] for e in events if e["event"] == kind]


def _minus(now: list, before: list) -> list:
    if len(now) != len(before):
        return now
    return [a - b if isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor) and a.shape == b.shape else a
            for a, b in zip(now, before)]


def _first_differing(got: list, want: list, names: dict[str, torch.Tensor]) -> str | None:
    """The name of the first of the reference's leaves whose value differs from the learner's leaf of
    the same shape (paired in order), or None when every one agrees."""
    pool: dict[tuple, list] = {}
    for value in got:
        if value is not None:
            pool.setdefault(tuple(value.shape), []).append(value)
    for value in want:
        if value is None:
            continue
        shape = tuple(value.shape)
        mine = pool.get(shape, [])
        if not mine and len(shape) == 2 and pool.get(shape[::-1]):  # nn.Linear's (out, in) against a hand-made (in, out)
            mine, value, shape = pool[shape[::-1]], value.T, shape[::-1]
        if not mine:
            return _name(shape, names)
        other = mine.pop(0)
        try:
            assert_close(other.to(value.dtype), value)
        except AssertionError:
            return _name(shape, names)
    return None


def _name(shape: tuple, names: dict[str, torch.Tensor]) -> str:
    named = [n for n, t in names.items() if isinstance(t, torch.Tensor) and tuple(t.shape) in (shape, shape[::-1])]
    return f"`{named[0]}`" if len(named) == 1 else _("the {shape} parameter").format(shape=shape)
