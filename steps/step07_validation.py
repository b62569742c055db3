"""Step 07 · validation: a held-out set, a shuffled training loader, train and eval modes.

Training loss alone cannot show overfitting, so after every epoch fit measures the loss on a
validation set the model never trains on. What changes:

- get_data builds both loaders. The training loader shuffles, a new order every epoch (so
  that consecutive batches are not correlated), drawn from its own random generator seeded
  with `seed`: the same seed gives the same run, whatever else draws random numbers. The
  validation loader keeps the order and uses batches twice as large: without a backward pass
  each row needs less memory.
- fit puts the model in training mode before training and in evaluation mode before
  validating: layers such as nn.Dropout and nn.BatchNorm2d behave differently in the two.
  Validation builds no graph: its loss is never backpropagated.
- fit takes the validation loader beside the training one, and returns the validation loss
  of every epoch, the mean over every row of the set:

      val_loss = sum_b n_b * loss_b / sum_b n_b      (loss_b: the mean over batch b of n_b rows)

  A plain mean of the batch means gives the last, shorter batch the weight of a full one:
  wrong whenever the batch size does not divide the set's size.

Shapes: a training batch is ((bs, 784), (bs,)), a validation batch ((2 * bs, 784), (2 * bs,)).

Grade it:        python grader.py step07
Run it on MNIST:  python -m steps.step07_validation
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


class Mnist_Logistic(nn.Module):
    """The logistic model with one nn.Linear(784, 10) layer named `lin`."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(784, 10)  # weight (10, 784), bias (10,)

    def forward(self, xb):
        return self.lin(xb)  # (bs, 784) -> (bs, 10)


def get_model(lr=0.5):
    """A new Mnist_Logistic and a plain SGD optimizer over its parameters: (model, opt)."""
    model = Mnist_Logistic()
    return model, optim.SGD(model.parameters(), lr=lr)


def get_data(train_ds, valid_ds, bs, seed=0):
    """The two loaders: (train_dl, valid_dl).

    train_dl: train_ds in batches of bs, shuffled, a new order every epoch, from its own
    torch.Generator seeded with `seed` (the same seed gives the same orders, whatever else draws
    from torch's global random generator). valid_dl: valid_ds in order, in batches of 2 * bs.
    """
    # TODO(step07): a training DataLoader that shuffles, drawing its order from its own torch.Generator seeded
    #   with seed, and a validation DataLoader in order, with batches twice as large; return both.
    raise NotImplementedError("step07_validation: get_data")


def fit(epochs, model, loss_func, opt, train_dl, valid_dl):
    """Train for `epochs` passes over train_dl; after each, the loss over the whole of valid_dl.

    Every epoch: training mode and one optimizer step per training batch; then evaluation mode
    and, with no graph built, the loss over every validation row (each batch weighted by its
    size). Prints it and returns the list of these losses, one float per epoch. Everything fit
    uses is an argument.
    """
    losses = []
    for epoch in range(epochs):
        # TODO(step07): training mode on for the training batches: the evaluation below switches it off.
        raise NotImplementedError("step07_validation: fit")
        for xb, yb in train_dl:
            loss = loss_func(model(xb), yb)  # a scalar: the mean over the batch
            loss.backward()
            opt.step()
            opt.zero_grad()

        # TODO(step07): evaluation mode, then, without building a graph, the loss of every validation batch;
        #   val_loss is the mean over all the validation rows: each batch's mean weighted by its size.
        raise NotImplementedError("step07_validation: fit")
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
    fit(2, model, loss_func, opt, train_dl, valid_dl)
    model.eval()
    with torch.no_grad():
        out = model(data.x_valid)
    print(f"valid accuracy {accuracy(out, data.y_valid):.4f}")


if __name__ == "__main__":
    main()
