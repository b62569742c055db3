"""Write notebooks/kata.<lang>.ipynb, one Jupyter/Colab notebook per language, from the step declarations
and their stubs.

    python tools/make_notebooks.py          # rewrite every notebook
    python tools/make_notebooks.py --repository https://github.com/ORG/REPO.git  # the clone Colab makes
    python tools/make_notebooks.py --check  # exit 1 if a notebook differs from what this would write

Each notebook: what the kata is and how to run it; a setup cell (on Colab it clones and installs the
kata, anywhere else it only sets the reports' language); `%load_ext kata`; then for each step its
title and its stub's docstring (`stub_doc`), a `%%kata stepNN` cell holding the stub exactly as
`make_stub` writes it in that language (kata.grading.notebooks.step_cells gives it back), and a cell
that uses the step: `%kata train stepNN` for a step that declares `train`, else the step's own
main(); a closing cell last. The prose is kata/authoring/notebook_texts.py's, through the catalogs.
Written deterministically (nbformat 4.5, cell ids made from the step ids, no outputs, sorted keys),
so --check is byte-stable; the test suite runs it: after changing a stub, a declaration or a
translation, run this again.
"""
from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from kata import i18n  # noqa: E402
from kata.authoring import notebook_texts as texts  # noqa: E402
from kata.grading.notebooks import MAGIC  # noqa: E402
from kata.i18n import _, by_id, wrap_cells  # noqa: E402
from kata.steps import registry  # noqa: E402
from kata.steps.stubs import make_stub  # noqa: E402

FOLDER = ROOT / "notebooks"
# where Colab clones the kata from: a course's own copy (docs/INSTRUCTORS.md, the starter repository),
# given once with --repository and kept by every later run (it is read back from the shipped notebooks);
# until then this placeholder, which the setup cell refuses on Colab with a sentence
PLACEHOLDER = "https://github.com/YOUR-ORG/torch-nn-kata.git"
# written into a Python string and a shell line of the setup cell: no quote, space or shell character
GIT_ADDRESS = re.compile(r"(https://|git@)[A-Za-z0-9._~:/@+-]+")
REPOSITORY_LINE = re.compile(r'^KATA_REPOSITORY = "([^"\\]*)"$', re.M)
WIDTH = 100  # comments in code cells are wrapped at this column
METADATA = {
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}


def path_of(lang: str) -> Path:
    return FOLDER / f"kata.{lang}.ipynb"


# --- cells ---------------------------------------------------------------------------------------------------

