"""Step 12 as the tutorial writes it ("What is torch.nn really?": Using your GPU).

The tutorial keeps dev in a global that preprocess reads; the step's interface passes it:
get_device() is the tutorial's expression, preprocess(x, y, dev) and get_model(lr, dev) take it.
loss_batch, get_data and fit are step07's.
"""
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset

loss_func = F.cross_entropy


class Lambda(nn.Module):
    def __init__(self, func):
        super().__init__()
        self.func = func

    def forward(self, x):
        return self.func(x)


def get_device():
    return torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu")


def preprocess(x, y, dev):
    return x.view(-1, 1, 28, 28).to(dev), y.to(dev)


class WrappedDataLoader:
    def __init__(self, dl, func):
        self.dl = dl
        self.func = func

    def __len__(self):
        return len(self.dl)

    def __iter__(self):
        for b in self.dl:
            yield (self.func(*b))


def get_model(lr=0.1, dev=torch.device("cpu")):
    model = nn.Sequential(
        nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1),
        nn.ReLU(),
        nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1),
        nn.ReLU(),
        nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        Lambda(lambda x: x.view(x.size(0), -1)),
    )
    model.to(dev)
    opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    return model, opt


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

    print(torch.cuda.is_available())
    dev = get_device()
    data = load_mnist()
    bs, epochs = 64, 5
    train_ds = TensorDataset(data.x_train, data.y_train)
    valid_ds = TensorDataset(data.x_valid, data.y_valid)
    train_dl, valid_dl = get_data(train_ds, valid_ds, bs)
    train_dl = WrappedDataLoader(train_dl, lambda x, y: preprocess(x, y, dev))
    valid_dl = WrappedDataLoader(valid_dl, lambda x, y: preprocess(x, y, dev))
    model, opt = get_model(dev=dev)
    fit(epochs, model, loss_func, opt, train_dl, valid_dl)


if __name__ == "__main__":
    main()
