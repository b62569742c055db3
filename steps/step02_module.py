"""Step 02 · module: nn.Module and nn.Parameter replace the loose weights and bias.

A model class that subclasses nn.Module owns its weights and bias as nn.Parameter attributes,
instead of loose tensors passed from function to function. The module then knows its
parameters: model.parameters() walks them all, so fit's update becomes one loop over the
parameters instead of one line per tensor, and the module's zero_grad() clears every
gradient at once. nn.Module's own __init__ must run before any parameter is assigned: it sets
up the bookkeeping that registers them. The arithmetic is step 01's: the same initialisation,
the same forward, the same update.

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
    """The logistic model as a module with two parameters, `weights` (784, 10) and `bias` (10,).

    __init__ makes them as init_weights made its tensors, as nn.Parameter attributes.
    forward(xb): (bs, 784) -> (bs, 10), the logits of step 01's model.
    """

    def __init__(self):
        # TODO(step02): let nn.Module set itself up first, then weights and bias as nn.Parameter attributes,
        #   initialised as init_weights did (Xavier weights, zero bias).
        raise NotImplementedError("step02_module: Mnist_Logistic.__init__")

    def forward(self, xb):
        # TODO(step02): the logits of step 01's model, from the module's own parameters.
        raise NotImplementedError("step02_module: Mnist_Logistic.forward")


def fit(model, x_train, y_train, lr=0.5, epochs=2, bs=64):
    """Train `model` in place with mini-batch SGD over its parameters, as step 01's fit did.

    x_train: (n, 784), y_train: (n,). Returns nothing: the model's parameters change in place.
    """
    n = x_train.shape[0]
    for epoch in range(epochs):
        for i in range((n - 1) // bs + 1):
            start_i = i * bs
            end_i = start_i + bs
            xb = x_train[start_i:end_i]  # (bs, 784), shorter at the end
            yb = y_train[start_i:end_i]  # (bs,)
            loss = loss_func(model(xb), yb)
            loss.backward()
            with torch.no_grad():
                # TODO(step02): one loop over every parameter the model registered, each updated as step 01
                #   updated weights and bias.
                raise NotImplementedError("step02_module: fit")
            # TODO(step02): clear the gradients of every parameter at once: the module can do that itself.
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
