"""Fixtures and observers for steps 00-03 (hand-made tensors, hand-registered parameters), in the child.
Their names are kept apart from the other workbenches', which are merged into the same tables.

torch only: no check, no reference, no expected value. A leaf is made here so that the learner's
code and the gradients it produces act on one child-side tensor the judge can read back afterwards.
"""
from __future__ import annotations

import torch


def leaf(t):
    """A fresh leaf tensor that requires grad, holding t's values (tensors lose requires_grad on the wire)."""
    return t.detach().clone().requires_grad_()


def now(t):
    """A tensor's values as they are now (a handle's value is read when it is made), or None."""
    return t.detach().cpu().clone() if isinstance(t, torch.Tensor) else None


def grad(t):
    """A tensor's .grad now, or None (also when it is no tensor)."""
    g = getattr(t, "grad", None) if isinstance(t, torch.Tensor) else None
    return None if g is None else g.detach().cpu().clone()


def tensor_state(t) -> dict:
    """Whether an object is a tensor, requires grad, is a leaf, and what made it."""
    if not isinstance(t, torch.Tensor):
        return {"tensor": False, "type": type(t).__qualname__}
    made_by = type(t.grad_fn).__name__ if t.grad_fn is not None else ""
    return {"tensor": True, "requires_grad": bool(t.requires_grad), "is_leaf": bool(t.is_leaf), "grad_fn": made_by}


def registered(model) -> dict | None:
    """name -> (shape, requires_grad) of every registered parameter; None when it is no nn.Module."""
    if not isinstance(model, torch.nn.Module):
        return None
    return {n: (list(p.shape), bool(p.requires_grad)) for n, p in model.named_parameters()}


FIXTURES = {"hand_leaf": leaf}

OBSERVERS = {"tensor_now": now, "tensor_grad": grad, "tensor_state": tensor_state,
             "registered_parameters": registered}
