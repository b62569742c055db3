"""The honest part of a hostile class: alice hands in the reference of step00, bob its stub, and a
report of it compared with the same report of a clean class."""
from __future__ import annotations

import re
from pathlib import Path

from kata import paths
from kata.steps import registry

STEP = registry.BY_ID["step00"]
SOLUTION = (paths.SOLUTIONS / STEP.filename).read_text()
STUB = (paths.STEPS / STEP.filename).read_text()


def alice_and_bob(root: Path) -> Path:
    """`root` made a class folder holding alice (passes) and bob (not started)."""
    for name, text in {"alice": SOLUTION, "bob": STUB}.items():
        (root / name).mkdir(parents=True)
        (root / name / STEP.filename).write_text(text)
    return root


def unvaried(text: str, *runs: Path) -> str:
    """A report with what differs from run to run aside: the class's folder, the uid a child ran as."""
    for run in runs:
        text = text.replace(str(run), "X")
    return re.sub(r"uid \d+", "uid N", text)
