"""Watch mode as a learner meets it: save, read the verdict, break the file, fix it, Ctrl-C."""
import time

from conftest import solution_copy

from bench.watch_driver import WatchDriver
from kata.authoring import mutants


def test_watch_regrades_on_save_survives_errors_and_stops_cleanly(submission):
    path = solution_copy("step04", submission)
    correct = path.read_text()
    wrong = next(m for m in mutants.for_step("step04") if m.name == "no-zero-grad").source()
    driver = WatchDriver("step04", submission, "--timeout", "5")
    try:
        first = driver.next_verdict()
        assert "step04 passes. Next: python grader.py step05 --watch" in first
        for text, expect in [
            (wrong, "k updates over several batches"),
            ("def fit(:\n", "Syntax error"),
            ("def get_model(lr=0.5):\n    while True:\n        pass\n", "cannot be graded yet"),
            (correct, "step04 passes"),
        ]:
            time.sleep(0.05)
            driver.save(path, text)
            verdict = driver.next_verdict()
            assert expect in verdict, verdict
    finally:
        code, rest = driver.stop()
    assert code == 0 and "stopped watching" in rest and "Traceback" not in rest
