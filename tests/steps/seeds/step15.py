"""Step 15 from the companion lesson (seed 000: Linear regression).

The seed's nn.Linear(1, 1), nn.MSELoss() and optim.SGD, and its training loop: per epoch the
prediction, the loss, zero_grad, backward, step. The seed unsqueezes the areas to one column
(`x = x.unsqueeze(1)`); loss_of does that for the areas and the prices. The seed's loop keeps no
losses (nor its tqdm progress bar), so fit returns nothing.
"""
import torch
import torch.nn as nn
import torch.optim as optim

loss_fn = nn.MSELoss()


def loss_of(model, x, y):
    # Thêm chiều vào vị trí tương ứng, ví dụ (30) -> (30, 1).
    y_hat = model(x.unsqueeze(1))
    return loss_fn(y_hat, y.unsqueeze(1))


def get_model(lr=0.00004):
    linear_model = nn.Linear(1, 1)
    optimizer = optim.SGD(linear_model.parameters(), lr=lr)
    return linear_model, optimizer


def fit(model, optimizer, x, y, n_epochs):
    for epoch in range(1, n_epochs + 1):
        loss = loss_of(model, x, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def main():
    g = torch.Generator().manual_seed(0)
    x = 0.3 + 1.2 * torch.rand(30, generator=g)
    y = 3.0 * x + 0.5 + 0.3 * torch.randn(30, generator=g)
    linear_model, optimizer = get_model(lr=0.3)
    print(list(linear_model.parameters()))
    fit(linear_model, optimizer, x, y, 300)
    print(list(linear_model.parameters()))


if __name__ == "__main__":
    main()
