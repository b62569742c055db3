"""kata.learner.filewatch: a save is seen however the editor makes it, with inotify or by polling."""
from __future__ import annotations

import os
import threading
import time

import pytest

from kata.learner import filewatch


def save_in_place(path):
    path.write_text("two, and another size\n")  # seen on any clock: the size differs


def save_by_rename(path):  # what many editors do: a new file, renamed over the old one
    tmp = path.with_name(".step.tmp")
    tmp.write_text("three, longer\n")
    os.replace(tmp, path)


@pytest.mark.parametrize("save", [save_in_place, save_by_rename])
@pytest.mark.parametrize("inotify", [True, False])
def test_a_save_is_seen(tmp_path, save, inotify):
    path = tmp_path / "step04_optim.py"
    path.write_text("one\n")
    watcher = filewatch.Watcher(path)
    if not inotify:
        watcher.close()  # no inotify: polling
    seen = watcher.changed(None)  # the file is there: at once
    assert seen == filewatch.stamp(path)
    got = {}
    waiter = threading.Thread(target=lambda: got.setdefault("stamp", watcher.changed(seen)), daemon=True)
    waiter.start()
    time.sleep(0.2)
    assert waiter.is_alive(), "woke without a save"
    time.sleep(0.01)  # a later modification time than the first write, on any clock granularity
    save(path)
    waiter.join(timeout=10)
    assert not waiter.is_alive(), "the save was not seen"
    assert got["stamp"] == filewatch.stamp(path) != seen
    watcher.close()


def test_inotify_is_used_where_linux_has_it(tmp_path):
    watcher = filewatch.Watcher(tmp_path / "x.py")
    try:
        assert watcher.fd is not None or not os.path.exists("/proc/sys/fs/inotify")
    finally:
        watcher.close()
