"""`python grader.py STEP --train [--epochs N] [--plot FILE.png]`: the run and its display.

The learner's code trains in its confined child (as it is graded); the reference trains here.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from rich.cells import cell_len

from kata.child import zygote_supply
from kata.child.scratch import Refused
from kata.child.workbench import train_drivers
from kata.grading import runner
from kata.i18n import N_, _, pad_cells
from kata.inert import inert
from kata.judging import verdicts
from kata.judging.remote import Child, ChildGone, LearnerError
from kata.learner import training
from kata.learner.training import Config
from kata.rendering import report
from kata.steps import registry

USAGE_ERROR = 2
PLOT_FORMATS = (".png", ".svg", ".pdf")


def _reference(step):
    """(module, label, family) of what the step is trained next to; the label is the English msgid,
    shown with _() in the table and as it is in the plot (the plot's font may have no Hangul)."""
    if step.baseline:
        return runner.baseline(step), (N_("{step} hand-written"), step.id), \
            step.train.baseline_family or step.train.family
    before = registry.previous(step)
    if before is None:
        return runner.reference(step), (N_("{step} reference"), step.id), step.train.family
    return runner.reference(before), (N_("{step} reference"), before.id), before.train.family


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
    zygote_supply.zygote()  # before the reference is loaded
    ref_module, (label, label_step), ref_family = _reference(step)
    ref_label = _(label).format(step=label_step)
    data, source = training.load_data(step.train.data, cfg)
    out.print(_("data: {source}").format(source=source), markup=False)
    import torch

    torch.set_num_threads(1)  # as the learner's child does: the same arithmetic, to the last bit
    ref = train_drivers.build(ref_family, ref_module, data, cfg.lr, cfg.bs, cfg.seed)
    try:
        with Child(zygote_supply.zygote(), path, None, None) as child:
            child.dtype = "float32"  # train mode trains as the step file does on its own
            child.load()
            remote_data = child.fixture("train_data", data.x_train, data.y_train, data.x_valid, data.y_valid,
                                        data.classify)
            mine = child.fixture("trainee", step.train.family, child.module(), remote_data, cfg.lr, cfg.bs, cfg.seed)
            same_start = child.observe("align", mine, [p.detach() for p in ref.params])
            out.print(_("Both start from the same initial weights.") if same_start else
                      _("The model changes in {step}: the two start from different weights, so their curves "
                        "differ.").format(step=step.id))
            mine_history = _epochs(out, step, data, cfg, ref, ref_label, child, mine, remote_data)
    except (Refused, LearnerError, ChildGone) as e:
        return _crashed(out, step, path, e)
    if step.train.note:
        out.print(step.train.note, markup=False)
    elif same_start:
        parted = next((i for i, (a, b) in enumerate(zip(ref.history, mine_history), 1)
                       if not training.coincide(a, b)), None)
        out.print(_("The curves coincide: your refactor trains exactly like the reference.") if parted is None else
                  _("The curves part at epoch {epoch}: grade the step (python grader.py {step}) to see where."
                    ).format(epoch=parted, step=step.id))
    if plot_path:
        training.plot([(label.format(step=label_step), ref.history), (f"{step.id} yours", mine_history)],
                      data.classify, plot_path)
        out.print(_("plot saved to {path}").format(path=plot_path), markup=False)
    return 0


def _epochs(out, step, data, cfg, ref, ref_label, child, mine, remote_data) -> list[dict]:
    columns = training.header_text(data.classify)
    width = cell_len(columns) + 4
    yours = _("{step} yours").format(step=step.id)
    out.print(pad_cells(_("epoch"), 6) + pad_cells(ref_label, width, "^") + pad_cells(yours, width, "^"), markup=False)
    out.print(" " * 6 + pad_cells(columns, width) + columns, markup=False)
    history = []
    for epoch in range(1, cfg.epochs + 1):
        ref.epoch()
        ref.history.append(train_drivers.measure(ref, data))
        child.observe("train_epoch", mine)
        history.append(child.observe("measure", mine, remote_data))
        same = training.coincide(ref.history[-1], history[-1])
        out.print(f"{epoch:<6}{training.row_text(ref.history[-1], data.classify):<{width}}"
                  f"{training.row_text(history[-1], data.classify)}" + ("" if same else "   " + _("← differs")),
                  markup=False)
    return history


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
