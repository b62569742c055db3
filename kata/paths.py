"""Where things are, and the few constants every room shares. Imports nothing heavy (no torch),
so commands that grade nothing stay fast."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the checkout: grader.py, steps/, solutions/
SOLUTIONS = ROOT / "solutions"
STEPS = ROOT / "steps"
KATA = ROOT / "kata"
BASELINES = KATA / "steps" / "baselines"

DEFAULT_TIMEOUT = 60.0  # seconds of wall time for one step, all checks together
DEFAULT_MEMORY_MB = 4096  # address space a learner's step may map beyond what torch maps already


def state_dir() -> Path:
    """Per-user state, never inside a graded folder: $KATA_STATE_DIR, else $XDG_STATE_HOME/torch-nn-kata,
    else ~/.local/state/torch-nn-kata."""
    if os.environ.get("KATA_STATE_DIR"):
        return Path(os.environ["KATA_STATE_DIR"])
    return Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state") / "torch-nn-kata"
