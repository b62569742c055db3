"""step01_functional: torch.nn.functional: cross_entropy.

The whole step in one place: what it replaces, its names, source rules, checks (judges.py, by id),
wrong versions, train family and stub.
"""

from kata.steps import advisories, static
from kata.steps.declare import Check, Step, Todo, Train, Wrong

STEP = Step(
    'step01',
    'step01_functional',
    'torch.nn.functional: cross_entropy',
    replaces='log_softmax + nll',
    replaced_by='F.cross_entropy',
    section='“What is torch.nn really?”: Using torch.nn.functional',
    names=("loss_func", "accuracy", "init_weights", "model", "fit"),
    advisories=(advisories.last_batch_loss,),
    rules=(
        static.uses("cross_entropy", "the loss is F.cross_entropy now."),
        static.defines_none("log_softmax", "nll"),
    ),
    checks=(
        Check(
            'loss',
            "loss_func(logits, yb) ≈ step00's nll(log_softmax(logits), yb)",
            stage='loss',
            equivalence=True,
            uses=('loss_func',),
            hints=(
                (
                    'loss_func takes raw logits and the targets and gives the mean negative log-likelihood, as '
                    "step00's nll(log_softmax(...)) did."
                ),
                'F.cross_entropy does log_softmax and nll in one call, averaging over the batch by default.',
                'loss_func = F.cross_entropy (no reduction argument)',
            ),
        ),
        Check(
            'model-logits',
            'model(xb, weights, bias) returns the raw logits that step00 fed to log_softmax',
            stage='forward',
            uses=('model',),
            hints=(
                (
                    'F.cross_entropy expects raw scores (logits): it applies log_softmax itself, so the model must '
                    'stop applying it.'
                ),
                'log_softmax of log_softmax is log_softmax again, so the loss hides the slip; the outputs do not.',
                'return xb @ weights + bias, untouched',
            ),
        ),
        Check(
            'gradients',
            "loss and gradients of loss_func(model(xb), yb) ≈ step00's",
            stage='gradients',
            equivalence=True,
            uses=('loss_func', 'model'),
            hints=(
                'The gradients follow from the loss and the model: when those checks fail too, fix them first.',
                (
                    'backward() reaches weights and bias only through torch operations on them: no .detach(), no '
                    '.data, no .item() on the way to the loss.'
                ),
                'loss = loss_func(model(xb, weights, bias), yb), with model returning the logits',
            ),
        ),
        Check(
            'stable-loss',
            "loss_func stays finite and exact on logits near ±100, where step00's formula overflows",
            stage='loss',
            uses=('loss_func',),
            hints=(
                (
                    'The hand-written log_softmax computes exp(x) directly, which is inf in float32 once x passes '
                    "about 88.7; the library subtracts each row's maximum first and stays finite."
                ),
                (
                    'F.cross_entropy (log_softmax and nll together) is the numerically stable form: '
                    'nll(log_softmax(x)) written by hand is not.'
                ),
                'loss_func = F.cross_entropy, not the step00 functions renamed',
            ),
        ),
        Check(
            'init-weights',
            "init_weights() ≈ step00's (same seed, same tensors)",
            stage='structure',
            equivalence=True,
            uses=('init_weights',),
            hints=(
                'Keep everything else as it was: same initialisation, same batches, same update.',
                'Same seed, same tensors: the same torch.randn call, in the same order, scaled the same way.',
                "keep step00's init_weights as it was",
            ),
        ),
        Check(
            'accuracy',
            "accuracy(out, yb) ≈ step00's",
            stage='loss',
            equivalence=True,
            uses=('accuracy',),
            hints=(
                'accuracy does not change in this step: the share of rows whose largest score is the target.',
                "Keep step00's accuracy: out.argmax(dim=1) compared with yb, as floats, averaged.",
                "keep step00's accuracy as it was",
            ),
        ),
        Check(
            'fit',
            "fit from the same weights on the same batches ≈ step00's fit",
            stage='update',
            equivalence=True,
            uses=('fit',),
            hints=(
                'Only the loss changes in fit: the batches and the update on weights and bias stay as in step00.',
                'Each parameter moves by its own gradient times lr, the bias as much as the weights.',
                'for p in (weights, bias): p -= p.grad * lr; then zero p.grad',
            ),
        ),
    ),
    wrong=(
        Wrong(
            'model-still-log-softmax',
            (
                'keeps log_softmax in the model: the loss is unchanged (log_softmax is idempotent) but the model '
                'no longer returns logits'
            ),
            old='    return xb @ weights + bias\n',
            new='    return F.log_softmax(xb @ weights + bias, dim=-1)\n',
            catches='rule.no-hand-written-log-softmax-nll', says='your model still applies log_softmax',
        ),
        Wrong(
            'model-softmax',
            'returns probabilities (softmax) instead of the raw logits that F.cross_entropy expects',
            old='    return xb @ weights + bias\n',
            new='    return F.softmax(xb @ weights + bias, dim=-1)\n',
            catches='model-logits',
        ),
        Wrong(
            'hand-written-loss',
            'keeps the hand-written nll(log_softmax(x)) behind the name loss_func',
            old='loss_func = F.cross_entropy\n',
            new='def loss_func(input, target):\n    logp = input - input.exp().sum(-1).log().unsqueeze(-1)\n    return -logp[range(target.shape[0]), target].mean()\n',
            catches='stable-loss',
        ),
        Wrong(
            'loss-sum',
            'asks cross_entropy for the sum over the batch, not the mean',
            old='loss_func = F.cross_entropy\n',
            new="def loss_func(input, target):\n    return F.cross_entropy(input, target, reduction='sum')\n",
            catches='loss',
        ),
        Wrong(
            'bias-without-lr',
            'applies the learning rate to the weights only',
            old='bias -= bias.grad * lr',
            new='bias -= bias.grad',
            catches='fit', says='the step itself differs',
        ),
    ),
    train=Train("functional"),
    todos={
        "loss_func": (
            "torch.nn.functional's cross-entropy does log_softmax and nll in one call: make "
            "loss_func that function."
        ),
        "model": Todo(
            "return the raw scores (logits): the loss applies log_softmax itself now.",
            doc=(
                "The logistic model, now returning raw scores (logits): no log_softmax any more.\n"
                "\n"
                "(bs, 784) @ (784, 10) + (10,) -> (bs, 10)."
            ),
        ),
    },
    stub_defs={
        'loss_func': (
            "\ndef loss_func(input, target):\n"
            '    """Cross entropy of raw logits: nll(log_softmax(input), target), without the overflow.\n\n'
            "    loss = -(1/bs) * sum_i log_softmax(input)[i, target[i]]\n\n"
            "    input: (bs, 10) logits, target: (bs,) int64 -> a scalar.\n"
            '    """\n'
        )
    },
    stub_doc=(
        "Step 01 · functional: F.cross_entropy replaces log_softmax + nll.\n"
        "\n"
        "log_softmax followed by nll is one common operation, and torch.nn.functional has it as one\n"
        "function: the cross-entropy of raw scores. It takes the logits themselves and computes the\n"
        "log-probabilities inside, in a way that does not overflow for large scores. So the hand-written\n"
        "log_softmax and nll go, loss_func becomes that library function, and the model stops applying\n"
        "log_softmax: it returns raw scores, and the loss does the rest. fit is step 00's."
    ),
)
