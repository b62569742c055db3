"""Hidden checks as plain Python: what an instructor writes in hidden/stepNN.py.

    import torch

    from kata.grading.plain_checks import check, same

    @check("get_model(lr) gives SGD with that learning rate")
    def keeps_the_learning_rate(learner, reference, previous):
        model, opt = learner.get_model(0.3)
        assert opt.param_groups[0]["lr"] == 0.3, "get_model(lr) should pass lr on to optim.SGD"

A check is a function of three things. `learner` is the learner's step module, living in their
confined child: each of its names is a handle (`Handle`), which is called, indexed, unpacked, iterated
and read attribute by attribute as the object itself would be, and every call runs in the child, from
`torch.manual_seed(0)`. What comes back is a local value when it is plain data (numbers, text, a tensor
a call computed, tuples of those), a handle otherwise (a model, an optimizer, a parameter being
trained); `value(h)` brings a handle's tensor or list here. `reference` and `previous` are the
reference solutions of the step and of the step before (None before step00), loaded here, in the judge.

A failing `assert` is the check's verdict, in the instructor's words (or the assert's own line when it
has none); `same(got, expected, what)` compares tensors, numbers or whole models with
torch.testing.assert_close and says where they part. Anything else the check raises is the check's own
mistake, and says so: `kata.grading.hidden_checks` runs every check on the reference solution before
any learner is graded, so such a mistake stops the class or the bundle, not a learner's grade.
"""
from __future__ import annotations

import traceback
from dataclasses import dataclass
from typing import Callable

import torch

from kata.grading import runner
from kata.i18n import _
from kata.judging.compare import Mismatch, assert_same
from kata.judging.remote import LearnerError, NotPlain, Remote
from kata.judging.verdicts import Skip
from kata.steps import registry
from kata.steps.common.base import PropertyCheck

STAGE = "structure"  # hidden checks are reported apart, by number: the stage only sorts a report


@dataclass(frozen=True)
class PlainCheck:
    name: str  # the check's sentence: the instructor's (learners see it only by number)
    fn: Callable = None  # fn(learner, reference, previous)
    uses: tuple[str, ...] | None = None  # the learner's names it calls; None: all the step's names
    dtype: str = "float32"  # torch's default dtype while it runs, here and in the child


def check(name: str, *, uses: tuple[str, ...] | None = None, dtype: str = "float32"):
    """Mark `fn(learner, reference, previous)` as a hidden check; the function itself is unchanged.
    `uses`: the names of the step it calls (a check of a name the learner has not written yet is "not
    started"); `dtype`: "float64" to run it in double precision (the kata's own checks do)."""
    if dtype not in ("float32", "float64"):
        raise ValueError(f"check {name!r}: dtype must be 'float32' or 'float64', not {dtype!r}")

    def mark(fn: Callable) -> Callable:
        fn.kata_check = PlainCheck(name, fn, tuple(uses) if uses is not None else None, dtype)
        return fn
    return mark


def found_in(module) -> list[PlainCheck]:
    """The checks a hidden-checks module marks, in the order they are written."""
    found: list[PlainCheck] = []
    for value in vars(module).values():
        marked = getattr(value, "kata_check", None) if callable(value) else None
        if isinstance(marked, PlainCheck) and marked not in found:
            found.append(marked)
    return found


def bind(step, plain: PlainCheck) -> PropertyCheck:
    """The check as the runner runs it: once, on the learner's step in its child."""
    def body(child, _baseline, _case) -> None:
        reference, previous = runner.reference(step), runner.reference(registry.previous(step))
        try:
            plain.fn(Learner(child), reference, previous)
        except (Mismatch, LearnerError, NotPlain, Skip):
            raise  # the kata's own verdicts: the runner words them
        except Lacks as e:  # the learner's object lacks what the check reads (the reference has it: it passed)
            raise Refuted(_("your {type} has no attribute `{name}`.").format(type=e.type, name=e.name)) from None
        except AssertionError as e:
            raise Refuted(str(e) or _("this did not hold: {code}").format(code=_line(e, plain)[1])) from None
        except Exception as e:  # noqa: BLE001  a mistake in the check, not in the learner's code
            line, _code = _line(e, plain)
            raise Refuted(_("the check itself raised {type}: {message} (line {line} of {file}): a mistake in "
                            "the check, not in the step.").format(type=type(e).__name__, message=str(e)[:300],
                                                                  line=line, file=_file(plain))) from None

    uses = plain.uses if plain.uses is not None else step.names
    return PropertyCheck(f"{step.id}.hidden.{plain.fn.__name__}", plain.name, STAGE, uses, None, body,
                         dtype=plain.dtype)


