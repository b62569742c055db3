"""Mistakes a beginner makes in any step, each with its own hint ladder, keyed by a stable id.

A check's own ladder is about what the check compares; when the judge knows which mistake made it
fail (a training that parts because the gradients are not zeroed, a module without
super().__init__()), the learner is better served by that mistake's ladder: the report's hint is
its first rung, and --hint climbs it. The judge names the mistake (kata.judging.compare.Mismatch's
`mistake`, kata.judging.verdicts.known_crash); the runner keeps its id in CheckResult.mistake.

Each ladder climbs as the checks' do: the idea and where to look, then the API, and code only on
its last rung. The texts are shared by every step, so each is translated once.
"""
from __future__ import annotations

from kata.i18n import N_, _

LADDERS: dict[str, tuple[str, ...]] = {
    # a training that parts from the reference (kata.steps.common.divergence)
    "backward-per-batch": (
        N_("One batch, one loss, one backward pass, one update: all of them inside the loop over the batches."),
        N_("Look at the indentation: loss.backward() and the update must be indented under the `for` of the "
           "batches, not under the loop over epochs nor after it."),
        N_("for xb, yb in <the batches>:\n    loss = loss_func(model(xb), yb)\n    loss.backward()\n"
           "    <the update, then zero the gradients>"),
    ),
    "grads-not-zeroed": (
        N_("Gradients add up in .grad until something zeroes them: each update must use the gradient of its "
           "own batch only."),
        N_("opt.zero_grad() (or, by hand, p.grad.zero_() for each parameter) clears them: once per batch, after "
           "the update."),
        N_("loss.backward()\nopt.step()\nopt.zero_grad()"),
    ),
    "grads-changed-before-step": (
        N_("Between loss.backward() and the update, the gradients are what the update uses: nothing may zero "
           "or change them there."),
        N_("Zero the gradients after opt.step() (or before loss.backward()), never between the two."),
        N_("loss.backward()\nopt.step()\nopt.zero_grad()"),
    ),
    "momentum-missing": (
        N_("The reference's optimizer carries a running direction, its momentum, from one update to the next; "
           "yours moves by this batch's gradient alone."),
        N_("torch.optim.SGD takes momentum= beside lr=: the step's docstring says which value."),
        N_("optim.SGD(model.parameters(), lr=lr, momentum=0.9)"),
    ),
    "momentum-extra": (
        N_("Your optimizer keeps momentum, a running direction from update to update; the update it replaces "
           "moved each parameter by its own gradient alone."),
        N_("torch.optim.SGD has no momentum unless it is given one: leave momentum= out."),
        N_("optim.SGD(model.parameters(), lr=lr)"),
    ),
    "momentum-differs": (
        N_("Both optimizers keep momentum, but not the same: the running direction they carry parts."),
        N_("Compare the momentum= given to torch.optim.SGD with the one the step's docstring asks for."),
    ),
    "step-differs": (
        N_("The gradients are right: what the update does with them is not. Look at the learning rate, the sign "
           "and what is subtracted from each parameter."),
        N_("Each parameter moves by minus lr times its own gradient: opt.step() does it with the lr the "
           "optimizer was built with; by hand, under torch.no_grad()."),
        N_("with torch.no_grad():\n    for p in model.parameters():\n        p -= lr * p.grad"),
    ),
    # crashes a beginner meets (kata.judging.verdicts.KNOWN_CRASHES)
    "no-super-init": (
        N_("nn.Module sets itself up in its own __init__: call super().__init__() first in yours, before any "
           "self.something = ..."),
        N_("def __init__(self):\n    super().__init__()\n    self.<name> = nn.Parameter(...)"),
    ),
    "linear-width": (
        N_("A layer got an input whose last dimension is not the in_features it was built with: nn.Linear(in, out) "
           "takes (bs, in) and gives (bs, out)."),
        N_("Print the input's shape on the line that fails and compare its last size with the layer's "
           "in_features; the weight of nn.Linear(in, out) is (out, in)."),
        N_("nn.Linear(784, 10)   # (bs, 784) -> (bs, 10)"),
    ),
    "loss-without-grad": (
        N_("backward() needs a loss computed from tensors that require gradients: the model's parameters, not a "
           "copy or a tensor made under torch.no_grad()."),
        N_("Between the parameters and the loss, only torch operations: no .item(), .detach(), .data or "
           "torch.tensor(...) of a result, and the loss of a training batch is not computed under "
           "torch.no_grad()."),
    ),
}


def ladder(mistake: str) -> tuple[str, ...]:
    """The mistake's hints in the learner's language; () for an id this kata does not know (a verdict
    recorded by another version)."""
    return tuple(_(hint) for hint in LADDERS.get(mistake, ()))
