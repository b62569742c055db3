"""Step 14's baseline: the 32-channel CNN inspected with print statements inside forward.

The companion lessons (seeds 000 and 002) look inside a network by printing. Written by hand,
that means a print after every layer in forward, for the shapes on the way in; and, for the
gradients on the way back, keeping every layer's output, asking for its gradient with
`retain_grad()` and printing those after `backward()`. The model's forward is now cluttered
with debugging, and it prints on every call, training included.

`inspect(model, xb, yb)` runs one pass and returns what was printed as data:
(outputs, grads), each a list of (layer name, tensor): the layers' outputs in the order forward
produced them, and the gradients of the loss with respect to those outputs in the order
backward reached them (fc2 first, conv1 last).
"""
import torch
import torch.nn.functional as F
from torch import nn


class CNN(nn.Module):
    """The 32-channel CNN of seeds 000/002, printing each layer's output shape from forward."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels=1, out_channels=32, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(32, 32, 3, padding=1)
        self.fc1 = nn.Linear(14 * 14 * 32, 128)
        self.fc2 = nn.Linear(128, 10)
        self.kept = {}  # layer name -> its output in the last forward, for the gradients

    def forward(self, x):
        x = self.conv1(x)  # (bs, 1, 28, 28) -> (bs, 32, 28, 28)
        print("conv1 output", tuple(x.shape))
        self.keep("conv1", x)
        x = self.conv2(F.relu(x))  # -> (bs, 32, 28, 28)
        print("conv2 output", tuple(x.shape))
        self.keep("conv2", x)
        x = torch.flatten(F.max_pool2d(F.relu(x), 2), 1)  # -> (bs, 32, 14, 14) -> (bs, 6272)
        x = self.fc1(x)  # -> (bs, 128)
        print("fc1 output", tuple(x.shape))
        self.keep("fc1", x)
        x = self.fc2(F.relu(x))  # -> (bs, 10)
        print("fc2 output", tuple(x.shape))
        self.keep("fc2", x)
        return x

    def keep(self, name, x):
        if x.requires_grad:
            x.retain_grad()  # a non-leaf tensor keeps its .grad only when asked
        self.kept[name] = x


def inspect(model, xb, yb):
    """One forward and backward pass of cross-entropy, printing as it goes: (outputs, grads)."""
    model.kept = {}
    loss = F.cross_entropy(model(xb), yb)
    loss.backward()
    outputs = [(name, out.detach().clone()) for name, out in model.kept.items()]
    grads = [(name, out.grad.clone()) for name, out in reversed(model.kept.items())]  # backward: last layer first
    for name, grad in grads:
        print(f"{name} output gradient", tuple(grad.shape))
    return outputs, grads
