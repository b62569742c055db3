"""One paragraph for each way a learner's step can fail to run: what happened, where, what to do.

The child reports an exception as plain data (kind, type, message, line, code); a child that
ended, hung or broke the protocol arrives as remote.ChildGone. Messages are capped in the child,
before any wrapping, so a 20 MB exception message costs nothing here.
"""
from __future__ import annotations

from pathlib import Path

from kata.child.scratch import SCRATCH_LIMIT
from kata.i18n import _
from kata.judging import refusals


class Skip(Exception):
    """Raised by a check body that cannot run here (for example: no GPU); the reason is shown."""


def where(info: dict, path: Path) -> str:
    line, code = info.get("line"), info.get("code") or ""
    at = _("line {line} of {path}:").format(line=line, path=path) + f"\n    {code}\n" if isinstance(line, int) else ""
    return f"{at}{info.get('type') or 'Exception'}: {info.get('message') or ''}"


# crashes a beginner meets, known by words of the error itself (torch's, never translated): the id of the
# mistake whose hint ladder fits (kata.steps.mistakes; the check's own is about numbers a crash never reached)
KNOWN_CRASHES = (
    ("before Module.__init__() call", "no-super-init"),
    ("mat1 and mat2 shapes cannot be multiplied", "linear-width"),
    ("does not require grad and does not have a grad_fn", "loss-without-grad"),
)


def known_crash(info: dict) -> str:
    """The mistake a crash is, by the words of its error; "" for any other."""
    message = str(info.get("message") or "")
    return next((mistake for words, mistake in KNOWN_CRASHES if words in message), "")


def learner_error(info: dict, path: Path) -> str:
    kind, at = info.get("kind"), where(info, path)
    if kind == "exit":
        return _("your code called sys.exit() at {where}\n"
                 "A step's functions return their results; they never end the program.").format(where=at)
    if kind == "memory":
        return _("your code ran out of memory at {where}\nSomething grows without bound (a list "
                 "or tensor appended to in a loop, or a tensor far larger than the data).").format(where=at)
    if kind == "interrupt":
        return _("your code raised {type} at {where}\nOnly the person at the keyboard "
                 "stops a program; a step's functions return their results.").format(type=info.get("type"), where=at)
    if kind == "thread":  # the message is the thread's target, named by the child (kata.child.probe)
        return _("your code left a thread running ({target})\n{advice}").format(
            target=str(info.get("message") or "Thread")[:100], advice=advice(info))
    if not isinstance(info.get("line"), int):  # raised outside the learner's file: no line of theirs to show
        return _("this was raised outside your file, on what your code returned or built, so there is no line of "
                 "yours to show: {error}\n{advice}").format(error=at, advice=advice(info, own_line=False))
    if info.get("in_library"):
        return _("your code raised an exception (inside a library function your line called) at {where}\n"
                 "{advice}").format(where=at, advice=advice(info))
    return _("your code raised an exception at {where}\n{advice}").format(where=at, advice=advice(info))


def import_error(info: dict, path: Path) -> str:
    at = where(info, path)
    if info.get("type") in ("ImportError", "ModuleNotFoundError"):
        return _("{path} cannot be imported: {where}\nCheck the spelling of the import, and that it "
                 "names something torch has (for example `from torch.utils.data import DataLoader`). The grader "
                 "runs your file on its own: it cannot import the reference solutions or the grader's modules."
                 ).format(path=path, where=at)
    if info.get("kind") == "exit":
        return _("{path} calls sys.exit() while it is imported, at {where}\nCode at the top level "
                 "runs on import; keep work inside functions (main() runs only as a script).").format(path=path,
                                                                                                      where=at)
    refused = refusals.sentence(info)
    if refused:
        return _("{path} fails while it is being imported, before any check can run: {where}\n{advice}").format(
            path=path, where=at, advice=refused)
    return _("{path} fails while it is being imported, before any check can run: {where}\nCode at "
             "the top level of the file runs on import; keep work inside functions (main() runs only as a "
             "script).").format(path=path, where=at)


