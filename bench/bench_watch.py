"""Watch mode: time from saving a step file to the verdict on screen, in one warm process.

    python bench/bench_watch.py [--repeat 20]

Saves alternately a correct and a wrong step04 into a temporary folder watched by
`grader.py step04 --watch`, and reports the median save-to-verdict time, next to the cold cost
of `python grader.py step04` and of a bare `python -c "import torch"` measured in the same run.
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
from bench.bench_grader import timed  # noqa: E402
from bench.watch_driver import ROOT, WatchDriver  # noqa: E402
from kata.authoring import mutants  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    wrong = next(m for m in mutants.for_step("step04") if m.name == "no-zero-grad")
    right = (ROOT / "solutions" / "step04_optim.py").read_text()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "step04_optim.py"
        path.write_text(right)
        driver = WatchDriver("step04", Path(folder))
        driver.next_verdict()
        seconds = {"correct": [], "wrong": []}
        for i in range(args.repeat):
            kind, text = ("wrong", wrong.source()) if i % 2 == 0 else ("correct", right)
            time.sleep(0.2)  # a new modification time, as a person saving again would give
            saved = driver.save(path, text)
            driver.next_verdict()
            seconds[kind].append(time.perf_counter() - saved)
        driver.stop()
    env = dict(os.environ) | {"KATA_SERVER": "off", "NO_COLOR": "1"}
    torch_import = statistics.median(timed([sys.executable, "-c", "import torch"], env) for _ in range(3))
    cold = statistics.median(timed([sys.executable, "grader.py", "step04"], env | {"KATA_STATE_DIR": ""})
                             for _ in range(3))
    print(f"{'measure':<52} {'median s':>9} {'x import torch':>15}")
    rows = [('python -c "import torch" (cold)', torch_import), ("python grader.py step04 (cold, stub)", cold)]
    rows += [(f"--watch: save to verdict, {kind} step04", statistics.median(v)) for kind, v in seconds.items()]
    for name, value in rows:
        print(f"{name:<52} {value:>9.3f} {value / torch_import:>15.2f}")


if __name__ == "__main__":
    main()
