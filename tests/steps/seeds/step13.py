"""Step 13 from the companion lessons (seeds 001 and 000/002), with their flattening replaced.

LeNet is seed 001's Net, named as the step asks; its `x.view(-1, self.num_flat_features(x))` is
now `torch.flatten(x, 1)`, and num_flat_features is gone. CNN is seed 000's, whose
`torch.flatten(x)` starts at dimension 0 and merges the batch (the step's wrong version
`flatten-merges-batch`): flattening from dimension 1 keeps it. Everything else is the seeds'.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


class LeNet(nn.Module):
    def __init__(self):
        super(LeNet, self).__init__()
        # 1 input image channel, 6 output channels, 5x5 square convolution
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        # an affine operation: y = Wx + b
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        # Max pooling over a (2, 2) window
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        # If the size is a square you can only specify a single number
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x


class CNN(nn.Module):
    def __init__(self) -> None:
        super(CNN, self).__init__()
        # input 1 channel, output 32 channel, kernel size 3*3
        self.conv1 = nn.Conv2d(in_channels=1, out_channels=32, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(32, 32, 3, padding=1)

        self.fc1 = nn.Linear(14 * 14 * 32, 128)  # 14*14 from image dimension
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = F.relu(x)
        x = self.conv2(x)
        x = F.relu(x)
        x = F.max_pool2d(x, 2)
        x = torch.flatten(x, 1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.fc2(x)
        return x


def main():
    net = LeNet()
    print(net)
    input = torch.randn(1, 1, 32, 32)
    out = net(input)
    print(out)

    net = CNN()
    print(net)
    input = torch.randn(1, 1, 28, 28)
    out = net(input)
    print(out)


if __name__ == "__main__":
    main()
