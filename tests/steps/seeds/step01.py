"""Step 01 as the tutorial writes it (seed 003: torch.nn.functional).

F.cross_entropy replaces log_softmax and nll; the model returns raw scores. The rest is step00's
code. main() keeps the notebook's print of the loss "after training": on the last batch's xb, yb.
"""
import math

import torch
import torch.nn.functional as F

loss_func = F.cross_entropy


def accuracy(out, yb):
    preds = torch.argmax(out, dim=1)
    return (preds == yb).float().mean()


def init_weights():
    weights = torch.randn(784, 10) / math.sqrt(784)
    weights.requires_grad_()
    bias = torch.zeros(10, requires_grad=True)
    return weights, bias


def model(xb, weights, bias):
    return xb @ weights + bias


def fit(x_train, y_train, weights, bias, lr=0.5, epochs=2, bs=64):
    n, c = x_train.shape
    for epoch in range(epochs):
        for i in range((n - 1) // bs + 1):
            start_i = i * bs
            end_i = start_i + bs
            xb = x_train[start_i:end_i]
            yb = y_train[start_i:end_i]
            pred = model(xb, weights, bias)
            loss = loss_func(pred, yb)

            loss.backward()
            with torch.no_grad():
                weights -= weights.grad * lr
                bias -= bias.grad * lr
                weights.grad.zero_()
                bias.grad.zero_()


def main():
    from kata.data import load_mnist

    data = load_mnist()
    x_train, y_train = data.x_train, data.y_train
    n, c = x_train.shape
    weights, bias = init_weights()
    lr, epochs, bs = 0.5, 2, 64
    for epoch in range(epochs):
        for i in range((n - 1) // bs + 1):
            start_i = i * bs
            end_i = start_i + bs
            xb = x_train[start_i:end_i]
            yb = y_train[start_i:end_i]
            pred = model(xb, weights, bias)
            loss = loss_func(pred, yb)

            loss.backward()
            with torch.no_grad():
                weights -= weights.grad * lr
                bias -= bias.grad * lr
                weights.grad.zero_()
                bias.grad.zero_()

    print("loss: ", loss_func(model(xb, weights, bias), yb).item(),
          "\naccuracy: ", accuracy(model(xb, weights, bias), yb).item())


if __name__ == "__main__":
    main()
