"""Step 15's baseline: linear regression on house prices, mean squared error and update by hand.

The lesson before seeds 000/002's "Linear regression" section fits price = w * area + b by
gradient descent written out: the prediction, the mean squared error, loss.backward(), the
update under torch.no_grad() and zeroing each gradient, one parameter at a time. Full batch:
every epoch uses all n houses and makes one update.

Shapes: area x (n,), price y (n,), w (1,), b (1,); the prediction x * w + b is (n,) like y.
"""
import torch


def predict(x, w, b):
    return x * w + b  # (n,) * (1,) + (1,) -> (n,)


def mse(y_hat, y):
    """Mean squared error: (1/n) * sum_i (y_hat[i] - y[i])^2; y_hat and y both (n,)."""
    return ((y_hat - y) ** 2).mean()


def fit(x, y, w, b, lr, epochs):
    """Gradient descent on leaf tensors w and b, in place; returns each epoch's loss, taken before its update."""
    losses = []
    for _ in range(epochs):
        loss = mse(predict(x, w, b), y)
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
            w.grad.zero_()
            b.grad.zero_()
        losses.append(loss.item())
    return losses
