"""Step 15 · regression: nn.Linear, nn.MSELoss and optim.SGD replace the hand-written regression.

The house-price regression of “Bài 3: Neural Network” predicts price = w * area + b. Written by hand
(kata/steps/baselines/step15_handwritten.py), that is two leaf tensors, the mean of the
squared errors, and the update of each parameter under torch.no_grad() with the zeroing after
it. With torch.nn each part is a library object: a linear layer with one input and one output
is the model (its weight (1, 1) is w, its bias (1,) is b), nn.MSELoss is the loss (the mean
over every element of (input - target) ** 2), and SGD from torch.optim over the model's
parameters is the update. Each epoch is then: clear the gradients, backward, step, as in the
tutorials.

Mind the shapes. The data come as columns, area x (n,) and price y (n,), but nn.Linear reads
rows of features, (n, 1), and returns (n, 1). nn.MSELoss does not check that its two inputs
have the same shape: predictions (n, 1) against targets (n,) broadcast to an (n, n) table of
every prediction minus every price, and the "loss" is that table's mean, silently wrong for
any n > 1 (torch only warns). Give both the same shape.

Grade it:        python grader.py step15
Run it:  python -m steps.step15_regression
"""
import torch
from torch import nn, optim


def loss_fn(input, target):
    """Mean squared error: the mean over every element of (input - target) ** 2.

    input and target: the same shape, (n, 1) here -> a scalar.
    """
    # TODO(step15): torch.nn's mean squared error loss, as a module: make loss_fn one.
    raise NotImplementedError("step15_regression: loss_fn")


def loss_of(model, x, y):
    """The mean squared error of the model's prices for areas x (n,) against prices y (n,): a scalar.

    loss = (1/n) * sum_i (model(x)[i] - y[i]) ** 2, with model(x) computed on x as one column (n, 1).
    """
    # TODO(step15): the model on the areas as one column, then loss_fn against the prices in that same shape.
    raise NotImplementedError("step15_regression: loss_of")


def get_model(lr):
    """The model, itself one linear layer from one input to one output (weight (1, 1), bias (1,)),
    and plain SGD over its parameters: (model, opt).
    """
    # TODO(step15): a linear layer from one input to one output, and plain SGD from torch.optim over its
    #   parameters with this lr; return both.
    raise NotImplementedError("step15_regression: get_model")


def fit(model, opt, x, y, epochs):
    """Full-batch gradient descent: one update per epoch on all n houses.

    Returns each epoch's loss as a float, taken before that epoch's update.
    """
    losses = []
    for epoch in range(epochs):
        # TODO(step15): this epoch's loss from loss_of, then clear the gradients the optimizer holds.
        raise NotImplementedError("step15_regression: fit")
        loss.backward()
        # TODO(step15): let the optimizer update the parameters.
        raise NotImplementedError("step15_regression: fit")
        losses.append(loss.item())
    return losses


def house_prices(n=30, seed=0):
    """A made-up table of n houses: area in hundreds of m² (n,), price = 3 * area + 0.5 + noise (n,)."""
    g = torch.Generator().manual_seed(seed)
    area = 0.3 + 1.2 * torch.rand(n, generator=g)  # (n,)
    return area, 3.0 * area + 0.5 + 0.3 * torch.randn(n, generator=g)  # (n,), (n,)


def main():
    x, y = house_prices()
    torch.manual_seed(0)
    model, opt = get_model(lr=0.3)
    losses = fit(model, opt, x, y, epochs=300)
    print(f"loss {losses[0]:.3f} at the start, {losses[-1]:.3f} after {len(losses)} epochs")
    print(f"price = {model.weight.item():.2f} * area + {model.bias.item():.2f} (the data were made with 3 and 0.5)")
    with torch.no_grad():
        print(f"a 100 m² house: {model(torch.tensor([[1.0]])).item():.2f}")  # (1, 1) in, (1, 1) out


if __name__ == "__main__":
    main()
