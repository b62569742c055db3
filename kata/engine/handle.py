"""A handle to an object that lives in the learner's child (kata.engine.remote.Child).

Judges call it, take attributes, unpack it, or ask for its value as plain data. Calls and
attributes are sent ahead without waiting (the judge numbers the new handle itself); what the
handle is (its type, its value) is read when the judge needs it, and an exception the learner's
code raised surfaces then, as a LearnerError.
"""
from __future__ import annotations

from kata.engine import wire

_MISSING = object()


class Remote:
    def __init__(self, child, h: int, info: dict | None = None):
        self.child = child
        self.h = wire.Ref(h)
        self._info: dict | None = None
        self._error: BaseException | None = None
        self._value = _MISSING
        if info is not None:
            self.arrived(info)

    # --- the answer, when it comes -----------------------------------------------------------------
    def arrived(self, info: dict) -> None:
        self._info = info
        self._value = info.get("value", _MISSING)

    def failed(self, error: BaseException) -> None:
        self._error = error

    def _known(self) -> dict:
        if self._info is None and self._error is None:
            self.child.drain()
        if self._error is not None:
            raise self._error
        return self._info

    @property
    def type(self) -> str:
        return str(self._known().get("type", "?"))

    @property
    def kinds(self) -> set:
        return set(self._known().get("kinds", []))

    @property
    def printed(self) -> str:
        return self._known().get("printed", "")

    def __repr__(self) -> str:
        return f"<handle {int(self.h)} in the child>"

    # --- what a judge does with it -----------------------------------------------------------------
    def __call__(self, *args, seed: int | None = None, cuda: bool | None = None, capture: bool = False,
                 **kwargs) -> "Remote":
        return self.child.ahead("call", h=self.h, args=list(args), kwargs=kwargs, seed=seed, cuda=cuda,
                                capture=capture, record=self.child.record,
                                trace=self.child.trace)

    def attr(self, name: str) -> "Remote":
        return self.child.ahead("attr", h=self.h, name=name)

    def unpack(self, n: int) -> list["Remote"] | None:
        """The n items of a tuple or list, or None when it is not one of n items. Items of a result whose
        copy came with it hold that copy: the values returned, not what they became since."""
        into = self.child.new_handles(n)
        got = self.child.ask("unpack", h=self.h, into=into)
        if got.get("unpacked") is None:
            return None
        items = [Remote(self.child, i["h"], i) for i in got["unpacked"]]
        if isinstance(self._value, (list, tuple)) and len(self._value) == len(items):
            for item, value in zip(items, self._value):
                item._value = value
        return items

    @property
    def plain(self) -> bool:
        self._known()
        return self._value is not _MISSING

    def value(self):
        """The object as plain data (tensors, numbers, text, lists, tuples, dicts); NotPlain otherwise."""
        from kata.engine.remote import NotPlain

        self._known()
        if self._value is not _MISSING:
            return self._value
        got = self.child.ask("value", h=self.h)
        if not got.get("plain"):
            raise NotPlain(self.type)
        self._value = got["value"]
        return self._value

    def is_a(self, kind: str) -> bool:
        return kind in self.kinds


def refs(value):
    """Handles inside arguments become wire references."""
    if isinstance(value, Remote):
        return value.h
    if isinstance(value, list):
        return [refs(v) for v in value]
    if isinstance(value, tuple):
        return tuple(refs(v) for v in value)
    if isinstance(value, dict):
        return {k: refs(v) for k, v in value.items()}
    return value
