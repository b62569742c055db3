"""README's sample output is what the grader prints now (the step04 failure in a 100-column terminal)."""
from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from kata import paths
from kata.authoring import mutants


def readme_sample() -> str:
    text = (paths.ROOT / "README.md").read_text()
    block = re.search(r"```\n(step04_optim · torch\.optim\n.*?)```", text, re.S)
    assert block, "README's sample output is gone"
    return block.group(1)


@pytest.mark.slow
def test_the_readme_sample_is_what_the_grader_prints(tmp_path):
    steps = tmp_path / "steps"
    steps.mkdir()
    mutants.find("step04", "no-zero-grad").write(steps)
    env = os.environ | {"COLUMNS": "100", "NO_COLOR": "1", "KATA_SERVER": "off", "KATA_OFFLINE": "1"}
    done = subprocess.run([sys.executable, str(paths.ROOT / "grader.py"), "step04", "--target", "steps"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    printed = done.stdout.replace(f"{steps.resolve()}/", "steps/")
    assert printed == readme_sample(), printed
