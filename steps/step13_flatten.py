"""Step 13 · flatten: nn.Flatten and torch.flatten replace `num_flat_features` and `view`.

The companion lessons flatten the last feature maps by hand before the first linear layer:
num_flat_features counts the features of one image, multiplying every size but the batch's,
and view(-1, that count) lets torch work out the number of rows (the hand-written versions are
in kata/steps/baselines/step13_handwritten.py). torch does that count itself: the function
torch.flatten and the layer nn.Flatten merge the dimensions from a start dimension on:

    (bs, 16, 5, 5) -> (bs, 400)        (bs, 32, 14, 14) -> (bs, 6272)

Mind the start dimension: the batch, dimension 0, must stay. The layer's default keeps it; the
function's default does not and merges the batch too, (bs, 32, 14, 14) -> (bs * 6272,). “Bài
3: Neural Network” falls into that: with one image the network quietly returns shape (10,) instead of (1, 10);
with more, fc1 receives bs * 6272 numbers and fails. view(-1, n) has its own trap: with a
wrong n it silently makes a different number of rows.

Shapes: LeNet reads (bs, 1, 32, 32), CNN reads (bs, 1, 28, 28); both return (bs, 10) logits.

Grade it:        python grader.py step13
Run it on MNIST:  python -m steps.step13_flatten
"""
import torch
import torch.nn.functional as F
from torch import nn


class LeNet(nn.Module):
    """LeNet of the 60-minute blitz with a flattening layer named `flatten` (no num_flat_features).

    conv1 Conv2d(1, 6, 5), conv2 Conv2d(6, 16, 5), flatten (torch.nn's flattening layer),
    fc1 Linear(16 * 5 * 5, 120), fc2 Linear(120, 84), fc3 Linear(84, 10).
    forward: relu(conv1) max-pool 2, relu(conv2) max-pool 2, flatten, relu(fc1), relu(fc2), fc3.
    The flattening layer has no parameters: the model's parameters are those of the hand-written LeNet.
    """

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)  # (bs, 1, 32, 32) -> (bs, 6, 28, 28)
        self.conv2 = nn.Conv2d(6, 16, 5)  # (bs, 6, 14, 14) -> (bs, 16, 10, 10)
        # TODO(step13): torch.nn's flattening layer, named flatten, in place of num_flat_features; it must
        #   keep the batch dimension.
        raise NotImplementedError("step13_flatten: LeNet.__init__")
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)  # (bs, 1, 32, 32) -> (bs, 6, 14, 14)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)  # -> (bs, 16, 5, 5)
        # TODO(step13): flatten the feature maps with that layer: one row per image.
        raise NotImplementedError("step13_flatten: LeNet.forward")
        x = F.relu(self.fc1(x))  # -> (bs, 120)
        x = F.relu(self.fc2(x))  # -> (bs, 84)
        return self.fc3(x)  # -> (bs, 10)


class CNN(nn.Module):
    """The 32-channel CNN of “Bài 3: Neural Network”, flattening with torch.flatten (mind its start dimension).

    conv1 Conv2d(1, 32, 3, padding=1), conv2 Conv2d(32, 32, 3, padding=1),
    fc1 Linear(14 * 14 * 32, 128), fc2 Linear(128, 10).
    forward: relu(conv1), relu(conv2) max-pool 2, flatten all but the batch, relu(fc1), fc2.
    """

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels=1, out_channels=32, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(32, 32, 3, padding=1)
        self.fc1 = nn.Linear(14 * 14 * 32, 128)  # 14 * 14: the 28×28 image after one 2×2 pool
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))  # (bs, 1, 28, 28) -> (bs, 32, 28, 28)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)  # -> (bs, 32, 14, 14)
        # TODO(step13): flatten with the function torch.flatten in place of the view: every dimension but the
        #   batch's merged into one.
        raise NotImplementedError("step13_flatten: CNN.forward")
        x = F.relu(self.fc1(x))  # -> (bs, 128)
        return self.fc2(x)  # -> (bs, 10)


def train(model, x, y, lr=0.05, epochs=1, bs=16):
    """Mini-batch SGD with momentum on images x (n, 1, H, W) and classes y (n,); returns the last loss."""
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    for epoch in range(epochs):
        for start in range(0, len(x), bs):
            loss = F.cross_entropy(model(x[start:start + bs]), y[start:start + bs])
            loss.backward()
            opt.step()
            opt.zero_grad()
    return loss.item()


def main():
    from kata.data import load_mnist

    data = load_mnist().subset(2000, 500)
    print(data.source)
    images = data.x_train.view(-1, 1, 28, 28)  # (2000, 784) -> (2000, 1, 28, 28)
    valid = data.x_valid.view(-1, 1, 28, 28)  # (500, 1, 28, 28)
    torch.manual_seed(0)
    for model, pad in ((LeNet(), 2), (CNN(), 0)):
        # LeNet wants 32×32: two pixels of zero padding on every side of the 28×28 digits
        x, xv = F.pad(images, (pad,) * 4), F.pad(valid, (pad,) * 4)
        loss = train(model, x, data.y_train)
        with torch.no_grad():
            one = model(xv[:1])  # a batch of one image keeps its batch dimension: (1, 10)
            accuracy = (model(xv).argmax(dim=1) == data.y_valid).float().mean()
        print(f"{type(model).__name__}: input {tuple(x.shape[1:])}, one image -> {tuple(one.shape)}, "
              f"last training loss {loss:.3f}, valid accuracy {accuracy:.3f}")


if __name__ == "__main__":
    main()
