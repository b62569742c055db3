"""Make a step's stub from its reference solution: the same file, with only this step's lesson turned
into TODOs (its declaration's `todos`, `stub_defs` and `stub_doc`).

Each `Todo` replaces the solution lines it names with `# TODO(stepNN): <what to do>` and
`raise NotImplementedError("<slug>: <name>")` at those lines; every other line, the previous step's
code included (batch loops, slicing, data handling), stays working code. The lines may be
- whole statements: the TODO takes their place, at their indentation;
- the header of a block (`for xb, yb in train_dl:`): the TODO takes its place and the block's body
  stays, one level out, after the raise, for the learner to put back under their own header;
- lines inside one statement (an element of nn.Sequential(...)): the TODO comment takes their place
  and the raise goes just before that statement.
A plain-string todo (or a Todo without lines) is the whole body, for a function the step adds. A
module-level name in `stub_defs` becomes a function to write. The module docstring is `stub_doc`
(the title, what changes and why), then the solution's "Shapes:" and "Run it" lines.

Used by tools/make_stubs.py (which writes steps/) and by `grader.py STEP --reset`.
"""
from __future__ import annotations

import ast

from kata.i18n import N_, _, by_id, pad_cells, wrap_cells
from kata.paths import ROOT
from kata.steps.declare import Todo

WIDTH = 110  # TODO comments are wrapped at this column


def spots(step) -> list[tuple[str, Todo]]:
    """Every TODO of `step` in declaration order: (label, Todo), the label "fit" or "Mnist_Logistic.forward"."""
    found = []
    for name, value in step.todos.items():
        if isinstance(value, dict):
            found += [(f"{name}.{method}", t) for method, v in value.items() if method != "__doc__"
                      for t in _as_todos(v)]
        else:
            found += [(name, t) for t in _as_todos(value)]
    return found


def _as_todos(value) -> tuple[Todo, ...]:
    if isinstance(value, (str, Todo)):
        value = (value,)
    return tuple(Todo(v) if isinstance(v, str) else v for v in value)


def _indent(line: str) -> str:
    return line[:len(line) - len(line.lstrip())]


def _same(line: str, want: str) -> bool:
    """The solution's `line` reads `want`, indentation aside, with or without its trailing comment."""
    have = line.strip()
    return have == want or (bool(want) and have.startswith(want + " ") and have[len(want):].lstrip().startswith("#"))


def _docstring(node) -> ast.Expr | None:
    first = node.body[0] if node.body else None
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        return first
    return None


def _doc_lines(doc: str, indent: str) -> list[str]:
    if '"""' in doc or "\\" in doc:
        raise ValueError(f"a stub docstring may hold neither triple quotes nor backslashes: {doc[:60]!r}")
    rows = doc.strip("\n").split("\n")
    if len(rows) == 1:
        return [f'{indent}"""{rows[0]}"""']
    return [f'{indent}"""{rows[0]}'] + [f"{indent}{r}" if r.strip() else "" for r in rows[1:]] + [f'{indent}"""']


class _Edits:
    """Line edits of the solution, by line number (1-based): a line replaced by others (or by none), lines
    put before a line, lines moved out by some columns. Each line belongs to one TODO at most."""

    def __init__(self, lines: list[str], where: str):
        self.lines, self.where = lines, where
        self.replaced: dict[int, list[str]] = {}
        self.before: dict[int, list[str]] = {}
        self.dedent: dict[int, int] = {}

    def replace(self, first: int, last: int, new: list[str]) -> None:
        for n in range(first, last + 1):
            if n in self.replaced:
                raise ValueError(f"{self.where}: two TODOs claim line {n}: {self.lines[n - 1].strip()!r}")
            self.replaced[n] = []
        self.replaced[first] = new

    def text(self) -> str:
        out = []
        for n, line in enumerate(self.lines, 1):
            for new in self.before.get(n, []) + self.replaced.get(n, [line]):
                cut = self.dedent.get(n, 0)
                if new[:cut].strip():
                    raise ValueError(f"{self.where}: line {n} cannot move {cut} columns left: {new!r}")
                out.append(new[cut:])
        return "\n".join(out) + "\n"


