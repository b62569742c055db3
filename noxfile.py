"""The declared torch range, tested at both ends: `pip install nox`, then

    nox -s "torch_range(end='lowest')"     # the lowest torch pyproject.toml allows (2.2.x today)
    nox -s "torch_range(end='highest')"    # the highest it allows (2.13.x today)
    nox -s torch_range -- tests/steps      # both ends, arguments after -- go to pytest

Each session builds a fresh virtual environment in .nox/ with the CPU build of torch (about 200 MB
to download at each end, several GB of CUDA wheels if the CPU index were not used), installs the
kata with its test extra under constraints that keep that torch, and runs the test suite. Not part of
the default CI run (`nox` with no -s runs nothing) because of those downloads. torch before 2.3 was
built against NumPy 1.x, so the lowest end also pins numpy<2.

Where the CPU index cannot be reached, `KATA_TORCH_INDEX=pypi` takes torch from the package index
alone: there, on Linux, that is the CUDA build (about 2.5 GB with its CUDA libraries), which runs on
the CPU all the same. That is how the lowest end was last run (README, "The torch range").
"""
from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import nox

nox.options.sessions = []  # nothing by default: every session downloads torch
nox.options.reuse_existing_virtualenvs = False

ROOT = Path(__file__).resolve().parent
CPU_INDEX = "https://download.pytorch.org/whl/cpu"


def torch_index() -> list[str]:
    """pip's index options for torch: the CPU index first, or the package index alone."""
    if os.environ.get("KATA_TORCH_INDEX", "cpu") == "pypi":
        return []
    return ["--index-url", CPU_INDEX, "--extra-index-url", "https://pypi.org/simple"]


def torch_bounds() -> tuple[str, str]:
    """(lowest, below) of pyproject.toml's `torch>=LOWEST,<BELOW` requirement."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    m = re.search(r'"torch\s*>=\s*([\d.]+)\s*,\s*<\s*([\d.]+)"', text)
    if m is None:
        raise RuntimeError('pyproject.toml: no "torch>=X,<Y" requirement to test the ends of')
    return m.group(1), m.group(2)


@nox.session(venv_backend="venv")
@nox.parametrize("end", ["lowest", "highest"])
def torch_range(session: nox.Session, end: str) -> None:
    lowest, below = torch_bounds()
    torch = f"torch=={lowest}.*" if end == "lowest" else f"torch>={lowest},<{below}"
    constraints = [torch] + (["numpy<2"] if end == "lowest" else [])
    # not session.create_tmp(): that points TMPDIR into the venv, and the sandbox tests' temporary
    # project folders would then lie inside the Python installation they must be kept out of
    pins = Path(tempfile.mkdtemp(prefix="kata-nox-")) / "constraints.txt"
    pins.write_text("\n".join(constraints) + "\n", encoding="utf-8")
    session.install(*torch_index(), "-c", str(pins), "torch", *constraints[1:])
    session.install("-c", str(pins), "-e", ".[test]")
    session.run("python", "-c", "import torch, numpy; print('torch', torch.__version__, '· numpy', numpy.__version__)")
    session.run("python", "-m", "pytest", "-q", "-p", "no:cacheprovider", *session.posargs,
                env={"KATA_SERVER": "off"})
