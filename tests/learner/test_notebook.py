"""The notebook front in a real Jupyter kernel (nbclient runs a notebook headless in ipykernel): the
shipped notebook with each step's cell replaced by its reference solution, then by its stub, then
step04 without zero_grad, and the bad inputs, each read back from the cells' outputs as a learner's
front end shows them (text/plain and text/html).

One kernel and one warm server for the whole module: the first `%%kata` grades cold and starts the
server, the others are served warm, as in a learner's notebook.
"""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kata import paths
from kata.authoring import mutants
from kata.steps import registry
from kata.steps.stubs import make_stub
from tests.conftest import server_released

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

pytestmark = pytest.mark.slow
NOTEBOOK = paths.ROOT / "notebooks" / "kata.en.ipynb"
WRONG = mutants.find("step04", "no-zero-grad").source()


def _cell(source: str, cell_id: str):
    cell = nbformat.v4.new_code_cell(source)
    cell.id = cell_id
    return cell


def _learners_notebook(tmp: Path):
    """The shipped notebook as a learner fills it in: every step's cell holds its reference solution
    (the "use" cells, which train on MNIST, left out), then its stub again; then the mistakes."""
    shipped = nbformat.reads(NOTEBOOK.read_text(encoding="utf-8"), as_version=4)
    cells = [c for c in shipped.cells if c.cell_type == "markdown" or c.id in ("setup", "load-ext")]
    cells.insert(0, _cell("import sys\nprint('torch' in sys.modules)", "before"))
    cells.insert(cells.index(next(c for c in cells if c.id == "load-ext")) + 1,
                 _cell("print('torch' in sys.modules)", "after-load"))
    for step in registry.STEPS:
        solution = (paths.SOLUTIONS / step.filename).read_text(encoding="utf-8")
        cells.append(_cell(f"%%kata {step.id}\n{solution}", f"{step.id}-solution"))
        if step.id == "step04":
            cells.append(_cell("model, opt = get_model()\nprint('names:', type(opt).__name__, __name__)", "names"))
    for step in registry.STEPS:
        cells.append(_cell(f"%%kata {step.id}\n{make_stub(step)}", f"{step.id}-stub"))
    cells += [
        _cell(f"%%kata 4\n{WRONG}", "wrong"),
        _cell(f"%%kata step4 --raise\n{WRONG}", "wrong-raise"),
        _cell("print('run all goes on')", "goes-on"),
        _cell("%%kata step99\nx = 1\n", "unknown"),
        _cell("%%kata\nx = 1\n", "no-step"),
        _cell("%%kata step03\nimport torch\n!pip install torch\n", "shell-line"),
        _cell("%%kata step03\n%time x = 1\n", "magic-line"),
        _cell("%%kata step03\n\n   \n", "empty"),
        _cell("%%kata step02 --lang vi\n" + (paths.SOLUTIONS / registry.BY_ID["step02"].filename).read_text(), "vi"),
        _cell("%kata hint step04", "hint"),
        _cell("%kata diff step04", "diff"),
        _cell("%kata", "board"),
        _cell("%kata reset step05", "reset"),
        _cell("%%kata step01\n" + (paths.SOLUTIONS / registry.BY_ID["step01"].filename).read_text(), "again"),
        _cell("%kata train step01 --epochs 1 --limit 600", "train"),
        # a machine without Landlock, as Colab may be (root there: each child runs as a user of its own)
        _cell("os.environ.update(KATA_SERVER='off', KATA_SANDBOX='uid' if os.geteuid() == 0 else 'process')",
              "no-landlock"),
        _cell("%%kata step02\n" + (paths.SOLUTIONS / registry.BY_ID["step02"].filename).read_text()
              + "# graded where Landlock is missing\n", "weaker"),
        _cell("del os.environ['KATA_SANDBOX'], os.environ['KATA_SERVER']", "landlock-again"),
        # the setup cell as Colab runs it (google.colab imported), the course's address never set
        _cell("sys.modules['google.colab'] = type(sys)('google.colab')", "as-colab"),
        _cell(next(c.source for c in shipped.cells if c.id == "setup"), "colab-setup"),
        _cell("del sys.modules['google.colab']\nprint('run all goes on')", "after-colab"),
    ]
    shipped.cells = cells
    return shipped


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    """The learner's notebook, run in a kernel whose working folder holds the learner's steps/."""
    tmp = tmp_path_factory.mktemp("notebook")
    (tmp / "steps").mkdir()
    state = tmp / "state"
    env = {k: v for k, v in os.environ.items() if k not in ("KATA_IN_SERVER", "KATA_SERVER")} | {
        "KATA_STATE_DIR": str(state), "KATA_LANG": "en", "KATA_OFFLINE": "1", "COLUMNS": "100"}
    notebook = _learners_notebook(tmp)
    client = nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3", allow_errors=True,
                                     resources={"metadata": {"path": str(tmp)}})
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)  # the kernel's environment is this process's
    try:
        client.execute()
    finally:
        os.environ.clear()
        os.environ.update(saved)
        _stop_server(env, state)
    return tmp, {c.id: c for c in notebook.cells}


