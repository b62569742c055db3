"""The torch-only zygote, and how each learner's child is born from it.

The trusted process imports torch and starts the zygote *before* it loads any check, reference
or hidden check, so nothing the zygote holds (and so nothing a child inherits) knows an expected
value. The zygote warms torch's lazy imports once, then forks one child per learner-step on
request: the child locks itself down (its own session, every inherited descriptor closed, output
into its scratch folder, rlimits, no capabilities, no new processes, Landlock) before it reads the
learner's file, then answers the judge's probes (kata.child.probe).

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

from kata.child import lockdown, private_mounts, sandbox, unprivileged, wire
from kata.child.scratch import SCRATCH_LIMIT, TMPFS_CAPPED, USERNS_CAPPED, WATCHED

PR_SET_PDEATHSIG = 1
GRACE = 60.0  # seconds, beyond three times a child's own time limit, before the zygote kills it
OUTPUT_LIMIT = 64 * 2**20  # bytes the child may write in one file (its output, a file in its scratch)
# how the child's working folder is capped in all (SCRATCH_LIMIT): the spec's "scratch_cap" may force one
# (the tests do); None takes the best this machine offers: a tmpfs as root, else one in a user namespace
# of its own, else the judge watches the folder
SCRATCH_CAPS = (None, "userns", "watch")


def _die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


class Zygote:
    """Handle held by the trusted side. `spawn()` may be called from any process forked from it."""

    def __init__(self, exclude: list[str], preload: tuple[str, ...] = (), fresh: bool = False):
        """Forked from this process (it holds torch and the engine only), or `fresh`: a new interpreter
        started from scratch, for a process that has loaded checks, references or hidden checks."""
        self.control, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        parent = self.creator = os.getpid()
        self.process = None
        if fresh:
            import subprocess

            self.process = subprocess.Popen(
                [sys.executable, "-m", "kata.child.zygote", str(theirs.fileno()),
                 json.dumps({"parent": parent, "exclude": exclude, "preload": list(preload)})],
                pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL, close_fds=True,
                env=os.environ | {"PYTHONPATH": _kata_parent()})
            self.pid = self.process.pid
        else:
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
        if self.process is not None:
            return self.process.poll() is None
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
            self.process.wait() if self.process is not None else os.waitpid(self.pid, 0)
        except (OSError, ChildProcessError):
            pass


def _kata_parent() -> str:
    """The folder holding the kata package, for a fresh interpreter to import it from (an editable
    install finds it anyway; a plain checkout needs the path)."""
    here = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return os.pathsep.join([here] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])


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

    from kata.child import probe  # noqa: F401  the child's probe runner, loaded before any confinement
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
    os.environ.pop("HYPOTHESIS_STORAGE_DIRECTORY", None)
    limits = spec.get("limits", {})
    threads = any("nvidia" in d for d in devices)  # a GPU's driver starts threads; on the CPU none is needed
    sandbox.set_limits(memory_bytes=limits.get("memory_bytes"), cpu_seconds=limits.get("cpu_seconds"),
                       file_bytes=OUTPUT_LIMIT, processes=None if threads else 1)
    try:
        isolation = _seal(scratch, path, read, devices, mode, exposed, threads, spec.get("scratch_cap"))
    except Unsealed as e:  # fail closed: no learner code runs in a child that is not sealed
        wire.send(sock, {"unsealed": str(e)[:500]})
        return
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
    from kata.child import probe

    probe.serve(sock, path)


class Unsealed(Exception):
    """A lock that should hold here could not be set: the child says so and runs nothing."""


def _seal(scratch: str, path: str, read: list[str], devices: list[str], mode: str, exposed: list[str],
          threads: bool, cap: str | None = None) -> list[str]:
    """Every lock this machine offers, in order; what holds, in words for the report. `cap` forces how
    the working folder is capped in all (SCRATCH_CAPS)."""
    if cap not in SCRATCH_CAPS:
        raise Unsealed(f"no such scratch cap: {cap!r}")
    isolation = []
    work = os.path.join(scratch, "tmp")  # the learner's TMPDIR and working folder: the only place it writes
    os.mkdir(work, 0o700)
    root = os.geteuid() == 0
    if root and cap == "userns" and mode != "landlock":
        # a root child in a user namespace keeps root's uid there (the grader's files are its own): only
        # Landlock then keeps it from writing them, so without Landlock nothing runs
        raise Unsealed("a user namespace can be forced on a root grader's child only where Landlock confines it")
    # the identity a root grader's child takes; none where it stays the grader's user in a user namespace
    uid = unprivileged.identity() if root and cap != "userns" else None
    capped = False
    if uid is not None and cap is None:  # root: the writable folder is a small tmpfs of its own, gone with the child
        if not private_mounts.scratch_tmpfs(work, SCRATCH_LIMIT, uid):
            raise Unsealed("could not mount the scratch folder's tmpfs")
        isolation.append(TMPFS_CAPPED)
        capped = True
    elif uid is None and cap != "watch":  # not root: a tmpfs in a user namespace of its own, if the kernel lets it
        got = private_mounts.userns_tmpfs(work, SCRATCH_LIMIT)
        if got == "unmapped":  # it could create no file there: run nothing
            raise Unsealed("could not map its user in the user namespace of its scratch folder")
        if got != "refused":  # in a namespace of its own, which gave it every capability there: none is kept
            if not lockdown.drop_capabilities():
                raise Unsealed("could not drop the capabilities of its user namespace")
            _die_with_parent()  # new credentials: said again, so that it still ends with the zygote
        if got == "mounted":
            isolation.append(USERNS_CAPPED)
            capped = True
        elif root:  # forced on root's child, which keeps root's uid there: only with the tmpfs, or nothing runs
            raise Unsealed("could not mount the scratch folder's tmpfs in a user namespace of its own")
    if not capped:  # the judge sums the folder while the child lives and stops it past the cap
        isolation.append(WATCHED)
    os.environ["TMPDIR"] = work  # torch._dynamo and tempfile write here, and only here
    import tempfile

    tempfile.tempdir = None
    os.chdir(work)
    if mode == "uid":  # no Landlock: a user of its own instead, which also leaves it no capability
        uid = unprivileged.become(scratch, [path, os.path.join(scratch, "output.txt"), work])
        _die_with_parent()  # a change of user clears it: said again, so that it still ends with the zygote
        isolation += ["its own user" + (f", which can read {', '.join(exposed)}" if exposed else ""),
                      "no capabilities"]
    elif uid is not None:  # root with Landlock: a user of its own too, so that no owner check passes for it
        for owned in (scratch, path, os.path.join(scratch, "output.txt"), work):  # work: where no tmpfs is its own
            os.chown(owned, uid, uid)
        if not lockdown.become_reader(uid):
            raise Unsealed("could not switch to a user of its own")
        _die_with_parent()  # a change of user clears it: said again
        isolation += ["its own user", "no capabilities but reading"]
    if mode == "landlock":
        try:
            abi = sandbox.confine(read=read + [path], write=[work], devices=devices)
        except OSError as e:
            raise Unsealed(f"Landlock refused the rules ({e})") from None
        isolation.insert(0, f"Landlock ABI {abi}")
    if lockdown.supported():
        if not lockdown.install(threads=threads):
            raise Unsealed("could not install the seccomp filter")
        isolation.append("seccomp allowlist" + ("" if threads else ", no new processes or threads"))
    return isolation


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


if __name__ == "__main__":  # a fresh zygote (Zygote(fresh=True)): the control socket's fd, then its settings
    settings = json.loads(sys.argv[2])
    try:
        _zygote_main(socket.socket(fileno=int(sys.argv[1])), settings["parent"], settings["exclude"],
                     tuple(settings["preload"]))
    finally:
        os._exit(0)
