"""The ordered list of steps: what each one replaces, with what, its hints and its rules.

Adding a step touches this file (one entry), `steps/` and `solutions/` (the stub and the
reference, same file name) and `kata/checks/` (its property checks, a module named after the
step id). Order matters: step N is graded against the reference of step N-1.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from kata import static
from kata.static import Rule

ALWAYS = (static.no_reference_import(),)


@dataclass(frozen=True)
class Step:
    id: str  # "step04": what the learner types
    slug: str  # "step04_optim": the file name without .py, in steps/ and solutions/
    title: str
    replaces: str  # the hand-written part
    replaced_by: str  # its torch.nn equivalent
    names: tuple[str, ...]  # public names the step must define
    hints: tuple[str, ...]
    # what the stub leaves to do: name -> TODO text (a class: method -> text); the stub raises there
    todos: dict = field(default_factory=dict, hash=False)
    rules: tuple[Rule, ...] = ()
    # the module the checks compare with, relative to the project root; default: the reference
    # solution of the step before. Companion steps name the hand-written version they replace.
    baseline: str = ""

    @property
    def filename(self) -> str:
        return f"{self.slug}.py"

    @property
    def all_rules(self) -> tuple[Rule, ...]:
        return ALWAYS + self.rules

    def checks(self):
        """The step's property checks, imported on demand (they import hypothesis and torch)."""
        return importlib.import_module(f"kata.checks.{self.id}").CHECKS


