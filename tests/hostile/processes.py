"""Processes a test expects gone: polled in /proc until none is left, within a generous bound (a
killed child may take its zygote's next reaping round to go), never timed tighter than that."""
from __future__ import annotations

import os
import time
from typing import Callable

WAIT_SECONDS = 10.0


def left_over(matches: Callable[[list[str], int], bool]) -> list[int]:
    """The live (not zombie) processes for which `matches(stat fields after the name, owner uid)` holds,
    once none is left or the bound has passed."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        left = []
        for entry in os.listdir("/proc"):
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                uid = os.stat(f"/proc/{entry}").st_uid
            except (OSError, IndexError):
                continue
            if fields[0] not in ("Z", "X") and matches(fields, uid):
                left.append(int(entry))
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)
