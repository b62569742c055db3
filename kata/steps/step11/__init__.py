"""step11_wrapped: Wrapped DataLoader, adaptive pool.

The whole step in one place: what it replaces, its names, source rules, checks (judges.py, by id),
wrong versions, train family and stub.
"""

from kata.steps import static
from kata.steps.declare import Check, Step, Todo, Train, Wrong

STEP = Step(
    'step11',
    'step11_wrapped',
    'Wrapped DataLoader, adaptive pool',
    replaces='reshaping inside the model, pooling tied to 28×28',
    replaced_by='WrappedDataLoader(dl, preprocess), nn.AdaptiveAvgPool2d(1)',
    section='“What is torch.nn really?”: Wrapping DataLoader',
    names=("loss_func", "Lambda", "preprocess", "WrappedDataLoader", "get_model", "loss_batch", "get_data", "fit"),
    rules=(
        static.uses("AdaptiveAvgPool2d", "the pooling adapts to the size of the maps."),
        static.model_agnostic("fit", "loss_batch"),
    ),
    checks=(
        Check(
            'preprocess',
            'preprocess(x, y) gives (x as (bs, 1, 28, 28) images, y unchanged)',
            stage='forward',
            uses=('preprocess',),
            hints=(
                (
                    'preprocess is now a function of the whole batch, (x, y): x becomes one-channel 28x28 images, y '
                    'stays as it is, and both are returned.'
                ),
                "x.view(...) reshapes without copying: -1 keeps whatever batch size comes, and the channel dimension "
                "sits between the batch and the 28x28 pixels.",
                'return x.view(<batch>, <channels>, 28, 28), y',
            ),
        ),
        Check(
            'wrapper',
            (
                'WrappedDataLoader(dl, func) yields func(xb, yb) for every batch of dl, in order, on every pass; '
                'its len() is len(dl)'
            ),
            stage='batches',
            uses=('WrappedDataLoader',),
            hints=(
                (
                    "WrappedDataLoader's __iter__ loops over self.dl and yields self.func(*batch): a new pass over dl "
                    'every time it is called, once per epoch. __len__ is the number of batches of dl.'
                ),
                (
                    'A generator function (a def with yield) gives a fresh iterator at every call; len(self.dl) counts '
                    "dl's batches."
                ),
                '__len__: return len(self.dl).  __iter__: for b in self.dl: yield <func applied to the batch>',
            ),
        ),
        Check(
            'outputs-gradients',
            (
                "on 28×28 digits with step10's convolution weights: model(preprocess(x, y)[0]) ≈ step10's "
                'model(x), gradients included'
            ),
            stage='forward',
            equivalence=True,
            uses=('get_model', 'preprocess'),
            hints=(
                (
                    "On 28x28 digits the new model computes what step10's did: the same convolutions in the same "
                    'order; only the first reshape moved out, into preprocess.'
                ),
                'nn.AdaptiveAvgPool2d(output_size) takes the size of its output: 1 gives one number per channel.',
                ("step10's layers without Lambda(preprocess), with nn.AdaptiveAvgPool2d(<1x1 output>) for the pooling"),
            ),
        ),
        Check(
            'any-size',
            "get_model's model reads images of any size: (bs, 1, H, W) -> (bs, 10), the mean of each final map",
            stage='forward',
            uses=('get_model',),
            hints=(
                (
                    'nn.AdaptiveAvgPool2d takes the size of its output, not of its window: for one number per channel, '
                    'whatever the size of the maps, ask for 1x1. The model must not reshape to 28x28 anywhere any more.'
                ),
                (
                    'nn.AvgPool2d(4) only fits the 4x4 maps of 28x28 images; a view to (-1, 1, 28, 28) only fits 784 '
                    'pixels.'
                ),
                (
                    'replace the fixed pooling with nn.AdaptiveAvgPool2d(1) and drop every reshape to 28x28 from the '
                    'model'
                ),
            ),
        ),
        Check(
            'fit',
            (
                "fit on WrappedDataLoader(dl, preprocess) loaders, from step10's weights ≈ step10's fit on the "
                'plain loaders, validation losses included'
            ),
            stage='update',
            equivalence=True,
            uses=('get_model', 'preprocess', 'WrappedDataLoader'),
            hints=(
                (
                    "The wrapped loaders hand fit the batches step10's model reshaped itself: from the same weights, "
                    "training follows step10's update by update."
                ),
                'WrappedDataLoader(dl, preprocess) for both loaders; fit and loss_batch stay as they were.',
                ('train_dl = WrappedDataLoader(train_dl, preprocess); the same for valid_dl; fit(epochs, model, ...)'),
            ),
        ),
    ),
    wrong=(
        Wrong(
            'avg-pool-kept',
            'keeps nn.AvgPool2d(4): right for 28×28 digits, wrong for any other size',
            old='        nn.AdaptiveAvgPool2d(1),  #',
            new='        nn.AvgPool2d(4),  #',
            catches='any-size',
        ),
        Wrong(
            'adaptive-pool-4',
            "reads AdaptiveAvgPool2d's argument as the window: asks for 4×4 outputs",
            old='        nn.AdaptiveAvgPool2d(1),  #',
            new='        nn.AdaptiveAvgPool2d(4),  #',
            catches='outputs-gradients',
        ),
        Wrong(
            'reshape-kept-in-model',
            'moves the reshape into preprocess but leaves a 28×28 view in the model too',
            old='    model = nn.Sequential(\n        nn.Conv2d(1, 16,',
            new='    model = nn.Sequential(\n        Lambda(lambda x: x.view(-1, 1, 28, 28)),\n        nn.Conv2d(1, 16,',
            catches='any-size',
        ),
        Wrong(
            'one-shot-wrapper',
            'builds the wrapped batches once, in __init__: the second epoch gets none',
            old='        self.func = func\n\n    def __len__(self):\n        return len(self.dl)\n\n    def __iter__(self):\n        for b in self.dl:  # a new pass over dl each time: one per epoch\n            yield self.func(*b)\n',
            new='        self.func = func\n        self.batches = (func(*b) for b in dl)\n\n    def __len__(self):\n        return len(self.dl)\n\n    def __iter__(self):\n        return self.batches\n',
            catches='wrapper',
        ),
        Wrong(
            'no-len',
            'leaves __len__ out of the wrapper, so len(train_dl) fails',
            old='    def __len__(self):\n        return len(self.dl)\n\n',
            new='',
            catches='wrapper',
        ),
        Wrong(
            'preprocess-no-channel',
            'reshapes x to (bs, 28, 28), without the channel dimension',
            old='    return x.view(-1, 1, 28, 28), y',
            new='    return x.view(-1, 28, 28), y',
            catches='preprocess',
        ),
    ),
    train=Train("validation", epochs=5),
    todos={
        "preprocess": "one batch as the model reads it: x as one-channel 28x28 images, y as it is; return both.",
        "WrappedDataLoader": {
            "__init__": "keep the loader and the function.",
            "__len__": "as many batches as the wrapped loader has.",
            "__iter__": (
                "a new pass over the wrapped loader each time: every batch of it, in its order, "
                "passed through the function (the batch's parts are its arguments)."
            ),
        },
        "get_model": Todo(
            "a pooling layer told its output size, 1x1, instead of its window, so that any image size works.",
            lines="nn.AdaptiveAvgPool2d(1),",
        ),
    },
    stub_doc=(
        "Step 11 · wrapped: the loader reshapes the batches; adaptive pooling frees the image size.\n"
        "\n"
        "Two things tied step 10's model to flat 28x28 MNIST rows:\n"
        "\n"
        "- its first layer reshaped (bs, 784) to (bs, 1, 28, 28). Reshaping is about the data, not the\n"
        "  model, so it moves into the loader: a WrappedDataLoader wraps a loader and hands out each of\n"
        "  its batches passed through a function, and preprocess(x, y) reshapes x. The model now\n"
        "  takes images (bs, 1, H, W): its first layer is gone.\n"
        "- its average pooling takes 4x4 windows, the size conv3's maps have for 28x28 input only.\n"
        "  Adaptive pooling is told the output size instead, 1x1, and picks its window from its\n"
        "  input: the mean of each map, whatever the image size. On 28x28 input both compute the same.\n"
        "\n"
        "loss_batch, get_data and fit stay as they are: the wrapped loaders are what fit iterates over."
    ),
    preload=("torch._dynamo",),  # its code builds optimizers
)
