"""Where the warm grading server is, and what it is: its socket, its key file, its idle limit, and
the fingerprint of the code it runs. Shared by the server host (kata.server.host) and the
learner's client (kata.learner.client), torch-free.
"""
from __future__ import annotations

import hashlib
import importlib.util
import sys
from pathlib import Path

from kata import paths

IDLE_MINUTES = 15
KEY_BYTES = 32


def socket_path() -> Path:
    return paths.state_dir() / "server.sock"


def key_path() -> Path:
    return paths.state_dir() / "server.key"


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