class Lacks(AttributeError):
    """An attribute the learner's object does not have (hasattr(handle, name) is False for it)."""

    def __init__(self, type_name: str, name: str):
        super().__init__(f"{type_name} has no attribute {name!r}")
        self.type, self.name = type_name, name


class Refuted(Mismatch):
    """A hidden check's verdict, in the check's own words."""

    def __init__(self, text: str):
        AssertionError.__init__(self, text)
        self.what, self.detail = "", text


def _file(plain: PlainCheck) -> str:
    return plain.fn.__code__.co_filename.rpartition("/")[2]


def _line(e: BaseException, plain: PlainCheck) -> tuple[int, str]:
    """(line, code) where `e` left the check's own file (else its innermost frame)."""
    frames = traceback.extract_tb(e.__traceback__)
    own = [f for f in frames if f.filename == plain.fn.__code__.co_filename] or frames
    return (own[-1].lineno or 0, (own[-1].line or "").strip()) if own else (0, "")


# --- the learner's objects, seen from the judge ----------------------------------------------------------
class Learner:
    """The learner's step module: `learner.get_model` is their get_model (a handle, or its value)."""

    __slots__ = ("_child",)

    def __init__(self, child):
        object.__setattr__(self, "_child", child)

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        remote = self._child.get(name)
        try:
            return _local(remote)
        except LearnerError as e:
            if e.kind == "missing":
                raise Refuted(_("the step file defines no `{name}`.").format(name=name)) from None
            raise

    def __repr__(self) -> str:
        return "<the learner's step>"


class Handle:
    """An object that lives in the learner's child. Attributes, calls and items are asked of it there;
    `value(handle)` brings it here when it is plain data."""

    __slots__ = ("_remote",)

    def __init__(self, remote: Remote):
        object.__setattr__(self, "_remote", remote)

    def __getattr__(self, name: str):
        if name.startswith("__") and name.endswith("__"):  # copy, pickle and friends probe these: not the object's
            raise AttributeError(name)
        try:
            return _local(self._remote.attr(name))
        except LearnerError as e:
            if e.info.get("type") == "AttributeError" and e.info.get("line") is None:  # not raised by its own code
                raise Lacks(self._remote.type, name) from None
            raise

    @property
    def __class__(self):
        """isinstance(handle, nn.Module), isinstance(opt, torch.optim.SGD): the object's torch class, or
        the torch class it derives from (a learner's own class is not here to compare with)."""
        return _torch_class(self._remote) or Handle

    def __call__(self, *args, **kwargs):
        return _local(self._remote.call(_remotes(list(args)), _remotes(kwargs)))

    def __getitem__(self, key):
        return _local(self._remote.attr("__getitem__").call([_remotes(key)], {}))

    def __len__(self) -> int:
        try:
            return self._remote.attr("__len__").call([], {}).value()
        except LearnerError as e:
            if e.info.get("line") is None:  # list(handle) asks for a length it can do without: a TypeError
                raise TypeError(f"the learner's {self._remote.type} has no len()") from None
            raise

    def __iter__(self):
        if self._remote.is_a("sequence"):  # a tuple or a list: its items in one answer
            items = self._remote.unpack(len(self))
            yield from (_local(item) for item in items)
            return
        step = self._remote.attr("__iter__").call([], {}).attr("__next__")
        while True:
            try:
                item = _local(step.call([], {}))
            except LearnerError as e:
                if e.info.get("type") == "StopIteration":
                    return
                raise
            yield item

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        """torch.allclose(handle, tensor) and the like: the handles' values, here."""
        return func(*_values(list(args)), **_values(kwargs or {}))

    def __repr__(self) -> str:
        return f"<the learner's {self._remote.type}>"


