"""A catalogue of wrong versions: realistic learner bugs, each a one-place edit of a reference
solution, and the check that must catch it.

The test suite grades every one of them and requires the named check to fail with a readable
message; a wrong version that no check catches is a hole in the kata, not a test to delete.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kata.steps.registry import BY_ID

from kata.paths import SOLUTIONS


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
    # step07: validation, shuffled training, train/eval modes
    M("step07", "mean-of-batch-means", "the tutorial's first version: averages the batch means, so a short last "
      "validation batch weighs as much as a full one",
      "val_loss = sum(loss * n for loss, n in zip(batch_losses, sizes)) / sum(sizes)",
      "val_loss = sum(batch_losses) / len(batch_losses)",
      "fit returns each epoch's validation loss: the mean loss over every validation row, whatever the batch sizes"),
    M("step07", "no-eval", "forgets model.eval(): validation runs in training mode",
      "        model.eval()\n        with torch.no_grad():", "        with torch.no_grad():",
      "fit trains in train mode with gradients on, then validates in eval mode under torch.no_grad(), every epoch"),
    M("step07", "no-no-grad", "forgets torch.no_grad(): the validation pass builds a graph for nothing",
      "        with torch.no_grad():  # no graph: this loss is never backpropagated\n"
      "            batch_losses, sizes = zip(",
      "        if True:\n            batch_losses, sizes = zip(",
      "fit trains in train mode with gradients on, then validates in eval mode under torch.no_grad(), every epoch"),
    M("step07", "train-once", "calls model.train() once, before the epochs: from epoch 2 on it trains in eval mode",
      "    for epoch in range(epochs):\n        model.train()  # eval() below switched training mode off: switch it "
      "back on every epoch\n",
      "    model.train()\n    for epoch in range(epochs):\n",
      "fit trains in train mode with gradients on, then validates in eval mode under torch.no_grad(), every epoch"),
    M("step07", "valid-shuffled", "copies the training loader's shuffle=True into the validation loader too",
      "DataLoader(valid_ds, batch_size=bs * 2)", "DataLoader(valid_ds, batch_size=bs * 2, shuffle=True)",
      "get_data(train_ds, valid_ds, bs, seed): valid_dl gives every validation row once, in order, in batches "
      "of 2 * bs, the last one shorter"),
    M("step07", "valid-same-batch-size", "gives the validation loader the training batch size",
      "DataLoader(valid_ds, batch_size=bs * 2)", "DataLoader(valid_ds, batch_size=bs)",
      "get_data(train_ds, valid_ds, bs, seed): valid_dl gives every validation row once, in order, in batches "
      "of 2 * bs, the last one shorter"),
    M("step07", "global-seed", "seeds torch's global generator in get_data instead of giving the loader its own: "
      "building the model afterwards changes the shuffle",
      "    g = torch.Generator().manual_seed(seed)  # the shuffle's own random numbers, not the global ones\n"
      "    return (\n        DataLoader(train_ds, batch_size=bs, shuffle=True, generator=g),",
      "    torch.manual_seed(seed)\n    return (\n        DataLoader(train_ds, batch_size=bs, shuffle=True),",
      "get_data's train_dl gives every training row once per epoch in batches of bs, shuffled anew each epoch; "
      "the same seed gives the same orders, whatever else draws random numbers"),
    M("step07", "train-not-shuffled", "forgets shuffle=True: the training batches keep the data set's order",
      "DataLoader(train_ds, batch_size=bs, shuffle=True, generator=g)", "DataLoader(train_ds, batch_size=bs)",
      "get_data's train_dl gives every training row once per epoch in batches of bs, shuffled anew each epoch; "
      "the same seed gives the same orders, whatever else draws random numbers"),
    M("step07", "backward-without-opt", "calls backward() whatever opt is: validation batches leave gradients "
      "behind for the next update to add to its own",
      "    if opt is not None:\n        loss.backward()\n        opt.step()",
      "    if torch.is_grad_enabled():\n        loss.backward()\n    if opt is not None:\n        opt.step()",
      "loss_batch(model, loss_func, xb, yb) returns (the loss as a number, len(xb)) and updates nothing; given "
      "opt, it takes one step ≈ step06's update"),
    M("step07", "zero-grad-before-step", "zeroes the gradients between backward and step, so nothing moves",
      "        opt.step()\n        opt.zero_grad()\n    return loss.item(), len(xb)",
      "        opt.zero_grad()\n        opt.step()\n    return loss.item(), len(xb)",
      "with the training batches in order, fit from the same weights ≈ step06's fit"),
    # step08: the tutorial's CNN through the unchanged fit
    M("step08", "flatten-batch", "ends with torch.flatten(xb): the scores of the whole batch in one vector",
      "        return xb.view(-1, xb.size(1))  # -> (bs, 10)", "        return torch.flatten(xb)  # -> (bs, 10)",
      "Mnist_CNN()(xb) has shape (N, 10) for every batch size N, 1 included"),
    M("step08", "squeeze", "ends with squeeze(): right for a batch, but one image comes out as (10,)",
      "        return xb.view(-1, xb.size(1))  # -> (bs, 10)", "        return xb.squeeze()  # -> (bs, 10)",
      "Mnist_CNN()(xb) has shape (N, 10) for every batch size N, 1 included"),
    M("step08", "batch-standardised", "standardises the pixels with the mean and std of the whole batch, so each "
      "image's scores depend on the other images",
      "        xb = xb.view(-1, 1, 28, 28)  #", "        xb = ((xb - xb.mean()) / xb.std()).view(-1, 1, 28, 28)  #",
      "row i of Mnist_CNN()(xb) depends on image i alone: it equals the model's output for image i on its own"),
    M("step08", "max-pool", "pools with the maximum of each 4×4 map instead of the average",
      "xb = F.avg_pool2d(xb, 4)  #", "xb = F.max_pool2d(xb, 4)  #", "Mnist_CNN is the tutorial's CNN: conv1..conv3 (3×3, stride 2, padding 1; 1→16→16→10 channels), ReLU after each, then the mean of each 4×4 map"),
    M("step08", "no-relu-after-conv3", "leaves out the ReLU after the last convolution, as if it gave the logits",
      "        xb = F.relu(self.conv3(xb))", "        xb = self.conv3(xb)", "Mnist_CNN is the tutorial's CNN: conv1..conv3 (3×3, stride 2, padding 1; 1→16→16→10 channels), ReLU after each, then the mean of each 4×4 map"),
    M("step08", "no-momentum", "keeps step07's plain SGD: no momentum",
      "optim.SGD(model.parameters(), lr=lr, momentum=0.9)", "optim.SGD(model.parameters(), lr=lr)",
      "get_model(lr) returns (Mnist_CNN(), SGD over all its parameters with that lr and momentum 0.9)"),
    M("step08", "reshape-in-fit", "reshapes the batches inside fit for the CNN: fit no longer trains any other model",
      "            loss_batch(model, loss_func, xb, yb, opt)",
      "            loss_batch(model, loss_func, xb.view(-1, 1, 28, 28), yb, opt)",
      "loss_batch and fit are step07's: with step07's logistic model they train it as step07's fit does, "
      "validation losses included"),
    # step09: nn.Sequential
    M("step09", "relu-in-lambda", "wraps F.relu in a Lambda instead of using the nn.ReLU module",
      "        nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1),  # -> (bs, 10, 4, 4)\n        nn.ReLU(),\n",
      "        nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1),  # -> (bs, 10, 4, 4)\n        Lambda(F.relu),\n",
      "no relu any more"),
    M("step09", "last-relu-dropped", "lists no activation after the last convolution",
      "        nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1),  # -> (bs, 10, 4, 4)\n        nn.ReLU(),\n",
      "        nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1),  # -> (bs, 10, 4, 4)\n",
      "with step08's convolution weights, get_model's model gives Mnist_CNN's outputs"),
    M("step09", "max-pool-module", "picks nn.MaxPool2d(4) for the pooling layer",
      "        nn.AvgPool2d(4),  #", "        nn.MaxPool2d(4),  #", "with step08's convolution weights, get_model's model gives Mnist_CNN's outputs"),
    M("step09", "flatten-batch", "ends with Lambda(lambda x: x.view(-1)): the whole batch's scores in one vector",
      "Lambda(lambda x: x.view(x.size(0), -1))", "Lambda(lambda x: x.view(-1))", "with step08's convolution weights, get_model's model gives Mnist_CNN's outputs"),
    M("step09", "no-momentum", "builds plain SGD, without step08's momentum",
      "optim.SGD(model.parameters(), lr=lr, momentum=0.9)", "optim.SGD(model.parameters(), lr=lr)",
      "get_model(lr) returns (an nn.Sequential with nn.ReLU modules as its activations, SGD with that lr and "
      "momentum 0.9)"),
    M("step09", "preprocess-no-channel", "reshapes to (bs, 28, 28), without the channel dimension",
      "    return x.view(-1, 1, 28, 28)", "    return x.view(-1, 28, 28)",
      "preprocess(xb) turns (bs, 784) rows into the (bs, 1, 28, 28) images step08's forward made"),
    # step10: WrappedDataLoader, nn.AdaptiveAvgPool2d
    M("step10", "avg-pool-kept", "keeps nn.AvgPool2d(4): right for 28×28 digits, wrong for any other size",
      "        nn.AdaptiveAvgPool2d(1),  #", "        nn.AvgPool2d(4),  #", "get_model's model reads images of any size: (bs, 1, H, W) -> (bs, 10), the mean of each final map"),
    M("step10", "adaptive-pool-4", "reads AdaptiveAvgPool2d's argument as the window: asks for 4×4 outputs",
      "        nn.AdaptiveAvgPool2d(1),  #", "        nn.AdaptiveAvgPool2d(4),  #", "on 28×28 digits with step09's convolution weights: model(preprocess(x, y)[0]) ≈ step09's model(x), gradients included"),
    M("step10", "reshape-kept-in-model", "moves the reshape into preprocess but leaves a 28×28 view in the model too",
      "    model = nn.Sequential(\n        nn.Conv2d(1, 16,",
      "    model = nn.Sequential(\n        Lambda(lambda x: x.view(-1, 1, 28, 28)),\n        nn.Conv2d(1, 16,",
      "get_model's model reads images of any size: (bs, 1, H, W) -> (bs, 10), the mean of each final map"),
    M("step10", "one-shot-wrapper", "builds the wrapped batches once, in __init__: the second epoch gets none",
      "        self.func = func\n\n    def __len__(self):\n        return len(self.dl)\n\n    def __iter__(self):\n"
      "        for b in self.dl:  # a new pass over dl each time: one per epoch\n            yield self.func(*b)\n",
      "        self.func = func\n        self.batches = (func(*b) for b in dl)\n\n    def __len__(self):\n"
      "        return len(self.dl)\n\n    def __iter__(self):\n        return self.batches\n",
      'WrappedDataLoader(dl, func) yields func(xb, yb) for every batch of dl, in order, on every pass; its len() is len(dl)'),
    M("step10", "no-len", "leaves __len__ out of the wrapper, so len(train_dl) fails",
      "    def __len__(self):\n        return len(self.dl)\n\n", "", 'WrappedDataLoader(dl, func) yields func(xb, yb) for every batch of dl, in order, on every pass; its len() is len(dl)'),
    M("step10", "preprocess-no-channel", "reshapes x to (bs, 28, 28), without the channel dimension",
      "    return x.view(-1, 1, 28, 28), y", "    return x.view(-1, 28, 28), y",
      "preprocess(x, y) gives (x as (bs, 1, 28, 28) images, y unchanged)"),
    # step11: torch.device
    M("step11", "targets-left-behind", "moves the images to dev but not the targets",
      "    return x.view(-1, 1, 28, 28).to(dev), y.to(dev)", "    return x.view(-1, 1, 28, 28).to(dev), y",
      "preprocess(x, y, dev) gives step10's (bs, 1, 28, 28) images and targets, both moved to dev"),
    M("step11", "model-not-moved", "forgets model.to(dev): the parameters stay on the CPU",
      "    model.to(dev)  # every parameter moves; then the optimizer is built over them\n", "", 'get_model(lr, dev) puts every parameter on dev, and opt is SGD over them with that lr and momentum 0.9'),
    M("step11", "cuda-hard-coded", "calls model.cuda() instead of model.to(dev): fails on a machine without a GPU",
      "    model.to(dev)  #", "    model.cuda()  #", 'get_model(lr, dev) puts every parameter on dev, and opt is SGD over them with that lr and momentum 0.9'),
    M("step11", "always-cuda", "returns torch.device('cuda') without asking whether there is a GPU",
      '    return torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu")',
      '    return torch.device("cuda")',
      "get_device() is torch.device('cuda') when torch.cuda.is_available(), else torch.device('cpu')"),
    M("step11", "preprocess-ignores-dev", "moves the batch to get_device(), the tutorial's global, not to its dev",
      "    return x.view(-1, 1, 28, 28).to(dev), y.to(dev)",
      "    return x.view(-1, 1, 28, 28).to(get_device()), y.to(get_device())", "preprocess(x, y, dev) gives step10's (bs, 1, 28, 28) images and targets, both moved to dev"),
    # --- steps 12-14 ---
    # step12: nn.Flatten / torch.flatten(x, 1)
    M("step12", "flatten-merges-batch", "seed 000's torch.flatten(x): starts at dimension 0 and merges the batch, "
      "so one image comes out as (10,) and more make fc1 fail",
      "x = torch.flatten(x, 1)  #", "x = torch.flatten(x)  #",
      "CNN()(x) ≈ the hand-written 32-channel CNN with the same weights, for every batch size (28×28 images)"),
    M("step12", "flatten-layer-dim-0", "builds nn.Flatten(0), flattening everything, the batch included",
      "self.flatten = nn.Flatten()", "self.flatten = nn.Flatten(0)",
      "LeNet()(x) ≈ the hand-written LeNet with the same weights, for every batch size (32×32 images)"),
    M("step12", "channels-last", "flattens channels-last, as Keras lays the features out: the right shape, "
      "but fc1's weights meet the features in another order",
      "x = self.flatten(x)  #", "x = self.flatten(x.permute(0, 2, 3, 1))  #",
      "LeNet()(x) ≈ the hand-written LeNet with the same weights, for every batch size (32×32 images)"),
    M("step12", "seed004-sizes", "copies fc1 from seed 004, whose 3×3 convolutions leave 6×6 maps: 16 * 6 * 6 inputs",
      "self.fc1 = nn.Linear(16 * 5 * 5, 120)", "self.fc1 = nn.Linear(16 * 6 * 6, 120)",
      "LeNet()(x) ≈ the hand-written LeNet with the same weights, for every batch size (32×32 images)"),
    M("step12", "relu-dropped", "drops the ReLU after fc2 while rewriting LeNet's forward",
      "x = F.relu(self.fc2(x))  # -> (bs, 84)", "x = self.fc2(x)  # -> (bs, 84)",
      "LeNet()(x) ≈ the hand-written LeNet with the same weights, for every batch size (32×32 images)"),
    M("step12", "num-flat-features-kept", "leaves the CNN's hand-written view and num_flat_features in place",
      "        x = torch.flatten(x, 1)  # (bs, 32, 14, 14) -> (bs, 6272); not torch.flatten(x)\n"
      "        x = F.relu(self.fc1(x))  # -> (bs, 128)\n        return self.fc2(x)  # -> (bs, 10)\n",
      "        x = x.view(-1, self.num_flat_features(x))  # (bs, 32, 14, 14) -> (bs, 6272)\n"
      "        x = F.relu(self.fc1(x))  # -> (bs, 128)\n        return self.fc2(x)  # -> (bs, 10)\n\n"
      "    def num_flat_features(self, x):\n        num_features = 1\n        for s in x.size()[1:]:\n"
      "            num_features *= s\n        return num_features\n",
      "no num_flat_features any more"),
    # step13: hooks
    M("step13", "calls-forward", "runs the pass with model.forward(xb): the arithmetic is the same, but every "
      "hook on the model itself is skipped",
      "loss = F.cross_entropy(model(xb), yb)", "loss = F.cross_entropy(model.forward(xb), yb)",
      "inspect calls the model, not model.forward: a hook on the model and on each layer runs once"),
    M("step13", "layer-forward", "calls self.fc1.forward(x) inside forward, so fc1's hooks never run",
      "x = F.relu(self.fc1(x))  # -> (bs, 128)", "x = F.relu(self.fc1.forward(x))  # -> (bs, 128)",
      "inspect(model, xb, yb): the forward hooks record every layer's output, in order, ≈ the printing CNN's"),
    M("step13", "hooks-not-removed", "never removes the hooks: they go on recording on every later pass",
      "        for handle in handles:  # even when something fails: hooks would stay on the layers for good\n"
      "            handle.remove()\n",
      "        pass\n",
      "inspect removes every hook it adds: later passes record nothing, a second inspect records the same"),
    M("step13", "records-input", "records the layer's input, inputs[0], instead of its output",
      "log.append((name, output.detach().clone()))", "log.append((name, inputs[0].detach().clone()))",
      "record_output(log, name) as a forward hook appends (name, the layer's output) at every call"),
    M("step13", "grad-input", "records grad_input[0], the gradient for the layer's input, not its output",
      "log.append((name, grad_output[0].detach().clone()))", "log.append((name, grad_input[0].detach().clone()))",
      "record_grad(log, name) as a full backward hook appends (name, d loss / d layer output)"),
    M("step13", "print-kept", "keeps a debugging print in forward",
      "x = torch.flatten(x, 1)  # -> (bs, 6272)\n",
      "x = torch.flatten(x, 1)  # -> (bs, 6272)\n        print('flattened', x.shape)\n",
      "CNN()(xb) ≈ the printing CNN with the same weights, and its forward prints nothing"),
    M("step13", "deprecated-backward-hook", "copies seed 000's register_backward_hook, deprecated and wrong for "
      "layers made of several operations",
      "handles.append(layer.register_full_backward_hook(", "handles.append(layer.register_backward_hook(",
      "uses register_full_backward_hook"),
    # step14: nn.Linear(1, 1), nn.MSELoss, optim.SGD
    M("step14", "target-not-unsqueezed", "compares predictions (n, 1) with prices (n,): nn.MSELoss broadcasts them "
      "to an (n, n) table and only warns",
      "return loss_fn(y_hat, y.unsqueeze(1))", "return loss_fn(y_hat, y)",
      "loss_of(model, x, y) ≈ the hand-written mean squared error: one number over the n houses, never an "
      "(n, n) table"),
    M("step14", "area-not-unsqueezed", "feeds the areas (n,) to nn.Linear(1, 1) as they are, not as one column",
      "y_hat = model(x.unsqueeze(1))", "y_hat = model(x)",
      "loss_of(model, x, y) ≈ the hand-written mean squared error: one number over the n houses, never an "
      "(n, n) table"),
    M("step14", "sum-reduction", "builds nn.MSELoss(reduction='sum'): the sum of the squared errors, not their mean",
      "\nloss_fn = nn.MSELoss()\n", "\nloss_fn = nn.MSELoss(reduction='sum')\n",
      "loss_of(model, x, y) ≈ the hand-written mean squared error: one number over the n houses, never an "
      "(n, n) table"),
    M("step14", "no-zero-grad", "never calls opt.zero_grad(): each epoch's gradient adds onto the last one's",
      "        opt.zero_grad()\n        loss.backward()\n", "        loss.backward()\n",
      "fit for k epochs: every epoch's loss and the final weight and bias ≈ the hand-written fit"),
    M("step14", "zero-grad-before-step", "zeroes the gradients between backward and step, so nothing moves",
      "        opt.zero_grad()\n        loss.backward()\n        opt.step()\n",
      "        loss.backward()\n        opt.zero_grad()\n        opt.step()\n",
      "one epoch of fit: the loss it returns and the updated weight and bias ≈ the hand-written update"),
    M("step14", "momentum", "adds momentum, which the hand-written update did not have",
      "return model, optim.SGD(model.parameters(), lr=lr)",
      "return model, optim.SGD(model.parameters(), lr=lr, momentum=0.9)",
      "get_model(lr) returns (nn.Linear(1, 1), plain SGD over its parameters with that lr)"),
    M("step14", "hand-written-mse", "keeps the hand-written mean squared error behind the name loss_fn",
      "\nloss_fn = nn.MSELoss()\n", "\ndef loss_fn(input, target):\n    return ((input - target) ** 2).mean()\n",
      "uses MSELoss or mse_loss"),
)


def for_step(step_id: str) -> list[Mutant]:
    return [m for m in CATALOGUE if m.step == step_id]
