"""What crosses between the judge and the learner's child: plain data, framed, never pickled.

A message is a JSON document in which each tensor is replaced by {"$t": i}, followed by the
tensors' raw bytes. Decoding accepts only dicts with string keys, lists, tuples ({"$tuple": [...]}),
str, int, float, bool, None and dense tensors of the dtypes below, within size limits: whatever
the learner's code does to its side of the channel, the judge gets data or a WireError, never code.

An answer from the learner's child is read within `ANSWER`'s limits as well (tensors, elements, the
bytes of its plain data): they are checked on the header alone, before anything is built, so an
answer larger than any check reads costs the judge nothing but a TooBig.
"""
from __future__ import annotations

import json
import math
import select
import socket
import struct
import time
from dataclasses import dataclass

import torch

MAX_MESSAGE = 256 * 2**20  # bytes in one message: far above any probe's answer
MAX_DEPTH = 32
DTYPES = {str(d).removeprefix("torch."): d for d in (
    torch.float64, torch.float32, torch.float16, torch.bfloat16, torch.int64, torch.int32, torch.int16,
    torch.int8, torch.uint8, torch.bool, torch.complex64, torch.complex128)}
_HEADER = struct.Struct("!Q")


@dataclass(frozen=True)
class Limits:
    """What one message may hold, checked before it is built: the judge's work on it stays bounded."""

    tensors: int  # tensors in the message
    elements: int  # elements in all of its tensors
    header: int  # bytes of its plain data (the JSON document and the tensor table)


# An answer from the learner's child. The reference solutions' largest hold about 100 tensors (a
# loader's batches), 815,000 elements and 6 KB of plain data: these limits are 20 times that and more,
# and still far below what costs the judge seconds to build (100,000 tiny tensors did).
ANSWER = Limits(tensors=2_000, elements=2**25, header=4 * 2**20)


class Ref(int):
    """A handle to an object that lives in the learner's child (sent as {"$r": n})."""


class WireError(Exception):
    """A message that is not well-formed data: the other side broke the protocol."""


class Closed(WireError):
    """The other side closed the channel (or died) before a whole message arrived."""


class TimedOut(WireError):
    """No whole message arrived before the deadline."""


class TooBig(WireError):
    """A message over the reader's limits. `what` is "tensors", "elements", "header" or "bytes"; for
    "bytes" the message itself was not read, so the channel is out of step."""

    def __init__(self, what: str, size: int, limit: int):
        super().__init__(f"{size:,} {what}, over the limit of {limit:,}")
        self.what, self.size, self.limit = what, size, limit


