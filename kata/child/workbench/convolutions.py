"""Fixtures and observers for steps 09-12 (the tutorial's CNN, nn.Sequential, the wrapped loader, devices),
in the child. Their names start with "cnn_", kept apart from the other workbenches' in the merged tables.

torch only: no check, no reference, no expected value. The convolutions are found by type, in the order
they are registered (for nn.Sequential, the order they run), whatever the learner named them.
"""
from __future__ import annotations

import torch
from torch import nn


def _convs(model) -> list:
    return [(n, m) for n, m in model.named_modules() if isinstance(m, nn.Conv2d)] \
        if isinstance(model, nn.Module) else []


def conv_layers(model) -> list:
    """(name, weight shape, bias shape or None) of every nn.Conv2d, in registration order."""
    return [(n, list(m.weight.shape), None if m.bias is None else list(m.bias.shape)) for n, m in _convs(model)]


def conv_values(model, grads: bool = False) -> list:
    """(weight, bias) of every nn.Conv2d in order, or their .grad (None where there is none): CPU copies."""
    def read(p):
        t = None if p is None else (p.grad if grads else p)
        return None if t is None else t.detach().cpu().clone()
    return [(read(m.weight), read(m.bias)) for _, m in _convs(model)]


def set_convs(model, weights) -> None:
    """Copy the (weight, bias) pairs into the convolutions, in order, in place (the judge checked the shapes)."""
    with torch.no_grad():
        for (_, m), (w, b) in zip(_convs(model), weights):
            m.weight.copy_(w.to(m.weight.dtype))
            m.bias.copy_(b.to(m.bias.dtype))


def relus(model) -> int:
    return sum(isinstance(m, nn.ReLU) for m in model.modules()) if isinstance(model, nn.Module) else 0


def shape_and_device(t) -> dict:
    """A result's type, shape and device: what the judge can know of a tensor on the meta device."""
    if not isinstance(t, torch.Tensor):
        return {"tensor": False, "type": type(t).__qualname__}
    return {"tensor": True, "shape": list(t.shape), "device": str(t.device)}


def batch_map():
    """Some function of a batch, for the wrapper to apply: (xb, yb) -> (xb * 10, yb + 1)."""
    return lambda xb, yb: (xb * 10, yb + 1)


def affine():
    return lambda t: t * 2 + 1


def on_device(func, dev):
    """func(xb, yb, dev) with dev filled in: the loaders' preprocess for one device."""
    return lambda xb, yb: func(xb, yb, dev)


FIXTURES = {"cnn_batch_map": batch_map, "cnn_affine": affine, "cnn_on_device": on_device,
            "cnn_sequential": lambda *layers: nn.Sequential(*layers)}

OBSERVERS = {"cnn_conv_layers": conv_layers, "cnn_conv_values": conv_values, "cnn_set_convs": set_convs,
             "cnn_relus": relus, "cnn_shape_and_device": shape_and_device}
