"""How much a grade costs on top of importing torch, measured in one run.

    python bench/bench_grader.py [--repeat 5]

Each command runs in a fresh interpreter, the commands interleaved so that machine noise hits
them alike; the figures are medians, reported as ratios to a bare `python -c "import torch"`.
This machine is noisy: compare ratios from one run, not seconds across runs.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = {
    'python -c "import torch"': [sys.executable, "-c", "import torch"],
    "grader.py step04 (stub)": [sys.executable, "grader.py", "step04"],
    "grader.py step04 --target solutions": [sys.executable, "grader.py", "step04", "--target", "solutions"],
    "grader.py --target solutions (board)": [sys.executable, "grader.py", "--target", "solutions"],
}


def timed(cmd: list[str]) -> float:
    env = os.environ | {"KATA_OFFLINE": "1", "NO_COLOR": "1"}
    start = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    timed(COMMANDS['python -c "import torch"'])  # warm the file cache once
    for _ in range(args.repeat):
        for name, cmd in COMMANDS.items():
            times[name].append(timed(cmd))
    base = statistics.median(times['python -c "import torch"'])
    print(f"{'command':<40} {'median s':>9} {'x import torch':>15}")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:<40} {median:>9.2f} {median / base:>15.2f}")


if __name__ == "__main__":
    main()
