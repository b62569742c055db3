"""The learner's side of the warm grading server (kata.engine.server): torch-free.

A command that grades connects to the per-user server through a unix socket in the state folder
and hands it its own stdin, stdout and stderr (as descriptors), so the server's worker writes the
very bytes a cold run would, to the very terminal or pipe. The worker's exit status comes back on
the socket. No server, a stale one (the kata's code or torch changed) or a broken one: the command
runs cold in this process, and a fresh server is started in the background for the next one.
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from kata import paths
from kata.i18n import N_, _

IDLE_MINUTES = 15
NOTICE = N_("grader.py: a grading server now keeps torch loaded in the background, so your next grades start "
            "warm. It stops after {minutes} idle minutes; `python grader.py server stop` stops it now, "
            "KATA_SERVER=off never starts it.")


def socket_path() -> Path:
    return paths.state_dir() / "server.sock"


def enabled() -> bool:
    return os.environ.get("KATA_SERVER", "on").lower() not in ("off", "0", "no", "false") and \
        not os.environ.get("KATA_IN_SERVER") and hasattr(socket, "send_fds")


def fingerprint() -> str:
    """What a server's code is: the kata's own files and the installed torch. A change restarts it."""
    h = hashlib.sha256(sys.executable.encode())
    for path in sorted(paths.KATA.rglob("*.py")):
        info = path.stat()
        h.update(f"{path.relative_to(paths.KATA)}:{info.st_size}:{info.st_mtime_ns}".encode())
    spec = importlib.util.find_spec("torch")
    if spec is not None and spec.origin:
        version = Path(spec.origin).with_name("version.py")
        h.update(f"{spec.origin}:{version.stat().st_mtime_ns if version.exists() else 0}".encode())
    return h.hexdigest()[:16]


def start_in_background() -> None:
    """Start a server for the next command, detached from this one; say so the first time ever."""
    from kata.learner import state

    paths.state_dir().mkdir(parents=True, exist_ok=True, mode=0o700)
    env = os.environ | {"KATA_IN_SERVER": "1"}
    subprocess.Popen([sys.executable, "-m", "kata.engine.server"], cwd=paths.ROOT, env=env, start_new_session=True,
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if state.announce_once("server"):
        print(_(NOTICE).format(minutes=IDLE_MINUTES), file=sys.stderr)


def _connect(timeout: float = 1.0) -> socket.socket | None:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(str(socket_path()))
    except OSError:
        sock.close()
        return None
    return sock


def _reply(sock: socket.socket) -> dict | None:
    """One JSON line from the server, or None when it closed."""
    data = b""
    while not data.endswith(b"\n"):
        try:
            chunk = sock.recv(4096)
        except OSError:
            return None
        if not chunk:
            return None
        data += chunk
    try:
        return json.loads(data)
    except ValueError:
        return None


def run(argv: list[str]) -> int | None:
    """Run the command through the server: its exit status, or None to run it cold here."""
    sock = _connect()
    if sock is None:
        start_in_background()
        return None
    with sock:
        request = {"op": "run", "argv": argv, "cwd": os.getcwd(), "env": dict(os.environ),
                   "fingerprint": fingerprint()}
        try:
            socket.send_fds(sock, [json.dumps(request).encode() + b"\n"], [0, 1, 2])
        except OSError:
            return None
        sock.settimeout(30.0)
        hello = _reply(sock)
        if not hello or "pid" not in hello:
            if hello and hello.get("stale"):
                start_in_background()  # the old one exits: the kata's code or torch changed
            return None
        worker = int(hello["pid"])
        previous = signal.signal(signal.SIGINT, lambda signum, frame: _forward(worker))
        try:
            sock.settimeout(None)  # a grade takes as long as it takes: the worker enforces its own limits
            done = _reply(sock)
        finally:
            signal.signal(signal.SIGINT, previous)
    if not done or "exit" not in done:
        print(_("grader.py: the grading server stopped in the middle of this command; grading it again without "
                "the server."), file=sys.stderr)
        return None
    return int(done["exit"])


def _forward(worker: int) -> None:
    """Ctrl-C reaches this process (the terminal's foreground): pass it on to the worker."""
    try:
        os.kill(worker, signal.SIGINT)
    except OSError:
        pass


def command(argv: list[str]) -> int:
    """`grader.py server status|stop`."""
    what = argv[0] if argv else "status"
    if what not in ("status", "stop"):
        print(_("grader.py server: say `status` or `stop`."), file=sys.stderr)
        return 2
    sock = _connect()
    if sock is None:
        print(_("no grading server is running."))
        return 0
    with sock:
        sock.sendall(json.dumps({"op": what}).encode() + b"\n")
        sock.settimeout(10.0)
        reply = _reply(sock) or {}
    if what == "stop":
        print(_("the grading server stopped.") if reply.get("stopping") else _("the grading server did not answer."))
        return 0
    if not reply:
        print(_("a grading server is listening but does not answer."))
        return 1
    stale = "" if reply.get("fingerprint") == fingerprint() else " " + _("(stale: the next grade restarts it)")
    print(_("grading server {pid}: up {seconds} s, {served} command(s) served, {active} running{stale}; stops after "
            "{minutes} idle minutes.").format(pid=reply.get("pid"), seconds=f"{reply.get('uptime', 0):.0f}",
                                               served=reply.get("served", 0), active=reply.get("active", 0),
                                               stale=stale, minutes=IDLE_MINUTES))
    return 0
