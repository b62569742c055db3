"""MNIST for the kata: the tutorial's mnist.pkl.gz when we can get it, else a shipped sample.

The PyTorch "What is torch.nn really?" tutorial trains on ``mnist.pkl.gz``
(50,000 train / 10,000 valid digits, ~17 MB). Katas must also run offline and in
CI, so when that file is missing (and can't be downloaded) or is damaged we fall
back to a 5,000-digit real-MNIST sample shipped inside this package.
``Mnist.source`` always says which data you got and why.

Environment variables:
    KATA_DATA_DIR  folder holding mnist.pkl.gz (default ~/.cache/torch-nn-kata)
    KATA_OFFLINE   set to anything but "" or "0" to never download
"""

from __future__ import annotations

import gzip
import os
import pickle
import struct
import sys
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import torch

from kata.i18n import _

TUTORIAL_URL = "https://github.com/pytorch/tutorials/raw/main/_static/mnist.pkl.gz"

_FILENAME = "mnist.pkl.gz"
_N_PIXELS = 28 * 28
_N_CLASSES = 10
_TUTORIAL_SIZES = (50_000, 10_000)  # (train, valid); tests shrink this to fake a small valid file
_DOWNLOAD_TIMEOUT_S = 15

# The shipped sample, written by tools/make_mnist_sample.py (same layout constants).
_SAMPLE_PATH = Path(__file__).with_name("mnist_sample.bin.gz")
_SAMPLE_MAGIC = b"KATAMNS1"
_SAMPLE_HEADER = struct.Struct("<8sIII")  # magic, n_train, n_valid, n_pixels


@dataclass(frozen=True, eq=False)  # eq=False: field-wise == on tensors would raise; compare by identity
class Mnist:
    """Flattened MNIST digits: x is (N, 784) float32 in [0, 1], y is (N,) int64 in 0..9."""

    x_train: torch.Tensor  # (N, 784) float32
    y_train: torch.Tensor  # (N,) int64
    x_valid: torch.Tensor  # (M, 784) float32
    y_valid: torch.Tensor  # (M,) int64
    source: str  # one line: which data this is and, for the sample, why

    def subset(self, n_train: int, n_valid: int) -> Mnist:
        """The first n_train training and n_valid validation digits, for quick runs and tests."""
        _check_count("n_train", n_train, len(self.y_train))
        _check_count("n_valid", n_valid, len(self.y_valid))
        return Mnist(
            x_train=self.x_train[:n_train],  # (n_train, 784), still contiguous
            y_train=self.y_train[:n_train],
            x_valid=self.x_valid[:n_valid],  # (n_valid, 784)
            y_valid=self.y_valid[:n_valid],
            source=self.source + " " + _("[subset: first {train} train / {valid} valid]").format(
                train=f"{n_train:,}", valid=f"{n_valid:,}"),
        )


def _check_count(name: str, n: int, available: int) -> None:
    if not 0 <= n <= available:
        raise ValueError(f"{name}={n} is outside 0..{available}")


def cache_dir() -> Path:
    """Where mnist.pkl.gz is looked for and downloaded to: $KATA_DATA_DIR or ~/.cache/torch-nn-kata."""
    env = os.environ.get("KATA_DATA_DIR")
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "torch-nn-kata"


def load_mnist(*, cache: Path | None = None, download: bool | None = None) -> Mnist:
    """The tutorial's MNIST if available (cached or downloaded), else the shipped sample.

    Never raises for a missing, damaged or undownloadable file: the fallback's
    ``source`` says what went wrong. ``download=None`` means "yes unless
    $KATA_OFFLINE is set".
    """
    path = Path(cache if cache is not None else cache_dir()) / _FILENAME
    if os.path.exists(path):  # unlike Path.exists (3.11), never raises, e.g. on a permission error
        return _load_cached(path)
    allowed, why_not = _download_allowed(download)
    if not allowed:
        return _sample_because(_("the tutorial's file was not found at {path} and downloading is off ({why})").format(
            path=path, why=why_not))
    try:
        data = _download(TUTORIAL_URL, path)
    except Exception as e:  # noqa: BLE001 - any network/disk/format failure must fall back, not crash a kata
        return _sample_because(_("the tutorial's file was not found at {path} and downloading it from {url} failed: "
                                  "{error}").format(path=path, url=TUTORIAL_URL, error=_one_line(e)))
    return _tutorial_mnist(data, _("downloaded from {url} to {path}").format(url=TUTORIAL_URL, path=path))


