"""Step 03 as the tutorial writes it (seed 003: nn.Linear).

nn.Linear(784, 10) replaces the hand-made weights and bias; fit is step02's. main() keeps the
notebook's print of the loss on the last batch's xb, yb.
"""
import torch
import torch.nn.functional as F
from torch import nn

loss_func = F.cross_entropy


def accuracy(out, yb):
    preds = torch.argmax(out, dim=1)
    return (preds == yb).float().mean()


class Mnist_Logistic(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(784, 10)

    def forward(self, xb):
        return self.lin(xb)


def fit(model, x_train, y_train, lr=0.5, epochs=2, bs=64):
    n, c = x_train.shape
    for epoch in range(epochs):
        for i in range((n - 1) // bs + 1):
            start_i = i * bs
            end_i = start_i + bs
            xb = x_train[start_i:end_i]
            yb = y_train[start_i:end_i]

            pred = model(xb)
            loss = loss_func(pred, yb)

            loss.backward()
            with torch.no_grad():
                for p in model.parameters():
                    p -= p.grad * lr

            model.zero_grad()


def main():
    from kata.data import load_mnist

    data = load_mnist()
    x_train, y_train = data.x_train, data.y_train
    n, c = x_train.shape
    model = Mnist_Logistic()
    lr, epochs, bs = 0.5, 2, 64
    for epoch in range(epochs):
        for i in range((n - 1) // bs + 1):
            start_i = i * bs
            end_i = start_i + bs
            xb = x_train[start_i:end_i]
            yb = y_train[start_i:end_i]
            pred = model(xb)
            loss = loss_func(pred, yb)
            loss.backward()
            with torch.no_grad():
                for p in model.parameters():
                    p -= p.grad * lr
            model.zero_grad()
    print(loss_func(model(xb), yb))


if __name__ == "__main__":
    main()
