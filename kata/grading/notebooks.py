"""Step files held in a notebook: the code cells that begin with `%%kata STEP` (kata.notebook's magic).

Shared by every front that meets a notebook: the magic writes such a cell to its step's file, the
instructor's commands take a submitted .ipynb's cells as step files, and the authoring tools build
the shipped notebooks from the stubs. A notebook is read as JSON, never executed: only the text of a
`%%kata` cell is ever used, and only as a step file. Torch-free and IPython-free.

`Submission` is the instructor's side: a learner's folder with the notebooks handed in beside (or
instead of) its step files, which step is graded from which, and the cells written as step files in
a scratch folder of the grader's own (the learner's files are only read). See docs/INSTRUCTORS.md,
"Notebooks".
"""
from __future__ import annotations

import json
import os
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

from kata.i18n import _
from kata.steps import registry
from kata.steps.registry import Step

MAGIC = "%%kata"


class NotebookProblem(Exception):
    """The file is not a notebook this kata can read (its message says why, in the learner's language)."""


def magic_line(source: str) -> tuple[str, str] | None:
    """(the rest of the `%%kata` line, the cell's text below it) of a cell that begins with the magic
    (blank lines before it are allowed, as IPython allows them); None for any other cell."""
    lines = source.lstrip("\n").split("\n", 1)
    first = lines[0].rstrip()
    if first != MAGIC and not first.startswith(MAGIC + " "):
        return None
    return first[len(MAGIC):].strip(), lines[1] if len(lines) > 1 else ""


def as_file(body: str) -> str:
    """The step file a cell's text makes: the text as it is, ending with one newline (a front end may
    or may not keep the cell's last one)."""
    return body.rstrip("\n") + "\n" if body.strip() else ""


def cell_text(cell: dict) -> str:
    """A cell's source, which nbformat stores as one string or as a list of lines."""
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def step_cells(text: str) -> dict[str, str]:
    """step id -> the step file made from the last `%%kata` cell of that step, in the notebook whose
    JSON is `text`. A `%%kata` cell naming no known step is left out (the magic refuses it too).
    Raises NotebookProblem when `text` is not a notebook."""
    return {step: cell.text for step, cell in cells_at(text).items()}


@dataclass(frozen=True)
class Cell:
    """The last `%%kata` cell of a step in a notebook."""
    number: int  # its place among all the notebook's cells, counted from 1 (as a person counts them)
    text: str  # the step file it makes (as_file: what the magic writes)
    above: int  # the cell's lines above that text (the `%%kata` line, blank lines before it)


