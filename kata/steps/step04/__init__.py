"""step04_optim: torch.optim.

The whole step in one place: what it replaces, its names, source rules, checks (judges.py, by id),
wrong versions, train family and stub.
"""

from kata.steps import advisories, static
from kata.steps.declare import Check, Step, Todo, Train, Wrong

STEP = Step(
    'step04',
    'step04_optim',
    'torch.optim',
    replaces='p -= p.grad * lr and the manual zeroing',
    replaced_by='optim.SGD, opt.step(), opt.zero_grad()',
    section='“What is torch.nn really?”: Refactor using torch.optim',
    names=("loss_func", "accuracy", "Mnist_Logistic", "get_model", "fit"),
    advisories=(advisories.last_batch_loss,),
    rules=(
        static.uses("SGD", "the optimizer is torch.optim.SGD."),
        static.no_parameter_update_by_hand("fit"),
    ),
    checks=(
        Check(
            'sgd',
            "get_model(lr) returns (model, opt): plain SGD over all the model's parameters with that lr",
            stage='structure',
            uses=('get_model',),
            hints=(
                'get_model builds two things and returns both: the model, and the optimizer that will update it.',
                (
                    'torch.optim.SGD(params, lr=lr) takes the parameters to update and the learning rate; '
                    'model.parameters() gives them all.'
                ),
                "model = Mnist_Logistic(); return model, optim.SGD(<the model's parameters>, lr=<the lr given>)",
            ),
        ),
        Check(
            'one-update',
            "one update (all rows in one batch) ≈ step03's update",
            stage='update',
            equivalence=True,
            uses=('get_model', 'fit'),
            hints=(
                'One batch, one update: the loss, its gradients, then the optimizer moves every parameter once.',
                'After loss.backward(), opt.step() applies p -= lr * p.grad to every parameter it holds.',
                'for each batch: loss = loss_func(model(xb), yb); loss.backward(); opt.step(); opt.zero_grad()',
            ),
        ),
        Check(
            'k-updates',
            "k updates over several batches and epochs ≈ step03's; gradients do not pile up",
            stage='update',
            equivalence=True,
            uses=('get_model', 'fit'),
            hints=(
                (
                    "Gradients add up in .grad until something zeroes them: each batch's update must use that batch's "
                    'gradient only.'
                ),
                'opt.zero_grad() clears the gradients of every parameter the optimizer holds.',
                'once per batch, after opt.step(): opt.zero_grad()',
            ),
        ),
    ),
    wrong=(
        Wrong(
            'no-zero-grad',
            'never calls opt.zero_grad(): gradients pile up from batch to batch',
            old='            opt.step()\n            opt.zero_grad()\n',
            new='            opt.step()\n',
            catches='k-updates', says='not zeroed after each update',
        ),
        Wrong(
            'zero-grad-not-called',
            'writes opt.zero_grad without the parentheses: the method is named, never called',
            old='            opt.zero_grad()\n',
            new='            opt.zero_grad\n',
            catches='k-updates', says='names the method without calling it',
        ),
        Wrong(
            'zero-grad-before-step',
            'zeroes the gradients between backward and step, so nothing moves',
            old='            opt.step()\n            opt.zero_grad()\n',
            new='            opt.zero_grad()\n            opt.step()\n',
            catches='one-update', says='between backward and step',
        ),
        Wrong(
            'momentum',
            'adds momentum, which the hand-written update did not have',
            old='optim.SGD(model.parameters(), lr=lr)',
            new='optim.SGD(model.parameters(), lr=lr, momentum=0.9)',
            catches='sgd',
        ),
        Wrong(
            'lr-hardcoded',
            'builds the optimizer with lr=0.5 whatever lr get_model is given',
            old='optim.SGD(model.parameters(), lr=lr)',
            new='optim.SGD(model.parameters(), lr=0.5)',
            catches='sgd',
        ),
        Wrong(
            'manual-update-kept',
            'builds the optimizer but keeps updating by hand',
            old='            opt.step()\n            opt.zero_grad()\n',
            new="            with torch.no_grad():\n                for p in model.parameters():\n                    p -= p.grad * opt.param_groups[0]['lr']\n            model.zero_grad()\n",
            catches='rule.fit-updates-no-parameter-by-hand',
        ),
    ),
    train=Train("optim"),
    todos={
        "get_model": Todo(
            "return both: the model, and plain SGD from torch.optim over all its parameters with this lr.",
            lines="return model, optim.SGD(model.parameters(), lr=lr)",
        ),
        "fit": Todo(
            (
                "after backward, let the optimizer update every parameter it holds, then clear their gradients, "
                "so that the next batch starts from zero."
            ),
            lines=(
                "opt.step()\n"
                "opt.zero_grad()"
            ),
            doc="Train `model` in place, one update by `opt` for each batch; the batches are step 03's.",
        ),
    },
    stub_doc=(
        "Step 04 · optim: torch.optim.SGD replaces `p -= p.grad * lr` and the manual zeroing.\n"
        "\n"
        "torch.optim holds the update rule. An optimizer is built once, over the parameters it will\n"
        "update and with the learning rate; from then on one call of it does what step 03's hand-written\n"
        "update did (p -= lr * p.grad for every parameter, for plain SGD), and another clears the\n"
        "gradients of the parameters it holds. So get_model builds the model and its optimizer together,\n"
        "fit is given the optimizer instead of lr, and the update and the zeroing in fit become those\n"
        "two calls. Gradients still add up in .grad from one backward to the next: each batch's update\n"
        "must use that batch's gradient only. The batch loop is step 03's."
    ),
    preload=("torch._dynamo",),  # its code builds optimizers
)
