"""Step 09 · cnn: a convolutional network, trained by the same fit.

Nothing in loss_batch, get_data or fit depends on the model: they train whatever module they
are given. This step swaps the logistic model for the tutorial's CNN and leaves them as they
are. Three convolutions, each 3x3 with stride 2 and padding 1, so each halves the image's
sides (rounding up): 28 -> 14 -> 7 -> 4.

    xb (bs, 784) -> view                                        (bs, 1, 28, 28)
      -> conv1:  1 -> 16 channels, ReLU                         (bs, 16, 14, 14)
      -> conv2: 16 -> 16 channels, ReLU                         (bs, 16, 7, 7)
      -> conv3: 16 -> 10 channels, ReLU                         (bs, 10, 4, 4)
      -> average over each 4x4 map (F.avg_pool2d(xb, 4))       (bs, 10, 1, 1)
      -> view: one score per class                              (bs, 10)

Each image goes through on its own: row i of the output depends on image i alone, for any
batch size, 1 included. The optimizer is SGD with momentum 0.9: each step follows a running
sum of the gradients, v = 0.9 * v + grad, p -= lr * v, which trains the CNN much faster than
plain SGD would. On the full MNIST set the CNN passes the logistic model within 5 epochs; on the
shipped 4,000-digit sample (63 updates an epoch, not 782) it starts slowly and needs about 15
epochs to catch up: --train --epochs 15 shows it.

Run it on MNIST:  python -m solutions.step09_cnn
"""
import torch
import torch.nn.functional as F
from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset

loss_func = F.cross_entropy


def accuracy(out, yb):
    """Fraction of rows whose largest output is the true class.

    out: (bs, 10), yb: (bs,) -> a float scalar in [0, 1].
    """
    preds = torch.argmax(out, dim=1)  # (bs, 10) -> (bs,)
    return (preds == yb).float().mean()


class Mnist_CNN(nn.Module):
    """The tutorial's CNN: conv1, conv2, conv3 (3x3, stride 2, padding 1; 1 -> 16 -> 16 -> 10
    channels), each followed by ReLU, then the average of each 4x4 map as the class score.

    xb: (bs, 784) -> (bs, 10) raw scores (logits).
    """

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1)  # weight (16, 1, 3, 3)
        self.conv2 = nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1)  # weight (16, 16, 3, 3)
        self.conv3 = nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1)  # weight (10, 16, 3, 3)

    def forward(self, xb):
        xb = xb.view(-1, 1, 28, 28)  # (bs, 784) -> (bs, 1, 28, 28): one channel per image
        xb = F.relu(self.conv1(xb))  # -> (bs, 16, 14, 14)
        xb = F.relu(self.conv2(xb))  # -> (bs, 16, 7, 7)
        xb = F.relu(self.conv3(xb))  # -> (bs, 10, 4, 4)
        xb = F.avg_pool2d(xb, 4)  # -> (bs, 10, 1, 1): the mean of each 4x4 map
        return xb.view(-1, xb.size(1))  # -> (bs, 10)


def get_model(lr=0.1):
    """A new Mnist_CNN and SGD with momentum 0.9 over its parameters: (model, opt)."""
    model = Mnist_CNN()
    return model, optim.SGD(model.parameters(), lr=lr, momentum=0.9)


def loss_batch(model, loss_func, xb, yb, opt=None):
    """The loss of one batch; with `opt`, also one optimizer step (backward, step, zero_grad).

    xb: (bs, ...) inputs, yb: (bs,) -> (the loss as a Python float, bs). Without opt (validation)
    nothing is updated and no gradient is computed.
    """
    loss = loss_func(model(xb), yb)  # a scalar: the mean over the batch
    if opt is not None:
        loss.backward()
        opt.step()
        opt.zero_grad()
    return loss.item(), len(xb)


def get_data(train_ds, valid_ds, bs, seed=0):
    """The two loaders: (train_dl, valid_dl).

    train_dl: train_ds in batches of bs, shuffled, a new order every epoch, from its own
    torch.Generator seeded with `seed` (the same seed gives the same orders, whatever else draws
    from torch's global random generator). valid_dl: valid_ds in order, in batches of 2 * bs.
    """
    g = torch.Generator().manual_seed(seed)  # the shuffle's own random numbers, not the global ones
    return (
        DataLoader(train_ds, batch_size=bs, shuffle=True, generator=g),
        DataLoader(valid_ds, batch_size=bs * 2),  # no backward pass: twice the rows fit in memory
    )


def fit(epochs, model, loss_func, opt, train_dl, valid_dl):
    """Train for `epochs` passes over train_dl; after each, the loss over the whole of valid_dl.

    Every epoch: model.train() and one optimizer step per training batch (loss_batch with opt);
    then model.eval() and, under torch.no_grad(), the loss of every validation batch, combined
    into the mean over all validation rows (each batch weighted by its size). Prints it and
    returns the list of these losses, one float per epoch. Everything fit uses is an argument.
    """
    losses = []
    for epoch in range(epochs):
        model.train()  # eval() below switched training mode off: switch it back on every epoch
        for xb, yb in train_dl:
            loss_batch(model, loss_func, xb, yb, opt)

        model.eval()
        with torch.no_grad():  # no graph: this loss is never backpropagated
            batch_losses, sizes = zip(*[loss_batch(model, loss_func, xb, yb) for xb, yb in valid_dl])
        # each batch's mean weighted by its size: the last batch may be shorter than the others
        val_loss = sum(loss * n for loss, n in zip(batch_losses, sizes)) / sum(sizes)
        print(f"epoch {epoch + 1}: validation loss {val_loss:.4f}")
        losses.append(val_loss)
    return losses


def main():
    from kata.data import load_mnist

    data = load_mnist()
    print(data.source)
    torch.manual_seed(0)
    train_ds = TensorDataset(data.x_train, data.y_train)
    valid_ds = TensorDataset(data.x_valid, data.y_valid)
    train_dl, valid_dl = get_data(train_ds, valid_ds, bs=64, seed=0)
    model, opt = get_model()
    fit(5, model, loss_func, opt, train_dl, valid_dl)  # the CNN needs a few more passes
    model.eval()
    with torch.no_grad():
        out = model(data.x_valid)
    print(f"valid accuracy {accuracy(out, data.y_valid):.4f}")


if __name__ == "__main__":
    main()
