"""Step 14 · hooks: forward and backward hooks replace print statements inside forward.

To see what the layers of a network produce, the companion lessons print from inside
forward, and keep each output with retain_grad() to print its gradient after backward
(kata/steps/baselines/step14_printing.py). A hook does the looking from outside, and the model
stays clean:

    handle = layer.register_forward_hook(hook)        # hook(module, inputs, output), after forward
    handle = layer.register_full_backward_hook(hook)  # hook(module, grad_input, grad_output)
    handle.remove()                                   # each registration returns a handle

grad_output[0] is the gradient of the loss with respect to the layer's output: it has the
output's shape, (bs, 32, 28, 28) for conv1. Backward runs from the loss to the input, so the
backward hooks fire in the reverse order: fc2, fc1, conv2, conv1. A hook stays until its
handle is removed: forgotten handles keep recording on every later pass.

Hooks run only when the module is called: `model(xb)` is `model.__call__(xb)`, which runs the
forward pre-hooks, then `model.forward(xb)`, then the forward hooks (and sets up the backward
ones). Calling `model.forward(xb)` yourself does the arithmetic and skips all of them; see
hooks_run() below. So call modules, never their .forward.

Shapes: xb (bs, 1, 28, 28), yb (bs,) int64; outputs conv1 (bs, 32, 28, 28),
conv2 (bs, 32, 28, 28), fc1 (bs, 128), fc2 (bs, 10).

Run it on MNIST:  python -m solutions.step14_hooks
"""
import torch
import torch.nn.functional as F
from torch import nn


class CNN(nn.Module):
    """The 32-channel CNN of step 13, with no print statements: hooks do the looking now.

    forward: relu(conv1), relu(conv2) max-pool 2, torch.flatten(x, 1), relu(fc1), fc2,
    each layer called as a module (self.conv1(x)), so that its hooks run.
    """

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels=1, out_channels=32, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(32, 32, 3, padding=1)
        self.fc1 = nn.Linear(14 * 14 * 32, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))  # (bs, 1, 28, 28) -> (bs, 32, 28, 28)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)  # -> (bs, 32, 14, 14)
        x = torch.flatten(x, 1)  # -> (bs, 6272)
        x = F.relu(self.fc1(x))  # -> (bs, 128)
        return self.fc2(x)  # -> (bs, 10)


def record_output(log, name):
    """A forward hook that appends (name, the layer's output) to the list `log`.

    Returns hook(module, inputs, output); `inputs` is the tuple of forward's arguments,
    `output` what forward returned. Keep a detached copy: the output itself belongs to the graph.
    """
    def hook(module, inputs, output):
        log.append((name, output.detach().clone()))  # (bs, ...): what the layer produced
    return hook


def record_grad(log, name):
    """A full backward hook that appends (name, d loss / d layer output) to the list `log`.

    Returns hook(module, grad_input, grad_output): grad_output[0] has the output's shape;
    grad_input holds the gradients for forward's inputs (None where an input needs none).
    """
    def hook(module, grad_input, grad_output):
        log.append((name, grad_output[0].detach().clone()))  # same shape as the layer's output
    return hook


def inspect(model, xb, yb):
    """One forward and backward pass of cross-entropy with a forward and a backward hook on every
    layer of `model` (model.named_children()); every hook removed afterwards.

    Returns (outputs, grads): lists of (layer name, tensor), the outputs in forward order
    (conv1 first), the output gradients in backward order (fc2 first).
    """
    outputs, grads, handles = [], [], []
    for name, layer in model.named_children():
        handles.append(layer.register_forward_hook(record_output(outputs, name)))
        handles.append(layer.register_full_backward_hook(record_grad(grads, name)))
    try:
        loss = F.cross_entropy(model(xb), yb)  # model(xb), not model.forward(xb): the call runs the hooks
        loss.backward()
    finally:
        for handle in handles:  # even when something fails: hooks would stay on the layers for good
            handle.remove()
    return outputs, grads


def hooks_run(model, xb):
    """How often a forward hook on `model` runs for model(xb) and for model.forward(xb): (1, 0)."""
    calls = []
    handle = model.register_forward_hook(lambda module, inputs, output: calls.append(module))
    model(xb)  # __call__: pre-hooks, forward, hooks
    via_call = len(calls)
    model.forward(xb)  # the bare method: no hook runs
    handle.remove()
    return via_call, len(calls) - via_call


def grad_fn_chain(loss):
    """The names of loss.grad_fn, loss.grad_fn.next_functions[0][0], and so on, as the 60-minute blitz walks it."""
    names, node = [], loss.grad_fn
    while node is not None:
        names.append(type(node).__name__)
        node = node.next_functions[0][0] if node.next_functions else None  # follow the first input only
    return names


def main():
    import warnings

    from kata.data import load_mnist

    data = load_mnist().subset(8, 0)
    print(data.source)
    # conv1's backward hook fires although the images need no gradient; torch says so in a warning
    warnings.filterwarnings("ignore", message="Full backward hook is firing")
    torch.manual_seed(0)
    model = CNN()
    xb, yb = data.x_train.view(-1, 1, 28, 28), data.y_train  # (8, 1, 28, 28), (8,)
    outputs, grads = inspect(model, xb, yb)
    for name, out in outputs:
        print(f"forward  {name:<5} output {tuple(out.shape)}")
    for name, grad in grads:
        print(f"backward {name:<5} d loss / d output {tuple(grad.shape)}")
    print("hooks run for model(xb), model.forward(xb):", hooks_run(model, xb))
    print("loss.grad_fn and next_functions[0][0] onwards:", " -> ".join(grad_fn_chain(F.cross_entropy(model(xb), yb))))


if __name__ == "__main__":
    main()