def encode(obj) -> bytes:
    tensors: list[torch.Tensor] = []

    def plain(o, depth=0):
        if depth > MAX_DEPTH:
            raise WireError("nested too deeply")
        if o is None or isinstance(o, (bool, str)):
            return o
        if isinstance(o, Ref):
            return {"$r": int(o)}
        if isinstance(o, int):
            return o
        if isinstance(o, float):
            return o if math.isfinite(o) else {"$f": repr(o)}
        if isinstance(o, torch.Tensor):
            tensors.append(o)
            return {"$t": len(tensors) - 1}
        if isinstance(o, tuple):
            return {"$tuple": [plain(v, depth + 1) for v in o]}
        if isinstance(o, list):
            return [plain(v, depth + 1) for v in o]
        if isinstance(o, dict):
            if not all(isinstance(k, str) for k in o):
                raise WireError("dict keys must be strings")
            if any(k.startswith("$") for k in o):
                return {"$dict": {k: plain(v, depth + 1) for k, v in o.items()}}
            return {k: plain(v, depth + 1) for k, v in o.items()}
        raise WireError(f"cannot send a {type(o).__name__}")

    doc = plain(obj)
    metas, blobs = [], []
    for t in tensors:
        t = t.detach().cpu().contiguous()
        if str(t.dtype).removeprefix("torch.") not in DTYPES:
            raise WireError(f"cannot send a tensor of dtype {t.dtype}")
        data = t.view(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b""
        metas.append([str(t.dtype).removeprefix("torch."), list(t.shape), len(data)])
        blobs.append(data)
    head = json.dumps({"doc": doc, "tensors": metas}, separators=(",", ":")).encode()
    return _HEADER.pack(len(head)) + head + b"".join(blobs)


def decode(message: bytes, limits: Limits | None = None):
    if len(message) < _HEADER.size:
        raise WireError("message too short")
    (n,) = _HEADER.unpack_from(message)
    if limits is not None and n > limits.header:
        raise TooBig("header", n, limits.header)
    try:
        head = json.loads(message[_HEADER.size:_HEADER.size + n])
        metas = head["tensors"]
        doc = head["doc"]
    except (ValueError, KeyError, TypeError, RecursionError):
        raise WireError("malformed header") from None
    if not isinstance(metas, list):
        raise WireError("malformed tensor table")
    if limits is not None:
        _within(metas, limits)
    offset = _HEADER.size + n
    tensors = []
    for meta in metas:
        if not (isinstance(meta, list) and len(meta) == 3 and meta[0] in DTYPES and isinstance(meta[1], list)
                and all(isinstance(s, int) and 0 <= s < 2**40 for s in meta[1]) and isinstance(meta[2], int)):
            raise WireError("malformed tensor entry")
        dtype, shape, size = DTYPES[meta[0]], meta[1], meta[2]
        numel = math.prod(shape)
        if numel * torch.empty((), dtype=dtype).element_size() != size or offset + size > len(message):
            raise WireError("tensor size does not match its shape")
        raw = bytearray(message[offset:offset + size])
        offset += size
        flat = torch.frombuffer(raw, dtype=torch.uint8) if size else torch.empty(0, dtype=torch.uint8)
        tensors.append(flat.view(dtype).reshape(shape) if size else torch.empty(shape, dtype=dtype))
    if offset != len(message):
        raise WireError("trailing bytes")

    def rebuild(o, depth=0):
        if depth > MAX_DEPTH:
            raise WireError("nested too deeply")
        if o is None or isinstance(o, (bool, int, float, str)):
            return o
        if isinstance(o, list):
            return [rebuild(v, depth + 1) for v in o]
        if isinstance(o, dict):
            if set(o) == {"$t"}:
                i = o["$t"]
                if not (isinstance(i, int) and 0 <= i < len(tensors)):
                    raise WireError("bad tensor reference")
                return tensors[i]
            if set(o) == {"$r"} and isinstance(o["$r"], int):
                return Ref(o["$r"])
            if set(o) == {"$tuple"} and isinstance(o["$tuple"], list):
                return tuple(rebuild(v, depth + 1) for v in o["$tuple"])
            if set(o) == {"$f"} and o["$f"] in ("nan", "inf", "-inf"):
                return float(o["$f"])
            if set(o) == {"$dict"} and isinstance(o["$dict"], dict):
                return {k: rebuild(v, depth + 1) for k, v in o["$dict"].items()}
            return {k: rebuild(v, depth + 1) for k, v in o.items()}
        raise WireError("unexpected value")

    return rebuild(doc)


def _within(metas: list, limits: Limits) -> None:
    """The tensor table within the limits (a malformed entry is left to the decoding that follows)."""
    if len(metas) > limits.tensors:
        raise TooBig("tensors", len(metas), limits.tensors)
    elements = 0
    for meta in metas:
        if isinstance(meta, list) and len(meta) == 3 and isinstance(meta[1], list) \
                and all(isinstance(s, int) and 0 <= s < 2**40 for s in meta[1]):
            elements += math.prod(meta[1])
    if elements > limits.elements:
        raise TooBig("elements", elements, limits.elements)


# --- framing over a stream socket: an 8-byte length, then the message ---------------------------------

def send(sock: socket.socket, obj) -> None:
    data = encode(obj)
    sock.sendall(_HEADER.pack(len(data)) + data)


def receive(sock: socket.socket, deadline: float | None = None, limit: int = MAX_MESSAGE,
            limits: Limits | None = None):
    """The next message, decoded (within `limits`, when given). Never blocks past `deadline`
    (time.monotonic()): TimedOut. A message over `limit` bytes is TooBig("bytes") and left unread."""
    (n,) = _HEADER.unpack(_read_exactly(sock, _HEADER.size, deadline))
    if n > limit:
        raise TooBig("bytes", n, limit)
    return decode(_read_exactly(sock, n, deadline), limits)


def _read_exactly(sock: socket.socket, n: int, deadline: float | None) -> bytes:
    chunks, got = [], 0
    while got < n:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([sock], [], [], left)[0]:
                raise TimedOut(f"no answer within the time limit ({got} of {n} bytes)")
        try:
            chunk = sock.recv(min(n - got, 4 * 2**20))
        except (ConnectionResetError, BrokenPipeError):
            chunk = b""
        if not chunk:
            raise Closed(f"the channel closed after {got} of {n} bytes")
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)
