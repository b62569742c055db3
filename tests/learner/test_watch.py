"""Watch mode as a learner meets it: save, read the verdict, break the file, fix it, Ctrl-C.

The real command runs in a child process. Nothing here is timed: each save waits for a verdict
that says what it should, reading as many verdicts as come (an editor, or a loaded machine, may
produce an extra one) until a generous deadline that is only a safety net.
"""
import os
import queue
import time

import pytest

from bench.watch_driver import WatchDriver
from kata.authoring import mutants
from tests.conftest import solution_copy

DEADLINE = 180  # seconds: a safety net against a watcher that never answers, not a measure


def save(path, text):
    """As an editor does: write a new file beside it and rename it over, so no half file is ever seen."""
    tmp = path.with_name(f".{path.name}.saving")
    tmp.write_text(text)
    os.replace(tmp, path)


def verdict_with(driver, words):
    """Read verdicts until one says `words`; every verdict read on the way is returned too."""
    seen, deadline = [], time.monotonic() + DEADLINE
    while True:
        left = deadline - time.monotonic()
        assert left > 0, f"no verdict said {words!r} within {DEADLINE} s; got:\n" + "\n---\n".join(seen)
        try:
            seen.append(driver.next_verdict(timeout=left))
        except (queue.Empty, EOFError) as e:
            raise AssertionError(f"the watcher said nothing more ({type(e).__name__}); got:\n"
                                 + "\n---\n".join(seen + [str(e)])) from None
        if words in seen[-1]:
            return seen[-1]


@pytest.mark.slow
def test_watch_regrades_on_save_survives_errors_and_stops_cleanly(submission, monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)  # the watcher's output is piped: never wrapped
    path = solution_copy("step04", submission)
    correct = path.read_text()
    wrong = mutants.find("step04", "no-zero-grad").source()
    driver = WatchDriver("step04", submission)  # the default time limit: a cold first grade is slow under load
    try:
        first = verdict_with(driver, "step04 passes")
        assert "Next: python grader.py step05 --watch (TensorDataset)" in first and "First pass!" in first
        assert first.count("Next:") == 1  # the recap says it, once
        for text, words in [
            (wrong, "✗ k updates over several batches"),
            ("def fit(:\n", "Syntax error in"),
            (correct.replace("import torch\n", "import torch\nimport torch_typo\n", 1), "cannot be imported"),
            (correct.replace("    n = x_train.shape[0]\n", "    n = x_train.shape[0]\n    exit(3)\n", 1), "sys.exit()"),
            (correct, "step04 passes"),
        ]:
            save(path, text)
            verdict = verdict_with(driver, words)
            assert "Traceback" not in verdict, verdict
        assert "First pass!" not in verdict  # the pass is remembered between grades
    finally:
        code, rest = driver.stop()
    assert code == 0 and "stopped watching" in rest and "Traceback" not in rest
    assert sorted(p.name for p in submission.iterdir()) == ["step04_optim.py"]
