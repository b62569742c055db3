"""One paragraph for each way a learner's step can fail to run: what happened, where, what to do.

The child reports an exception as plain data (kind, type, message, line, code); a child that
ended, hung or broke the protocol arrives as remote.ChildGone. Messages are capped in the child,
before any wrapping, so a 20 MB exception message costs nothing here.
"""
from __future__ import annotations

from pathlib import Path


class Skip(Exception):
    """Raised by a check body that cannot run here (for example: no GPU); the reason is shown."""


def where(info: dict, path: Path) -> str:
    line, code = info.get("line"), info.get("code") or ""
    at = f"line {line} of {path}:\n    {code}\n" if isinstance(line, int) else ""
    return f"{at}{info.get('type') or 'Exception'}: {info.get('message') or ''}"


def learner_error(info: dict, path: Path) -> str:
    kind = info.get("kind")
    if kind == "exit":
        return (f"your code called sys.exit() at {where(info, path)}\n"
                "A step's functions return their results; they never end the program.")
    if kind == "memory":
        return (f"your code ran out of memory at {where(info, path)}\nSomething grows without bound (a list "
                "or tensor appended to in a loop, or a tensor far larger than the data).")
    if kind == "interrupt":
        return (f"your code raised {info.get('type')} at {where(info, path)}\nOnly the person at the keyboard "
                "stops a program; a step's functions return their results.")
    inside = " (inside a library function your line called)" if info.get("in_library") else ""
    return f"your code raised an exception{inside} at {where(info, path)}\n{advice(info)}"


def import_error(info: dict, path: Path) -> str:
    if info.get("type") in ("ImportError", "ModuleNotFoundError"):
        return (f"{path} cannot be imported: {where(info, path)}\nCheck the spelling of the import, and that it "
                "names something torch has (for example `from torch.utils.data import DataLoader`). The grader "
                "runs your file on its own: it cannot import the reference solutions or the grader's modules.")
    if info.get("kind") == "exit":
        return (f"{path} calls sys.exit() while it is imported, at {where(info, path)}\nCode at the top level "
                "runs on import; keep work inside functions (main() runs only as a script).")
    return (f"{path} fails while it is being imported, before any check can run: {where(info, path)}\nCode at "
            "the top level of the file runs on import; keep work inside functions (main() runs only as a script).")


def gone(e, path: Path, timeout: float | None) -> str:
    at = f" at line {e.line} of {path}:\n    {e.code}\n" if e.line else f" ({path})\n"
    if e.how == "timeout":
        return (f"stopped after {timeout:g} s{at}An endless loop, or far more work than the step needs (or code "
                "that catches the stop and carries on). Check every loop's stopping condition (epochs, batches).")
    if e.how == "cpu":
        return f"stopped: it used all the CPU time it was given{at}Look for a loop that never ends."
    if e.how == "exit":
        return (f"your code ended the process itself (os._exit){at}A step's functions return their results; "
                "they never end the program, so nothing after that line could be graded.")
    if e.how == "memory":
        return (f"your code ran out of memory{at}Something grows without bound (a list or tensor appended to "
                "in a loop, or a tensor far larger than the data). Nothing after that could be graded.")
    if e.how == "ended":
        return (f"the process running your code ended without an answer{at.rstrip()}: killed by a signal, by "
                "the memory limit, or by code that ends it. Nothing after that could be graded.")
    return f"{e.detail}{at}Nothing after that could be graded."


def refused(path: Path, what: str) -> str:
    return (f"{path} is {what}, not the step's own file. The grader reads only a regular file of that name: "
            "copy the stub there (a link to another file, even a solution, is not your code).")


def advice(info: dict) -> str:
    text, kind = info.get("message") or "", info.get("type") or ""
    if "shape" in text or "size of tensor" in text or "must match the size" in text:
        return ("A shape mismatch: the shapes in the step's docstring say what each tensor should be; "
                "print the shapes on that line to see which one differs.")
    if "leaf Variable that requires grad" in text:
        return "Parameters can only be changed in place under `with torch.no_grad():`."
    if "does not require grad" in text:
        return "backward() needs a loss computed from tensors that require grad, inside the graph."
    if kind == "TypeError" and ("argument" in text or "positional" in text):
        return "Keep the names and arguments of the stub: the checks call them as the docstring says."
    if kind == "AttributeError" and "NoneType" in text:
        return "Something is None here: a function that forgot to return, or a .grad read before backward()."
    if kind == "PermissionError":
        return ("The grader runs your code confined: it may read its own file and write in a temporary "
                "folder, nothing else (no other files, no network, no new processes).")
    return "Read the line above, and the docstring of the function it is in."
