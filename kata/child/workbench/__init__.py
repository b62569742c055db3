"""What the checks build around the learner's code, and what they look at, inside the child.

Fixtures are objects the judge asks the child to make (a model that records what it sees, an
in-order loader, a loss that counts its calls); observers turn a child-side object into plain
data (its parameters, its gradients, an optimizer's settings). torch only: this module is loaded
into the confined child, so it holds no check, no reference and no expected value.
"""
from __future__ import annotations

import contextlib
import hashlib
import math

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from kata.child.workbench import convolutions, forward_hooks, global_rng, hand_made, train_drivers

N_FEATURES, N_CLASSES = 784, 10
NOT_PLAIN = object()
MAX_ITEMS = 100_000  # list items or dict entries turned into plain data
MAX_TEXT = 2000


def kinds(obj) -> list[str]:
    found = [name for name, cls in (("module", nn.Module), ("optimizer", torch.optim.Optimizer),
                                     ("tensor", torch.Tensor), ("loader", DataLoader),
                                     ("dataset", torch.utils.data.Dataset), ("device", torch.device),
                                     ("sequence", (list, tuple))) if isinstance(obj, cls)]
    if callable(obj):
        found.append("callable")
    return found


def plain(obj, strict: bool, depth: int = 0):
    """obj as wire data (tensors, numbers, text, lists, tuples, dicts of those), or NOT_PLAIN.
    Not strict: only what is cheap to send with every handle (small containers)."""
    if depth > 8:
        return NOT_PLAIN
    if obj is None or isinstance(obj, (bool, int, float)):
        return obj
    if isinstance(obj, str):
        return obj[:MAX_TEXT]
    if isinstance(obj, torch.Tensor):
        if obj.device.type == "meta" or obj.is_sparse or obj.dtype not in _SENDABLE:
            return NOT_PLAIN
        return obj.detach().cpu().clone()
    if isinstance(obj, torch.device):
        return str(obj)
    if isinstance(obj, (list, tuple)):
        if len(obj) > (MAX_ITEMS if strict else 64):
            return NOT_PLAIN
        items = [plain(v, strict, depth + 1) for v in obj]
        if any(v is NOT_PLAIN for v in items):
            return NOT_PLAIN
        return tuple(items) if isinstance(obj, tuple) else items
    if isinstance(obj, dict) and strict and len(obj) <= MAX_ITEMS and all(isinstance(k, str) for k in obj):
        items = {k: plain(v, strict, depth + 1) for k, v in obj.items()}
        return NOT_PLAIN if any(v is NOT_PLAIN for v in items.values()) else items
    return NOT_PLAIN


_SENDABLE = {torch.float64, torch.float32, torch.float16, torch.bfloat16, torch.int64, torch.int32, torch.int16,
             torch.int8, torch.uint8, torch.bool}


@contextlib.contextmanager
def cuda_available(answer: bool):
    """torch.cuda.is_available() answers as on a machine with (or without) a GPU."""
    real = torch.cuda.is_available
    torch.cuda.is_available = lambda: answer
    try:
        yield
    finally:
        torch.cuda.is_available = real


# --- fixtures ------------------------------------------------------------------------------------

class Recorder(nn.Module):
    """A logistic model that keeps a copy of every batch it is called on, and in which mode."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(N_FEATURES, N_CLASSES)
        self.seen: list[torch.Tensor] = []
        self.modes: list[tuple[bool, bool]] = []  # (training, grad enabled) per call

    def forward(self, xb):
        self.seen.append(torch.as_tensor(xb).detach().clone())
        self.modes.append((self.training, torch.is_grad_enabled()))
        return self.lin(xb)  # (bs, 784) -> (bs, 10)


class RecordingLoss:
    """F.cross_entropy that counts the rows of each call: was the loss it was given the one used?"""

    def __init__(self):
        self.calls: list[int] = []

    def __call__(self, out, yb):
        self.calls.append(len(yb))
        return F.cross_entropy(out, yb)


def in_order(x, y, bs: int) -> DataLoader:
    """A loader over (x, y) in batches of bs, in order, the last batch shorter."""
    return DataLoader(TensorDataset(x, y), batch_size=bs)


FIXTURES = {
    "recorder": Recorder,
    "recording_loss": RecordingLoss,
    "in_order": in_order,
    "dataset": TensorDataset,
    "cross_entropy": lambda: F.cross_entropy,
    "sgd": lambda model, lr, momentum=0.0: torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum),
    "list": list,
    "linear": nn.Linear,
    "conv": lambda c_in, c_out: nn.Conv2d(c_in, c_out, kernel_size=3, stride=2, padding=1),
    "double": lambda: (lambda t: t * 2),
    "device": torch.device,
}


# --- observers -----------------------------------------------------------------------------------

def parameters(model, grads: bool = False) -> dict:
    """Every named parameter (or its .grad, None where there is none), detached copies."""
    out = {}
    for name, p in model.named_parameters():
        t = p.grad if grads else p
        out[name] = None if t is None else plain(t, strict=True)
    return out


def tensor_digest(t: torch.Tensor) -> str:
    """The tensor's dtype, shape and bytes, hashed: two tensors of one digest are equal bit for bit."""
    t = t.detach().cpu().contiguous()
    data = t.reshape(-1).view(torch.uint8).numpy() if t.numel() else b""
    return f"{t.dtype} {tuple(t.shape)} {hashlib.sha256(data).hexdigest()}"


