"""Step 13's baseline: LeNet and the 32-channel CNN flattening with `view` and `num_flat_features`.

LeNet is the network of seeds 001 and 004 (32×32 input). CNN is the 32-channel network of seeds
000 and 002 (28×28 input), with seed 002's `x.view(-1, self.num_flat_features(x))`, which is
right; seed 000's `torch.flatten(x)` is not (it flattens the batch too), so it is not used here.

Both count the features of one image by hand, multiplying every size but the batch's:
(bs, 16, 5, 5) -> 16 * 5 * 5 = 400, (bs, 32, 14, 14) -> 32 * 14 * 14 = 6272, then
`view(-1, n)` lets torch work out the batch size from the total.
"""
import torch.nn.functional as F
from torch import nn


class LeNet(nn.Module):
    """conv(1->6, 5) relu pool2, conv(6->16, 5) relu pool2, view, fc 400->120->84->10 (seed 001)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))  # (bs, 1, 32, 32) -> (bs, 6, 14, 14)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)  # -> (bs, 16, 5, 5)
        x = x.view(-1, self.num_flat_features(x))  # -> (bs, 400)
        x = F.relu(self.fc1(x))  # -> (bs, 120)
        x = F.relu(self.fc2(x))  # -> (bs, 84)
        return self.fc3(x)  # -> (bs, 10)

    def num_flat_features(self, x):
        size = x.size()[1:]  # every dimension but the batch
        num_features = 1
        for s in size:
            num_features *= s
        return num_features


class CNN(nn.Module):
    """conv(1->32, 3, pad 1) relu, conv(32->32, 3, pad 1) relu pool2, view, fc 6272->128->10 (seed 002)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels=1, out_channels=32, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(32, 32, 3, padding=1)
        self.fc1 = nn.Linear(14 * 14 * 32, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))  # (bs, 1, 28, 28) -> (bs, 32, 28, 28)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)  # -> (bs, 32, 14, 14)
        x = x.view(-1, self.num_flat_features(x))  # -> (bs, 6272)
        x = F.relu(self.fc1(x))  # -> (bs, 128)
        return self.fc2(x)  # -> (bs, 10)

    def num_flat_features(self, x):
        size = x.size()[1:]  # every dimension but the batch
        num_features = 1
        for s in size:
            num_features *= s
        return num_features


def train(model, x, y, lr=0.05, epochs=1, bs=16):
    """The step's own training loop, unchanged by the refactor: mini-batch SGD with momentum on images
    x (n, 1, H, W) and classes y (n,); returns the last loss. (`--train` drives both versions with it.)"""
    import torch

    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    for _ in range(epochs):
        for start in range(0, len(x), bs):
            loss = F.cross_entropy(model(x[start:start + bs]), y[start:start + bs])
            loss.backward()
            opt.step()
            opt.zero_grad()
    return loss.item()
