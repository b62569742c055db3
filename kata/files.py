"""Writing a learner's step file safely, for every front that writes one (`--reset`, a notebook's
`%%kata` cell): atomically (a reader or a watcher never sees half a file), and keeping what was there
as a numbered backup first, in `.kata-backups/` beside it. A backup is created exclusively, so an
earlier one is never overwritten: nothing a learner wrote is lost."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from kata import paths
from kata.i18n import N_

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


def write_atomically(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def replace_keeping(path: Path, text: str) -> Path | None:
    """Write `text` to `path`, keeping a different file that was there as a backup (returned)."""
    kept = backup(path) if path.exists() and path.read_text(encoding="utf-8", errors="replace") != text else None
    write_atomically(path, text)
    return kept


def graders_own(folder: Path) -> str:
    """What of the kata's own `folder` holds ("" for a learner's folder): the reference solutions and
    the grader are what the checks and the stubs are made from, and no front writes a step into them."""
    folder = Path(folder).resolve()
    if folder == paths.SOLUTIONS.resolve():
        return N_("the reference solutions")
    if folder.is_relative_to(paths.KATA.resolve()):
        return N_("part of the grader")
    return ""
