"""Step 11 · wrapped: the loader reshapes the batches; adaptive pooling frees the image size.

Two things tied step 10's model to flat 28x28 MNIST rows:

- its first layer reshaped (bs, 784) to (bs, 1, 28, 28). Reshaping is about the data, not the
  model, so it moves into the loader: a WrappedDataLoader wraps a loader and hands out each of
  its batches passed through a function, and preprocess(x, y) reshapes x. The model now
  takes images (bs, 1, H, W): its first layer is gone.
- its average pooling takes 4x4 windows, the size conv3's maps have for 28x28 input only.
  Adaptive pooling is told the output size instead, 1x1, and picks its window from its
  input: the mean of each map, whatever the image size. On 28x28 input both compute the same.

loss_batch, get_data and fit stay as they are: the wrapped loaders are what fit iterates over.

Grade it:        python grader.py step11
Run it on MNIST:  python -m steps.step11_wrapped
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


def preprocess(x, y):
    """One batch as the model reads it: x (bs, 784) -> (bs, 1, 28, 28), y (bs,) unchanged."""
    # TODO(step11): one batch as the model reads it: x as one-channel 28x28 images, y as it is; return both.
    raise NotImplementedError("step11_wrapped: preprocess")


class WrappedDataLoader:
    """Wraps a loader: yields func(xb, yb) for every batch of `dl`, in dl's order, every epoch.

    len(WrappedDataLoader(dl, func)) is len(dl), the number of batches.
    """

    def __init__(self, dl, func):
        # TODO(step11): keep the loader and the function.
        raise NotImplementedError("step11_wrapped: WrappedDataLoader.__init__")

    def __len__(self):
        # TODO(step11): as many batches as the wrapped loader has.
        raise NotImplementedError("step11_wrapped: WrappedDataLoader.__len__")

    def __iter__(self):
        # TODO(step11): a new pass over the wrapped loader each time: every batch of it, in its order, passed
        #   through the function (the batch's parts are its arguments).
        raise NotImplementedError("step11_wrapped: WrappedDataLoader.__iter__")


def get_model(lr=0.1):
    """The CNN on images of any size, and SGD with momentum 0.9 over it: (model, opt).

    Reads (bs, 1, H, W) images (the reshape is preprocess's job now) and returns (bs, 10).
    """
    raise NotImplementedError("step11_wrapped: get_model")  # its TODO is in the lines below
    model = nn.Sequential(
        nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1),  # (bs, 1, H, W) -> (bs, 16, H/2, W/2)
        nn.ReLU(),
        nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1),  # -> (bs, 16, H/4, W/4)
        nn.ReLU(),
        nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1),  # -> (bs, 10, H/8, W/8), rounded up
        nn.ReLU(),
        # TODO(step11): a pooling layer told its output size, 1x1, instead of its window, so that any image
        #   size works.
        Lambda(lambda x: x.view(x.size(0), -1)),  # -> (bs, 10)
    )
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
    train_dl = WrappedDataLoader(train_dl, preprocess)  # the loaders reshape the batches now
    valid_dl = WrappedDataLoader(valid_dl, preprocess)
    model, opt = get_model()
    fit(5, model, loss_func, opt, train_dl, valid_dl)  # the CNN needs a few more passes
    model.eval()
    with torch.no_grad():
        xb, yb = preprocess(data.x_valid, data.y_valid)
        out = model(xb)
    print(f"valid accuracy {accuracy(out, yb):.4f}")


if __name__ == "__main__":
    main()
