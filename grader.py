"""The kata's grader: `python grader.py` for the board, `python grader.py step04` for one step.

The machinery lives in the `kata` package; this file is only the command.
"""
import os
import sys


def _outside_the_environment(e: ModuleNotFoundError) -> int:
    venv = os.path.join(os.path.dirname(os.path.abspath(__file__)), ".venv")
    print(f"grader.py: {sys.executable} (Python {sys.version.split()[0]}) cannot import {e.name}: it is not the "
          f"kata's environment. Activate it first (`. {venv}/bin/activate`, or run `{venv}/bin/python grader.py`), "
          "or set it up as README.md says.", file=sys.stderr)
    return 2


if __name__ == "__main__":
    try:
        from kata.learner.cli import main

        sys.exit(main())
    except ModuleNotFoundError as e:
        if e.name and e.name.split(".")[0] in ("torch", "hypothesis", "rich", "numpy"):
            sys.exit(_outside_the_environment(e))
        raise
    except BrokenPipeError:  # output piped into `head` and the like: not an error of the grader
        sys.stderr.close()
        sys.exit(1)