STEPS: tuple[Step, ...] = (
    Step(
        "step00", "step00_scratch", "An MNIST classifier from scratch",
        replaces="nothing yet", replaced_by="plain tensor operations",
        names=("log_softmax", "nll", "accuracy", "init_weights", "model", "fit"),
        hints=(
            "log_softmax: each row is normalised on its own. Reduce over the last dimension and keep "
            "that dimension (unsqueeze(-1) or keepdim=True), or (bs, 10) - (bs,) broadcasts across rows "
            "and is silently wrong exactly when bs is 10.",
            "nll picks one entry per row: input[row, target[row]] for every row, then the mean, negated. "
            "input[:, target] picks a (bs, bs) block instead.",
            "init_weights: scale the random tensor first and call requires_grad_() afterwards; a tensor "
            "computed from one that requires grad is not a leaf and never gets a .grad.",
            "fit: one update per batch (backward, update, zero the grads) inside the batch loop, and the "
            "batch count rounds up so the last, shorter batch is not dropped.",
        ),
        todos={
            "log_softmax": "subtract from each row the log of the sum of that row's exponentials.",
            "nll": "pick input[i, target[i]] for every row i, take the mean, negate it.",
            "accuracy": "argmax over the classes, compare with yb, the mean of the hits as a float.",
            "init_weights": "Xavier weights and zero bias, both leaf tensors that require grad.",
            "model": "the linear map, then log_softmax.",
            "fit": "the batch loop: loss, backward, the update under torch.no_grad(), zero the grads.",
        },
    ),
    Step(
        "step01", "step01_functional", "torch.nn.functional: cross_entropy",
        replaces="log_softmax + nll", replaced_by="F.cross_entropy",
        names=("loss_func", "accuracy", "init_weights", "model", "fit"),
        hints=(
            "F.cross_entropy expects raw scores (logits): it applies log_softmax itself, so the model "
            "must stop applying it.",
            "The hand-written log_softmax computes exp(x) directly, which is inf in float32 once x passes "
            "about 88.7; the library subtracts each row's maximum first and stays finite.",
            "Keep everything else as it was: same initialisation, same batches, same update.",
        ),
        todos={
            "loss_func": "F.cross_entropy does log_softmax and nll in one call (`loss_func = F.cross_entropy`).",
            "model": "return the raw logits: F.cross_entropy applies log_softmax itself.",
        },
        rules=(
            static.uses("cross_entropy", "the loss is F.cross_entropy now."),
            static.defines_none("log_softmax", "nll"),
        ),
    ),
    Step(
        "step02", "step02_module", "nn.Module and nn.Parameter",
        replaces="loose weights and bias, updated and zeroed by name",
        replaced_by="nn.Module, nn.Parameter, model.parameters(), model.zero_grad()",
        names=("loss_func", "accuracy", "Mnist_Logistic", "fit"),
        hints=(
            "Call super().__init__() before assigning anything to self in __init__.",
            "Only attributes wrapped in nn.Parameter are registered: a plain tensor attribute is not in "
            "model.parameters(), so it is never updated.",
            "Create the weights exactly as init_weights did (same formula, same order), so a model built "
            "after torch.manual_seed(s) starts where step 01 started.",
            "In fit, loop over model.parameters() for the update, then model.zero_grad() once per batch.",
        ),
        todos={
            "Mnist_Logistic": {
                "__init__": "super().__init__(), then weights and bias as nn.Parameter, made as init_weights made them.",
                "forward": "xb @ self.weights + self.bias.",
            },
            "fit": "update every p in model.parameters() under torch.no_grad(), then model.zero_grad().",
        },
        rules=(
            static.uses("Parameter", "the weights and bias are nn.Parameter attributes of the module."),
            static.uses("zero_grad", "model.zero_grad() clears every gradient at once."),
            static.no_update_by_name("fit", "weights", "bias"),
        ),
    ),
    Step(
        "step03", "step03_linear", "nn.Linear",
        replaces="hand-made weights and xb @ w + b", replaced_by="nn.Linear(784, 10)",
        names=("loss_func", "accuracy", "Mnist_Logistic", "fit"),
        hints=(
            "nn.Linear(in_features, out_features) stores its weight as (out, in): (10, 784), the "
            "transpose of the hand-made (784, 10) matrix.",
            "Name the layer `lin` (self.lin = ...) so its parameters are lin.weight and lin.bias.",
            "forward calls the layer; it no longer multiplies by hand.",
        ),
        todos={
            "Mnist_Logistic": {
                "__init__": "one nn.Linear(784, 10) layer, named lin.",
                "forward": "call the layer.",
            },
        },
        rules=(
            static.uses("Linear", "the model's layer is nn.Linear(784, 10)."),
            static.avoids("Parameter", "nn.Linear creates and registers its own weight and bias."),
            static.no_matmul("forward"),
        ),
    ),
    Step(
        "step04", "step04_optim", "torch.optim",
        replaces="p -= p.grad * lr and the manual zeroing", replaced_by="optim.SGD, opt.step(), opt.zero_grad()",
        names=("loss_func", "accuracy", "Mnist_Logistic", "get_model", "fit"),
        hints=(
            "Build the optimizer over model.parameters() with the learning rate, in get_model.",
            "After loss.backward(): opt.step() updates, then opt.zero_grad() clears, once per batch. "
            "Without the zeroing, each batch's gradient adds onto the previous ones.",
            "fit no longer needs torch.no_grad() or lr: the optimizer holds both concerns.",
        ),
        todos={
            "get_model": "a Mnist_Logistic and optim.SGD over its parameters with this lr.",
            "fit": "after backward, opt.step() and opt.zero_grad() replace the hand-written update and zeroing.",
        },
        rules=(
            static.uses("SGD", "the optimizer is torch.optim.SGD."),
            static.no_parameter_update_by_hand("fit"),
        ),
    ),
    Step(
        "step05", "step05_dataset", "TensorDataset",
        replaces="slicing x_train and y_train in parallel", replaced_by="TensorDataset",
        names=("loss_func", "accuracy", "Mnist_Logistic", "get_model", "fit"),
        hints=(
            "train_ds[a:b] returns the pair (x[a:b], y[a:b]): one slice of the dataset per batch.",
            "len(train_ds) is the number of rows; the batch count still rounds up.",
            "fit receives the dataset, not x and y: fit(model, opt, train_ds, epochs, bs).",
        ),
        todos={
            "fit": "one slice of train_ds per batch gives xb and yb together.",
        },
        rules=(
            static.uses("TensorDataset", "the data is wrapped in a TensorDataset."),
            static.avoids("tensors", "pulls x and y back out of the dataset to slice them apart."),
        ),
    ),
    Step(
        "step06", "step06_dataloader", "DataLoader",
        replaces="index arithmetic for batches", replaced_by="DataLoader",
        names=("loss_func", "accuracy", "Mnist_Logistic", "get_model", "get_dataloader", "fit"),
        hints=(
            "DataLoader(train_ds, batch_size=bs) yields (xb, yb) pairs in order; `for xb, yb in train_dl:` "
            "is the whole batch loop.",
            "Keep the order (no shuffling yet) and keep the last, shorter batch (no drop_last).",
            "fit(model, opt, train_dl, epochs): the loader knows the batch size.",
        ),
        todos={
            "get_dataloader": "a DataLoader over train_ds with batch size bs, in order.",
            "fit": "`for xb, yb in train_dl:` replaces the index arithmetic.",
        },
        rules=(
            static.uses("DataLoader", "the batches come from a DataLoader."),
            static.no_batch_index_arithmetic("fit"),
        ),
    ),
    # --- steps 07-11: validation, CNN, Sequential, wrapped loader, device (tutorial part 2-3) ---
    # --- steps 12-14: companion lessons (flatten, hooks, regression) ---
)

BY_ID = {s.id: s for s in STEPS}


def find(name: str) -> Step | None:
    """A step by id ("step04", "4", "04") or slug ("step04_optim")."""
    name = name.strip().removesuffix(".py")
    if name.isdigit():
        name = f"step{int(name):02d}"
    return BY_ID.get(name) or next((s for s in STEPS if s.slug == name), None)


def previous(step: Step) -> Step | None:
    i = STEPS.index(step)
    return STEPS[i - 1] if i else None