def make_stub(step) -> str:
    """The stub of `step`, as text."""
    slug, sid = step.slug, step.id
    source = (ROOT / "solutions" / f"{slug}.py").read_text()
    lines = source.splitlines()
    tree = ast.parse(source)
    edits = _Edits(lines, f"{slug} stub")
    raises = set()  # statements already preceded by an inner TODO's raise

    def marker(indent: str, text: str, label: str) -> list[str]:
        """The TODO comment, wrapped, and the raise naming the step and the name."""
        comment = wrap_cells(text, WIDTH, f"{indent}# TODO({sid}): ", f"{indent}#   ")
        return comment + [f'{indent}raise NotImplementedError("{slug}: {label}")']

    def redoc(node, doc: str, label: str) -> None:
        expr = _docstring(node)
        if expr is None:
            raise ValueError(f"{slug}: {label} has no docstring to replace")
        edits.replace(expr.lineno, expr.end_lineno, _doc_lines(doc, _indent(lines[expr.lineno - 1])))

    def todo_at(fn, label: str, todo: Todo) -> None:
        if todo.doc:
            redoc(fn, todo.doc, label)
        if not todo.lines:  # the whole body, after the docstring
            doc = _docstring(fn)
            code = fn.body[1:] if doc else fn.body
            if not code:
                raise ValueError(f"{slug}: {label} has no code to leave as a TODO")
            first = doc.end_lineno + 1 if doc else code[0].lineno
            while not doc and first - 1 > fn.lineno and lines[first - 2].strip().startswith("#"):
                first -= 1  # the comments above the code go with it
            edits.replace(first, fn.end_lineno, marker(_indent(lines[code[0].lineno - 1]), todo.text, label))
            return
        a, b = _find(lines, fn, todo.lines, f"{slug}: {label}")
        _place(fn, lines, edits, a, b, todo, label, marker, raises)

    done = set()
    for node in tree.body:
        name = getattr(node, "name", None)
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
        if name not in step.todos:
            continue
        done.add(name)
        value = step.todos[name]
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for k, todo in enumerate(_as_todos(value), 1):
                todo_at(node, name, localized(step, name, k, todo))
        elif isinstance(node, ast.ClassDef):
            methods = {m.name: m for m in node.body if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))}
            for method, v in value.items():
                if method == "__doc__":
                    redoc(node, by_id(f"{sid}.todo.{name}.__doc__", v), name)
                    continue
                if method not in methods:
                    raise ValueError(f"{slug}: {name} has no method {method}")
                for k, todo in enumerate(_as_todos(v), 1):
                    todo_at(methods[method], f"{name}.{method}", localized(step, f"{name}.{method}", k, todo))
        elif isinstance(node, ast.Assign):  # a module-level name becomes a function to write
            start = node.lineno
            while start > 1 and lines[start - 2].startswith("#"):  # its comment goes too
                start -= 1
            (todo,) = _as_todos(value)
            if name not in step.stub_defs:
                raise ValueError(f"{slug}: `{name}` is a module-level name with a TODO, and the declaration has no "
                                 f"stub_defs[{name!r}]: the def line and docstring the stub puts in its place")
            new = step.stub_defs[name].splitlines() + marker("    ", localized(step, name, 1, todo).text, name)
            edits.replace(start, node.end_lineno, new)
    if set(step.todos) - done:
        raise ValueError(f"{slug}: no top-level {', '.join(sorted(set(step.todos) - done))} in the solution")
    _translate_docstrings(tree, lines, edits)
    _redoc_module(tree, lines, edits, step)
    text = edits.text()
    run = "Run it on MNIST:" if "\nRun it on MNIST:" in text else "Run it:"  # step15 runs on made-up data
    from rich.cells import cell_len

    # the framing lines in the learner's language, "Grade it:" padded to the longer label (English: as ever)
    column = max(cell_len(_(GRADE_IT)), cell_len(_(RUN_ON_MNIST))) + 1
    text = (text.replace("python -m solutions.", "python -m steps.")
            .replace(f"\n{run}", f"\n{pad_cells(_(GRADE_IT), column)}python grader.py {sid}\n{_(run)}", 1))
    try:
        ast.parse(text)
    except SyntaxError as e:
        raise ValueError(f"{slug}: the stub would not parse (line {e.lineno}: {e.msg}); check its todos") from None
    return text


def localized(step, label: str, k: int, todo: Todo) -> Todo:
    """The k-th TODO at `label`, its text and docstring in the learner's language (keyed by that place)."""
    key = f"{step.id}.todo.{label}.{k}"
    return Todo(by_id(key, todo.text), todo.lines, by_id(f"{key}.doc", todo.doc))


def _find(lines: list[str], fn, want_text: str, where: str) -> tuple[int, int]:
    """The first and last line (1-based) of the one run of `fn`'s lines that reads `want_text`."""
    want = [w.strip() for w in want_text.strip("\n").split("\n")]
    body_start = fn.body[0].lineno
    hits = [n for n in range(body_start, fn.end_lineno - len(want) + 2)
            if all(_same(lines[n - 1 + k], w) for k, w in enumerate(want))]
    if len(hits) != 1:
        raise ValueError(f"{where}: the lines {want_text!r} occur {len(hits)} times in it, not once")
    return hits[0], hits[0] + len(want) - 1


