"""Read a step file as text, and load the trusted modules (references, baselines) of the parent.

The learner's file is never imported here: the parent only reads its bytes (refusing links and
special files, as the child's private copy does), decodes them as Python would (UTF-8, or the
encoding a PEP 263 coding line names) and parses them for the source rules.
"""
from __future__ import annotations

import ast
import hashlib
import importlib.util
import io
import sys
import tokenize
from pathlib import Path
from types import ModuleType

from kata.child import scratch
from kata.i18n import _


class LoadProblem(Exception):
    """The step cannot be graded as it is; `str(self)` is the paragraph for the learner."""


def read_source(path: Path) -> str:
    """The file's text; scratch.Refused when it is missing, a link or not a regular file."""
    data = scratch.read_regular(path)
    try:
        encoding, _lines = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError) as e:
        raise LoadProblem(_("{path} is not text Python can read: {error}.\nSave it as UTF-8 (every editor can), "
                            "or name its encoding on the first line: # -*- coding: latin-1 -*-").format(
            path=path, error=e)) from None


def parse(source: str, path: Path) -> ast.Module:
    try:
        return ast.parse(source, filename=str(path))
    except (SyntaxError, ValueError) as e:
        line = (getattr(e, "text", "") or "").rstrip("\n")
        caret = " " * max((getattr(e, "offset", 1) or 1) - 1, 0) + "^" if line else ""
        where = f"\n    {line.strip()}\n    {caret[len(line) - len(line.lstrip()):]}" if line else ""
        raise LoadProblem(_("Syntax error in {path}, line {line}: {error}.{where}\nPython cannot read the file, so "
                            "none of its checks can run. Fix that line (look just before it too: an unclosed bracket "
                            "shows up on the next line).").format(path=path, line=getattr(e, "lineno", "?"),
                                                                   error=getattr(e, "msg", str(e)), where=where)) from None


def load(path: Path) -> ModuleType:
    """Import a trusted module of the kata (a reference solution, a baseline) by path."""
    sys.dont_write_bytecode = True
    name = f"kata_reference_{hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:10]}_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look the module up by name
    spec.loader.exec_module(module)
    return module
