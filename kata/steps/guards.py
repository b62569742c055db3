"""The two guards every step carries, read from the source: the step does not import or read the
reference solutions, and does not reach into the grader. Teaching notes, not grades: the learner's
code runs confined, where neither is possible (README: Trust)."""
from __future__ import annotations

import ast
import re

from kata.i18n import _
from kata.steps.static import Rule, _dotted, _function  # noqa: F401

_SOLUTIONS_PATH = re.compile(r"(^|[/\\.])solutions([/\\.]|$)")  # solutions.step04, ../solutions/x.py
_GRADER_MODULES = {"kata", "hypothesis", "pytest", "_pytest", "builtins", "importlib", "ctypes", "gc", "inspect"}


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the docstring constants (they may mention the reference: that reads nothing)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _reaches_solutions(node: ast.AST) -> bool:
    if isinstance(node, ast.Import):
        return any(a.name.split(".")[0] == "solutions" for a in node.names)
    if isinstance(node, ast.ImportFrom):
        return (node.module or "").split(".")[0] == "solutions"
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(_SOLUTIONS_PATH.search(node.value))  # a path or module name handed to open/import_module
    return False


def no_reference_import() -> Rule:
    """The graded step must be the learner's own work, not the reference solution imported or read."""
    def find(tree):
        docs = _docstrings(tree)
        return [(getattr(n, "lineno", 0), _("`{code}` reaches for the reference solutions: a graded step must stand "
                                            "on its own.").format(code=ast.unparse(n)[:60]))
                for n in ast.walk(tree) if id(n) not in docs and _reaches_solutions(n)]
    return Rule("does not import the reference solutions", find)


_ALLOWED = {"kata.data"}  # a step's main() loads MNIST through it
# What reaches the live objects of another module, whatever it is called: frames, globals and
# closures, code objects, the import machinery, torch's private dispatch state.
_INSIDE_ATTRS = {"f_back", "f_globals", "f_locals", "f_builtins", "f_code", "tb_frame", "tb_next", "gi_frame",
                 "cr_frame", "ag_frame", "_getframe", "_current_frames", "settrace", "setprofile", "meta_path",
                 "path_hooks", "path_importer_cache", "modules", "__globals__", "__closure__", "__code__",
                 "__wrapped__", "__subclasses__", "__builtins__", "__import__", "__loader__", "__spec__",
                 "__self__", "__func__", "__dict__", "__getattribute__", "__setattr__", "__delattr__",
                 "__reduce__", "__reduce_ex__", "co_consts", "_pop_mode", "_push_mode"}
_SAFE_MODULES_ATTR = {"modules"}  # nn.Module.modules() is the tutorial's: only sys.modules is the door
_INSIDE_CALLS = {"eval", "exec", "compile", "__import__", "globals", "locals", "vars", "breakpoint"}


def no_grader_tampering() -> Rule:
    """A step does not import the grader's own modules nor reach into the interpreter to change them."""
    def find(tree):
        problems, docs = [], _docstrings(tree)
        for n in ast.walk(tree):
            names = []
            if isinstance(n, ast.Import):
                names = [a.name for a in n.names]
            elif isinstance(n, ast.ImportFrom) and n.module:
                names = [n.module] if n.module != "kata" else [f"kata.{a.name}" for a in n.names]
            for name in names:
                if name.split(".")[0] in _GRADER_MODULES and name not in _ALLOWED:
                    problems.append((n.lineno, _("imports `{name}`: a step needs torch, not the grader's machinery."
                                                 ).format(name=name)))
            if isinstance(n, ast.Attribute) and n.attr in ("modules", "__builtins__") and _dotted(n) in (
                    "sys.modules", "__builtins__"):
                problems.append((n.lineno, _("`{name}` changes what other code imports: not in a step.").format(
                    name=_dotted(n))))
            if isinstance(n, ast.Name) and n.id == "__builtins__":
                problems.append((n.lineno, _("`__builtins__` changes Python itself: not in a step.")))
            if id(n) not in docs and _names_the_grader(n):
                problems.append((getattr(n, "lineno", 0), _("{text} names the grader's own package: a step "
                                                            "needs torch, not the grader's machinery.").format(
                    text=repr(n.value)[:60])))
            reach = _reaches_inside(n)
            if reach and not any(line == getattr(n, "lineno", 0) for line, _message in problems):
                problems.append((getattr(n, "lineno", 0), _("`{code}` reaches inside the interpreter (frames, "
                                                            "globals, the import system or code objects): a step "
                                                            "needs none of that.").format(code=reach)))
        return problems
    return Rule("does not reach into the grader", find)


def _reaches_inside(n: ast.AST) -> str:
    """The code of `n` when it reaches inside the interpreter by one of the spellings a source shows:
    an attribute of _INSIDE_ATTRS (sys.modules but not model.modules()), a call of eval/exec/compile/
    __import__/globals/vars, getattr/setattr/delattr with a name that is not a plain constant (or
    that is one of those), torch's private names (torch._C, torch.overrides)."""
    if isinstance(n, ast.Attribute) and n.attr in _INSIDE_ATTRS:
        if n.attr in _SAFE_MODULES_ATTR and _dotted(n.value) != "sys" and not isinstance(n.value, ast.Call):
            return ""
        return ast.unparse(n)[:60]
    if isinstance(n, ast.Attribute) and n.attr.startswith("_") and not n.attr.startswith("__") \
            and _dotted(n).split(".")[0] in ("torch", "nn", "F", "optim"):
        return ast.unparse(n)[:60]
    if isinstance(n, ast.Attribute) and n.attr == "overrides" and _dotted(n).startswith("torch"):
        return ast.unparse(n)[:60]
    if isinstance(n, ast.ImportFrom) and (n.module or "").split(".")[0] == "sys":
        names = [a.name for a in n.names if a.name in _INSIDE_ATTRS or a.name == "*"]
        return f"from sys import {', '.join(names)}" if names else ""
    if isinstance(n, ast.ImportFrom) and (n.module or "").startswith(("torch._", "torch.overrides")):
        return f"from {n.module} import ..."
    if isinstance(n, ast.Import) and any(a.name.startswith(("torch._", "torch.overrides")) for a in n.names):
        return ast.unparse(n)[:60]
    if isinstance(n, ast.Call) and isinstance(n.func, ast.Name):
        if n.func.id in _INSIDE_CALLS and not (n.func.id == "vars" and n.args):
            return ast.unparse(n)[:60]
        if n.func.id in ("getattr", "setattr", "delattr", "hasattr") and len(n.args) >= 2:
            name = n.args[1]
            if not (isinstance(name, ast.Constant) and isinstance(name.value, str)) or name.value in _INSIDE_ATTRS:
                return ast.unparse(n)[:60]
    return ""


def _names_the_grader(n: ast.AST) -> bool:
    """A string that names the kata's package ("kata.child.recording", a path into kata/): the way to reach it
    by a name built at run time."""
    return isinstance(n, ast.Constant) and isinstance(n.value, str) and bool(re.search(r"\bkata\b", n.value)) \
        and not n.value.startswith("kata.data")
