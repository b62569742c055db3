"""What the grader remembers about a learner between runs: hints shown, steps passed.

Kept outside the graded folder (the grader never writes there), in $KATA_STATE_DIR, else
$XDG_STATE_HOME/torch-nn-kata, else ~/.local/state/torch-nn-kata; one record per graded folder.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from kata.paths import state_dir


def state_file() -> Path:
    return state_dir() / "state.json"


def _read() -> dict:
    try:
        return json.loads(state_file().read_text())
    except (OSError, ValueError):
        return {}  # no state yet, or a damaged file: start afresh rather than fail the grade


def _write(data: dict) -> None:
    path = state_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".state-")
        with os.fdopen(fd, "w") as f:
            json.dump(data, f, indent=1, sort_keys=True)
        os.replace(tmp, path)  # atomic: a crash never leaves half a file
    except OSError:
        pass  # a read-only home must not stop grading; the state is a convenience


def announce_once(what: str) -> bool:
    """True the first time ever (per user) that `what` is announced."""
    data = _read()
    told = data.setdefault("_announced", [])
    if what in told:
        return False
    told.append(what)
    _write(data)
    return True


class LearnerState:
    """The record of one graded folder."""

    def __init__(self, target: Path):
        self.key = str(Path(target).resolve())

    def _record(self, data: dict) -> dict:
        return data.setdefault(self.key, {"hints": {}, "passed": []})

    def hints_shown(self, check_id: str) -> int:
        return self._record(_read())["hints"].get(check_id, 0)

    def show_next_hint(self, check_id: str, available: int) -> int:
        """Count one more hint shown for the check (up to `available`); return how many are now shown."""
        data = _read()
        record = self._record(data)
        shown = min(record["hints"].get(check_id, 0) + 1, available)
        record["hints"][check_id] = shown
        _write(data)
        return shown

    def remember_failure(self, step: str, check_id: str | None) -> None:
        """The check `--hint` starts from: the first one that failed when the step was last graded."""
        data = _read()
        failures = self._record(data).setdefault("failing", {})
        if failures.get(step) != check_id:
            failures[step] = check_id
            _write(data)

    def last_failure(self, step: str) -> str | None:
        return self._record(_read()).get("failing", {}).get(step)

    def mark_passed(self, step: str) -> bool:
        """Remember that `step` passed; True the first time."""
        data = _read()
        record = self._record(data)
        if step in record["passed"]:
            return False
        record["passed"].append(step)
        _write(data)
        return True

    def passed(self) -> set[str]:
        return set(self._record(_read())["passed"])
