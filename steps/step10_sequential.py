"""Step 10 · sequential: nn.Sequential replaces the hand-written CNN class.

Mnist_CNN's forward only calls its layers one after the other, which is exactly what
nn.Sequential does: it holds modules and feeds each one's output to the next. Two kinds of
things in that forward were not modules:

- the reshapes: Lambda(func) wraps any function as a layer without parameters, so the first
  layer reshapes the flat rows into images (preprocess) and the last one turns
  (bs, 10, 1, 1) into (bs, 10);
- the activations: F.relu is a plain function, to be called inside a forward; nn.ReLU is the
  same function as a module (no parameters), so it can sit in a Sequential, show up in
  print(model) and carry hooks. The numbers are the same either way. Average pooling becomes
  a module in the same way.

The layers in order: the first reshape, step 09's three convolutions each followed by its
activation, the pooling, the last reshape. The convolutions are numbered by their position:
their parameters are 1.weight, 1.bias, 3.weight, ... With step 09's weights copied in,
outputs and gradients are step 09's.

Grade it:        python grader.py step10
Run it on MNIST:  python -m steps.step10_sequential
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
        # TODO(step10): keep the function, for forward to apply.
        raise NotImplementedError("step10_sequential: Lambda.__init__")

    def forward(self, x):
        # TODO(step10): apply the kept function to x.
        raise NotImplementedError("step10_sequential: Lambda.forward")


def preprocess(x):
    """Flat pixels to one-channel images: (bs, 784) -> (bs, 1, 28, 28)."""
    # TODO(step10): flat rows to one-channel 28x28 images, as step 09's forward began.
    raise NotImplementedError("step10_sequential: preprocess")


def get_model(lr=0.1):
    """step09's CNN as an nn.Sequential, and SGD with momentum 0.9 over it: (model, opt)."""
    # TODO(step10): step 09's forward as an nn.Sequential of modules, in order: Lambda for the two reshapes,
    #   ReLU modules for the activations, and the average pooling as a module.
    raise NotImplementedError("step10_sequential: get_model")
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
    model, opt = get_model()
    fit(5, model, loss_func, opt, train_dl, valid_dl)  # the CNN needs a few more passes
    model.eval()
    with torch.no_grad():
        out = model(data.x_valid)
    print(f"valid accuracy {accuracy(out, data.y_valid):.4f}")


if __name__ == "__main__":
    main()
