"""step07_validation: Validation, shuffling, train/eval.

The whole step in one place: what it replaces, its names, source rules, checks (judges.py, by id),
wrong versions, train family and stub.
"""

from kata.steps import static
from kata.steps.declare import Check, Step, Todo, Train, Wrong

STEP = Step(
    'step07',
    'step07_validation',
    'Validation, shuffling, train/eval',
    replaces='training with no validation',
    replaced_by=(
        'get_data (a shuffled training loader, an in-order validation loader), model.train() / '
        'model.eval(), torch.no_grad(), the validation loss over every row'
    ),
    section='“What is torch.nn really?”: Add validation',
    names=("loss_func", "Mnist_Logistic", "get_model", "get_data", "fit"),
    rules=(
        static.uses("no_grad", "validation runs under torch.no_grad(): no graph for a loss never backpropagated."),
        static.uses("eval", "model.eval() switches layers such as dropout to evaluation before validating."),
    ),
    checks=(
        Check(
            'valid-loader',
            (
                'get_data(train_ds, valid_ds, bs): valid_dl gives every validation row once, in order, in '
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
                "epoch; the same random state gives the same orders, and get_data leaves torch's global generator "
                'as it found it'
            ),
            stage='batches',
            uses=('get_data',),
            hints=(
                (
                    'The training loader shuffles, every epoch anew, with random numbers; seeding them is the '
                    "program's business, once at its top, not get_data's."
                ),
                (
                    'DataLoader(..., shuffle=True) draws a new order each time it is iterated, from torch\'s global '
                    'generator, or from its own with generator=torch.Generator().manual_seed(seed); '
                    'torch.manual_seed inside get_data resets every random number drawn after it.'
                ),
                (
                    'DataLoader(train_ds, batch_size=bs, shuffle=True[, generator=<a torch.Generator of its own>]), '
                    'and no torch.manual_seed in get_data'
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
                "fit returns (or, as the tutorial's, prints) each epoch's validation loss: the mean loss over every "
                'validation row, whatever the batch sizes'
            ),
            stage='loss',
            uses=('fit',),
            hints=(
                (
                    'The validation loss is the mean over every validation row, and the last batch may be shorter than '
                    'the others.'
                ),
                (
                    "Add up each batch's mean times its size, len(xb), and divide by the number of rows: a plain mean "
                    'of the batch means lets the last, shorter batch count as much as a full one.'
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
            equivalence=True,
            uses=('fit',),
            hints=(
                (
                    'With the training batches in order, each training batch should update the model exactly as '
                    "step06's fit did; validating must change nothing."
                ),
                (
                    "Each training batch as step06's fit took it: the loss, loss.backward(), opt.step(), then "
                    'opt.zero_grad(); zeroing before the step leaves nothing to step with.'
                ),
                (
                    "for xb, yb in train_dl: <step06's loss, backward, step, zero_grad>; then model.eval() and the "
                    'validation batches under torch.no_grad(), with no update'
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
            old='total += loss_func(model(xb), yb).item() * len(xb)\n                rows += len(xb)',
            new='total += loss_func(model(xb), yb).item()\n                rows += 1',
            catches='valid-loss',
        ),
        Wrong('no-eval', 'forgets model.eval(): validation runs in training mode',
              old='        model.eval()\n        with torch.no_grad():',
              new='        with torch.no_grad():',
              catches='modes'),
        Wrong(
            'no-no-grad',
            'forgets torch.no_grad(): the validation pass builds a graph for nothing',
            old='        with torch.no_grad():  # no graph: this loss is never backpropagated\n            total, rows = 0.0, 0',
            new='        if True:\n            total, rows = 0.0, 0',
            catches='modes',
        ),
        Wrong(
            'train-once',
            'calls model.train() once, before the epochs: from epoch 2 on it trains in eval mode',
            old='    for epoch in range(epochs):\n        model.train()  # eval() below switched training mode off: switch it back on every epoch\n',
            new='    model.train()\n    for epoch in range(epochs):\n',
            catches='modes',
        ),
        Wrong('valid-shuffled', "copies the training loader's shuffle=True into the validation loader too",
              old='DataLoader(valid_ds, batch_size=bs * 2)',
              new='DataLoader(valid_ds, batch_size=bs * 2, shuffle=True)',
              catches='valid-loader'),
        Wrong('valid-same-batch-size', 'gives the validation loader the training batch size',
              old='DataLoader(valid_ds, batch_size=bs * 2)',
              new='DataLoader(valid_ds, batch_size=bs)',
              catches='valid-loader'),
        Wrong(
            'global-seed',
            (
                "seeds torch's global generator inside get_data: every random number drawn after it (the "
                "model's initial weights, the shuffle) is the same whatever seed the program chose"
            ),
            old="    g = torch.Generator().manual_seed(seed)  # the shuffle's own random numbers, not the global ones\n    return (\n        DataLoader(train_ds, batch_size=bs, shuffle=True, generator=g),",
            new='    torch.manual_seed(seed)\n    return (\n        DataLoader(train_ds, batch_size=bs, shuffle=True),',
            catches='train-loader',
        ),
        Wrong('train-not-shuffled', "forgets shuffle=True: the training batches keep the data set's order",
              old='DataLoader(train_ds, batch_size=bs, shuffle=True, generator=g)',
              new='DataLoader(train_ds, batch_size=bs)',
              catches='train-loader'),
        Wrong('zero-grad-before-step', 'zeroes the gradients between backward and step, so nothing moves',
              old='            opt.step()\n            opt.zero_grad()\n',
              new='            opt.zero_grad()\n            opt.step()\n',
              catches='fit', says='between backward and step'),
    ),
    train=Train(
        "validation",
        note="step07 shuffles the training batches every epoch, where step06 kept their order: expect curves that differ a little and end close together.",
    ),
    todos={
        "get_data": (
            "a training DataLoader that shuffles, drawing its order from its own torch.Generator "
            "seeded with seed, and a validation DataLoader in order, with batches twice as large; "
            "return both."
        ),
        "fit": (
            Todo(
                "training mode on for the training batches: the evaluation below switches it off.",
                lines="model.train()",
            ),
            Todo(
                (
                    "evaluation mode, then, without building a graph, the loss of every validation batch; "
                    "val_loss is the mean over all the validation rows: each batch's mean weighted by its size."
                ),
                lines=(
                    "model.eval()\n"
                    "with torch.no_grad():\n"
                    "total, rows = 0.0, 0\n"
                    "for xb, yb in valid_dl:\n"
                    "# each batch's mean weighted by its size: the last batch may be shorter than the others\n"
                    "total += loss_func(model(xb), yb).item() * len(xb)\n"
                    "rows += len(xb)\n"
                    "val_loss = total / rows"
                ),
                doc=(
                    "Train for `epochs` passes over train_dl; after each, the loss over the whole of valid_dl.\n"
                    "\n"
                    "Every epoch: training mode and one optimizer step per training batch; then evaluation mode\n"
                    "and, with no graph built, the loss over every validation row (each batch weighted by its\n"
                    "size). Prints it and returns the list of these losses, one float per epoch. Everything fit\n"
                    "uses is an argument."
                ),
            ),
        ),
    },
    stub_doc=(
        "Step 07 · validation: a held-out set, a shuffled training loader, train and eval modes.\n"
        "\n"
        "Training loss alone cannot show overfitting, so after every epoch fit measures the loss on a\n"
        "validation set the model never trains on. What changes:\n"
        "\n"
        "- get_data builds both loaders. The training loader shuffles, a new order every epoch (so\n"
        "  that consecutive batches are not correlated), drawn from its own random generator seeded\n"
        "  with `seed`: the same seed gives the same run, whatever else draws random numbers. The\n"
        "  validation loader keeps the order and uses batches twice as large: without a backward pass\n"
        "  each row needs less memory.\n"
        "- fit puts the model in training mode before training and in evaluation mode before\n"
        "  validating: layers such as nn.Dropout and nn.BatchNorm2d behave differently in the two.\n"
        "  Validation builds no graph: its loss is never backpropagated.\n"
        "- fit takes the validation loader beside the training one, and returns the validation loss\n"
        "  of every epoch, the mean over every row of the set:\n"
        "\n"
        "      val_loss = sum_b n_b * loss_b / sum_b n_b      (loss_b: the mean over batch b of n_b rows)\n"
        "\n"
        "  A plain mean of the batch means gives the last, shorter batch the weight of a full one:\n"
        "  wrong whenever the batch size does not divide the set's size."
    ),
    preload=("torch._dynamo",),  # its code builds optimizers
)
