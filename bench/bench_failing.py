"""What a failing grade costs beside the passing grade of the same step, for every catalogued wrong
version (and a few bugs known to shrink long), in one run.

    python bench/bench_failing.py [--steps step01,step07]

One process grades, as the warm server does (the zygote started, the checks loaded), but every grade
starts with no kept cases, so each draws its cases with hypothesis as a cold grade does. Each step's
passing grade (its reference solution) is the median of three; each wrong version is graded once.
Printed: per step, the passing grade's seconds, then the failing grades' median and worst ratio to it,
and the worst wrong versions overall. This machine is noisy: compare ratios from one run.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

os.environ.setdefault("KATA_SERVER", "off")
os.environ.setdefault("KATA_STATE_DIR", tempfile.mkdtemp(prefix="kata-bench-failing-state-"))

# bugs that are not in the catalogue (their check's wording is not the point) but whose failure once took
# far longer to shrink than the step takes to pass: (step, name, text of the solution, what replaces it)
SLOW_BEFORE = (
    ("step01", "model-returns-float32", "    return xb @ weights + bias", "    return (xb @ weights + bias).float()"),
    ("step01", "fit-in-float32", "            loss = loss_func(model(xb, weights, bias), yb)",
     "            loss = loss_func(model(xb.float(), weights.float(), bias.float()), yb)"),
)


def main() -> None:
    from kata import paths
    from kata.authoring import mutants
    from kata.child import zygote_supply
    from kata.grading import runner
    from kata.judging import case_drawing
    from kata.steps import registry

    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", default="")
    wanted = [registry.find(s).id for s in filter(None, parser.parse_args().steps.split(","))]
    steps = [s for s in registry.STEPS if not wanted or s.id in wanted]
    zygote_supply.start()

    def timed(step, folder) -> tuple[float, str]:
        case_drawing._kept.clear()  # draw the cases, as a cold grade does
        start = time.perf_counter()
        result = runner.grade(step, folder, 60)
        return time.perf_counter() - start, result.status

    work = Path(tempfile.mkdtemp(prefix="kata-bench-failing-"))
    worst: list[tuple[float, str]] = []
    print(f"{'step':<8} {'passing s':>9} {'wrong':>6} {'median ×':>9} {'worst ×':>8}  worst version")
    for step in steps:
        timed(step, paths.SOLUTIONS)  # the first grade of a step loads its checks and reference
        passing = statistics.median(timed(step, paths.SOLUTIONS)[0] for _ in range(3))
        versions = [(m.name, m.source()) for m in mutants.for_step(step.id)]
        reference = (paths.SOLUTIONS / step.filename).read_text()
        versions += [(name, reference.replace(old, new)) for s, name, old, new in SLOW_BEFORE
                     if s == step.id and reference.count(old) == 1]
        ratios = []
        for name, text in versions:
            folder = work / step.id / name
            folder.mkdir(parents=True)
            (folder / step.filename).write_text(text)
            seconds, status = timed(step, folder)
            ratios.append((seconds / passing, f"{step.id}/{name} ({status})"))
        if not ratios:
            continue
        worst += ratios
        top = max(ratios)
        print(f"{step.id:<8} {passing:>9.2f} {len(ratios):>6} {statistics.median(r for r, _ in ratios):>9.2f} "
              f"{top[0]:>8.2f}  {top[1]}")
    every = [r for r, _ in worst]
    print(f"\nall {len(every)} wrong versions: median {statistics.median(every):.2f} × the passing grade of their "
          f"step, worst {max(every):.2f} ×; over 2 ×: {sum(r > 2 for r in every)}")
    for ratio, name in sorted(worst, reverse=True)[:5]:
        print(f"  {ratio:5.2f} ×  {name}")


if __name__ == "__main__":
    main()
