"""step05_dataset: TensorDataset.

The whole step in one place: what it replaces, its names, source rules, checks (judges.py, by id),
wrong versions, train family and stub.
"""

from kata.steps import advisories, static
from kata.steps.declare import Check, Step, Todo, Train, Wrong

STEP = Step(
    'step05',
    'step05_dataset',
    'TensorDataset',
    replaces='slicing x_train and y_train in parallel',
    replaced_by='TensorDataset',
    section='“What is torch.nn really?”: Refactor using Dataset',
    names=("loss_func", "accuracy", "Mnist_Logistic", "get_model", "fit"),
    advisories=(advisories.last_batch_loss,),
    rules=(
        static.uses("TensorDataset", "the data is wrapped in a TensorDataset."),
        static.avoids("tensors", "pulls x and y back out of the dataset to slice them apart."),
    ),
    checks=(
        Check(
            'batches',
            'fit on TensorDataset(x, y) hands the model the same batches, in the same order, as step04',
            stage='batches',
            equivalence=True,
            uses=('fit',),
            hints=(
                (
                    'train_ds[a:b] returns the pair (x[a:b], y[a:b]): one slice of the dataset per batch, batch i '
                    'starting at row i * bs.'
                ),
                'len(train_ds) is the number of rows; the batch count still rounds up, so that the last, shorter batch is used.',
                'for i in range(<the rounded-up batch count>): xb, yb = train_ds[i * bs : i * bs + bs]',
            ),
        ),
        Check(
            'fit',
            "fit(model, opt, train_ds, ...) from the same weights ≈ step04's fit(model, opt, x, y, ...)",
            stage='update',
            equivalence=True,
            uses=('get_model', 'fit'),
            hints=(
                ('Only where the batches come from changes: the loss, backward, step and zero_grad stay as in step04.'),
                (
                    'fit receives the dataset, not x and y: fit(model, opt, train_ds, epochs, bs), and slicing '
                    'train_ds gives xb and yb together.'
                ),
                (
                    "xb, yb = train_ds[i * bs : i * bs + bs]; then step04's loss, loss.backward(), opt.step(), "
                    'opt.zero_grad()'
                ),
            ),
        ),
    ),
    wrong=(
        Wrong(
            'drop-last-batch',
            'counts n // bs batches, dropping the last, shorter one',
            old='range((n - 1) // bs + 1)',
            new='range(n // bs)',
            catches='batches',
        ),
        Wrong(
            'slice-by-batch-index',
            'slices train_ds[i : i + bs]: overlapping batches',
            old='train_ds[i * bs : i * bs + bs]',
            new='train_ds[i : i + bs]',
            catches='batches',
        ),
        Wrong(
            'extra-batch',
            'counts n // bs + 1 batches: an empty batch when bs divides n',
            old='range((n - 1) // bs + 1)',
            new='range(n // bs + 1)',
            catches='batches',
        ),
        Wrong(
            'tensors-sliced-apart',
            'pulls x and y back out of the dataset and slices them in parallel again',
            old='xb, yb = train_ds[i * bs : i * bs + bs]',
            new='xb, yb = train_ds.tensors[0][i * bs : i * bs + bs], train_ds.tensors[1][i * bs : i * bs + bs]',
            catches='rule.no-tensors-any-more',
        ),
    ),
    train=Train("optim_dataset"),
    todos={
        "fit": Todo(
            "one slice of train_ds, over this batch's rows, gives xb and yb together.",
            lines="xb, yb = train_ds[i * bs : i * bs + bs]",
        ),
    },
    stub_doc=(
        "Step 05 · dataset: TensorDataset replaces slicing x_train and y_train in parallel.\n"
        "\n"
        "Step 04 slices x_train and y_train in parallel, with the same bounds: two slices that must\n"
        "agree. A TensorDataset pairs the tensors row by row, so that one index, or one slice, gives\n"
        "both halves of a batch at once and they cannot drift apart. fit now takes the data set instead\n"
        "of the two tensors; the batch loop and its bounds stay as they are (step 06 replaces them)."
    ),
    preload=("torch._dynamo",),  # its code builds optimizers
)
