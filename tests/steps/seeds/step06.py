"""Step 06 as the tutorial writes it (seed 003: DataLoader).

`for xb, yb in train_dl:` is the whole batch loop. main() keeps the cell and its print of the loss
on the xb, yb the loop left behind: the last batch.
"""
import torch
import torch.nn.functional as F
from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset

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


def get_dataloader(train_ds, bs=64):
    return DataLoader(train_ds, batch_size=bs)


def fit(model, opt, train_dl, epochs=2):
    for epoch in range(epochs):
        for xb, yb in train_dl:
            pred = model(xb)
            loss = loss_func(pred, yb)

            loss.backward()
            opt.step()
            opt.zero_grad()


def main():
    from kata.data import load_mnist

    data = load_mnist()
    epochs, bs = 2, 64
    train_ds = TensorDataset(data.x_train, data.y_train)
    train_dl = DataLoader(train_ds, batch_size=bs)

    model, opt = get_model()
    for epoch in range(epochs):
        for xb, yb in train_dl:
            pred = model(xb)
            loss = loss_func(pred, yb)

            loss.backward()
            opt.step()
            opt.zero_grad()

    print(loss_func(model(xb), yb))


if __name__ == "__main__":
    main()
