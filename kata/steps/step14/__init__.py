"""step14_hooks: Hooks, and calling the module.

The whole step in one place: what it replaces, its names, source rules, checks (judges.py, by id),
wrong versions, train family and stub.
"""

from kata.steps import advisories, static
from kata.steps.declare import Check, Step, Wrong

STEP = Step(
    'step14',
    'step14_hooks',
    'Hooks, and calling the module',
    replaces='print statements inside forward, retain_grad() to see gradients',
    replaced_by='register_forward_hook, register_full_backward_hook, handle.remove(), model(xb)',
    section='“Bài 3: Neural Network”: looking inside the network with hooks',
    names=("CNN", "record_output", "record_grad", "inspect"),
    rules=(
        static.no_call_in(
            "forward", ("print",), "forward prints nothing", "the hooks do the looking now: delete the print."
        ),
        static.calls_modules_not_forward("hooks_run"),
        static.uses("register_forward_hook", "record each layer's output with a forward hook."),
        static.uses_one_of(
            ("register_full_backward_hook", "register_backward_hook"),
            "record the gradients with a backward hook: register_full_backward_hook (the deprecated "
            "register_backward_hook is accepted, with a note: on a layer made of several operations it reports "
            "the gradients of the last one only).",
        ),
    ),
    advisories=(advisories.deprecated_backward_hook,),
    checks=(
        Check(
            'forward',
            'CNN()(xb) ≈ the printing CNN with the same weights, and its forward prints nothing',
            stage='forward',
            uses=('CNN',),
            hints=(
                'forward only computes now: the hooks do the looking, from outside the model.',
                (
                    'Every print in forward runs on every call, training included: the hooks record the same shapes '
                    'without touching forward.'
                ),
                'forward: the layers as before, each called as a module, and no print statement left in it.',
            ),
        ),
        Check(
            'record-output',
            "record_output(log, name) as a forward hook appends (name, the layer's output) at every call",
            stage='hooks',
            uses=('record_output',),
            hints=(
                (
                    'A forward hook is called as hook(module, inputs, output): `inputs` is a tuple of what the layer '
                    'received, `output` what it returned.'
                ),
                (
                    'record_output returns the hook: an inner function that appends to `log` the name it was made '
                    'with, and what the layer produced.'
                ),
                ('def hook(module, inputs, output): log.append((name, <a detached copy of what the layer returned>))'),
            ),
        ),
        Check(
            'record-grad',
            'record_grad(log, name) as a full backward hook appends (name, d loss / d layer output)',
            stage='hooks',
            uses=('record_grad',),
            hints=(
                (
                    'A full backward hook gets hook(module, grad_input, grad_output): grad_output[0] is the gradient '
                    "with respect to the layer's output and has its shape; grad_input is about the layer's inputs."
                ),
                (
                    'record_grad returns the hook: an inner function that appends to `log` the name it was made with, '
                    "and the gradient with respect to the layer's output."
                ),
                ('def hook(module, grad_input, grad_output): log.append((name, <a detached copy of grad_output[0]>))'),
            ),
        ),
        Check(
            'inspect-outputs',
            ("inspect(model, xb, yb): the forward hooks record every layer's output, in order, ≈ the printing CNN's"),
            stage='hooks',
            uses=('CNN', 'inspect', 'record_output', 'record_grad'),
            hints=(
                'Hook every layer of the model, model.named_children(): conv1, conv2, fc1 and fc2.',
                (
                    'Each layer runs its hooks only when it is called as a module, self.fc1(x); self.fc1.forward(x) '
                    'skips them.'
                ),
                (
                    'for name, layer in model.named_children(): register record_output(outputs, name) on it; in '
                    'forward, call every layer as self.<layer>(x).'
                ),
            ),
        ),
        Check(
            'inspect-grads',
            (
                "inspect(model, xb, yb): the backward hooks record every layer's output gradient, fc2 first, ≈ "
                'retain_grad'
            ),
            stage='hooks',
            uses=('CNN', 'inspect', 'record_output', 'record_grad'),
            hints=(
                (
                    'A full backward hook gets hook(module, grad_input, grad_output): grad_output[0] is the gradient '
                    "with respect to the layer's output and has its shape; grad_input is about the layer's inputs. "
                    'Backward reaches the last layer first.'
                ),
                (
                    'layer.register_full_backward_hook(hook) on every child layer; one loss.backward() of '
                    'F.cross_entropy(model(xb), yb) runs them, fc2 first.'
                ),
                (
                    'for name, layer in model.named_children(): register record_grad(grads, name) with '
                    'register_full_backward_hook; then the forward, the loss and its backward.'
                ),
            ),
        ),
        Check(
            'calls-module',
            'inspect calls the model, not model.forward: a hook on the model and on each layer runs once',
            stage='hooks',
            uses=('CNN', 'inspect', 'record_output', 'record_grad'),
            hints=(
                (
                    "model(xb) runs the model's hooks and then forward; model.forward(xb) runs forward alone, so every "
                    'hook on the model itself is skipped, whoever registered it.'
                ),
                (
                    'model(xb) is model.__call__(xb): pre-hooks, forward, hooks. hooks_run() in the file shows the '
                    'difference.'
                ),
                (
                    'In inspect, loss = F.cross_entropy(model(xb), yb); in forward, self.conv1(x) and so on, never '
                    '.forward(...).'
                ),
            ),
        ),
        Check(
            'hooks-removed',
            'inspect removes every hook it adds: later passes record nothing, a second inspect records the same',
            stage='hooks',
            uses=('CNN', 'inspect', 'record_output', 'record_grad'),
            hints=(
                'A hook stays on its layer until its handle is removed, and records on every later pass.',
                'Every register_*_hook call returns a handle; handle.remove() takes that hook off.',
                (
                    'Keep the handles in a list and remove each one before inspect returns (in a finally block, so '
                    'that an error cannot leave hooks behind).'
                ),
            ),
        ),
    ),
    wrong=(
        Wrong(
            'calls-forward',
            (
                'runs the pass with model.forward(xb): the arithmetic is the same, but every hook on the model '
                'itself is skipped'
            ),
            old='loss = F.cross_entropy(model(xb), yb)',
            new='loss = F.cross_entropy(model.forward(xb), yb)',
            catches='calls-module',
        ),
        Wrong(
            'layer-forward',
            "calls self.fc1.forward(x) inside forward, so fc1's hooks never run",
            old='x = F.relu(self.fc1(x))  # -> (bs, 128)',
            new='x = F.relu(self.fc1.forward(x))  # -> (bs, 128)',
            catches='inspect-outputs',
        ),
        Wrong(
            'hooks-not-removed',
            'never removes the hooks: they go on recording on every later pass',
            old='        for handle in handles:  # even when something fails: hooks would stay on the layers for good\n            handle.remove()\n',
            new='        pass\n',
            catches='hooks-removed',
        ),
        Wrong(
            'records-input',
            "records the layer's input, inputs[0], instead of its output",
            old='log.append((name, output.detach().clone()))',
            new='log.append((name, inputs[0].detach().clone()))',
            catches='record-output',
        ),
        Wrong(
            'grad-input',
            "records grad_input[0], the gradient for the layer's input, not its output",
            old='log.append((name, grad_output[0].detach().clone()))',
            new='log.append((name, grad_input[0].detach().clone()))',
            catches='record-grad',
        ),
        Wrong(
            'print-kept',
            'keeps a debugging print in forward',
            old='x = torch.flatten(x, 1)  # -> (bs, 6272)\n',
            new="x = torch.flatten(x, 1)  # -> (bs, 6272)\n        print('flattened', x.shape)\n",
            catches='forward',
        ),
        Wrong(
            'gradients-by-forward-hook',
            "registers the gradient recorder with register_forward_hook, copying the line above it: it runs on "
            "the way forward, with the layer's inputs and output, and no backward hook is registered",
            old='handles.append(layer.register_full_backward_hook(',
            new='handles.append(layer.register_forward_hook(',
            catches='rule.uses-register-full-backward-hook-or-register-backward-hook',
        ),
    ),
    train=None,
    todos={
        "record_output": (
            "define hook(module, inputs, output) here, appending (name, a detached copy of the "
            "output) to log, and return it."
        ),
        "record_grad": (
            "define hook(module, grad_input, grad_output) here, appending (name, a detached copy "
            "of the gradient for the layer's output) to log, and return it."
        ),
        "inspect": (
            "a forward hook and a full backward hook on every child layer, recording into outputs "
            "and grads; one pass of cross-entropy by calling the model, and its backward; every "
            "handle removed afterwards, even when something fails. Return (outputs, grads)."
        ),
    },
    stub_doc=(
        "Step 14 · hooks: forward and backward hooks replace print statements inside forward.\n"
        "\n"
        "To see what the layers of a network produce, the companion lessons print from inside forward,\n"
        "and keep each output with retain_grad() to print its gradient after backward\n"
        "(kata/steps/baselines/step14_printing.py). A hook does the looking from outside, and the\n"
        "model stays clean, as CNN below is:\n"
        "\n"
        "    layer.register_forward_hook(hook)          hook(module, inputs, output), after forward\n"
        "    layer.register_full_backward_hook(hook)    hook(module, grad_input, grad_output)\n"
        "\n"
        "Each registration returns a handle, and the hook stays until that handle is removed:\n"
        "forgotten handles keep recording on every later pass. grad_output holds the gradient of the\n"
        "loss with respect to the layer's output, with the output's shape: (bs, 32, 28, 28) for conv1.\n"
        "Backward runs from the loss to the input, so the backward hooks fire in the reverse order:\n"
        "fc2, fc1, conv2, conv1.\n"
        "\n"
        "Hooks run only when the module is called: model(xb) runs the forward pre-hooks, then\n"
        "model.forward(xb), then the forward hooks (and sets up the backward ones). Calling\n"
        "model.forward(xb) yourself does the arithmetic and skips all of them; see hooks_run() below.\n"
        "So call modules, never their .forward."
    ),
    baseline='kata/steps/baselines/step14_printing.py',
)
