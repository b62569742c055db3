"""Tests for kata.data. Offline by construction: the network is blocked and downloads are faked."""

from __future__ import annotations

import gzip
import os
import pickle
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest
import torch

from kata import data
from kata.data import Mnist, cache_dir, load_mnist, load_sample

SMALL = (20, 10)  # (train, valid) sizes of the fake "tutorial" file


@pytest.fixture(autouse=True)
def offline_and_isolated(monkeypatch, tmp_path):
    """No test may reach the network or the user's real cache or environment."""

    def no_network(*args, **kwargs):
        raise AssertionError("a test tried to use the network")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    monkeypatch.delenv("KATA_OFFLINE", raising=False)
    monkeypatch.setenv("KATA_DATA_DIR", str(tmp_path / "default-cache"))


@pytest.fixture
def fetches(monkeypatch):
    """Replace the downloader; a test sets `fetches.body`: bytes, an exception, or a function of the file."""

    class Fake:
        def __init__(self):
            self.calls: list[str] = []
            self.body = urllib.error.URLError("fake: no route to host")

        def __call__(self, url, out, timeout):
            self.calls.append(url)
            if isinstance(self.body, BaseException):
                raise self.body
            if callable(self.body):
                self.body(out)
            else:
                out.write(self.body)

    fake = Fake()
    monkeypatch.setattr(data, "_fetch", fake)
    return fake


@pytest.fixture
def small_sizes(monkeypatch):
    """Make a 20/10-digit pickle count as a valid tutorial file."""
    monkeypatch.setattr(data, "_TUTORIAL_SIZES", SMALL)


def fake_tutorial_pickle(n_train: int = SMALL[0], n_valid: int = SMALL[1], **overrides) -> bytes:
    """A gzipped pickle shaped like the tutorial's mnist.pkl.gz (overrides replace x_train etc.)."""
    rng = np.random.default_rng(0)
    arrays = {
        "x_train": rng.random((n_train, 784), dtype=np.float32),
        "y_train": np.arange(n_train, dtype=np.int64) % 10,
        "x_valid": rng.random((n_valid, 784), dtype=np.float32),
        "y_valid": np.arange(n_valid, dtype=np.int64) % 10,
    }
    arrays.update(overrides)
    a = arrays
    obj = ((a["x_train"], a["y_train"]), (a["x_valid"], a["y_valid"]), (a["x_valid"], a["y_valid"]))
    return gzip.compress(pickle.dumps(obj, protocol=2))


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def assert_is_sample(m: Mnist) -> None:
    assert m.x_train.shape == (4000, 784) and m.x_valid.shape == (1000, 784)
    assert m.source.startswith("the shipped 5,000-digit MNIST sample (4,000 train / 1,000 valid)")
    assert "\n" not in m.source


# --- the shipped sample ----------------------------------------------------------------


def test_sample_shapes_dtypes_and_range():
    m = load_sample()
    for x, y, n in ((m.x_train, m.y_train, 4000), (m.x_valid, m.y_valid, 1000)):
        assert x.shape == (n, 784) and x.dtype == torch.float32 and x.is_contiguous()
        assert y.shape == (n,) and y.dtype == torch.int64 and y.is_contiguous()
        assert x.min() == 0.0 and x.max() == 1.0
        # Pixels were 0..255 integers, so x * 255 is (numerically) whole.
        assert torch.allclose(x * 255, (x * 255).round(), atol=1e-3)
    assert m.source == "the shipped 5,000-digit MNIST sample (4,000 train / 1,000 valid)"


def test_sample_has_all_classes_balanced():
    m = load_sample()
    assert m.y_train.bincount(minlength=10).tolist() == [400] * 10
    assert m.y_valid.bincount(minlength=10).tolist() == [100] * 10
    assert int(m.y_train.max()) == 9 and int(m.y_train.min()) == 0


def test_sample_is_not_sorted_by_class():
    # The 10-digit batches a kata takes first should already mix classes.
    assert len(set(load_sample().y_train[:64].tolist())) == 10


def test_subset():
    m = load_sample()
    s = m.subset(100, 30)
    assert s.x_train.shape == (100, 784) and s.y_train.shape == (100,)
    assert s.x_valid.shape == (30, 784) and s.y_valid.shape == (30,)
    assert torch.equal(s.x_train, m.x_train[:100]) and torch.equal(s.y_valid, m.y_valid[:30])
    assert s.x_train.is_contiguous() and "subset: first 100 train / 30 valid" in s.source
    assert m.subset(0, 0).x_train.shape == (0, 784)
    with pytest.raises(ValueError):
        m.subset(4001, 1)
    with pytest.raises(ValueError):
        m.subset(1, -1)


