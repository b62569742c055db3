"""Drive `grader.py STEP --watch` in a child process: save a file, wait for the next verdict.

Used by the watch benchmark (bench/bench_watch.py) and by the tests of watch mode.
"""
from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOOTER = "save to grade again"  # the last line watch mode prints after each verdict


class WatchDriver:
    def __init__(self, step: str, target: Path, *extra: str):
        env = os.environ | {"KATA_OFFLINE": "1", "NO_COLOR": "1", "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "grader.py"), step, "--watch", "--target", str(target),
                                      *extra], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def next_verdict(self, timeout: float = 120) -> str:
        """Every line up to and including the next footer."""
        got, deadline = [], time.monotonic() + timeout
        while True:
            line = self.lines.get(timeout=max(deadline - time.monotonic(), 0.01))
            if line is None:
                raise EOFError("\n".join(got))
            got.append(line)
            if FOOTER in line:
                return "\n".join(got)

    def save(self, path: Path, text: str) -> float:
        """Write the file (as an editor would) and return the moment it was written."""
        path.write_text(text)
        return time.perf_counter()

    def stop(self) -> tuple[int, str]:
        self.proc.send_signal(signal.SIGINT)
        rest = []
        while (line := self.lines.get(timeout=30)) is not None:
            rest.append(line)
        return self.proc.wait(timeout=30), "\n".join(rest)
