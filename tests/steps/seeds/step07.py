"""Step 07 as the tutorial writes it ("Add validation"; seed 003: Add Validation), in the step's interface.

The two DataLoader lines become get_data (no seed, no generator of its own: the training loader
shuffles with torch's global random generator, as the tutorial's does) and the epoch loop becomes
fit, which prints each epoch's validation loss and returns nothing. The tutorial's first version
divides the summed batch means by the number of batches; here each batch's mean is weighted by its
size, as the tutorial's next section does (the plain mean is caught: test_seeds).
"""
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


def get_data(train_ds, valid_ds, bs):
    return (
        DataLoader(train_ds, batch_size=bs, shuffle=True),
        DataLoader(valid_ds, batch_size=bs * 2),
    )


def fit(epochs, model, loss_func, opt, train_dl, valid_dl):
    for epoch in range(epochs):
        model.train()
        for xb, yb in train_dl:
            pred = model(xb)
            loss = loss_func(pred, yb)

            loss.backward()
            opt.step()
            opt.zero_grad()

        model.eval()
        with torch.no_grad():
            valid_loss = sum(loss_func(model(xb), yb) * len(xb) for xb, yb in valid_dl)

        print(epoch, (valid_loss / len(valid_dl.dataset)).item())


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
