"""step12_flatten: nn.Flatten in LeNet and a CNN. nn.Flatten(), torch.flatten(x, 1) replaces num_flat_features and x.view(-1, n).

The whole step in one place: what it replaces, the names it defines, its source rules, its
checks (their judges are in judges.py, keyed by id), the wrong versions each check must catch,
how train mode drives it, and what its stub leaves to do.
"""

from kata.steps import static
from kata.steps.declare import Check, Step, Train, Wrong

STEP = Step(
    'step12',
    'step12_flatten',
    'nn.Flatten in LeNet and a CNN',
    replaces='num_flat_features and x.view(-1, n)',
    replaced_by='nn.Flatten(), torch.flatten(x, 1)',
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
            uses=('LeNet',),
            hints=(
                (
                    "LeNet's outputs must not depend on how the batch is laid out: flatten keeps dimension 0, the "
                    'batch, and merges the others, (bs, 16, 5, 5) -> (bs, 400). Which dimension does torch.flatten(x) '
                    'start at, as seed 000 calls it?'
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
            uses=('CNN',),
            hints=(
                "One image must come out as (1, 10), not (10,): the CNN's flatten must keep the batch dimension.",
                (
                    'torch.flatten(x, 1) merges every dimension from 1 on: (bs, 32, 14, 14) -> (bs, 6272); '
                    'torch.flatten(x) starts at 0 and merges the images too.'
                ),
                (
                    "In the CNN's forward, x = torch.flatten(x, <the first dimension to merge>) where the view was; "
                    'the rest of forward as in kata/steps/baselines/step12_handwritten.py.'
                ),
            ),
        ),
    ),
    wrong=(
        Wrong(
            'flatten-merges-batch',
            (
                "seed 000's torch.flatten(x): starts at dimension 0 and merges the batch, so one image comes out "
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
            'copies fc1 from seed 004, whose 3×3 convolutions leave 6×6 maps: 16 * 6 * 6 inputs',
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
            "__init__": "the hand-written LeNet's layers (same names and sizes), plus an nn.Flatten() named flatten.",
            "forward": "the hand-written forward, with self.flatten(x) where it called view and num_flat_features.",
        },
        "CNN": {
            "forward": "the hand-written forward, with torch.flatten(x, 1) in place of the view.",
        },
    },
    baseline='kata/steps/baselines/step12_handwritten.py',
)
