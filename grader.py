"""The kata's grader: `python grader.py` for the board, `python grader.py step04` for one step.

The machinery lives in the `kata` package; this file is only the command.
"""
import sys

from kata.learner.cli import main

if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # output piped into `head` and the like: not an error of the grader
        sys.stderr.close()
        sys.exit(1)
