"""The learner's commands from a notebook: what the `%%kata` and `%kata` magics do (kata.learner.magics
is their IPython side). Torch-free: loading the extension and every command here import no torch.

A graded cell is written to its step's file (atomically; a different file that was there is kept in
.kata-backups/, as --reset keeps it) and graded exactly as `python grader.py stepNN` grades it: the
recorded verdict when nothing changed, else the warm server's worker, else a fresh `grader.py` process.
The kernel never grades and is never forked (it is multithreaded and may hold CUDA): the verdict is the
engine's, and a later cell cannot change it. What the command line prints comes back with its colours
and is shown as HTML, and as the same plain text for front ends without HTML.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from kata import files, i18n, paths
from kata.grading.notebooks import as_file
from kata.i18n import _
from kata.steps import registry

COLOURED = {"FORCE_COLOR": "1", "TERM": "xterm-256color", "NO_COLOR": ""}  # rich keeps its colours for the HTML
COMMANDS = ("hint", "diff", "reset", "train")
USAGE = 2


class KataFailed(Exception):
    """`%%kata STEP --raise`: the step does not pass (a "run all" stops here)."""


class Refusal(Exception):
    """Bad input: one line for the learner, and nothing was written."""


# the command line's commands, as a notebook writes them (the most specific first)
IN_A_NOTEBOOK = (
    (re.compile(r"python grader\.py (step\d\d) --hint"), r"%kata hint \1"),
    (re.compile(r"python grader\.py (step\d\d) --diff solutions"), r"%kata diff \1 solutions"),
    (re.compile(r"python grader\.py (step\d\d) --diff"), r"%kata diff \1"),
    (re.compile(r"python grader\.py (step\d\d) --train(?: --plot \S+\.png)?"), r"%kata train \1"),
    (re.compile(r"python grader\.py (step\d\d) --reset"), r"%kata reset \1"),
    (re.compile(r"python grader\.py (step\d\d)(?: --watch)?"), r"%%kata \1"),
    (re.compile(r"python grader\.py(?![\w.])(?! (?:--|class|compare|gradescope|classroom|server))"), "%kata"),
)


def in_a_notebook(text: str) -> str:
    """What the command line says, with its commands written as the notebook's magics."""
    for pattern, magic in IN_A_NOTEBOOK:
        text = pattern.sub(magic, text)
    return text


@dataclass
class Shown:
    """What a magic shows: the command line's output (with its colours), its exit status, and for
    train mode the picture of the curves."""
    ansi: str
    code: int
    picture: bytes | None = None  # train mode's curves, as PNG
    extra: list[str] = field(default_factory=list)  # lines of the notebook's own, after the output
    magics: bool = True  # the commands it names written as the notebook's magics

    def __post_init__(self):
        if self.magics:
            self.ansi = in_a_notebook(self.ansi)

    @property
    def text(self) -> str:
        from rich.text import Text

        return "\n".join([Text.from_ansi(self.ansi).plain.rstrip("\n")] + self.extra).strip("\n")

    @property
    def html(self) -> str:
        from rich.console import Console
        from rich.text import Text

        console = Console(record=True, file=io.StringIO(), force_terminal=True, color_system="truecolor",
                          width=200, soft_wrap=True, emoji=False, highlight=False, force_jupyter=False)
        console.print(Text.from_ansi(self.ansi.rstrip("\n")))
        for line in self.extra:
            console.print(Text(line, style="dim"))
        return console.export_html(inline_styles=True, code_format=HTML)


HTML = ('<pre class="kata-report" style="white-space: pre-wrap; line-height: 1.35; '
        'font-family: Menlo, Consolas, \'DejaVu Sans Mono\', monospace">{code}</pre>')


# --- the command lines of the magics -----------------------------------------------------------------------

class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise Refusal(f"%kata: {message}")


