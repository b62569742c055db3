"""torch.manual_seed at the cost of seeding one generator, where the CPU's is the only one.

torch.manual_seed also queues a seed for every GPU backend that is not initialised yet, and each
time it records the caller's whole stack for that queue (traceback.format_stack): about 80 µs a
call, more under hypothesis's deep stacks. The grader seeds before every call into the learner's
code and every reference run, so where no accelerator exists it seeds the CPU generator alone,
which is all torch.manual_seed changes there. torch only (loaded into the learner's child).
"""
from __future__ import annotations

import torch

_only_cpu: list[bool] = []  # decided once per process: whether torch sees no accelerator at all


def _no_accelerator() -> bool:
    if not _only_cpu:
        cuda = torch.cuda.is_available()
        mps = getattr(getattr(torch.backends, "mps", None), "is_available", lambda: False)()
        xpu = getattr(getattr(torch, "xpu", None), "is_available", lambda: False)()
        _only_cpu.append(not (cuda or mps or xpu))
    return _only_cpu[0]


def manual_seed(seed: int) -> None:
    """Seed torch's global random numbers, as torch.manual_seed(seed) does."""
    if _no_accelerator():
        torch.default_generator.manual_seed(int(seed))
    else:
        torch.manual_seed(seed)
