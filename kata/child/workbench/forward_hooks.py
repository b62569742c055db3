"""Fixtures and observers for steps 13-15 (flatten, hooks, regression), inside the child.

torch only: inputs the checks build and what they look at, no expected value.
"""
from __future__ import annotations

import torch
from torch import nn


class ForwardCalls:
    """A forward hook on a model and on each of its child layers, counting how often each runs."""

    def __init__(self, model: nn.Module):
        watched = [("", model)] + list(model.named_children())
        self.counts = {name: 0 for name, _ in watched}
        self.handles = [m.register_forward_hook(self._hook(name)) for name, m in watched]

    def _hook(self, name):
        def hook(module, inputs, output):
            self.counts[name] += 1
        return hook


def leaf(t: torch.Tensor) -> torch.Tensor:
    """A copy of t that requires grad, so that a layer's full backward hook has an input gradient."""
    return t.detach().clone().requires_grad_()


def half_square_backward(out: torch.Tensor) -> None:
    """backward of (out ** 2 / 2).sum(): d loss / d out is out itself."""
    (out ** 2 / 2).sum().backward()


def forward_calls(counter: ForwardCalls) -> dict:
    for handle in counter.handles:
        handle.remove()
    return dict(counter.counts)


def requires_grad(t) -> bool | None:
    return bool(t.requires_grad) if isinstance(t, torch.Tensor) else None


FIXTURES = {
    "forward_calls": ForwardCalls,
    "leaf": leaf,
    "half_square_backward": lambda: half_square_backward,
}

OBSERVERS = {
    "forward_calls": forward_calls,
    "requires_grad": requires_grad,
    "children": lambda model: [name for name, _ in model.named_children()],
}
