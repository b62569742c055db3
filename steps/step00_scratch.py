"""Step 00 · scratch: an MNIST classifier with nothing but tensors.

Everything is written by hand, with nothing but tensors: the activation (log_softmax), the
loss (negative log likelihood), the accuracy, the weight initialisation, the model and the
training loop with its SGD update. Each function's docstring gives its maths. Later steps
replace these parts, one at a time, with torch.nn, and prove that the numbers stay the same.

Shapes: a batch `xb` is (bs, 784) float pixels in [0, 1]; targets `yb` are (bs,) int64
class indices 0..9; weights (784, 10); bias (10,).

Grade it:        python grader.py step00
Run it on MNIST:  python -m steps.step00_scratch
"""
import math

import torch


def log_softmax(x):
    """Log of the softmax of each row.

    log_softmax(x)_ij = x_ij - log(sum_k exp(x_ik))

    x: (bs, 10) -> (bs, 10). Each row's normaliser is subtracted from that row only.
    """
    # TODO(step00): from each row, subtract the log of the sum of that row's exponentials; keep the summed
    #   dimension so that it broadcasts along the row.
    raise NotImplementedError("step00_scratch: log_softmax")


def nll(input, target):
    """Negative log likelihood: minus the mean log-probability of each row's true class.

    nll = -(1/bs) * sum_i input[i, target[i]]

    input: (bs, 10) log-probabilities, target: (bs,) int64 -> a scalar.
    """
    # TODO(step00): for every row, the log-probability of its true class (index rows and columns together);
    #   their mean, negated.
    raise NotImplementedError("step00_scratch: nll")


def accuracy(out, yb):
    """Fraction of rows whose largest output is the true class.

    out: (bs, 10), yb: (bs,) -> a float scalar in [0, 1].
    """
    # TODO(step00): the predicted class of each row is its largest output; the fraction of rows where it is
    #   the true class, as a float.
    raise NotImplementedError("step00_scratch: accuracy")


def init_weights(n_in=784, n_out=10):
    """Xavier-initialised weights and zero bias, both leaf tensors that require grad.

    weights = randn(n_in, n_out) / sqrt(n_in), then requires_grad_(); bias = zeros(n_out).
    Scale *before* asking for gradients: `randn(..., requires_grad=True) / k` is not a leaf,
    so its .grad stays None.
    """
    # TODO(step00): Xavier weights and zero bias, both leaf tensors that require grad: scale first, then ask
    #   for gradients.
    raise NotImplementedError("step00_scratch: init_weights")


def model(xb, weights, bias):
    """The logistic model: log_softmax(xb @ weights + bias).

    (bs, 784) @ (784, 10) + (10,) -> (bs, 10) log-probabilities.
    """
    # TODO(step00): the linear map of the batch, then log_softmax.
    raise NotImplementedError("step00_scratch: model")


loss_func = nll


def fit(x_train, y_train, weights, bias, lr=0.5, epochs=2, bs=64):
    """Train in place with mini-batch SGD.

    For each epoch, for each batch i (the last one may be shorter): rows [i*bs, i*bs + bs) of
    x_train and y_train; the loss (nll) of the model on them, and its gradients by backpropagation;
    then, outside the graph, each of weights and bias moves by -lr times its gradient, and its
    gradient goes back to zero.
    x_train: (n, 784), y_train: (n,). Returns nothing: weights and bias change in place.
    """
    # TODO(step00): the batch loop: for each epoch and each batch, the loss, its backward, then the update of
    #   both tensors without recording it in the graph, and their gradients zeroed.
    raise NotImplementedError("step00_scratch: fit")


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