def cells_at(text: str) -> dict[str, Cell]:
    """step id -> the last `%%kata` cell of that step (step_cells, with where each cell is).
    Raises NotebookProblem when `text` is not a notebook."""
    try:
        notebook = json.loads(text)
    except (ValueError, RecursionError) as e:  # RecursionError: nested past what the parser follows
        raise NotebookProblem(_("not valid JSON ({error})").format(error=e)) from None
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list):
        raise NotebookProblem(_("no list of cells: not a Jupyter notebook (nbformat 4)"))
    found: dict[str, Cell] = {}
    for number, cell in enumerate(cells, 1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        try:
            source = cell_text(cell)
        except TypeError:  # a list of lines that are not all text: no cell the magic could have run
            continue
        magic = magic_line(source)
        if magic is None:
            continue
        words = magic[0].split()
        step = registry.find(words[0]) if words else None
        if step is not None:  # a later cell of the same step wins
            found[step.id] = Cell(number, as_file(magic[1]), len(source) - len(source.lstrip("\n")) + 1)
    return found


# --- the instructor's side: notebooks handed in -------------------------------------------------

SUFFIX = ".ipynb"
FOLDER = "notebooks"  # where the shipped notebooks sit in a learner's repository (notebooks/kata.<lang>.ipynb)
MAX_NOTEBOOK = 64 * 2**20  # bytes of a notebook read for its cells (outputs and pictures included)


def read(path: Path) -> str:
    """The text of the notebook at `path`, read as data only and never through a link: NotebookProblem
    for a link, anything but a regular file, more than MAX_NOTEBOOK bytes, or bytes that are not UTF-8.
    Opened without blocking, so a FIFO cannot hang the grader."""
    try:
        info = os.lstat(path)
    except OSError as e:
        raise NotebookProblem(_("it cannot be read ({error})").format(error=e.strerror or e)) from None
    if stat.S_ISLNK(info.st_mode):
        raise NotebookProblem(_("it is a symbolic link, which could lead to anyone's file"))
    if not stat.S_ISREG(info.st_mode):
        raise NotebookProblem(_("it is not a regular file"))
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as e:
        raise NotebookProblem(_("it cannot be read ({error})").format(error=e.strerror or e)) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotebookProblem(_("it is not a regular file"))
        chunks, size = [], 0
        while size <= MAX_NOTEBOOK:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    if size > MAX_NOTEBOOK:
        raise NotebookProblem(_("it is larger than {size} MiB").format(size=MAX_NOTEBOOK // 2**20))
    try:
        return b"".join(chunks).decode("utf-8")
    except UnicodeDecodeError as e:
        raise NotebookProblem(_("it is not UTF-8 text ({error})").format(error=e)) from None


def found_in(folder: Path) -> list[Path]:
    """The notebooks directly in `folder` (links too, to refuse them by name); none in a link to a folder,
    nor in hidden folders (.ipynb_checkpoints)."""
    try:
        if folder.is_symlink() or not folder.is_dir():
            return []
        return sorted(p for p in folder.iterdir() if p.name.lower().endswith(SUFFIX) and not p.name.startswith("."))
    except OSError:
        return []


def untouched(step: Step, text: str) -> bool:
    """Whether this step file is still the stub as handed out: every TODO of the stub still raises
    NotImplementedError (it would grade "not started", as kata.grading.runner says)."""
    import ast

    from kata.steps.static import pending_names

    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # ValueError: NUL bytes, lone surrogates
        return False
    return bool(step.todos) and set(step.todos) <= pending_names(tree)


@dataclass
class Choice:
    """What is graded for one step of a submission."""
    folder: Path  # grade folder/<step file>: the learner's own folder, or the grader's scratch copy of a cell
    cell: str = ""  # the cell graded, as reports name it ("…/kata.en.ipynb, cell 12"); '' for a step file
    note: str = ""  # what the learner's report says was graded, and why ('' when it is only step files)
    missing: str = ""  # nothing to grade: why (the step is then "missing", with this as its problem)


class Submission:
    """A learner's submission as the instructor's commands grade it: the step files in `folder`, and the
    `%%kata` cells of the notebooks handed in with them. The notebooks are read as JSON, never run; each
    cell graded is written as its step file into a scratch folder of the grader's own (mode 0700, in
    the state folder, removed on leaving the `with` block, swept at the next start if the grader was
    killed), which is then graded like any learner's folder: the learner's files are only read.

    Where notebooks are looked for: `folder` and its notebooks/ folder; when `folder` is the steps/
    folder of a repository inside `top` (the submission), also the repository's top and its notebooks/.

    Which is graded, for each step:
    - a step file that is not the untouched stub: always (it is what `grader.py STEP` grades);
    - else the last `%%kata STEP` cell that is not the untouched stub, from the one notebook that has
      one; several notebooks with one: none of them (it is not clear which), and the step file if any;
    - else the step file (the untouched stub), else an untouched cell, else nothing: missing.
    A notebook that cannot be read (not JSON, a link, ...) is left out, and its problem is said in the
    steps it could have held."""

    def __init__(self, folder: Path, top: Path | None = None):
        self.folder = Path(folder)
        places = [self.folder, self.folder / FOLDER]
        if top is not None and self.folder.name == "steps" and self.folder.parent != self.folder \
                and Path(top) in (self.folder.parent, *self.folder.parent.parents):
            places += [self.folder.parent, self.folder.parent / FOLDER]
        seen: dict[Path, None] = {}
        for place in places:
            for path in found_in(place):
                seen.setdefault(path)
        self.cells: dict[Path, dict[str, Cell]] = {}  # readable notebook -> step -> its last %%kata cell
        self.problems: dict[Path, str] = {}  # unreadable notebook -> why, as a sentence
        for path in seen:
            try:
                self.cells[path] = cells_at(read(path))
            except Exception as e:  # noqa: BLE001  a learner's file: whatever it holds, that learner's sentence
                if not isinstance(e, NotebookProblem):
                    e = NotebookProblem(f"{type(e).__name__}: {e}")
                self.problems[path] = _("{notebook} is not a notebook the grader can read: {why}. None of its cells "
                                        "was graded: save it again from Jupyter and hand it in again.").format(
                    notebook=path, why=e)
        self._scratch: Path | None = None

    @property
    def notebooks(self) -> list[Path]:
        return sorted([*self.cells, *self.problems])

    def __enter__(self) -> "Submission":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None

    def _write(self, step: Step, cell: Cell) -> Path:
        """The grader's scratch folder, with `cell` written into it as the step's file. Blank lines stand
        for the `%%kata` line (and any above it): a line number in a verdict is the cell's own."""
        if self._scratch is None:
            from kata.child import scratch

            self._scratch = scratch.new_scratch()
        text = "\n" * cell.above + cell.text if cell.text else ""
        fd = os.open(self._scratch / step.filename, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", errors="surrogatepass") as f:  # a lone surrogate: not text
            f.write(text)
        return self._scratch

    def _step_file(self, step: Step) -> tuple[bool, bool]:
        """(a step file is there, it is the untouched stub). A link, a FIFO or a folder is "there" and not
        a stub: it is graded, and gets its own verdict."""
        path = self.folder / step.filename
        if not os.path.lexists(path):
            return False, False
        from kata.child.scratch import Refused, read_regular

        try:
            data = read_regular(path)
        except Refused:
            return True, False
        try:
            return True, untouched(step, data.decode("utf-8"))
        except UnicodeDecodeError:
            return True, False

    def choose(self, step: Step) -> Choice:
        """What to grade for `step` (the rules in the class's docstring)."""
        if not self.cells and not self.problems:
            return Choice(self.folder)  # no notebook: the folder, as it always was
        path = self.folder / step.filename
        given, stub = self._step_file(step)
        cells = [(nb, found[step.id]) for nb, found in self.cells.items() if step.id in found]
        worked = [(nb, cell) for nb, cell in cells if not untouched(step, cell.text)]
        problems = " ".join(self.problems.values())
        if given and not stub:
            if worked:
                nb, cell = worked[-1]
                note = _("Graded: {file}. The `%%kata {step}` cell of {notebook} (cell {cell}) was not graded: "
                         "when a step file and a cell are both handed in, the step file is graded.").format(
                    file=path, step=step.id, notebook=nb, cell=cell.number)
                return Choice(self.folder, note=" ".join(filter(None, [note, problems])))
            note = _("Graded: {file}.").format(file=path) if problems else ""
            return Choice(self.folder, note=" ".join(filter(None, [note, problems])))
        if len(worked) == 1 or (not worked and not given and cells):
            nb, cell = (worked or cells)[0]
            label = _("{notebook}, cell {cell}").format(notebook=nb, cell=cell.number)
            note = _("Graded: the last `%%kata {step}` cell of {notebook} (cell {cell}; line numbers are the "
                     "cell's own).").format(step=step.id, notebook=nb, cell=cell.number)
            if given:
                note += " " + _("{file} is still the stub as handed out, so the notebook's cell was graded "
                                "instead.").format(file=path)
            return Choice(self._write(step, cell), cell=label, note=" ".join(filter(None, [note, problems])))
        if len(worked) > 1:
            names = ", ".join(str(nb) for nb, _cell in worked)
            ambiguous = _("{notebooks} each have a `%%kata {step}` cell with work in it, and the grader cannot "
                          "tell which one to grade, so none was. Hand in one notebook, or the step file.").format(
                notebooks=names, step=step.id)
            if given:
                return Choice(self.folder, note=" ".join(filter(None, [_("Graded: {file}.").format(file=path),
                                                                      ambiguous, problems])))
            return Choice(self.folder, missing=" ".join(filter(None, [problems, ambiguous])))
        if given or not self.notebooks:
            note = _("Graded: {file}.").format(file=path) if problems else ""
            return Choice(self.folder, note=" ".join(filter(None, [note, problems])))  # as without notebooks
        missing = _("Neither {file} nor a cell that begins with `%%kata {step}` in {notebooks} was handed in: "
                    "there is nothing to grade for this step.").format(
            file=path, step=step.id, notebooks=", ".join(str(nb) for nb in self.notebooks))
        return Choice(self.folder, missing=" ".join(filter(None, [problems, missing])))  # the notebook's problem first

    def missing(self, step: Step, choice: Choice) -> dict:
        """The result of a step with nothing to grade (StepResult.to_dict's shape): missing, and why."""
        from kata.judging.results import MISSING, StepResult

        result = StepResult(step.id, step.slug, step.title, str(self.folder), str(self.folder / step.filename),
                            status=MISSING, problem=choice.missing)
        result.max_checks = len(step.rules) + len(step.checks)
        return result.to_dict()

    def relabel(self, step: Step, choice: Choice, result: dict) -> dict:
        """A graded result (StepResult.to_dict) as the learner's report shows it: the cell named where the
        scratch copy's path would be, and the note saying what was graded (key "graded")."""
        if choice.cell:
            copy, scratch, folder = str(choice.folder / step.filename), str(choice.folder), str(self.folder)

            def named(value):
                if isinstance(value, str):
                    return value.replace(copy, choice.cell).replace(scratch, folder)
                if isinstance(value, list):
                    return [named(v) for v in value]
                if isinstance(value, dict):
                    return {k: named(v) for k, v in value.items()}
                return value

            result = named(result)
            result["target"], result["file"] = folder, choice.cell
        if choice.note:
            result["graded"] = choice.note
        return result
