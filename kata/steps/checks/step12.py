"""step12_flatten against the hand-written LeNet and CNN (kata/steps/baselines/step12_handwritten.py)."""
import torch

from kata.engine.compare import Mismatch
from kata.steps import strategies as S
from kata.steps.checks.base import prop
from kata.steps.checks.fixtures import assert_batch_kept, seeded
from kata.steps.checks.judging import Unlike, params, set_params, tensor


def learner_model(child, name: str, seed: int, what: str):
    """The learner's `name`() built right after torch.manual_seed(seed), in the child."""
    model = child.get(name)(seed=seed)
    if not model.is_a("module"):
        raise Unlike(what, f"expected an nn.Module, got {model.type}.")
    return model


def copy_parameters(model, source: torch.nn.Module, what: str):
    """Give the child-side `model` exactly the parameters of `source`: same names, same shapes, nothing
    missing or extra."""
    got = {n: tuple(p.shape) for n, p in params(model).items()}
    expected = {n: tuple(p.shape) for n, p in source.named_parameters()}
    missing = [f"{n} {s}" for n, s in expected.items() if n not in got]
    extra = [f"{n} {s}" for n, s in got.items() if n not in expected]
    shapes = [f"{n} is {got[n]}, expected {s}" for n, s in expected.items() if n in got and got[n] != s]
    if missing or extra or shapes:
        parts = ([f"has no {', '.join(missing)}"] if missing else []) + (
            [f"has {', '.join(extra)}, which the hand-written version does not"] if extra else []) + shapes
        raise Mismatch(what, "; ".join(parts) + ". Keep the hand-written layers, their names and sizes: only "
                       "the parts the step replaces change.")
    return set_params(model, {n: p.detach() for n, p in source.named_parameters()}, what)


def same_outputs(child, ref, case, name):
    """The learner's model `name` holding the hand-written model's weights: outputs ≈ on the case's images."""
    expected_model = seeded(getattr(ref, name), case.seed, f"hand-written {name}()")
    model = copy_parameters(learner_model(child, name, case.seed, f"{name}()"), expected_model, f"{name}()")
    x = case.x()  # (bs, 1, size, size)
    with torch.no_grad():
        expected = expected_model(x)  # (bs, 10)
    got = tensor(model(x), f"{name}()(x)")
    assert_batch_kept(got, expected, f"{name}()(x)")


@prop("step12.lenet", "LeNet()(x) ≈ the hand-written LeNet with the same weights, for every batch size (32×32 images)",
      stage="forward", uses=("LeNet",), strategy=S.lenet_images, edges=S.LENET_EDGES, max_examples=15,
      hints=(("LeNet's outputs must not depend on how the batch is laid out: flatten keeps dimension 0, the batch, "
             "and merges the others, (bs, 16, 5, 5) -> (bs, 400). Which dimension does torch.flatten(x) start at, "
             "as seed 000 calls it?"),
             ("nn.Flatten() (start_dim=1 by default) is a layer without parameters: create it in __init__ beside the "
             "others and call it in forward. The parameters stay those of the hand-written LeNet, with the same "
             "names and sizes (fc1 takes 16 * 5 * 5 inputs)."),
             ("Only the reshaping line changes: self.flatten(x) where view and num_flat_features were, with the same "
             "layers, ReLUs and pools in the same order, and no permute before it.")))
def lenet_matches(child, ref, case):
    same_outputs(child, ref, case, "LeNet")


@prop("step12.cnn", "CNN()(x) ≈ the hand-written 32-channel CNN with the same weights, for every batch size "
      "(28×28 images)", stage="forward", uses=("CNN",), strategy=S.cnn_images, edges=S.CNN_EDGES, max_examples=10,
      hints=("One image must come out as (1, 10), not (10,): the CNN's flatten must keep the batch dimension.",
             ("torch.flatten(x, 1) merges every dimension from 1 on: (bs, 32, 14, 14) -> (bs, 6272); "
             "torch.flatten(x) starts at 0 and merges the images too."),
             ("In the CNN's forward, x = torch.flatten(x, <the first dimension to merge>) where the view was; "
             "the rest of forward as in kata/steps/baselines/step12_handwritten.py.")))
def cnn_matches(child, ref, case):
    same_outputs(child, ref, case, "CNN")


CHECKS = [lenet_matches, cnn_matches]
