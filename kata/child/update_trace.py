"""What each update of a training run worked with: the gradients and the optimizer's momentum buffers.

When the learner's parameters part from the reference's at update k, this says what parted first:
the gradients (the loss, the forward, or gradients carried over from the update before), the
momentum buffers (the optimizer's settings), or neither (the step itself: learning rate, sign).
The same tracer runs on both sides: in the learner's confined child around its calls, and in the
judge around the reference's. torch only.

A trace is a list of events in the order they happened:
- {"event": "backward", "grads": [...]}: after each backward, the gradient of every leaf the loss
  reached, in the order a walk of the graph from the loss meets them (the same model gives the
  same order on both sides);
- {"event": "step", "used": [...], "momentum": [...]}: for each optimizer step, the gradient of each
  of those leaves as the step found it, and its momentum buffer after it (None where the optimizer
  does not hold that leaf, or holds no buffer for it).
"""
from __future__ import annotations

import contextlib

import torch

MAX_EVENTS = 256  # a training call of a check makes a few dozen at most
MAX_NODES = 10_000  # graph nodes walked to find the leaves: far above any step's model

_trace: list | None = None  # the events of the tracing block in progress
_leaves: dict[int, torch.Tensor] = {}  # id -> leaf, in the order the backward passes met them


def _graph_leaves(loss: torch.Tensor) -> list[torch.Tensor]:
    """The leaf tensors `loss` depends on, depth first from the loss."""
    found, seen, stack = {}, set(), [getattr(loss, "grad_fn", None)]
    kept = []  # every node walked stays alive, so no id is reused (older torch makes a new wrapper per visit)
    while stack and len(kept) < MAX_NODES:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        kept.append(node)
        variable = getattr(node, "variable", None)  # an AccumulateGrad node: the leaf it fills
        if isinstance(variable, torch.Tensor):
            found.setdefault(id(variable), variable)
        stack.extend(reversed([n for n, _ in node.next_functions]))
    return list(found.values())


def _snapshot(t):
    return None if t is None else t.detach().to("cpu", copy=True)


def _backward(original):
    def traced(tensors, *args, **kwargs):
        roots = [tensors] if isinstance(tensors, torch.Tensor) else list(tensors)
        met = [leaf for root in roots for leaf in _graph_leaves(root)]
        result = original(tensors, *args, **kwargs)
        if _trace is not None and len(_trace) < MAX_EVENTS:
            for leaf in met:
                _leaves.setdefault(id(leaf), leaf)
            _trace.append({"event": "backward", "grads": [_snapshot(leaf.grad) for leaf in met]})
        return result

    traced.__wrapped__ = original
    return traced


def _held(opt) -> set[int]:
    return {id(p) for group in opt.param_groups for p in group["params"]}


def _stepping(opt, args, kwargs) -> None:
    if _trace is not None:
        held = _held(opt)
        _used.append([_snapshot(leaf.grad) if i in held else None for i, leaf in _leaves.items()])


def _stepped(opt, args, kwargs) -> None:
    used = _used.pop() if _used else []
    if _trace is None or len(_trace) >= MAX_EVENTS:
        return
    held = _held(opt)
    momentum = [_snapshot(opt.state.get(leaf, {}).get("momentum_buffer")) if i in held else None
                for i, leaf in _leaves.items()]
    _trace.append({"event": "step", "used": used, "momentum": momentum})


_used: list[list] = []  # the gradients each step in progress found, pushed before it and taken after


def tracing_now() -> bool:
    return _trace is not None


@contextlib.contextmanager
def tracing():
    """Trace the training inside the block; yields the list of events, filled as it goes."""
    global _trace
    from torch.optim.optimizer import register_optimizer_step_post_hook, register_optimizer_step_pre_hook

    if _trace is not None:  # nested: the outer block records already
        yield _trace
        return
    events: list = []
    _trace = events
    _leaves.clear()
    original = torch.autograd.backward
    torch.autograd.backward = _backward(original)
    hooks = [register_optimizer_step_pre_hook(_stepping), register_optimizer_step_post_hook(_stepped)]
    try:
        yield events
    finally:
        for hook in hooks:
            hook.remove()
        _used.clear()
        torch.autograd.backward = original
        _trace = None
        _leaves.clear()
