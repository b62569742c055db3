"""`python grader.py STEP --train [--epochs N] [--plot FILE.png]`: the run and its display.

The learner's code trains in its confined child (as it is graded); the reference trains here.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from kata.engine import report, runner, sealed, verdicts
from kata.engine.remote import Child, ChildGone, LearnerError, Refused
from kata.learner import training
from kata.learner.training import Config
from kata.steps import drivers, registry

USAGE_ERROR = 2
PLOT_FORMATS = (".png", ".svg", ".pdf")


def _reference(step):
    """(module, label, family) of what the step is trained next to."""
    if step.baseline:
        return runner.baseline(step), f"{step.id} hand-written", step.train.baseline_family or step.train.family
    before = registry.previous(step)
    if before is None:
        return runner.reference(step), f"{step.id} reference", step.train.family
    return runner.reference(before), f"{before.id} reference", before.train.family


def usage(message: str) -> int:
    print(f"grader.py: {message}", file=sys.stderr)
    return USAGE_ERROR


def train(step, target: Path, cfg: Config, plot_path: Path | None) -> int:
    if step.train is None:
        trainable = ", ".join(s.id for s in registry.STEPS if s.train)
        return usage(f"{step.id} does not train a model; --train works for the steps that do ({trainable}).")
    if plot_path:
        if importlib.util.find_spec("matplotlib") is None:
            return usage("--plot needs matplotlib, which is not installed: pip install matplotlib "
                         "(or pip install -e '.[plot]'), or leave out --plot.")
        if plot_path.suffix.lower() not in PLOT_FORMATS:
            return usage(f"--plot {plot_path}: name a .png, .svg or .pdf file.")
        if not plot_path.parent.is_dir():
            return usage(f"--plot {plot_path}: the folder {plot_path.parent} does not exist.")
    path = target / step.filename
    out = report.console()
    sealed.zygote()  # before the reference is loaded
    ref_module, ref_label, ref_family = _reference(step)
    data, source = training.load_data(step.train.data, cfg)
    out.print(f"data: {source}", markup=False)
    import torch

    torch.set_num_threads(1)  # as the learner's child does: the same arithmetic, to the last bit
    ref = drivers.build(ref_family, ref_module, data, cfg.lr, cfg.bs, cfg.seed)
    try:
        with Child(sealed.zygote(), path, None, None) as child:
            child.dtype = "float32"  # train mode trains as the step file does on its own
            child.load()
            remote_data = child.fixture("train_data", data.x_train, data.y_train, data.x_valid, data.y_valid,
                                        data.classify)
            mine = child.fixture("trainee", step.train.family, child.module(), remote_data, cfg.lr, cfg.bs, cfg.seed)
            same_start = child.observe("align", mine, [p.detach() for p in ref.params])
            out.print("Both start from the same initial weights." if same_start else
                      f"The model changes in {step.id}: the two start from different weights, so their curves differ.")
            mine_history = _epochs(out, step, data, cfg, ref, ref_label, child, mine, remote_data)
    except (Refused, LearnerError, ChildGone) as e:
        return _crashed(out, step, path, e)
    if step.train.note:
        out.print(step.train.note, markup=False)
    elif same_start:
        parted = next((i for i, (a, b) in enumerate(zip(ref.history, mine_history), 1)
                       if not training.coincide(a, b)), None)
        out.print("The curves coincide: your refactor trains exactly like the reference." if parted is None else
                  f"The curves part at epoch {parted}: grade the step (python grader.py {step.id}) to see where.")
    if plot_path:
        training.plot([(ref_label, ref.history), (f"{step.id} yours", mine_history)], data.classify, plot_path)
        out.print(f"plot saved to {plot_path}", markup=False)
    return 0


def _epochs(out, step, data, cfg, ref, ref_label, child, mine, remote_data) -> list[dict]:
    columns = training.header_text(data.classify)
    width = len(columns) + 4
    out.print(f"{'epoch':<6}{ref_label:^{width}}{step.id + ' yours':^{width}}", markup=False)
    out.print(f"{'':<6}{columns:<{width}}{columns}", markup=False)
    history = []
    for epoch in range(1, cfg.epochs + 1):
        ref.epoch()
        ref.history.append(drivers.measure(ref, data))
        child.observe("train_epoch", mine)
        history.append(child.observe("measure", mine, remote_data))
        same = training.coincide(ref.history[-1], history[-1])
        out.print(f"{epoch:<6}{training.row_text(ref.history[-1], data.classify):<{width}}"
                  f"{training.row_text(history[-1], data.classify)}" + ("" if same else "   ← differs"), markup=False)
    return history


def _crashed(out, step, path, e) -> int:
    if isinstance(e, LearnerError) and e.kind == "not-implemented":
        out.print(f"{step.id} is not started yet: finish its TODOs, grade it, then train it.", markup=False)
        return 1
    if isinstance(e, Refused):
        what = verdicts.refused(path, str(e)) if str(e) != "missing" else f"{path} does not exist."
    elif isinstance(e, ChildGone):
        what = verdicts.gone(e, path, None)
    else:
        what = verdicts.learner_error(e.info, path)
    out.print(f"{step.id} cannot be trained: {what}\nGrade it first (python grader.py {step.id}): the checks say "
              "where it goes wrong.", markup=False)
    return 1
