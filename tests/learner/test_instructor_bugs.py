"""What broke when the kata was tried as an instructor would (issue 17, item 5), each kept fixed:
compare --diff showed code with rich markup eaten, --check failed with no word after learners had
worked in steps/, --reset overwrote a reference solution, a one-epoch plot drew nothing, --plot to a
missing folder or an unknown format gave a traceback, the heat map had no colour scale, --reset's
backups were not ignored by git, and pyproject.toml said a version bound picks torch's CPU build.
"""
from __future__ import annotations

import shutil
import subprocess

import pytest

from kata import paths
from kata.authoring import selfcheck
from kata.classroom import cli as class_cli
from kata.classroom import reports
from kata.learner import cli
from kata.steps import registry

CODE = ["xb = x_train[start_i:end_i]", "pred = out[i:j].argmax(1)", "print('[bold]kept[/bold]')", "y = w[0]"]


def test_compare_diff_shows_slices_and_brackets_as_written(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    step = registry.BY_ID["step04"]
    for learner, extra in (("alice", "a = 1"), ("[bob]", "b = 2")):
        (tmp_path / learner).mkdir()
        (tmp_path / learner / step.filename).write_text("\n".join(CODE + [extra]) + "\n")
    assert class_cli.main_compare(["step04", str(tmp_path), "--diff", "alice", "[bob]"]) == 0
    out = capsys.readouterr().out
    for line in CODE:
        assert out.count(line) == 2, (line, out)  # once in each column, brackets and all
    assert "[bob]" in out and "a = 1" in out and "b = 2" in out


def test_the_self_check_says_which_stub_differs_and_grades_the_real_stub(tmp_path, monkeypatch):
    step = registry.BY_ID["step01"]
    assert selfcheck.stub_differs(step) == ""  # the shipped stub is what tools/make_stubs.py writes
    learner = tmp_path / "steps"
    shutil.copytree(paths.STEPS, learner)
    shutil.copy(paths.SOLUTIONS / step.filename, learner / step.filename)  # a learner finished step01
    monkeypatch.setattr(selfcheck.paths, "STEPS", learner)
    note = selfcheck.stub_differs(step)
    assert str(learner / step.filename) in note and "differs from the stub tools/make_stubs.py writes" in note
    assert selfcheck.grade_stub.__wrapped__(step.id).status == "not started"  # the generated stub, not the work
    row = selfcheck.StepCheck(step.id, True, True, caught=["x"], stub_note=note)
    assert f"note: {note}; the generated stub was graded instead" in selfcheck.table([row])
    assert "every check holds" in selfcheck.table([row])
    wrong = selfcheck.table([selfcheck.StepCheck(step.id, True, False)])
    assert "WRONG STATE" in wrong and "does not read 'not started'" in wrong


@pytest.mark.parametrize("target", ["solutions", str(paths.SOLUTIONS), str(paths.KATA / "steps" / "baselines")])
def test_reset_never_touches_the_reference_solutions(target, capsys):
    before = {p.name: p.read_bytes() for p in paths.SOLUTIONS.glob("*.py")}
    assert cli.main(["step03", "--reset", "--target", target]) == 2
    err = capsys.readouterr().err
    assert "never reset" in err and "Traceback" not in err
    assert {p.name: p.read_bytes() for p in paths.SOLUTIONS.glob("*.py")} == before
    assert not (paths.SOLUTIONS / ".kata-backups").exists()


def test_a_one_epoch_plot_draws_a_marker_for_each_point(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    from kata.learner import training

    figures = []
    subplots = plt.subplots

    def keep(*args, **kwargs):
        fig, axes = subplots(*args, **kwargs)
        figures.append(fig)
        return fig, axes

    monkeypatch.setattr(plt, "subplots", keep)
    row = {"train_loss": 0.5, "valid_loss": 0.4, "valid_accuracy": 0.9}
    training.plot([("step03 reference", [row]), ("step04 yours", [dict(row)])], True, tmp_path / "one.png")
    assert (tmp_path / "one.png").read_bytes()[:4] == b"\x89PNG"
    lines = [line for ax in figures[0].axes for line in ax.get_lines()]
    assert len(lines) == 6 and all(len(line.get_xdata()) == 1 for line in lines)
    assert all(line.get_marker() not in (None, "", "None", " ") for line in lines)  # a point you can see


@pytest.mark.parametrize("name, says", [("missing/curves.png", "does not exist"), ("curves.gif", ".png, .svg or .pdf")])
def test_a_bad_plot_path_is_one_sentence_before_any_training(name, says, tmp_path, capsys):
    pytest.importorskip("matplotlib")
    assert cli.main(["step04", "--train", "--epochs", "1", "--plot", str(tmp_path / name), "--target",
                     "solutions"]) == 2
    out = capsys.readouterr()
    assert says in out.err and "Traceback" not in out.err + out.out and "epoch" not in out.out
    assert len(out.err.strip().splitlines()) == 1


def test_the_heat_map_has_a_colour_scale_and_a_legend():
    from tests.classroom.test_reports import STEPS, step_grade

    grades = {"ann": {"step00": step_grade("passed", 9), "step04": step_grade("failing", 3, 4)},
              "ben": {"step00": step_grade("missing", 0, max_score=9), "step04": step_grade("passed", 7)}}
    svg = reports.heatmap_svg(reports.ClassResults(paths.ROOT, STEPS, list(grades), grades))
    assert "<linearGradient" in svg and 'fill="url(#scale)"' in svg
    for label in ("0%", "50%", "100%", "not submitted", "checks passed", "could not be graded"):
        assert label in svg, label
    assert reports._colour(0) == "#d73027" and reports._colour(1) == "#1a9850" and reports._colour(None) == "#e0e0e0"
    assert reports._colour(0.5) == "#fee08b"  # half way is yellow, not a muddy brown between red and green


def test_reset_backups_are_ignored_by_git():
    if shutil.which("git") and (paths.ROOT / ".git").exists():
        found = subprocess.run(["git", "check-ignore", "--no-index", "-q", "steps/.kata-backups/step04_optim.1.py"],
                               cwd=paths.ROOT)
        assert found.returncode == 0
    else:
        assert ".kata-backups/" in (paths.ROOT / ".gitignore").read_text().splitlines()


def test_pyproject_says_the_index_not_the_bound_picks_the_cpu_build():
    text = (paths.ROOT / "pyproject.toml").read_text()
    assert "keeps pip on the CPU build" not in text
    assert "https://download.pytorch.org/whl/cpu" in text and "2.13.0" in text and "2.2.2" in text  # both ends tested