def _options(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--lang", metavar="LANG")
    parser.add_argument("--timeout", type=float, default=paths.DEFAULT_TIMEOUT, metavar="SECONDS")
    parser.add_argument("--target", default="steps")
    parser.add_argument("--verbose", action="store_true")
    return parser


def cell_arguments(line: str) -> argparse.Namespace:
    """`%%kata STEP [--lang L] [--timeout S] [--target T] [--verbose] [--raise]`."""
    parser = _options(_Parser(prog="%%kata", add_help=False))
    parser.add_argument("step", nargs="?")
    parser.add_argument("--raise", dest="raise_", action="store_true")
    return parser.parse_args(_split(line))


def line_arguments(line: str) -> argparse.Namespace:
    """`%kata [hint|diff|reset|train] [STEP] [solutions] [--lang L] [--timeout S] [--target T] [--verbose]`."""
    parser = _options(_Parser(prog="%kata", add_help=False))
    parser.add_argument("words", nargs="*")
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--limit", type=int, metavar="ROWS")
    args = parser.parse_args(_split(line))
    words = list(args.words)
    args.command = words.pop(0) if words and words[0] in COMMANDS else None
    args.step = words.pop(0) if words else None
    args.against = words.pop(0) if words and args.command == "diff" else None
    if words or (args.against not in (None, "previous", "solutions")):
        raise Refusal(_("%kata: I do not understand {words!r}. Try %kata, %kata step04, %kata hint step04, "
                        "%kata diff step04, %kata reset step04 or %kata train step04.").format(
            words=" ".join(args.words)))
    return args


def _split(line: str) -> list[str]:
    try:
        return shlex.split(line)
    except ValueError as e:
        raise Refusal(f"%kata: {e}") from None


def choose_language(asked: str | None) -> str:
    """The language of this command's words (--lang, else KATA_LANG, else the locale), used from now on."""
    lang, notice = i18n.choose(asked)
    i18n.use(lang)
    if notice:
        print(notice, file=sys.stderr)
    return lang


def step_named(name: str | None, magic: str = "%%kata"):
    if not name:
        raise Refusal(_("{magic} needs a step, e.g. {magic} step04. The steps are: {steps}.").format(
            magic=magic, steps=", ".join(s.id for s in registry.STEPS)))
    step = registry.find(name)
    if step is None:
        raise Refusal(_("unknown step {name!r}. The steps are: {steps}.").format(
            name=name, steps=", ".join(s.id for s in registry.STEPS)))
    return step


def target_folder(name: str) -> Path:
    """The folder the grader reads, as the command line finds it; a kata imported from somewhere that is
    not its clone (no steps/ or solutions/ beside it) is said, with how to point the kernel at one."""
    if not (paths.ROOT / "grader.py").is_file() or not paths.SOLUTIONS.is_dir():
        raise Refusal(_("the kata's folder cannot be found from this kernel (working folder {cwd}): kata is imported "
                        "from {where}, which holds no grader.py and solutions/. Install your clone with "
                        "`%pip install -e PATH_OF_THE_CLONE`, then restart the kernel.").format(
            cwd=os.getcwd(), where=paths.ROOT))
    for candidate in (Path(name), paths.ROOT / name):
        if candidate.is_dir():
            return candidate.resolve()
    raise Refusal(_("target folder {folder!r} does not exist. Give 'steps', 'solutions' or the path of a folder "
                    "laid out like steps/.").format(folder=name))


# --- a graded cell --------------------------------------------------------------------------------------------

def shell_line(cell: str) -> tuple[int, str] | None:
    """(line number, line) of the first IPython-only line (`!pip`, `%time`) of a cell that is not Python;
    None when the cell compiles, or when it fails for a reason of its own (the grade says that one)."""
    try:
        compile(cell, "<cell>", "exec")
        return None
    except (SyntaxError, ValueError):
        pass
    for number, line in enumerate(cell.splitlines(), 1):
        if line.lstrip().startswith(("!", "%")):
            return number, line.strip()
    return None


def write_cell(step, target: Path, cell: str) -> Path | None:
    """Write the cell to the step's file; the backup of a different file that was there, if any."""
    text = as_file(cell)
    if not text:
        raise Refusal(_("{step}: not started: the cell below %%kata {step} is empty. `%kata reset {step}` puts "
                        "the stub into a new cell.").format(step=step.id))
    what = files.graders_own(target)
    if what:
        raise Refusal(_("%%kata writes a learner's step; {target} holds {what}, which the checks and the stubs are "
                        "made from, so no cell is written there. Use a learner's folder (steps/, the default, or "
                        "--target FOLDER).").format(target=target, what=_(what)))
    bad = shell_line(text)
    if bad is not None:
        raise Refusal(_("line {n} of the cell is not Python: {line!r}. A step is a plain Python file: run shell "
                        "and magic commands in a cell of their own.").format(n=bad[0] + 1, line=bad[1]))
    return files.replace_keeping(target / step.filename, text)


# --- running the command line's commands --------------------------------------------------------------------

def grade(argv: list[str], step, target: Path, timeout: float) -> Shown:
    """A step's grade (or, with no step, the board), as the command line gives it."""
    from kata.learner import cli

    verbose = "--verbose" in argv
    recorded = _in_process(lambda: cli.show_recorded(step, target, timeout, verbose=verbose))  # unchanged: no torch
    if recorded.code is not None:
        return recorded
    return run_grader(argv)


def run_grader(argv: list[str]) -> Shown:
    """`python grader.py ARGV` through the warm server (this process's client, no interpreter to
    start), else in a fresh interpreter; the server is started for the next command after that."""
    from kata.learner import client

    env = os.environ | COLOURED
    with tempfile.TemporaryFile() as out, open(os.devnull, "rb") as nothing:
        code = client.run(argv, (nothing.fileno(), out.fileno(), out.fileno()), env, start=False) \
            if client.enabled() else None
        if code is None:
            grading = subprocess.Popen([sys.executable, str(paths.ROOT / "grader.py"), *argv], cwd=os.getcwd(),
                                       stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                       env=env | {"KATA_SERVER": "off"})
            _ready_to_show()  # while it grades: the report is shown the moment it is there
            code = grading.wait()
            if client.enabled():
                client.start_in_background()  # after this grade, not beside it: the next one starts warm
        out.seek(0)
        return Shown(out.read().decode("utf-8", "replace"), code)


def _ready_to_show() -> None:
    """What showing a report imports, imported now (rich's console and its HTML export)."""
    Shown("", 0).html  # noqa: B018


def _in_process(command, magics: bool = True) -> Shown:
    """A torch-free command of the command line, run here with its output caught (and coloured)."""
    saved = {k: os.environ.get(k) for k in COLOURED}
    os.environ.update(COLOURED)
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            code = command()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return Shown(out.getvalue(), code, magics=magics)


def torch_free(argv: list[str]) -> Shown:
    """--hint, --diff and --reset: the command line's own, in this process (a diff's lines are the
    learner's code, shown as they are: no command in them is rewritten as a magic)."""
    from kata.learner import cli

    return _in_process(lambda: cli.main(argv), magics="--diff" not in argv)


def train(argv: list[str]) -> Shown:
    """Train mode, with its curves as a picture when matplotlib is there."""
    import importlib.util

    folder = Path(tempfile.mkdtemp(prefix="kata-train-"))
    picture = folder / "curves.png"
    plotted = importlib.util.find_spec("matplotlib") is not None
    try:
        shown = run_grader(argv + (["--plot", str(picture)] if plotted else []))
        if picture.is_file():  # shown inline, held in the notebook: the file and the line naming it go
            shown.picture = picture.read_bytes()
            shown.ansi = "".join(line for line in shown.ansi.splitlines(keepends=True) if str(picture) not in line)
        elif not plotted:
            shown.extra.append(_("(the curves need matplotlib: %pip install matplotlib)"))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return shown
