"""step15_regression: House prices: MSELoss and SGD.

The whole step in one place: what it replaces, its names, source rules, checks (judges.py, by id),
wrong versions, train family and stub.
"""

from kata.steps import static
from kata.steps.declare import Check, Step, Todo, Train, Wrong

STEP = Step(
    'step15',
    'step15_regression',
    'House prices: MSELoss and SGD',
    replaces='hand-written mean squared error and `w -= lr * w.grad` for the house-price regression',
    replaced_by='nn.Linear(1, 1), nn.MSELoss(), optim.SGD',
    section='“Bài 3: Neural Network”: linear regression of house prices',
    names=("loss_fn", "loss_of", "get_model", "fit"),
    rules=(
        static.uses_one_of(("MSELoss", "mse_loss"), "the loss is nn.MSELoss()."),
        static.uses("SGD", "the update is torch.optim.SGD's step()."),
        static.no_parameter_update_by_hand("fit"),
    ),
    checks=(
        Check(
            'model-and-sgd',
            'get_model(lr) returns (nn.Linear(1, 1), plain SGD over its parameters with that lr)',
            stage='structure',
            uses=('get_model',),
            hints=(
                'get_model builds the model and the optimizer that updates it, and returns both.',
                (
                    'nn.Linear(1, 1).weight is (1, 1) and holds w; bias is (1,) and holds b. The optimizer is plain '
                    'SGD over model.parameters() with the lr get_model is given.'
                ),
                (
                    'model = nn.Linear(1, 1); return model, optim.SGD(<its parameters>, lr=<the lr given>), nothing '
                    'more.'
                ),
            ),
        ),
        Check(
            'loss',
            (
                'loss_of(model, x, y) ≈ the hand-written mean squared error: one number over the n houses, never '
                'an (n, n) table'
            ),
            stage='loss',
            equivalence=True,
            uses=('loss_fn', 'loss_of'),
            hints=(
                (
                    'nn.Linear(1, 1) returns (n, 1); the prices are (n,). nn.MSELoss does not check that its inputs '
                    'have the same shape: (n, 1) against (n,) broadcasts to an (n, n) table, whose mean is not the '
                    'error.'
                ),
                (
                    'nn.Linear(1, 1) reads rows of features: the areas (n,) go in as one column, (n, 1), and the '
                    'prices come out as (n, 1); unsqueeze adds a dimension of size 1. nn.MSELoss() (mean reduction) '
                    'averages over every element.'
                ),
                "y_hat = model(<the areas as one column>); return loss_fn(y_hat, <the prices in y_hat's shape>)",
            ),
        ),
        Check(
            'gradients',
            'loss_of(model, x, y).backward() gives weight and bias the hand-written gradients of w and b',
            stage='gradients',
            equivalence=True,
            uses=('loss_fn', 'loss_of'),
            hints=(
                "The loss must come out of the model's graph, so that backward reaches weight and bias.",
                (
                    'Compute the loss from model(...) with torch operations or nn.MSELoss; .item(), .detach() or a new '
                    'torch.tensor(...) cut the graph.'
                ),
                (
                    'return loss_fn(model(<areas as a column>), <prices in the same shape>): a tensor that requires '
                    'grad.'
                ),
            ),
        ),
        Check(
            'one-update',
            'one epoch of fit: the loss it returns and the updated weight and bias ≈ the hand-written update',
            stage='update',
            equivalence=True,
            uses=('loss_fn', 'loss_of', 'get_model', 'fit'),
            hints=(
                'One epoch is one update: the loss, its gradients, then the optimizer moves weight and bias once.',
                (
                    'opt.step() uses the gradients that loss.backward() left in .grad: zeroing them between backward '
                    'and step leaves nothing to apply.'
                ),
                'each epoch: loss = loss_of(...); opt.zero_grad(); loss.backward(); opt.step(); keep loss.item()',
            ),
        ),
        Check(
            'k-updates',
            "fit for k epochs: every epoch's loss and the final weight and bias ≈ the hand-written fit",
            stage='update',
            equivalence=True,
            uses=('loss_fn', 'loss_of', 'get_model', 'fit'),
            hints=(
                (
                    "Gradients add up in .grad until something zeroes them: each epoch's update must use that epoch's "
                    'gradient only.'
                ),
                (
                    "Each epoch, in the tutorials' order: opt.zero_grad(), loss.backward(), opt.step(). Without the "
                    "zeroing, each epoch's gradient adds onto the last one's."
                ),
                (
                    'for each epoch: loss = loss_of(model, x, y); opt.zero_grad(); loss.backward(); opt.step(); '
                    'losses.append(loss.item())'
                ),
            ),
        ),
    ),
    wrong=(
        Wrong(
            'target-not-unsqueezed',
            (
                'compares predictions (n, 1) with prices (n,): nn.MSELoss broadcasts them to an (n, n) table and '
                'only warns'
            ),
            old='return loss_fn(y_hat, y.unsqueeze(1))',
            new='return loss_fn(y_hat, y)',
            catches='loss',
        ),
        Wrong(
            'area-not-unsqueezed',
            'feeds the areas (n,) to nn.Linear(1, 1) as they are, not as one column',
            old='y_hat = model(x.unsqueeze(1))',
            new='y_hat = model(x)',
            catches='loss',
        ),
        Wrong(
            'sum-reduction',
            "builds nn.MSELoss(reduction='sum'): the sum of the squared errors, not their mean",
            old='\nloss_fn = nn.MSELoss()\n',
            new="\nloss_fn = nn.MSELoss(reduction='sum')\n",
            catches='loss',
        ),
        Wrong(
            'no-zero-grad',
            "never calls opt.zero_grad(): each epoch's gradient adds onto the last one's",
            old='        opt.zero_grad()\n        loss.backward()\n',
            new='        loss.backward()\n',
            catches='k-updates', says='not zeroed after each update',
        ),
        Wrong(
            'zero-grad-before-step',
            'zeroes the gradients between backward and step, so nothing moves',
            old='        opt.zero_grad()\n        loss.backward()\n        opt.step()\n',
            new='        loss.backward()\n        opt.zero_grad()\n        opt.step()\n',
            catches='one-update', says='between backward and step',
        ),
        Wrong(
            'momentum',
            'adds momentum, which the hand-written update did not have',
            old='return model, optim.SGD(model.parameters(), lr=lr)',
            new='return model, optim.SGD(model.parameters(), lr=lr, momentum=0.9)',
            catches='model-and-sgd',
        ),
        Wrong(
            'hand-written-mse',
            'keeps the hand-written mean squared error behind the name loss_fn',
            old='\nloss_fn = nn.MSELoss()\n',
            new='\ndef loss_fn(input, target):\n    return ((input - target) ** 2).mean()\n',
            catches='rule.uses-mseloss-or-mse-loss',
        ),
    ),
    train=Train("regression", data="houses", baseline_family="regression_by_hand"),
    todos={
        "loss_fn": "torch.nn's mean squared error loss, as a module: make loss_fn one.",
        "loss_of": "the model on the areas as one column, then loss_fn against the prices in that same shape.",
        "get_model": Todo(
            (
                "a linear layer from one input to one output, and plain SGD from torch.optim over its "
                "parameters with this lr; return both."
            ),
            doc=(
                "The model, itself one linear layer from one input to one output (weight (1, 1), bias (1,)),\n"
                "and plain SGD over its parameters: (model, opt)."
            ),
        ),
        "fit": (
            Todo(
                "this epoch's loss from loss_of, then clear the gradients the optimizer holds.",
                lines=(
                    "loss = loss_of(model, x, y)\n"
                    "opt.zero_grad()"
                ),
            ),
            Todo(
                "let the optimizer update the parameters.",
                lines="opt.step()",
            ),
        ),
    },
    stub_defs={
        'loss_fn': (
            "\ndef loss_fn(input, target):\n"
            '    """Mean squared error: the mean over every element of (input - target) ** 2.\n\n'
            "    input and target: the same shape, (n, 1) here -> a scalar.\n"
            '    """\n'
        )
    },
    stub_doc=(
        "Step 15 · regression: nn.Linear, nn.MSELoss and optim.SGD replace the hand-written regression.\n"
        "\n"
        "The house-price regression of “Bài 3: Neural Network” predicts price = w * area + b. Written by hand\n"
        "(kata/steps/baselines/step15_handwritten.py), that is two leaf tensors, the mean of the\n"
        "squared errors, and the update of each parameter under torch.no_grad() with the zeroing after\n"
        "it. With torch.nn each part is a library object: a linear layer with one input and one output\n"
        "is the model (its weight (1, 1) is w, its bias (1,) is b), nn.MSELoss is the loss (the mean\n"
        "over every element of (input - target) ** 2), and SGD from torch.optim over the model's\n"
        "parameters is the update. Each epoch is then: clear the gradients, backward, step, as in the\n"
        "tutorials.\n"
        "\n"
        "Mind the shapes. The data come as columns, area x (n,) and price y (n,), but nn.Linear reads\n"
        "rows of features, (n, 1), and returns (n, 1). nn.MSELoss does not check that its two inputs\n"
        "have the same shape: predictions (n, 1) against targets (n,) broadcast to an (n, n) table of\n"
        'every prediction minus every price, and the "loss" is that table\'s mean, silently wrong for\n'
        "any n > 1 (torch only warns). Give both the same shape."
    ),
    baseline='kata/steps/baselines/step15_handwritten.py',
    preload=("torch._dynamo",),  # its code builds optimizers
)
