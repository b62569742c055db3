"""`python grader.py STEP --train [--epochs N] [--plot FILE.png]`: the run and its display.

The run itself is the grading core's (kata.grading.training): the learner's code trains in its
confined child, as it is graded, next to the reference; this shows it, epoch by epoch.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from rich.cells import cell_len

from kata.child.scratch import Refused
from kata.grading.training import Config, SideBySide
from kata.i18n import _, pad_cells
from kata.inert import inert
from kata.judging import verdicts
from kata.judging.remote import ChildGone, LearnerError
from kata.learner import training
from kata.rendering import report
from kata.steps import registry

USAGE_ERROR = 2
PLOT_FORMATS = (".png", ".svg", ".pdf")


def usage(message: str) -> int:
    print(f"grader.py: {message}", file=sys.stderr)
    return USAGE_ERROR


def train(step, target: Path, cfg: Config, plot_path: Path | None) -> int:
    if step.train is None:
        trainable = ", ".join(s.id for s in registry.STEPS if s.train)
        return usage(_("{step} does not train a model; --train works for the steps that do ({steps}).").format(
            step=step.id, steps=trainable))
    if plot_path:
        if importlib.util.find_spec("matplotlib") is None:
            return usage(_("--plot needs matplotlib, which is not installed: pip install matplotlib "
                           "(or pip install -e '.[plot]'), or leave out --plot."))
        if plot_path.suffix.lower() not in PLOT_FORMATS:
            return usage(_("--plot {path}: name a .png, .svg or .pdf file.").format(path=plot_path))
        if not plot_path.parent.is_dir():
            return usage(_("--plot {path}: the folder {folder} does not exist.").format(path=plot_path,
                                                                                       folder=plot_path.parent))
    path = target / step.filename
    out = report.console()
    run = SideBySide(step, target, cfg)
    label, label_step = run.label
    out.print(_("data: {source}").format(source=run.source), markup=False)
    try:
        with run:
            out.print(_("Both start from the same initial weights.") if run.same_start else
                      _("The model changes in {step}: the two start from different weights, so their curves "
                        "differ.").format(step=step.id))
            ref_history, mine_history = _epochs(out, step, cfg, run, _(label).format(step=label_step))
    except (Refused, LearnerError, ChildGone) as e:
        return _crashed(out, step, path, e)
    same_start, data = run.same_start, run.data
    if step.train.note:
        out.print(step.train.note, markup=False)
    elif same_start:
        parted = next((i for i, (a, b) in enumerate(zip(ref_history, mine_history), 1)
                       if not training.coincide(a, b)), None)
        out.print(_("The curves coincide: your refactor trains exactly like the reference.") if parted is None else
                  _("The curves part at epoch {epoch}: grade the step (python grader.py {step}) to see where."
                    ).format(epoch=parted, step=step.id))
    if plot_path:
        training.plot([(label.format(step=label_step), ref_history), (f"{step.id} yours", mine_history)],
                      data.classify, plot_path)
        out.print(_("plot saved to {path}").format(path=plot_path), markup=False)
    return 0


def _epochs(out, step, cfg, run, ref_label) -> tuple[list[dict], list[dict]]:
    """Train both, an epoch at a time, showing each epoch's row as it comes; (the reference's rows, the
    learner's rows)."""
    classify = run.data.classify
    columns = training.header_text(classify)
    width = cell_len(columns) + 4
    yours = _("{step} yours").format(step=step.id)
    out.print(pad_cells(_("epoch"), 6) + pad_cells(ref_label, width, "^") + pad_cells(yours, width, "^"), markup=False)
    out.print(" " * 6 + pad_cells(columns, width) + columns, markup=False)
    theirs, mine = [], []
    for epoch in range(1, cfg.epochs + 1):
        ref_row, row = run.epoch()
        theirs.append(ref_row)
        mine.append(row)
        same = training.coincide(ref_row, row)
        out.print(f"{epoch:<6}{training.row_text(ref_row, classify):<{width}}"
                  f"{training.row_text(row, classify)}" + ("" if same else "   " + _("← differs")),
                  markup=False)
    return theirs, mine


def _crashed(out, step, path, e) -> int:
    if isinstance(e, LearnerError) and e.kind == "not-implemented":
        out.print(_("{step} is not started yet: finish its TODOs, grade it, then train it.").format(step=step.id),
                  markup=False)
        return 1
    if isinstance(e, Refused):
        what = verdicts.refused(path, str(e)) if str(e) != "missing" else _("{path} does not exist.").format(path=path)
    elif isinstance(e, ChildGone):
        what = verdicts.gone(e, path, None)
    else:
        what = verdicts.learner_error(e.info, path)
    out.print(_("{step} cannot be trained: {what}\nGrade it first (python grader.py {step}): the checks say "
                "where it goes wrong.").format(step=step.id, what=inert(what)), markup=False)
    return 1
