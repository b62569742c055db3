"""Step 05 · dataset: TensorDataset replaces slicing x_train and y_train in parallel.

Step 04 slices x_train and y_train in parallel, with the same bounds: two slices that must
agree. A TensorDataset pairs the tensors row by row, so that one index, or one slice, gives
both halves of a batch at once and they cannot drift apart. fit now takes the data set instead
of the two tensors; the batch loop and its bounds stay as they are (step 06 replaces them).

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
    n = len(train_ds)
    for epoch in range(epochs):
        for i in range((n - 1) // bs + 1):
            # TODO(step05): one slice of train_ds, over this batch's rows, gives xb and yb together.
            raise NotImplementedError("step05_dataset: fit")
            loss = loss_func(model(xb), yb)
            loss.backward()
            opt.step()
            opt.zero_grad()


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
