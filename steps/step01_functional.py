"""Step 01 · functional: F.cross_entropy replaces log_softmax + nll.

log_softmax followed by nll is one common operation, and torch.nn.functional has it as one
function: the cross-entropy of raw scores. It takes the logits themselves and computes the
log-probabilities inside, in a way that does not overflow for large scores. So the hand-written
log_softmax and nll go, loss_func becomes that library function, and the model stops applying
log_softmax: it returns raw scores, and the loss does the rest. fit is step 00's.

Shapes: xb (bs, 784), yb (bs,) int64, weights (784, 10), bias (10,).

Grade it:        python grader.py step01
Run it on MNIST:  python -m steps.step01_functional
"""
import math

import torch
import torch.nn.functional as F


def loss_func(input, target):
    """Cross entropy of raw logits: nll(log_softmax(input), target), without the overflow.

    loss = -(1/bs) * sum_i log_softmax(input)[i, target[i]]

    input: (bs, 10) logits, target: (bs,) int64 -> a scalar.
    """
    # TODO(step01): torch.nn.functional's cross-entropy does log_softmax and nll in one call: make loss_func
    #   that function.
    raise NotImplementedError("step01_functional: loss_func")


def accuracy(out, yb):
    """Fraction of rows whose largest output is the true class.

    out: (bs, 10), yb: (bs,) -> a float scalar in [0, 1].
    """
    preds = torch.argmax(out, dim=1)  # (bs, 10) -> (bs,)
    return (preds == yb).float().mean()


def init_weights(n_in=784, n_out=10):
    """Xavier-initialised weights and zero bias, both leaf tensors that require grad.

    weights = randn(n_in, n_out) / sqrt(n_in), then requires_grad_(); bias = zeros(n_out).
    """
    weights = torch.randn(n_in, n_out) / math.sqrt(n_in)  # (784, 10)
    weights.requires_grad_()
    bias = torch.zeros(n_out, requires_grad=True)  # (10,)
    return weights, bias


def model(xb, weights, bias):
    """The logistic model, now returning raw scores (logits): no log_softmax any more.

    (bs, 784) @ (784, 10) + (10,) -> (bs, 10).
    """
    # TODO(step01): return the raw scores (logits): the loss applies log_softmax itself now.
    raise NotImplementedError("step01_functional: model")


def fit(x_train, y_train, weights, bias, lr=0.5, epochs=2, bs=64):
    """Train in place with mini-batch SGD, the loss now being loss_func (F.cross_entropy).

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