def gone(e, path: Path, timeout: float | None) -> str:
    if e.line:
        at = " " + _("at line {line} of {path}:").format(line=e.line, path=path) + f"\n    {e.code}\n"
    else:
        at = f" ({path})\n"
    if e.how == "timeout":
        return _("stopped after {seconds} s{at}An endless loop, or far more work than the step needs (or code "
                 "that catches the stop and carries on). Check every loop's stopping condition (epochs, "
                 "batches).").format(seconds=f"{timeout:g}", at=at)
    if e.how == "cpu":
        return _("stopped: it used all the CPU time it was given{at}Look for a loop that never ends.").format(at=at)
    if e.how == "exit":
        return _("your code ended the process itself (os._exit){at}A step's functions return their results; "
                 "they never end the program, so nothing after that line could be graded.").format(at=at)
    if e.how == "memory":
        return _("your code ran out of memory{at}Something grows without bound (a list or tensor appended to "
                 "in a loop, or a tensor far larger than the data). Nothing after that could be graded."
                 ).format(at=at)
    if e.how == "disk":  # the judge watched the working folder (no tmpfs of its own caps it) and stopped it
        return _("your code wrote more than {limit} MiB of files in its scratch folder{at}A step's functions keep "
                 "what they make in memory and return it; they save nothing (save in main(), which only your own "
                 "runs call). Nothing after that could be graded.").format(
            limit=getattr(e, "limit", SCRATCH_LIMIT) // 2**20, at=at)
    if e.how == "ended":
        return _("the process running your code ended without an answer{at}: killed by a signal, by "
                 "the memory limit, or by code that ends it. Nothing after that could be graded."
                 ).format(at=at.rstrip())
    if e.how == "unsealed":
        return _("the grader could not seal the process that would run your code ({detail}), so it ran none "
                 "of it. This is the grader's problem, not your code's: tell your instructor.").format(
            detail=e.detail)
    if e.how == "too-big":
        return _("one answer of your code was {size:,} bytes, more than the grader reads ({limit:,}){at}A step's "
                 "functions return a tensor or the few values the docstring asks for; a tensor that large is far "
                 "more than the data. Nothing after that could be graded.").format(
            size=getattr(e, "size", 0), limit=getattr(e, "limit", 0), at=at)
    return _("{detail}{at}Nothing after that could be graded.").format(detail=e.detail, at=at)


def too_big(what: str, size: int, limit: int) -> str:
    """An answer over kata.child.wire.ANSWER's limits, read no further: what was too big, what to do."""
    if what == "tensors":
        return _("one answer of your code held {size:,} tensors; the checks read at most {limit:,} in one answer. "
                 "A step's functions return a tensor or the few the docstring asks for, not one per row or per "
                 "number: build one tensor (torch.stack or torch.cat the pieces).").format(size=size, limit=limit)
    if what == "elements":
        return _("one answer of your code held {size:,} numbers in its tensors; the checks read at most {limit:,}. "
                 "That is far more than the data: print the shapes on the line that makes the tensor (a (n,) "
                 "against (n, 1) broadcast gives (n, n)).").format(size=size, limit=limit)
    return _("one answer of your code held {size:,} bytes of numbers, text and lists; the checks read at most "
             "{limit:,}. Return a tensor, or the few values the docstring asks for, not a list built item by item."
             ).format(size=size, limit=limit)


def flaky(names: tuple[str, ...], runs: tuple[int, int] | None) -> str:
    """A check that failed on a case and passed on the very same case: the learner's code is not a
    function of its inputs (hypothesis calls this flaky)."""
    who = ", ".join(f"`{n}`" for n in names) or _("your code")
    if runs:
        said = _("{names} gave different answers for the same input: the check ran the same case on run {first} "
                 "and on run {second}, and one failed while the other passed.").format(names=who, first=runs[0],
                                                                                      second=runs[1])
    else:
        said = _("{names} gave different answers for the same input: the check ran one case twice, and one run "
                 "failed while the other passed.").format(names=who)
    return said + "\n" + _("A function's result must depend only on its arguments: no counter, no global or "
                           "attribute that changes from call to call, no random numbers beyond the seed it is "
                           "given.")


def refused(path: Path, what: str) -> str:
    return _("{path} is {what}, not the step's own file. The grader reads only a regular file of that name: "
             "copy the stub there (a link to another file, even a solution, is not your code).").format(
        path=path, what=_(what))


def advice(info: dict, own_line: bool = True) -> str:
    text, kind = info.get("message") or "", info.get("type") or ""
    refused = refusals.sentence(info)  # what the confinement refused, and what to change
    if refused:
        return refused
    if any(w in text for w in ("shape", "size of tensor", "must match the size", "batch_size", " channels")):
        if not own_line:
            return _("A shape mismatch: the shapes in the step's docstring say what each tensor should be; "
                     "compare them with the shapes your functions return.")
        return _("A shape mismatch: the shapes in the step's docstring say what each tensor should be; "
                 "print the shapes on that line to see which one differs.")
    if "leaf Variable that requires grad" in text:
        return _("Parameters can only be changed in place under `with torch.no_grad():`.")
    if "does not require grad" in text:
        return _("backward() needs a loss computed from tensors that require grad, inside the graph.")
    if kind == "TypeError" and ("argument" in text or "positional" in text):
        return _("Keep the names and arguments of the stub: the checks call them as the docstring says.")
    if kind == "AttributeError" and "NoneType" in text:
        return _("Something is None here: a function that forgot to return, or a .grad read before backward().")
    if kind == "PermissionError":
        return _("The grader runs your code confined: it may read its own file and write in a temporary "
                 "folder, nothing else (no other files, no network, no new processes).")
    if not own_line:
        return _("Compare what your functions return with their docstrings: a failure above may show the first "
                 "difference.")
    return _("Read the line above, and the docstring of the function it is in.")
