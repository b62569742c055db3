"""Grade many learner-steps side by side: one trusted judge process per learner-step.

The parent imports torch, starts the zygote, then loads the checks and references once and forks
one judge per job, so a judge starts warm. A judge runs only the kata's own code: the learner's code
runs in the confined child the judge asks the zygote for (kata.judging.remote). The judge sends its
result back as JSON through a pipe the learner's child never holds; the parent runs up to `workers`
judges at once with a select loop (no threads: forking from a threaded process can deadlock the
child) and kills a judge that overruns its deadline.
"""
from __future__ import annotations

import json
import os
import select
import signal
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from kata import paths
from kata.grading import runner
from kata.judging.results import BROKEN, StepResult
from kata.steps.registry import Step

GRACE_SECONDS = 10.0  # beyond the step's own time limit, before the parent kills the child


@dataclass(frozen=True)
class Job:
    key: tuple[str, str]  # (learner, step id)
    step: Step
    folder: Path  # the learner's files (a private copy)
    hidden: tuple = field(default=(), compare=False)


def prepare(steps: list[Step]) -> None:
    """Load in this parent what every judge of `steps` needs (hypothesis, torch's lazy imports, the
    steps' judges, baselines and references), so that no forked judge pays for it again. Nothing is
    graded. The zygote must run already: it is started before any check or reference is loaded."""
    import torch
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from kata.judging import case_drawing

    torch.set_num_threads(1)  # no OpenMP pool in the parent: forking after one can deadlock a child
    case_drawing.ready()
    given(st.integers())(settings(max_examples=2, database=None)(lambda x: None))()  # hypothesis's lazy imports
    if any("torch._dynamo" in step.preload for step in steps):
        import torch._dynamo  # noqa: F401  what the references' optimizers import at their first step: ~1.5 s

    for step in steps:
        step.checks_to_run()
        runner.baseline(step)
        runner.reference(step)


def warm_up(steps: list[Step]) -> list:
    """`prepare`, then each reference graded once in this parent: the first calls into each check and
    kernel, and the cases each check draws, so that children start warm. The reference's results,
    for whoever wants to warm up what comes after grading."""
    from kata.child import zygote_supply

    zygote_supply.zygote(here=zygote_supply.EVERYTHING)  # before the checks and references below are loaded
    prepare(steps)
    # Once per step and process: a server that grades class after class warmed them all at its start.
    for step in steps:
        if step.id not in _warmed:
            _warmed[step.id] = runner.grade(step, paths.SOLUTIONS)
    return [_warmed[step.id] for step in steps]


_warmed: dict = {}  # step id -> the reference's result, graded once in this process


def _child(job: Job, out: int, timeout: float, memory_mb: int | None) -> None:
    """Runs in the forked child: grade, send the result, and leave without running any cleanup."""
    try:
        quiet = os.open(os.devnull, os.O_WRONLY)
        os.dup2(quiet, 1)  # the learner's prints must not garble the parent's screen
        os.dup2(quiet, 2)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
        result = runner.grade(job.step, job.folder, timeout, job.hidden, memory_mb)
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
        return (f"grading {name} did not finish within {timeout:g} s and was stopped: an endless loop, or far "
                "more work than the step needs.")
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        return f"grading {name} ended abruptly (signal {sig}): grade this learner's step again, alone."
    return f"grading {name} ended before it could report (exit status {os.WEXITSTATUS(status)})."


def cores() -> int:
    """The cores this process may run on: its CPU affinity, capped by its cgroup's CPU quota (a
    container's `--cpus`, which the affinity does not show)."""
    count = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        if quota != "max":
            count = min(count, max(1, int(quota) // int(period)))
    except (OSError, ValueError):
        pass
    return max(1, count)


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
            # the learner's time, as much again that the kata may spend on a failure (not theirs), then a grace
            active[read_end] = (pid, job, [], time.monotonic() + 2 * timeout + GRACE_SECONDS)
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