def load_sample() -> Mnist:
    """The shipped 5,000-digit real-MNIST sample: first 4,000 digits train, last 1,000 valid."""
    return _read_sample(_SAMPLE_PATH, "")


# --- the tutorial's file ---------------------------------------------------------------


def _load_cached(path: Path) -> Mnist:
    # A bad cached file is the user's: report it and leave it alone rather than
    # deleting or silently re-downloading over it.
    try:
        data = _read_tutorial(path)
    except Exception as e:  # noqa: BLE001 - any unreadable/invalid file falls back
        return _sample_because(_("the cached file {path} is not a valid copy of the tutorial's mnist.pkl.gz "
                                  "({error}); it was left in place, delete it to download again").format(
            path=path, error=_one_line(e)))
    return _tutorial_mnist(data, _("from {path}").format(path=path))


def _download_allowed(download: bool | None) -> tuple[bool, str]:
    """(allowed, why not). An explicit argument wins over $KATA_OFFLINE."""
    if download is not None:
        return download, "download=False"
    offline = os.environ.get("KATA_OFFLINE", "")
    if offline not in ("", "0"):
        return False, f"KATA_OFFLINE={offline}"
    return True, ""


def _download(url: str, dest: Path) -> tuple[torch.Tensor, ...]:
    """Fetch url to dest atomically and return its validated contents.

    The bytes go to a temp file in dest's folder (so os.replace is an atomic
    rename on the same filesystem); only a file that unpickles and validates is
    moved into place. On any failure the temp file is removed and the error re-raised,
    so dest is either absent or complete and valid.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            print("kata: " + _("downloading {url} to {path}").format(url=url, path=dest), file=sys.stderr)
            _fetch(url, out, _DOWNLOAD_TIMEOUT_S)
        data = _read_tutorial(tmp)
        os.chmod(tmp, 0o644)  # mkstemp makes it 0600; a cache folder may be shared
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return data


def _fetch(url: str, out: IO[bytes], timeout: float) -> None:
    """Stream url's body into out. The one function that touches the network (tests replace it)."""
    with urllib.request.urlopen(url, timeout=timeout) as response:
        while chunk := response.read(1 << 20):
            out.write(chunk)


def _read_tutorial(path: Path) -> tuple[torch.Tensor, ...]:
    """Unpickle, validate and convert mnist.pkl.gz; returns (x_train, y_train, x_valid, y_valid) tensors.

    Raises (pickle, gzip, OS or ValueError) for anything that isn't a good copy.
    """
    with gzip.open(path, "rb") as f:
        obj = _NumpyOnlyUnpickler(f, encoding="latin-1").load()  # latin-1: the file was pickled by Python 2
    n_train, n_valid = _TUTORIAL_SIZES
    (x_train, y_train), (x_valid, y_valid) = _validate_tutorial(obj, n_train=n_train, n_valid=n_valid)
    return (
        _pixels(_numpy_to_torch(x_train)),  # (n_train, 784)
        _labels(_numpy_to_torch(y_train)),  # (n_train,)
        _pixels(_numpy_to_torch(x_valid)),  # (n_valid, 784)
        _labels(_numpy_to_torch(y_valid)),  # (n_valid,)
    )


def _numpy_to_torch(a: Any) -> torch.Tensor:
    import numpy as np  # lazily: see _NumpyOnlyUnpickler

    # Native byte order and a supported dtype first: torch.from_numpy rejects e.g. big-endian arrays.
    native = a.astype(np.float32 if a.dtype.kind == "f" else np.int64, copy=False)
    return torch.from_numpy(np.ascontiguousarray(native))


class _NumpyOnlyUnpickler(pickle.Unpickler):
    """Unpickles plain numpy arrays and nothing else.

    A pickle can run arbitrary code on load; this one may come from the network
    or a shared cache folder, so we refuse every global an ndarray doesn't need.
    """

    _ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"),  # how numpy 1.x (and the Python 2 file) spells it
        ("numpy._core.multiarray", "_reconstruct"),  # numpy 2.x
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("_codecs", "encode"),  # Python 3 protocol-2 pickles store bytes this way
    }

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(f"refusing to unpickle {module}.{name}")
        if name == "_reconstruct":
            import numpy as np  # only needed for the tutorial's file, so imported lazily

            # Use this numpy's own function whatever module path the file names.
            return np.zeros(0).__reduce__()[0]
        return super().find_class(module, name)


