"""An instructor's hidden checks (`--extra-tests DIR`): DIR/stepNN.py files, each with a CHECKS list
of checks declared whole (kata.steps.common.base.prop).

They are loaded into the judge only, and only once its zygote runs: a zygote forked from a process
holding them would hand them to every learner's child (kata.child.zygote_supply then starts a fresh
interpreter instead, which is slower). `for_grading` starts the zygote first; `load` only reads
them (to say, on the instructor's machine, that a folder of them is sound).
"""
from __future__ import annotations

from pathlib import Path

from kata.child import loading, zygote_supply
from kata.steps import registry


def load(folder: Path | None) -> dict[str, tuple]:
    """{step id: its hidden checks}; ValueError for a file that names no step."""
    if folder is None:
        return {}
    hidden = {}
    for path in sorted(folder.glob("step*.py")):
        step = registry.find(path.stem.split("_")[0])
        if step is None:
            raise ValueError(f"{path}: no step named {path.stem.split('_')[0]!r}")
        hidden[step.id] = tuple(loading.load(path).CHECKS)
    return hidden


def for_grading(folder: Path | None, preload: tuple[str, ...] = zygote_supply.EVERYTHING) -> dict[str, tuple]:
    """`load`, once this process's zygote runs (started with `preload` imported if none does)."""
    zygote_supply.zygote(preload)
    return load(folder)
