"""Honest code the confinement refuses gets the rule and the one change that fits, not a bare "Permission denied".

The learner's child runs without new processes, threads or network, and writes only in its scratch
folder. A DataLoader with workers, torch.save to a path of one's own, subprocess, multiprocessing, a
thread or a socket are not attacks, only habits from elsewhere: each fails in the child (EPERM,
EACCES, "can't start new thread"), and the learner reads what the grader allows and what to change.
"""
from __future__ import annotations

import threading
from pathlib import Path

import pytest
import torch

from kata import paths
from kata.child import probe
from kata.judging import verdicts
from kata.judging.results import BROKEN, FAILED, FAILING, PASSED
from tests.conftest import grade

RULE = "The grader runs your code without new processes, threads or network, and lets it write files only in its " \
       "scratch folder."
STEP04 = (paths.SOLUTIONS / "step04_optim.py").read_text()
STEP06 = (paths.SOLUTIONS / "step06_dataloader.py").read_text()
FIT = "def fit(model, opt, x_train, y_train, epochs=2, bs=64):\n"


def in_fit(lines: str) -> str:
    """step04's solution, with `lines` first in fit (the one-update and k-updates checks call it)."""
    assert STEP04.count(FIT) == 1
    return STEP04.replace(FIT, FIT + "".join(f"    {line}\n" for line in lines.splitlines()), 1)


def messages(result) -> str:
    return result.problem + "\n".join(c.message for c in result.checks if c.status == FAILED)


def fit_check(result):
    return next(c for c in result.checks if c.id == "step04.one-update")


def test_a_dataloader_with_workers_is_told_num_workers_0(submission):
    old = "    return DataLoader(train_ds, batch_size=bs)\n"
    assert STEP06.count(old) == 1
    (submission / "step06_dataloader.py").write_text(STEP06.replace(old, "    return DataLoader(train_ds, "
                                                                         "batch_size=bs, num_workers=2)\n"))
    r = grade("step06", submission)
    assert r.status == FAILING
    failed = [c for c in r.checks if c.status == FAILED]
    assert failed and all(RULE in c.message and "use num_workers=0" in c.message for c in failed), messages(r)


@pytest.mark.parametrize("where", ["/tmp/kata-model.pt", str(paths.ROOT / "model.pt")])
def test_torch_save_outside_the_scratch_folder_is_told_to_keep_the_model_in_memory(submission, where):
    (submission / "step04_optim.py").write_text(in_fit(f"torch.save(model, {where!r})"))
    r = grade("step04", submission)
    message = fit_check(r).message
    assert fit_check(r).status == FAILED and RULE in message, message
    assert "keep the model in memory and return it instead of saving it" in message
    assert not Path(where).exists()


CHANGES = {
    "subprocess": ("import subprocess\nsubprocess.run(['true'])", "This line starts a new process"),
    "multiprocessing": ("import multiprocessing\np = multiprocessing.Process(target=print)\np.start()\np.join()",
                        "This line starts a new process"),
    "os.fork": ("import os\nif os.fork() == 0:\n    os._exit(0)", "This line starts a new process"),
    "socket": ("import socket\ns = socket.socket()\ns.connect(('127.0.0.1', 9))", "This line opens a network"),
}


@pytest.mark.parametrize("name", sorted(CHANGES))
def test_a_new_process_or_a_connection_is_told_what_to_change(submission, name):
    code, says = CHANGES[name]
    (submission / "step04_optim.py").write_text(in_fit(code))
    r = grade("step04", submission)
    message = fit_check(r).message
    assert fit_check(r).status == FAILED, messages(r)
    assert RULE in message and says in message, message


def test_a_thread_is_told_what_to_change_where_threads_are_refused(submission):
    """Where the child may start threads (an older kernel), a thread joined before fit returns is harmless."""
    (submission / "step04_optim.py").write_text(in_fit("import threading\nt = threading.Thread(target=print)\n"
                                                       "t.start()\nt.join()"))
    r = grade("step04", submission)
    if r.status == PASSED:
        return
    message = fit_check(r).message
    assert RULE in message and "This line starts a thread: do the work in the function itself" in message, message


def test_a_refusal_while_the_file_is_imported_is_told_too(submission):
    (submission / "step04_optim.py").write_text("import subprocess\nsubprocess.run(['true'])\n" + STEP04)
    r = grade("step04", submission)
    assert r.status == BROKEN and "fails while it is being imported" in r.problem
    assert RULE in r.problem and "This line starts a new process" in r.problem, r.problem


def test_no_answer_is_taken_while_a_thread_of_the_learners_still_runs():
    """Where threads may start, one still running when the answer is taken could change it while the judge
    reads it: the child refuses to take it, and the learner reads why (the probe, in this process)."""
    if threading.active_count() > 1:
        pytest.skip("this process runs threads of its own")
    session = probe.Session("/nowhere/step99.py")
    stop = threading.Event()
    spinning = threading.Thread(target=stop.wait, name="spin")
    spinning.start()
    try:
        with pytest.raises(RuntimeError) as raised:
            session.keep(torch.ones(2), 1)
        info = session.failure(raised.value)["error"]
    finally:
        stop.set()
        spinning.join()
    assert info["kind"] == "thread"
    said = verdicts.learner_error(info, Path("step99.py"))
    assert "your code left a thread running (wait)" in said and RULE in said and "still running when the function" in said
    assert "value" in session.keep(torch.ones(2), 2)  # once it has ended, answers are taken again
