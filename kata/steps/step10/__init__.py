"""step10_sequential: nn.Sequential.

The whole step in one place: what it replaces, its names, source rules, checks (judges.py, by id),
wrong versions, train family and stub.
"""

from kata.steps import static
from kata.steps.declare import Check, Step, Todo, Train, Wrong

STEP = Step(
    'step10',
    'step10_sequential',
    'nn.Sequential',
    replaces='the hand-written CNN class',
    replaced_by='nn.Sequential of Lambda layers, nn.Conv2d, nn.ReLU and nn.AvgPool2d',
    section='“What is torch.nn really?”: nn.Sequential',
    names=("loss_func", "Lambda", "preprocess", "get_model", "loss_batch", "get_data", "fit"),
    rules=(
        static.uses("Sequential", "the model is an nn.Sequential."),
        static.avoids("relu", "F.relu is a function: nn.Sequential holds modules, so the activation is nn.ReLU()."),
        static.model_agnostic("fit", "loss_batch"),
    ),
    checks=(
        Check(
            'lambda',
            'Lambda(func) is a layer without parameters: Lambda(func)(x) is func(x), inside nn.Sequential too',
            stage='structure',
            uses=('Lambda',),
            hints=(
                (
                    'Lambda is an nn.Module that keeps the function it is given and applies it in forward: a layer '
                    'without parameters, so that plain functions can sit in an nn.Sequential.'
                ),
                'Subclass nn.Module, call super().__init__() first in __init__, keep func as an attribute.',
                '__init__: super().__init__(); self.func = func.  forward(self, x): return <func applied to x>',
            ),
        ),
        Check(
            'preprocess',
            "preprocess(xb) turns (bs, 784) rows into the (bs, 1, 28, 28) images step09's forward made",
            stage='forward',
            equivalence=True,
            uses=('preprocess',),
            hints=(
                (
                    "preprocess is the first line of step09's forward, on its own: rows of 784 pixels become "
                    'one-channel 28x28 images.'
                ),
                'x.view(...) reshapes without copying; -1 lets the batch size be whatever it is.',
                'return x.view(-1, <channels>, 28, 28)',
            ),
        ),
        Check(
            'relu-modules',
            (
                'get_model(lr) returns (an nn.Sequential with nn.ReLU modules as its activations, SGD with that lr '
                'and momentum 0.9)'
            ),
            stage='structure',
            uses=('get_model',),
            hints=(
                (
                    'nn.Sequential holds modules only. F.relu is a function; nn.ReLU() is the same function as a '
                    "module. One after each convolution, as in step09's forward."
                ),
                "nn.ReLU() is a layer without parameters; the optimizer stays step09's SGD with momentum 0.9.",
                (
                    'nn.Sequential(..., nn.Conv2d(...), nn.ReLU(), ...) three times; return model, '
                    'optim.SGD(model.parameters(), lr=lr, momentum=0.9)'
                ),
            ),
        ),
        Check(
            'outputs',
            "with step09's convolution weights, get_model's model gives Mnist_CNN's outputs",
            stage='forward',
            equivalence=True,
            uses=('get_model',),
            hints=(
                (
                    "The layers run in the order they are listed: the same order as the lines of step09's forward, the "
                    'reshapes included (Lambda(preprocess) first, the view to (bs, 10) last).'
                ),
                (
                    "Each line of step09's forward becomes one layer: nn.Conv2d, nn.ReLU(), nn.AvgPool2d(4), Lambda "
                    'for a reshape.'
                ),
                (
                    'nn.Sequential(Lambda(preprocess), conv, nn.ReLU(), conv, nn.ReLU(), conv, nn.ReLU(), '
                    'nn.AvgPool2d(4), Lambda(<(bs, 10, 1, 1) -> (bs, 10)>))'
                ),
            ),
        ),
        Check(
            'gradients',
            "with step09's convolution weights, the gradients of every convolution ≈ Mnist_CNN's",
            stage='gradients',
            equivalence=True,
            uses=('get_model',),
            hints=(
                (
                    "The gradients follow the outputs: if the layers compute step09's forward, in the same order, "
                    "every convolution gets step09's gradient."
                ),
                (
                    'Only nn.Conv2d layers hold parameters here; F.cross_entropy(model(xb), yb).backward() fills their '
                    '.grad.'
                ),
                "list the layers in the order of step09's forward, a ReLU after every convolution",
            ),
        ),
        Check(
            'fit',
            "fit with get_model's model and opt, from step09's weights ≈ step09's fit, validation losses included",
            stage='update',
            equivalence=True,
            uses=('get_model',),
            hints=(
                (
                    "Only the model's form changes: trained by the same fit from the same weights, nn.Sequential "
                    'follows Mnist_CNN update by update.'
                ),
                (
                    "fit and loss_batch stay step09's; get_model's optimizer is SGD over model.parameters(), momentum "
                    '0.9.'
                ),
                'keep fit and loss_batch as they were; get_model builds the nn.Sequential and its SGD',
            ),
        ),
    ),
    wrong=(
        Wrong(
            'relu-in-lambda',
            'wraps F.relu in a Lambda instead of using the nn.ReLU module',
            old='        nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1),  # -> (bs, 10, 4, 4)\n        nn.ReLU(),\n',
            new='        nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1),  # -> (bs, 10, 4, 4)\n        Lambda(F.relu),\n',
            catches='rule.no-relu-any-more',
        ),
        Wrong(
            'last-relu-dropped',
            'lists no activation after the last convolution',
            old='        nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1),  # -> (bs, 10, 4, 4)\n        nn.ReLU(),\n',
            new='        nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1),  # -> (bs, 10, 4, 4)\n',
            catches='outputs',
        ),
        Wrong(
            'max-pool-module',
            'picks nn.MaxPool2d(4) for the pooling layer',
            old='        nn.AvgPool2d(4),  #',
            new='        nn.MaxPool2d(4),  #',
            catches='outputs',
        ),
        Wrong(
            'flatten-batch',
            "ends with Lambda(lambda x: x.view(-1)): the whole batch's scores in one vector",
            old='Lambda(lambda x: x.view(x.size(0), -1))',
            new='Lambda(lambda x: x.view(-1))',
            catches='outputs',
        ),
        Wrong(
            'no-momentum',
            "builds plain SGD, without step09's momentum",
            old='optim.SGD(model.parameters(), lr=lr, momentum=0.9)',
            new='optim.SGD(model.parameters(), lr=lr)',
            catches='relu-modules',
        ),
        Wrong(
            'preprocess-no-channel',
            'reshapes to (bs, 28, 28), without the channel dimension',
            old='    return x.view(-1, 1, 28, 28)',
            new='    return x.view(-1, 28, 28)',
            catches='preprocess', says='a dimension of size 1 missing',
        ),
    ),
    train=Train("validation", epochs=5),
    todos={
        "Lambda": {
            "__init__": Todo(
                "keep the function, for forward to apply.",
                lines="self.func = func",
            ),
            "forward": "apply the kept function to x.",
        },
        "preprocess": "flat rows to one-channel 28x28 images, as step 09's forward began.",
        "get_model": Todo(
            (
                "step 09's forward as an nn.Sequential of modules, in order: Lambda for the two reshapes, ReLU "
                "modules for the activations, and the average pooling as a module."
            ),
            lines=(
                "model = nn.Sequential(\n"
                "Lambda(preprocess),\n"
                "nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1),\n"
                "nn.ReLU(),\n"
                "nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1),\n"
                "nn.ReLU(),\n"
                "nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1),\n"
                "nn.ReLU(),\n"
                "nn.AvgPool2d(4),\n"
                "Lambda(lambda x: x.view(x.size(0), -1)),\n"
                ")"
            ),
        ),
    },
    stub_doc=(
        "Step 10 · sequential: nn.Sequential replaces the hand-written CNN class.\n"
        "\n"
        "Mnist_CNN's forward only calls its layers one after the other, which is exactly what\n"
        "nn.Sequential does: it holds modules and feeds each one's output to the next. Two kinds of\n"
        "things in that forward were not modules:\n"
        "\n"
        "- the reshapes: Lambda(func) wraps any function as a layer without parameters, so the first\n"
        "  layer reshapes the flat rows into images (preprocess) and the last one turns\n"
        "  (bs, 10, 1, 1) into (bs, 10);\n"
        "- the activations: F.relu is a plain function, to be called inside a forward; nn.ReLU is the\n"
        "  same function as a module (no parameters), so it can sit in a Sequential, show up in\n"
        "  print(model) and carry hooks. The numbers are the same either way. Average pooling becomes\n"
        "  a module in the same way.\n"
        "\n"
        "The layers in order: the first reshape, step 09's three convolutions each followed by its\n"
        "activation, the pooling, the last reshape. The convolutions are numbered by their position:\n"
        "their parameters are 1.weight, 1.bias, 3.weight, ... With step 09's weights copied in,\n"
        "outputs and gradients are step 09's."
    ),
    preload=("torch._dynamo",),  # its code builds optimizers
)
