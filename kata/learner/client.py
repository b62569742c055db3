"""The learner's side of the warm grading server (kata.server.host): torch-free.

A command that grades connects to the per-user server through a unix socket in the state folder
and hands it its own stdin, stdout and stderr (as descriptors), so the server's worker writes the
very bytes a cold run would, to the very terminal or pipe. The worker's exit status comes back on
the socket. No server, a stale one (the kata's code or torch changed), a refusal or a broken one:
the command runs cold in this process, and a fresh server is started in the background for the next
one. Every request begins with the server's key, read from its 0600 file in the state folder (no
learner's child can read it) into a buffer that is wiped once sent: never in the environment, and
never in this process's memory when it goes on to grade cold and forks a zygote.
"""
from __future__ import annotations

import array
import json
import os
import signal
import socket
import subprocess
import sys

from kata import paths
from kata.i18n import N_, _
from kata.learner.server_address import IDLE_MINUTES, KEY_BYTES, fingerprint, key_path, socket_path

NOTICE = N_("grader.py: a grading server now keeps torch loaded in the background, so your next grades start "
            "warm. It stops after {minutes} idle minutes; `python grader.py server stop` stops it now, "
            "KATA_SERVER=off never starts it.")


def enabled() -> bool:
    return os.environ.get("KATA_SERVER", "on").lower() not in ("off", "0", "no", "false") and \
        not os.environ.get("KATA_IN_SERVER") and hasattr(socket, "send_fds")


def start_in_background() -> None:
    """Start a server for the next command, detached from this one; say so the first time ever."""
    from kata import state

    paths.state_dir().mkdir(parents=True, exist_ok=True, mode=0o700)
    env = os.environ | {"KATA_IN_SERVER": "1"}
    subprocess.Popen([sys.executable, "-m", "kata.server.host"], cwd=paths.ROOT, env=env, start_new_session=True,
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


def _key() -> bytearray | None:
    """The running server's key, read straight into a buffer that can be wiped."""
    key = bytearray(KEY_BYTES)
    try:
        with open(os.open(key_path(), os.O_RDONLY | os.O_NOFOLLOW), "rb", buffering=0) as file:
            return key if file.readinto(key) == KEY_BYTES else None
    except OSError:
        return None


def _ask(sock: socket.socket, request: dict, fds: tuple[int, ...] = ()) -> bool:
    """Send the key, then the request as one JSON line, with `fds` passed along; False when it could not."""
    key = _key()
    if key is None:
        return False
    parts = [key, json.dumps(request).encode() + b"\n"]
    try:
        sent = sock.sendmsg(parts, [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))] if fds else [])
        for part in parts:  # a long environment may not go in one piece
            if sent < len(part):
                sock.sendall(memoryview(part)[sent:])
            sent = max(sent - len(part), 0)
        return True
    except OSError:
        return False
    finally:
        key[:] = bytes(KEY_BYTES)


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


def run(argv: list[str], fds: tuple[int, int, int] = (0, 1, 2), env: dict | None = None,
        start: bool = True) -> int | None:
    """Run the command through the server, its stdin, stdout and stderr being `fds` (this process's
    own by default): its exit status, or None to run it cold here (a server is started for the next
    command then, unless not `start`)."""
    sock = _connect()
    if sock is None:
        if start:
            start_in_background()
        return None
    with sock:
        request = {"op": "run", "argv": argv, "cwd": os.getcwd(), "env": dict(os.environ if env is None else env),
                   "fingerprint": fingerprint()}
        if not _ask(sock, request, fds):
            return None
        sock.settimeout(30.0)
        hello = _reply(sock)
        if not hello or "pid" not in hello:
            if hello and hello.get("stale") and start:
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
        sock.settimeout(10.0)
        reply = (_ask(sock, {"op": what, "fingerprint": fingerprint()}) and _reply(sock)) or {}
        if reply.get("refused"):
            reply = {}
    if what == "stop":
        print(_("the grading server stopped.") if reply.get("stopping") else _("the grading server did not answer."))
        return 0
    if not reply:
        print(_("a grading server is listening but does not answer."))
        return 1
    stale = " " + _("(stale: the next grade restarts it)") if reply.get("stale") else ""
    loading = reply.get("loading") if isinstance(reply.get("loading"), int) else 0
    if loading:  # it serves already; the steps still to load make their first grades a little slower
        stale += " " + _("(still loading the checks of {count} step(s))").format(count=loading)
    print(_("grading server {pid}: up {seconds} s, {served} command(s) served, {active} running{stale}; stops after "
            "{minutes} idle minutes.").format(pid=reply.get("pid"), seconds=f"{reply.get('uptime', 0):.0f}",
                                               served=reply.get("served", 0), active=reply.get("active", 0),
                                               stale=stale, minutes=IDLE_MINUTES))
    return 0
