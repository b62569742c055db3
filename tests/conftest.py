"""Shared helpers for the tests: grade a step of a folder in this process."""
from __future__ import annotations

import fcntl
import shutil
from pathlib import Path

import pytest

from kata import paths
from kata.grading import runner
from kata.judging.results import StepResult
from kata.steps import registry


def grade(step_id: str, folder: Path, timeout: float | None = 60.0) -> StepResult:
    return runner.grade(registry.BY_ID[step_id], folder, timeout)


def solution_copy(step_id: str, folder: Path, edit=None) -> Path:
    """Copy the reference solution of a step into `folder` (laid out like steps/), optionally edited."""
    step = registry.BY_ID[step_id]
    path = folder / step.filename
    shutil.copy(paths.SOLUTIONS / step.filename, path)
    if edit is not None:
        old, new = edit
        text = path.read_text()
        assert text.count(old) == 1, f"edit target not found once in {step.filename}: {old!r}"
        path.write_text(text.replace(old, new))
    return path


def server_released(lock: Path) -> bool:
    """No grading server holds this state folder's lock (it takes it for its whole life)."""
    if not lock.exists():
        return True
    with open(lock, "w") as file:
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        fcntl.flock(file, fcntl.LOCK_UN)
    return True


@pytest.fixture
def submission(tmp_path) -> Path:
    folder = tmp_path / "learner"
    folder.mkdir()
    return folder


@pytest.fixture(autouse=True, scope="session")
def warm_zygote():
    """One zygote for the session, warmed as the command line warms it (torch._dynamo included), so
    every child that builds an optimizer starts warm whichever step the session grades first."""
    from kata.child import zygote_supply

    zygote_supply.start()
    yield


@pytest.fixture(autouse=True)
def private_state(tmp_path, monkeypatch):
    """Hints shown and steps passed are remembered per user: keep the tests' record apart."""
    monkeypatch.setenv("KATA_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("KATA_SERVER", "off")  # grade in the test's own process; the server has its own tests
    monkeypatch.setenv("KATA_LANG", "en")  # the tests read English, whatever the machine's locale
    monkeypatch.delenv("COLUMNS", raising=False)  # reports unwrapped, whatever the shell: a test that wraps sets it
    from kata import i18n

    i18n.use("en")
