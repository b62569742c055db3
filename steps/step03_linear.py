"""Step 03 · linear: nn.Linear replaces the hand-made weights and `xb @ w + b`.

nn.Linear is the layer that step 02's module computes by hand: it creates and initialises its
own weight and bias as parameters, and calling it on a batch applies them. The module keeps one
such layer, named `lin`, for 784 inputs and 10 outputs, and its forward calls it; fit is
step 02's.

Mind the layout: nn.Linear stores its weight as (out, in) = (10, 784), the transpose of the
hand-made (784, 10) matrix, and computes xb @ weight.T + bias. So the module with
lin.weight = w.T (and the same bias) computes exactly what step 02 computed with weights = w.

Shapes: xb (bs, 784), yb (bs,) int64, lin.weight (10, 784), lin.bias (10,).

Grade it:        python grader.py step03
Run it on MNIST:  python -m steps.step03_linear
"""
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
    """The logistic model with one linear layer named `lin`, from 784 inputs to 10 outputs.

    forward(xb): (bs, 784) -> (bs, 10), what step 02's module computed.
    """

    def __init__(self):
        super().__init__()
        # TODO(step03): one linear layer from 784 inputs to 10 outputs, named lin: it makes its own weight and
        #   bias.
        raise NotImplementedError("step03_linear: Mnist_Logistic.__init__")

    def forward(self, xb):
        # TODO(step03): call the layer on the batch.
        raise NotImplementedError("step03_linear: Mnist_Logistic.forward")


def fit(model, x_train, y_train, lr=0.5, epochs=2, bs=64):
    """Train `model` in place with mini-batch SGD over model.parameters()."""
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
                for p in model.parameters():
                    p -= p.grad * lr
            model.zero_grad()


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
