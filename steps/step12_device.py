"""Step 12 · device: the same code on a GPU when there is one, on the CPU otherwise.

A tensor lives on a device (x.device), and an operation needs all its tensors on the same one.
torch.device names a device, "cuda" the GPU and "cpu" the CPU; a tensor's .to(dev) returns it
moved there, and a module's .to(dev) moves every parameter of it in place. So:

- get_device() picks the device once: the GPU when torch says one is available, else the CPU;
- get_model(lr, dev) puts the model's parameters on dev before the optimizer is built over
  them (an optimizer keeps the very tensors it was given);
- preprocess(x, y, dev) moves every batch to dev as the wrapped loader hands it out (the data
  set itself stays where it is, in ordinary memory); the loader gets a preprocess with dev
  filled in (see main).

Nothing else changes: loss_batch's loss.item() brings each loss back to the CPU as a float.
On the CPU the results are step 11's; on a GPU they agree up to floating-point rounding.

Shapes: preprocess gives ((bs, 1, 28, 28), (bs,)), both on dev; the model (bs, 10) on dev.

Grade it:        python grader.py step12
Run it on MNIST:  python -m steps.step12_device
"""
import torch
import torch.nn.functional as F
from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset

loss_func = F.cross_entropy


def accuracy(out, yb):
    """Fraction of rows whose largest output is the true class.

    out: (bs, 10), yb: (bs,) -> a float scalar in [0, 1].
    """
    preds = torch.argmax(out, dim=1)  # (bs, 10) -> (bs,)
    return (preds == yb).float().mean()


class Lambda(nn.Module):
    """A layer that applies `func` to its input: any function, as a module without parameters."""

    def __init__(self, func):
        super().__init__()
        self.func = func

    def forward(self, x):
        return self.func(x)


def get_device():
    """The device to train on, a torch.device: the GPU when there is one, else the CPU."""
    # TODO(step12): the GPU when torch.cuda says one is available, else the CPU, as a torch.device.
    raise NotImplementedError("step12_device: get_device")


def preprocess(x, y, dev):
    """One batch as the model reads it, on the model's device dev (a torch.device).

    x (bs, 784) -> (bs, 1, 28, 28) on dev; y (bs,) -> (bs,) on dev.
    """
    # TODO(step12): step 11's reshape, with x and y both moved to dev.
    raise NotImplementedError("step12_device: preprocess")


class WrappedDataLoader:
    """Wraps a loader: yields func(xb, yb) for every batch of `dl`, in dl's order, every epoch.

    len(WrappedDataLoader(dl, func)) is len(dl), the number of batches.
    """

    def __init__(self, dl, func):
        self.dl = dl
        self.func = func

    def __len__(self):
        return len(self.dl)

    def __iter__(self):
        for b in self.dl:  # a new pass over dl each time: one per epoch
            yield self.func(*b)


def get_model(lr=0.1, dev=torch.device("cpu")):
    """The CNN with its parameters on dev, and SGD with momentum 0.9 over them: (model, opt).

    Reads (bs, 1, H, W) images on dev and returns (bs, 10) on dev.
    """
    model = nn.Sequential(
        nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1),  # (bs, 1, H, W) -> (bs, 16, H/2, W/2)
        nn.ReLU(),
        nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1),  # -> (bs, 16, H/4, W/4)
        nn.ReLU(),
        nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1),  # -> (bs, 10, H/8, W/8), rounded up
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),  # -> (bs, 10, 1, 1): the mean of each map, whatever its size
        Lambda(lambda x: x.view(x.size(0), -1)),  # -> (bs, 10)
    )
    # TODO(step12): put the model's parameters on dev, before the optimizer is built over them.
    raise NotImplementedError("step12_device: get_model")
    return model, optim.SGD(model.parameters(), lr=lr, momentum=0.9)


def loss_batch(model, loss_func, xb, yb, opt=None):
    """The loss of one batch; with `opt`, also one optimizer step (backward, step, zero_grad).

    xb: (bs, ...) inputs, yb: (bs,) -> (the loss as a Python float, bs). Without opt (validation)
    nothing is updated and no gradient is computed.
    """
    loss = loss_func(model(xb), yb)  # a scalar: the mean over the batch
    if opt is not None:
        loss.backward()
        opt.step()
        opt.zero_grad()
    return loss.item(), len(xb)


def get_data(train_ds, valid_ds, bs, seed=0):
    """The two loaders: (train_dl, valid_dl).

    train_dl: train_ds in batches of bs, shuffled, a new order every epoch, from its own
    torch.Generator seeded with `seed` (the same seed gives the same orders, whatever else draws
    from torch's global random generator). valid_dl: valid_ds in order, in batches of 2 * bs.
    """
    g = torch.Generator().manual_seed(seed)  # the shuffle's own random numbers, not the global ones
    return (
        DataLoader(train_ds, batch_size=bs, shuffle=True, generator=g),
        DataLoader(valid_ds, batch_size=bs * 2),  # no backward pass: twice the rows fit in memory
    )


def fit(epochs, model, loss_func, opt, train_dl, valid_dl):
    """Train for `epochs` passes over train_dl; after each, the loss over the whole of valid_dl.

    Every epoch: model.train() and one optimizer step per training batch (loss_batch with opt);
    then model.eval() and, under torch.no_grad(), the loss of every validation batch, combined
    into the mean over all validation rows (each batch weighted by its size). Prints it and
    returns the list of these losses, one float per epoch. Everything fit uses is an argument.
    """
    losses = []
    for epoch in range(epochs):
        model.train()  # eval() below switched training mode off: switch it back on every epoch
        for xb, yb in train_dl:
            loss_batch(model, loss_func, xb, yb, opt)

        model.eval()
        with torch.no_grad():  # no graph: this loss is never backpropagated
            batch_losses, sizes = zip(*[loss_batch(model, loss_func, xb, yb) for xb, yb in valid_dl])
        # each batch's mean weighted by its size: the last batch may be shorter than the others
        val_loss = sum(loss * n for loss, n in zip(batch_losses, sizes)) / sum(sizes)
        print(f"epoch {epoch + 1}: validation loss {val_loss:.4f}")
        losses.append(val_loss)
    return losses


def main():
    from kata.data import load_mnist

    data = load_mnist()
    print(data.source)
    torch.manual_seed(0)
    train_ds = TensorDataset(data.x_train, data.y_train)
    valid_ds = TensorDataset(data.x_valid, data.y_valid)
    train_dl, valid_dl = get_data(train_ds, valid_ds, bs=64, seed=0)
    dev = get_device()
    print(f"training on {dev}")

    def on_dev(x, y):  # the loaders move every batch to dev
        return preprocess(x, y, dev)

    train_dl = WrappedDataLoader(train_dl, on_dev)
    valid_dl = WrappedDataLoader(valid_dl, on_dev)
    model, opt = get_model(dev=dev)
    fit(5, model, loss_func, opt, train_dl, valid_dl)  # the CNN needs a few more passes
    model.eval()
    with torch.no_grad():
        xb, yb = preprocess(data.x_valid, data.y_valid, dev)
        out = model(xb)
    print(f"valid accuracy {accuracy(out, yb):.4f}")


if __name__ == "__main__":
    main()
