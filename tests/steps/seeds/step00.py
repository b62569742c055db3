"""Step 00 as the tutorial writes it ("What is torch.nn really?", seed 003: Neural Net from Scratch).

The seed's own code, dropped into the step's interface: the notebook's cells become the functions
the step names (init_weights, model and fit take what the notebook kept in globals). The training
cell is the tutorial's, with the update inside the batch loop; the notebook's copy in seed 003
slipped it out of the loop by one indentation level (step00's wrong version `update-after-loop`).
main() keeps the notebook's module-level cells, the print of the loss "after training" included:
that loss is computed on xb, yb left over from the loop, the last batch.
"""
import math

import torch


def log_softmax(x):
    return x - x.exp().sum(-1).log().unsqueeze(-1)


def nll(input_, target):
    return -input_[range(target.shape[0]), target].mean()


loss_func = nll


def accuracy(out, yb):
    preds = torch.argmax(out, dim=1)
    return (preds == yb).float().mean()


def init_weights():
    weights = torch.randn(784, 10) / math.sqrt(784)
    weights.requires_grad_()
    bias = torch.zeros(10, requires_grad=True)
    return weights, bias


def model(xb, weights, bias):
    return log_softmax(xb @ weights + bias)


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

    lr = 0.5
    epochs = 2
    bs = 64
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
