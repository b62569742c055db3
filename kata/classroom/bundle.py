"""`python grader.py gradescope build`: the autograder.zip Gradescope runs (setup.sh, run_autograder,
the kata itself, the hidden checks); kata.classroom.gradescope is what runs inside it."""
from __future__ import annotations

import json
import stat
import zipfile
from pathlib import Path

from kata import paths
from kata.classroom.gradescope import CONFIG, HIDDEN

CPU_INDEX = "https://download.pytorch.org/whl/cpu"


SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder's image (Ubuntu): a Python
# virtual environment with a CPU build of torch and the kata's other dependencies. The kata itself
# stays in $ROOT/source (not installed into site-packages, where the learner's code could read it).
set -euo pipefail
ROOT="$(cd "${AUTOGRADER_ROOT:-/autograder}" && pwd)"  # absolute: the steps below change folder
if ! command -v python3 >/dev/null 2>&1 || ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-venv python3-pip
fi
python3 -c 'import sys; sys.exit(sys.version_info < (3, 10))' || {
    echo "setup.sh: the kata needs Python 3.10 or later; this image has $(python3 -V). Choose a newer Ubuntu base image." >&2
    exit 1
}
python3 -m venv "$ROOT/venv"
"$ROOT/venv/bin/python" -m pip install --upgrade pip
"$ROOT/venv/bin/python" -m pip install '@TORCH@' --index-url @CPU_INDEX@
"$ROOT/venv/bin/python" -m pip install -r "$ROOT/source/requirements.txt"
# prove the image before any learner submits: the reference solutions earn every point
cd "$ROOT/source"
KATA_PYTHON="$ROOT/venv/bin/python" bash "$ROOT/source/run_autograder" --check
"""


RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission (from /autograder/run_autograder): it grades the files in
# $ROOT/submission and writes $ROOT/results/results.json. The learner's code runs in a confined child
# of the kata's engine, never in this process; the warm grading server is off.
set -u
# resolved before any change of folder: a relative AUTOGRADER_ROOT means the folder it names from here
ROOT="$(cd "${AUTOGRADER_ROOT:-/autograder}" 2>/dev/null && pwd)" || {
    echo "run_autograder: the autograder's folder ${AUTOGRADER_ROOT:-/autograder} does not exist." >&2
    exit 1
}
PY="${KATA_PYTHON:-$ROOT/venv/bin/python}"
export KATA_SERVER=off KATA_OFFLINE=1 NO_COLOR=1 PYTHONDONTWRITEBYTECODE=1
export KATA_STATE_DIR="${KATA_STATE_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/kata-state.XXXXXX")}"
cd "$ROOT/source" || exit 1
exec "$PY" -m kata.classroom.gradescope --root "$ROOT" "$@"
"""


def parse_weights(text: str | None, steps) -> dict[str, float]:
    """'step04=2,step07=0.5' -> {'step04': 2.0, 'step07': 0.5}; ValueError saying what is wrong."""
    from kata.steps import registry

    weights: dict[str, float] = {}
    for item in filter(None, (text or "").split(",")):
        name, sep, value = item.partition("=")
        step = registry.find(name)
        if not sep or step is None:
            raise ValueError(f"--weights: {item!r} is not STEP=NUMBER (e.g. step04=2)")
        if step not in steps:
            raise ValueError(f"--weights: {step.id} is not one of the graded steps")
        try:
            weights[step.id] = float(value)
        except ValueError:
            raise ValueError(f"--weights: {value!r} is not a number (in {item!r})") from None
        if not weights[step.id] >= 0:
            raise ValueError(f"--weights: {item!r}: a weight is 0 or more")
    return weights


def dependencies() -> tuple[str, list[str]]:
    """(the torch requirement, every other requirement) from pyproject.toml's [project] dependencies."""
    text = (paths.ROOT / "pyproject.toml").read_text(encoding="utf-8")
    try:
        import tomllib

        deps = tomllib.loads(text)["project"]["dependencies"]
    except ModuleNotFoundError:  # Python 3.10: the list's plain strings, one a line
        block = text.split("dependencies = [", 1)[1].split("]", 1)[0]
        deps = [line.strip().strip(",").strip('"') for line in block.splitlines()
                if line.strip().startswith('"')]
    torch = next(d for d in deps if d.replace(" ", "").startswith("torch"))
    return torch, [d for d in deps if d != torch]


def _kata_files() -> dict[str, bytes]:
    """The kata as the bundle holds it: its package, the solutions, fresh stubs (never a learner's
    work in steps/), grader.py and pyproject.toml."""
    from kata.steps import registry
    from kata.steps.stubs import make_stub

    files: dict[str, bytes] = {}
    for top in ("kata", "solutions"):
        for path in sorted((paths.ROOT / top).rglob("*")):
            rel = path.relative_to(paths.ROOT)
            if path.is_file() and "__pycache__" not in rel.parts and path.suffix != ".pyc" \
                    and not any(p.startswith(".") for p in rel.parts):
                files[rel.as_posix()] = path.read_bytes()
    files["steps/__init__.py"] = (paths.STEPS / "__init__.py").read_bytes()
    for step in registry.STEPS:
        files[f"steps/{step.filename}"] = make_stub(step).encode()
    for name in ("grader.py", "pyproject.toml", "README.md"):
        files[name] = (paths.ROOT / name).read_bytes()
    return files


def build(out: Path, steps, weights: dict[str, float], timeout: float, memory_mb: int,
          extra_tests: Path | None, lang: str = "en") -> Path:
    """Write out/autograder.zip; the same kata and options give the same bytes."""
    hidden: dict[str, bytes] = {}
    if extra_tests is not None:
        from kata.grading import hidden_checks  # imports torch: only to load the hidden checks

        hidden_checks.checked(extra_tests, timeout=timeout)  # fails here, on the instructor's machine, not on Gradescope
        hidden = {f"{HIDDEN}/{p.name}": p.read_bytes() for p in sorted(extra_tests.glob("step*.py"))}
    torch, others = dependencies()
    config = {"steps": [s.id for s in steps], "weights": {s.id: weights.get(s.id, 1.0) for s in steps},
              "timeout": timeout, "memory_mb": memory_mb, "hidden": sorted(hidden), "lang": lang}
    files = _kata_files() | hidden
    files[CONFIG] = (json.dumps(config, indent=1, sort_keys=True) + "\n").encode()
    files["requirements.txt"] = ("\n".join([torch] + others) + "\n").encode()
    files["setup.sh"] = SETUP_SH.replace("@TORCH@", torch).replace("@CPU_INDEX@", CPU_INDEX).encode()
    files["run_autograder"] = RUN_AUTOGRADER.encode()
    out.mkdir(parents=True, exist_ok=True)
    target = out / "autograder.zip"
    tmp = out / ".autograder.zip.tmp"
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            executable = name in ("setup.sh", "run_autograder")
            info.external_attr = ((0o755 if executable else 0o644) | stat.S_IFREG) << 16
            info.compress_type = zipfile.ZIP_STORED if name.endswith(".gz") else zipfile.ZIP_DEFLATED
            z.writestr(info, files[name])
    tmp.replace(target)
    return target
