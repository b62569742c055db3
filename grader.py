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


def _exit(code: int) -> None:
    """Exit without tearing the interpreter down once the work is done: with torch loaded, Python's
    own finalization takes 0.15-0.2 s (a tenth of `import torch`) and frees nothing that outlives
    the process. Output is flushed and atexit handlers run (the zygote, scratch folders) as they
    would; a thread still running gets the normal exit, which waits for it."""
    import atexit
    import threading

    sys.stdout.flush()
    sys.stderr.flush()
    if threading.active_count() > 1 or not hasattr(atexit, "_run_exitfuncs"):
        sys.exit(code)
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    try:
        from kata.dispatch import main

        _exit(main())
    except ModuleNotFoundError as e:
        if e.name and e.name.split(".")[0] in ("torch", "hypothesis", "rich", "numpy"):
            sys.exit(_outside_the_environment(e))
        raise
    except BrokenPipeError:  # output piped into `head` and the like: not an error of the grader
        sys.stderr.close()
        sys.exit(1)
