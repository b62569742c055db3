"""step13_flatten: nn.Flatten in LeNet and a CNN.

The whole step in one place: what it replaces, its names, source rules, checks (judges.py, by id),
wrong versions, train family and stub.
"""

from kata.steps import static
from kata.steps.declare import Check, Step, Todo, Train, Wrong

STEP = Step(
    'step13',
    'step13_flatten',
    'nn.Flatten in LeNet and a CNN',
    replaces='num_flat_features and x.view(-1, n)',
    replaced_by='nn.Flatten(), torch.flatten(x, 1)',
    section='the 60-minute blitz: Neural Networks (Define the network), and “Bài 3: Neural Network”',
    names=("LeNet", "CNN"),
    rules=(
        static.uses_one_of(("Flatten", "flatten"), "flatten with nn.Flatten() or torch.flatten(x, 1)."),
        static.gone("num_flat_features", "nn.Flatten and torch.flatten(x, 1) count the features themselves."),
        static.no_call_in(
            "forward",
            ("view", "reshape"),
            "forward reshapes with no view(-1, n)",
            "the hand-written reshape: flatten from dimension 1 instead.",
        ),
    ),
    checks=(
        Check(
            'lenet',
            'LeNet()(x) ≈ the hand-written LeNet with the same weights, for every batch size (32×32 images)',
            stage='forward',
            equivalence=True,
            uses=('LeNet',),
            hints=(
                (
                    "LeNet's outputs must not depend on how the batch is laid out: flatten keeps dimension 0, the "
                    'batch, and merges the others, (bs, 16, 5, 5) -> (bs, 400). Which dimension does torch.flatten(x) '
                    'start at, as “Bài 3: Neural Network” calls it?'
                ),
                (
                    'nn.Flatten() (start_dim=1 by default) is a layer without parameters: create it in __init__ beside '
                    'the others and call it in forward. The parameters stay those of the hand-written LeNet, with the '
                    'same names and sizes (fc1 takes 16 * 5 * 5 inputs).'
                ),
                (
                    'Only the reshaping line changes: self.flatten(x) where view and num_flat_features were, with the '
                    'same layers, ReLUs and pools in the same order, and no permute before it.'
                ),
            ),
        ),
        Check(
            'cnn',
            ('CNN()(x) ≈ the hand-written 32-channel CNN with the same weights, for every batch size (28×28 images)'),
            stage='forward',
            equivalence=True,
            uses=('CNN',),
            hints=(
                "One image must come out as (1, 10), not (10,): the CNN's flatten must keep the batch dimension.",
                (
                    "torch.flatten's second argument, start_dim, is the first dimension it merges: started after "
                    "the batch, (bs, 32, 14, 14) -> (bs, 6272); torch.flatten(x) starts at 0 and merges the images too."
                ),
                (
                    "In the CNN's forward, x = torch.flatten(x, <the first dimension to merge>) where the view was; "
                    'the rest of forward as in kata/steps/baselines/step13_handwritten.py.'
                ),
            ),
        ),
    ),
    wrong=(
        Wrong(
            'flatten-merges-batch',
            (
                "torch.flatten(x), as “Bài 3: Neural Network” writes it: starts at dimension 0 and merges the batch, so one image comes out "
                'as (10,) and more make fc1 fail'
            ),
            old='x = torch.flatten(x, 1)  #',
            new='x = torch.flatten(x)  #',
            catches='cnn',
        ),
        Wrong(
            'flatten-layer-dim-0',
            'builds nn.Flatten(0), flattening everything, the batch included',
            old='self.flatten = nn.Flatten()',
            new='self.flatten = nn.Flatten(0)',
            catches='lenet',
        ),
        Wrong(
            'channels-last',
            (
                "flattens channels-last, as Keras lays the features out: the right shape, but fc1's weights meet "
                'the features in another order'
            ),
            old='x = self.flatten(x)  #',
            new='x = self.flatten(x.permute(0, 2, 3, 1))  #',
            catches='lenet',
        ),
        Wrong(
            'seed004-sizes',
            'copies fc1 from the 60-minute blitz, whose 3×3 convolutions leave 6×6 maps: 16 * 6 * 6 inputs',
            old='self.fc1 = nn.Linear(16 * 5 * 5, 120)',
            new='self.fc1 = nn.Linear(16 * 6 * 6, 120)',
            catches='lenet',
        ),
        Wrong(
            'relu-dropped',
            "drops the ReLU after fc2 while rewriting LeNet's forward",
            old='x = F.relu(self.fc2(x))  # -> (bs, 84)',
            new='x = self.fc2(x)  # -> (bs, 84)',
            catches='lenet',
        ),
        Wrong(
            'num-flat-features-kept',
            "leaves the CNN's hand-written view and num_flat_features in place",
            old='        x = torch.flatten(x, 1)  # (bs, 32, 14, 14) -> (bs, 6272); not torch.flatten(x)\n        x = F.relu(self.fc1(x))  # -> (bs, 128)\n        return self.fc2(x)  # -> (bs, 10)\n',
            new='        x = x.view(-1, self.num_flat_features(x))  # (bs, 32, 14, 14) -> (bs, 6272)\n        x = F.relu(self.fc1(x))  # -> (bs, 128)\n        return self.fc2(x)  # -> (bs, 10)\n\n    def num_flat_features(self, x):\n        num_features = 1\n        for s in x.size()[1:]:\n            num_features *= s\n        return num_features\n',
            catches='rule.no-num-flat-features-any-more',
        ),
    ),
    train=Train("flatten", epochs=5),
    todos={
        "LeNet": {
            "__doc__": (
                "LeNet of the 60-minute blitz with a flattening layer named `flatten` (no "
                "num_flat_features).\n"
                "\n"
                "conv1 Conv2d(1, 6, 5), conv2 Conv2d(6, 16, 5), flatten (torch.nn's flattening "
                "layer),\n"
                "fc1 Linear(16 * 5 * 5, 120), fc2 Linear(120, 84), fc3 Linear(84, 10).\n"
                "forward: relu(conv1) max-pool 2, relu(conv2) max-pool 2, flatten, relu(fc1), "
                "relu(fc2), fc3.\n"
                "The flattening layer has no parameters: the model's parameters are those of the "
                "hand-written LeNet."
            ),
            "__init__": Todo(
                (
                    "torch.nn's flattening layer, named flatten, in place of num_flat_features; it must keep "
                    "the batch dimension."
                ),
                lines="self.flatten = nn.Flatten()",
            ),
            "forward": Todo(
                "flatten the feature maps with that layer: one row per image.",
                lines="x = self.flatten(x)",
            ),
        },
        "CNN": {
            "__doc__": (
                "The 32-channel CNN of “Bài 3: Neural Network”, flattening with torch.flatten (mind its start "
                "dimension).\n"
                "\n"
                "conv1 Conv2d(1, 32, 3, padding=1), conv2 Conv2d(32, 32, 3, padding=1),\n"
                "fc1 Linear(14 * 14 * 32, 128), fc2 Linear(128, 10).\n"
                "forward: relu(conv1), relu(conv2) max-pool 2, flatten all but the batch, relu(fc1), "
                "fc2."
            ),
            "forward": Todo(
                (
                    "flatten with the function torch.flatten in place of the view: every dimension but the "
                    "batch's merged into one."
                ),
                lines="x = torch.flatten(x, 1)",
            ),
        },
    },
    stub_doc=(
        "Step 13 · flatten: nn.Flatten and torch.flatten replace `num_flat_features` and `view`.\n"
        "\n"
        "The companion lessons flatten the last feature maps by hand before the first linear layer:\n"
        "num_flat_features counts the features of one image, multiplying every size but the batch's,\n"
        "and view(-1, that count) lets torch work out the number of rows (the hand-written versions are\n"
        "in kata/steps/baselines/step13_handwritten.py). torch does that count itself: the function\n"
        "torch.flatten and the layer nn.Flatten merge the dimensions from a start dimension on:\n"
        "\n"
        "    (bs, 16, 5, 5) -> (bs, 400)        (bs, 32, 14, 14) -> (bs, 6272)\n"
        "\n"
        "Mind the start dimension: the batch, dimension 0, must stay. The layer's default keeps it; the\n"
        "function's default does not and merges the batch too, (bs, 32, 14, 14) -> (bs * 6272,). “Bài\n"
        "3: Neural Network” falls into that: with one image the network quietly returns shape (10,) instead of (1, 10);\n"
        "with more, fc1 receives bs * 6272 numbers and fails. view(-1, n) has its own trap: with a\n"
        "wrong n it silently makes a different number of rows."
    ),
    baseline='kata/steps/baselines/step13_handwritten.py',
)
