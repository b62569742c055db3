"""The small probe runner: the only kata code that runs beside the learner's file.

It lives in the confined child. The judge (in the trusted parent) drives it over the channel
with a handful of operations: load the file, look up a name, call it, take an attribute, unpack
a result, build a fixture (kata.child.workbench), observe an object, turn one into plain data.
Objects stay here behind numbered handles; only plain data goes back. Nothing here knows a
check, a reference or an expected value, so nothing the learner's code reads here helps it pass.
"""
from __future__ import annotations

import contextlib
import importlib.util
import io
import os
import sys
import traceback
import warnings

import torch

from kata.child import recording, seeding, update_trace, wire, workbench

MESSAGE_CAP = 2000  # characters of an exception message sent back
_exit = os._exit  # taken before the child wraps os._exit to report the learner's own calls


class Session:
    def __init__(self, path: str):
        self.path = path  # the child's private copy of the step file
        self.module = None
        self.objects: dict[int, object] = {}  # handle -> object; the judge numbers the handles
        self.names: dict[int, str] = {}  # handle -> the learner's name it was looked up by
        self.ledger = recording.Ledger()
        self.traced: list[list] = []  # what the traced calls' updates worked with (kata.child.update_trace)

    # --- handles -----------------------------------------------------------------------------------
    def keep(self, obj, into) -> dict:
        if not isinstance(into, int) or into in self.objects:
            raise ProtocolError(f"bad handle number {into!r}")
        import threading  # loaded long before (torch uses it): no file is read here

        running = [t for t in threading.enumerate() if t is not threading.main_thread() and t.is_alive()]
        if running:  # it could change the answer while the judge reads it: none is taken while it runs
            name = getattr(getattr(running[0], "_target", None), "__name__", None)
            e = RuntimeError(name if type(name) is str else "Thread")  # its target: the judge names it
            e.kata_thread = True
            raise e
        self.objects[into] = obj
        info = {"h": into, "type": _type_name(obj), "kinds": workbench.kinds(obj)}
        if _immutable(obj) or _result_tensor(obj):  # a copy as it is now; what can change later is read when asked
            value = workbench.plain(obj, strict=False)
            if value is not workbench.NOT_PLAIN:  # a tensor of a dtype the wire does not carry: asked for, it says so
                info["value"] = value
        return info

    def resolve(self, value):
        if isinstance(value, wire.Ref):
            if value not in self.objects:
                raise ProtocolError(f"no object {int(value)}")
            return self.objects[value]
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if isinstance(value, tuple):
            return tuple(self.resolve(v) for v in value)
        if isinstance(value, dict):
            return {k: self.resolve(v) for k, v in value.items()}
        return value

    # --- operations ----------------------------------------------------------------------------------
    def op_load(self):
        sys.dont_write_bytecode = True
        spec = importlib.util.spec_from_file_location("learner_step", self.path)
        module = importlib.util.module_from_spec(spec)
        sys.modules["learner_step"] = module  # dataclasses and pickling look the module up by name
        spec.loader.exec_module(module)
        self.module = module
        return {"names": sorted(n for n in vars(module) if not n.startswith("_"))}

    def op_module(self, into):
        """The learner's module itself: train mode's drivers call its names."""
        return self.keep(self.module, into)

    def op_get(self, name: str, into):
        if self.module is None or not hasattr(self.module, name):
            raise LookupError(name)
        self.names[into] = name
        return self.keep(getattr(self.module, name), into)

    def op_call(self, h, into, args=(), kwargs=None, seed=None, cuda=None, capture=False, record=False,
                trace=False):
        fn = self.resolve(h)
        args, kwargs = self.resolve(list(args)), self.resolve(kwargs or {})
        # whatever the learner's code drew from torch's global generator before (an extra torch.rand at
        # import, in another function), every call starts from the same state: the same case
        seeding.manual_seed(0 if seed is None else seed)
        printed = io.StringIO()
        with contextlib.ExitStack() as stack:
            if cuda is not None:
                stack.enter_context(workbench.cuda_available(cuda))
            if capture:
                stack.enter_context(contextlib.redirect_stdout(printed))
            warnings.simplefilter("ignore")
            if record:  # what it runs, for the API rules (a few calls: recording slows torch down)
                name = self.names.get(int(h)) or ("forward" if isinstance(fn, torch.nn.Module) else "other")
                stack.enter_context(self.ledger.call(name, fn))
                recording.watch(list(args) + list(kwargs.values()))
            if trace:  # where a training run parts from the reference's: what each update worked with
                self.traced.append(stack.enter_context(update_trace.tracing()))
            result = fn(*args, **kwargs)
        info = self.keep(result, into)
        if capture:
            info["printed"] = printed.getvalue()[:MESSAGE_CAP]
        return info

    def op_attr(self, h, name: str, into):
        return self.keep(getattr(self.resolve(h), name), into)

    def op_unpack(self, h, into: list):
        obj = self.resolve(h)
        if not isinstance(obj, (tuple, list)) or len(obj) != len(into):
            size = f" of {len(obj)}" if isinstance(obj, (tuple, list)) else ""
            return {"unpacked": None, "type": _type_name(obj), "size": size}
        return {"unpacked": [self.keep(v, i) for v, i in zip(obj, into)]}

    def op_value(self, h):
        value = workbench.plain(self.resolve(h), strict=True)
        if value is workbench.NOT_PLAIN:
            return {"plain": False, "type": _type_name(self.resolve(h))}
        return {"plain": True, "value": value}

    def op_ran(self):
        """What the learner's code ran so far, per name it was called by."""
        return self.ledger.plain()

    def op_updates(self):
        """The events of the calls traced since last asked (kata.child.update_trace), in order."""
        traced, self.traced = self.traced, []
        return [event for events in traced for event in events]

    def op_fixture(self, name: str, into, args=(), kwargs=None):
        seeding.manual_seed(0)  # a fixture's own layers start from the same weights whatever ran before
        return self.keep(workbench.FIXTURES[name](*self.resolve(list(args)), **self.resolve(kwargs or {})), into)

    def op_observe(self, name: str, args=(), kwargs=None):
        return workbench.OBSERVERS[name](*self.resolve(list(args)), **self.resolve(kwargs or {}))

    def handle(self, request) -> dict:
        op = request.get("op") if isinstance(request, dict) else None
        method = getattr(self, f"op_{op}", None) if isinstance(op, str) else None
        if method is None:
            return {"error": {"kind": "protocol", "message": f"unknown operation {op!r}"}}
        dtype = {"float64": torch.float64, "float32": torch.float32}.get(request.get("dtype"), torch.float64)
        try:
            # the equivalence checks run in float64, so rounding never passes for a real difference
            torch.set_default_dtype(dtype)
            return {"ok": method(**request.get("args", {}))}
        except ProtocolError as e:
            return {"error": {"kind": "protocol", "message": str(e)}}
        except LookupError as e:
            if op == "get":
                return {"error": {"kind": "missing", "name": str(e.args[0]) if e.args else ""}}
            return self.failure(e)
        except BaseException as e:  # noqa: BLE001  whatever the learner's code raises is reported, never fatal
            return self.failure(e)

    def failure(self, e: BaseException) -> dict:
        thread = type(e) is RuntimeError and e.__dict__.get("kata_thread") is True  # raised by keep
        kind = ("not-implemented" if isinstance(e, NotImplementedError) else
                "exit" if isinstance(e, SystemExit) else
                "memory" if _out_of_memory(e) else
                "interrupt" if isinstance(e, KeyboardInterrupt) else
                "thread" if thread else "exception")
        line, code, inside = _learner_frame(e.__traceback__, self.path)
        # what the confinement refused shows in the errno and in the libraries the call went through
        # (torch.utils.data, subprocess, socket...): the judge names it and says what to change
        number, through = None, []
        try:
            number = e.errno if isinstance(e, OSError) and type(e.errno) is int else None
            tb = e.__traceback__
            while tb is not None and len(through) < 40:
                name = tb.tb_frame.f_globals.get("__name__")
                if type(name) is str and name[:100] not in through:
                    through.append(name[:100])
                tb = tb.tb_next
        except Exception:  # noqa: BLE001  an exception of the learner's that hides its errno: none is said
            pass
        return {"error": {"kind": kind, "type": _type_name(e, short=True), "message": _message(e),
                          "line": line, "code": code, "in_library": inside, "errno": number, "through": through}}


