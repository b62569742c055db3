"""Step 08 as the tutorial writes it (seed 003: loss의 함수화, "Create fit() and get_data()": loss_batch, get_data, fit).

get_data has no seed and no generator of its own: the training loader shuffles with torch's global
random generator, as the tutorial's does. fit returns nothing: it prints each epoch's validation
loss, the size-weighted mean over the whole validation set (numpy, as the tutorial computes it).
"""
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset

loss_func = F.cross_entropy


class Mnist_Logistic(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(784, 10)

    def forward(self, xb):
        return self.lin(xb)


def get_model(lr=0.5):
    model = Mnist_Logistic()
    return model, optim.SGD(model.parameters(), lr=lr)


def loss_batch(model, loss_func, xb, yb, opt=None):
    loss = loss_func(model(xb), yb)

    if opt is not None:
        loss.backward()
        opt.step()
        opt.zero_grad()

    return loss.item(), len(xb)


def get_data(train_ds, valid_ds, bs):
    return (
        DataLoader(train_ds, batch_size=bs, shuffle=True),
        DataLoader(valid_ds, batch_size=bs * 2),
    )


def fit(epochs, model, loss_func, opt, train_dl, valid_dl):
    for epoch in range(epochs):
        model.train()
        for xb, yb in train_dl:
            loss_batch(model, loss_func, xb, yb, opt)

        model.eval()

        with torch.no_grad():
            losses, nums = zip(
                *[loss_batch(model, loss_func, xb, yb) for (xb, yb) in valid_dl]
            )
        val_loss = np.sum(np.multiply(losses, nums)) / np.sum(nums)

        print("epoch: %d, validaiton loss: %.4f" % (epoch + 1, val_loss))


def main():
    from kata.data import load_mnist

    data = load_mnist()
    bs, epochs = 64, 5
    train_ds = TensorDataset(data.x_train, data.y_train)
    valid_ds = TensorDataset(data.x_valid, data.y_valid)
    train_dl, valid_dl = get_data(train_ds, valid_ds, bs)
    model, opt = get_model()
    fit(epochs, model, loss_func, opt, train_dl, valid_dl)


if __name__ == "__main__":
    main()
