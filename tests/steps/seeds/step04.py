"""Step 04 as the tutorial writes it (seed 003: torch.optim).

The seed's get_model() read lr from a global; here it is get_model's argument. The training loop,
a module-level cell in the notebook, is fit; main() keeps the cell as it is, followed by the
notebook's print of the loss on the last batch's xb, yb.
"""
import torch
import torch.nn.functional as F
from torch import nn, optim

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


def get_model(lr=0.5):
    model = Mnist_Logistic()
    return model, optim.SGD(model.parameters(), lr=lr)


def fit(model, opt, x_train, y_train, epochs=2, bs=64):
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
            opt.step()
            opt.zero_grad()


def main():
    from kata.data import load_mnist

    data = load_mnist()
    x_train, y_train = data.x_train, data.y_train
    n, c = x_train.shape
    epochs, bs = 2, 64
    model, opt = get_model()

    for epoch in range(epochs):
        for i in range((n - 1) // bs + 1):
            start_i = i * bs
            end_i = start_i + bs
            xb = x_train[start_i:end_i]
            yb = y_train[start_i:end_i]
            pred = model(xb)
            loss = loss_func(pred, yb)

            loss.backward()
            opt.step()
            opt.zero_grad()

    print(loss_func(model(xb), yb))


if __name__ == "__main__":
    main()
