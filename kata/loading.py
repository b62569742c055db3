"""Load a step file as a module, turning every way that can fail into one readable paragraph.

The graded folder is only read: bytecode writing is switched off before any learner file is
imported, so no __pycache__ appears in it.
"""
from __future__ import annotations

import ast
import hashlib
import importlib.util
import sys
import traceback
from pathlib import Path
from types import ModuleType


class LoadProblem(Exception):
    """The step cannot be graded as it is; `str(self)` is the paragraph for the learner."""


def parse(path: Path) -> tuple[str, ast.Module]:
    source = path.read_text(encoding="utf-8")
    try:
        return source, ast.parse(source, filename=str(path))
    except SyntaxError as e:
        line = (e.text or "").rstrip("\n")
        caret = " " * max((e.offset or 1) - 1, 0) + "^" if line else ""
        where = f"\n    {line.strip()}\n    {caret[len(line) - len(line.lstrip()):]}" if line else ""
        raise LoadProblem(f"Syntax error in {path}, line {e.lineno}: {e.msg}.{where}\n"
                          "Python cannot read the file, so none of its checks can run. Fix that line "
                          "(look just before it too: an unclosed bracket shows up on the next line).") from None


def learner_line(tb, path: Path) -> tuple[int, str] | None:
    """The deepest traceback frame inside the learner's file: (line number, source line)."""
    found = None
    for frame in traceback.extract_tb(tb):
        if Path(frame.filename) == path:
            found = (frame.lineno, (frame.line or "").strip())
    return found


def describe_exception(e: BaseException, path: Path) -> str:
    where = learner_line(e.__traceback__, path)
    at = f"line {where[0]} of {path}:\n    {where[1]}\n" if where else ""
    return f"{at}{type(e).__name__}: {e}"


def load(path: Path) -> ModuleType:
    """Import the file at `path` under a private module name; LoadProblem if that fails."""
    sys.dont_write_bytecode = True
    name = f"kata_graded_{hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:10]}_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look the module up by name
    try:
        spec.loader.exec_module(module)
    except ImportError as e:
        raise LoadProblem(f"{path} cannot be imported: {describe_exception(e, path)}\n"
                          "Check the spelling of the import, and that it names something torch has "
                          "(for example `from torch.utils.data import DataLoader`).") from None
    except NotImplementedError:
        raise
    except (Exception, SystemExit) as e:
        raise LoadProblem(f"{path} fails while it is being imported, before any check can run: "
                          f"{describe_exception(e, path)}\nCode at the top level of the file runs on "
                          "import; keep work inside functions (main() runs only as a script).") from None
    return module
