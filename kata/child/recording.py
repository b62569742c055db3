"""What the learner's code actually ran, recorded in its child while the checks call it.

The API rules ("uses F.cross_entropy", "updates no parameter by hand", "batches come from a
DataLoader") are judged from this record, not from the text: an unused function that mentions
F.cross_entropy does not count, a hand-written log_softmax behind a lambda is seen, an update moved
into a helper is seen. Recorded per learner name called (fit, loss_func, ...; a module's own call
counts as "forward"):
- functions: the torch functions and tensor methods the learner's code called itself (a torch
  function mode: calls made inside torch, e.g. by F.cross_entropy, are not the learner's);
- modules: the classes of the modules whose forward ran;
- optimizers: the classes of the optimizers built or stepped;
- apis: the torch.nn / torch.optim / torch.utils.data methods of interest that were called
  (zero_grad, train, eval, no_grad, DataLoader iteration, TensorDataset indexing, hook registration);
- by_hand: parameters the call was given (in a model or an optimizer) whose values changed outside any
  step() (compared with what the last step left, so an update through .data counts too).
torch only: loaded into the child before any confinement.
"""
from __future__ import annotations

import contextlib
import os
import sys
from collections import defaultdict

import torch
from torch.overrides import TorchFunctionMode
from torch.utils.data import DataLoader, TensorDataset

_current: dict | None = None  # the record of the call in progress


def _new() -> dict:
    return {"functions": set(), "modules": set(), "optimizers": set(), "apis": set(), "by_hand": 0}


_TORCH = os.path.dirname(torch.__file__)
_MACHINERY = {os.path.join(_TORCH, "overrides.py"), os.path.join(_TORCH, "_tensor.py"), __file__}
LEARNER = {"path": ""}  # the child's copy of the learner's file: only calls made from it are the learner's


class _Functions(TorchFunctionMode):
    def __torch_function__(self, func, types, args=(), kwargs=None):
        if _current is not None and _from_the_learner():
            _current["functions"].add(getattr(func, "__name__", str(func)))
        return func(*args, **(kwargs or {}))


def _from_the_learner() -> bool:
    """Whether the learner's file made this call itself: past torch's dispatch machinery, the caller
    is the learner's line, or a torch function (F.cross_entropy) that the learner's line called."""
    frame = sys._getframe(2)
    while frame is not None and frame.f_code.co_filename in _MACHINERY:
        frame = frame.f_back
    if frame is not None and frame.f_code.co_filename.startswith(_TORCH):
        frame = frame.f_back  # the public torch function itself
    return frame is not None and frame.f_code.co_filename == LEARNER["path"]


def _note(api: str) -> None:
    if _current is not None:
        _current["apis"].add(api)


def _wrap(cls, name: str, api: str) -> None:
    original = getattr(cls, name)

    def noted(*args, **kwargs):
        _note(api)
        return original(*args, **kwargs)

    noted.__wrapped__ = original
    setattr(cls, name, noted)


def _module_ran(module, args):
    if _current is not None:
        _current["modules"].add(type(module).__name__)


def _params(opt):
    return [p for group in opt.param_groups for p in group["params"]]


_watched: dict[int, dict] = {}  # id(param) -> {"p": param, "known": its value as the last step left it, "moved"}


def _same(a: torch.Tensor, b: torch.Tensor) -> bool:
    """Bit for bit the same values (NaN where NaN): how a parameter is told unchanged."""
    return a.shape == b.shape and torch.equal(a.isnan(), b.isnan()) and torch.equal(a.nan_to_num(0.0),
                                                                                    b.nan_to_num(0.0))


def _watch_one(p: torch.Tensor) -> dict:
    return _watched.setdefault(id(p), {"p": p, "known": p.detach().clone(), "moved": False})


def watch(args) -> None:
    """The parameters a recorded call was given (in a model or an optimizer): any change to their values
    that no optimizer step makes is an update by hand, through the tensor or its .data alike."""
    for arg in args:
        params = (list(arg.parameters()) if isinstance(arg, torch.nn.Module) else
                  _params(arg) if isinstance(arg, torch.optim.Optimizer) else [])
        for p in params:
            _watch_one(p)


def _before_step(opt, args, kwargs):
    if _current is not None:
        for p in _params(opt):
            seen = _watch_one(p)
            seen["moved"] = seen["moved"] or not _same(p.detach(), seen["known"])


def _stepped(opt, args, kwargs):
    if _current is not None:
        _current["optimizers"].add(type(opt).__name__)
        for p in _params(opt):
            _watch_one(p)["known"] = p.detach().clone()


def _by_hand() -> int:
    return sum(1 for seen in _watched.values() if seen["moved"] or not _same(seen["p"].detach(), seen["known"]))


def install() -> None:
    """Hooks and wrappers, once, in the child before the learner's file is read."""
    torch.nn.modules.module.register_module_forward_pre_hook(_module_ran)
    from torch.optim.optimizer import register_optimizer_step_post_hook, register_optimizer_step_pre_hook

    register_optimizer_step_pre_hook(_before_step)
    register_optimizer_step_post_hook(_stepped)
    original_init = torch.optim.Optimizer.__init__

    def built(opt, *args, **kwargs):  # an optimizer the learner's code builds counts as one it uses
        if _current is not None:
            _current["optimizers"].add(type(opt).__name__)
        return original_init(opt, *args, **kwargs)

    torch.optim.Optimizer.__init__ = built
    _wrap(torch.nn.Module, "zero_grad", "zero_grad")
    _wrap(torch.optim.Optimizer, "zero_grad", "zero_grad")
    _wrap(torch.nn.Module, "eval", "eval")
    _wrap(torch.nn.Module, "train", "train")
    _wrap(torch.nn.Module, "register_forward_hook", "register_forward_hook")
    _wrap(torch.nn.Module, "register_full_backward_hook", "register_full_backward_hook")
    _wrap(torch.nn.Module, "register_backward_hook", "register_backward_hook")
    _wrap(DataLoader, "__iter__", "DataLoader")
    _wrap(TensorDataset, "__getitem__", "TensorDataset")
    _wrap(torch.autograd.grad_mode.no_grad, "__enter__", "no_grad")


@contextlib.contextmanager
def recording(record: dict):
    """Record into `record` what the learner's code runs inside the block."""
    global _current
    outer, _current = _current, record
    try:
        with _Functions():
            yield
    finally:
        record["by_hand"] += _by_hand()
        _watched.clear()
        _current = outer


class Ledger:
    """Every call's record, merged per learner name."""

    def __init__(self):
        self.by_name: dict[str, dict] = defaultdict(_new)

    @contextlib.contextmanager
    def call(self, name: str, fn=None):
        record = _new()
        if getattr(fn, "__module__", "") and str(fn.__module__).startswith("torch"):
            record["functions"].add(getattr(fn, "__name__", ""))  # the name is a torch function itself
        with recording(record):
            yield  # a call that raised says nothing about what the code does when it works: not kept
        into = self.by_name[name]
        for key in ("functions", "modules", "optimizers", "apis"):
            into[key] |= record[key]
        into["by_hand"] += record["by_hand"]

    def plain(self) -> dict:
        return {name: {k: sorted(v) if isinstance(v, set) else v for k, v in r.items()}
                for name, r in self.by_name.items()}
