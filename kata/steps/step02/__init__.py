"""step02_module: nn.Module and nn.Parameter.

The whole step in one place: what it replaces, its names, source rules, checks (judges.py, by id),
wrong versions, train family and stub.
"""

from kata.steps import advisories, static
from kata.steps.declare import Check, Step, Todo, Train, Wrong

STEP = Step(
    'step02',
    'step02_module',
    'nn.Module and nn.Parameter',
    replaces='loose weights and bias, updated and zeroed by name',
    replaced_by='nn.Module, nn.Parameter, model.parameters(), model.zero_grad()',
    section='“What is torch.nn really?”: Refactor using nn.Module',
    names=("loss_func", "accuracy", "Mnist_Logistic", "fit"),
    advisories=(advisories.last_batch_loss,),
    rules=(
        static.uses("Parameter", "the weights and bias are nn.Parameter attributes of the module."),
        static.uses("zero_grad", "model.zero_grad() clears every gradient at once."),
        static.no_update_by_name("fit", "weights", "bias"),
    ),
    checks=(
        Check(
            'registers',
            'Mnist_Logistic registers exactly `weights` (784, 10) and `bias` (10,) as parameters',
            stage='structure',
            uses=('Mnist_Logistic',),
            hints=(
                (
                    'Only attributes wrapped in nn.Parameter are registered: a plain tensor attribute is not in '
                    'model.parameters(), so it is never updated.'
                ),
                (
                    'Call super().__init__() before assigning anything to self in __init__, then wrap each tensor in '
                    'nn.Parameter when assigning it.'
                ),
                ('self.weights = nn.Parameter(<the (784, 10) tensor>); self.bias = nn.Parameter(<the (10,) tensor>)'),
            ),
        ),
        Check(
            'init',
            "Mnist_Logistic() starts from step01's init_weights() (same seed, same tensors)",
            stage='structure',
            equivalence=True,
            uses=('Mnist_Logistic',),
            hints=(
                "A model built after torch.manual_seed(s) must start where step01's init_weights() started.",
                (
                    'Create the weights exactly as init_weights did: the same formula (randn, scaled by 1/sqrt(784)), '
                    'in the same order, the bias zeros.'
                ),
                'nn.Parameter(torch.randn(784, 10) / math.sqrt(784)), then nn.Parameter(torch.zeros(10))',
            ),
        ),
        Check(
            'forward',
            "model(xb) ≈ step01's model(xb, weights, bias) with the same weights",
            stage='forward',
            equivalence=True,
            uses=('Mnist_Logistic',),
            hints=(
                "forward computes what step01's model function did, with the parameters the module holds.",
                'Inside forward, the parameters are self.weights and self.bias; the output is the raw logits.',
                'def forward(self, xb): return xb @ self.weights + self.bias',
            ),
        ),
        Check(
            'gradients',
            "loss and parameter gradients ≈ step01's with the same weights",
            stage='gradients',
            equivalence=True,
            uses=('Mnist_Logistic', 'loss_func'),
            hints=(
                'backward() fills .grad of the registered parameters only through torch operations on them.',
                (
                    'forward must use self.weights and self.bias themselves: not copies, not .data, not detached '
                    'tensors.'
                ),
                'loss_func(model(xb), yb).backward() then gives model.weights.grad and model.bias.grad',
            ),
        ),
        Check(
            'fit',
            "fit(model, ...) from the same weights on the same batches ≈ step01's fit",
            stage='update',
            equivalence=True,
            uses=('Mnist_Logistic', 'fit'),
            hints=(
                (
                    'Each batch: the loss, its gradients, then every parameter moves once by lr times its gradient, '
                    'and the gradients are cleared after the update, not before it.'
                ),
                (
                    'In fit, loop over model.parameters() for the update (under torch.no_grad()), then '
                    'model.zero_grad() once per batch.'
                ),
                (
                    'loss.backward(); with torch.no_grad(): for p in model.parameters(): p -= p.grad * lr; then '
                    'model.zero_grad()'
                ),
            ),
        ),
    ),
    wrong=(
        Wrong(
            'bias-data',
            'adds self.bias.data in forward: the output is right, but the bias never gets a gradient',
            old='        return xb @ self.weights + self.bias\n',
            new='        return xb @ self.weights + self.bias.data\n',
            catches='gradients',
        ),
        Wrong(
            'plain-tensor-bias',
            'stores the bias as a plain tensor: not registered, never updated by fit',
            old='self.bias = nn.Parameter(torch.zeros(10))',
            new='self.bias = torch.zeros(10, requires_grad=True)',
            catches='registers',
        ),
        Wrong(
            'no-super-init',
            'forgets super().__init__(), so assigning a Parameter fails',
            old='        super().__init__()\n        self.weights',
            new='        self.weights',
            catches='registers', says='before Module.__init__() call',
        ),
        Wrong(
            'rand-not-randn',
            'initialises with rand (uniform) instead of randn (normal)',
            old='nn.Parameter(torch.randn(784, 10) / math.sqrt(784))',
            new='nn.Parameter(torch.rand(784, 10) / math.sqrt(784))',
            catches='init',
        ),
        Wrong(
            'zero-grad-before-update',
            'zeroes the gradients between backward and the update',
            old='            loss.backward()\n            with torch.no_grad():',
            new='            loss.backward()\n            model.zero_grad()\n            with torch.no_grad():',
            catches='fit',
        ),
    ),
    train=Train("module"),
    todos={
        "Mnist_Logistic": {
            "__doc__": (
                "The logistic model as a module with two parameters, `weights` (784, 10) and `bias` "
                "(10,).\n"
                "\n"
                "__init__ makes them as init_weights made its tensors, as nn.Parameter attributes.\n"
                "forward(xb): (bs, 784) -> (bs, 10), the logits of step 01's model."
            ),
            "__init__": (
                "let nn.Module set itself up first, then weights and bias as nn.Parameter "
                "attributes, initialised as init_weights did (Xavier weights, zero bias)."
            ),
            "forward": "the logits of step 01's model, from the module's own parameters.",
        },
        "fit": (
            Todo(
                (
                    "one loop over every parameter the model registered, each updated as step 01 updated "
                    "weights and bias."
                ),
                lines=(
                    "for p in model.parameters():\n"
                    "p -= p.grad * lr"
                ),
                doc=(
                    "Train `model` in place with mini-batch SGD over its parameters, as step 01's fit did.\n"
                    "\n"
                    "x_train: (n, 784), y_train: (n,). Returns nothing: the model's parameters change in place."
                ),
            ),
            Todo(
                "clear the gradients of every parameter at once: the module can do that itself.",
                lines="model.zero_grad()",
            ),
        ),
    },
    stub_doc=(
        "Step 02 · module: nn.Module and nn.Parameter replace the loose weights and bias.\n"
        "\n"
        "A model class that subclasses nn.Module owns its weights and bias as nn.Parameter attributes,\n"
        "instead of loose tensors passed from function to function. The module then knows its\n"
        "parameters: model.parameters() walks them all, so fit's update becomes one loop over the\n"
        "parameters instead of one line per tensor, and the module's zero_grad() clears every\n"
        "gradient at once. nn.Module's own __init__ must run before any parameter is assigned: it sets\n"
        "up the bookkeeping that registers them. The arithmetic is step 01's: the same initialisation,\n"
        "the same forward, the same update."
    ),
)
