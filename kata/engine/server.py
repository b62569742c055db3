"""The warm grading server: the trusted parent, kept loaded between commands (`python -m kata.engine.server`).

It imports torch, starts the zygote (kata.engine.sealed) before anything else, then loads every
step's checks and references once, and waits on a unix socket in the state folder (mode 0600,
peers of the same user only). Each command is served by a worker forked from it, so the worker
starts warm and commands run side by side; the worker takes the client's own stdin, stdout and
stderr (passed as descriptors), its folder and environment, runs the command line exactly as a
cold `grader.py` would, and sends back the exit status. The server exits when its code or torch
changes (a request says so), after 15 idle minutes, or on `grader.py server stop`.
"""
from __future__ import annotations

import fcntl
import gc
import json
import os
import select
import signal
import socket
import sys
import time

from kata import paths
from kata.learner import client

IDLE_SECONDS = client.IDLE_MINUTES * 60


def main() -> int:
    folder = paths.state_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    lock = open(folder / "server.lock", "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # one server per user and state folder
    except OSError:
        return 0
    mine = client.fingerprint()
    from kata.engine import sealed

    sealed.start()  # torch, then the zygote: before any check or reference is loaded
    _warm()
    path = client.socket_path()
    path.unlink(missing_ok=True)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old_mask = os.umask(0o177)
    try:
        server.bind(str(path))
    finally:
        os.umask(old_mask)
    server.listen(16)
    started, last, served, workers = time.monotonic(), time.monotonic(), 0, set()
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    try:
        while True:
            ready, _, _ = select.select([server], [], [], 5.0)
            workers = {pid for pid in workers if not _ended(pid)}
            if not ready:
                if not workers and time.monotonic() - last > IDLE_SECONDS:
                    return 0
                continue
            conn, _ = server.accept()
            last = time.monotonic()
            if not _same_user(conn):
                conn.close()
                continue
            try:
                request, fds = _request(conn)
            except (OSError, ValueError):
                conn.close()
                continue
            op = request.get("op")
            if op == "status":
                _send(conn, {"pid": os.getpid(), "uptime": time.monotonic() - started, "served": served,
                             "active": len(workers), "fingerprint": mine})
            elif op == "stop":
                _send(conn, {"stopping": True})
                return 0
            elif op == "run" and request.get("fingerprint") != mine:
                _send(conn, {"stale": True})
                for fd in fds:
                    os.close(fd)
                return 0
            elif op == "run" and len(fds) == 3:
                pid = os.fork()
                if pid == 0:
                    server.close()
                    _work(conn, request, fds)
                workers.add(pid)
                served += 1
            for fd in fds:
                os.close(fd)
            conn.close()
    finally:
        if path.exists():
            path.unlink(missing_ok=True)


def _warm() -> None:
    """Load what every grade needs, so that no worker pays for it again."""
    from kata.engine import isolate
    from kata.steps import registry

    results = isolate.warm_up(list(registry.STEPS))  # every check and reference loaded, every kernel called once
    _warm_reports(results)
    gc.freeze()  # what is loaded now stays: no worker's collection walks it, or copies its pages


def _warm_reports(results) -> None:
    """Every report rendered once, to nowhere: rich and the board load here, not in each worker."""
    import io

    from kata.engine import report
    from kata.learner import board, state  # noqa: F401  what a worker records the verdict with

    for result in results:
        report.console(io.StringIO()).print(report.step_markup(result, False))
        report.step_json(result)
    report.console(io.StringIO()).print(report.board_markup(results, "steps"))


def _ended(pid: int) -> bool:
    try:
        return os.waitpid(pid, os.WNOHANG)[0] == pid
    except ChildProcessError:
        return True


def _same_user(conn: socket.socket) -> bool:
    import struct

    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _, uid, _ = struct.unpack("3i", creds)
    return uid == os.getuid()


def _request(conn: socket.socket) -> tuple[dict, list[int]]:
    conn.settimeout(10.0)
    data, fds, _, _ = socket.recv_fds(conn, 1 << 20, 3)
    while not data.endswith(b"\n"):
        more = conn.recv(1 << 20)
        if not more:
            break
        data += more
    request = json.loads(data)
    if not isinstance(request, dict):
        raise ValueError("not a request")
    return request, list(fds)


def _send(conn: socket.socket, reply: dict) -> None:
    try:
        conn.sendall(json.dumps(reply).encode() + b"\n")
    except OSError:
        pass


def _work(conn: socket.socket, request: dict, fds: list[int]) -> None:
    """In the forked worker: become the client's command, run it, report its exit status."""
    code = 1
    try:
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
        sys.stdin = open(0, "r", closefd=False)
        sys.stdout = open(1, "w", buffering=1 if os.isatty(1) else -1, encoding="utf-8", closefd=False)
        sys.stderr = open(2, "w", buffering=1, encoding="utf-8", errors="backslashreplace", closefd=False)
        os.environ.clear()
        os.environ.update({k: v for k, v in request.get("env", {}).items() if isinstance(v, str)})
        os.environ["KATA_IN_SERVER"] = "1"
        os.chdir(request.get("cwd", "/"))
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        _send(conn, {"pid": os.getpid()})
        from kata.learner import cli

        try:
            code = cli.main([str(a) for a in request.get("argv", [])])
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        except KeyboardInterrupt:
            code = 130
        except BrokenPipeError:
            code = 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except OSError:
            pass
        _send(conn, {"exit": code})
        os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
