"""Step 04 · optim: torch.optim.SGD replaces `p -= p.grad * lr` and the manual zeroing.

An optimizer is built over the model's parameters with the learning rate. After
`loss.backward()`, `opt.step()` does the update (p -= lr * p.grad for plain SGD) and
`opt.zero_grad()` clears the gradients, so they do not pile up from one batch to the next.

Shapes: xb (bs, 784), yb (bs,) int64, lin.weight (10, 784), lin.bias (10,).

Grade it:        python grader.py step04
Run it on MNIST:  python -m steps.step04_optim
"""
import torch
import torch.nn.functional as F
from torch import nn, optim

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
    # TODO(step04): a Mnist_Logistic and optim.SGD over its parameters with this lr.
    raise NotImplementedError("step04_optim: get_model")


def fit(model, opt, x_train, y_train, epochs=2, bs=64):
    """Train `model` in place: loss.backward(), opt.step(), opt.zero_grad() for each batch."""
    # TODO(step04): after backward, opt.step() and opt.zero_grad() replace the hand-written update and zeroing.
    raise NotImplementedError("step04_optim: fit")


def main():
    from kata.data import load_mnist

    data = load_mnist()
    print(data.source)
    torch.manual_seed(0)
    model, opt = get_model()
    fit(model, opt, data.x_train, data.y_train)
    with torch.no_grad():
        out = model(data.x_valid)
    print(f"valid loss {loss_func(out, data.y_valid):.4f}, accuracy {accuracy(out, data.y_valid):.4f}")


if __name__ == "__main__":
    main()
