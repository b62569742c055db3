"""Class grading throughput: learner-steps graded per second with --jobs 1 and --jobs 2.

    python bench/bench_class.py [--steps step00,step04,step06]

Grades the made-up class of bench/class_fixture.py (30+ learners, honest and adversarial) once
per job count, in one run, and reports learner-steps per second and the speed-up of 2 jobs.
The adversarial endless loop waits for its time limit (--timeout, 5 s here), as in real use.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.class_fixture import make_class  # noqa: E402
from kata.classroom import grading as classroom
from kata.steps import registry  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", default="step00,step04,step06")
    parser.add_argument("--timeout", type=float, default=5.0)
    args = parser.parse_args()
    steps = [registry.find(s) for s in args.steps.split(",")]
    with tempfile.TemporaryDirectory() as folder:
        kinds = make_class(Path(folder) / "class", [s.id for s in steps])
        count = len(kinds) * len(steps)
        rates = {}
        for jobs in (1, 2):
            start = time.perf_counter()
            classroom.grade_class(Path(folder) / "class", steps, jobs=jobs, timeout=args.timeout)
            rates[jobs] = count / (time.perf_counter() - start)
    print(f"{len(kinds)} learners × {len(steps)} steps = {count} learner-steps")
    for jobs, rate in rates.items():
        print(f"--jobs {jobs}: {rate:6.2f} learner-steps per second")
    print(f"speed-up of --jobs 2 over --jobs 1: {rates[2] / rates[1]:.2f}")


if __name__ == "__main__":
    main()
