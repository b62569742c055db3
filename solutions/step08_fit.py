"""Step 08 · fit: loss_batch, one function for a training batch and a validation batch.

step07's fit computes a batch's loss in two places: once to train on it, once to measure it.
The tutorial's "Create fit() and get_data()" gives that one function of its own, so that fit
and get_data are all a training run needs (and every later step reuses them as they are):

- `loss_batch(model, loss_func, xb, yb, opt=None)` computes one batch's loss and, only when
  given `opt`, takes one optimizer step: loss.backward(), opt.step(), opt.zero_grad(). It
  returns the loss as a Python number and the batch's size, len(xb).
- fit trains and validates through loss_batch: with the optimizer for a training batch,
  without one for a validation batch, where nothing is updated and no backward pass leaves
  a gradient behind. The sizes it returns weight each batch's mean:

      val_loss = sum_b n_b * loss_b / sum_b n_b

get_data stays as step07 wrote it. The numbers are step07's: only where they are computed moves.

Shapes: a training batch is ((bs, 784), (bs,)), a validation batch ((2 * bs, 784), (2 * bs,)).

Run it on MNIST:  python -m solutions.step08_fit
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


class Mnist_Logistic(nn.Module):
    """The logistic model with one nn.Linear(784, 10) layer named `lin`."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(784, 10)  # weight (10, 784), bias (10,)

    def forward(self, xb):
        return self.lin(xb)  # (bs, 784) -> (bs, 10)


def get_model(lr=0.5):
    """A new Mnist_Logistic and a plain SGD optimizer over its parameters: (model, opt)."""
    model = Mnist_Logistic()
    return model, optim.SGD(model.parameters(), lr=lr)


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
    fit(2, model, loss_func, opt, train_dl, valid_dl)
    model.eval()
    with torch.no_grad():
        out = model(data.x_valid)
    print(f"valid accuracy {accuracy(out, data.y_valid):.4f}")


if __name__ == "__main__":
    main()
