"""step08_fit: loss_batch, one function for a training batch and a validation batch.

The whole step in one place: what it replaces, its names, source rules, checks (judges.py, by id),
wrong versions, train family and stub.
"""

from kata.steps import static
from kata.steps.declare import Check, Step, Todo, Train, Wrong

STEP = Step(
    'step08',
    'step08_fit',
    'fit and loss_batch',
    replaces="a batch's loss written twice in fit, once to train and once to validate",
    replaced_by='loss_batch(model, loss_func, xb, yb, opt=None), called by fit with and without opt',
    section='“What is torch.nn really?”: Create fit() and get_data()',
    names=("loss_func", "Mnist_Logistic", "get_model", "loss_batch", "get_data", "fit"),
    rules=(
        static.uses("loss_batch", "one batch's loss, and its update when given an optimizer, live in loss_batch."),
        static.no_call_in(
            "fit", ("backward", "step", "zero_grad"), "fit leaves the update to loss_batch",
            "loss_batch(model, loss_func, xb, yb, opt) does the backward pass and the step now: call it.",
        ),
    ),
    checks=(
        Check(
            'loss-batch',
            (
                'loss_batch(model, loss_func, xb, yb) returns (the loss as a number, len(xb)) and updates nothing; '
                "given opt, it takes one step ≈ a training batch of step07's fit"
            ),
            stage='update',
            uses=('loss_batch',),
            hints=(
                (
                    'loss_batch steps only when it is given opt; without opt it computes the loss and nothing else. It '
                    'uses the loss_func it is given.'
                ),
                (
                    'With opt: loss.backward(), opt.step(), opt.zero_grad(), in that order. Without opt, no backward() '
                    "either: the gradient would stay behind and add to the next update's."
                ),
                (
                    'loss = loss_func(model(xb), yb); if opt is not None: <backward, step, zero_grad>; return '
                    'loss.item(), len(xb)'
                ),
            ),
        ),
        Check(
            'fit',
            "fit, through loss_batch, from the same weights on the same batches ≈ step07's fit, validation losses "
            'included',
            stage='update',
            equivalence=True,
            uses=('fit', 'loss_batch'),
            hints=(
                (
                    "The numbers do not change in this step: each training batch updates the model as step07's fit "
                    'did, and each epoch reports the same validation loss.'
                ),
                (
                    'Train with loss_batch(model, loss_func, xb, yb, opt) and validate with loss_batch(model, '
                    'loss_func, xb, yb), without opt; the sizes it returns weigh each batch\'s mean.'
                ),
                (
                    'for xb, yb in train_dl: loss_batch(model, loss_func, xb, yb, opt); then, in eval mode under '
                    'torch.no_grad(): losses, sizes = zip(*[loss_batch(model, loss_func, xb, yb) for xb, yb in '
                    'valid_dl])'
                ),
            ),
        ),
    ),
    wrong=(
        Wrong(
            'backward-without-opt',
            (
                'calls backward() whatever opt is: validation batches leave gradients behind for the next update '
                'to add to its own'
            ),
            old='    if opt is not None:\n        loss.backward()\n        opt.step()',
            new='    if torch.is_grad_enabled():\n        loss.backward()\n    if opt is not None:\n        opt.step()',
            catches='loss-batch',
        ),
        Wrong(
            'own-loss-function',
            "computes the loss with F.cross_entropy instead of the loss_func it is given",
            old='    loss = loss_func(model(xb), yb)  # a scalar: the mean over the batch',
            new='    loss = F.cross_entropy(model(xb), yb)',
            catches='loss-batch', says='never called the loss_func it was given',
        ),
        Wrong('zero-grad-before-step', 'zeroes the gradients between backward and step, so nothing moves',
              old='        opt.step()\n        opt.zero_grad()\n    return loss.item(), len(xb)',
              new='        opt.zero_grad()\n        opt.step()\n    return loss.item(), len(xb)',
              catches='fit', says='between backward and step'),
        Wrong(
            'fit-updates-itself',
            "keeps step07's update in fit: loss_batch is written but the training batches do not go through it",
            old='            loss_batch(model, loss_func, xb, yb, opt)\n',
            new=(
                '            loss = loss_func(model(xb), yb)\n            loss.backward()\n            opt.step()\n'
                '            opt.zero_grad()\n'
            ),
            catches='rule.fit-leaves-the-update-to-loss-batch',
        ),
    ),
    train=Train("validation"),
    todos={
        "loss_batch": (
            Todo(
                "update only when given an optimizer: validation calls this without one, and must change nothing",
                lines="if opt is not None:",
            ),
            Todo(
                "give back the batch's loss as a plain Python number, and the number of rows in the batch.",
                lines="return loss.item(), len(xb)",
            ),
        ),
        "fit": (
            Todo(
                "one optimizer step on this batch, through loss_batch.",
                lines="loss_batch(model, loss_func, xb, yb, opt)",
            ),
            Todo(
                "the loss and the size of every validation batch, through loss_batch without an optimizer.",
                lines="batch_losses, sizes = zip(*[loss_batch(model, loss_func, xb, yb) for xb, yb in valid_dl])",
            ),
        ),
    },
    stub_doc=(
        "Step 08 · fit: loss_batch, one function for a training batch and a validation batch.\n"
        "\n"
        "step07's fit computes a batch's loss in two places: once to train on it, once to measure it.\n"
        "The tutorial's \"Create fit() and get_data()\" gives that one function of its own, so that fit\n"
        "and get_data are all a training run needs (and every later step reuses them as they are):\n"
        "\n"
        "- loss_batch(model, loss_func, xb, yb, opt=None) computes one batch's loss and, only when\n"
        "  given opt, takes one optimizer step: loss.backward(), opt.step(), opt.zero_grad(). It\n"
        "  returns the loss as a Python number and the batch's size, len(xb).\n"
        "- fit trains and validates through loss_batch: with the optimizer for a training batch,\n"
        "  without one for a validation batch, where nothing is updated and no backward pass leaves\n"
        "  a gradient behind. The sizes it returns weight each batch's mean:\n"
        "\n"
        "      val_loss = sum_b n_b * loss_b / sum_b n_b\n"
        "\n"
        "get_data stays as step07 wrote it. The numbers are step07's: only where they are computed moves."
    ),
    preload=("torch._dynamo",),  # its code builds optimizers
)
