"""step09_cnn: A CNN through the same fit.

The whole step in one place: what it replaces, its names, source rules, checks (judges.py, by id),
wrong versions, train family and stub.
"""

from kata.steps import static
from kata.steps.declare import Check, Step, Todo, Train, Wrong

STEP = Step(
    'step09',
    'step09_cnn',
    'A CNN through the same fit',
    replaces='the logistic model',
    replaced_by="the tutorial's CNN (three nn.Conv2d, F.relu, F.avg_pool2d), SGD with momentum, fit unchanged",
    section='“What is torch.nn really?”: Switch to CNN',
    names=("loss_func", "Mnist_CNN", "get_model", "loss_batch", "get_data", "fit"),
    rules=(
        static.uses("Conv2d", "the CNN's layers are nn.Conv2d."),
        static.model_agnostic("fit", "loss_batch"),
    ),
    checks=(
        Check(
            'momentum-sgd',
            'get_model(lr) returns (Mnist_CNN(), SGD over all its parameters with that lr and momentum 0.9)',
            stage='structure',
            uses=('get_model',),
            hints=(
                (
                    "The tutorial's CNN trains with momentum: the optimizer keeps a running direction, not just this "
                    "batch's gradient."
                ),
                'torch.optim.SGD takes momentum= next to lr=; get_model returns the model and the optimizer.',
                "model = Mnist_CNN(); return model, optim.SGD(<its parameters>, lr=lr, momentum=<the tutorial's>)",
            ),
        ),
        Check(
            'tutorial-cnn',
            (
                "Mnist_CNN is the tutorial's CNN: conv1..conv3 (3×3, stride 2, padding 1; 1→16→16→10 channels), "
                'ReLU after each, then the mean of each 4×4 map'
            ),
            stage='forward',
            uses=('Mnist_CNN',),
            hints=(
                (
                    'A 3x3 convolution with stride 2 and padding 1 halves each side, rounding up: 28 -> 14 -> 7 -> 4. '
                    'So conv3 leaves (bs, 10, 4, 4), and a 4x4 average pool leaves one number per channel.'
                ),
                (
                    'nn.Conv2d(in, out, kernel_size=3, stride=2, padding=1); F.relu after every convolution, the last '
                    'one included; F.avg_pool2d(xb, 4) averages each 4x4 map.'
                ),
                (
                    'forward: view to (bs, 1, 28, 28); relu(conv1), relu(conv2), relu(conv3); avg_pool2d(…, 4); then '
                    '(bs, 10)'
                ),
            ),
        ),
        Check(
            'batch-kept',
            'Mnist_CNN()(xb) has shape (N, 10) for every batch size N, 1 included',
            stage='forward',
            uses=('Mnist_CNN',),
            hints=(
                (
                    'Keep dimension 0 the batch from the first line of forward to the last: one row of scores per '
                    'image, even when there is only one image.'
                ),
                (
                    'torch.flatten(xb) and view(-1) merge the batch away, and squeeze() drops it when there is one '
                    'image.'
                ),
                'end forward with a reshape that keeps dimension 0: xb.view(xb.size(0), -1)',
            ),
        ),
        Check(
            'images-independent',
            ("row i of Mnist_CNN()(xb) depends on image i alone: it equals the model's output for image i on its own"),
            stage='forward',
            uses=('Mnist_CNN',),
            hints=(
                (
                    'Each image goes through the network on its own: nothing in forward may use the other images of '
                    'the batch (a mean or a standard deviation over the batch, say).'
                ),
                'Statistics such as xb.mean() or xb.std() without a dim run over the whole batch.',
                'forward only reshapes, convolves, applies relu and pools: drop any step that mixes the images',
            ),
        ),
        Check(
            'fit-unchanged',
            (
                "loss_batch and fit are step08's: with step08's logistic model they train it as step08's fit does, "
                'validation losses included'
            ),
            stage='update',
            equivalence=True,
            uses=('fit',),
            hints=(
                (
                    'loss_batch, get_data and fit stay as step08 left them: they train any model they are given. Only '
                    'the model and get_model change.'
                ),
                (
                    'fit hands each batch to loss_batch exactly as the loader gives it; the model does its own '
                    'reshaping.'
                ),
                "restore step08's loss_batch and fit; put any reshape for the CNN inside Mnist_CNN.forward",
            ),
        ),
    ),
    wrong=(
        Wrong(
            'flatten-batch',
            'ends with torch.flatten(xb): the scores of the whole batch in one vector',
            old='        return xb.view(-1, xb.size(1))  # -> (bs, 10)',
            new='        return torch.flatten(xb)  # -> (bs, 10)',
            catches='batch-kept',
        ),
        Wrong(
            'squeeze',
            'ends with squeeze(): right for a batch, but one image comes out as (10,)',
            old='        return xb.view(-1, xb.size(1))  # -> (bs, 10)',
            new='        return xb.squeeze()  # -> (bs, 10)',
            catches='batch-kept',
        ),
        Wrong(
            'batch-standardised',
            (
                "standardises the pixels with the mean and std of the whole batch, so each image's scores depend "
                'on the other images'
            ),
            old='        xb = xb.view(-1, 1, 28, 28)  #',
            new='        xb = ((xb - xb.mean()) / xb.std()).view(-1, 1, 28, 28)  #',
            catches='images-independent',
        ),
        Wrong(
            'max-pool',
            'pools with the maximum of each 4×4 map instead of the average',
            old='xb = F.avg_pool2d(xb, 4)  #',
            new='xb = F.max_pool2d(xb, 4)  #',
            catches='tutorial-cnn',
        ),
        Wrong(
            'no-relu-after-conv3',
            'leaves out the ReLU after the last convolution, as if it gave the logits',
            old='        xb = F.relu(self.conv3(xb))',
            new='        xb = self.conv3(xb)',
            catches='tutorial-cnn',
        ),
        Wrong(
            'no-momentum',
            "keeps step08's plain SGD: no momentum",
            old='optim.SGD(model.parameters(), lr=lr, momentum=0.9)',
            new='optim.SGD(model.parameters(), lr=lr)',
            catches='momentum-sgd',
        ),
        Wrong(
            'reshape-in-fit',
            'reshapes the batches inside fit for the CNN: fit no longer trains any other model',
            old='            loss_batch(model, loss_func, xb, yb, opt)',
            new='            loss_batch(model, loss_func, xb.view(-1, 1, 28, 28), yb, opt)',
            catches='fit-unchanged',
        ),
    ),
    train=Train("validation", epochs=5),
    todos={
        "Mnist_CNN": {
            "__init__": Todo(
                (
                    "three convolution layers conv1, conv2, conv3, as in the plan above: 3x3 kernels, stride 2, "
                    "padding 1; 1 -> 16 -> 16 -> 10 channels."
                ),
                lines=(
                    "self.conv1 = nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1)\n"
                    "self.conv2 = nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1)\n"
                    "self.conv3 = nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1)"
                ),
            ),
            "forward": (
                "the plan above, line by line: one-channel 28x28 images, each convolution followed "
                "by ReLU, the average of each 4x4 map, then one row of 10 scores per image."
            ),
        },
        "get_model": Todo(
            "SGD over the model's parameters as before, now with momentum 0.9.",
            lines="return model, optim.SGD(model.parameters(), lr=lr, momentum=0.9)",
        ),
    },
    stub_doc=(
        "Step 09 · cnn: a convolutional network, trained by the same fit.\n"
        "\n"
        "Nothing in loss_batch, get_data or fit depends on the model: they train whatever module they\n"
        "are given. This step swaps the logistic model for the tutorial's CNN and leaves them as they\n"
        "are. Three convolutions, each 3x3 with stride 2 and padding 1, so each halves the image's\n"
        "sides (rounding up): 28 -> 14 -> 7 -> 4.\n"
        "\n"
        "    xb (bs, 784) -> one channel per image                       (bs, 1, 28, 28)\n"
        "      -> conv1:  1 -> 16 channels, ReLU                         (bs, 16, 14, 14)\n"
        "      -> conv2: 16 -> 16 channels, ReLU                         (bs, 16, 7, 7)\n"
        "      -> conv3: 16 -> 10 channels, ReLU                         (bs, 10, 4, 4)\n"
        "      -> the average of each 4x4 map                            (bs, 10, 1, 1)\n"
        "      -> one score per class                                    (bs, 10)\n"
        "\n"
        "Each image goes through on its own: row i of the output depends on image i alone, for any\n"
        "batch size, 1 included. The optimizer becomes SGD with momentum 0.9: each step follows a\n"
        "running sum of the gradients, v = 0.9 * v + grad, p -= lr * v, which trains the CNN much\n"
        "faster than plain SGD would. On the full MNIST set the CNN passes the logistic model within\n"
        "5 epochs; on the shipped 4,000-digit sample (63 updates an epoch, not 782) it starts slowly\n"
        "and needs about 15 epochs to catch up: --train --epochs 15 shows it."
    ),
    preload=("torch._dynamo",),  # its code builds optimizers
)
