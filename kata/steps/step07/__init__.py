"""step07_validation: Validation, shuffling, train/eval. get_data (a shuffled training loader, an in-order validation loader), model.train() / model.eval(), torch.no_grad(), loss_batch replaces training with no validation.

The whole step in one place: what it replaces, the names it defines, its source rules, its
checks (their judges are in judges.py, keyed by id), the wrong versions each check must catch,
how train mode drives it, and what its stub leaves to do.
"""

from kata.steps import static
from kata.steps.declare import Check, Step, Train, Wrong

STEP = Step(
    'step07',
    'step07_validation',
    'Validation, shuffling, train/eval',
    replaces='training with no validation',
    replaced_by=(
        'get_data (a shuffled training loader, an in-order validation loader), model.train() / '
        'model.eval(), torch.no_grad(), loss_batch'
    ),
    names=("loss_func", "Mnist_Logistic", "get_model", "loss_batch", "get_data", "fit"),
    rules=(
        static.uses("no_grad", "validation runs under torch.no_grad(): no graph for a loss never backpropagated."),
        static.uses("eval", "model.eval() switches layers such as dropout to evaluation before validating."),
    ),
    checks=(
        Check(
            'loss-batch',
            (
                'loss_batch(model, loss_func, xb, yb) returns (the loss as a number, len(xb)) and updates nothing; '
                "given opt, it takes one step ≈ step06's update"
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
            'valid-loader',
            (
                'get_data(train_ds, valid_ds, bs, seed): valid_dl gives every validation row once, in order, in '
                'batches of 2 * bs, the last one shorter'
            ),
            stage='batches',
            uses=('get_data',),
            hints=(
                'Validation does not train: its loader needs no shuffle, and it can take bigger batches.',
                (
                    'The validation loader keeps the order and takes batches of 2 * bs; DataLoader keeps the last, '
                    'shorter batch by default.'
                ),
                'DataLoader(valid_ds, batch_size=bs * 2), no shuffle, as the second item get_data returns',
            ),
        ),
        Check(
            'train-loader',
            (
                "get_data's train_dl gives every training row once per epoch in batches of bs, shuffled anew each "
                'epoch; the same seed gives the same orders, whatever else draws random numbers'
            ),
            stage='batches',
            uses=('get_data',),
            hints=(
                (
                    'The training loader shuffles, every epoch anew, yet its order should depend on the seed alone: '
                    'building a model between get_data and fit draws random numbers too.'
                ),
                (
                    'The training DataLoader shuffles with a generator of its own, made from the seed: '
                    'torch.Generator().manual_seed(seed), passed as generator=, not torch.manual_seed.'
                ),
                (
                    'g = <a torch.Generator seeded with seed>; DataLoader(train_ds, batch_size=bs, shuffle=True, '
                    'generator=g)'
                ),
            ),
        ),
        Check(
            'modes',
            (
                'fit trains in train mode with gradients on, then validates in eval mode under torch.no_grad(), '
                'every epoch'
            ),
            stage='modes',
            uses=('fit',),
            hints=(
                (
                    'Each model call runs in a mode: training wants train mode with gradients, validation eval mode '
                    'without them, and a mode lasts until something changes it.'
                ),
                (
                    'model.eval() lasts until model.train() is called again: call model.train() at the start of every '
                    "epoch's training, model.eval() before validating, and validate inside `with torch.no_grad():`."
                ),
                (
                    'for epoch in range(epochs): model.train(); <training batches>; model.eval(); with '
                    'torch.no_grad(): <validation batches>'
                ),
            ),
        ),
        Check(
            'valid-loss',
            (
                "fit returns each epoch's validation loss: the mean loss over every validation row, whatever the "
                'batch sizes'
            ),
            stage='loss',
            uses=('fit',),
            hints=(
                (
                    'The validation loss is the mean over every validation row, and the last batch may be shorter than '
                    'the others.'
                ),
                (
                    "loss_batch gives each batch's mean and its size: weight each mean by its size and divide by the "
                    'number of rows, or the last, shorter batch counts as much as a full one.'
                ),
                (
                    'val_loss = sum(<each batch mean> * <its size>) / sum(<the sizes>), once per epoch, collected in a '
                    'list that fit returns'
                ),
            ),
        ),
        Check(
            'fit',
            "with the training batches in order, fit from the same weights ≈ step06's fit",
            stage='update',
            uses=('fit',),
            hints=(
                (
                    'With the training batches in order, each training batch should update the model exactly as '
                    "step06's fit did; validating must change nothing."
                ),
                (
                    'loss_batch with opt does the update: loss.backward(), then opt.step(), then opt.zero_grad(); '
                    'zeroing before the step leaves nothing to step with.'
                ),
                (
                    'for xb, yb in train_dl: loss_batch(model, loss_func, xb, yb, opt); validation calls loss_batch '
                    'without opt'
                ),
            ),
        ),
    ),
    wrong=(
        Wrong(
            'mean-of-batch-means',
            (
                "the tutorial's first version: averages the batch means, so a short last validation batch weighs "
                'as much as a full one'
            ),
            old='val_loss = sum(loss * n for loss, n in zip(batch_losses, sizes)) / sum(sizes)',
            new='val_loss = sum(batch_losses) / len(batch_losses)',
            catches='valid-loss',
        ),
        Wrong(
            'no-eval',
            'forgets model.eval(): validation runs in training mode',
            old='        model.eval()\n        with torch.no_grad():',
            new='        with torch.no_grad():',
            catches='modes',
        ),
        Wrong(
            'no-no-grad',
            'forgets torch.no_grad(): the validation pass builds a graph for nothing',
            old='        with torch.no_grad():  # no graph: this loss is never backpropagated\n            batch_losses, sizes = zip(',
            new='        if True:\n            batch_losses, sizes = zip(',
            catches='modes',
        ),
        Wrong(
            'train-once',
            'calls model.train() once, before the epochs: from epoch 2 on it trains in eval mode',
            old='    for epoch in range(epochs):\n        model.train()  # eval() below switched training mode off: switch it back on every epoch\n',
            new='    model.train()\n    for epoch in range(epochs):\n',
            catches='modes',
        ),
        Wrong(
            'valid-shuffled',
            "copies the training loader's shuffle=True into the validation loader too",
            old='DataLoader(valid_ds, batch_size=bs * 2)',
            new='DataLoader(valid_ds, batch_size=bs * 2, shuffle=True)',
            catches='valid-loader',
        ),
        Wrong(
            'valid-same-batch-size',
            'gives the validation loader the training batch size',
            old='DataLoader(valid_ds, batch_size=bs * 2)',
            new='DataLoader(valid_ds, batch_size=bs)',
            catches='valid-loader',
        ),
        Wrong(
            'global-seed',
            (
                "seeds torch's global generator in get_data instead of giving the loader its own: building the "
                'model afterwards changes the shuffle'
            ),
            old="    g = torch.Generator().manual_seed(seed)  # the shuffle's own random numbers, not the global ones\n    return (\n        DataLoader(train_ds, batch_size=bs, shuffle=True, generator=g),",
            new='    torch.manual_seed(seed)\n    return (\n        DataLoader(train_ds, batch_size=bs, shuffle=True),',
            catches='train-loader',
        ),
        Wrong(
            'train-not-shuffled',
            "forgets shuffle=True: the training batches keep the data set's order",
            old='DataLoader(train_ds, batch_size=bs, shuffle=True, generator=g)',
            new='DataLoader(train_ds, batch_size=bs)',
            catches='train-loader',
        ),
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
            'zero-grad-before-step',
            'zeroes the gradients between backward and step, so nothing moves',
            old='        opt.step()\n        opt.zero_grad()\n    return loss.item(), len(xb)',
            new='        opt.zero_grad()\n        opt.step()\n    return loss.item(), len(xb)',
            catches='fit',
        ),
    ),
    train=Train(
        "validation",
        note="step07 shuffles the training batches every epoch, where step06 kept their order: expect curves that differ a little and end close together.",
    ),
    todos={
        "loss_batch": "the loss of the batch; when opt is given: backward, opt.step(), opt.zero_grad(). "
        "Return (loss.item(), len(xb)).",
        "get_data": "a shuffled training DataLoader with its own torch.Generator seeded with seed, and an "
        "in-order validation DataLoader with batch size 2 * bs.",
        "fit": "every epoch: model.train(), loss_batch with opt on each training batch; model.eval(), and under "
        "torch.no_grad() loss_batch on each validation batch; their size-weighted mean, printed and "
        "collected. Return the list.",
    },
    preload=("torch._dynamo",),  # its code builds optimizers
)
