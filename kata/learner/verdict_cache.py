"""The grader's memory of verdicts: a step whose file (and the kata, and torch) has not changed since
it was last graded is shown from its recorded result, as the same bytes, so `python grader.py` and
`python grader.py step04` grade, and import torch, only when something changed (verdicts are
deterministic: the same code gets the same verdict). Records live in the state folder, keyed by
everything that decides a verdict."""
from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path

from kata import paths
from kata.judging.results import StepResult


def _key(step, target: Path, fingerprint: str) -> str:
    path = Path(target) / step.filename
    h = hashlib.sha256(f"{fingerprint}|{step.id}|{Path(target).resolve()}".encode())
    try:
        info = os.lstat(path)
    except OSError:
        return h.hexdigest() + "-missing"
    h.update(f"|{stat.S_IFMT(info.st_mode)}|".encode())
    if stat.S_ISREG(info.st_mode):
        with open(path, "rb") as f:
            h.update(f.read())
    return h.hexdigest()


def _folder() -> Path:
    return paths.state_dir() / "results"


def _fingerprint(timeout: float) -> str:
    """What a recorded verdict holds for: the kata's code, torch, the time limit, and the language its
    messages were written in."""
    from kata import i18n
    from kata.learner import server_address

    return f"{server_address.fingerprint()}|{timeout}|{i18n.language()}"


def recorded(steps, target: Path, timeout: float) -> list[StepResult] | None:
    """Every step's recorded result, or None when one of them must be graded again."""
    fingerprint = _fingerprint(timeout)
    results = []
    for step in steps:
        try:
            data = json.loads((_folder() / f"{_key(step, target, fingerprint)}.json").read_text())
        except (OSError, ValueError):
            return None
        results.append(StepResult.from_dict(data))
    return results


def record(results: list[StepResult], steps, target: Path, timeout: float) -> None:
    fingerprint = _fingerprint(timeout)
    folder = _folder()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for step, result in zip(steps, results):
            path = folder / f"{_key(step, target, fingerprint)}.json"
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(result.to_dict()))
            tmp.replace(path)
    except OSError:
        pass  # a read-only state folder: the board grades again next time, nothing worse