def _validate_tutorial(obj: Any, *, n_train: int, n_valid: int) -> tuple:
    """Check the tutorial pickle's structure, shapes, dtypes and ranges; raise ValueError if wrong."""
    if not (isinstance(obj, tuple) and len(obj) == 3 and all(isinstance(p, tuple) and len(p) == 2 for p in obj[:2])):
        raise ValueError("expected ((x_train, y_train), (x_valid, y_valid), (x_test, y_test))")
    (x_train, y_train), (x_valid, y_valid) = obj[0], obj[1]
    _validate_split("train", x_train, y_train, n_train)
    _validate_split("valid", x_valid, y_valid, n_valid)
    return (x_train, y_train), (x_valid, y_valid)


def _validate_split(name: str, x: Any, y: Any, n: int) -> None:
    import numpy as np  # lazily: see _NumpyOnlyUnpickler

    if not (isinstance(x, np.ndarray) and isinstance(y, np.ndarray)):
        raise ValueError(f"{name}: x and y must be numpy arrays")
    if x.shape != (n, _N_PIXELS) or x.dtype != np.float32:
        raise ValueError(f"x_{name}: expected ({n}, {_N_PIXELS}) float32, got {x.shape} {x.dtype}")
    if y.shape != (n,) or y.dtype.kind not in "iu":
        raise ValueError(f"y_{name}: expected ({n},) integers, got {y.shape} {y.dtype}")
    # `not (a <= b)` also catches NaN.
    if n and not (0.0 <= x.min() and x.max() <= 1.0):
        raise ValueError(f"x_{name}: values outside [0, 1] (or NaN)")
    if n and not (0 <= y.min() and y.max() < _N_CLASSES):
        raise ValueError(f"y_{name}: labels outside 0..{_N_CLASSES - 1}")


def _tutorial_mnist(data: tuple[torch.Tensor, ...], where: str) -> Mnist:
    x_train, y_train, x_valid, y_valid = data  # (50000, 784), (50000,), (10000, 784), (10000,)
    return Mnist(
        x_train=x_train,
        y_train=y_train,
        x_valid=x_valid,
        y_valid=y_valid,
        source=_("the tutorial's mnist.pkl.gz ({train} train / {valid} valid) {where}").format(
            train=f"{len(y_train):,}", valid=f"{len(y_valid):,}", where=where),
    )


# --- the shipped sample ----------------------------------------------------------------


def _sample_because(reason: str) -> Mnist:
    return _read_sample(_SAMPLE_PATH, reason)


def _read_sample(path: Path, reason: str) -> Mnist:
    """Decode the sample: header, then N*784 uint8 pixels, then N uint8 labels (see tools/make_mnist_sample.py)."""
    raw = gzip.decompress(path.read_bytes())
    magic, n_train, n_valid, n_pixels = _SAMPLE_HEADER.unpack_from(raw)
    n = n_train + n_valid
    if magic != _SAMPLE_MAGIC or n_pixels != _N_PIXELS or len(raw) != _SAMPLE_HEADER.size + n * (n_pixels + 1):
        raise RuntimeError(f"{path} is damaged; reinstall the package or rerun tools/make_mnist_sample.py")
    # bytearray: torch.frombuffer wants a writable buffer; the tensors then own a private copy.
    body = torch.frombuffer(bytearray(raw), dtype=torch.uint8, offset=_SAMPLE_HEADER.size)  # (n*785,)
    pixels = body[: n * n_pixels].view(n, n_pixels)  # (n, 784) uint8 0..255
    labels = body[n * n_pixels :]  # (n,) uint8 0..9
    source = _("the shipped {n}-digit MNIST sample ({train} train / {valid} valid)").format(
        n=f"{n:,}", train=f"{n_train:,}", valid=f"{n_valid:,}")
    return Mnist(
        x_train=_pixels(pixels[:n_train].float() / 255),  # (n_train, 784)
        y_train=_labels(labels[:n_train]),  # (n_train,)
        x_valid=_pixels(pixels[n_train:].float() / 255),  # (n_valid, 784)
        y_valid=_labels(labels[n_train:]),  # (n_valid,)
        source=f"{source}; {reason}" if reason else source,
    )


# --- small helpers ---------------------------------------------------------------------


def _pixels(x: torch.Tensor) -> torch.Tensor:
    return x.to(torch.float32).contiguous()  # (N, 784) float32


def _labels(y: torch.Tensor) -> torch.Tensor:
    return y.to(torch.int64).contiguous()  # (N,) int64


def _one_line(e: BaseException) -> str:
    """'ExcType: message' with newlines squeezed, so Mnist.source stays one line."""
    return " ".join(f"{type(e).__name__}: {e}".split())
