"""What the learner's confined child refused, named from what it said about the exception, and what to change.

The child runs without new processes, threads or network, and writes only in its scratch folder
(kata.child.lockdown, kata.child.sandbox). Honest code meets that too: a DataLoader with workers,
torch.save to a path of one's own, a thread, subprocess. The call then fails with EPERM (seccomp),
EACCES (Landlock) or "can't start new thread"; the child sends the errno and the libraries the
call went through (kata.child.probe.Session.failure), and this module turns them into the rule
and the one change that fits, instead of a bare "Permission denied".

Its scratch folder holds kata.child.scratch.SCRATCH_LIMIT bytes of files in all (a tmpfs of its own)
and one file at most as much (RLIMIT_FSIZE): a write past either fails with ENOSPC or EFBIG ("No space
left on device", "File too large"), named here too, as "full".
"""
from __future__ import annotations

import errno
import re

from kata.child.scratch import SCRATCH_LIMIT
from kata.i18n import _

# the libraries a refused call goes through, by what they were asked for (the first that matches wins)
_THROUGH = (
    ("process", ("multiprocessing", "subprocess", "concurrent.futures.process", "pty", "torch.multiprocessing")),
    ("network", ("socket", "ssl", "urllib", "http", "requests", "urllib3", "asyncio", "ftplib", "smtplib")),
    ("thread", ("threading", "concurrent.futures.thread", "_thread")),
)
_FULL = (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)
_FULL_SAID = ("No space left on device", "File too large", "Disk quota exceeded")
# torch.save's writer says only that a write came short (no errno): "unexpected pos 576 vs 534"
_SHORT_WRITE = re.compile(r"PytorchStreamWriter failed writing|file write failed|unexpected pos \d+ vs \d+")
_WRITES = re.compile(r"\b(save|write|dump|mkdir|makedirs|touch|copy|move|rename)|open\(.*['\"][wax]", re.I)


def kind(info: dict) -> str | None:
    """What was refused ("workers", "process", "network", "thread", "running", "write", "read", "full"), or
    None for an exception that is not a refusal of the confinement."""
    if info.get("kind") == "thread":
        return "running"  # a thread it started still ran when the answer was taken (kata.child.probe)
    message, kind_of = str(info.get("message") or ""), info.get("type")
    if kind_of == "RuntimeError" and "can't start new thread" in message:
        return "thread"
    number = info.get("errno")
    if number in _FULL or any(said in message for said in _FULL_SAID):
        return "full"  # the scratch folder is full, or one file passed its limit
    if kind_of == "RuntimeError" and _SHORT_WRITE.search(message) and \
            any(str(n).startswith("torch.serialization") for n in info.get("through") or []):
        return "full"
    if not (number in (errno.EPERM, errno.EACCES) or kind_of == "PermissionError"
            or "Permission denied" in message or "Operation not permitted" in message):
        return None
    through = [str(n) for n in info.get("through") or []]
    within = lambda *libraries: any(n == lib or n.startswith(lib + ".") for n in through for lib in libraries)  # noqa: E731
    if within("torch.utils.data") and (within("multiprocessing", "torch.multiprocessing") or number == errno.EPERM):
        return "workers"  # a DataLoader starting its worker processes (num_workers > 0)
    for what, libraries in _THROUGH:
        if within(*libraries):
            return what
    code = str(info.get("code") or "")  # a call made in C leaves no frame of its library: the line says it
    if re.search(r"\bfork\(|\bspawn|\bsystem\(|\bPopen\b|\bexec[lv]", code):
        return "process"
    if re.search(r"\bsocket\b|\.connect\(|\.bind\(|\burlopen\b|\brequests\.", code):
        return "network"
    if number == errno.EACCES or "Permission denied" in message:
        return "write" if _WRITES.search(code) else "read"
    return None


def sentence(info: dict) -> str | None:
    """The rule and what to change, for an exception that is a refusal; None otherwise."""
    what = kind(info)
    if what is None:
        return None
    if what == "full":
        return _("The grader gives your code a scratch folder (its working folder and TMPDIR) that holds {limit} MiB "
                 "of files in all, and this line wrote past that. A step's functions keep what they make in memory "
                 "and return it; they save nothing (save in main(), which only your own runs call).").format(
            limit=SCRATCH_LIMIT // 2**20)
    rule = _("The grader runs your code without new processes, threads or network, and lets it write files "
             "only in its scratch folder.")
    change = {
        "workers": _("A DataLoader with num_workers above 0 starts worker processes: use num_workers=0 (the "
                     "default), which loads the batches in the same process."),
        "process": _("This line starts a new process: do the work in the function itself and return its result."),
        "network": _("This line opens a network connection: a step's functions get their data as arguments, so "
                     "use those and fetch nothing."),
        "thread": _("This line starts a thread: do the work in the function itself, before it returns."),
        "running": _("A thread your code started was still running when the function returned, and it could "
                     "change the answer while the grader reads it: do the work in the function itself, before "
                     "it returns."),
        "write": _("This line writes a file outside that folder: keep the model in memory and return it instead "
                   "of saving it (save it in main(), which only your own runs call)."),
        "read": _("This line opens a file the grader does not give your code: a step's functions get their data "
                  "as arguments, so use those."),
    }[what]
    return f"{rule} {change}"
