"""Wait for a file to be saved: Linux's inotify where there is one (woken the moment the editor
closes or renames the file into place), else polling its size and modification time.

inotify watches the file's folder, not the file: editors that save by writing a new file and
renaming it over the old one replace the file being watched. Three system calls through ctypes,
no dependency.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import select
import struct
import time
from pathlib import Path

POLL_SECONDS = 0.05
SETTLE_SECONDS = 0.03  # a write seen before its close: wait until the file stops changing
IN_MODIFY, IN_CLOSE_WRITE, IN_MOVED_TO, IN_CREATE = 0x2, 0x8, 0x80, 0x100
IN_NONBLOCK, IN_CLOEXEC = 0o4000, 0o2000000
DONE = IN_CLOSE_WRITE | IN_MOVED_TO  # the file is whole
_EVENT = struct.Struct("iIII")  # wd, mask, cookie, len; then len bytes of name


def stamp(path: Path) -> tuple[int, int, int] | None:
    """What tells one save from the next: modification time, size, and the file itself (a save by
    rename is a new file even within one tick of a coarse clock)."""
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size, info.st_ino


def settled(path: Path) -> tuple[int, int, int] | None:
    """The file's stamp once it stops changing."""
    now = stamp(path)
    while True:
        time.sleep(SETTLE_SECONDS)
        again = stamp(path)
        if again == now:
            return now
        now = again


class Watcher:
    """`changed(seen)` blocks until `path` differs from the stamp `seen`, and returns its new stamp."""

    def __init__(self, path: Path):
        self.path = path
        self.fd = _inotify(path.parent)

    def changed(self, seen) -> tuple[int, int, int] | None:
        whole = False  # a change found without an event (at the start, or during a grade): let it settle
        while True:
            now = stamp(self.path)
            if now != seen:
                return now if whole else settled(self.path)
            whole = self._wait()

    def _wait(self) -> bool:
        """Until something happens to the file (True: an event that says it is whole)."""
        if self.fd is None:
            time.sleep(POLL_SECONDS)
            return False
        while True:
            ready, _, _ = select.select([self.fd], [], [], 1.0)
            if not ready:
                return False  # a quiet second: look at the file anyway (a file system without events)
            try:
                data = os.read(self.fd, 64 * 1024)
            except BlockingIOError:
                continue
            masks = [mask for name, mask in _events(data) if name == self.path.name]
            if masks:
                return any(mask & DONE for mask in masks)

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def _inotify(folder: Path) -> int | None:
    libc_name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(libc_name, use_errno=True)
        fd = libc.inotify_init1(IN_NONBLOCK | IN_CLOEXEC)
    except (OSError, AttributeError, TypeError):
        return None
    if fd < 0:
        return None
    mask = IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE
    if libc.inotify_add_watch(fd, os.fsencode(folder), mask) < 0:
        os.close(fd)
        return None
    return fd


def _events(data: bytes):
    offset = 0
    while offset + _EVENT.size <= len(data):
        _, mask, _, size = _EVENT.unpack_from(data, offset)
        raw = data[offset + _EVENT.size:offset + _EVENT.size + size]
        yield os.fsdecode(raw.rstrip(b"\0")), mask
        offset += _EVENT.size + size
