"""Step 02 · module: nn.Module and nn.Parameter replace the loose weights and bias.

A model class that subclasses nn.Module owns its weights and bias as nn.Parameter
attributes. The module then knows its parameters: `model.parameters()` walks them, so the
update is one loop over parameters instead of one line per tensor, and `model.zero_grad()`
clears every gradient at once.

Shapes: xb (bs, 784), yb (bs,) int64, weights (784, 10), bias (10,).

Grade it:        python grader.py step02
Run it on MNIST:  python -m steps.step02_module
"""
import math

import torch
import torch.nn.functional as F
from torch import nn

loss_func = F.cross_entropy


def accuracy(out, yb):
    """Fraction of rows whose largest output is the true class.

    out: (bs, 10), yb: (bs,) -> a float scalar in [0, 1].
    """
    preds = torch.argmax(out, dim=1)  # (bs, 10) -> (bs,)
    return (preds == yb).float().mean()


class Mnist_Logistic(nn.Module):
    """The logistic model as a module with two parameters, `weights` and `bias`.

    __init__: weights = nn.Parameter(randn(784, 10) / sqrt(784)), bias = nn.Parameter(zeros(10)),
    after super().__init__().  forward(xb) = xb @ weights + bias: (bs, 784) -> (bs, 10).
    """

    def __init__(self):
        # TODO(step02): super().__init__(), then weights and bias as nn.Parameter, made as init_weights made them.
        raise NotImplementedError("step02_module: Mnist_Logistic.__init__")

    def forward(self, xb):
        # (bs, 784) @ (784, 10) + (10,) -> (bs, 10)
        # TODO(step02): xb @ self.weights + self.bias.
        raise NotImplementedError("step02_module: Mnist_Logistic.forward")


def fit(model, x_train, y_train, lr=0.5, epochs=2, bs=64):
    """Train `model` in place with mini-batch SGD over model.parameters().

    After loss.backward(): under torch.no_grad(), p -= p.grad * lr for every p in
    model.parameters(); then model.zero_grad().
    """
    # TODO(step02): update every p in model.parameters() under torch.no_grad(), then model.zero_grad().
    raise NotImplementedError("step02_module: fit")


def main():
    from kata.data import load_mnist

    data = load_mnist()
    print(data.source)
    torch.manual_seed(0)
    model = Mnist_Logistic()
    fit(model, data.x_train, data.y_train)
    with torch.no_grad():
        out = model(data.x_valid)
    print(f"valid loss {loss_func(out, data.y_valid):.4f}, accuracy {accuracy(out, data.y_valid):.4f}")


if __name__ == "__main__":
    main()
