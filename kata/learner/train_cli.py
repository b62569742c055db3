"""`python grader.py STEP --train [--epochs N] [--plot FILE.png]`: the run and its display."""
from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

from kata.engine import loading, report, runner
from kata.engine.loading import LoadProblem
from kata.learner import training
from kata.learner.training import Config
from kata.steps import registry

USAGE_ERROR = 2
# steps whose refactor changes what is trained on purpose: the curves are not expected to coincide
CHANGES_THE_RUN = {"step07": "step07 shuffles the training batches every epoch, where step06 kept their order: "
                             "expect curves that differ a little and end close together."}


def _reference(step):
    """(module, label, family) of what the step is trained next to."""
    if step.baseline:
        return runner.baseline(step), f"{step.id} hand-written", step.id
    before = registry.previous(step)
    if before is None:
        return runner.reference(step), f"{step.id} reference", step.id
    return runner.reference(before), f"{before.id} reference", before.id


def train(step, target: Path, cfg: Config, plot_path: Path | None) -> int:
    if not training.trainable(step.id):
        print(f"grader.py: {step.id} does not train a model; --train works for the steps that do "
              f"({', '.join(sorted(training.FAMILIES))}).", file=sys.stderr)
        return USAGE_ERROR
    if plot_path and importlib.util.find_spec("matplotlib") is None:
        print("grader.py: --plot needs matplotlib, which is not installed: pip install matplotlib "
              "(or pip install -e '.[plot]'), or leave out --plot.", file=sys.stderr)
        return USAGE_ERROR
    path = target / step.filename
    out = report.console()
    try:
        learner = loading.load(path)
    except (LoadProblem, NotImplementedError) as e:
        out.print(f"{path} cannot be trained: {e}", markup=False)
        return 1
    ref_module, ref_label, family = _reference(step)
    data = training.load_data(step.id, cfg)
    out.print(f"data: {data.source}", markup=False)
    ref = training.build(family, ref_module, data, cfg, ref_label, baseline_of=step.id if step.baseline else "")
    try:
        mine = training.build(step.id, learner, data, cfg, f"{step.id} yours")
    except Exception as e:  # the learner's code fails before training starts
        return _crashed(out, step, path, e)
    same_start = training.align(ref, mine)
    out.print("Both start from the same initial weights." if same_start else
              f"The model changes in {step.id}: the two start from different weights, so their curves differ.")
    return _epochs(out, step, path, data, cfg, ref, mine, same_start, plot_path)


def _epochs(out, step, path, data, cfg, ref, mine, same_start, plot_path) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    columns = training.header_text(data.classify)
    width = len(columns) + 4
    out.print(f"{'epoch':<6}{ref.label:^{width}}{mine.label:^{width}}", markup=False)
    out.print(f"{'':<6}{columns:<{width}}{columns}", markup=False)
    batches = 1 if not data.classify else math.ceil(len(data.x_train) / cfg.bs)
    parted = None
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=out,
                  transient=True) as bars:
        for epoch in range(1, cfg.epochs + 1):
            for t in (ref, mine):
                task = bars.add_task(f"epoch {epoch} · {t.label}", total=batches)
                try:
                    t.epoch(lambda: bars.advance(task))
                except Exception as e:
                    if t is ref:
                        raise
                    bars.stop()
                    return _crashed(out, step, path, e)
                t.history.append(training.measure(t, data))
                bars.remove_task(task)
            same = training.coincide(ref.history[-1], mine.history[-1])
            if not same and parted is None:
                parted = epoch
            out.print(f"{epoch:<6}{training.row_text(ref.history[-1], data.classify):<{width}}"
                      f"{training.row_text(mine.history[-1], data.classify)}"
                      + ("" if same else "   ← differs"), markup=False)
    if step.id in CHANGES_THE_RUN:
        out.print(CHANGES_THE_RUN[step.id], markup=False)
    elif same_start:
        out.print("The curves coincide: your refactor trains exactly like the reference." if parted is None else
                  f"The curves part at epoch {parted}: grade the step (python grader.py {step.id}) to see where.")
    if plot_path:
        training.plot([ref, mine], data.classify, plot_path)
        out.print(f"plot saved to {plot_path}", markup=False)
    return 0


def _crashed(out, step, path, e: Exception) -> int:
    if isinstance(e, NotImplementedError):
        out.print(f"{step.id} is not started yet ({e}): finish its TODOs, grade it, then train it.", markup=False)
        return 1
    out.print(f"{step.id} crashed while training: {loading.describe_exception(e, path)}\n"
              f"Grade it first (python grader.py {step.id}): the checks say where it goes wrong.", markup=False)
    return 1
