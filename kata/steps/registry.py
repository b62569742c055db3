"""The ordered list of steps: what each one replaces, with what, its hints and its rules.

Adding a step touches this file (one entry), `steps/` and `solutions/` (the stub and the
reference, same file name) and `kata/steps/checks/` (its property checks, a module named after the
step id). Order matters: step N is graded against the reference of step N-1.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from kata.steps import static
from kata.steps.static import Rule

ALWAYS = (static.no_reference_import(), static.no_grader_tampering())


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
        return importlib.import_module(f"kata.steps.checks.{self.id}").CHECKS


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
    Step(
        "step07", "step07_validation", "Validation, shuffling, train/eval",
        replaces="training with no validation",
        replaced_by="get_data (a shuffled training loader, an in-order validation loader), model.train() / "
                    "model.eval(), torch.no_grad(), loss_batch",
        names=("loss_func", "Mnist_Logistic", "get_model", "loss_batch", "get_data", "fit"),
        hints=(
            "The validation loss is the mean over every validation row. loss_batch gives each batch's mean and "
            "its size: weight each mean by its size and divide by the number of rows, or the last, shorter batch "
            "counts as much as a full one.",
            "model.eval() lasts until model.train() is called again: call model.train() at the start of every "
            "epoch's training, model.eval() before validating, and validate inside `with torch.no_grad():`.",
            "The training DataLoader shuffles with a generator of its own, made from the seed, so that nothing else "
            "drawing random numbers (building a model, say) changes its order. The validation loader keeps the order "
            "and takes batches of 2 * bs.",
            "loss_batch steps only when it is given opt (backward, step, zero_grad, in that order); without opt it "
            "computes the loss and nothing else. It uses the loss_func it is given.",
        ),
        todos={
            "loss_batch": "the loss of the batch; when opt is given: backward, opt.step(), opt.zero_grad(). "
                          "Return (loss.item(), len(xb)).",
            "get_data": "a shuffled training DataLoader with its own torch.Generator seeded with seed, and an "
                        "in-order validation DataLoader with batch size 2 * bs.",
            "fit": "every epoch: model.train(), loss_batch with opt on each training batch; model.eval(), and under "
                   "torch.no_grad() loss_batch on each validation batch; their size-weighted mean, printed and "
                   "collected. Return the list.",
        },
        rules=(
            static.uses("no_grad", "validation runs under torch.no_grad(): no graph for a loss never backpropagated."),
            static.uses("eval", "model.eval() switches layers such as dropout to evaluation before validating."),
        ),
    ),
    Step(
        "step08", "step08_cnn", "A CNN through the same fit",
        replaces="the logistic model", replaced_by="the tutorial's CNN (three nn.Conv2d, F.relu, F.avg_pool2d), "
                                                   "SGD with momentum, fit unchanged",
        names=("loss_func", "Mnist_CNN", "get_model", "loss_batch", "get_data", "fit"),
        hints=(
            "A 3x3 convolution with stride 2 and padding 1 halves each side, rounding up: 28 -> 14 -> 7 -> 4. "
            "So conv3 leaves (bs, 10, 4, 4), and a 4x4 average pool leaves one number per channel.",
            "Keep dimension 0 the batch from the first line of forward to the last: torch.flatten(xb) and "
            "view(-1) merge it away, and squeeze() drops it when there is one image.",
            "Each image goes through the network on its own: nothing in forward may use the other images of the "
            "batch (a mean or a standard deviation over the batch, say).",
            "loss_batch, get_data and fit stay as step07 left them: they train any model they are given. Only the "
            "model and get_model change.",
        ),
        todos={
            "Mnist_CNN": {
                "__init__": "three nn.Conv2d layers conv1, conv2, conv3: 3x3 kernels, stride 2, padding 1; "
                            "1 -> 16 -> 16 -> 10 channels.",
                "forward": "one-channel 28x28 images, each convolution followed by F.relu, a 4x4 average pool, "
                           "then (bs, 10).",
            },
            "get_model": "a Mnist_CNN and optim.SGD over its parameters, with this lr and momentum=0.9.",
        },
        rules=(
            static.uses("Conv2d", "the CNN's layers are nn.Conv2d."),
            static.model_agnostic("fit", "loss_batch"),
        ),
    ),
    Step(
        "step09", "step09_sequential", "nn.Sequential",
        replaces="the hand-written CNN class", replaced_by="nn.Sequential of Lambda layers, nn.Conv2d, nn.ReLU and "
                                                           "nn.AvgPool2d",
        names=("loss_func", "Lambda", "preprocess", "get_model", "loss_batch", "get_data", "fit"),
        hints=(
            "Lambda is an nn.Module that keeps the function it is given and applies it in forward: a layer "
            "without parameters, so that plain functions can sit in an nn.Sequential.",
            "nn.Sequential holds modules only. F.relu is a function; nn.ReLU() is the same function as a module. "
            "One after each convolution, as in step08's forward.",
            "The layers run in the order they are listed: the same order as the lines of step08's forward, "
            "the reshapes included (Lambda(preprocess) first, the view to (bs, 10) last).",
        ),
        todos={
            "Lambda": {
                "__init__": "super().__init__(), then keep func.",
                "forward": "apply the function to x.",
            },
            "preprocess": "(bs, 784) -> (bs, 1, 28, 28).",
            "get_model": "nn.Sequential of step08's forward as layers (Lambda for the reshapes, nn.ReLU for the "
                         "activations, nn.AvgPool2d(4)), and SGD with momentum 0.9.",
        },
        rules=(
            static.uses("Sequential", "the model is an nn.Sequential."),
            static.avoids("relu", "F.relu is a function: nn.Sequential holds modules, so the activation is nn.ReLU()."),
            static.model_agnostic("fit", "loss_batch"),
        ),
    ),
    Step(
        "step10", "step10_wrapped", "Wrapped DataLoader, adaptive pool",
        replaces="reshaping inside the model, pooling tied to 28×28",
        replaced_by="WrappedDataLoader(dl, preprocess), nn.AdaptiveAvgPool2d(1)",
        names=("loss_func", "Lambda", "preprocess", "WrappedDataLoader", "get_model", "loss_batch", "get_data", "fit"),
        hints=(
            "WrappedDataLoader's __iter__ loops over self.dl and yields self.func(*batch): a new pass over dl every "
            "time it is called, once per epoch. __len__ is the number of batches of dl.",
            "nn.AdaptiveAvgPool2d takes the size of its output, not of its window: for one number per channel, "
            "whatever the size of the maps, ask for 1x1. The model must not reshape to 28x28 anywhere any more.",
            "On 28x28 digits the new model computes what step09's did: the same convolutions in the same order; "
            "only the first reshape moved out, into preprocess.",
        ),
        todos={
            "preprocess": "x (bs, 784) -> (bs, 1, 28, 28); y as it is. Return both.",
            "WrappedDataLoader": {
                "__init__": "keep dl and func.",
                "__len__": "the number of batches of dl.",
                "__iter__": "for every batch b of dl, yield func(*b).",
            },
            "get_model": "step09's nn.Sequential without the first reshape, nn.AdaptiveAvgPool2d(1) as its pooling, "
                         "and SGD with momentum 0.9.",
        },
        rules=(
            static.uses("AdaptiveAvgPool2d", "the pooling adapts to the size of the maps."),
            static.model_agnostic("fit", "loss_batch"),
        ),
    ),
    Step(
        "step11", "step11_device", "Device-agnostic code: torch.device",
        replaces="CPU-only code", replaced_by="torch.device, get_device(), model.to(dev), batches moved to dev in "
                                              "preprocess",
        names=("loss_func", "Lambda", "get_device", "preprocess", "WrappedDataLoader", "get_model", "loss_batch",
               "get_data", "fit"),
        hints=(
            "torch.cuda.is_available() says whether there is a GPU; torch.device(\"cuda\") and torch.device(\"cpu\") "
            "name the two places a tensor can live.",
            "Everything an operation uses must be on one device: the model's parameters (model.to(dev) moves them "
            "all, in place) and every batch, x and y both (x.to(dev) returns a moved copy: keep what it returns).",
            "Only where tensors live changes: on the CPU the numbers are exactly step10's.",
        ),
        todos={
            "get_device": "torch.device(\"cuda\") when torch.cuda.is_available(), else torch.device(\"cpu\").",
            "preprocess": "step10's preprocess, with x and y both moved to dev.",
            "get_model": "your step10 get_model, the model moved to dev (model.to(dev)) before the optimizer is "
                         "built over its parameters.",
        },
        rules=(
            static.uses("device", "the code names its device with torch.device."),
            static.no_method_call("cuda", "hard-codes the GPU, so the code fails where there is none; .to(dev) "
                                          "works on both."),
            static.model_agnostic("fit", "loss_batch"),
        ),
    ),
    # --- steps 12-14: companion lessons (flatten, hooks, regression) ---
    Step(
        "step12", "step12_flatten", "nn.Flatten in LeNet and a CNN",
        replaces="num_flat_features and x.view(-1, n)", replaced_by="nn.Flatten(), torch.flatten(x, 1)",
        names=("LeNet", "CNN"),
        hints=(
            "torch.flatten(x, 1) and nn.Flatten() keep dimension 0, the batch, and merge the others: "
            "(bs, 16, 5, 5) -> (bs, 400). Which dimension does torch.flatten(x) start at, as seed 000 calls it?",
            "nn.Flatten is a layer without parameters: create it in __init__ beside the others and call it in "
            "forward. The model's parameters stay exactly those of the hand-written version, with the same names.",
            "Only the reshaping line changes: the same layers, ReLUs and pools, in the same order. The "
            "hand-written versions are in kata/steps/baselines/step12_handwritten.py.",
        ),
        todos={
            "LeNet": {
                "__init__": "the hand-written LeNet's layers (same names and sizes), plus an nn.Flatten() named flatten.",
                "forward": "the hand-written forward, with self.flatten(x) where it called view and num_flat_features.",
            },
            "CNN": {
                "forward": "the hand-written forward, with torch.flatten(x, 1) in place of the view.",
            },
        },
        rules=(
            static.uses_one_of(("Flatten", "flatten"), "flatten with nn.Flatten() or torch.flatten(x, 1)."),
            static.gone("num_flat_features", "nn.Flatten and torch.flatten(x, 1) count the features themselves."),
            static.no_call_in("forward", ("view", "reshape"), "forward reshapes with no view(-1, n)",
                              "the hand-written reshape: flatten from dimension 1 instead."),
        ),
        baseline="kata/steps/baselines/step12_handwritten.py",
    ),
    Step(
        "step13", "step13_hooks", "Hooks, and calling the module",
        replaces="print statements inside forward, retain_grad() to see gradients",
        replaced_by="register_forward_hook, register_full_backward_hook, handle.remove(), model(xb)",
        names=("CNN", "record_output", "record_grad", "inspect"),
        hints=(
            "A hook is a function torch calls for you: after layer.register_forward_hook(hook), every layer(x) "
            "calls hook(module, inputs, output); after layer.register_full_backward_hook(hook), backward calls "
            "hook(module, grad_input, grad_output) when it passes the layer.",
            "record_output and record_grad return the hook: an inner function that appends to `log` the name it "
            "was made with. inspect registers one of each on every layer.",
            "Every register_*_hook call returns a handle. Keep them and remove them all before inspect returns, "
            "or the hooks go on recording on every later pass.",
            "Call modules: model(xb), self.fc1(x). .forward(...) does the arithmetic without running any hook; "
            "hooks_run() in the file shows it.",
        ),
        todos={
            "CNN": {
                "forward": "the layers as before, without the print statements; call each layer as a module.",
            },
            "record_output": "return a hook(module, inputs, output) that appends (name, a detached copy of output) to log.",
            "record_grad": "return a hook(module, grad_input, grad_output) that appends (name, a detached copy of "
                           "grad_output[0]) to log.",
            "inspect": "hooks on every child layer, one forward (call the model) and backward of F.cross_entropy, "
                       "every handle removed; return (outputs, grads).",
        },
        rules=(
            static.no_call_in("forward", ("print",), "forward prints nothing",
                              "the hooks do the looking now: delete the print."),
            static.calls_modules_not_forward("hooks_run"),
            static.uses("register_forward_hook", "record each layer's output with a forward hook."),
            static.uses("register_full_backward_hook", "record the gradients with a full backward hook. "
                        "register_backward_hook is deprecated: on a layer made of several operations it reports "
                        "the gradients of the last one only."),
        ),
        baseline="kata/steps/baselines/step13_printing.py",
    ),
    Step(
        "step14", "step14_regression", "House prices: MSELoss and SGD",
        replaces="hand-written mean squared error and `w -= lr * w.grad` for the house-price regression",
        replaced_by="nn.Linear(1, 1), nn.MSELoss(), optim.SGD",
        names=("loss_fn", "loss_of", "get_model", "fit"),
        hints=(
            "nn.Linear(1, 1) reads rows of features: the areas (n,) go in as one column, x.unsqueeze(1), (n, 1), "
            "and the prices come out as (n, 1).",
            "nn.MSELoss compares its two inputs element by element after broadcasting them: give the prices the "
            "predictions' shape, or (n, 1) against (n,) becomes an (n, n) table. torch only warns.",
            "nn.Linear(1, 1).weight is (1, 1) and holds w; bias is (1,) and holds b. The optimizer is plain SGD "
            "over model.parameters() with the lr get_model is given.",
            "Each epoch: opt.zero_grad(), loss.backward(), opt.step(), and keep loss.item() before moving on.",
        ),
        todos={
            "loss_fn": "nn.MSELoss() computes it (`loss_fn = nn.MSELoss()`).",
            "loss_of": "the model on the areas as one column, then loss_fn against the prices in the same shape.",
            "get_model": "nn.Linear(1, 1) and optim.SGD over its parameters with this lr.",
            "fit": "each epoch: the loss, opt.zero_grad(), loss.backward(), opt.step(); return every epoch's loss.",
        },
        rules=(
            static.uses_one_of(("MSELoss", "mse_loss"), "the loss is nn.MSELoss()."),
            static.uses("SGD", "the update is torch.optim.SGD's step()."),
            static.no_parameter_update_by_hand("fit"),
        ),
        baseline="kata/steps/baselines/step14_handwritten.py",
    ),
)

BY_ID = {s.id: s for s in STEPS}


def find(name: str) -> Step | None:
    """A step by id ("step04", "step4", "4", "04"), slug ("step04_optim") or file ("steps/step04_optim.py")."""
    name = name.strip().replace("\\", "/").rsplit("/", 1)[-1].removesuffix(".py")
    if name.isdigit():
        name = f"step{int(name):02d}"
    if name.startswith("step") and name[4:].isdigit():
        name = f"step{int(name[4:]):02d}"
    return BY_ID.get(name) or next((s for s in STEPS if s.slug == name), None)


def previous(step: Step) -> Step | None:
    i = STEPS.index(step)
    return STEPS[i - 1] if i else None