def _result_tensor(obj, inside: bool = False) -> bool:
    """A tensor computed by a call (not a leaf being trained, which later calls update in place), or a
    small tuple or list of them (and numbers): (xb, yb), a list of losses. Its copy goes with the answer,
    so what the judge compares is the value returned, whatever the learner's code does to it later (the
    next call writing into the same tensor, a thread)."""
    if isinstance(obj, torch.Tensor):
        return not (obj.requires_grad and obj.is_leaf) and obj.device.type != "meta" and obj.numel() <= 2**20
    if inside or not isinstance(obj, (tuple, list)) or not 0 < len(obj) <= 64:
        return False
    tensors = [v for v in obj if isinstance(v, torch.Tensor)]
    return (bool(tensors) and all(_result_tensor(v, inside=True) or _immutable(v) for v in obj)
            and sum(v.numel() for v in tensors) <= 2**20)


def _immutable(obj, depth: int = 0) -> bool:
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return True
    return isinstance(obj, tuple) and depth < 4 and len(obj) <= 64 and all(_immutable(v, depth + 1) for v in obj)


class ProtocolError(Exception):
    pass


def _out_of_memory(e: BaseException) -> bool:
    return isinstance(e, MemoryError) or (isinstance(e, RuntimeError) and "can't allocate memory" in _message(e))