def test_mnist_is_frozen():
    with pytest.raises(AttributeError):
        load_sample().source = "x"  # type: ignore[misc]


# --- cache_dir and KATA_OFFLINE --------------------------------------------------------


def test_cache_dir_honours_kata_data_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("KATA_DATA_DIR", str(tmp_path / "here"))
    assert cache_dir() == tmp_path / "here"
    monkeypatch.delenv("KATA_DATA_DIR")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert cache_dir() == tmp_path / ".cache" / "torch-nn-kata"


def test_load_mnist_uses_kata_data_dir(monkeypatch, tmp_path, small_sizes):
    monkeypatch.setenv("KATA_DATA_DIR", str(tmp_path))
    (tmp_path / "mnist.pkl.gz").write_bytes(fake_tutorial_pickle())
    m = load_mnist(download=False)
    assert m.x_train.shape == (20, 784)
    assert m.source == f"the tutorial's mnist.pkl.gz (20 train / 10 valid) from {tmp_path / 'mnist.pkl.gz'}"


@pytest.mark.parametrize("value", ["1", "yes", "true"])
def test_kata_offline_disables_download(monkeypatch, tmp_path, fetches, value):
    monkeypatch.setenv("KATA_OFFLINE", value)
    m = load_mnist(cache=tmp_path)
    assert fetches.calls == []
    assert_is_sample(m)
    assert f"downloading is off (KATA_OFFLINE={value})" in m.source


@pytest.mark.parametrize("value", ["", "0"])
def test_kata_offline_empty_or_zero_allows_download(monkeypatch, tmp_path, fetches, value):
    monkeypatch.setenv("KATA_OFFLINE", value)
    load_mnist(cache=tmp_path)
    assert fetches.calls == [data.TUTORIAL_URL]


def test_explicit_download_argument_beats_env(monkeypatch, tmp_path, fetches):
    monkeypatch.setenv("KATA_OFFLINE", "1")
    load_mnist(cache=tmp_path, download=True)
    assert len(fetches.calls) == 1
    monkeypatch.delenv("KATA_OFFLINE")
    m = load_mnist(cache=tmp_path, download=False)
    assert len(fetches.calls) == 1 and "(download=False)" in m.source


# --- downloading -----------------------------------------------------------------------


def test_failed_download_falls_back_and_says_why(tmp_path, fetches):
    m = load_mnist(cache=tmp_path, download=True)
    assert_is_sample(m)
    assert "downloading it from https://github.com/pytorch/tutorials" in m.source
    assert "URLError" in m.source and "no route to host" in m.source
    assert files_in(tmp_path) == []  # no temp file left behind


def test_timeout_falls_back(tmp_path, fetches):
    fetches.body = TimeoutError("timed out")
    m = load_mnist(cache=tmp_path, download=True)
    assert_is_sample(m) and "TimeoutError: timed out" in m.source


