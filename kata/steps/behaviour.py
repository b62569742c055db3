"""The API rules judged by what ran (kata.child.recording's record), keyed by rule id.

A rule with an entry here is decided by what the learner's code did while the checks called it;
its reading of the source only points at a line. An entry says which names' calls it looks at
(fit, loss_func, forward: how the judges called the code; "*": any), what must have run there,
and what must not. Where the checks never recorded a call to those names (the step's code did not
load, or every check is pending), the source rule stands in.
"""
from __future__ import annotations

from dataclasses import dataclass

from kata.i18n import N_

ANY = "*"


@dataclass(frozen=True)
class Ran:
    names: tuple[str, ...] = (ANY,)  # the learner names whose calls are looked at
    needs: tuple[tuple[str, str], ...] = ()  # (kind, name): one of them must have run there
    never: tuple[tuple[str, str], ...] = ()  # (kind, name): none of them may have run there
    by_hand: bool = False  # no parameter of an optimizer may change outside its step()
    says_needs: str = ""
    says_never: str = ""
    # (kind, name, where, says): what to say instead of says_never when that name ran in that learner's name
    never_where: tuple[tuple[str, str, str, str], ...] = ()


def _needs(kind: str, *names: str, where=(ANY,), says: str = "") -> Ran:
    return Ran(names=tuple(where), needs=tuple((kind, n) for n in names), says_needs=says)


BEHAVIOUR: dict[str, Ran] = {
    "uses-cross-entropy": _needs("functions", "cross_entropy", where=("loss_func", "fit"),
                                 says=N_("F.cross_entropy never ran when the checks called loss_func and fit")),
    "no-hand-written-log-softmax-nll": Ran(
        names=("loss_func", "fit", "model"), never=(("functions", "exp"), ("functions", "logsumexp"),
                                                    ("functions", "log_softmax")),
        says_never=N_("your loss still computes a log_softmax by hand (exp, log and sums ran where "
                   "F.cross_entropy should do it all)"),
        never_where=(("functions", "log_softmax", "model", N_(
            "your model still applies log_softmax (F.log_softmax ran in model): F.cross_entropy applies it "
            "itself, so model returns the raw logits, xb @ weights + bias")),)),
    "uses-zero-grad": _needs("apis", "zero_grad", where=("fit",), says=N_("zero_grad() never ran in fit")),
    "uses-linear": _needs("modules", "Linear", says=N_("no nn.Linear layer ran in the model")),
    "forward-does-no-matrix-product-by-hand": Ran(
        names=("forward",), never=(("functions", "matmul"), ("functions", "__matmul__"), ("functions", "mm")),
        says_never=N_("forward still multiplies by hand (a matrix product ran in forward itself)")),
    "uses-sgd": _needs("optimizers", "SGD", says=N_("no torch.optim.SGD was built or stepped")),
    "fit-updates-no-parameter-by-hand": Ran(
        names=("fit",), by_hand=True,
        says_never=N_("parameters changed outside opt.step() while fit ran: an update by hand (in fit or in "
                   "a function it calls)")),
    "uses-tensordataset": _needs("apis", "TensorDataset", where=("fit",),
                                 says=N_("fit never indexed a TensorDataset")),
    "uses-dataloader": _needs("apis", "DataLoader", where=("fit",), says=N_("fit never iterated a DataLoader")),
    "fit-does-no-index-arithmetic-for-batches": _needs(
        "apis", "DataLoader", where=("fit",), says=N_("fit slices its batches without iterating a DataLoader")),
    "uses-no-grad": _needs("apis", "no_grad", where=("fit", "loss_batch"),
                           says=N_("torch.no_grad() never ran in fit")),
    "uses-eval": _needs("apis", "eval", where=("fit",), says=N_("model.eval() never ran in fit")),
    "uses-conv2d": _needs("modules", "Conv2d", says=N_("no nn.Conv2d layer ran")),
    "uses-sequential": _needs("modules", "Sequential", says=N_("no nn.Sequential ran")),
    "uses-adaptiveavgpool2d": _needs("modules", "AdaptiveAvgPool2d", says=N_("no nn.AdaptiveAvgPool2d layer ran")),
    "uses-flatten-or-flatten": Ran(names=(ANY,), needs=(("modules", "Flatten"), ("functions", "flatten")),
                                   says_needs=N_("neither nn.Flatten nor torch.flatten ran")),
    "uses-register-forward-hook": _needs("apis", "register_forward_hook", where=("inspect", "record_output"),
                                         says=N_("register_forward_hook never ran in inspect")),
    "uses-register-full-backward-hook-or-register-backward-hook": Ran(
        names=("inspect", "record_grad"), needs=(("apis", "register_full_backward_hook"),
                                                 ("apis", "register_backward_hook")),
        says_needs=N_("no backward hook was registered in inspect")),
    "uses-mseloss-or-mse-loss": Ran(names=(ANY,), needs=(("modules", "MSELoss"), ("functions", "mse_loss")),
                                    says_needs=N_("neither nn.MSELoss nor F.mse_loss ran")),
}


def judge(rule_id: str, record: dict) -> tuple[bool, str] | None:
    """(held, why not) from what ran, or None when the record cannot tell (no call it looks at)."""
    ran = BEHAVIOUR.get(rule_id)
    if ran is None:
        return None
    calls = [r for name, r in record.items() if ANY in ran.names or name in ran.names]
    if not calls:
        return None
    seen = {kind: set().union(*(set(r.get(kind, ())) for r in calls)) for kind in
            ("functions", "modules", "optimizers", "apis")}
    if ran.needs and not any(seen.get(kind) for kind, _name in ran.needs):
        return None  # nothing of that kind ran at all (the checks stopped before the model did): cannot tell
    if ran.needs and not any(name in seen.get(kind, ()) for kind, name in ran.needs):
        return False, ran.says_needs
    if any(name in seen.get(kind, ()) for kind, name in ran.never):
        for kind, name, where, says in ran.never_where:  # where it ran, when that says more
            if name in set(record.get(where, {}).get(kind, ())):
                return False, says
        return False, ran.says_never
    if ran.by_hand and sum(int(r.get("by_hand", 0)) for r in calls):
        return False, ran.says_never
    return True, ""
