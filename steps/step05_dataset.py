"""Step 05 · dataset: TensorDataset replaces slicing x_train and y_train in parallel.

`TensorDataset(x_train, y_train)` pairs the two tensors row by row: `train_ds[a:b]` returns
`(x_train[a:b], y_train[a:b])`, so one index gives both halves of a batch and they cannot
drift apart.

Shapes: train_ds[a:b] -> ((b-a, 784), (b-a,)); lin.weight (10, 784), lin.bias (10,).

Grade it:        python grader.py step05
Run it on MNIST:  python -m steps.step05_dataset
"""
import torch
import torch.nn.functional as F
from torch import nn, optim
from torch.utils.data import TensorDataset

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


def fit(model, opt, train_ds, epochs=2, bs=64):
    """Train `model` in place on a TensorDataset, one slice of it per batch."""
    # TODO(step05): one slice of train_ds per batch gives xb and yb together.
    raise NotImplementedError("step05_dataset: fit")


def main():
    from kata.data import load_mnist

    data = load_mnist()
    print(data.source)
    torch.manual_seed(0)
    train_ds = TensorDataset(data.x_train, data.y_train)
    model, opt = get_model()
    fit(model, opt, train_ds)
    with torch.no_grad():
        out = model(data.x_valid)
    print(f"valid loss {loss_func(out, data.y_valid):.4f}, accuracy {accuracy(out, data.y_valid):.4f}")


if __name__ == "__main__":
    main()
