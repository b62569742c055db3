"""step06_dataloader: DataLoader.

The whole step in one place: what it replaces, its names, source rules, checks (judges.py, by id),
wrong versions, train family and stub.
"""

from kata.steps import advisories, static
from kata.steps.declare import Check, Step, Todo, Train, Wrong

STEP = Step(
    'step06',
    'step06_dataloader',
    'DataLoader',
    replaces='index arithmetic for batches',
    replaced_by='DataLoader',
    section='“What is torch.nn really?”: Refactor using DataLoader',
    names=("loss_func", "accuracy", "Mnist_Logistic", "get_model", "get_dataloader", "fit"),
    advisories=(advisories.last_batch_loss,),
    rules=(
        static.uses("DataLoader", "the batches come from a DataLoader."),
        static.no_batch_index_arithmetic("fit"),
    ),
    checks=(
        Check(
            'loader-batches',
            "get_dataloader(train_ds, bs) gives step05's batches in order, the last partial one included",
            stage='batches',
            equivalence=True,
            uses=('get_dataloader',),
            hints=(
                "The loader should yield exactly step05's slices: same sizes, same order, the last one shorter.",
                (
                    'DataLoader(train_ds, batch_size=bs) keeps the order and the last, shorter batch by default; '
                    'shuffle and drop_last change what the model sees, and without batch_size every batch holds one '
                    'row.'
                ),
                'return DataLoader(<the dataset>, batch_size=<bs>), nothing more',
            ),
        ),
        Check(
            'fit-batches',
            "fit(model, opt, train_dl, epochs) hands the model the same batches as step05's fit",
            stage='batches',
            equivalence=True,
            uses=('get_dataloader', 'fit'),
            hints=(
                'fit should take its batches from the loader it is given, all of them, every epoch.',
                (
                    'DataLoader(train_ds, batch_size=bs) yields (xb, yb) pairs in order; `for xb, yb in train_dl:` is '
                    'the whole batch loop.'
                ),
                "for epoch in range(epochs): for xb, yb in train_dl: <step05's update on xb, yb>",
            ),
        ),
        Check(
            'fit',
            "fit from the same weights ≈ step05's fit",
            stage='update',
            equivalence=True,
            uses=('get_model', 'get_dataloader', 'fit'),
            hints=(
                "Only the batch loop changes: each batch's loss, backward, step and zero_grad stay as in step05.",
                'fit(model, opt, train_dl, epochs): the loader knows the batch size, so fit no longer takes bs.',
                (
                    'for xb, yb in train_dl: loss = loss_func(model(xb), yb); loss.backward(); opt.step(); '
                    'opt.zero_grad()'
                ),
            ),
        ),
    ),
    wrong=(
        Wrong(
            'shuffled',
            'shuffles the training batches, so the order differs from step05',
            old='return DataLoader(train_ds, batch_size=bs)',
            new='return DataLoader(train_ds, batch_size=bs, shuffle=True)',
            catches='loader-batches',
        ),
        Wrong(
            'drop-last',
            'drops the last, shorter batch',
            old='return DataLoader(train_ds, batch_size=bs)',
            new='return DataLoader(train_ds, batch_size=bs, drop_last=True)',
            catches='loader-batches',
        ),
        Wrong(
            'default-batch-size',
            'forgets batch_size, so every batch holds one row',
            old='return DataLoader(train_ds, batch_size=bs)',
            new='return DataLoader(train_ds)',
            catches='loader-batches',
        ),
        Wrong(
            'index-arithmetic-kept',
            'keeps slicing the dataset by hand inside fit, the loader unused',
            old='        for xb, yb in train_dl:  # (bs, 784), (bs,); shorter at the end\n',
            new='        bs, ds = train_dl.batch_size, train_dl.dataset\n        for i in range((len(ds) - 1) // bs + 1):\n            xb, yb = ds[i * bs : i * bs + bs]\n',
            catches='rule.fit-does-no-index-arithmetic-for-batches',
        ),
    ),
    train=Train("optim_loader"),
    todos={
        "get_dataloader": (
            "a DataLoader over train_ds that hands out batches of bs rows, in order (no "
            "shuffling yet)."
        ),
        "fit": Todo(
            "loop over the batches train_dl hands out, each one a pair (xb, yb), in place of the index arithmetic",
            lines="for xb, yb in train_dl:",
        ),
    },
    stub_doc=(
        "Step 06 · dataloader: DataLoader replaces the index arithmetic for batches.\n"
        "\n"
        "A DataLoader over a data set hands out its batches in order, the last one shorter when the\n"
        "batch size does not divide the set's size: looping over it replaces the index arithmetic (the\n"
        "number of batches, the bounds of each slice). get_dataloader builds it; fit takes the loader\n"
        "instead of the data set and the batch size, and loops over its batches. What fit does with each\n"
        "batch is step 05's."
    ),
    preload=("torch._dynamo",),  # its code builds optimizers
)
