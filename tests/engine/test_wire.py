"""The wire between the judge and the learner's child: plain data round-trips exactly, and anything
else the child could send (a cut message, a forged header, a huge length, silence) is a WireError."""
from __future__ import annotations

import json
import math
import socket
import struct
import time

import pytest
import torch

from kata.child import wire
from kata.child.wire import Closed, Ref, TimedOut, WireError


def same(got, expected) -> bool:
    """Equal as the judge would need it: the same types all the way down, tensors equal bit for bit."""
    if type(got) is not type(expected):
        return False
    if isinstance(expected, torch.Tensor):
        return (got.dtype == expected.dtype and got.shape == expected.shape
                and torch.equal(got.view(-1).view(torch.uint8) if got.numel() else got,
                                expected.contiguous().view(-1).view(torch.uint8) if expected.numel() else expected))
    if isinstance(expected, (list, tuple)):
        return len(got) == len(expected) and all(same(g, e) for g, e in zip(got, expected))
    if isinstance(expected, dict):
        return list(got) == list(expected) and all(same(got[k], expected[k]) for k in expected)
    if isinstance(expected, float) and math.isnan(expected):
        return math.isnan(got)
    return got == expected


def round_trip(obj):
    return wire.decode(wire.encode(obj))


@pytest.mark.parametrize("name", sorted(wire.DTYPES))
def test_every_allowed_dtype_round_trips_whatever_its_shape(name):
    dtype = wire.DTYPES[name]
    values = torch.arange(-3, 9).reshape(3, 4)  # (3, 4), negative values too
    full = values.to(dtype) if dtype != torch.bool else values > 2
    cases = [full, full.T, full[0, 0].clone(), torch.empty(0, dtype=dtype), torch.empty(2, 0, 5, dtype=dtype)]
    for t in cases:
        got = round_trip(t)
        assert same(got, t), (name, t.shape)
        assert got.is_contiguous()


def test_tensors_keep_their_values_and_leave_the_graph():
    t = torch.tensor([1.5, float("nan"), float("inf"), -float("inf")], requires_grad=True) * 2
    got = round_trip(t)
    assert not got.requires_grad and got.grad_fn is None
    assert same(got, t.detach())


def test_nested_plain_data_round_trips_with_its_types():
    obj = {
        "tuple": (1, (2.5, "x"), [True, None]),
        "list": [[], (), {}, [(torch.zeros(2), 3)]],
        "dict": {"a": {"b": {"c": torch.ones(1, 2, dtype=torch.int64)}}},
        "numbers": [0, -1, 2**62, 0.1, -0.0, False],
        "text": "naïve ✓ \n\"quoted\"",
        "same tensor twice": [torch.arange(3), torch.arange(3)],
    }
    assert same(round_trip(obj), obj)
    assert same(round_trip((1, 2)), (1, 2)) and same(round_trip([1, 2]), [1, 2])  # a tuple stays a tuple


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf"), 1e308, -1e-308])
def test_floats_that_json_cannot_hold_round_trip(value):
    got = round_trip({"x": [value, (value,)]})
    assert same(got, {"x": [value, (value,)]})


def test_refs_stay_refs_and_ints_stay_ints():
    got = round_trip([Ref(5), 5, {"h": Ref(0)}, True])
    assert type(got[0]) is Ref and got[0] == 5
    assert type(got[1]) is int and type(got[3]) is bool
    assert type(got[2]["h"]) is Ref and got[2]["h"] == 0


def test_keys_that_look_like_markers_are_data():
    """A dict that happens to hold "$t" or "$r" keys is sent as data, never read as a tensor or a handle."""
    obj = {"$t": 0, "$r": 1, "$tuple": [1], "$f": "nan", "$dict": {"$t": 0}, "plain": 1}
    got = round_trip([obj, torch.ones(1)])
    assert same(got, [obj, torch.ones(1)])


@pytest.mark.parametrize("obj", [object(), {1: "int key"}, {1, 2}, b"bytes", print])
def test_what_is_not_plain_data_cannot_be_sent(obj):
    with pytest.raises(WireError):
        wire.encode(obj)


def test_nesting_deeper_than_the_limit_is_refused_both_ways():
    deep = []
    for _ in range(wire.MAX_DEPTH + 5):
        deep = [deep]
    with pytest.raises(WireError, match="nested"):
        wire.encode(deep)
    with pytest.raises(WireError):
        wire.decode(frame(json.loads(json.dumps(deep))))


# --- malformed messages -------------------------------------------------------------------------------------

def frame(doc, metas=(), data: bytes = b"") -> bytes:
    """A message as the other side could forge it: the header it likes, then whatever bytes."""
    head = json.dumps({"doc": doc, "tensors": list(metas)}).encode()
    return struct.pack("!Q", len(head)) + head + data


