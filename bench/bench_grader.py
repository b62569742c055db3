"""What a command costs, measured against torch's own import, in one run.

    python bench/bench_grader.py [--repeat 5] [--every-step]

Each command runs in a fresh interpreter, the commands interleaved so that machine noise hits
them alike; the figures are medians, reported as ratios to a bare `python -c "import torch"` (and,
for the steps that build an optimizer, to `import torch, torch._dynamo`: torch.optim imports
torch._dynamo on an optimizer's construction, so that is the floor of any such step).
Cold runs have the grading server off; warm runs go through a server started (and warmed) first.
`--every-step` adds a cold grade of every step's changed reference solution (the issue on feedback asks
each to stay within 1.10 x the floor set for step04, `import torch, torch._dynamo`; the steps that build
no optimizer never import torch._dynamo, and their ratio to `import torch` is the one to watch). This
machine is noisy: compare ratios from one run, not seconds across runs.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.ratios import print_table  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
COLD = {"KATA_SERVER": "off"}
TARGET = "<target>"  # a copy of solutions/ made for the run; graded files get a new last line every time
COMMANDS = {
    'python -c "import torch"': ([PY, "-c", "import torch"], {}),
    'python -c "import torch, torch._dynamo"': ([PY, "-c", "import torch, torch._dynamo"], {}),
    "cold: grader.py step01 (changed file)": ([PY, "grader.py", "step01", "--target", TARGET], COLD),
    "cold: grader.py step04 (changed file)": ([PY, "grader.py", "step04", "--target", TARGET], COLD),
    "cold: grader.py step04 (the untouched stub)": ([PY, "grader.py", "step04"], COLD | {"KATA_STATE_DIR": ""}),
    "warm server: grader.py step04 (changed file)": ([PY, "grader.py", "step04", "--target", TARGET], {}),
    "warm server: grader.py step01 (changed file)": ([PY, "grader.py", "step01", "--target", TARGET], {}),
    "warm server: grader.py step04 --lang ko (changed)": ([PY, "grader.py", "step04", "--target", TARGET,
                                                          "--lang", "ko"], {}),
    "grader.py step04 again (file unchanged)": ([PY, "grader.py", "step04", "--target", "solutions"], COLD),
    "grader.py step04 --hint": ([PY, "grader.py", "step04", "--hint"], COLD),
    "grader.py step04 --diff solutions": ([PY, "grader.py", "step04", "--diff", "solutions"], COLD),
    "grader.py (the board, nothing changed)": ([PY, "grader.py"], COLD),
    "grader.py step04 --lang vi --hint": ([PY, "grader.py", "step04", "--hint", "--lang", "vi"], COLD),
}
STATE = {"runs": 0}


def timed(cmd: list[str], env: dict, target: Path | None = None) -> float:
    if TARGET in cmd:  # a new last line: the recorded verdict does not apply, the step is graded
        STATE["runs"] += 1
        step = cmd[2]
        path = next(target.glob(f"{step}_*.py"))
        path.write_text(path.read_text() + f"# run {STATE['runs']}\n")
        cmd = [str(target) if c == TARGET else c for c in cmd]
    if env.get("KATA_STATE_DIR") == "":  # a state folder of its own: nothing recorded, no server
        env = env | {"KATA_STATE_DIR": tempfile.mkdtemp()}
    start = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--every-step", action="store_true", help="also a cold grade of every step")
    args = parser.parse_args()
    if args.every_step:
        from kata.steps import registry

        for step in registry.STEPS:
            COMMANDS[f"cold: grader.py {step.id} (changed file)"] = (
                [PY, "grader.py", step.id, "--target", TARGET], COLD)
    with tempfile.TemporaryDirectory() as state, tempfile.TemporaryDirectory() as copies:
        target = Path(copies)
        for path in (ROOT / "solutions").glob("step*.py"):
            (target / path.name).write_text(path.read_text())
        base_env = os.environ | {"KATA_OFFLINE": "1", "NO_COLOR": "1", "KATA_STATE_DIR": state, "KATA_LANG": "en"}
        if subprocess.run([PY, "grader.py", "step04", "--lang", "vi", "--hint"], cwd=ROOT, env=base_env,
                          capture_output=True).returncode == 2:
            del COMMANDS["grader.py step04 --lang vi --hint"]  # no --lang in this version
        subprocess.run([PY, "grader.py", "server", "stop"], cwd=ROOT, env=base_env, capture_output=True)
        subprocess.run([PY, "grader.py"], cwd=ROOT, env=base_env | COLD, capture_output=True)  # record the board
        subprocess.run([PY, "grader.py", "step04", "--target", "solutions"], cwd=ROOT, env=base_env,
                       capture_output=True)  # starts the server
        for _ in range(600):  # wait until it answers and has loaded every step
            done = subprocess.run([PY, "grader.py", "server", "status"], cwd=ROOT, env=base_env, capture_output=True,
                                  text=True)
            if "grading server" in done.stdout and "still loading" not in done.stdout:
                break
            time.sleep(1)
        times: dict[str, list[float]] = {name: [] for name in COMMANDS}
        for _ in range(args.repeat):
            for name, (cmd, extra) in COMMANDS.items():
                times[name].append(timed(cmd, base_env | extra, target))
        subprocess.run([PY, "grader.py", "server", "stop"], cwd=ROOT, env=base_env, capture_output=True)
    print_table(times, {"x import torch": 'python -c "import torch"',
                        "x torch+dynamo": 'python -c "import torch, torch._dynamo"'}, width=46)


if __name__ == "__main__":
    main()
