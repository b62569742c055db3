"""What the notebook front costs, measured against torch's own import, in one run.

    python bench/bench_notebook.py [--repeat 3]

Each round starts a fresh Jupyter kernel (jupyter_client, a real ipykernel), no grading server running
(the state folder is the cold command's, as on a learner's machine): it times `%load_ext kata` (and checks that it imported no torch), the
first `%%kata step04` of the kernel (cold: a fresh grader.py; then the kernel imports the cell's torch
to define its names), then, once the server it started listens, `%%kata step04` again with a changed
cell (warm). Each to its report (what the learner waits for) and to the cell's end.
Interleaved with each round: a bare `python -c "import torch"` and a cold `grader.py step04`. Medians,
as ratios to `import torch`: compare ratios from one run, not seconds across runs.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from jupyter_client.manager import start_new_kernel

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.ratios import print_table  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
SOLUTION = (ROOT / "solutions" / "step04_optim.py").read_text()


def timed_command(cmd: list[str], env: dict) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def run_cell(client, code: str, shown: list | None = None) -> tuple[float, str]:
    """Seconds from sending the cell to its reply, and what it printed (plain text); the seconds to
    its first display (the report) are added to `shown`."""
    out = []
    start = time.perf_counter()

    def keep(msg):
        content = msg["content"]
        if msg["msg_type"] == "stream":
            out.append(content["text"])
        elif msg["msg_type"] in ("display_data", "execute_result"):
            if shown is not None and not any("kata-report" in o for o in out):
                shown.append(time.perf_counter() - start)
            out.append(content["data"].get("text/plain", "") + content["data"].get("text/html", ""))
        elif msg["msg_type"] == "error":
            out.append(f"{content['ename']}: {content['evalue']}")

    client.execute_interactive(code, timeout=600, output_hook=keep)
    return time.perf_counter() - start, "".join(out)


def server_listens(env: dict, deadline: float = 300) -> None:
    """Wait until the server the first cell started answers and has loaded what it warms."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        status = subprocess.run([PY, "grader.py", "server", "status"], cwd=ROOT, env=env, capture_output=True,
                                text=True).stdout
        if "no grading server" not in status and "still loading" not in status:
            return
        time.sleep(0.5)
    raise SystemExit("the grading server did not start")


def one_round(warm_cells: int, state: Path) -> dict[str, list[float]]:
    folder = Path(tempfile.mkdtemp(prefix="kata-bench-nb-"))
    (folder / "steps").mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("KATA_SERVER", "KATA_IN_SERVER")} | {
        "KATA_STATE_DIR": str(state), "KATA_OFFLINE": "1", "KATA_LANG": "en", "KATA_SERVER_WARM": "step04"}
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)  # the kernel's environment
    try:
        manager, client = start_new_kernel(kernel_name="python3", cwd=str(folder))
    finally:
        os.environ.clear()
        os.environ.update(saved)
    first_report, warm_report = [], []
    figures: dict[str, list[float]] = {"%load_ext kata": [], "first %%kata step04: its report (no server)": first_report,
                                       "first %%kata step04: the cell done (torch imported)": [],
                                       "%%kata step04 again, changed: its report (warm)": warm_report,
                                       "%%kata step04 again, changed: the cell done (warm)": []}
    try:
        seconds, _ = run_cell(client, "%load_ext kata")
        figures["%load_ext kata"].append(seconds)
        _, torch_loaded = run_cell(client, "import sys; print('torch' in sys.modules)")
        assert torch_loaded.strip() == "False", "loading the extension imported torch"
        seconds, text = run_cell(client, f"%%kata step04\n{SOLUTION}", first_report)
        assert "step04 passed" in text, text
        figures["first %%kata step04: the cell done (torch imported)"].append(seconds)
        server_listens(env)
        for n in range(warm_cells):
            seconds, text = run_cell(client, f"%%kata step04\n{SOLUTION}# change {n}\n", warm_report)
            assert "step04 passed" in text, text
            figures["%%kata step04 again, changed: the cell done (warm)"].append(seconds)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
        server_stops(env)
    return figures


def server_stops(env: dict) -> None:
    """No server left for the next round's first cell (it lets its grades finish, then goes)."""
    while "no grading server" not in subprocess.run([PY, "grader.py", "server", "stop"], cwd=ROOT, env=env,
                                                    capture_output=True, text=True).stdout:
        time.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--warm-cells", type=int, default=3)
    args = parser.parse_args()
    state = Path(tempfile.mkdtemp(prefix="kata-bench-state-"))  # one for both: what a learner's machine keeps
    cold_env = os.environ | {"KATA_SERVER": "off", "KATA_OFFLINE": "1", "KATA_STATE_DIR": str(state)}
    target = Path(tempfile.mkdtemp(prefix="kata-bench-cold-"))
    figures: dict[str, list[float]] = {'python -c "import torch"': [], "cold: grader.py step04 (changed file)": []}
    for n in range(args.repeat):
        figures['python -c "import torch"'].append(timed_command([PY, "-c", "import torch"], cold_env))
        (target / "step04_optim.py").write_text(SOLUTION + f"# run {n}\n")
        figures["cold: grader.py step04 (changed file)"].append(
            timed_command([PY, "grader.py", "step04", "--target", str(target)], cold_env))
        for name, values in one_round(args.warm_cells, state).items():
            figures.setdefault(name, []).extend(values)
    print_table(figures, {"× import torch": 'python -c "import torch"'})


if __name__ == "__main__":
    main()