def _stop_server(env: dict, state: Path) -> None:
    deadline = time.monotonic() + 120
    while not server_released(state / "server.lock") and time.monotonic() < deadline:
        subprocess.run([sys.executable, str(paths.ROOT / "grader.py"), "server", "stop"], env=env,
                       capture_output=True, timeout=60)
        time.sleep(0.5)


def _text(cell) -> str:
    parts = []
    for out in cell.get("outputs", []):
        if out.output_type == "stream":
            parts.append(out.text)
        elif out.output_type in ("display_data", "execute_result"):
            parts.append(out.data.get("text/plain", ""))
        elif out.output_type == "error":
            parts.append(f"{out.ename}: {out.evalue}")
    return "\n".join(parts)


def _html(cell) -> str:
    return "\n".join(o.data.get("text/html", "") for o in cell.get("outputs", []) if "data" in o)


def test_loading_the_extension_imports_no_torch(ran):
    _, cells = ran
    assert _text(cells["before"]).strip() == "False"
    assert _text(cells["after-load"]).strip() == "False"


def test_every_reference_solution_passes_in_its_cell(ran):
    tmp, cells = ran
    for step in registry.STEPS:
        text = _text(cells[f"{step.id}-solution"])
        assert f"{step.id} passed" in text, text
        assert "\x1b[" not in text  # the plain text has no terminal colours
        assert "kata-report" in _html(cells[f"{step.id}-solution"])


def test_a_graded_cells_names_are_the_notebooks_and_its_main_does_not_run(ran):
    _, cells = ran
    assert "names: SGD __main__" in _text(cells["names"])


def test_every_stub_is_not_started_and_the_solution_before_it_is_kept(ran):
    tmp, cells = ran
    for step in registry.STEPS:
        text = _text(cells[f"{step.id}-stub"])
        assert f"{step.id} not started" in text, text
        assert "Your previous file is kept in" in text
    backups = tmp / "steps" / ".kata-backups"
    assert (backups / "step04_optim.1.py").read_text() == (paths.SOLUTIONS / "step04_optim.py").read_text()


def test_a_failing_cell_says_why_in_text_and_html_and_a_run_all_goes_on(ran):
    _, cells = ran
    text, html = _text(cells["wrong"]), _html(cells["wrong"])
    assert "✗ k updates over several batches" in text and "step04 not yet" in text
    assert "✗" in html and "color" in html and "<pre" in html
    assert "KataFailed" not in text  # no --raise: the notebook goes on
    # the commands it names are the notebook's magics, not the command line's
    assert "More help, one hint at a time: %kata hint step04" in text and "python grader.py" not in text
    assert "KataFailed: step04 does not pass yet." in _text(cells["wrong-raise"])
    assert "run all goes on" in _text(cells["goes-on"])


@pytest.mark.parametrize("cell_id, line", [
    ("unknown", "unknown step 'step99'. The steps are: step00,"),
    ("no-step", "%%kata needs a step, e.g. %%kata step04."),
    ("shell-line", "line 3 of the cell is not Python: '!pip install torch'."),
    ("magic-line", "line 2 of the cell is not Python: '%time x = 1'."),
    ("empty", "step03: not started: the cell below %%kata step03 is empty."),
])
def test_bad_input_is_one_line_and_writes_nothing(ran, cell_id, line):
    tmp, cells = ran
    text = _text(cells[cell_id]).strip()
    assert text.startswith(line) and len(text.splitlines()) == 1, text
    assert (tmp / "steps" / "step03_linear.py").read_text() == make_stub(registry.BY_ID["step03"])


