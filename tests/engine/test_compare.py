"""The comparison helper decides with assert_close and explains what differs."""
import pytest
import torch

from kata.judging.compare import Mismatch, as_tensor, assert_grad, assert_leaf, assert_same


def mismatch(got, expected):
    with pytest.raises(Mismatch) as info:
        assert_same(got, expected, "thing")
    return str(info.value)


def test_equal_tensors_pass():
    t = torch.randn(3, 4)
    assert_same(t.clone(), t, "thing")


def test_shape_difference_and_broadcast_hint():
    text = mismatch(torch.zeros(4, 4), torch.zeros(4))
    assert "expected shape (4,), got (4, 4)" in text and "broadcasting" in text
    assert "transposed" in mismatch(torch.zeros(10, 3), torch.zeros(3, 10))


def test_largest_error_and_where():
    expected = torch.zeros(2, 3)
    got = expected.clone()
    got[1, 2] = 0.5
    text = mismatch(got, expected)
    assert "largest absolute error 0.5 at index [1, 2]" in text
    assert "1 of 6 values differ by more than rounding error." in text and "atol" not in text  # --verbose says how
    # the row of the largest error, side by side: index, expected, got, difference
    assert "index      expected           got    difference" in text
    assert "[1, 2]             0           0.5           0.5  <- largest" in text


def test_nan_and_inf_are_named():
    got = torch.tensor([1.0, float("nan"), float("inf")])
    assert "NaN or inf" in mismatch(got, torch.ones(3))


def test_not_a_tensor_and_dtype():
    assert "expected a tensor, got NoneType" in mismatch(None, torch.ones(1))
    assert "dtype" in mismatch(torch.ones(2, dtype=torch.float64), torch.ones(2))
    with pytest.raises(Mismatch):
        as_tensor([1, 2], "x")


def test_leaf_and_grad():
    w = torch.randn(3, requires_grad=True)
    assert_leaf(w, "w")
    with pytest.raises(Mismatch, match="not a leaf"):
        assert_leaf(w * 2, "w")
    with pytest.raises(Mismatch, match="does not require grad"):
        assert_leaf(torch.randn(3), "w")
    with pytest.raises(Mismatch, match="None after backward"):
        assert_grad(w, "w.grad")