def _message(e: BaseException) -> str:
    try:
        text = str(e)
    except BaseException as inner:  # noqa: BLE001  an exception whose __str__ raises
        return f"(its message could not be read: its __str__ raised {type(inner).__name__})"
    if not isinstance(text, str):
        return "(its message is not text)"
    if len(text) > MESSAGE_CAP:
        return f"{text[:MESSAGE_CAP]}… {len(text) - MESSAGE_CAP:,} more characters"
    return text


def _type_name(obj, short: bool = False) -> str:
    cls = type(obj)
    name = getattr(cls, "__qualname__", "?")
    module = getattr(cls, "__module__", "")
    if short or module in ("builtins", "learner_step"):
        return str(name)
    return f"{module}.{name}"


def _learner_frame(tb, path: str) -> tuple[int | None, str, bool]:
    """(line, source line, whether the exception came from deeper, inside a library) of the deepest
    frame in the learner's file."""
    found, inside = (None, ""), False
    try:
        frames = traceback.extract_tb(tb)
    except Exception:  # noqa: BLE001
        return None, "", False
    for frame in frames:
        if frame.filename == path:
            found, inside = (frame.lineno, (frame.line or "").strip()[:200]), False
        elif found[0] is not None:
            inside = True
    return found[0], found[1], inside


def _flush(streams) -> None:
    for stream in streams:
        try:
            stream.flush()
        except Exception:  # noqa: BLE001  a stream the learner's code closed or broke: nothing to flush
            pass


def _unname_the_kata() -> None:
    """Nothing of the kata can be looked up by name from the learner's code: the probe, its record of
    what ran and the fixtures stay alive through the references held here, not through sys.modules (an
    `import kata...` finds a fresh copy at best, and Landlock refuses even that)."""
    for name in [n for n in sys.modules if n == "kata" or n.startswith("kata.")]:
        del sys.modules[name]
    importlib.invalidate_caches()


def serve(sock, path: str) -> None:
    """Answer the judge's requests until it closes the channel."""
    recording.install()
    recording.LEARNER["path"] = path
    session = Session(path)
    _unname_the_kata()
    streams = (sys.stdout, sys.stderr)  # the output file's, whatever the learner's code sets sys.stdout to
    while True:
        try:
            request = wire.receive(sock)
        except wire.WireError:
            _exit(0)  # the judge is done (or gone): nothing to report to anyone
        reply = session.handle(request)
        _flush(streams)  # all it printed is in the file before the answer: the judge may measure it
        try:
            wire.send(sock, reply)
        except wire.WireError as e:
            wire.send(sock, {"error": {"kind": "unsendable", "message": str(e)[:MESSAGE_CAP]}})
        except MemoryError:
            wire.send(sock, {"error": {"kind": "memory", "type": "MemoryError",
                                       "message": "the answer did not fit in the memory left"}})
        except OSError:
            _exit(0)
