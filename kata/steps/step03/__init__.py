"""step03_linear: nn.Linear.

The whole step in one place: what it replaces, its names, source rules, checks (judges.py, by id),
wrong versions, train family and stub.
"""

from kata.steps import advisories, static
from kata.steps.declare import Check, Step, Todo, Train, Wrong

STEP = Step(
    'step03',
    'step03_linear',
    'nn.Linear',
    replaces='hand-made weights and xb @ w + b',
    replaced_by='nn.Linear(784, 10)',
    section='“What is torch.nn really?”: Refactor using nn.Linear',
    names=("loss_func", "accuracy", "Mnist_Logistic", "fit"),
    advisories=(advisories.last_batch_loss,),
    rules=(
        static.uses("Linear", "the model's layer is nn.Linear(784, 10)."),
        static.avoids("Parameter", "nn.Linear creates and registers its own weight and bias."),
        static.no_matmul("forward"),
    ),
    checks=(
        Check(
            'registers',
            'Mnist_Logistic registers exactly lin.weight (10, 784) and lin.bias (10,)',
            stage='structure',
            uses=('Mnist_Logistic',),
            hints=(
                (
                    'nn.Linear(in_features, out_features) stores its weight as (out, in): (10, 784), the transpose of '
                    'the hand-made (784, 10) matrix.'
                ),
                (
                    'Name the layer `lin` (self.lin = ...) so its parameters are lin.weight and lin.bias; the '
                    'hand-made weights and bias go away.'
                ),
                'self.lin = nn.Linear(<features in>, <classes out>)',
            ),
        ),
        Check(
            'forward',
            "model(xb) with lin.weight = w.T ≈ step02's model with weights = w",
            stage='forward',
            equivalence=True,
            uses=('Mnist_Logistic',),
            hints=(
                'forward calls the layer; it no longer multiplies by hand, and returns its raw logits.',
                (
                    'nn.Linear(784, 10) stores weight as (10, 784): with lin.weight = w.T it computes xb @ w + b. A '
                    'layer built as nn.Linear(10, 784), or weights copied without the transpose, does not.'
                ),
                'def forward(self, xb): return self.lin(xb)',
            ),
        ),
        Check(
            'gradients',
            "loss and gradients ≈ step02's (lin.weight.grad = weights.grad.T)",
            stage='gradients',
            equivalence=True,
            uses=('Mnist_Logistic', 'loss_func'),
            hints=(
                'The gradients reach lin.weight and lin.bias only when forward runs the layer itself.',
                (
                    "lin.weight.grad has the layer's layout, (10, 784): the transpose of the hand-made weights.grad. "
                    'A gradient of (784, 10) means the layer was built the other way round.'
                ),
                "forward returns self.lin(xb): the layer's own parameters then get their .grad from backward()",
            ),
        ),
        Check(
            'fit',
            "fit(model, ...) from the same weights on the same batches ≈ step02's fit",
            stage='update',
            equivalence=True,
            uses=('Mnist_Logistic', 'fit'),
            hints=(
                'fit does not change in this step: the same batches, the same update on every parameter.',
                'Each parameter moves by lr times its gradient, under torch.no_grad(), then model.zero_grad().',
                'for p in model.parameters(): p -= p.grad * lr',
            ),
        ),
    ),
    wrong=(
        Wrong(
            'linear-swapped',
            'builds nn.Linear(10, 784), the hand-made layout, instead of (784, 10)',
            old='self.lin = nn.Linear(784, 10)',
            new='self.lin = nn.Linear(10, 784)',
            catches='registers', says='registers lin.weight (784, 10)',
        ),
        Wrong(
            'still-matmul',
            "keeps multiplying by hand with the layer's weight: nn.Linear imported, not used",
            old='        return self.lin(xb)',
            new='        return xb @ self.lin.weight.T + self.lin.bias',
            catches='rule.forward-does-no-matrix-product-by-hand',
        ),
        Wrong(
            'forward-log-softmax',
            'applies log_softmax after the layer: same loss, different outputs',
            old='        return self.lin(xb)',
            new='        return F.log_softmax(self.lin(xb), dim=-1)',
            catches='forward',
        ),
        Wrong(
            'update-without-lr',
            'drops the learning rate from the update',
            old='p -= p.grad * lr',
            new='p -= p.grad',
            catches='fit', says='the step itself differs',
        ),
    ),
    train=Train("module"),
    todos={
        "Mnist_Logistic": {
            "__doc__": (
                "The logistic model with one linear layer named `lin`, from 784 inputs to 10 outputs.\n"
                "\n"
                "forward(xb): (bs, 784) -> (bs, 10), what step 02's module computed."
            ),
            "__init__": Todo(
                "one linear layer from 784 inputs to 10 outputs, named lin: it makes its own weight and bias.",
                lines="self.lin = nn.Linear(784, 10)",
            ),
            "forward": "call the layer on the batch.",
        },
    },
    stub_doc=(
        "Step 03 · linear: nn.Linear replaces the hand-made weights and `xb @ w + b`.\n"
        "\n"
        "nn.Linear is the layer that step 02's module computes by hand: it creates and initialises its\n"
        "own weight and bias as parameters, and calling it on a batch applies them. The module keeps one\n"
        "such layer, named `lin`, for 784 inputs and 10 outputs, and its forward calls it; fit is\n"
        "step 02's.\n"
        "\n"
        "Mind the layout: nn.Linear stores its weight as (out, in) = (10, 784), the transpose of the\n"
        "hand-made (784, 10) matrix, and computes xb @ weight.T + bias. So the module with\n"
        "lin.weight = w.T (and the same bias) computes exactly what step 02 computed with weights = w."
    ),
)
