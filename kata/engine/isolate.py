"""Grade untrusted code: each learner × step in a child process of its own.

The parent imports torch, hypothesis, the checks and the references once, then forks one child
per job, so a child starts warm (no second torch import) and whatever the learner's code does
(crash, endless loop, eat memory, sys.exit, os._exit) ends that child alone. The child sends its
result back as JSON through a pipe; the parent runs up to `workers` children at once with a
select loop (no threads: forking from a threaded process can deadlock the child).
"""
from __future__ import annotations

import importlib
import json
import os
import resource
import select
import signal
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from kata.engine import runner
from kata.steps.registry import Step
from kata.engine.results import BROKEN, StepResult

GRACE_SECONDS = 10.0  # beyond the step's own time limit, before the parent kills the child


@dataclass(frozen=True)
class Job:
    key: tuple[str, str]  # (learner, step id)
    step: Step
    folder: Path  # the learner's files (a private copy)
    hidden: tuple = field(default=(), compare=False)


def warm_up(steps: list[Step]) -> None:
    """Load in the parent what every child needs, so that no child pays for it again."""
    from hypothesis import given, settings, strategies as st

    importlib.import_module("torch._dynamo")  # torch.optim imports it on an optimizer's first use: ~1 s

    import torch

    torch.set_num_threads(1)  # no OpenMP pool in the parent: forking after one can deadlock a child
    given(st.integers())(settings(max_examples=2, database=None)(lambda x: None))()  # hypothesis's lazy imports
    for step in steps:
        runner.grade(step, runner.SOLUTIONS)  # first calls into each check and kernel: children start warm


def _limit_memory(megabytes: int | None) -> None:
    if not megabytes:
        return
    with open("/proc/self/statm") as f:
        in_use = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")  # what torch already maps
    limit = in_use + megabytes * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _child(job: Job, out: int, timeout: float, memory_mb: int | None) -> None:
    """Runs in the forked child: grade, send the result, and leave without running any cleanup."""
    try:
        quiet = os.open(os.devnull, os.O_WRONLY)
        os.dup2(quiet, 1)  # the learner's prints must not garble the parent's screen
        os.dup2(quiet, 2)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
        import torch

        torch.set_num_threads(1)  # the parent runs the children side by side
        _limit_memory(memory_mb)
        result = runner.grade(job.step, job.folder, timeout, job.hidden)
        data = json.dumps(result.to_dict()).encode()
        while data:
            data = data[os.write(out, data):]
    finally:
        os._exit(0)


def broken(job: Job, problem: str) -> dict:
    step = job.step
    result = StepResult(step.id, step.slug, step.title, str(job.folder), str(job.folder / step.filename),
                        status=BROKEN, problem=problem)
    return result.to_dict()


def _verdict(job: Job, status: int, killed: bool, timeout: float) -> str:
    name = job.folder / job.step.filename
    if killed:
        return (f"{name} did not finish within {timeout:g} s and its grading process was stopped: an endless "
                "loop, or far more work than the step needs.")
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        cause = "most likely for using too much memory" if sig == signal.SIGKILL else f"by signal {sig}"
        return f"grading {name} ended abruptly, {cause}. Check for tensors or lists that grow without bound."
    return (f"grading {name} ended before it could report (exit status {os.WEXITSTATUS(status)}): the code "
            "ends the process itself (os._exit or similar). A step's functions return; they never exit.")


def run_all(jobs: list[Job], workers: int, timeout: float, memory_mb: int | None,
            on_done: Callable[[Job, dict], None] = lambda job, result: None) -> dict[tuple[str, str], dict]:
    """Grade every job, `workers` at a time; return each job's StepResult as a dict."""
    waiting = deque(jobs)
    active: dict[int, tuple[int, Job, list[bytes], float]] = {}  # fd -> (pid, job, chunks, deadline)
    results: dict[tuple[str, str], dict] = {}

    def finish(fd: int, killed: bool = False) -> None:
        pid, job, chunks, _ = active.pop(fd)
        os.close(fd)
        _, status = os.waitpid(pid, 0)
        try:
            result = json.loads(b"".join(chunks)) if chunks and not killed else None
        except ValueError:
            result = None
        results[job.key] = result or broken(job, _verdict(job, status, killed, timeout))
        on_done(job, results[job.key])

    while waiting or active:
        while waiting and len(active) < workers:
            job = waiting.popleft()
            read_end, write_end = os.pipe()
            pid = os.fork()
            if pid == 0:
                os.close(read_end)
                _child(job, write_end, timeout, memory_mb)
            os.close(write_end)
            active[read_end] = (pid, job, [], time.monotonic() + timeout + GRACE_SECONDS)
        ready, _, _ = select.select(list(active), [], [], 0.2)
        for fd in ready:
            data = os.read(fd, 1 << 16)
            if data:
                active[fd][2].append(data)
            else:
                finish(fd)
        now = time.monotonic()
        for fd in [fd for fd, (_, _, _, deadline) in active.items() if now > deadline]:
            os.kill(active[fd][0], signal.SIGKILL)
            finish(fd, killed=True)
    return results


