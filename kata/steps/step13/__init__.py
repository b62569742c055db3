"""step13_hooks: Hooks, and calling the module. register_forward_hook, register_full_backward_hook, handle.remove(), model(xb) replaces print statements inside forward, retain_grad() to see gradients.

The whole step in one place: what it replaces, the names it defines, its source rules, its
checks (their judges are in judges.py, keyed by id), the wrong versions each check must catch,
how train mode drives it, and what its stub leaves to do.
"""

from kata.steps import static
from kata.steps.declare import Check, Step, Wrong

STEP = Step(
    'step13',
    'step13_hooks',
    'Hooks, and calling the module',
    replaces='print statements inside forward, retain_grad() to see gradients',
    replaced_by='register_forward_hook, register_full_backward_hook, handle.remove(), model(xb)',
    names=("CNN", "record_output", "record_grad", "inspect"),
    rules=(
        static.no_call_in(
            "forward", ("print",), "forward prints nothing", "the hooks do the looking now: delete the print."
        ),
        static.calls_modules_not_forward("hooks_run"),
        static.uses("register_forward_hook", "record each layer's output with a forward hook."),
        static.uses(
            "register_full_backward_hook",
            "record the gradients with a full backward hook. "
            "register_backward_hook is deprecated: on a layer made of several operations it reports "
            "the gradients of the last one only.",
        ),
    ),
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
            'deprecated-backward-hook',
            "copies seed 000's register_backward_hook, deprecated and wrong for layers made of several operations",
            old='handles.append(layer.register_full_backward_hook(',
            new='handles.append(layer.register_backward_hook(',
            catches='rule.uses-register-full-backward-hook',
        ),
    ),
    train=None,
    todos={
        "CNN": {
            "forward": "the layers as before, without the print statements; call each layer as a module.",
        },
        "record_output": "return a hook(module, inputs, output) that appends (name, a detached copy of output) to log.",
        "record_grad": "return a hook(module, grad_input, grad_output) that appends (name, a detached copy of "
        "grad_output[0]) to log.",
        "inspect": "hooks on every child layer, one forward (call the model) and backward of F.cross_entropy, "
        "every handle removed; return (outputs, grads).",
    },
    baseline='kata/steps/baselines/step13_printing.py',
)
