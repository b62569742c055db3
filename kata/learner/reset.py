"""`--reset`: put a step's stub back, keeping the learner's file as a numbered backup first.

Backups go to `.kata-backups/` inside the learner's folder, numbered 1, 2, 3...; a backup is
created exclusively, so an existing one is never overwritten: nothing a learner wrote is lost.
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from kata.i18n import _
from kata.steps.stubs import make_stub

BACKUPS = ".kata-backups"


def backup(path: Path) -> Path:
    """Copy `path` to the first free `.kata-backups/<stem>.<n>.py` next to it; return the copy."""
    folder = path.parent / BACKUPS
    folder.mkdir(exist_ok=True)
    data = path.read_bytes()
    n = 1
    while True:
        copy = folder / f"{path.stem}.{n}{path.suffix}"
        try:
            with open(copy, "xb") as f:  # "x": fails rather than overwrite an earlier backup
                f.write(data)
            return copy
        except FileExistsError:
            n += 1


def _write_atomically(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


REFUSED = 2  # a usage error: nothing was changed


def reset(step, target: Path) -> int:
    from kata.paths import KATA, SOLUTIONS

    folder = Path(target).resolve()
    if folder == SOLUTIONS.resolve() or folder.is_relative_to(KATA.resolve()):
        what = _("the reference solutions") if folder == SOLUTIONS.resolve() else _("part of the grader")
        print(_("grader.py: --reset puts a learner's stub back; {target} holds {what}, which the checks and the "
                "stubs are made from, so it is never reset. Reset a learner's folder (steps/, the default, or "
                "--target FOLDER).").format(target=target, what=what), file=sys.stderr)
        return REFUSED
    path = target / step.filename
    stub = make_stub(step)
    if path.exists() and path.read_text(encoding="utf-8") == stub:
        print(_("{path} is already the untouched stub: nothing to do.").format(path=path))
        return 0
    kept = backup(path) if path.exists() else None
    _write_atomically(path, stub)
    print(_("{path} is the stub again.").format(path=path))
    if kept:
        print(_("Your version is kept in {backup}.").format(backup=kept))
    return 0
