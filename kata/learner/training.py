"""`python grader.py STEP --train`: what train mode shows (the run itself: kata.grading.training).

The step's code is driven through its own public names by the driver its declaration names
(kata.child.workbench.train_drivers), in its confined child; the reference of the step before it (or the step's
hand-written baseline) runs here with the same driver, seed and initial weights. After every epoch
both are measured alike: the loss over the whole training set, the loss and accuracy over the whole
validation set (never the last batch). For a correct refactor the two columns coincide.
"""
from __future__ import annotations

from kata.i18n import _, pad_cells


def shown(value: float) -> str:
    return f"{value:.4f}"


def header_text(classify: bool) -> str:
    names = (_("train loss"), _("valid loss"), _("accuracy")) if classify else (_("train MSE"), _("valid MSE"))
    return "  ".join(pad_cells(n, 10, ">") for n in names)


def row_text(row: dict, classify: bool) -> str:
    cells = [shown(row["train_loss"]), shown(row["valid_loss"])] + ([shown(row["valid_accuracy"])] if classify else [])
    return "  ".join(f"{c:>10}" for c in cells)


def coincide(a: dict, b: dict) -> bool:
    """The same numbers as printed (4 decimals): what the learner sees, not a check."""
    return all(shown(a[k]) == shown(b[k]) for k in a)


def plot(histories: list[tuple[str, list[dict]]], classify: bool, path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    panels = 2 if classify else 1
    fig, axes = plt.subplots(1, panels, figsize=(5 * panels, 3.6), squeeze=False)
    for (label, history), style in zip(histories, ("-o", "--s")):  # a marker: one epoch is one point
        epochs = range(1, len(history) + 1)
        axes[0][0].plot(epochs, [r["train_loss"] for r in history], style, label=f"{label}: train", markersize=4)
        axes[0][0].plot(epochs, [r["valid_loss"] for r in history], style, label=f"{label}: valid", markersize=4)
        if classify:
            axes[0][1].plot(epochs, [r["valid_accuracy"] for r in history], style, label=label, markersize=4)
    for ax in axes[0]:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes[0][0].set(title="loss", xlabel="epoch")
    axes[0][0].legend(fontsize=8)
    if classify:
        axes[0][1].set(title="validation accuracy", xlabel="epoch")
        axes[0][1].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110, metadata={"Software": None})
    plt.close(fig)
