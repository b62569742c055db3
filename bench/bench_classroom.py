"""The GitHub Classroom workflow's grading time per push, as the runner spends it, in one run.

    python bench/bench_classroom.py

A learner's repository (a copy of the kata whose steps/ hold the reference solutions: every step
graded in full) is graded as the shipped workflow grades it: the commands of
.github/workflows/classroom.yml, each in the command grader's bare environment (PATH and HOME).
Before: each step's test a cold `grader.py stepNN`. Now: the "grade every step once" step (one
process), then each step's test reading its recorded verdict. Seconds and ratios to `import torch`,
measured in the same run (this machine is noisy: compare ratios, not seconds across runs).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / ".github" / "workflows" / "classroom.yml"


def repository(folder: Path) -> Path:
    for top in ("kata", "solutions"):
        shutil.copytree(ROOT / top, folder / top, ignore=shutil.ignore_patterns("__pycache__", ".kata-backups"))
    shutil.copytree(ROOT / "solutions", folder / "steps", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("grader.py", "pyproject.toml"):
        shutil.copy(ROOT / name, folder / name)
    return folder


def timed(command: str, cwd: Path, home: Path) -> float:
    env = {"PATH": f"{Path(sys.executable).parent}{os.pathsep}/usr/bin{os.pathsep}/bin", "HOME": str(home),
           "FORCE_COLOR": "true"}
    start = time.perf_counter()
    subprocess.run(command, shell=True, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    jobs = yaml.safe_load(SHIPPED.read_text())["jobs"]["run-autograding-tests"]["steps"]
    pregrade = next(s["run"] for s in jobs if s.get("name", "").startswith("Grade every step once"))
    tests = [s["with"]["command"] for s in jobs if "command" in s.get("with", {})]
    work = Path(tempfile.mkdtemp(prefix="kata-bench-classroom-"))
    repo = repository(work / "repo")
    torch_s = timed(f"{sys.executable} -c 'import torch'", repo, work)
    before_home, now_home = work / "home-before", work / "home-now"
    before_home.mkdir()
    now_home.mkdir()
    before = sum(timed(c, repo, before_home / str(i)) for i, c in enumerate(tests))  # a fresh state each: cold
    once = timed(pregrade, repo, now_home)
    each = [timed(c, repo, now_home) for c in tests]
    print(f"import torch: {torch_s:.2f} s")
    print(f"before: {len(tests)} cold tests          {before:7.2f} s  {before / torch_s:6.2f} × import torch")
    print(f"now: every step once                {once:7.2f} s  {once / torch_s:6.2f} ×")
    print(f"now: {len(tests)} tests, recorded verdicts {sum(each):7.2f} s  {sum(each) / torch_s:6.2f} × "
          f"(each {sum(each) / len(each) / torch_s:.2f} ×)")
    print(f"now in all                          {once + sum(each):7.2f} s  {(once + sum(each)) / torch_s:6.2f} ×")


if __name__ == "__main__":
    main()
