"""The warm grading server, asked by a process of the same user that does not hold its key (what a
learner's child could be, were it able to open a socket): every request is refused, nothing is run,
no file changes, and the server goes on grading its learner's steps with the same verdicts.

Each server here serves a copy of the kata in a temporary folder (the working tree may change under
a test, and a changed file would make the server stale) with a state folder of its own, and is
stopped (or killed) before its test ends.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kata import paths
from kata.learner import client, server_address
from kata.server import host as server
from tests.conftest import server_released

PY = sys.executable
READY_SECONDS = 600  # loading every step's checks on a busy machine takes a while
EXIT_SECONDS = 180  # a server looks at its folder and socket every 2 s: this is only a generous bound
STEP01 = "step01_functional.py"

pytestmark = pytest.mark.slow


class Served:
    """A real server of a copy of the kata, and its learner's commands (`grader.py` in that copy)."""

    def __init__(self, tmp: Path):
        self.root = tmp / "kata-copy"
        for name in ("kata", "steps", "solutions"):
            shutil.copytree(paths.ROOT / name, self.root / name, ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copy(paths.ROOT / "grader.py", self.root)
        self.state = tmp / "state"
        self.log = tmp / "server.log"
        self.env = {k: v for k, v in os.environ.items() if k != "KATA_IN_SERVER"} | {
            "KATA_STATE_DIR": str(self.state), "KATA_SERVER": "on", "KATA_LANG": "en", "KATA_OFFLINE": "1",
            "KATA_SERVER_WARM": "step01"}  # what these tests grade: loading all sixteen would only cost time
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen([PY, "-m", "kata.server.host"], cwd=self.root,
                                         env=self.env | {"KATA_IN_SERVER": "1"}, start_new_session=True,
                                         stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        self.socket = self.state / "server.sock"

    def ready(self) -> Served:
        """Wait until it listens (a server loads every step's checks first)."""
        deadline = time.monotonic() + READY_SECONDS
        while not (self.socket.exists() and (self.state / "server.key").exists()):
            assert self.proc.poll() is None, f"the server ended: {self.log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, "the server did not start listening"
            time.sleep(0.2)
        return self

    def grader(self, *args: str, **kwargs) -> subprocess.CompletedProcess:
        return subprocess.run([PY, "grader.py", *args], cwd=self.root, env=self.env, capture_output=True, text=True,
                              timeout=READY_SECONDS, **kwargs)

    def served(self) -> int:
        out = self.grader("server", "status").stdout
        found = re.search(r"(\d+) command\(s\) served", out)
        assert found, out
        return int(found.group(1))

    def exited(self) -> bool:
        try:
            self.proc.wait(timeout=EXIT_SECONDS)
        except subprocess.TimeoutExpired:
            return False
        return True

    def finish(self) -> None:
        """Stop it with its own key, then any server a client started in its place; kill what is left."""
        if self.proc.poll() is None:
            self.grader("server", "stop")
            if not self.exited():
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        deadline = time.monotonic() + READY_SECONDS
        while not server_released(self.state / "server.lock") and time.monotonic() < deadline:
            self.grader("server", "stop")
            time.sleep(1)


def _digest(*folders: Path) -> str:
    h = hashlib.sha256()
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if "__pycache__" not in path.parts:
                h.update(str(path).encode() + (b"link" + os.readlink(path).encode() if path.is_symlink() else
                                               path.read_bytes() if path.is_file() else b"dir"))
    return h.hexdigest()


_timeouts = iter(range(61, 1000))


def _grade(served: Served) -> tuple[int, str]:
    """Grade the reference step01 through the server (a new time limit each time, so that no recorded
    verdict answers instead), checking that the server, not a cold run, graded it."""
    before = served.served()
    done = served.grader("step01", "--target", "solutions", "--timeout", str(next(_timeouts)))
    assert served.served() == before + 1, done.stderr
    return done.returncode, next((line for line in done.stdout.splitlines() if "not started" in line), done.stdout)


PASSED = (0, "9 passed, 0 failed, 0 not started · step01 passed")


# The attacker: a process of the same user, without the key. It passes its own stdin, stdout and
# stderr as a grader's client does, so what a worker would run writes to its stdout; replies go
# to stderr, one line each.
ATTACKER = r'''
import json, os, socket, sys
from kata.learner import server_address

path, kind, extra = sys.argv[1], sys.argv[2], sys.argv[3:]
GUESS = os.urandom(32)


def request(op, argv=None, fingerprint=None):
    r = {"op": op, "cwd": os.getcwd(), "env": dict(os.environ), "fingerprint": fingerprint or server_address.fingerprint()}
    if argv is not None:
        r["argv"] = argv
    return json.dumps(r).encode() + b"\n"


def ask(payload, fds=(0, 1, 2)):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(60)
    s.connect(path)
    data = b""
    try:
        socket.send_fds(s, [payload[:65536]], list(fds))
        s.sendall(payload[65536:])
        while not data.endswith(b"\n"):
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    s.close()
    print(json.dumps(data.decode("utf-8", "replace")), file=sys.stderr, flush=True)


def run(argv, **kw):
    for key in (GUESS, bytes(32), b""):  # a guessed key, a blank one, none (the request as it used to be)
        ask(key + request("run", argv, **kw))


if kind == "status-then-run":  # what `status` hands over authorises nothing
    ask(GUESS + request("status"))
    ask(request("status"))
    run(["step01", "--target", "solutions"])
elif kind == "not-graded":  # commands that read or write files for whoever asks
    run(extra)
elif kind == "stop":
    ask(GUESS + request("stop"))
    ask(request("stop"))
elif kind == "wrong-fingerprint":
    run(["step01"], fingerprint="0" * 16)
elif kind == "garbage":
    ask(os.urandom(70000) + b"\n")
    ask(b"\n")
    ask(GUESS + b"[1, 2]\n")
    ask(GUESS + b"not json\n")
    ask(GUESS + json.dumps({"op": "launch"}).encode() + b"\n")
    ask(GUESS + b"x" * (3 << 20))
'''


def _attack(served: Served, kind: str, *extra: str) -> list[str]:
    done = subprocess.run([PY, "-c", ATTACKER, str(served.socket), kind, *extra], cwd=served.root,
                          env=served.env, capture_output=True, text=True, timeout=READY_SECONDS)
    assert done.stdout == "", "a worker ran the request"
    replies = [json.loads(line) for line in done.stderr.splitlines() if line.startswith('"')]
    assert replies, done.stderr
    for reply in replies:
        assert reply in ("", '{"refused": true}\n'), reply
    return replies


@pytest.fixture(scope="module")
def classmates(tmp_path_factory):
    """A learner's folder whose `.kata-backups` is a link to a classmate's folder."""
    root = tmp_path_factory.mktemp("classmates")
    mine, theirs = root / "mine", root / "theirs"
    mine.mkdir()
    theirs.mkdir()
    shutil.copy(paths.SOLUTIONS / STEP01, mine / STEP01)
    shutil.copy(paths.SOLUTIONS / STEP01, theirs / STEP01)
    (mine / ".kata-backups").symlink_to(theirs)
    return root


ATTACKS = {
    "status-then-run": [],
    "diff-solutions": ["step01", "--diff", "solutions"],
    "diff-abbreviated": ["step01", "--di=solutions"],
    "hint": ["step01", "--hint"],
    "reset-linked-backups": ["step01", "--reset", "--target", "{mine}"],
    "reset-abbreviated": ["step01", "--res", "--target", "{mine}"],
    "check": ["--check", "step01"],
    "help": ["-h"],
    "class": ["class", "{root}", "--out", "{root}/out"],
    "compare": ["compare", "step01", "{root}"],
    "gradescope": ["gradescope", "--out", "{root}/out"],
    "server-stop": ["server", "stop"],
    "stop": [],
    "wrong-fingerprint": [],
    "garbage": [],
}


def a_request_without_the_key_is_refused_and_changes_nothing(attack: str, warm: Served, classmates: Path):
    before, served = _digest(warm.root, classmates), warm.served()
    argv = [a.format(mine=classmates / "mine", root=classmates) for a in ATTACKS[attack]]
    _attack(warm, attack if attack in ("status-then-run", "stop", "wrong-fingerprint", "garbage") else "not-graded",
            *argv)
    assert warm.proc.poll() is None, "the server stopped"
    assert _digest(warm.root, classmates) == before, "a file changed"
    assert not (classmates / "out").exists()
    assert warm.served() == served, "the server ran a command"


SLOW = r'''
import select, socket, sys, time
path = sys.argv[1]
held, dropped, graded = [], 0, False


def more():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.sendall(b"\x01" * 10)  # less than a key: the server waits for the rest, which never comes
    held.append(s)


def gone(s):
    try:
        return s.recv(1) == b""
    except OSError:  # reset by the server
        return True


for _ in range(8):
    more()
print("holding", flush=True)
deadline = None
while not (graded and (dropped or time.monotonic() > deadline)):
    ready, _, _ = select.select([sys.stdin, *held] if not graded else held, [], [], 1.0)
    for s in ready:
        if s is sys.stdin:  # the test has graded (its stdin closed): wait for a drop, no more new ones
            graded, deadline = True, time.monotonic() + 120
        elif gone(s):
            held.remove(s)
            s.close()
            dropped += 1
            if not graded:
                more()  # eight are always waiting while the test grades
print("dropped", dropped, flush=True)
'''


def requests_held_half_sent_stall_nobody(warm: Served):
    """Eight requests that never end: an authenticated grade is served alongside them (read one at a
    time, ten seconds each, they would outlast its client's patience), and each is dropped in time."""
    slow = subprocess.Popen([PY, "-c", SLOW, str(warm.socket)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)
    try:
        assert slow.stdout.readline().strip() == "holding"
        assert _grade(warm) == PASSED
        out, _ = slow.communicate("", timeout=READY_SECONDS)
    finally:
        slow.kill()
    assert out.split()[-1] != "0", "the server kept a request that never ended"
    assert warm.proc.poll() is None


def the_key_is_in_a_file_only_its_user_reads_and_in_no_environment(warm: Served):
    key = warm.state / "server.key"
    assert key.stat().st_mode & 0o777 == 0o600
    secret = key.read_bytes()
    assert len(secret) == server_address.KEY_BYTES
    environ = Path(f"/proc/{warm.proc.pid}/environ").read_bytes()
    assert secret not in environ and secret.hex().encode() not in environ


@pytest.mark.parametrize("argv", [[], ["step04"], ["step04", "--json", "--lang", "vi", "--timeout", "30"],
                                  ["--target", "solutions"], ["step04", "--watch"], ["step04", "--train", "--epochs", "1"]])
def test_the_server_grades(argv):
    assert server.served(argv)


@pytest.mark.parametrize("argv", [["step04", "--hint"], ["step04", "--diff"], ["step04", "--diff", "solutions"],
                                  ["step04", "--di", "solutions"], ["step04", "--reset"], ["step04", "--rese"],
                                  ["--check"], ["-h"], ["step04", "--help"], ["class", "x"], ["compare", "step04", "x"],
                                  ["gradescope"], ["classroom"], ["server", "stop"], ["--lang", "vi", "class"],
                                  ["nostep"], ["step04", "--nonsense"], ["step04", "--hint", "--hint"]])
def test_the_server_does_nothing_else(argv):
    assert not server.served(argv)


def test_the_key_goes_in_front_of_the_request_never_in_it(tmp_path, monkeypatch):
    monkeypatch.setenv("KATA_STATE_DIR", str(tmp_path))
    secret = os.urandom(server_address.KEY_BYTES)
    fd = os.open(server_address.key_path(), os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, secret)
    os.close(fd)
    ours, theirs = socket.socketpair()
    with ours, theirs:
        assert client._ask(ours, {"op": "status", "env": dict(os.environ)})
        ours.shutdown(socket.SHUT_WR)
        sent = b""
        while chunk := theirs.recv(65536):
            sent += chunk
    assert sent[:server_address.KEY_BYTES] == secret
    body = sent[server_address.KEY_BYTES:]
    assert secret not in body and secret.hex().encode() not in body
    assert json.loads(body)["op"] == "status"


BLOCKED = r'''
import os, time
deadline = time.monotonic() + 240
while os.path.exists("/proc/{pid}") and time.monotonic() < deadline:  # the test lets it go on
    time.sleep(0.05)
'''


def _grade_blocked_until(served: Served, gate: subprocess.Popen, tmp_path: Path) -> subprocess.Popen:
    """A grade of step01 through `served` that keeps its child busy until `gate` ends, once it runs."""
    learner = tmp_path / "learner"
    learner.mkdir()
    (learner / STEP01).write_text((paths.SOLUTIONS / STEP01).read_text() + BLOCKED.format(pid=gate.pid))
    grading = subprocess.Popen([PY, "grader.py", "step01", "--target", str(learner), "--timeout", "300"],
                               cwd=served.root, env=served.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    deadline = time.monotonic() + READY_SECONDS
    while "1 running" not in served.grader("server", "status").stdout:
        assert grading.poll() is None and time.monotonic() < deadline, grading.communicate()
        time.sleep(0.2)
    return grading


def _the_running_grade_finishes(served: Served, gate: subprocess.Popen, grading: subprocess.Popen) -> None:
    deadline = time.monotonic() + EXIT_SECONDS
    while served.socket.exists():  # it listens no more
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert served.proc.poll() is None, "the server ended before the grade it runs"
    gate.kill()
    gate.wait()  # a zombie keeps its /proc entry
    out, err = grading.communicate(timeout=READY_SECONDS)
    assert grading.returncode == 0 and "step01 passed" in out, (out, err)
    assert served.exited()


def test_a_stale_fingerprint_lets_the_running_grade_finish(tmp_path, monkeypatch):
    served = Served(tmp_path).ready()
    gate = subprocess.Popen(["sleep", "600"])
    try:
        grading = _grade_blocked_until(served, gate, tmp_path)
        # what a client says when the kata's code changed under the server: it has the key
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.connect(str(served.socket))
            monkeypatch.setenv("KATA_STATE_DIR", str(served.state))
            assert client._ask(sock, {"op": "run", "argv": ["step01"], "cwd": "/", "env": {},
                                      "fingerprint": "changed"}, (0, 1, 2))
            assert client._reply(sock) == {"stale": True}
        _the_running_grade_finishes(served, gate, grading)
    finally:
        gate.kill()
        served.finish()


def test_a_server_whose_folder_or_socket_is_gone_exits(tmp_path):
    """Two servers, started side by side: one loses its kata folder, the other its socket."""
    folder, sock = Served(tmp_path / "folder"), Served(tmp_path / "socket")
    try:
        sock.ready().socket.unlink()
        shutil.rmtree(folder.ready().root)
        assert sock.exited(), "the server outlived its socket"
        assert folder.exited(), "the server outlived its kata folder"
    finally:
        sock.finish()
        if folder.proc.poll() is None:
            os.killpg(folder.proc.pid, signal.SIGKILL)
            folder.proc.wait()


def a_stop_lets_the_running_grade_finish(warm: Served, tmp_path: Path):
    gate = subprocess.Popen(["sleep", "600"])
    try:
        grading = _grade_blocked_until(warm, gate, tmp_path)
        assert warm.grader("server", "stop").stdout.strip() == "the grading server stopped."
        _the_running_grade_finishes(warm, gate, grading)
    finally:
        gate.kill()


def test_the_warm_server_serves_only_its_key(tmp_path, classmates, subtests):
    """One server for every attack, each a subtest: a request without the key refused, nothing run and
    nothing changed; then it still grades with the same verdict; requests held half-sent; its key
    file; last, asked to stop with its key while it grades, it lets that grade finish."""
    warm = Served(tmp_path / "warm").ready()
    try:
        for attack in sorted(ATTACKS):
            with subtests.test(attack=attack):
                a_request_without_the_key_is_refused_and_changes_nothing(attack, warm, classmates)
        with subtests.test("after every attack, the server grades with the same verdict"):
            assert _grade(warm) == PASSED
        with subtests.test("requests held half-sent stall nobody"):
            requests_held_half_sent_stall_nobody(warm)
        with subtests.test("the key is in a file only its user reads, in no environment"):
            the_key_is_in_a_file_only_its_user_reads_and_in_no_environment(warm)
        with subtests.test("a stop lets the running grade finish"):
            a_stop_lets_the_running_grade_finish(warm, tmp_path)
    finally:
        warm.finish()


@pytest.mark.parametrize("warm, preload", [("step01", ()), ("step00,step13", ()), ("step04", ("torch._dynamo",)),
                                           ("", ("torch._dynamo",)), ("none", ("torch._dynamo",))])
def test_a_server_warming_only_steps_without_an_optimizer_never_imports_dynamo(monkeypatch, warm, preload):
    from kata.server import host

    monkeypatch.setenv("KATA_SERVER_WARM", warm)
    assert host._preload() == preload
