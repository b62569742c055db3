"""The warm grading server: the trusted parent, kept loaded between commands (`python -m kata.server.host`).

It imports torch, starts the zygote (kata.child.zygote_supply) before anything else, listens on a unix
socket in the state folder (mode 0600, peers of the same user only), and while no request waits
loads every step's checks and references, one step at a time (a few seconds in all: a request
waits at most for the step being loaded, and a server stopped early never pays for the rest;
`status` says how many are left). Each grade is served by a worker forked from it, so the worker
starts warm and grades run side by side; the worker takes the client's own stdin, stdout and
stderr (passed as descriptors), its folder and environment, runs the command line exactly as a
cold `grader.py` would, and sends back the exit status.

The socket is within reach of the learner's own code: Landlock does not govern connect() on a
pathname socket, and the confined child may have this very uid. So:
- every request starts with a key this server made after its zygote was forked (nothing the
  zygote forks ever held it) and keeps in a 0600 file of the state folder, which no child can
  read; a request without it is refused and changes nothing, `status` included;
- it serves only grades (a step, the board, --watch, --train), never --diff, --reset, --hint,
  --check or the instructor's commands, which read or write files of the caller's choosing;
- requests are read without ever blocking the loop (a size and a time limit each), and nothing
  but an authenticated `stop`, a stale fingerprint, its kata folder, socket or key file gone, 15
  idle minutes (or SIGTERM) ends it; then it stops listening and waits for the grades it runs (the
  zygote they need dies with it), SIGTERM excepted.
"""
from __future__ import annotations

import array
import contextlib
import fcntl
import gc
import hmac
import io
import json
import os
import select
import signal
import socket
import sys
import time

from kata import paths
from kata.learner import server_address

IDLE_SECONDS = server_address.IDLE_MINUTES * 60
MAX_REQUEST = 1 << 20  # bytes: a command line, a folder and an environment are far less
READ_SECONDS = 5.0  # a client sends its request at once: one that dawdles is dropped
MAX_PENDING = 32  # requests being read at once; more are refused at the door (their commands run cold)
LOOK_SECONDS = 2.0  # how often the kata folder, the socket and the key file are looked at
ANCILLARY = socket.CMSG_SPACE(3 * array.array("i").itemsize)  # stdin, stdout, stderr; the kernel drops more
NOT_SERVED = ("server", "class", "compare", "gradescope", "classroom")


