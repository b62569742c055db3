"""kata.child.seeding.manual_seed leaves torch's random numbers exactly where torch.manual_seed does."""
from __future__ import annotations

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from kata.child import seeding


@settings(max_examples=25, deadline=None, database=None)
@given(seed=st.integers(0, 2**63 - 1), dtype=st.sampled_from([torch.float32, torch.float64]))
def test_the_same_draws_as_torch_manual_seed(seed, dtype):
    torch.manual_seed(seed)
    expected = (torch.rand(5, dtype=dtype), torch.randn(3, 2, dtype=dtype), torch.randint(0, 10, (4,)),
                torch.randperm(7), torch.nn.Linear(3, 2).weight.detach())
    seeding.manual_seed(seed)
    got = (torch.rand(5, dtype=dtype), torch.randn(3, 2, dtype=dtype), torch.randint(0, 10, (4,)),
           torch.randperm(7), torch.nn.Linear(3, 2).weight.detach())
    for g, e in zip(got, expected):
        assert torch.equal(g, e)


def test_an_accelerator_takes_torch_manual_seed_itself(monkeypatch):
    calls = []
    monkeypatch.setattr(seeding, "_only_cpu", [False])
    monkeypatch.setattr(torch, "manual_seed", lambda s: calls.append(s))
    seeding.manual_seed(3)
    assert calls == [3]
