"""The torch-only zygote, and how each learner's child is born from it.

The trusted process imports torch and starts the zygote *before* it loads any check, reference
or hidden check, so nothing the zygote holds (and so nothing a child inherits) knows an expected
value. The zygote warms torch's lazy imports once, then forks one child per learner-step on
request: the child locks itself down (its own session, every inherited descriptor closed, output
into its scratch folder, rlimits, no capabilities, no new processes, Landlock) before it reads the
learner's file, then answers the judge's probes (kata.engine.probe).

Requests reach the zygote over a SOCK_SEQPACKET pair (one whole message each, so judges forked
from the same parent can share it), with the child's end of its channel passed as a descriptor.
"""
from __future__ import annotations

import ctypes
import json
import os
import select
import signal
import socket
import sys
import time

from kata.engine import lockdown, sandbox, unprivileged, wire

PR_SET_PDEATHSIG = 1
GRACE = 60.0  # seconds, beyond three times a child's own time limit, before the zygote kills it
OUTPUT_LIMIT = 64 * 2**20  # bytes the child may write into its scratch folder, each file


def _die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


class Zygote:
    """Handle held by the trusted side. `spawn()` may be called from any process forked from it."""

    def __init__(self, exclude: list[str], preload: tuple[str, ...] = ()):
        self.control, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        parent = self.creator = os.getpid()
        self.pid = os.fork()
        if self.pid == 0:
            self.control.close()
            try:
                _zygote_main(theirs, parent, exclude, preload)
            finally:
                os._exit(0)
        theirs.close()

    def spawn(self, spec: dict) -> socket.socket:
        """Ask for a child running `spec` (file, scratch, limits); returns the judge's end of its channel."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            socket.send_fds(self.control, [json.dumps(spec).encode()], [theirs.fileno()])
        finally:
            theirs.close()
        return ours

    def alive(self) -> bool:
        if os.getpid() != self.creator:  # a judge forked from the creator shares its zygote
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                return False
            return True
        try:
            return os.waitpid(self.pid, os.WNOHANG) == (0, 0)
        except ChildProcessError:
            return False

    def stop(self) -> None:
        if os.getpid() != self.creator:
            return
        try:
            self.control.close()
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (OSError, ChildProcessError):
            pass


def _zygote_main(control: socket.socket, parent: int, exclude: list[str], preload: tuple[str, ...]) -> None:
    _die_with_parent()
    if os.getppid() != parent:
        return
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the trusted side's to handle
    import torch

    torch.set_num_threads(1)  # one core per learner-step: the class runs --jobs of them side by side
    import importlib

    for name in preload:  # e.g. torch._dynamo, which building an optimizer imports: ~1 s, paid once here
        importlib.import_module(name)

    from kata.engine import probe  # noqa: F401  the child's probe runner, loaded before any confinement
    read = sandbox.python_paths(exclude=exclude) + sandbox.system_paths()[0]
    devices = sandbox.system_paths()[1]
    mode = sandbox.isolation_mode()
    # what a user of its own could read of the kata's private ground anyway: said in every report
    exposed = unprivileged.exposed([os.path.join(e, "solutions") for e in exclude] + exclude[1:]) \
        if mode == "uid" else []
    deadlines: dict[int, float] = {}  # child -> when the zygote kills it, whatever its judge does
    while True:
        ready, _, _ = select.select([control], [], [], 0.5)
        _reap(deadlines)
        if not ready:
            continue
        try:
            data, fds, _, _ = socket.recv_fds(control, 65536, 1)
        except OSError:
            return
        if not data:
            return  # the trusted side is gone
        try:
            spec = json.loads(data)
        except ValueError:
            spec = None
        if not fds or not isinstance(spec, dict):
            for fd in fds:
                os.close(fd)
            continue
        pid = os.fork()
        if pid == 0:
            control.close()
            try:
                _child_main(spec, fds[0], read, devices, exclude, mode, exposed)
            finally:
                os._exit(70)
        os.close(fds[0])
        timeout = spec.get("timeout")
        # a last resort for a child whose judge is gone: the judge itself stops it on time
        deadlines[pid] = time.monotonic() + (3 * float(timeout) + GRACE if isinstance(timeout, (int, float)) else 3600)


def _reap(deadlines: dict[int, float]) -> None:
    """Collect ended children; kill the ones past their deadline (a judge that died cannot)."""
    now = time.monotonic()
    for pid, deadline in list(deadlines.items()):
        if now > deadline:
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        deadlines.pop(pid, None)


def _child_main(spec: dict, fd: int, read: list[str], devices: list[str], exclude: list[str], mode: str,
                exposed: list[str]) -> None:
    """Lock the child down, say hello, then serve probes. Runs in the forked child only."""
    os.setsid()  # its own process group: the judge kills the group, and Ctrl-C in the terminal skips it
    _die_with_parent()
    scratch, path = spec["scratch"], spec["file"]
    sock = socket.socket(fileno=fd)
    null = os.open(os.devnull, os.O_RDONLY)
    out = os.open(os.path.join(scratch, "output.txt"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(null, 0)
    os.dup2(out, 1)
    os.dup2(out, 2)
    # Python's own streams, made afresh on those descriptors: whatever the zygote's parent had there
    # (a pytest capture, a closed pipe) is not the child's
    sys.stdin = open(0, "r", closefd=False)
    sys.stdout = open(1, "w", buffering=1, encoding="utf-8", errors="backslashreplace", closefd=False)
    sys.stderr = open(2, "w", buffering=1, encoding="utf-8", errors="backslashreplace", closefd=False)
    sandbox.close_fds(keep={0, 1, 2, fd})
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writing past the limit fails with EFBIG instead
    os.environ["TMPDIR"] = scratch  # torch._dynamo and tempfile write here, and only here
    os.environ.pop("HYPOTHESIS_STORAGE_DIRECTORY", None)
    import tempfile

    tempfile.tempdir = None
    os.chdir(scratch)
    limits = spec.get("limits", {})
    sandbox.set_limits(memory_bytes=limits.get("memory_bytes"), cpu_seconds=limits.get("cpu_seconds"),
                       file_bytes=OUTPUT_LIMIT, processes=None)
    isolation = []
    if mode == "uid":  # no Landlock: a user of its own instead, which also leaves it no capability
        uid = unprivileged.become(scratch, [path, os.path.join(scratch, "output.txt")])
        isolation += [f"its own user (uid {uid})" + (f", which can read {', '.join(exposed)}" if exposed else ""),
                      "no capabilities"]
    elif lockdown.drop_capabilities():
        isolation.append("no capabilities")
    if mode == "landlock":
        try:
            abi = sandbox.confine(read=read + [path], write=[scratch], devices=devices)
            isolation.insert(0, f"Landlock ABI {abi}")
        except OSError:
            pass
    if lockdown.deny_new_processes():
        isolation.append("no new processes")
    # the checkout is not the learner's to import from (and Landlock would refuse it anyway)
    sys.path[:] = [p for p in sys.path if p and (p.startswith(sys.prefix) or
                                                 not any(_inside(p, root) for root in exclude))]
    _report_exits(sock, path)
    import faulthandler

    # when time runs out the judge asks (SIGUSR1) where the code is, to quote that line
    faulthandler.register(signal.SIGUSR1, file=sys.stderr, all_threads=False)

    def out_of_cpu(signum, frame):
        line = next((f for f in reversed(__import__("traceback").extract_stack(frame)) if f.filename == path), None)
        wire.send(sock, {"gone": {"how": "cpu", "line": line.lineno if line else None,
                                  "code": (line.line or "").strip()[:200] if line else ""}})
        os.kill(os.getpid(), signal.SIGKILL)

    signal.signal(signal.SIGXCPU, out_of_cpu)
    wire.send(sock, {"pid": os.getpid(), "isolation": isolation})
    from kata.engine import probe

    probe.serve(sock, path)


def _inside(path: str, root: str) -> bool:
    path, root = os.path.realpath(path), os.path.realpath(root)
    return path == root or path.startswith(root.rstrip("/") + "/")


def _report_exits(sock: socket.socket, path: str) -> None:
    """os._exit from the learner's code ends the child at once; say first where it was called."""
    real = os._exit

    def reporting_exit(status=0):
        import traceback

        line = next((f for f in reversed(traceback.extract_stack()) if f.filename == path), None)
        try:
            wire.send(sock, {"gone": {"how": "os._exit", "status": status if isinstance(status, int) else None,
                                      "line": line.lineno if line else None,
                                      "code": (line.line or "").strip()[:200] if line else ""}})
        except Exception:  # noqa: BLE001
            pass
        real(status if isinstance(status, int) else 1)

    os._exit = reporting_exit