def main() -> int:
    folder = paths.state_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    lock = open(folder / "server.lock", "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # one server per user and state folder
    except OSError:
        return 0
    mine = server_address.fingerprint()
    from kata.child import zygote_supply

    zygote = zygote_supply.start(_preload())  # torch, then the zygote: before the key, and before any check or reference
    key = _new_key(folder)
    path = server_address.socket_path()
    server = Server(_listen(path), key, mine, zygote, lock, _warming())
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    try:
        server.serve()
    finally:
        server.close()
    server.drain()
    return 0


def _new_key(folder) -> bytearray:
    """32 random bytes, straight into a buffer that can be wiped (a bytes object could not), and into
    a file only this user can read, replaced whole so that a client never reads half of it."""
    key = bytearray(server_address.KEY_BYTES)
    with open("/dev/urandom", "rb", buffering=0) as source:
        source.readinto(key)
    fresh = folder / f"server.key.{os.getpid()}"
    fresh.unlink(missing_ok=True)
    fd = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        os.write(fd, key)
    finally:
        os.close(fd)
    os.replace(fresh, server_address.key_path())
    return key


def _listen(path) -> socket.socket:
    path.unlink(missing_ok=True)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old_mask = os.umask(0o177)
    try:
        listener.bind(str(path))
    finally:
        os.umask(old_mask)
    listener.listen(16)
    listener.setblocking(False)
    return listener


class Server:
    def __init__(self, listener: socket.socket, key: bytearray, mine: str, zygote, lock, warming=None):
        self.listener, self.key, self.mine, self.zygote, self.lock = listener, key, mine, zygote, lock
        self.path = server_address.socket_path()
        self.root, self.socket, self.key_file = _identity(paths.ROOT), _identity(self.path), _identity(server_address.key_path())
        self.pending: dict[socket.socket, Pending] = {}
        self.workers: set[int] = set()
        self.started = self.last = time.monotonic()
        self.served = 0
        self.stopping = False
        # last: the identities above are those of the moment it listened (its first step imports a while)
        self.loading = next(warming, 0) if warming else 0  # how many steps are still to load
        self.warming = warming if self.loading else None  # what is left, a step at a time, while no request waits

    def serve(self) -> None:
        while not self.stopping:
            now = time.monotonic()
            wait = 0.0 if self.warming else min([LOOK_SECONDS] + [p.deadline - now for p in self.pending.values()])
            ready, _, _ = select.select([self.listener, *self.pending], [], [], max(wait, 0.0))
            self.workers = {pid for pid in self.workers if not _ended(pid)}
            if not self.still_here():
                return
            for sock in ready:
                if sock is self.listener:
                    self.accept()
                elif sock in self.pending:
                    self.read(self.pending[sock])
            for late in [p for p in self.pending.values() if p.deadline < time.monotonic()]:
                self.drop(late)
            if self.warming and not ready and not self.pending:
                self.loading = next(self.warming, 0)
                if not self.loading:
                    self.warming = None
            if not (self.workers or self.pending) and time.monotonic() - self.last > IDLE_SECONDS:
                return

    def still_here(self) -> bool:
        """The kata folder, the socket and the key file are the ones it started with: a deleted checkout,
        a socket removed or taken over, or a key nobody can read any more leaves nobody to serve."""
        return None not in (self.root, self.socket, self.key_file) and _identity(paths.ROOT) == self.root and \
            _identity(self.path) == self.socket and _identity(server_address.key_path()) == self.key_file

    def accept(self) -> None:
        try:
            conn, _ = self.listener.accept()
        except OSError:
            return
        if len(self.pending) >= MAX_PENDING or not _same_user(conn):
            conn.close()
            return
        conn.setblocking(False)
        self.pending[conn] = Pending(conn)

    def read(self, pending: Pending) -> None:
        try:
            whole = pending.read()
        except (OSError, ValueError):
            self.drop(pending)
            return
        if whole:
            del self.pending[pending.conn]
            try:
                self.answer(pending)
            finally:
                pending.close()

    def drop(self, pending: Pending) -> None:
        self.pending.pop(pending.conn, None)
        pending.close()

    def answer(self, pending: Pending) -> None:
        request = pending.request(self.key)
        conn, fds = pending.conn, pending.fds
        if request is None:
            _send(conn, {"refused": True})
            return
        self.last = time.monotonic()
        op = request.get("op")
        if op == "status":
            _send(conn, {"pid": os.getpid(), "uptime": time.monotonic() - self.started, "served": self.served,
                         "active": len(self.workers), "stale": request.get("fingerprint") != self.mine,
                         "loading": self.loading})
        elif op == "stop":
            _send(conn, {"stopping": True})
            self.stopping = True
        elif op != "run":
            _send(conn, {"refused": True})
        elif request.get("fingerprint") != self.mine or not self.zygote.alive():
            _send(conn, {"stale": True})  # the kata's code or torch changed: its client starts a fresh server
            self.stopping = True
        elif len(fds) != 3 or not _runnable(request):
            _send(conn, {"refused": True})
        else:
            pid = os.fork()
            if pid == 0:
                self.become_worker(conn)
                _work(conn, request, fds)
            self.workers.add(pid)
            self.served += 1

    def become_worker(self, conn: socket.socket) -> None:
        """In the forked worker: keep nothing of the server's but its own client. The key is wiped, so
        a zygote this worker would have to start again (the first one died) forks nothing that holds it."""
        self.key[:] = bytes(len(self.key))
        self.listener.close()
        self.lock.close()  # the lock stays the server's alone: a fresh server may take it once this one ends
        for other in list(self.pending.values()):
            other.close()
        conn.setblocking(True)

    def close(self) -> None:
        """Stop listening: the socket goes (if it is still this server's), and so do unanswered requests;
        the lock is let go, so a fresh server may start while the grades of this one finish."""
        self.listener.close()
        if self.socket is not None and _identity(self.path) == self.socket:
            self.path.unlink(missing_ok=True)
        for pending in list(self.pending.values()):
            self.drop(pending)
        fcntl.flock(self.lock, fcntl.LOCK_UN)  # the zygote holds the same lock: closing would not let it go

    def drain(self) -> None:
        """Wait for the grades that run: the zygote they need dies with this process."""
        while self.workers:
            time.sleep(0.2)
            self.workers = {pid for pid in self.workers if not _ended(pid)}


class Pending:
    """A request being read: its key into a buffer of its own (wiped once compared), then one JSON
    line, and the descriptors that came with them."""

    def __init__(self, conn: socket.socket):
        self.conn = conn
        self.key = bytearray(server_address.KEY_BYTES)
        self.got = 0
        self.body = bytearray()
        self.fds: list[int] = []
        self.deadline = time.monotonic() + READ_SECONDS

    def read(self) -> bool:
        """Take what arrived: True once the request is whole; OSError or ValueError refuse it."""
        try:
            if self.got < len(self.key):
                n, ancillary, _, _ = self.conn.recvmsg_into([memoryview(self.key)[self.got:]], ANCILLARY)
                self.got += n
            else:
                data, ancillary, _, _ = self.conn.recvmsg(65536, ANCILLARY)
                n = len(data)
                self.body += data
        except BlockingIOError:
            return False
        for level, kind, data in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds = array.array("i")
                fds.frombytes(data[:len(data) - len(data) % fds.itemsize])
                self.fds.extend(fds)
        if n == 0 or len(self.body) > MAX_REQUEST or len(self.fds) > 3:
            raise ValueError("closed early, or too much")
        return self.body.endswith(b"\n")

    def request(self, key: bytearray) -> dict | None:
        """The request, if it carried the key (compared in constant time); None otherwise."""
        authentic = hmac.compare_digest(self.key, key)
        self.key[:] = bytes(len(self.key))
        if not authentic:
            return None
        try:
            request = json.loads(self.body)
        except ValueError:
            return None
        return request if isinstance(request, dict) else None

    def close(self) -> None:
        self.key[:] = bytes(len(self.key))
        for fd in self.fds:
            with contextlib.suppress(OSError):
                os.close(fd)
        self.fds = []
        self.conn.close()


def _runnable(request: dict) -> bool:
    argv, cwd, env = request.get("argv"), request.get("cwd"), request.get("env")
    return (isinstance(argv, list) and all(isinstance(a, str) for a in argv) and served(argv)
            and isinstance(cwd, str) and os.path.isabs(cwd) and isinstance(env, dict)
            and all(isinstance(k, str) and isinstance(v, str) for k, v in env.items()))


def served(argv: list[str]) -> bool:
    """Grades only: a step, the board, --watch, --train. --hint, --diff and --reset need no torch and
    run in the learner's own process; --check and the instructor's commands are not a learner's grade.
    Read with the command line's own parser, so that an abbreviation (`--res`) is seen for what it is."""
    if argv and argv[0] in NOT_SERVED:
        return False
    from kata.learner import cli
    from kata.steps import registry

    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            args = cli.parser().parse_args(argv)
    except SystemExit:  # a usage error, or -h
        return False
    if args.hint or args.diff or args.reset or args.check:
        return False
    return args.step is None or registry.find(args.step) is not None


def _identity(path) -> tuple[int, int] | None:
    try:
        info = os.lstat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino


def warmed_ahead() -> list:
    """The steps the server loads before they are asked for: every step, or those $KATA_SERVER_WARM
    names ("step04,step05"; "none": each worker loads its own step, as a cold grade does). A
    machine that grades one step all day, or a test that starts servers, warms only what it grades."""
    from kata.steps import registry

    asked = os.environ.get("KATA_SERVER_WARM", "all").strip().lower()
    if asked in ("", "all"):
        return list(registry.STEPS)
    named = [registry.find(name) for name in asked.split(",") if name.strip() and name.strip() != "none"]
    return [step for step in registry.STEPS if step in named]


def _preload() -> tuple[str, ...]:
    """What the server imports before its zygote forks: everything any step may import lazily, unless
    $KATA_SERVER_WARM names the steps it warms; then what those need (torch._dynamo only for a step that
    builds an optimizer), and a step asked for later imports the rest in its own child, as a cold grade."""
    from kata.child import zygote_supply
    from kata.grading.runner import judge_imports
    from kata.steps import registry

    warmed = warmed_ahead()
    if not warmed or len(warmed) == len(registry.STEPS):
        return zygote_supply.EVERYTHING
    return tuple(sorted({name for step in warmed for name in (*step.preload, *judge_imports(step))}))


def _warming():
    """Load what every grade needs, so that no worker pays for it again: a step at each `next()`."""
    from kata.grading import isolate

    results = []
    steps = warmed_ahead()
    for done, step in enumerate(steps):
        yield len(steps) - done  # the steps still to load, said before each
        results += isolate.warm_up([step])  # its checks and reference loaded, every kernel called once
        gc.freeze()  # what is loaded now stays: no worker's collection walks it, or copies its pages
    if results:
        _warm_reports(results)
        gc.freeze()


def _warm_reports(results) -> None:
    """Every report rendered once, to nowhere: rich and the board load here, not in each worker."""
    from kata.learner import verdict_cache  # noqa: F401  what a worker records the verdict with
    from kata.rendering import report

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

    try:
        creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    except OSError:
        return False
    _, uid, _ = struct.unpack("3i", creds)
    return uid == os.getuid()


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
        os.environ.update(request["env"])
        os.environ["KATA_IN_SERVER"] = "1"
        os.chdir(request["cwd"])
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        _send(conn, {"pid": os.getpid()})
        from kata.learner import cli

        try:
            code = cli.main(list(request["argv"]))
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