def _place(fn, lines, edits, a, b, todo, label, marker, raises) -> None:
    """Put the TODO of lines a..b of `fn`: whole statements, a block's header, or lines inside one statement."""
    header = inner = None
    for node in ast.walk(fn):
        if node is fn or not isinstance(node, ast.stmt):
            continue
        first, last = node.lineno, node.end_lineno
        if last < a or first > b or (a <= first and last <= b):
            continue  # apart from the lines, or wholly inside them
        body = getattr(node, "body", None)
        body = body if isinstance(body, list) and body else None
        if body and body[0].lineno <= a:  # a block the lines sit in: it must hold all of them
            if last < b:
                raise ValueError(f"{label}: the lines {a}..{b} leave the block of line {first}")
        elif body and a <= first and body[0].lineno > b:  # the header of a block whose body stays
            if getattr(node, "orelse", None) or getattr(node, "handlers", None) or getattr(node, "finalbody", None):
                raise ValueError(f"{label}: the header of a block with else/except/finally cannot be a TODO")
            if header is not None:
                raise ValueError(f"{label}: the lines hold the headers of two blocks")
            header = node
        elif first < a and b < (body[0].lineno if body else last):  # lines strictly inside one statement
            if inner is None or first >= inner.lineno:
                inner = node  # the innermost
        else:
            raise ValueError(f"{label}: the lines {a}..{b} cut statement {first}..{last} in two")
    indent = _indent(lines[a - 1])
    if header is not None:  # the block's body stays, one level out, after the raise
        note = " " + _("(the lines below the raise are its body: indent them under it)")
        edits.replace(a, b, marker(indent, todo.text + note, label))
        cut = len(_indent(lines[header.body[0].lineno - 1])) - len(_indent(lines[header.lineno - 1]))
        for n in range(b + 1, header.end_lineno + 1):
            edits.dedent[n] = edits.dedent.get(n, 0) + cut
    elif inner is not None:
        edits.replace(a, b, marker(indent, todo.text, label)[:-1])  # the comment only, among the lines
        if inner.lineno not in raises:  # one raise before the statement, however many TODOs it holds
            raises.add(inner.lineno)
            edits.before.setdefault(inner.lineno, []).append(
                marker(_indent(lines[inner.lineno - 1]), "", label)[-1] + "  # " + _("its TODO is in the lines below"))
    else:
        edits.replace(a, b, marker(indent, todo.text, label))


# the stub's framing labels (the rest of those lines is code)
GRADE_IT, RUN_ON_MNIST, RUN_IT, SHAPES = N_("Grade it:"), N_("Run it on MNIST:"), N_("Run it:"), N_("Shapes:")

DOCSTRING = "stub.docstring"  # the context of the code's own docstrings in the catalogs, keyed by their text


def _translate_docstrings(tree, lines, edits) -> None:
    """The docstrings the stub keeps from the solution (the code of earlier steps), in the learner's
    language; a TODO's own docstring is already in place, and English leaves every byte as it was."""
    for node in ast.walk(tree):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        expr, doc = _docstring(node), ast.get_docstring(node, clean=True)
        if expr is None or not doc or expr.lineno in edits.replaced:
            continue
        translated = by_id(DOCSTRING, doc)
        if translated != doc:
            edits.replace(expr.lineno, expr.end_lineno, _doc_lines(translated, _indent(lines[expr.lineno - 1])))


def _redoc_module(tree, lines, edits, step) -> None:
    """The module docstring: `stub_doc` (its title, what changes and why), then the solution's
    "Shapes:" and "Run it" lines."""
    if not step.stub_doc:
        return
    doc = _docstring(tree)
    rows = lines[doc.lineno - 1:doc.end_lineno]
    tail = next((i for i, r in enumerate(rows) if r.startswith("Shapes:")), None)
    if tail is None:
        tail = next(i for i, r in enumerate(rows) if r.startswith("Run it"))
    text = by_id(f"{step.id}.stub", step.stub_doc)
    _doc_lines(text, "")  # refuses quotes and backslashes
    framing = [_(SHAPES) + row[len(SHAPES):] if row.startswith(SHAPES) else row for row in rows[tail:]]
    new = ('"""' + text.strip("\n")).split("\n") + [""] + framing
    edits.replace(doc.lineno, doc.end_lineno, new)
