"""notebooks/kata.<lang>.ipynb are generated from the declarations and the stubs (tools/make_notebooks.py):
they cannot drift apart, each gives back every stub in its language, and each is a valid notebook."""
from __future__ import annotations

import ast
import html
import importlib.util
import json
import re

import pytest

from kata import i18n
from kata.grading.notebooks import cell_text, step_cells
from kata.paths import ROOT
from kata.steps import registry
from kata.steps.stubs import make_stub

spec = importlib.util.spec_from_file_location("make_notebooks_tool", ROOT / "tools" / "make_notebooks.py")
tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tool)

by_lang = pytest.mark.parametrize("lang", i18n.LANGUAGES)


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    i18n.use("en")


def shipped(lang: str) -> str:
    return tool.path_of(lang).read_text(encoding="utf-8")


def test_make_notebooks_check_mode_agrees():
    assert tool.main(["--check"]) == 0, "a notebook is out of date: run python tools/make_notebooks.py"


@by_lang
def test_the_shipped_notebook_is_exactly_what_make_notebooks_writes(lang):
    have, want = shipped(lang).split("\n"), tool.notebook(lang).split("\n")
    first = next((i for i, (a, b) in enumerate(zip(have, want)) if a != b), min(len(have), len(want)))
    assert have == want, (f"{tool.path_of(lang).name} differs from line {first + 1} on: run python "
                          f"tools/make_notebooks.py\n  shipped: {have[first:first + 1]}\n  made:    {want[first:first + 1]}")


@by_lang
def test_each_notebook_gives_back_every_stub_in_its_language(lang):
    i18n.use(lang)
    stubs = {step.id: make_stub(step) for step in registry.STEPS}
    assert step_cells(shipped(lang)) == stubs


@by_lang
def test_each_notebook_is_a_valid_nbformat_4_notebook_with_no_outputs(lang):
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.reads(shipped(lang), as_version=4)
    nbformat.validate(nb)
    assert (nb.nbformat, nb.nbformat_minor) == (4, 5)
    ids = [cell.id for cell in nb.cells]
    assert len(ids) == len(set(ids))
    assert all(not cell.outputs and cell.execution_count is None for cell in nb.cells if cell.cell_type == "code")


@by_lang
def test_the_notebook_runs_setup_then_the_extension_then_each_step_and_its_use(lang):
    cells = json.loads(shipped(lang))["cells"]
    kinds = [(c["cell_type"], c["id"]) for c in cells]
    want = [("markdown", "intro"), ("code", "setup"), ("code", "load-ext")]
    for step in registry.STEPS:
        want += [("markdown", f"{step.id}-about"), ("code", f"{step.id}-kata"), ("code", f"{step.id}-use")]
    assert kinds == want + [("markdown", "end")]
    text = {c["id"]: cell_text(c) for c in cells}
    assert text["load-ext"] == "%load_ext kata"
    for step in registry.STEPS:
        assert text[f"{step.id}-kata"].startswith(f"%%kata {step.id}\n")
        last = text[f"{step.id}-use"].split("\n")[-1]
        assert last == (f"%kata train {step.id}" if step.train else "main()"), step.id
        assert f"`steps/{step.filename}`" in text[f"{step.id}-about"]


@by_lang
def test_every_code_cell_is_python_once_ipython_reads_it_and_the_setup_does_nothing_outside_colab(lang, monkeypatch):
    transformer = pytest.importorskip("IPython.core.inputtransformer2").TransformerManager()
    cells = {c["id"]: cell_text(c) for c in json.loads(shipped(lang))["cells"] if c["cell_type"] == "code"}
    python = {cell_id: transformer.transform_cell(source) for cell_id, source in cells.items()}
    for cell_id, source in python.items():
        ast.parse(source, filename=cell_id)

    calls = []

    class Shell:
        def __getattr__(self, name):
            return lambda *args: calls.append((name, args))

    monkeypatch.setenv("KATA_LANG", "xx")  # a language the learner chose is kept
    exec(compile(python["setup"], "setup", "exec"), {"get_ipython": Shell})  # noqa: S102  not on Colab
    assert calls == [] and __import__("os").environ["KATA_LANG"] == "xx"
    monkeypatch.delenv("KATA_LANG")
    exec(compile(python["setup"], "setup", "exec"), {"get_ipython": Shell})  # noqa: S102
    assert calls == [] and __import__("os").environ["KATA_LANG"] == lang  # the reports speak the notebook's language


def _letters(text: str) -> str:
    """The text without its backticks and white space (Markdown joins lines and wraps code in tags)."""
    return "".join(text.replace("`", "").split())


@by_lang
def test_each_step_docstring_renders_as_it_reads(lang):
    """The Markdown of a step's docstring shows its words as written: no identifier's underscores or a
    product's stars taken for emphasis, no HTML, its `- ` lines a list and its indented lines code."""
    markdown_it = pytest.importorskip("markdown_it")
    md = markdown_it.MarkdownIt("commonmark")
    i18n.use(lang)
    for step in registry.STEPS:
        doc = i18n.by_id(f"{step.id}.stub", step.stub_doc).strip("\n")
        rendered = md.render(tool.as_markdown(doc))
        assert not re.search(r"<(em|strong|h\d|a|img|blockquote|hr)\b", rendered), (step.id, rendered)
        plain = html.unescape(re.sub(r"<[^>]+>", " ", rendered))
        expected = re.sub(r"(?m)^(\s*)- ", r"\1", doc)  # the list markers become bullets
        assert _letters(plain) == _letters(expected), step.id
        assert rendered.count("<li>") == len(re.findall(r"(?m)^- ", doc)), step.id


def test_a_courses_address_is_written_once_and_kept_by_every_later_run(tmp_path, monkeypatch, capsys):
    """--repository sets what Colab clones; a later run without it (a stub changed) keeps it, and the
    drift check accepts it: a course's copy stays green. An address that is not one writes nothing."""
    monkeypatch.setattr(tool, "FOLDER", tmp_path)
    assert tool.main([]) == 0
    assert tool.shipped_repository("en") == tool.PLACEHOLDER
    course = "https://github.com/a-course/torch-nn-kata-2027.git"
    assert tool.main(["--repository", course]) == 0 and tool.main([]) == 0
    for lang in i18n.LANGUAGES:
        setup = next(c for c in json.loads(tool.path_of(lang).read_text(encoding="utf-8"))["cells"] if c["id"] == "setup")
        assert f'KATA_REPOSITORY = "{course}"' in cell_text(setup), lang
        assert tool.shipped_repository(lang) == course
    assert tool.main(["--check"]) == 0
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    for bad in ('https://x.org/a".git', "https://x.org/a.git; rm -rf ~", "file:///tmp/kata"):
        with pytest.raises(SystemExit):
            tool.main(["--repository", bad])
        assert "is not a Git address" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