_KINDS = (("optimizer", "torch.optim.Optimizer"), ("module", "torch.nn.Module"), ("tensor", "torch.Tensor"),
          ("loader", "torch.utils.data.DataLoader"), ("dataset", "torch.utils.data.Dataset"))


def _torch_class(remote: Remote) -> type | None:
    """The class of a handle's object when torch defines it (looked up among the modules loaded here:
    the name comes from the learner's process, so nothing is imported for it), else the torch class
    its kind says it derives from."""
    import sys

    module, _dot, qualname = remote.type.rpartition(".")
    found = sys.modules.get(module) if module == "torch" or module.startswith("torch.") else None
    for part in qualname.split(".") if found is not None else ():
        found = getattr(found, part, None)
    if isinstance(found, type):
        return found
    for kind, name in _KINDS:
        if remote.is_a(kind):
            found = sys.modules["torch"]
            for part in name.split(".")[1:]:
                found = getattr(found, part)
            return found
    return None


def _local(remote: Remote):
    """A call's or an attribute's answer: its value when it is plain data, else a handle."""
    return remote.value() if remote.plain else Handle(remote)


def _each_handle(value, leaf):
    """`value` with `leaf(handle)` in place of each handle inside it (lists, tuples and dicts walked)."""
    if isinstance(value, Handle):
        return leaf(value)
    if isinstance(value, (list, tuple)):
        return type(value)(_each_handle(v, leaf) for v in value)
    if isinstance(value, dict):
        return {k: _each_handle(v, leaf) for k, v in value.items()}
    return value


def _remotes(value):
    """Handles inside arguments, as the channel's references."""
    return _each_handle(value, lambda handle: handle._remote)


def _values(value):
    return _each_handle(value, lambda handle: handle._remote.value())


def value(obj):
    """A handle's object as plain data (a tensor, a number, a list): NotPlain for a model or an
    optimizer. Anything that is not a handle is returned as it is."""
    return _values(obj)


def same(got, expected, what: str = "") -> None:
    """Assert that `got` (the learner's: a handle or a value) equals `expected` as
    torch.testing.assert_close would have it: tensors, numbers, tuples and lists of them, or two models
    (every parameter, by name). The failure says where they part."""
    what = what or _("the value")
    got, expected = _compared(got), _compared(expected)
    if isinstance(expected, dict):
        if not isinstance(got, dict) or sorted(got) != sorted(expected):
            names = ", ".join(sorted(got)) if isinstance(got, dict) else type(got).__name__
            raise Mismatch(what, _("has parameters {got}, expected {expected}.").format(
                got=names or _("none"), expected=", ".join(sorted(expected))))
        for name in expected:
            assert_same(got[name], expected[name], f"{what}: {name}")
    elif isinstance(expected, (list, tuple)):
        if not isinstance(got, (list, tuple)) or len(got) != len(expected):
            raise Mismatch(what, _("expected {n} items, got {got!r:.80}.").format(n=len(expected), got=got))
        for i, (g, e) in enumerate(zip(got, expected)):
            same(g, e, f"{what}[{i}]")
    elif isinstance(expected, torch.Tensor):
        assert_same(got, expected, what)
    else:
        try:
            torch.testing.assert_close(got, expected)
        except AssertionError as e:
            raise Mismatch(what, _("expected {expected!r:.80}, got {got!r:.80}.").format(
                expected=expected, got=got)) from e


def _compared(obj):
    """A model as its parameters by name (detached); a handle as its value; anything else as it is."""
    if isinstance(obj, Handle) and obj._remote.is_a("module"):
        return obj._remote.child.observe("parameters", obj._remote)
    if isinstance(obj, torch.nn.Module):
        return {name: p.detach() for name, p in obj.named_parameters()}
    return value(obj)
