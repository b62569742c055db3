"""`--diff`: what the learner changed since their own previous step, or against the reference."""
from __future__ import annotations

import difflib
from pathlib import Path


def unified(old: Path, new: Path) -> list[str]:
    """Unified diff lines from `old` to `new` (no trailing newlines)."""
    a = old.read_text(encoding="utf-8").splitlines()
    b = new.read_text(encoding="utf-8").splitlines()
    return list(difflib.unified_diff(a, b, fromfile=str(old), tofile=str(new), lineterm=""))


def style(line: str) -> str:
    """The rich style of one diff line."""
    if line.startswith(("+++", "---")):
        return "bold"
    if line.startswith("@@"):
        return "cyan"
    if line.startswith("+"):
        return "green"
    if line.startswith("-"):
        return "red"
    return ""
