"""Gradescope's time per submission, as run_autograder spends it, in one run.

    python bench/bench_gradescope.py [--repeat 3]

A bundle of all 16 steps is built and unpacked as Gradescope unpacks it (ROOT/source); its setup's
`run_autograder --check` runs once, as setup.sh runs it when the image is built. Then a whole
submission (the reference solutions: every check of every step runs) is graded by `run_autograder`,
as Gradescope grades each submission, in a fresh container's state. Seconds and ratios to
`import torch`, measured in the same run (this machine is noisy: compare ratios, not seconds).
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.ratios import print_table  # noqa: E402


def timed(command: list[str], env: dict | None = None) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    repeat = parser.parse_args().repeat
    work = Path(tempfile.mkdtemp(prefix="kata-bench-gradescope-"))
    subprocess.run([sys.executable, str(ROOT / "grader.py"), "gradescope", "build", "--out", str(work / "dist")],
                   check=True, stdout=subprocess.DEVNULL)
    root = work / "autograder"
    with zipfile.ZipFile(work / "dist" / "autograder.zip") as z:
        z.extractall(root / "source")
    shutil.copytree(ROOT / "solutions", root / "submission", ignore=shutil.ignore_patterns("__pycache__"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("KATA_")}
    env |= {"AUTOGRADER_ROOT": str(root), "KATA_PYTHON": sys.executable}
    run = ["bash", str(root / "source" / "run_autograder")]
    figures: dict[str, list[float]] = {"import torch": [], "run_autograder --check (setup.sh, once)": [],
                                      "run_autograder: a whole submission": []}
    figures["run_autograder --check (setup.sh, once)"].append(timed(run + ["--check"], env))
    for _ in range(repeat):
        figures["import torch"].append(timed([sys.executable, "-c", "import torch"]))
        figures["run_autograder: a whole submission"].append(timed(run, env))
    print_table(figures, {"× import torch": "import torch"})
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
