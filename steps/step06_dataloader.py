"""Step 06 · dataloader: DataLoader replaces the index arithmetic for batches.

A DataLoader over a data set hands out its batches in order, the last one shorter when the
batch size does not divide the set's size: looping over it replaces the index arithmetic (the
number of batches, the bounds of each slice). get_dataloader builds it; fit takes the loader
instead of the data set and the batch size, and loops over its batches. What fit does with each
batch is step 05's.

Shapes: each batch is ((bs, 784), (bs,)); lin.weight (10, 784), lin.bias (10,).

Grade it:        python grader.py step06
Run it on MNIST:  python -m steps.step06_dataloader
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


def get_dataloader(train_ds, bs=64):
    """A DataLoader over train_ds with batch size bs, in order (no shuffling yet)."""
    # TODO(step06): a DataLoader over train_ds that hands out batches of bs rows, in order (no shuffling yet).
    raise NotImplementedError("step06_dataloader: get_dataloader")


def fit(model, opt, train_dl, epochs=2):
    """Train `model` in place on every batch the loader gives, for `epochs` passes."""
    for epoch in range(epochs):
        # TODO(step06): loop over the batches train_dl hands out, each one a pair (xb, yb), in place of the
        #   index arithmetic (the lines below the raise are its body: indent them under it)
        raise NotImplementedError("step06_dataloader: fit")
        loss = loss_func(model(xb), yb)
        loss.backward()
        opt.step()
        opt.zero_grad()


def main():
    from kata.data import load_mnist

    data = load_mnist()
    print(data.source)
    torch.manual_seed(0)
    train_dl = get_dataloader(TensorDataset(data.x_train, data.y_train))
    model, opt = get_model()
    fit(model, opt, train_dl)
    with torch.no_grad():
        out = model(data.x_valid)
    print(f"valid loss {loss_func(out, data.y_valid):.4f}, accuracy {accuracy(out, data.y_valid):.4f}")


if __name__ == "__main__":
    main()
