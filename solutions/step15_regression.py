"""Step 15 · regression: nn.Linear(1, 1), nn.MSELoss and optim.SGD replace the hand-written regression.

The house-price regression of “Bài 3: Neural Network” predicts price = w * area + b. Written by hand
(kata/steps/baselines/step15_handwritten.py) that is two leaf tensors, `((y_hat - y) ** 2).mean()`
and `w -= lr * w.grad` with the zeroing after it. With torch.nn:

    model = nn.Linear(1, 1)        # weight (1, 1) is w, bias (1,) is b
    loss_fn = nn.MSELoss()         # mean over every element of (input - target) ** 2
    opt = optim.SGD(model.parameters(), lr=lr)

and each epoch is opt.zero_grad(), loss.backward(), opt.step(), as in the tutorials.

Mind the shapes. The data come as columns, area x (n,) and price y (n,), but nn.Linear reads
rows of features, (n, 1), and returns (n, 1). nn.MSELoss does not check that its two inputs
have the same shape: predictions (n, 1) against targets (n,) broadcast to an (n, n) table of
every prediction minus every price, and the "loss" is that table's mean, silently wrong for
any n > 1 (torch only warns). Give both the same shape: y.unsqueeze(1) is (n, 1).

Run it:  python -m solutions.step15_regression
"""
import torch
from torch import nn, optim

# the mean of (input - target) ** 2 over every element; input and target must have the same shape
loss_fn = nn.MSELoss()


def loss_of(model, x, y):
    """The mean squared error of the model's prices for areas x (n,) against prices y (n,): a scalar.

    loss = (1/n) * sum_i (model(x)[i] - y[i]) ** 2, with model(x) computed on x as one column (n, 1).
    """
    y_hat = model(x.unsqueeze(1))  # (n,) -> (n, 1) -> (n, 1)
    return loss_fn(y_hat, y.unsqueeze(1))  # (n, 1) against (n, 1); against y (n,) it would be (n, n)


def get_model(lr):
    """The model nn.Linear(1, 1) itself (weight (1, 1), bias (1,)) and plain SGD over its parameters: (model, opt)."""
    model = nn.Linear(1, 1)
    return model, optim.SGD(model.parameters(), lr=lr)


def fit(model, opt, x, y, epochs):
    """Full-batch gradient descent: one update per epoch on all n houses.

    Returns each epoch's loss as a float, taken before that epoch's update.
    """
    losses = []
    for epoch in range(epochs):
        loss = loss_of(model, x, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
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
