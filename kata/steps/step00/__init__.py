"""step00_scratch: An MNIST classifier from scratch.

The whole step in one place: what it replaces, its names, source rules, checks (judges.py, by id),
wrong versions, train family and stub.
"""


from kata.steps import advisories
from kata.steps.declare import Check, Step, Todo, Train, Wrong

STEP = Step(
    'step00',
    'step00_scratch',
    'An MNIST classifier from scratch',
    replaces='nothing yet',
    replaced_by='plain tensor operations',
    section='“What is torch.nn really?”: Neural net from scratch (no torch.nn)',
    names=("log_softmax", "nll", "accuracy", "init_weights", "model", "fit"),
    advisories=(advisories.last_batch_loss,),
    checks=(
        Check(
            'log-softmax',
            'log_softmax(x) ≈ F.log_softmax(x, dim=-1)',
            stage='forward',
            uses=('log_softmax',),
            hints=(
                (
                    "log_softmax normalises each row on its own: every row of the result is that row's scores minus "
                    "the log of that row's total of exponentials."
                ),
                (
                    "Sum each row's exponentials over the last dimension and keep that dimension, so the totals "
                    "are a column (bs, 1): a total of shape (bs,) broadcasts across rows instead, (bs, 10) - (bs,), "
                    "and is silently wrong exactly when bs is 10."
                ),
                "return x - x.exp().sum(-1, keepdim=True).log()   # (bs, 10) - (bs, 1) -> (bs, 10)",
            ),
        ),
        Check(
            'nll',
            'nll(log_probs, target) ≈ F.nll_loss',
            stage='loss',
            uses=('nll',),
            hints=(
                (
                    "nll picks one entry per row, the log-probability of that row's target, then takes the mean and "
                    'negates it.'
                ),
                (
                    'input[range(n), target] picks input[row, target[row]] for every row; input[:, target] picks a '
                    '(bs, bs) block instead.'
                ),
                'return -<input at (each row, its target)>.mean()',
            ),
        ),
        Check(
            'accuracy',
            'accuracy(out, yb) = the fraction of rows whose argmax is the target',
            stage='loss',
            uses=('accuracy',),
            hints=(
                (
                    "A row is right when its largest score sits at the target's index; accuracy is the share of right "
                    'rows.'
                ),
                (
                    "out.argmax(dim=1) gives each row's predicted class; comparing with yb gives booleans, and "
                    '.float().mean() their share.'
                ),
                "return (<each row's argmax> == yb).float().mean()",
            ),
        ),
        Check(
            'init-weights',
            'init_weights() gives leaf weights randn(784, 10) / sqrt(784) and zero bias',
            stage='structure',
            uses=('init_weights',),
            hints=(
                (
                    'The weights must be a leaf of the graph that requires grad, or backward() leaves their .grad None '
                    'and nothing is ever updated.'
                ),
                (
                    'A tensor computed from one that requires grad (randn(...).requires_grad_() / sqrt(784)) is not a '
                    'leaf; scale first, then call requires_grad_() on the result.'
                ),
                (
                    'weights = (torch.randn(784, 10) / math.sqrt(784)).requires_grad_(); bias = torch.zeros(10, '
                    'requires_grad=True)'
                ),
            ),
        ),
        Check(
            'model',
            'model(xb, weights, bias) ≈ F.log_softmax(xb @ weights + bias)',
            stage='forward',
            uses=('model',),
            hints=(
                'The model is log_softmax of the linear map: check log_softmax first, then the shapes.',
                (
                    'xb is (bs, 784) and weights (784, 10): xb @ weights is (bs, 10), and the (10,) bias broadcasts '
                    'over the rows.'
                ),
                'return log_softmax(<xb times weights, plus bias>)',
            ),
        ),
        Check(
            'gradients',
            'loss and gradients of nll(model(xb), yb) ≈ those of F.cross_entropy',
            stage='gradients',
            uses=('model', 'nll'),
            hints=(
                'The gradients follow from the loss: when log_softmax, nll or model fail too, fix those first.',
                (
                    'backward() reaches weights and bias only through torch operations on them: no .detach(), no '
                    '.data, no .item() between the parameters and the loss.'
                ),
                'loss = nll(model(xb, weights, bias), yb), built from torch operations end to end',
            ),
        ),
        Check(
            'fit',
            "fit(...) leaves weights and bias ≈ mini-batch SGD with torch's loss",
            stage='update',
            uses=('fit',),
            hints=(
                (
                    'One update per batch: backward, update, zero the gradients, all inside the batch loop, over every '
                    'batch including the last, shorter one.'
                ),
                (
                    'The batch count rounds up, so that the last, shorter batch is used too; and each '
                    "parameter's .grad.zero_() after each update stops gradients piling up."
                ),
                'for each batch: loss.backward(); with torch.no_grad(): p -= p.grad * lr, then p.grad.zero_()',
            ),
        ),
    ),
    wrong=(
        Wrong(
            'log-softmax-no-unsqueeze',
            (
                'subtracts the (bs,) normaliser without unsqueeze: right at bs=1, silently wrong at bs=10, a crash '
                'elsewhere'
            ),
            old='x.exp().sum(-1).log().unsqueeze(-1)',
            new='x.exp().sum(-1).log()',
            catches='log-softmax',
        ),
        Wrong(
            'log-softmax-dim0',
            'normalises over the batch (dim 0) instead of over the classes',
            old='x.exp().sum(-1).log().unsqueeze(-1)',
            new='x.exp().sum(0).log().unsqueeze(0)',
            catches='log-softmax',
        ),
        Wrong(
            'nll-sum',
            'sums the log-likelihoods instead of averaging them',
            old='-input[range(target.shape[0]), target].mean()',
            new='-input[range(target.shape[0]), target].sum()',
            catches='nll',
        ),
        Wrong(
            'nll-column-block',
            'indexes input[:, target], a (bs, bs) block, instead of one entry per row',
            old='-input[range(target.shape[0]), target].mean()',
            new='-input[:, target].mean()',
            catches='nll',
        ),
        Wrong(
            'init-not-leaf',
            'asks for gradients before scaling, so the weights are not a leaf',
            old='weights = torch.randn(n_in, n_out) / math.sqrt(n_in)  # (784, 10)\n    weights.requires_grad_()',
            new='weights = torch.randn(n_in, n_out, requires_grad=True) / math.sqrt(n_in)  # (784, 10)',
            catches='init-weights',
        ),
        Wrong(
            'update-after-loop',
            ("the seed notebook's indentation slip: backward and the update run once per epoch, after the batch loop"),
            old='            loss.backward()\n            # the update itself must not be recorded in the graph\n            with torch.no_grad():\n                weights -= weights.grad * lr\n                bias -= bias.grad * lr\n                weights.grad.zero_()\n                bias.grad.zero_()',
            new='        loss.backward()\n        with torch.no_grad():\n            weights -= weights.grad * lr\n            bias -= bias.grad * lr\n            weights.grad.zero_()\n            bias.grad.zero_()',
            catches='fit', says='one loss.backward() per batch',
        ),
        Wrong(
            'drop-last-batch',
            'counts n // bs batches, dropping the last, shorter one',
            old='range((n - 1) // bs + 1)',
            new='range(n // bs)',
            catches='fit', says='backward passes where the reference ran',
        ),
        Wrong(
            'grads-not-zeroed',
            'never zeroes the gradients, so they pile up across batches',
            old='                weights.grad.zero_()\n                bias.grad.zero_()\n',
            new='',
            catches='fit', says='not zeroed after each update',
        ),
    ),
    train=Train("functional"),
    todos={
        "log_softmax": (
            "from each row, subtract the log of the sum of that row's exponentials; keep the "
            "summed dimension so that it broadcasts along the row."
        ),
        "nll": (
            "for every row, the log-probability of its true class (index rows and columns together); "
            "their mean, negated."
        ),
        "accuracy": (
            "the predicted class of each row is its largest output; the fraction of rows where it "
            "is the true class, as a float."
        ),
        "init_weights": (
            "Xavier weights and zero bias, both leaf tensors that require grad: scale first, "
            "then ask for gradients."
        ),
        "model": "the linear map of the batch, then log_softmax.",
        "fit": Todo(
            (
                "the batch loop: for each epoch and each batch, the loss, its backward, then the update of both "
                "tensors without recording it in the graph, and their gradients zeroed."
            ),
            doc=(
                "Train in place with mini-batch SGD.\n"
                "\n"
                "For each epoch, for each batch i (the last one may be shorter): rows [i*bs, i*bs + bs) of\n"
                "x_train and y_train; the loss (nll) of the model on them, and its gradients by backpropagation;\n"
                "then, outside the graph, each of weights and bias moves by -lr times its gradient, and its\n"
                "gradient goes back to zero.\n"
                "x_train: (n, 784), y_train: (n,). Returns nothing: weights and bias change in place."
            ),
        ),
    },
    stub_doc=(
        "Step 00 · scratch: an MNIST classifier with nothing but tensors.\n"
        "\n"
        "Everything is written by hand, with nothing but tensors: the activation (log_softmax), the\n"
        "loss (negative log likelihood), the accuracy, the weight initialisation, the model and the\n"
        "training loop with its SGD update. Each function's docstring gives its maths. Later steps\n"
        "replace these parts, one at a time, with torch.nn, and prove that the numbers stay the same."
    ),
)
