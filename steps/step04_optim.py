"""Step 04 · optim: torch.optim.SGD replaces `p -= p.grad * lr` and the manual zeroing.

torch.optim holds the update rule. An optimizer is built once, over the parameters it will
update and with the learning rate; from then on one call of it does what step 03's hand-written
update did (p -= lr * p.grad for every parameter, for plain SGD), and another clears the
gradients of the parameters it holds. So get_model builds the model and its optimizer together,
fit is given the optimizer instead of lr, and the update and the zeroing in fit become those
two calls. Gradients still add up in .grad from one backward to the next: each batch's update
must use that batch's gradient only. The batch loop is step 03's.

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
    model = Mnist_Logistic()
    # TODO(step04): return both: the model, and plain SGD from torch.optim over all its parameters with this
    #   lr.
    raise NotImplementedError("step04_optim: get_model")


def fit(model, opt, x_train, y_train, epochs=2, bs=64):
    """Train `model` in place, one update by `opt` for each batch; the batches are step 03's."""
    n = x_train.shape[0]
    for epoch in range(epochs):
        for i in range((n - 1) // bs + 1):
            start_i = i * bs
            end_i = start_i + bs
            xb = x_train[start_i:end_i]  # (bs, 784), shorter at the end
            yb = y_train[start_i:end_i]  # (bs,)
            loss = loss_func(model(xb), yb)
            loss.backward()
            # TODO(step04): after backward, let the optimizer update every parameter it holds, then clear
            #   their gradients, so that the next batch starts from zero.
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
