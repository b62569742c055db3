"""step02_module against the reference step01_functional."""
import torch

from kata.engine.compare import Mismatch, assert_same
from kata.steps import strategies as S
from kata.steps.checks.base import prop
from kata.steps.checks.fixtures import compare_training, leaf_copies
from kata.steps.checks.judging import params, set_params, tensor
from kata.steps.checks.step00 import loss_and_gradients

PARAMETERS = {"weights": (S.N_FEATURES, S.N_CLASSES), "bias": (S.N_CLASSES,)}


def expect_parameters(model, expected: dict[str, tuple[int, ...]], what: str) -> None:
    """Exactly these parameters, with these shapes, registered and requiring grad, in the child-side model."""
    got = model.child.observe("registered_parameters", model)
    if got is None:
        raise Mismatch(what, f"expected an nn.Module, got {model.type}.")
    shapes = {n: tuple(shape) for n, (shape, _) in got.items()}
    if shapes != expected:
        show = lambda d: ", ".join(f"{n} {s}" for n, s in d.items()) or "none"
        raise Mismatch(what, f"registers {show(shapes)}; expected {show(expected)}. Only nn.Parameter "
                       "attributes (and layers' own parameters) are registered.")
    for n, (_, requires_grad) in got.items():
        if not requires_grad:
            raise Mismatch(what, f"parameter `{n}` does not require grad.")


def built(child, what: str = "Mnist_Logistic()", **options):
    """The learner's Mnist_Logistic(), checked to be an nn.Module."""
    model = child.get("Mnist_Logistic")(**options)
    if not model.is_a("module"):
        raise Mismatch(what, f"expected an nn.Module, got {model.type}.")
    return model


def logistic(child, w, b):
    """The learner's Mnist_Logistic holding copies of w and b."""
    return set_params(built(child), {"weights": w.detach(), "bias": b.detach()}, "Mnist_Logistic()")


@prop("step02.registers", "Mnist_Logistic registers exactly `weights` (784, 10) and `bias` (10,) as parameters",
      stage="structure", uses=("Mnist_Logistic",), strategy=S.seeds, edges=(0,), max_examples=1,
      hints=(("Only attributes wrapped in nn.Parameter are registered: a plain tensor attribute is not in "
              "model.parameters(), so it is never updated."),
             ("Call super().__init__() before assigning anything to self in __init__, then wrap each tensor in "
              "nn.Parameter when assigning it."),
             "self.weights = nn.Parameter(<the (784, 10) tensor>); self.bias = nn.Parameter(<the (10,) tensor>)"))
def registers_parameters(child, ref, seed):
    expect_parameters(built(child), PARAMETERS, "Mnist_Logistic()")


@prop("step02.init", "Mnist_Logistic() starts from step01's init_weights() (same seed, same tensors)",
      stage="structure", uses=("Mnist_Logistic",), strategy=S.seeds, edges=(0,), max_examples=5,
      hints=("A model built after torch.manual_seed(s) must start where step01's init_weights() started.",
             ("Create the weights exactly as init_weights did: the same formula (randn, scaled by 1/sqrt(784)), "
              "in the same order, the bias zeros."),
             "nn.Parameter(torch.randn(784, 10) / math.sqrt(784)), then nn.Parameter(torch.zeros(10))"))
def init_matches(child, ref, seed):
    got = params(built(child, seed=seed))
    torch.manual_seed(seed)
    ew, eb = ref.init_weights()
    if set(got) != set(PARAMETERS):
        raise Mismatch("Mnist_Logistic()", f"parameters are {sorted(got)}, expected ['bias', 'weights'].")
    assert_same(got["weights"], ew, "weights")
    assert_same(got["bias"], eb, "bias")


@prop("step02.forward", "model(xb) ≈ step01's model(xb, weights, bias) with the same weights", stage="forward",
      uses=("Mnist_Logistic",), strategy=S.batches, edges=S.BATCH_EDGES,
      hints=("forward computes what step01's model function did, with the parameters the module holds.",
             "Inside forward, the parameters are self.weights and self.bias; the output is the raw logits.",
             "def forward(self, xb): return xb @ self.weights + self.bias"))
def forward_matches(child, ref, case):
    x, (w, b) = case.x(), case.weights()
    assert_same(tensor(logistic(child, w, b)(x), "model(xb)"), ref.model(x, w, b), "model(xb)")


@prop("step02.gradients", "loss and parameter gradients ≈ step01's with the same weights", stage="gradients",
      uses=("Mnist_Logistic", "loss_func"), strategy=S.batches, edges=S.BATCH_EDGES,
      hints=("backward() fills .grad of the registered parameters only through torch operations on them.",
             "forward must use self.weights and self.bias themselves: not copies, not .data, not detached tensors.",
             "loss_func(model(xb), yb).backward() then gives model.weights.grad and model.bias.grad"))
def gradients_match(child, ref, case):
    x, y = case.x(), case.y()
    w, b = leaf_copies(*case.weights())
    model = logistic(child, w, b)
    loss = child.get("loss_func")(model(x), y)
    loss_and_gradients(loss, ref.loss_func(ref.model(x, w, b), y), lambda: params(model, grads=True),
                       lambda: {"weights": w.grad, "bias": b.grad})


@prop("step02.fit", "fit(model, ...) from the same weights on the same batches ≈ step01's fit", stage="update",
      uses=("Mnist_Logistic", "fit"), strategy=S.runs, edges=S.RUN_EDGES, max_examples=20,
      hints=(("Each batch: the loss, its gradients, then every parameter moves once by lr times its gradient, "
              "and the gradients are cleared after the update, not before it."),
             ("In fit, loop over model.parameters() for the update (under torch.no_grad()), then model.zero_grad() "
              "once per batch."),
             ("loss.backward(); with torch.no_grad(): for p in model.parameters(): p -= p.grad * lr; "
              "then model.zero_grad()")))
def fit_matches(child, ref, run):
    def mine(x, y, epochs):
        model = logistic(child, *run.weights())
        child.get("fit")(model, x, y, run.lr, epochs, run.bs)
        got = params(model)
        return {"weights": got["weights"], "bias": got["bias"]}

    def expected(x, y, epochs):
        w, b = run.weights()
        ref.fit(x, y, w, b, run.lr, epochs, run.bs)
        return {"weights": w, "bias": b}

    compare_training(run, mine, expected)


CHECKS = [registers_parameters, init_matches, forward_matches, gradients_match, fit_matches]
