"""step12_flatten against the hand-written LeNet and CNN (kata/steps/baselines/step12_handwritten.py)."""
import torch

from kata.steps import strategies as S
from kata.steps.checks.base import prop
from kata.steps.checks.fixtures import assert_batch_kept, copy_parameters, seeded

FLATTEN = ("Flatten from dimension 1 so the batch stays: torch.flatten(x) and nn.Flatten(0) start at dimension 0 "
           "and merge the images into one long vector, which comes out as (10,) for one image and makes fc1 fail "
           "for more. Features must also keep the hand-written (channel, row, column) order that fc1's weights "
           "were made for: no permute before flattening.")


def same_outputs(learner, ref, case, name):
    """The learner's model `name` holding the hand-written model's weights: outputs ≈ on the case's images."""
    expected_model = seeded(getattr(ref, name), case.seed, f"hand-written {name}()")
    model = copy_parameters(seeded(getattr(learner, name), case.seed, f"{name}()"), expected_model, f"{name}()")
    x = case.x()  # (bs, 1, size, size)
    with torch.no_grad():
        expected = expected_model(x)  # (bs, 10)
        got = model(x.clone())
    assert_batch_kept(got, expected, f"{name}()(x)")


@prop("LeNet()(x) ≈ the hand-written LeNet with the same weights, for every batch size (32×32 images)",
      uses=("LeNet",), strategy=S.lenet_images, edges=S.LENET_EDGES, max_examples=15, hint=FLATTEN)
def lenet_matches(learner, ref, case):
    same_outputs(learner, ref, case, "LeNet")


@prop("CNN()(x) ≈ the hand-written 32-channel CNN with the same weights, for every batch size (28×28 images)",
      uses=("CNN",), strategy=S.cnn_images, edges=S.CNN_EDGES, max_examples=10, hint=FLATTEN)
def cnn_matches(learner, ref, case):
    same_outputs(learner, ref, case, "CNN")


CHECKS = [lenet_matches, cnn_matches]