def _lines(text: str) -> list[str]:
    """A cell's source as nbformat writes it: its lines, each but the last ending with its newline."""
    parts = text.split("\n")
    return [p + "\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def markdown(cell_id: str, text: str) -> dict:
    return {"cell_type": "markdown", "id": cell_id, "metadata": {}, "source": _lines(text)}


def code(cell_id: str, text: str) -> dict:
    return {"cell_type": "code", "execution_count": None, "id": cell_id, "metadata": {}, "outputs": [],
            "source": _lines(text)}


def comment(text: str) -> list[str]:
    return wrap_cells(text, WIDTH, "# ", "# ")


# --- a docstring as Markdown ---------------------------------------------------------------------------------

CODE_SPAN = re.compile(r"(`[^`\n]*`)")
LINE_START = re.compile(r"[#>+=|]|\d+[.)](\s|$)|[-_*]{3,}\s*$")  # would start a heading, quote, list or rule


def _escape(part: str) -> str:
    """Text outside code spans, with what Markdown would read as emphasis or HTML escaped: `*`, `<`, and an
    underscore that is not inside a word (`__init__`, not `log_softmax`)."""
    out = []
    for i, ch in enumerate(part):
        if ch in "*<\\" or (ch == "_" and not (0 < i < len(part) - 1 and part[i - 1].isalnum()
                                                and part[i + 1].isalnum())):
            out.append("\\")
        out.append(ch)
    return "".join(out)


def as_markdown(doc: str) -> str:
    """A docstring as Markdown that renders as it reads: its paragraphs, its `- ` lists, its indented
    blocks as code, and no character that Markdown would take for emphasis, HTML or a heading."""
    out, in_code, blank = [], False, True
    for line in doc.split("\n"):
        if not line.strip():
            out.append("")
            blank = True
            continue
        indent = len(line) - len(line.lstrip())
        in_code = indent >= 4 and (blank or in_code)  # an indented block after a blank line: code
        blank = False
        if in_code:
            out.append(line)
            continue
        body = line[indent:]
        if LINE_START.match(body):
            body = "\\" + body
        out.append(line[:indent] + "".join(p if CODE_SPAN.fullmatch(p) else _escape(p) for p in CODE_SPAN.split(body)))
    return "\n".join(out)


# --- the notebook ----------------------------------------------------------------------------------------------

def _defines_main(stub: str) -> bool:
    return any(isinstance(n, ast.FunctionDef) and n.name == "main" for n in ast.parse(stub).body)


def use_cell(step, stub: str) -> dict:
    """The cell after a step's `%%kata` cell: train mode when the step trains a model, else its own main()."""
    if step.train is not None:
        before = registry.previous(step) or step
        reference = (_(texts.REFERENCE_BASELINE) if step.baseline else
                     _(texts.REFERENCE_BEFORE).format(step=before.id))
        lines = comment(_(texts.USE_TRAIN).format(reference=reference, step=step.id)) + [f"%kata train {step.id}"]
    elif _defines_main(stub):
        lines = comment(_(texts.USE_MAIN).format(step=step.id)) + ["main()"]
    else:
        raise ValueError(f"{step.id}: no cell to use it in a notebook: declare its `train`, or give its "
                         "solution a main()")
    return code(f"{step.id}-use", "\n".join(lines))


def setup_cell(lang: str, repository: str) -> dict:
    lines = ["import os", "import sys", "", *comment(_(texts.SETUP_LANGUAGE)),
             f'os.environ.setdefault("KATA_LANG", "{lang}")', "", *comment(_(texts.SETUP_COLAB)),
             'IN_COLAB = "google.colab" in sys.modules', *comment(_(texts.SETUP_REPOSITORY)),
             f'KATA_REPOSITORY = "{repository}"',
             'if IN_COLAB and not os.path.exists("grader.py"):',
             f'    if KATA_REPOSITORY == "{PLACEHOLDER}":',
             f'        raise SystemExit({json.dumps(_(texts.SETUP_NO_REPOSITORY), ensure_ascii=False)})',
             '    if not os.path.exists("torch-nn-kata"):',
             "        !git clone --depth 1 {KATA_REPOSITORY} torch-nn-kata",
             "    %cd torch-nn-kata",
             "    %pip install --quiet -e ."]
    return code("setup", "\n".join(lines))


def cells(repository: str) -> list[dict]:
    """The notebook's cells, in the current language; Colab clones the kata from `repository`."""
    out = [markdown("intro", "# torch-nn-kata\n\n" + as_markdown(_(texts.INTRO))),
           setup_cell(i18n.language(), repository),
           code("load-ext", "%load_ext kata")]
    for step in registry.STEPS:
        stub = make_stub(step)
        title = by_id(f"{step.id}.title", step.title)
        doc = by_id(f"{step.id}.stub", step.stub_doc)
        about = [f"## {step.id} · {as_markdown(title)}"]
        if doc:
            about.append(as_markdown(doc.strip("\n")))
        about.append(as_markdown(_(texts.STEP_FILE).format(file=f"`steps/{step.filename}`")))
        out += [markdown(f"{step.id}-about", "\n\n".join(about)),
                code(f"{step.id}-kata", f"{MAGIC} {step.id}\n" + stub.rstrip("\n")),
                use_cell(step, stub)]
    out.append(markdown("end", f"## {as_markdown(_(texts.END_HEADING))}\n\n{as_markdown(_(texts.END))}"))
    return out


def shipped_repository(lang: str) -> str | None:
    """The repository the shipped notebook of `lang` clones on Colab (None: no notebook, or no such line)."""
    if not path_of(lang).exists():
        return None
    try:
        setup = next(c for c in json.loads(path_of(lang).read_text(encoding="utf-8"))["cells"] if c.get("id") == "setup")
    except (ValueError, KeyError, TypeError, StopIteration):
        return None
    found = REPOSITORY_LINE.search("".join(setup.get("source", [])))
    return found.group(1) if found else None


def repository_of(lang: str, given: str | None = None) -> str:
    """What the notebook of `lang` clones: the address given, else the one it already holds, else the
    placeholder."""
    return given or shipped_repository(lang) or PLACEHOLDER


def notebook(lang: str, repository: str | None = None) -> str:
    """The notebook of `lang` as the JSON text written to its file."""
    before = i18n.language()
    i18n.use(lang)
    try:
        nb = {"cells": cells(repository_of(lang, repository)), "metadata": METADATA, "nbformat": 4,
              "nbformat_minor": 5}
    finally:
        i18n.use(before)
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def stale() -> list[Path]:
    """The notebooks whose file differs from what this writes (or is missing)."""
    return [path_of(lang) for lang in i18n.LANGUAGES
            if not path_of(lang).exists() or path_of(lang).read_text(encoding="utf-8") != notebook(lang)]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="tools/make_notebooks.py", description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a notebook differs from what this writes")
    parser.add_argument("--repository", metavar="URL",
                        help="the Git address Colab clones the kata from: your course's copy (kept by later runs)")
    args = parser.parse_args(argv)
    if args.repository is not None and not GIT_ADDRESS.fullmatch(args.repository):
        parser.error(f"--repository: {args.repository!r} is not a Git address like https://github.com/ORG/REPO.git")
    if args.check:
        found = stale()
        if found:
            print("notebooks out of date (run python tools/make_notebooks.py):",
                  ", ".join(str(p.relative_to(ROOT)) for p in found))
        return 1 if found else 0
    FOLDER.mkdir(exist_ok=True)
    for lang in i18n.LANGUAGES:
        path_of(lang).write_text(notebook(lang, args.repository), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
