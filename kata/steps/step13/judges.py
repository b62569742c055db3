"""step13_flatten against the hand-written LeNet and CNN (kata/steps/baselines/step13_handwritten.py)."""
import torch

from kata.child.workbench import tensor_digest
from kata.i18n import _
from kata.judging.compare import Mismatch
from kata.steps import strategies as S
from kata.steps.common.base import judge
from kata.steps.common.fixtures import assert_batch_kept, seeded
from kata.steps.common.judging import Unlike, set_params, tensor


def learner_model(child, name: str, seed: int, what: str):
    """The learner's `name`() built right after torch.manual_seed(seed), in the child."""
    model = child.get(name)(seed=seed)
    if not model.is_a("module"):
        raise Unlike(what, _("expected an nn.Module, got {type}.").format(type=model.type))
    return model


def copy_parameters(model, source: torch.nn.Module, what: str):
    """Give the child-side `model` exactly the parameters of `source`: same names, same shapes, nothing
    missing or extra."""
    digests = model.child.observe("parameter_digests", model)  # shapes and digests: the values stay there
    got = {n: tuple(shape) for n, (shape, _digest) in digests.items()}
    expected = {n: tuple(p.shape) for n, p in source.named_parameters()}
    missing = [f"{n} {s}" for n, s in expected.items() if n not in got]
    extra = [f"{n} {s}" for n, s in got.items() if n not in expected]
    shapes = [_("{name} is {got}, expected {expected}").format(name=n, got=got[n], expected=s)
              for n, s in expected.items() if n in got and got[n] != s]
    if missing or extra or shapes:
        parts = ([_("has no {names}").format(names=", ".join(missing))] if missing else []) + (
            [_("has {names}, which the hand-written version does not").format(names=", ".join(extra))]
            if extra else []) + shapes
        raise Mismatch(what, _("{problems}. Keep the hand-written layers, their names and sizes: only the parts the "
                               "step replaces change.").format(problems="; ".join(parts)))
    # only what differs is sent: a CNN's weights are megabytes, and the learner's CNN, built after the same
    # torch.manual_seed as the hand-written one, most often holds them already
    known = getattr(source, "kata_digests", {})  # taken when a seeded model was first built (fixtures.seeded)

    def digest(name, p):
        version, value = known.get(name, (None, None))
        return value if version == p._version else tensor_digest(p)

    differ = {n: p.detach() for n, p in source.named_parameters() if digest(n, p) != digests[n][1]}
    return set_params(model, differ, what) if differ else model


def same_outputs(child, ref, case, name):
    """The learner's model `name` holding the hand-written model's weights: outputs ≈ on the case's images."""
    expected_model = seeded(getattr(ref, name), case.seed, _("hand-written {name}()").format(name=name))
    model = copy_parameters(learner_model(child, name, case.seed, f"{name}()"), expected_model, f"{name}()")
    x = case.x()  # (bs, 1, size, size)
    with torch.no_grad():
        expected = expected_model(x)  # (bs, 10)
    got = tensor(model(x), f"{name}()(x)")
    assert_batch_kept(got, expected, f"{name}()(x)")


@judge('lenet', strategy=S.lenet_images, edges=S.LENET_EDGES, max_examples=5)
def lenet_matches(child, ref, case):
    same_outputs(child, ref, case, "LeNet")


@judge('cnn', strategy=S.cnn_images, edges=S.CNN_EDGES, max_examples=5)
def cnn_matches(child, ref, case):
    same_outputs(child, ref, case, "CNN")
