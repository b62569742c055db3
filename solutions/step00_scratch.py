"""Step 00 · scratch: an MNIST classifier with nothing but tensors.

Everything is written by hand: the activation (log_softmax), the loss (negative log
likelihood), the accuracy, the weight initialisation, the model and the training loop with
its SGD update. Later steps replace these parts, one at a time, with torch.nn.

Shapes: a batch `xb` is (bs, 784) float pixels in [0, 1]; targets `yb` are (bs,) int64
class indices 0..9; weights (784, 10); bias (10,).

Run it on MNIST:  python -m solutions.step00_scratch
"""
import math

import torch


def log_softmax(x):
    """Log of the softmax of each row.

    log_softmax(x)_ij = x_ij - log(sum_k exp(x_ik))

    x: (bs, 10) -> (bs, 10). Each row's normaliser is subtracted from that row only.
    """
    # (bs, 10) -> (bs,) -> (bs, 1), so it broadcasts along the row and not across rows
    return x - x.exp().sum(-1).log().unsqueeze(-1)


def nll(input, target):
    """Negative log likelihood: minus the mean log-probability of each row's true class.

    nll = -(1/bs) * sum_i input[i, target[i]]

    input: (bs, 10) log-probabilities, target: (bs,) int64 -> a scalar.
    """
    # (bs, 10)[(bs,), (bs,)] -> (bs,): row i, column target[i]
    return -input[range(target.shape[0]), target].mean()


def accuracy(out, yb):
    """Fraction of rows whose largest output is the true class.

    out: (bs, 10), yb: (bs,) -> a float scalar in [0, 1].
    """
    preds = torch.argmax(out, dim=1)  # (bs, 10) -> (bs,)
    return (preds == yb).float().mean()


def init_weights(n_in=784, n_out=10):
    """Xavier-initialised weights and zero bias, both leaf tensors that require grad.

    weights = randn(n_in, n_out) / sqrt(n_in), then requires_grad_(); bias = zeros(n_out).
    Scale *before* asking for gradients: `randn(..., requires_grad=True) / k` is not a leaf,
    so its .grad stays None.
    """
    weights = torch.randn(n_in, n_out) / math.sqrt(n_in)  # (784, 10)
    weights.requires_grad_()
    bias = torch.zeros(n_out, requires_grad=True)  # (10,)
    return weights, bias


def model(xb, weights, bias):
    """The logistic model: log_softmax(xb @ weights + bias).

    (bs, 784) @ (784, 10) + (10,) -> (bs, 10) log-probabilities.
    """
    return log_softmax(xb @ weights + bias)


loss_func = nll


def fit(x_train, y_train, weights, bias, lr=0.5, epochs=2, bs=64):
    """Train in place with mini-batch SGD.

    For each epoch, for each batch i (the last one may be shorter):
        xb, yb = rows [i*bs, i*bs + bs) of x_train, y_train
        loss = nll(model(xb)); loss.backward()
        under torch.no_grad(): p -= p.grad * lr, then p.grad.zero_(), for weights and bias.
    x_train: (n, 784), y_train: (n,). Returns nothing: weights and bias change in place.
    """
    n = x_train.shape[0]
    for epoch in range(epochs):
        for i in range((n - 1) // bs + 1):
            start_i = i * bs
            end_i = start_i + bs
            xb = x_train[start_i:end_i]  # (bs, 784), shorter at the end
            yb = y_train[start_i:end_i]  # (bs,)
            loss = loss_func(model(xb, weights, bias), yb)
            loss.backward()
            # the update itself must not be recorded in the graph
            with torch.no_grad():
                weights -= weights.grad * lr
                bias -= bias.grad * lr
                weights.grad.zero_()
                bias.grad.zero_()


def main():
    from kata.data import load_mnist

    data = load_mnist()
    print(data.source)
    torch.manual_seed(0)
    weights, bias = init_weights()
    fit(data.x_train, data.y_train, weights, bias)
    with torch.no_grad():
        out = model(data.x_valid, weights, bias)
    print(f"valid loss {loss_func(out, data.y_valid):.4f}, accuracy {accuracy(out, data.y_valid):.4f}")


if __name__ == "__main__":
    main()
