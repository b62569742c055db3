"""`--reset`: put a step's stub back, keeping the learner's file as a numbered backup first.

Backups go to `.kata-backups/` inside the learner's folder, numbered 1, 2, 3... (kata.files): nothing a
learner wrote is lost.
"""
from __future__ import annotations

import sys
from pathlib import Path

from kata.files import graders_own, replace_keeping
from kata.i18n import _
from kata.steps.stubs import make_stub

REFUSED = 2  # a usage error: nothing was changed


def reset(step, target: Path) -> int:
    what = graders_own(target)
    if what:
        print(_("grader.py: --reset puts a learner's stub back; {target} holds {what}, which the checks and the "
                "stubs are made from, so it is never reset. Reset a learner's folder (steps/, the default, or "
                "--target FOLDER).").format(target=target, what=_(what)), file=sys.stderr)
        return REFUSED
    path = target / step.filename
    stub = make_stub(step)
    if path.exists() and path.read_text(encoding="utf-8") == stub:
        print(_("{path} is already the untouched stub: nothing to do.").format(path=path))
        return 0
    kept = replace_keeping(path, stub)
    print(_("{path} is the stub again.").format(path=path))
    if kept:
        print(_("Your version is kept in {backup}. To put it back: cp {backup} {path}").format(backup=kept, path=path))
    return 0
