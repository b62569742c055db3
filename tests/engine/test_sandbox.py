"""The sandbox confines a forked child: each test forks, confines the child, and reads its report back."""
from __future__ import annotations

import importlib
import json
import os
import resource
import select
import signal
import socket
import sys
import time
import traceback
from pathlib import Path

import pytest

from kata.child import sandbox

ABI = sandbox.landlock_abi()
needs_landlock = pytest.mark.skipif(ABI == 0, reason="Landlock is not available on this system")
linux_only = pytest.mark.skipif(sys.platform != "linux", reason="Linux-only behaviour")


def in_child(fn, timeout: float = 10.0):
    """Run fn(report_fd) in a forked child; return what it returned (JSON), or fail with its traceback."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: whatever happens, report and _exit, never return into pytest
        try:
            os.close(r)
            try:
                payload = {"ok": True, "value": fn(w)}
            except BaseException:  # noqa: BLE001 - anything the child raises goes back to the parent
                payload = {"ok": False, "error": traceback.format_exc()}
            os.write(w, json.dumps(payload).encode())
        finally:
            os._exit(0)
    os.close(w)
    chunks, deadline, status = [], time.monotonic() + timeout, None
    try:
        while status is None:
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                pytest.fail(f"child did not finish in {timeout} s")
            if select.select([r], [], [], 0.05)[0]:
                chunks.append(os.read(r, 1 << 16))
            done, st = os.waitpid(pid, os.WNOHANG)
            if done:
                status = st
        while chunk := os.read(r, 1 << 16):
            chunks.append(chunk)
    finally:
        os.close(r)
    data = b"".join(chunks)
    assert data, f"child died without reporting (wait status {status})"
    payload = json.loads(data)
    if not payload["ok"]:
        pytest.fail("child raised:\n" + payload["error"])
    return payload["value"]


def outcome(action) -> str:
    """'ok' or the name of the exception the action raised."""
    try:
        action()
        return "ok"
    except Exception as exc:  # noqa: BLE001 - the outcome is the exception's name
        return type(exc).__name__


@needs_landlock
@pytest.mark.parametrize("abi", range(1, ABI + 1))  # a newer kernel still honours an older ABI's ruleset
def test_confined_child_sees_python_and_scratch_only(tmp_path, monkeypatch, abi):
    project, scratch = tmp_path / "project", tmp_path / "scratch"
    (project / "sub").mkdir(parents=True)
    scratch.mkdir()
    (project / "solution.py").write_text("secret")
    (project / "granted.txt").write_text("granted")
    (scratch / "input.txt").write_text("data")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    port = listener.getsockname()[1]
    abstract = socket.socket(socket.AF_UNIX)
    abstract.bind(f"\0kata-sandbox-test-{os.getpid()}-{abi}")
    abstract.listen(4)
    socket.create_connection(("127.0.0.1", port), timeout=2).close()  # reachable when unconfined
    parent = os.getpid()
    read, devices = sandbox.system_paths()
    read = sandbox.python_paths(exclude=[project]) + read + [project / "granted.txt"]

    monkeypatch.setattr(sandbox, "landlock_abi", lambda: abi)  # in the parent: the fork inherits it

    def child(_fd):
        used = sandbox.confine(read=read, write=[scratch], devices=devices)
        sys.modules.pop("fractions", None)
        return {
            "abi": used,
            "read project": outcome(lambda: (project / "solution.py").read_text()),
            "list project": outcome(lambda: os.listdir(project)),
            "read granted file": outcome(lambda: (project / "granted.txt").read_text()),
            "write granted file": outcome(lambda: (project / "granted.txt").write_text("x")),
            "write project": outcome(lambda: (project / "new.py").write_text("x")),
            "mkdir project": outcome(lambda: (project / "sub" / "d").mkdir()),
            "read scratch": outcome(lambda: (scratch / "input.txt").read_text()),
            "write scratch": outcome(lambda: (scratch / "out" / "f.txt").parent.mkdir()
                                     or (scratch / "out" / "f.txt").write_text("y")),
            "import json": outcome(lambda: importlib.import_module("json")),
            "import fractions": outcome(lambda: importlib.import_module("fractions").Fraction(1, 3)),
            "write /dev/null": outcome(lambda: open("/dev/null", "w").write("x")),
            "connect": outcome(lambda: socket.create_connection(("127.0.0.1", port), timeout=2)),
            "signal parent": outcome(lambda: os.kill(parent, 0)),
            "abstract unix socket": outcome(lambda: socket.socket(socket.AF_UNIX).connect(abstract.getsockname())),
            "signal self": outcome(lambda: os.kill(os.getpid(), 0)),
        }

    try:
        got = in_child(child)
    finally:
        listener.close()
        abstract.close()
    assert got.pop("abi") == abi
    expected = {
        "read project": "PermissionError", "list project": "PermissionError",
        "read granted file": "ok", "write granted file": "PermissionError",
        "write project": "PermissionError", "mkdir project": "PermissionError",
        "read scratch": "ok", "write scratch": "ok",
        "import json": "ok", "import fractions": "ok", "write /dev/null": "ok",
        "connect": "PermissionError" if abi >= 4 else "ok",
        "signal parent": "PermissionError" if abi >= 6 else "ok",
        "abstract unix socket": "PermissionError" if abi >= 6 else "ok",
        "signal self": "ok",
    }
    assert got == expected
    assert (scratch / "out" / "f.txt").read_text() == "y"
    assert not (project / "new.py").exists()


def test_confine_without_landlock_raises(monkeypatch):
    monkeypatch.setattr(sandbox, "landlock_abi", lambda: 0)
    with pytest.raises(sandbox.SandboxUnavailable):
        sandbox.confine(read=[], write=[])
    assert issubclass(sandbox.SandboxUnavailable, OSError)


def test_python_paths_leave_out_the_project(tmp_path, monkeypatch):
    root = tmp_path / "work" / "project"
    (root / "src").mkdir(parents=True)
    other = tmp_path / "libs"
    other.mkdir()
    link = tmp_path / "link_to_project"
    link.symlink_to(root)
    monkeypatch.setattr(sys, "path", ["", str(root), str(root / "src"), str(root.parent), str(link), str(other)])
    paths = [Path(p) for p in sandbox.python_paths(exclude=[root])]
    assert other in paths
    assert Path(sys.prefix) in paths and Path(sys.base_prefix) in paths
    for p in paths:
        assert not p.is_relative_to(root) and not root.is_relative_to(p), p
    assert Path.cwd() not in paths or Path.cwd() in {Path(sys.prefix), Path(sys.base_prefix)}


@pytest.mark.skipif(sys.prefix == sys.base_prefix, reason="needs a virtual environment")
def test_python_paths_keep_a_venv_inside_the_project():
    # the venv of a checkout is often project/.venv: its prefix and site-packages stay readable
    project = Path(sys.prefix).parent
    paths = sandbox.python_paths(exclude=[project])
    assert str(Path(sys.prefix)) in paths or str(Path(sys.prefix).resolve()) in paths
    assert all(not project.is_relative_to(Path(p)) for p in paths)


@linux_only
def test_memory_limit_makes_big_allocations_fail():
    def child(_fd):
        size = int(Path("/proc/self/status").read_text().split("VmSize:")[1].split()[0]) * 1024
        sandbox.set_limits(memory_bytes=size + (64 << 20), cpu_seconds=30, file_bytes=1 << 20, processes=64)
        limits = {name: resource.getrlimit(getattr(resource, name))
                  for name in ("RLIMIT_AS", "RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_NPROC", "RLIMIT_CORE")}
        return {"alloc": outcome(lambda: bytearray(512 << 20)), "small alloc": outcome(lambda: bytearray(1 << 20)),
                "limits": limits, "size": size}

    got = in_child(child)
    assert got["alloc"] == "MemoryError" and got["small alloc"] == "ok"
    limits = got["limits"]
    assert limits["RLIMIT_AS"] == [got["size"] + (64 << 20)] * 2
    assert limits["RLIMIT_CPU"] == [30, 31]
    assert limits["RLIMIT_FSIZE"] == [1 << 20] * 2
    assert limits["RLIMIT_NPROC"] == [64, 64]
    assert limits["RLIMIT_CORE"] == [0, 0]


def test_file_size_limit_stops_big_writes(tmp_path):
    target = tmp_path / "big.bin"

    def child(_fd):
        sandbox.set_limits(file_bytes=4096)
        return outcome(lambda: target.write_bytes(b"x" * 8192))  # Python ignores SIGXFSZ: EFBIG

    assert in_child(child) == "OSError"


def test_close_fds_keeps_only_what_it_is_told():
    def child(report_fd):
        fds = [fd for _ in range(3) for fd in os.pipe()]
        keep = [report_fd, fds[2]]
        sandbox.close_fds(keep=keep)
        return {fd: outcome(lambda fd=fd: os.fstat(fd)) for fd in [0, 1, 2, *fds, report_fd]}, keep

    states, keep = in_child(child)
    for fd, state in states.items():
        assert state == ("ok" if int(fd) < 3 or int(fd) in keep else "OSError"), fd


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root")
def test_drop_privileges_for_good(tmp_path):
    (tmp_path / "secret").write_text("root only")
    (tmp_path / "secret").chmod(0o600)
    (tmp_path / "public").write_text("anyone")
    (tmp_path / "public").chmod(0o644)
    tmp_path.chmod(0o711)  # pytest makes it 0700; openat below still needs search permission on it

    def child(_fd):
        # open the folder first: its ancestors (pytest's 0700 temp root) would hide both files anyway
        folder = os.open(tmp_path, os.O_RDONLY | os.O_DIRECTORY)
        sandbox.drop_privileges(65534, 65534)

        def read(name):
            os.close(os.open(name, os.O_RDONLY, dir_fd=folder))
        return {"ids": [os.getuid(), os.geteuid(), os.getgid(), os.getegid()], "groups": os.getgroups(),
                "secret": outcome(lambda: read("secret")), "public": outcome(lambda: read("public")),
                "back to root": outcome(lambda: os.setuid(0))}

    got = in_child(child)
    assert got == {"ids": [65534] * 4, "groups": [], "secret": "PermissionError", "public": "ok",
                   "back to root": "PermissionError"}


def test_drop_privileges_is_a_no_op_when_not_root(monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    monkeypatch.setattr(os, "setgroups", lambda groups: pytest.fail("setgroups called"), raising=False)
    sandbox.drop_privileges(65534, 65534)