def test_a_forged_frame_of_the_right_form_decodes():
    """The forging helper itself makes well-formed messages: the failures below are the forgeries'."""
    got = wire.decode(frame({"$t": 0}, [["float32", [2], 8]], torch.tensor([1.0, 2.0]).numpy().tobytes()))
    assert same(got, torch.tensor([1.0, 2.0]))


@pytest.mark.parametrize("cut", [1, 7, 8, 20, -1, -4])
def test_a_truncated_message_is_refused(cut):
    message = wire.encode({"x": torch.arange(4.0), "y": "text"})
    with pytest.raises(WireError):
        wire.decode(message[:cut])


def test_trailing_bytes_are_refused():
    with pytest.raises(WireError, match="trailing"):
        wire.decode(wire.encode([1, torch.ones(2)]) + b"\0")


@pytest.mark.parametrize("meta, data", [
    (["float32", [2], 4], b"\0" * 4),  # two floats need 8 bytes
    (["float32", [2], 8], b"\0" * 4),  # claims 8 bytes, sends 4
    (["int64", [2, 3], 48], b"\0" * 47 + b""),
    (["uint8", [0], 1], b"\0"),
])
def test_a_tensor_whose_size_does_not_match_its_shape_is_refused(meta, data):
    with pytest.raises(WireError):
        wire.decode(frame({"$t": 0}, [meta], data))


@pytest.mark.parametrize("meta", [
    ["float8", [1], 1], ["object", [1], 8], ["torch.float32", [1], 4], [None, [1], 4],
    ["float32", [-1], 4], ["float32", "1", 4], ["float32", [1.0], 4], ["float32", [1]], "float32",
])
def test_unknown_dtypes_and_malformed_tensor_entries_are_refused(meta):
    with pytest.raises(WireError):
        wire.decode(frame({"$t": 0}, [meta], b"\0" * 4))


@pytest.mark.parametrize("header", [b"not json", b'{"doc": 1}', b'{"tensors": []}', b"[1, 2]",
                                    b'{"doc": 1, "tensors": {"0": 1}}'])
def test_a_malformed_header_is_refused(header):
    with pytest.raises(WireError):
        wire.decode(struct.pack("!Q", len(header)) + header)


def test_a_reference_to_a_tensor_that_was_not_sent_is_refused():
    with pytest.raises(WireError, match="tensor reference"):
        wire.decode(frame({"$t": 1}, [["uint8", [1], 1]], b"\0"))
    with pytest.raises(WireError, match="tensor reference"):
        wire.decode(frame([{"$t": 0}]))


@pytest.mark.parametrize("index", [-1, -2, "0", 0.0, None, [0]])
def test_a_forged_tensor_index_is_refused(index):
    """Python would happily read tensors[-1]: the index must be checked, not just used."""
    with pytest.raises(WireError, match="tensor reference"):
        wire.decode(frame({"$t": index}, [["uint8", [1], 1], ["uint8", [1], 1]], b"\0\1"))


# --- over a socket -------------------------------------------------------------------------------------------

@pytest.fixture
def pair():
    a, b = socket.socketpair()
    yield a, b
    a.close()
    b.close()


def test_messages_cross_a_socket_in_order(pair):
    a, b = pair
    wire.send(a, {"op": "call", "args": [torch.ones(3), Ref(2)]})
    wire.send(a, "second")
    got = wire.receive(b, time.monotonic() + 30)
    assert same(got, {"op": "call", "args": [torch.ones(3), Ref(2)]})
    assert wire.receive(b, time.monotonic() + 30) == "second"


def test_a_length_over_the_limit_is_refused_before_it_is_read(pair):
    a, b = pair
    wire.send(a, torch.zeros(100))  # 800 bytes of data and a header
    with pytest.raises(WireError, match="over the limit"):
        wire.receive(b, time.monotonic() + 30, limit=256)


def test_a_forged_huge_length_is_refused_without_waiting_for_it(pair):
    """The peer announces 2**62 bytes and sends none: refused at once, not read, not timed out."""
    a, b = pair
    a.sendall(struct.pack("!Q", 2**62))
    with pytest.raises(WireError, match="over the limit"):
        wire.receive(b, time.monotonic() + 30)


def test_a_silent_peer_times_out(pair):
    a, b = pair
    with pytest.raises(TimedOut):
        wire.receive(b, time.monotonic() + 0.2)


def test_a_peer_that_stops_mid_message_times_out(pair):
    a, b = pair
    message = wire.encode([1, 2, 3])
    a.sendall(struct.pack("!Q", len(message)) + message[:5])
    with pytest.raises(TimedOut):
        wire.receive(b, time.monotonic() + 0.2)


def test_a_closed_peer_is_closed_not_a_time_out(pair):
    a, b = pair
    a.close()
    with pytest.raises(Closed):
        wire.receive(b, time.monotonic() + 30)


def test_a_peer_that_closes_mid_message_is_closed(pair):
    a, b = pair
    message = wire.encode("a message cut short")
    a.sendall(struct.pack("!Q", len(message)) + message[:10])
    a.close()
    with pytest.raises(Closed):
        wire.receive(b)