def test_the_language_of_a_cell(ran):
    _, cells = ran
    assert "step02 đạt" in _text(cells["vi"]) or "đạt" in _text(cells["vi"])


def test_hint_diff_board_and_reset(ran):
    tmp, cells = ran
    assert "hint 2 of 3" in _text(cells["hint"]) and "it fails in your file as it is now" in _text(cells["hint"])
    assert "--- " in _text(cells["diff"]) and "step03_linear.py" in _text(cells["diff"])
    assert "step04_optim" in _text(cells["board"]) and "of 16 steps passed" in _text(cells["board"])
    assert "is the stub again" in _text(cells["reset"]) or "already the untouched stub" in _text(cells["reset"])


def test_train_mode_shows_its_curves_inline(ran):
    _, cells = ran
    text = _text(cells["train"])
    assert "The curves coincide" in text and "plot saved to" not in text, text  # the picture is in the cell
    pictures = [o for o in cells["train"].outputs if "data" in o and "image/png" in o.data]
    if importlib.util.find_spec("matplotlib") is not None:
        assert len(pictures) == 1, text


def test_without_landlock_a_cell_grades_all_the_same_and_names_the_weaker_isolation(ran):
    _, cells = ran
    text = _text(cells["weaker"])
    assert "step02 passed" in text, text
    weaker = "its own user" if os.geteuid() == 0 else "process"
    assert "isolation: " in text and weaker in text and "this machine has no Landlock" in text, text
    assert "this machine has no Landlock" in _html(cells["weaker"])


def test_on_colab_a_notebook_whose_course_address_was_never_set_says_so_and_clones_nothing(ran):
    tmp, cells = ran
    text = _text(cells["colab-setup"])
    assert "SystemExit: This notebook does not yet know where your course keeps the kata." in text, text
    assert "KATA_REPOSITORY above" in text and "Cloning into" not in text and "fatal:" not in text
    assert not (tmp / "torch-nn-kata").exists()  # nothing cloned, nothing installed
    assert "run all goes on" in _text(cells["after-colab"])


def test_the_shipped_notebook_is_the_one_tested():
    """The cells above are the shipped notebook's, markdown and setup included."""
    shipped = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    assert {"setup", "load-ext"} <= {c.get("id") for c in shipped["cells"]}
    assert shutil.which  # noqa: B018


# --- without a kernel: what the magics refuse, and why ------------------------------------------------------

def test_a_kata_imported_from_somewhere_that_is_not_its_clone_says_how_to_point_at_one(monkeypatch, tmp_path):
    from kata.learner import notebook

    monkeypatch.setattr(paths, "ROOT", tmp_path / "site-packages")
    monkeypatch.setattr(paths, "SOLUTIONS", tmp_path / "site-packages" / "solutions")
    with pytest.raises(notebook.Refusal, match=r"cannot be found from this kernel .*%pip install -e"):
        notebook.target_folder("steps")


def test_only_a_line_that_breaks_the_cell_is_called_a_shell_line():
    from kata.learner import notebook

    docstring = '"""A step.\n\n%timeit is how you would time it in a notebook.\n"""\nx = 1\n'
    assert notebook.shell_line(docstring) is None  # inside a string: Python, and the cell compiles
    assert notebook.shell_line("import torch\n  !ls\n") == (2, "!ls")
    assert notebook.shell_line("def f(:\n    pass\n") is None  # a syntax error of its own: the grade says it


def test_a_cell_is_never_written_into_the_reference_solutions_or_the_grader():
    from kata.learner import notebook

    step = registry.BY_ID["step04"]
    before = (paths.SOLUTIONS / step.filename).read_bytes()
    for folder in (paths.SOLUTIONS, paths.KATA):
        with pytest.raises(notebook.Refusal, match="no cell is written there"):
            notebook.write_cell(step, folder, "x = 1\n")
    assert (paths.SOLUTIONS / step.filename).read_bytes() == before and not (paths.KATA / step.filename).exists()


def test_a_diff_shows_the_learners_lines_as_they_are():
    from kata.learner import notebook

    line = "+    print('run python grader.py step04 --hint')"
    assert line in notebook.Shown(line, 0, magics=False).text
    assert "%kata hint step04" in notebook.Shown("python grader.py step04 --hint", 0).text
