"""kata.judging.compare.assert_close skips torch's DTensor question only while no DTensor can exist;
for every input it must agree with torch.testing.assert_close: the same verdict, the same message."""
from __future__ import annotations

import subprocess
import sys

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from kata.judging import compare

DTYPES = [torch.float64, torch.float32, torch.float16, torch.bfloat16, torch.int64, torch.bool, torch.complex64]


@st.composite
def pairs(draw):
    dtype = draw(st.sampled_from(DTYPES))
    shape = tuple(draw(st.lists(st.integers(0, 4), max_size=3)))
    g = torch.Generator().manual_seed(draw(st.integers(0, 2**16)))
    a = (torch.randn(shape, generator=g, dtype=torch.float64) * draw(st.sampled_from([1e-8, 1.0, 1e6])))
    b = a + torch.randn(shape, generator=g, dtype=torch.float64) * draw(st.sampled_from([0.0, 1e-9, 1e-5, 1.0]))
    if draw(st.booleans()):
        b = b.flatten()[: max(b.numel() - 1, 0)]  # another shape
    if draw(st.booleans()) and b.numel():
        b = b.clone()
        b.view(-1)[0] = float("nan")
    if draw(st.booleans()):  # the very same values (the shortcut's case), NaN and -0.0 included
        b = a.clone()
        if b.numel() and draw(st.booleans()):
            a.view(-1)[0] = b.view(-1)[0] = draw(st.sampled_from([float("nan"), -0.0]))
            b.view(-1)[-1] = 0.0 if draw(st.booleans()) else b.view(-1)[-1]
    return a.to(dtype), b.to(draw(st.sampled_from([dtype, torch.float64])))


def outcome(fn, a, b):
    try:
        fn(a, b)
    except Exception as e:  # noqa: BLE001  the verdict and the words are what must agree
        return type(e).__name__, str(e)
    return "passed", ""


@settings(max_examples=200, deadline=None, database=None)
@given(pairs())
def test_agrees_with_torch_testing_assert_close(pair):
    a, b = pair
    with_skip = outcome(compare.assert_close, a, b)
    assert with_skip == outcome(torch.testing.assert_close, a, b)


@pytest.mark.slow
def test_the_plain_path_is_taken_once_dtensors_can_exist():
    from torch.testing import _comparison

    if not hasattr(_comparison, "_unwrap_dtensor_for_comparison"):
        pytest.skip(f"torch {torch.__version__}'s assert_close does not look for DTensors: no shortcut to test")
    code = ("import sys, torch, torch.distributed.tensor\n"
            "from torch.testing import _comparison\n"
            "from kata.judging import compare\n"
            "seen = []\n"
            "real = _comparison._unwrap_dtensor_for_comparison\n"
            "_comparison._unwrap_dtensor_for_comparison = lambda a, b: (seen.append(1), real(a, b))[1]\n"
            "compare.assert_close(torch.ones(2).double(), torch.ones(2).double() + 1e-12)\n"  # close, not identical
            "assert seen == [1], seen\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


@pytest.mark.slow
def test_no_dtensor_import_on_the_fast_path():
    code = ("import sys, torch\nfrom kata.judging import compare\n"
            "compare.assert_close(torch.ones(2).double(), torch.ones(2).double() + 1e-12)\n"
            "assert 'torch.distributed.tensor' not in sys.modules\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
