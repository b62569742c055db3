"""The judge's side of the channel: one confined child per learner-step, driven through handles.

`Child` makes the scratch folder and the private copy of the step file, asks the zygote for a
child, and turns every way the child can end (an exception in the learner's code, os._exit, a
signal, a hang, garbage on the channel) into an exception the runner can name. `Remote` is a
handle to an object that lives in the child: call it, take an attribute, unpack it, or ask for
its value as plain data. Every wait has the step's deadline; the parent never blocks on a child.
The judge's own work on the learner's answers counts against that deadline too, and an answer is
read only within kata.child.wire.ANSWER's limits: whatever the learner's code returns, what the
judge spends on it is bounded.

Where no tmpfs of its own caps the child's working folder (its isolation list says which cap holds),
the judge watches it: a thread sums the folder every WATCH_EVERY seconds while the child lives, and
each answer is checked too; past kata.child.scratch.SCRATCH_LIMIT the child's process group is
killed and the grade ends as ChildGone("disk").
"""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import threading
import time
from collections import deque
from pathlib import Path

from kata.child import scratch as scratch_space
from kata.child import wire
from kata.child.scratch import new_scratch, private_copy

OUTPUT_SHOWN = 4000  # characters of what the learner's code printed, kept for the report
WATCH_EVERY = 0.1  # seconds between two sums of a watched working folder


class ChildGone(BaseException):
    """The child ended, hung or broke the protocol: nothing more can be asked of it. A BaseException,
    so that hypothesis does not retry (and shrink) a step whose process is gone."""

    def __init__(self, how: str, detail: str, line: int | None = None, code: str = ""):
        super().__init__(detail)
        self.how, self.detail, self.line, self.code = how, detail, line, code


class LearnerError(Exception):
    """The learner's code raised inside the child; `info` is what the child said about it."""

    def __init__(self, info: dict):
        super().__init__(info.get("message", ""))
        self.info = info

    @property
    def kind(self) -> str:
        return self.info.get("kind", "exception")


class NotPlain(Exception):
    """value() of an object that is not plain data (a model, say): the judge asked the wrong thing."""


class TooBig(BaseException):
    """An answer from the learner's code larger than any check reads (kata.child.wire.ANSWER): `what`
    ("tensors", "elements", "header"), its size and the limit. The check fails with it at once: a
    BaseException, so that hypothesis does not shrink the case (every try would send it again)."""

    def __init__(self, what: str, size: int, limit: int):
        super().__init__(f"{size:,} {what}, over the limit of {limit:,}")
        self.what, self.size, self.limit = what, size, limit


def _learner_info(error: dict) -> dict:
    """What the child said about an exception, as plain values of the expected types (it is the learner's
    process: anything else is dropped)."""
    info = {k: error.get(k) for k in ("kind", "type", "message", "line", "code", "in_library", "name")}
    info["errno"] = error.get("errno") if type(error.get("errno")) is int else None
    through = error.get("through")
    info["through"] = [str(n)[:100] for n in through[:40]] if isinstance(through, list) else []
    return info


