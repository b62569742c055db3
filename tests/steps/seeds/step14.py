"""Step 14 from the companion lessons (seeds 000 and 002: Hooks functions).

The seeds' print_info and print_backward_info hooks, recording what they printed into a log;
registered as the seeds register them, with register_forward_hook and the deprecated
register_backward_hook (the step accepts it, with an advisory). The seeds never remove their hooks
and run one pass; inspect runs the pass with cross-entropy and removes every handle afterwards, as
the step asks. CNN is step13's (seed 000's, flattening from dimension 1).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


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


def record_output(log, name):
    def print_info(self, input, output):
        # input is a tuple of inputs
        # Output is a tensor, output value is in output.data
        log.append((name, output.data.clone()))
    return print_info


def record_grad(log, name):
    def print_backward_info(self, grad_input, grad_output):
        # Grad_input and grad_output are tuples
        log.append((name, grad_output[0].clone()))
    return print_backward_info


def inspect(model, xb, yb):
    outputs, grads, handles = [], [], []
    for name, layer in model.named_children():
        # Register a function to forward hook
        handles.append(layer.register_forward_hook(record_output(outputs, name)))
        # Register a function to backward hook
        handles.append(layer.register_backward_hook(record_grad(grads, name)))

    out = model(xb)
    err = F.cross_entropy(out, yb)
    # Backward hook will be called when loss backward through the layers
    err.backward()

    for handle in handles:
        handle.remove()
    return outputs, grads


def main():
    net = CNN()
    input = torch.randn(1, 1, 28, 28)
    outputs, grads = inspect(net, input, torch.tensor([3]))
    for name, out in outputs:
        print("Inside " + name + " forward", out.shape)
    for name, grad in grads:
        print("Inside " + name + " backward", grad.shape)


if __name__ == "__main__":
    main()
