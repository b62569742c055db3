"""step13_hooks against the printing CNN (kata/steps/baselines/step13_printing.py)."""
import warnings

import torch
from torch import nn

from kata.steps import strategies as S
from kata.steps.checks.base import prop
from kata.steps.checks.fixtures import copy_parameters, printed, seeded
from kata.engine.compare import Mismatch, as_tensor, assert_same

LAYERS = ("Hook every layer of the model, model.named_children(): conv1, conv2, fc1 and fc2. Each layer runs "
          "its hooks only when it is called as a module, self.fc1(x); self.fc1.forward(x) skips them.")
GRADS = ("A full backward hook gets hook(module, grad_input, grad_output): grad_output[0] is the gradient with "
         "respect to the layer's output and has its shape; grad_input is about the layer's inputs.")


def quietly(fn, *args):
    """fn(*args) with its printing captured and torch's warnings silenced: (result, printed text)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. conv1's backward hook firing although no input needs a gradient
        return printed(fn, *args)


def models(learner, ref, case):
    """(the learner's CNN, the printing CNN), holding the same weights."""
    expected = seeded(ref.CNN, case.seed, "the printing CNN()")
    return copy_parameters(seeded(learner.CNN, case.seed, "CNN()"), expected, "CNN()"), expected


def run_inspect(learner, model, case):
    got, _ = quietly(learner.inspect, model, case.x(), case.y())
    if not (isinstance(got, tuple) and len(got) == 2):
        raise Mismatch("inspect(model, xb, yb)", f"should return (outputs, grads), got {type(got).__name__}.")
    return got


def assert_same_log(got, expected, what: str) -> None:
    """The same layer names in the same order, then each recorded tensor ≈."""
    if not isinstance(got, list) or not all(isinstance(e, tuple) and len(e) == 2 for e in got):
        raise Mismatch(what, f"should be a list of (layer name, tensor) pairs, got {got!r:.100}")
    names, expected_names = [n for n, _ in got], [n for n, _ in expected]
    if names != expected_names:
        raise Mismatch(what, f"recorded layers {names}, expected {expected_names}.")
    for (name, value), (_, expected_value) in zip(got, expected):
        assert_same(as_tensor(value, f"{what}: {name}"), expected_value, f"{what}: {name}")


@prop("CNN()(xb) ≈ the printing CNN with the same weights, and its forward prints nothing",
      uses=("CNN",), strategy=S.hook_images, edges=S.HOOK_EDGES, max_examples=4,
      hint="forward only computes now: the hooks do the looking, from outside the model.")
def forward_matches(learner, ref, case):
    model, expected_model = models(learner, ref, case)
    x = case.x()
    with torch.no_grad():
        expected, _ = quietly(expected_model, x)
        got, text = quietly(model, x.clone())
    if text:
        raise Mismatch("CNN()(xb)", f"printed {text.strip()[:120]!r}: forward should print nothing now.")
    assert_same(got, expected, "CNN()(xb)")


@prop("record_output(log, name) as a forward hook appends (name, the layer's output) at every call",
      uses=("record_output",), strategy=S.hook_images, edges=S.HOOK_EDGES, max_examples=5,
      hint="A forward hook is called as hook(module, inputs, output): `inputs` is a tuple of what the layer "
           "received, `output` what it returned.")
def record_output_works(learner, ref, case):
    torch.manual_seed(case.seed)
    layer = nn.Conv2d(1, 4, 3)  # (bs, 1, 28, 28) -> (bs, 4, 26, 26): input and output differ in shape
    log = []
    handle = layer.register_forward_hook(learner.record_output(log, "conv"))
    x = case.x()
    try:
        first = layer(x)
        second = layer(2 * x)
    finally:
        handle.remove()
    assert_same_log(log, [("conv", first), ("conv", second)], "the output log from two calls of the layer")


@prop("record_grad(log, name) as a full backward hook appends (name, d loss / d layer output)",
      uses=("record_grad",), strategy=S.hook_images, edges=S.HOOK_EDGES, max_examples=5, hint=GRADS)
def record_grad_works(learner, ref, case):
    torch.manual_seed(case.seed)
    layer = nn.Conv2d(1, 4, 3)  # (bs, 1, 28, 28) -> (bs, 4, 26, 26)
    log = []
    handle = layer.register_full_backward_hook(learner.record_grad(log, "conv"))
    x = case.x().requires_grad_()
    try:
        out = layer(x)
        (out ** 2 / 2).sum().backward()  # d loss / d out = out
    finally:
        handle.remove()
    assert_same_log(log, [("conv", out.detach())], "the gradient log from backward")


@prop("inspect(model, xb, yb): the forward hooks record every layer's output, in order, ≈ the printing CNN's",
      uses=("CNN", "inspect", "record_output", "record_grad"), strategy=S.hook_images, edges=S.HOOK_EDGES,
      max_examples=3, hint=LAYERS)
def inspect_outputs(learner, ref, case):
    model, expected_model = models(learner, ref, case)
    outputs, _ = run_inspect(learner, model, case)
    (expected, _), _ = quietly(ref.inspect, expected_model, case.x(), case.y())
    assert_same_log(outputs, expected, "outputs recorded by inspect")


@prop("inspect(model, xb, yb): the backward hooks record every layer's output gradient, fc2 first, ≈ retain_grad",
      uses=("CNN", "inspect", "record_output", "record_grad"), strategy=S.hook_images, edges=S.HOOK_EDGES,
      max_examples=3, hint=GRADS + " Backward reaches the last layer first.")
def inspect_grads(learner, ref, case):
    model, expected_model = models(learner, ref, case)
    _, grads = run_inspect(learner, model, case)
    (_, expected), _ = quietly(ref.inspect, expected_model, case.x(), case.y())
    assert_same_log(grads, expected, "gradients recorded by inspect")


@prop("inspect calls the model, not model.forward: a hook on the model and on each layer runs once",
      uses=("CNN", "inspect", "record_output", "record_grad"), strategy=S.hook_images, edges=S.HOOK_EDGES[:1],
      max_examples=2,
      hint="model(xb) runs the model's hooks and then forward; model.forward(xb) runs forward alone, so every "
           "hook on the model itself is skipped, whoever registered it.")
def calls_the_module(learner, ref, case):
    model, _ = models(learner, ref, case)
    calls = {}
    watched = [("the model", model)] + [(f"layer {n}", m) for n, m in model.named_children()]
    handles = [m.register_forward_hook(lambda mod, i, o, who=who: calls.update({who: calls.get(who, 0) + 1}))
               for who, m in watched]
    try:
        run_inspect(learner, model, case)
    finally:
        for h in handles:
            h.remove()
    for who, _ in watched:
        if calls.get(who, 0) != 1:
            how = "model(xb)" if who == "the model" else f"self.{who.split()[-1]}(x)"
            raise Mismatch(f"a forward hook on {who}", f"ran {calls.get(who, 0)} times during inspect, expected once: "
                           f"{how} runs hooks, .forward(...) skips them.")


@prop("inspect removes every hook it adds: later passes record nothing, a second inspect records the same",
      uses=("CNN", "inspect", "record_output", "record_grad"), strategy=S.hook_images, edges=S.HOOK_EDGES[:1],
      max_examples=2,
      hint="Every register_*_hook call returns a handle; call handle.remove() on each one before inspect returns "
           "(in a finally block, so that an error cannot leave hooks behind).")
def hooks_removed(learner, ref, case):
    model, _ = models(learner, ref, case)
    outputs, grads = run_inspect(learner, model, case)
    counts = len(outputs), len(grads)
    again_outputs, again_grads = run_inspect(learner, model, case)
    if (len(outputs), len(grads)) != counts:
        raise Mismatch("the lists returned by the first inspect", f"grew from {counts[0]} outputs and {counts[1]} "
                       f"gradients to {len(outputs)} and {len(grads)} during a second inspect: the first one's "
                       "hooks are still registered.")
    assert_same_log(again_outputs, outputs, "outputs recorded by a second inspect")
    assert_same_log(again_grads, grads, "gradients recorded by a second inspect")
    left = [f"{name or 'the model'} ({len(m._forward_hooks)} forward, {len(m._backward_hooks)} backward)"
            for name, m in model.named_modules() if m._forward_hooks or m._backward_hooks]
    if left:
        raise Mismatch("hooks still registered once inspect returns", f"{', '.join(left)}: remove each hook's handle.")


CHECKS = [forward_matches, record_output_works, record_grad_works, inspect_outputs, inspect_grads, calls_the_module,
          hooks_removed]
