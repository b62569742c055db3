"""Observers for the tutorial's own shape of code (steps 07-12), inside the child.

The tutorial's get_data builds `DataLoader(train_ds, batch_size=bs, shuffle=True)` with no generator
of its own: the order is drawn from torch's global random generator each time the loader is iterated.
Every call into the child starts from torch.manual_seed(its seed) (kata.child.probe); the checks read
the generator's state back after get_data, to see whether get_data left it alone.

torch only: no check, no reference, no expected value.
"""
from __future__ import annotations

import torch


def global_rng_state() -> torch.Tensor:
    """The global CPU generator's state, as torch.get_rng_state() gives it (a uint8 tensor); reading it
    draws nothing."""
    return torch.get_rng_state()


FIXTURES: dict = {}

OBSERVERS = {"global_rng_state": global_rng_state}