def test_half_written_download_is_removed(tmp_path, fetches):
    """The connection drops mid-file: nothing is left, not even the partial temp file."""

    def half_then_drop(out):
        full = fake_tutorial_pickle()
        out.write(full[: len(full) // 2])
        raise ConnectionResetError("connection reset by peer")

    fetches.body = half_then_drop
    m = load_mnist(cache=tmp_path, download=True)
    assert_is_sample(m) and "ConnectionResetError" in m.source
    assert files_in(tmp_path) == []


def test_truncated_download_is_not_kept(tmp_path, fetches, small_sizes):
    """The server closes early without an error: validation catches the truncated gzip."""
    full = fake_tutorial_pickle()
    fetches.body = full[: len(full) // 2]
    m = load_mnist(cache=tmp_path, download=True)
    assert_is_sample(m) and "failed" in m.source
    assert files_in(tmp_path) == []


def test_wrong_shape_download_is_not_kept(tmp_path, fetches):
    fetches.body = fake_tutorial_pickle()  # 20/10 digits, but 50,000/10,000 are expected
    m = load_mnist(cache=tmp_path, download=True)
    assert_is_sample(m) and "ValueError: x_train: expected (50000, 784) float32" in m.source
    assert files_in(tmp_path) == []


def test_valid_download_is_written_atomically_and_reused(tmp_path, fetches, small_sizes):
    fetches.body = fake_tutorial_pickle()
    cache = tmp_path / "new" / "folder"
    m = load_mnist(cache=cache, download=True)
    assert files_in(cache) == ["mnist.pkl.gz"]
    assert (cache / "mnist.pkl.gz").read_bytes() == fetches.body
    assert m.source.startswith("the tutorial's mnist.pkl.gz (20 train / 10 valid) downloaded from")
    assert m.x_train.shape == (20, 784) and m.x_train.dtype == torch.float32 and m.x_train.is_contiguous()
    assert m.y_valid.dtype == torch.int64 and m.y_valid.tolist() == list(range(10))

    again = load_mnist(cache=cache, download=True)  # cached now: no second fetch
    assert len(fetches.calls) == 1
    assert torch.equal(again.x_train, m.x_train)
    assert again.source == f"the tutorial's mnist.pkl.gz (20 train / 10 valid) from {cache / 'mnist.pkl.gz'}"


# --- a bad cached file -----------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        b"",  # empty
        b"not gzip at all",
        fake_tutorial_pickle()[:200],  # half-written
        gzip.compress(b"\x80\x02garbage"),  # gzip of a broken pickle
    ],
    ids=["empty", "not-gzip", "truncated", "bad-pickle"],
)
def test_corrupt_cache_is_reported_not_used_not_deleted(tmp_path, fetches, small_sizes, content):
    path = tmp_path / "mnist.pkl.gz"
    path.write_bytes(content)
    m = load_mnist(cache=tmp_path, download=True)
    assert_is_sample(m)
    assert f"the cached file {path} is not a valid copy" in m.source and "left in place" in m.source
    assert fetches.calls == []  # we don't download over the user's file...
    assert path.read_bytes() == content  # ...nor delete it
    assert files_in(tmp_path) == ["mnist.pkl.gz"]


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"x_train": np.full((20, 784), 1.5, np.float32)}, "outside [0, 1]"),
        ({"x_valid": np.full((10, 784), np.nan, np.float32)}, "outside [0, 1]"),
        ({"x_train": np.zeros((20, 784), np.float64)}, "float32"),
        ({"x_train": np.zeros((20, 28, 28), np.float32)}, "(20, 784)"),
        ({"y_train": np.full(20, 10, np.int64)}, "labels outside 0..9"),
        ({"y_valid": np.zeros(10, np.float32)}, "integers"),
        ({"y_valid": np.zeros(9, np.int64)}, "(10,)"),
    ],
)
def test_invalid_contents_are_rejected(tmp_path, small_sizes, overrides, message):
    (tmp_path / "mnist.pkl.gz").write_bytes(fake_tutorial_pickle(**overrides))
    m = load_mnist(cache=tmp_path, download=False)
    assert_is_sample(m) and message in m.source


def test_validate_checks_structure():
    with pytest.raises(ValueError, match="expected"):
        data._validate_tutorial(([1], [2]), n_train=1, n_valid=1)


def test_unpickler_refuses_non_numpy_globals(tmp_path):
    """A malicious cached file must not run code when loaded."""

    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    path = tmp_path / "mnist.pkl.gz"
    path.write_bytes(gzip.compress(pickle.dumps(Evil(), protocol=2)))
    m = load_mnist(cache=tmp_path, download=False)
    assert_is_sample(m) and "UnpicklingError: refusing to unpickle" in m.source


def test_numpy_1_style_pickle_loads(tmp_path, small_sizes):
    """The real file names numpy.core.multiarray._reconstruct (numpy 1.x / Python 2 era)."""
    raw = gzip.decompress(fake_tutorial_pickle())
    old_style = raw.replace(b"numpy._core.multiarray\n", b"numpy.core.multiarray\n")
    assert b"numpy.core.multiarray\n" in old_style
    (tmp_path / "mnist.pkl.gz").write_bytes(gzip.compress(old_style))
    m = load_mnist(cache=tmp_path, download=False)
    assert m.x_train.shape == (20, 784) and m.source.startswith("the tutorial's")


def test_big_endian_arrays_are_converted(tmp_path, small_sizes):
    body = fake_tutorial_pickle(y_train=(np.arange(20) % 10).astype(">i8"))
    (tmp_path / "mnist.pkl.gz").write_bytes(body)
    m = load_mnist(cache=tmp_path, download=False)
    assert m.y_train.dtype == torch.int64 and m.y_train.tolist() == [i % 10 for i in range(20)]


def test_mnist_compares_by_identity():
    m = load_sample()
    assert m == m and m != load_sample() and hash(m) == hash(m)
