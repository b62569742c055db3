"""Train mode's run: the learner's step trained in its sealed child next to a reference trained here.

The reference is the step before's (or the step's hand-written baseline), driven by the driver its
declaration names (kata.child.workbench.train_drivers) with the same data, seed and, where the
model allows, the same initial weights; after every epoch both are measured alike. A front shows
the rows (kata.learner.train_cli); a learner's code that cannot be run raises what a grade would
(Refused, LearnerError, ChildGone), for the front to say.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kata.child import zygote_supply
from kata.child.workbench import train_drivers
from kata.child.workbench.train_drivers import Data
from kata.grading import runner
from kata.i18n import N_, _
from kata.judging.remote import Child
from kata.steps import registry


@dataclass
class Config:
    epochs: int = 2
    bs: int = 64
    lr: float | None = None  # None: the driver's default (0.5 logistic, the step's own for the CNN)
    seed: int = 0
    limit: int | None = None  # train on the first `limit` rows only (quick runs, tests)


def load_data(kind: str, cfg: Config) -> tuple[Data, str]:
    """(the data, where it came from)."""
    if kind == "houses":
        from kata.grading import runner
        from kata.steps import registry

        area, price = runner.reference(registry.BY_ID["step15"]).house_prices(n=200, seed=cfg.seed)
        n = cfg.limit or 160
        return (Data(area[:n], price[:n], area[160:], price[160:], classify=False),
                _("200 made-up houses (price = 3 * area + 0.5 + noise): 160 to train, 40 to validate"))
    from kata.data import load_mnist

    mnist = load_mnist()
    if cfg.limit:
        mnist = mnist.subset(min(cfg.limit, len(mnist.x_train)), min(max(cfg.limit // 5, 100), len(mnist.x_valid)))
    return Data(mnist.x_train, mnist.y_train, mnist.x_valid, mnist.y_valid), mnist.source


def reference_of(step):
    """(module, label, family) of what the step is trained next to; the label is the English msgid with
    the step it names, shown with _() in a table and as it is in a plot (whose font may have no Hangul)."""
    if step.baseline:
        return runner.baseline(step), (N_("{step} hand-written"), step.id), \
            step.train.baseline_family or step.train.family
    before = registry.previous(step)
    if before is None:
        return runner.reference(step), (N_("{step} reference"), step.id), step.train.family
    return runner.reference(before), (N_("{step} reference"), before.id), before.train.family


class SideBySide:
    """`SideBySide(step, folder, cfg)` loads the data (`.data`, and where it came from, `.source`) and
    builds the reference; `with` it, the learner's model is built in its child, and `run.epoch()` trains
    each one epoch and returns (the reference's row, the learner's row). `run.same_start` says whether
    both started from the same weights; `run.label` names the reference."""

    def __init__(self, step, folder: Path, cfg: Config):
        import torch

        self.step, self.cfg = step, cfg
        zygote_supply.zygote()  # before the reference is loaded
        module, self.label, family = reference_of(step)
        data, self.source = load_data(step.train.data, cfg)
        self.data = data
        torch.set_num_threads(1)  # as the learner's child does: the same arithmetic, to the last bit
        self.ref = train_drivers.build(family, module, data, cfg.lr, cfg.bs, cfg.seed)
        self.path = folder / step.filename
        self.child: Child | None = None
        self.same_start = False

    def __enter__(self) -> SideBySide:
        self.child = Child(zygote_supply.zygote(), self.path, None, None)
        try:
            self.child.dtype = "float32"  # train mode trains as the step file does on its own
            self.child.load()
            data = self.data
            self.remote_data = self.child.fixture("train_data", data.x_train, data.y_train, data.x_valid,
                                                  data.y_valid, data.classify)
            self.mine = self.child.fixture("trainee", self.step.train.family, self.child.module(), self.remote_data,
                                           self.cfg.lr, self.cfg.bs, self.cfg.seed)
            self.same_start = self.child.observe("align", self.mine, [p.detach() for p in self.ref.params])
        except BaseException:
            self.child.close()
            raise
        return self

    def epoch(self) -> tuple[dict, dict]:
        """One more epoch of each: (the reference's row, the learner's row)."""
        self.ref.epoch()
        self.ref.history.append(train_drivers.measure(self.ref, self.data))
        self.child.observe("train_epoch", self.mine)
        return self.ref.history[-1], self.child.observe("measure", self.mine, self.remote_data)

    def __exit__(self, *exc) -> None:
        if self.child is not None:
            self.child.close()
