"""What the test suite costs, measured against torch's own import, in one run.

    python bench/bench_suite.py [--repeat 1]

The issues ask the whole suite (README's test command: two workers) to stay within two minutes on two
cores; this machine's speed swings by 2x within an hour (`import torch` 1.4 s to 3 s), so the figure
to compare is the ratio to `import torch` measured around it: `import torch` runs three times before
each suite and three times after, interleaved with the suite and with its fast part (`-m "not slow"`:
no fresh interpreter that imports torch, no class, server, kernel or training test).
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.ratios import print_table  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
TORCH = 'python -c "import torch"'
COMMANDS = {
    "pytest (the whole suite, README's command)": [PY, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
    'pytest -m "not slow"': [PY, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not slow"],
}


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed (exit status {done.returncode}): run it to see why")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    times: dict[str, list[float]] = {TORCH: []} | {name: [] for name in COMMANDS}
    for _ in range(args.repeat):
        for name, cmd in COMMANDS.items():
            times[TORCH] += [timed([PY, "-c", "import torch"]) for _ in range(3)]
            times[name].append(timed(cmd))
        times[TORCH] += [timed([PY, "-c", "import torch"]) for _ in range(3)]
    print_table(times, {"x import torch": TORCH}, width=44)


if __name__ == "__main__":
    main()
