"""The cases each check drew on the reference solutions, kept in a file for later processes.

Gradescope grades every submission in a fresh container, so no process lives long enough to keep
the cases hypothesis drew (kata.judging.case_drawing). setup.sh's `run_autograder --check` grades the
references once, when the image is built; `save` writes what it drew, and each submission's grade
`load`s it, so its passing checks run their cases straight. The file is used only where the kata's
checks, hypothesis, torch and Python are those that drew it (the same image); anything else in it is
ignored, and it holds only numbers and the kata's own case classes (never pickle: nothing in it runs).
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import sys
from pathlib import Path

from kata import paths
from kata.judging import case_drawing

FORMAT = 1


def fingerprint() -> str:
    """What must not change between the process that drew the cases and the one that uses them."""
    import hypothesis
    import torch

    steps = hashlib.sha256()
    for path in sorted((paths.ROOT / "kata" / "steps").rglob("*.py")):  # the checks and their strategies
        steps.update(path.relative_to(paths.ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return f"{FORMAT} {sys.version.split()[0]} hypothesis {hypothesis.__version__} torch {torch.__version__} " \
           f"{steps.hexdigest()[:16]}"


def _case_classes():
    from kata.steps import cases  # what the checks draw: imported once the zygote runs, never before it forks

    return cases


def _encode(value):
    case_classes = _case_classes()
    if dataclasses.is_dataclass(value) and getattr(case_classes, type(value).__name__, None) is type(value):
        return {"$case": type(value).__name__,
                "fields": {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    if isinstance(value, tuple):
        return {"$tuple": [_encode(v) for v in value]}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"a case of type {type(value).__name__} is not kept")


def _decode(value):
    case_classes = _case_classes()
    if isinstance(value, dict) and set(value) == {"$tuple"}:
        return tuple(_decode(v) for v in value["$tuple"])
    if isinstance(value, dict) and set(value) == {"$case", "fields"}:
        cls = getattr(case_classes, str(value["$case"]), None)
        if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)):
            raise ValueError(f"no case class {value['$case']!r}")
        return cls(**{k: _decode(v) for k, v in value["fields"].items()})
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise ValueError(f"not a kept case: {value!r:.80}")


def save(path: Path) -> None:
    entries = []
    for check_id, examples, edges, cases in case_drawing.everything_kept():
        try:
            entries.append([check_id, examples, edges, [_encode(c) for c in cases]])
        except TypeError:  # a case the file cannot hold: that check draws its cases as usual
            continue
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps({"fingerprint": fingerprint(), "checks": entries}), encoding="utf-8")
    tmp.replace(path)


def load(path: Path) -> bool:
    """Restore the cases kept in `path`; False (and nothing restored) when it is missing, unreadable or
    drawn by another kata, hypothesis, torch or Python."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("fingerprint") != fingerprint():
            return False
        entries = [(str(i), int(n), int(e), tuple(_decode(c) for c in cases)) for i, n, e, cases in data["checks"]]
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return False
    case_drawing.restore(entries)
    return True