def parameter_digests(model) -> dict:
    """{name: (shape, digest)} of every named parameter: what a judge needs to know which of them it must
    send (kata.steps.step13.judges.copy_parameters), without the values coming back."""
    return {name: (list(p.shape), tensor_digest(p)) for name, p in model.named_parameters()}


def set_parameters(model, values: dict) -> dict | None:
    """Copy `values` into the parameters of those names, in place (optimizers keep working).
    None when done; else what the model has, so the judge can say what differs."""
    have = dict(model.named_parameters())
    if any(n not in have or have[n].shape != v.shape for n, v in values.items()):
        return {n: list(p.shape) for n, p in have.items()}
    with torch.no_grad():
        for name, value in values.items():
            have[name].copy_(value.to(have[name].dtype))
    return None


def optimizer(opt, model=None) -> dict:
    """An optimizer's settings, and which of the model's parameters it updates."""
    groups = [{k: v for k, v in g.items() if k != "params" and isinstance(v, (bool, int, float, type(None)))}
              for g in getattr(opt, "param_groups", [])]
    covered = {id(p) for g in getattr(opt, "param_groups", []) for p in g.get("params", [])}
    missing = [] if model is None else [n for n, p in model.named_parameters() if id(p) not in covered]
    return {"type": type(opt).__qualname__, "is_sgd": isinstance(opt, torch.optim.SGD), "groups": groups,
            "missing": missing}


def momentum_buffers(opt, model) -> dict:
    state = getattr(opt, "state", {})
    return {n: plain(state.get(p, {}).get("momentum_buffer"), strict=True) for n, p in model.named_parameters()}


def recorder(rec) -> dict:
    return {"seen": list(rec.seen), "modes": [tuple(m) for m in rec.modes]}


def modules(model) -> list:
    """(name, type, parameter shapes) of every submodule, in registration order."""
    return [(name, type(m).__qualname__, {n: list(p.shape) for n, p in m.named_parameters(recurse=False)})
            for name, m in model.named_modules()]


def hooks(model) -> dict:
    """How many hooks are still registered on the model and its submodules."""
    count = lambda attr: sum(len(getattr(m, attr, {})) for m in model.modules())  # noqa: E731
    return {"forward": count("_forward_hooks"), "backward": count("_backward_hooks"),
            "forward_pre": count("_forward_pre_hooks")}


def devices(obj) -> dict:
    """Where a tensor, a model's parameters or a sequence of tensors live: name -> device string."""
    if isinstance(obj, nn.Module):
        return {n: str(p.device) for n, p in obj.named_parameters()}
    if isinstance(obj, torch.Tensor):
        return {"": str(obj.device)}
    if isinstance(obj, (list, tuple)):
        return {str(i): str(t.device) if isinstance(t, torch.Tensor) else type(t).__qualname__
                for i, t in enumerate(obj)}
    return {"": type(obj).__qualname__}


def length(obj) -> int | None:
    try:
        n = len(obj)
    except Exception:  # noqa: BLE001  no __len__, or a broken one: the judge says so
        return None
    return n if isinstance(n, int) and 0 <= n < math.inf else None


def batches(loader, limit: int = 10_000) -> list:
    """Every batch a loader yields in one pass, as plain data (pairs of tensors, usually)."""
    out = []
    for i, batch in enumerate(loader):
        if i >= limit:
            break
        out.append(plain(batch, strict=True) if plain(batch, strict=True) is not NOT_PLAIN
                   else {"unsendable": type(batch).__qualname__})
    return out


OBSERVERS = {
    "parameters": parameters,
    "parameter_digests": parameter_digests,
    "set_parameters": set_parameters,
    "optimizer": optimizer,
    "momentum_buffers": momentum_buffers,
    "recorder": recorder,
    "loss_calls": lambda loss: list(loss.calls),
    "modules": modules,
    "hooks": hooks,
    "devices": devices,
    "length": length,
    "batches": batches,
    "training": lambda model: bool(model.training),
}

# fixtures and observers of the step families that need their own (CNN, hooks, regression...), merged
# into the tables above: a name defined twice is an error, not a silent override
for _family in (hand_made, convolutions, forward_hooks, global_rng, train_drivers):
    for _table, _theirs in ((FIXTURES, getattr(_family, "FIXTURES", {})), (OBSERVERS, getattr(_family, "OBSERVERS", {}))):
        _twice = set(_table) & set(_theirs)
        if _twice:
            raise ImportError(f"{_family.__name__} defines {sorted(_twice)} again")
        _table.update(_theirs)
