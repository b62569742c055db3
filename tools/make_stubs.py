"""Write steps/stepNN_*.py from solutions/stepNN_*.py and each step's stub edits (kata/steps/stubs.py).

    python tools/make_stubs.py          # rewrite every stub
    python tools/make_stubs.py --check  # exit 1 if a stub differs from what this would write

A stub is its solution with only the step's lesson left to do: the `todos` of its declaration
(kata/steps/stepNN/__init__.py) name the solution lines each TODO replaces, and `stub_doc` is its
docstring. The test suite runs --check, so stubs and solutions cannot drift apart: change a
solution or a step's `todos`/`stub_doc`, then run this again.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from kata.steps.registry import STEPS  # noqa: E402
from kata.steps.stubs import make_stub  # noqa: E402


def main(argv: list[str]) -> int:
    stale = []
    for step in STEPS:
        stub = make_stub(step)
        path = ROOT / "steps" / step.filename
        if "--check" in argv:
            if not path.exists() or path.read_text() != stub:
                stale.append(path.name)
        else:
            path.write_text(stub)
    if stale:
        print("stubs out of date (run python tools/make_stubs.py):", ", ".join(stale))
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