class Child:
    # how the child's working folder is capped in all (kata.child.zygote.SCRATCH_CAPS): None, the best this
    # machine offers; "userns" or "watch" force one (the tests try each way)
    scratch_cap: str | None = None

    def __init__(self, zygote, source: Path, timeout: float | None, memory_mb: int | None):
        self.source = source
        self.timeout = timeout
        self.budget = timeout  # seconds left: waits on the child, and the judge's own work on its answers
        self.scratch = new_scratch()
        self.sock = None
        self.pid = None
        self.isolation: list[str] = []
        self.output = ""
        self.dtype = "float64"  # the default dtype in the child while it answers; a check may ask for float32
        self._names: dict[str, Remote] = {}
        self._pending: deque = deque()  # handles whose answers are still on their way
        self._next = 0  # the last handle number given
        self._cuts: list[tuple[int, int]] = []  # byte ranges of the output left out of the report
        self.record = False  # calls record what the learner's code runs (kata.child.recording): a few, not all
        self.trace = False  # calls trace what each update works with (kata.child.update_trace): on a failure only
        self._charging = False  # inside charged(): an inner one is not counted again
        # the kata's own time, not the learner's: once a check has failed, what hypothesis runs to shrink and
        # replay that failure is not charged to the budget (each wait is still bounded by what is left of it)
        self.free = False
        # a failing training check says after which update the values part (it trains again and again to
        # find out): only once hypothesis has its final case, not for every case it tries while shrinking
        self.explain = False
        self._watcher: threading.Thread | None = None  # sums the working folder where no tmpfs caps it
        self._stop_watching = threading.Event()
        self.over_disk = False  # the working folder passed its cap: the child was killed for it
        try:
            self.copy = private_copy(source, self.scratch)
            limits = {"memory_bytes": memory_mb * 2**20 if memory_mb else None,
                      # the learner's time, and as much again that the kata may spend shrinking a failure
                      "cpu_seconds": int(2 * timeout) + 5 if timeout else None}
            self.sock = zygote.spawn({"file": str(self.copy), "scratch": str(self.scratch), "limits": limits,
                                      "timeout": timeout, "scratch_cap": self.scratch_cap})
            hello = self._receive(time.monotonic() + 30.0)
            if isinstance(hello, dict) and "unsealed" in hello:  # it runs nothing it could not seal
                raise ChildGone("unsealed", str(hello["unsealed"])[:500])
            if not (isinstance(hello, dict) and isinstance(hello.get("pid"), int)):
                raise ChildGone("protocol", "the child did not start properly")
            self.pid, self.isolation = hello["pid"], [str(i) for i in hello.get("isolation", [])]
            if not scratch_space.capped(self.isolation):  # no tmpfs of its own: the judge keeps the cap
                self._watcher = threading.Thread(target=self._watch, name=f"kata-scratch-{self.pid}", daemon=True)
                self._watcher.start()
        except BaseException:
            self.close()
            raise

    def _receive(self, deadline, limits: wire.Limits | None = None):
        try:
            return wire.receive(self.sock, deadline, limits=limits)
        except wire.TooBig as e:
            if e.what != "bytes":  # read whole: the channel is in step, the next answer is read as usual
                raise TooBig(e.what, e.size, e.limit) from None
            self._kill()  # its body is left unread: nothing more can be asked
            gone = ChildGone("too-big", str(e))
            gone.size, gone.limit = e.size, e.limit
            raise gone from None
        except wire.TimedOut:
            if self.over_disk:
                raise self._disk() from None
            where = self._hang_line()
            raise ChildGone("timeout", f"did not finish within {self.timeout:g} s", *where) from None
        except wire.Closed:
            raise self._ended() from None
        except wire.WireError as e:
            if self.over_disk:  # killed by the watcher in the middle of an answer
                raise self._disk() from None
            raise ChildGone("protocol", f"the answer from your code's process was not readable ({e})") from None

    PIPELINE = 16  # requests sent ahead before the judge waits for their answers

    def _send(self, op: str, args: dict) -> None:
        try:
            wire.send(self.sock, {"op": op, "args": refs(args), "dtype": self.dtype})
        except OSError:
            raise self._ended() from None

    def _ended(self) -> ChildGone:
        """The channel closed: the child ended, or the watcher killed it for what it wrote."""
        if self.over_disk:
            return self._disk()
        return ChildGone("ended", "the process running your code ended by itself")

    def _disk(self) -> ChildGone:
        gone = ChildGone("disk", f"wrote more than {scratch_space.SCRATCH_LIMIT // 2**20} MiB of files in its "
                                 "scratch folder")
        gone.limit = scratch_space.SCRATCH_LIMIT
        return gone

    # --- the working folder, where no tmpfs caps it ------------------------------------------------------
    def _over(self) -> bool:
        return scratch_space.over(self.scratch / "tmp")

    def _watch(self) -> None:
        """The watcher thread: sum the working folder until the child is closed; past the cap, kill it
        (whatever wait the judge is in then ends: the channel closes)."""
        while not self._stop_watching.wait(WATCH_EVERY):
            if self._over():
                self.over_disk = True
                self._kill()
                return

    def _check_disk(self) -> None:
        """At each answer of a watched child: what it wrote by then counts at once, not at the watcher's
        next round (which a short grade could end before)."""
        if self._watcher is not None and (self.over_disk or self._over()):
            self.over_disk = True
            self._kill()
            raise self._disk()

    def _answer(self):
        """The next answer, within what is left of the learner's time; learner errors raised as such.
        Decoding it counts as the learner's time too (it is bounded by kata.child.wire.ANSWER)."""
        left = self.timeout if self.free else self.budget  # the kata's own time: a hang still ends, in a timeout
        with self.charged():
            reply = self._receive(None if left is None else time.monotonic() + max(left, 0.0), wire.ANSWER)
            self._check_disk()
        if not isinstance(reply, dict):
            raise ChildGone("protocol", "the answer from your code's process was not readable")
        if "gone" in reply and isinstance(reply["gone"], dict):
            gone = reply["gone"]
            how = "cpu" if gone.get("how") == "cpu" else "exit"
            raise ChildGone(how, "used all the CPU time it was given" if how == "cpu" else
                            "your code ended the process itself (os._exit)",
                            gone.get("line") if isinstance(gone.get("line"), int) else None,
                            str(gone.get("code", ""))[:200])
        if "error" in reply and isinstance(reply["error"], dict):
            error = reply["error"]
            if error.get("kind") in ("protocol", "unsendable"):
                raise NotPlain(str(error.get("message", "")))
            if error.get("kind") == "memory":  # not a case to shrink: every try would fill the memory again
                raise ChildGone("memory", "ran out of memory",
                                error.get("line") if isinstance(error.get("line"), int) else None,
                                str(error.get("code") or "")[:200])
            raise LearnerError(_learner_info(error))
        if "ok" not in reply:
            raise ChildGone("protocol", "the answer from your code's process was not readable")
        return reply["ok"]

    def drain(self) -> None:
        """Collect the answers to the requests sent ahead; raise the first failure among them (later ones
        are its consequences: a handle that was never made)."""
        first = None
        while self._pending:
            handle = self._pending.popleft()
            try:
                handle.arrived(self._answer())
            except (LearnerError, NotPlain, TooBig) as e:
                handle.failed(e)
                first = first or e
        if first is not None:
            raise first

    def ask(self, op: str, **args):
        """Send a request and wait for its answer. It goes out at once, behind those sent ahead (the
        child answers in order): one wait for all of them, not one for theirs and one for its own."""
        self._send(op, args)
        try:
            self.drain()
        except (LearnerError, NotPlain, TooBig):
            try:
                self._answer()  # its answer still comes: read it, or the next request would take it as its own
            except (LearnerError, NotPlain, TooBig):
                pass
            raise
        return self._answer()

    def ahead(self, op: str, **args) -> "Remote":
        """Send a request that makes a handle without waiting for its answer: the judge numbers the
        handle, so later requests can use it at once; the answer is read when something needs it."""
        self._next += 1
        handle = Remote(self, self._next)
        self._send(op, args | {"into": self._next})
        self._pending.append(handle)
        if len(self._pending) >= self.PIPELINE:
            self.drain()
        return handle

    def new_handles(self, n: int) -> list[int]:
        first = self._next + 1
        self._next += n
        return list(range(first, first + n))

    # --- the learner's time ----------------------------------------------------------------------------
    @contextlib.contextmanager
    def charged(self):
        """Count the time inside as the learner's: a wait on the child, or the judge's own work on its
        answers (reading, converting). Past the deadline the grade ends as a hang does, though the
        work inside is finished first (it is bounded by the answer limits). Counted once when nested."""
        if self._charging or self.free:
            yield
            return
        self._charging, started = True, time.monotonic()
        try:
            yield
        finally:
            self._charging = False
            if self.budget is not None:
                self.budget -= time.monotonic() - started
        if self.budget is not None and self.budget < 0:
            self._kill()
            raise ChildGone("timeout", f"did not finish within {self.timeout:g} s")

    # --- what the judges use -------------------------------------------------------------------------
    def load(self) -> list[str]:
        return list(self.ask("load")["names"])

    def get(self, name: str) -> "Remote":
        """The learner's module-level name (looked up once per child: a handle to the same object)."""
        if name not in self._names:
            self._names[name] = self.ahead("get", name=name)
        return self._names[name]

    def module(self) -> "Remote":
        return self.ahead("module")

    def fixture(self, name: str, *args, **kwargs) -> "Remote":
        return self.ahead("fixture", name=name, args=list(args), kwargs=kwargs)

    def ran(self) -> dict:
        """What the learner's code ran in the recorded calls, per name it was called by."""
        return self.ask("ran")

    def updates(self) -> list:
        """What the updates of the calls traced since last asked worked with (kata.child.update_trace)."""
        return self.ask("updates")

    def observe(self, name: str, *args, **kwargs):
        return self.ask("observe", name=name, args=list(args), kwargs=kwargs)

    # --- the end ---------------------------------------------------------------------------------------
    def _hang_line(self) -> tuple[int | None, str]:
        """Where the learner's code was when time ran out: the child's faulthandler dumps its stack on
        SIGUSR1 (from C, so even a tight loop answers); then the child is killed."""
        if self.pid:
            try:
                os.kill(self.pid, signal.SIGUSR1)
            except OSError:
                pass
            for _ in range(20):
                time.sleep(0.025)
                if "File " in self._read_output():
                    break
        self._kill()
        text = self._read_output()
        found = re.findall(r'File "' + re.escape(str(self.copy)) + r'", line (\d+)', text)
        if not found:
            return None, ""
        line = int(found[0])  # faulthandler lists the innermost frame first
        try:
            code = self.copy.read_text(errors="replace").splitlines()[line - 1].strip()[:200]
        except (OSError, IndexError):
            code = ""
        return line, code

    def output_size(self) -> int:
        """How many bytes the learner's code has printed so far (the child flushes before it answers)."""
        try:
            return os.stat(self.scratch / "output.txt").st_size
        except OSError:
            return 0

    def forget_output(self, start: int, end: int) -> None:
        """Leave what was printed between these two sizes out of the report: the grader ran that code
        only to find out whether hypothesis needed to run (kata.judging.case_drawing)."""
        if end > start:
            self._cuts.append((start, end))

    def _read_output(self) -> str:
        try:
            with open(self.scratch / "output.txt", "rb") as f:
                data = f.read(64 * 1024 + sum(end - start for start, end in self._cuts))
        except OSError:
            return ""
        for start, end in reversed(self._cuts):
            data = data[:start] + data[end:]
        return data[:64 * 1024].decode("utf-8", errors="replace")

    def _kill(self) -> None:
        if self.pid:
            try:
                os.killpg(self.pid, signal.SIGKILL)  # the child and anything it started in its group
            except (ProcessLookupError, PermissionError):
                pass

    def close(self) -> None:
        self._stop_watching.set()  # the watcher ends with the child, and never kills after it is closed
        if self._watcher is not None and self._watcher is not threading.current_thread():
            self._watcher.join()
        self._kill()
        if self.sock is not None:
            self.sock.close()
        text = self._read_output()
        text = re.sub(r"(?s)(Current thread|Thread) 0x[0-9a-f]+.*", "", text)  # the faulthandler dump is ours
        self.output = text[:OUTPUT_SHOWN] + (f"… ({len(text) - OUTPUT_SHOWN:,} more characters)"
                                              if len(text) > OUTPUT_SHOWN else "")
        shutil.rmtree(self.scratch, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# --- a handle to an object that lives in the child ----------------------------------------------------
_MISSING = object()


class Remote:
    def __init__(self, child, h: int, info: dict | None = None):
        self.child = child
        self.h = wire.Ref(h)
        self._info: dict | None = None
        self._error: BaseException | None = None
        self._value = _MISSING
        if info is not None:
            self.arrived(info)

    # --- the answer, when it comes -----------------------------------------------------------------
    def arrived(self, info: dict) -> None:
        self._info = info
        self._value = info.get("value", _MISSING)

    def failed(self, error: BaseException) -> None:
        self._error = error

    def _known(self) -> dict:
        if self._info is None and self._error is None:
            self.child.drain()
        if self._error is not None:
            raise self._error
        return self._info

    @property
    def type(self) -> str:
        return str(self._known().get("type", "?"))

    @property
    def kinds(self) -> set:
        return set(self._known().get("kinds", []))

    @property
    def printed(self) -> str:
        return self._known().get("printed", "")

    def __repr__(self) -> str:
        return f"<handle {int(self.h)} in the child>"

    # --- what a judge does with it -----------------------------------------------------------------
    def __call__(self, *args, seed: int | None = None, cuda: bool | None = None, capture: bool = False,
                 **kwargs) -> "Remote":
        return self.call(list(args), kwargs, seed=seed, cuda=cuda, capture=capture)

    def call(self, args: list, kwargs: dict, seed: int | None = None, cuda: bool | None = None,
             capture: bool = False) -> "Remote":
        """The call, with the learner's arguments apart from the judge's options (a learner's function may
        take an argument named `seed`)."""
        return self.child.ahead("call", h=self.h, args=list(args), kwargs=kwargs, seed=seed, cuda=cuda,
                                capture=capture, record=self.child.record, trace=self.child.trace)

    def attr(self, name: str) -> "Remote":
        return self.child.ahead("attr", h=self.h, name=name)

    def unpack(self, n: int) -> list["Remote"] | None:
        """The n items of a tuple or list, or None when it is not one of n items. Items of a result whose
        copy came with it hold that copy: the values returned, not what they became since."""
        into = self.child.new_handles(n)
        got = self.child.ask("unpack", h=self.h, into=into)
        if got.get("unpacked") is None:
            return None
        items = [Remote(self.child, i["h"], i) for i in got["unpacked"]]
        if isinstance(self._value, (list, tuple)) and len(self._value) == len(items):
            for item, value in zip(items, self._value):
                item._value = value
        return items

    @property
    def plain(self) -> bool:
        self._known()
        return self._value is not _MISSING

    def value(self):
        """The object as plain data (tensors, numbers, text, lists, tuples, dicts); NotPlain otherwise."""

        self._known()
        if self._value is not _MISSING:
            return self._value
        got = self.child.ask("value", h=self.h)
        if not got.get("plain"):
            raise NotPlain(self.type)
        self._value = got["value"]
        return self._value

    def is_a(self, kind: str) -> bool:
        return kind in self.kinds


def refs(value):
    """Handles inside arguments become wire references."""
    if isinstance(value, Remote):
        return value.h
    if isinstance(value, list):
        return [refs(v) for v in value]
    if isinstance(value, tuple):
        return tuple(refs(v) for v in value)
    if isinstance(value, dict):
        return {k: refs(v) for k, v in value.items()}
    return value
