"""A catalogue of wrong versions: realistic learner bugs, each a one-place edit of a reference
solution, and the check that must catch it.

The test suite grades every one of them and requires the named check to fail with a readable
message; a wrong version that no check catches is a hole in the kata, not a test to delete.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kata.registry import BY_ID

SOLUTIONS = Path(__file__).resolve().parent.parent / "solutions"


@dataclass(frozen=True)
class Mutant:
    step: str  # "step04"
    name: str  # short id, unique within the step
    description: str  # what the learner did, in one line
    old: str  # text of the reference solution, found exactly once
    new: str  # what the learner wrote instead
    catches: str  # the name of the check that must fail

    def source(self) -> str:
        """The reference solution with this bug put in."""
        text = (SOLUTIONS / BY_ID[self.step].filename).read_text()
        if text.count(self.old) != 1:
            raise ValueError(f"{self.step}/{self.name}: the edited text occurs {text.count(self.old)} times, not once")
        return text.replace(self.old, self.new)

    def write(self, folder: Path) -> Path:
        """Write the wrong version into `folder`, laid out like steps/; return its path."""
        path = folder / BY_ID[self.step].filename
        path.write_text(self.source())
        return path


M = Mutant
CATALOGUE: tuple[Mutant, ...] = (
    # step00: hand-written everything
    M("step00", "log-softmax-no-unsqueeze", "subtracts the (bs,) normaliser without unsqueeze: right at bs=1, "
      "silently wrong at bs=10, a crash elsewhere",
      "x.exp().sum(-1).log().unsqueeze(-1)", "x.exp().sum(-1).log()", "log_softmax(x) ≈ F.log_softmax(x, dim=-1)"),
    M("step00", "log-softmax-dim0", "normalises over the batch (dim 0) instead of over the classes",
      "x.exp().sum(-1).log().unsqueeze(-1)", "x.exp().sum(0).log().unsqueeze(0)",
      "log_softmax(x) ≈ F.log_softmax(x, dim=-1)"),
    M("step00", "nll-sum", "sums the log-likelihoods instead of averaging them",
      "-input[range(target.shape[0]), target].mean()", "-input[range(target.shape[0]), target].sum()",
      "nll(log_probs, target) ≈ F.nll_loss"),
    M("step00", "nll-column-block", "indexes input[:, target], a (bs, bs) block, instead of one entry per row",
      "-input[range(target.shape[0]), target].mean()", "-input[:, target].mean()",
      "nll(log_probs, target) ≈ F.nll_loss"),
    M("step00", "init-not-leaf", "asks for gradients before scaling, so the weights are not a leaf",
      "weights = torch.randn(n_in, n_out) / math.sqrt(n_in)  # (784, 10)\n    weights.requires_grad_()",
      "weights = torch.randn(n_in, n_out, requires_grad=True) / math.sqrt(n_in)  # (784, 10)",
      "init_weights() gives leaf weights randn(784, 10) / sqrt(784) and zero bias"),
    M("step00", "update-after-loop", "the seed notebook's indentation slip: backward and the update run once "
      "per epoch, after the batch loop",
      "            loss.backward()\n            # the update itself must not be recorded in the graph\n"
      "            with torch.no_grad():\n                weights -= weights.grad * lr\n"
      "                bias -= bias.grad * lr\n                weights.grad.zero_()\n                bias.grad.zero_()",
      "        loss.backward()\n        with torch.no_grad():\n            weights -= weights.grad * lr\n"
      "            bias -= bias.grad * lr\n            weights.grad.zero_()\n            bias.grad.zero_()",
      "fit(...) leaves weights and bias ≈ mini-batch SGD with torch's loss"),
    M("step00", "drop-last-batch", "counts n // bs batches, dropping the last, shorter one",
      "range((n - 1) // bs + 1)", "range(n // bs)",
      "fit(...) leaves weights and bias ≈ mini-batch SGD with torch's loss"),
    M("step00", "grads-not-zeroed", "never zeroes the gradients, so they pile up across batches",
      "                weights.grad.zero_()\n                bias.grad.zero_()\n", "",
      "fit(...) leaves weights and bias ≈ mini-batch SGD with torch's loss"),
    # step01: F.cross_entropy
    M("step01", "model-still-log-softmax", "keeps log_softmax in the model: the loss is unchanged (log_softmax "
      "is idempotent) but the model no longer returns logits",
      "    return xb @ weights + bias\n", "    return F.log_softmax(xb @ weights + bias, dim=-1)\n",
      "model(xb, weights, bias) returns the raw logits that step00 fed to log_softmax"),
    M("step01", "hand-written-loss", "keeps the hand-written nll(log_softmax(x)) behind the name loss_func",
      "loss_func = F.cross_entropy\n",
      "def loss_func(input, target):\n    logp = input - input.exp().sum(-1).log().unsqueeze(-1)\n"
      "    return -logp[range(target.shape[0]), target].mean()\n",
      "loss_func stays finite and exact on logits near ±100, where step00's formula overflows"),
    M("step01", "loss-sum", "asks cross_entropy for the sum over the batch, not the mean",
      "loss_func = F.cross_entropy\n",
      "def loss_func(input, target):\n    return F.cross_entropy(input, target, reduction='sum')\n",
      "loss_func(logits, yb) ≈ step00's nll(log_softmax(logits), yb)"),
    M("step01", "bias-without-lr", "applies the learning rate to the weights only",
      "bias -= bias.grad * lr", "bias -= bias.grad", "fit from the same weights on the same batches ≈ step00's fit"),
    # step02: nn.Module
    M("step02", "plain-tensor-bias", "stores the bias as a plain tensor: not registered, never updated by fit",
      "self.bias = nn.Parameter(torch.zeros(10))", "self.bias = torch.zeros(10, requires_grad=True)",
      "Mnist_Logistic registers exactly `weights` (784, 10) and `bias` (10,) as parameters"),
    M("step02", "no-super-init", "forgets super().__init__(), so assigning a Parameter fails",
      "        super().__init__()\n        self.weights", "        self.weights",
      "Mnist_Logistic registers exactly `weights` (784, 10) and `bias` (10,) as parameters"),
    M("step02", "rand-not-randn", "initialises with rand (uniform) instead of randn (normal)",
      "nn.Parameter(torch.randn(784, 10) / math.sqrt(784))", "nn.Parameter(torch.rand(784, 10) / math.sqrt(784))",
      "Mnist_Logistic() starts from step01's init_weights() (same seed, same tensors)"),
    M("step02", "zero-grad-before-update", "zeroes the gradients between backward and the update",
      "            loss.backward()\n            with torch.no_grad():",
      "            loss.backward()\n            model.zero_grad()\n            with torch.no_grad():",
      "fit(model, ...) from the same weights on the same batches ≈ step01's fit"),
    # step03: nn.Linear
    M("step03", "linear-swapped", "builds nn.Linear(10, 784), the hand-made layout, instead of (784, 10)",
      "self.lin = nn.Linear(784, 10)", "self.lin = nn.Linear(10, 784)",
      "Mnist_Logistic registers exactly lin.weight (10, 784) and lin.bias (10,)"),
    M("step03", "still-matmul", "keeps multiplying by hand with the layer's weight: nn.Linear imported, not used",
      "        return self.lin(xb)", "        return xb @ self.lin.weight.T + self.lin.bias",
      "forward does no matrix product by hand"),
    M("step03", "forward-log-softmax", "applies log_softmax after the layer: same loss, different outputs",
      "        return self.lin(xb)", "        return F.log_softmax(self.lin(xb), dim=-1)",
      "model(xb) with lin.weight = w.T ≈ step02's model with weights = w"),
    M("step03", "update-without-lr", "drops the learning rate from the update",
      "p -= p.grad * lr", "p -= p.grad", "fit(model, ...) from the same weights on the same batches ≈ step02's fit"),
    # step04: torch.optim
    M("step04", "no-zero-grad", "never calls opt.zero_grad(): gradients pile up from batch to batch",
      "            opt.step()\n            opt.zero_grad()\n", "            opt.step()\n",
      "k updates over several batches and epochs ≈ step03's; gradients do not pile up"),
    M("step04", "zero-grad-before-step", "zeroes the gradients between backward and step, so nothing moves",
      "            opt.step()\n            opt.zero_grad()\n", "            opt.zero_grad()\n            opt.step()\n",
      "one update (all rows in one batch) ≈ step03's update"),
    M("step04", "momentum", "adds momentum, which the hand-written update did not have",
      "optim.SGD(model.parameters(), lr=lr)", "optim.SGD(model.parameters(), lr=lr, momentum=0.9)",
      "get_model(lr) returns (model, opt): plain SGD over all the model's parameters with that lr"),
    M("step04", "lr-hardcoded", "builds the optimizer with lr=0.5 whatever lr get_model is given",
      "optim.SGD(model.parameters(), lr=lr)", "optim.SGD(model.parameters(), lr=0.5)",
      "get_model(lr) returns (model, opt): plain SGD over all the model's parameters with that lr"),
    M("step04", "manual-update-kept", "builds the optimizer but keeps updating by hand",
      "            opt.step()\n            opt.zero_grad()\n",
      "            with torch.no_grad():\n                for p in model.parameters():\n"
      "                    p -= p.grad * opt.param_groups[0]['lr']\n            model.zero_grad()\n",
      "fit updates no parameter by hand"),
    # step05: TensorDataset
    M("step05", "drop-last-batch", "counts n // bs batches, dropping the last, shorter one",
      "range((n - 1) // bs + 1)", "range(n // bs)",
      "fit on TensorDataset(x, y) hands the model the same batches, in the same order, as step04"),
    M("step05", "slice-by-batch-index", "slices train_ds[i : i + bs]: overlapping batches",
      "train_ds[i * bs : i * bs + bs]", "train_ds[i : i + bs]",
      "fit on TensorDataset(x, y) hands the model the same batches, in the same order, as step04"),
    M("step05", "extra-batch", "counts n // bs + 1 batches: an empty batch when bs divides n",
      "range((n - 1) // bs + 1)", "range(n // bs + 1)",
      "fit on TensorDataset(x, y) hands the model the same batches, in the same order, as step04"),
    M("step05", "tensors-sliced-apart", "pulls x and y back out of the dataset and slices them in parallel again",
      "xb, yb = train_ds[i * bs : i * bs + bs]",
      "xb, yb = train_ds.tensors[0][i * bs : i * bs + bs], train_ds.tensors[1][i * bs : i * bs + bs]",
      "no tensors any more"),
    # step06: DataLoader
    M("step06", "shuffled", "shuffles the training batches, so the order differs from step05",
      "return DataLoader(train_ds, batch_size=bs)", "return DataLoader(train_ds, batch_size=bs, shuffle=True)",
      "get_dataloader(train_ds, bs) gives step05's batches in order, the last partial one included"),
    M("step06", "drop-last", "drops the last, shorter batch",
      "return DataLoader(train_ds, batch_size=bs)", "return DataLoader(train_ds, batch_size=bs, drop_last=True)",
      "get_dataloader(train_ds, bs) gives step05's batches in order, the last partial one included"),
    M("step06", "default-batch-size", "forgets batch_size, so every batch holds one row",
      "return DataLoader(train_ds, batch_size=bs)", "return DataLoader(train_ds)",
      "get_dataloader(train_ds, bs) gives step05's batches in order, the last partial one included"),
    M("step06", "index-arithmetic-kept", "keeps slicing the dataset by hand inside fit, the loader unused",
      "        for xb, yb in train_dl:  # (bs, 784), (bs,); shorter at the end\n",
      "        bs, ds = train_dl.batch_size, train_dl.dataset\n"
      "        for i in range((len(ds) - 1) // bs + 1):\n            xb, yb = ds[i * bs : i * bs + bs]\n",
      "fit does no index arithmetic for batches"),
    # --- steps 07-11 ---
    # --- steps 12-14 ---
)


def for_step(step_id: str) -> list[Mutant]:
    return [m for m in CATALOGUE if m.step == step_id]
