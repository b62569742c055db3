"""step12_device: Device-agnostic code: torch.device.

The whole step in one place: what it replaces, its names, source rules, checks (judges.py, by id),
wrong versions, train family and stub.
"""

from kata.steps import static
from kata.steps.declare import Check, Step, Todo, Train, Wrong

STEP = Step(
    'step12',
    'step12_device',
    'Device-agnostic code: torch.device',
    replaces='CPU-only code',
    replaced_by='torch.device, get_device(), model.to(dev), batches moved to dev in preprocess',
    section='“What is torch.nn really?”: Using your GPU',
    names=(
        "loss_func",
        "Lambda",
        "get_device",
        "preprocess",
        "WrappedDataLoader",
        "get_model",
        "loss_batch",
        "get_data",
        "fit",
    ),
    rules=(
        static.uses("device", "the code names its device with torch.device."),
        static.no_method_call(
            "cuda", "hard-codes the GPU, so the code fails where there is none; .to(dev) works on both."
        ),
        static.model_agnostic("fit", "loss_batch"),
    ),
    checks=(
        Check(
            'get-device',
            "get_device() is torch.device('cuda') when torch.cuda.is_available(), else torch.device('cpu')",
            stage='structure',
            uses=('get_device',),
            hints=(
                (
                    'torch.cuda.is_available() says whether there is a GPU; torch.device("cuda") and '
                    'torch.device("cpu") name the two places a tensor can live.'
                ),
                ('Ask torch.cuda.is_available() inside get_device, each time it is called, and return a torch.device.'),
                'return torch.device(<"cuda" if there is a GPU, else "cpu">)',
            ),
        ),
        Check(
            'preprocess',
            "preprocess(x, y, dev) gives step11's (bs, 1, 28, 28) images and targets, both moved to dev",
            stage='structure',
            equivalence=True,
            uses=('preprocess',),
            hints=(
                (
                    "Everything an operation uses must be on one device: the model's parameters (model.to(dev) moves "
                    'them all, in place) and every batch, x and y both (x.to(dev) returns a moved copy: keep what it '
                    'returns).'
                ),
                (
                    'Use the dev the function is given, not a device picked inside it: the caller decides where things '
                    'go.'
                ),
                'return x.view(-1, 1, 28, 28).to(<dev>), <y moved too>',
            ),
        ),
        Check(
            'model-on-device',
            ('get_model(lr, dev) puts every parameter on dev, and opt is SGD over them with that lr and momentum 0.9'),
            stage='structure',
            uses=('get_model',),
            hints=(
                (
                    "The model's parameters must live where the batches will: on dev. A model built on the CPU stays "
                    'there until it is moved, and the optimizer must be built over the moved parameters.'
                ),
                'model.to(dev) moves every parameter in place; model.cuda() works only where there is a GPU.',
                'model.to(dev) right after building the model, before optim.SGD(model.parameters(), ...)',
            ),
        ),
        Check(
            'cpu-fit',
            (
                "on the CPU (dev = torch.device('cpu')), fit from step11's weights ≈ step11's fit, validation "
                'losses included'
            ),
            stage='update',
            equivalence=True,
            uses=('get_model', 'preprocess'),
            hints=(
                "Only where tensors live changes: on the CPU the numbers are exactly step11's.",
                (
                    "get_model(lr, dev) moves the model before building the optimizer; the loaders' preprocess moves "
                    "each batch to the same dev; fit and loss_batch stay step11's."
                ),
                'def on_dev(x, y): return preprocess(x, y, dev); WrappedDataLoader(dl, on_dev) for both loaders',
            ),
        ),
        Check(
            'gpu-fit',
            "on a GPU (dev = torch.device('cuda')), fit ≈ step11's fit on the CPU, up to floating-point rounding",
            stage='update',
            equivalence=True,
            device='cuda',
            uses=('get_model', 'preprocess'),
            hints=(
                (
                    "On a GPU the same float64 arithmetic runs elsewhere: the results agree with the CPU's up to "
                    'rounding.'
                ),
                (
                    'Every tensor the model meets must be on the GPU: the parameters (model.to(dev)) and both x and y '
                    'of every batch, training and validation.'
                ),
                'get_model(lr, dev) moves the model; preprocess(x, y, dev) returns x and y moved with .to(dev)',
            ),
        ),
    ),
    wrong=(
        Wrong(
            'momentum-halved',
            'moves the model to dev but builds SGD with momentum 0.5: placed right, trained differently',
            old='    return model, optim.SGD(model.parameters(), lr=lr, momentum=0.9)',
            new='    return model, optim.SGD(model.parameters(), lr=lr, momentum=0.5)',
            catches='cpu-fit', says='momentum buffers part at update',
        ),
        Wrong(
            'targets-left-behind',
            'moves the images to dev but not the targets',
            old='    return x.view(-1, 1, 28, 28).to(dev), y.to(dev)',
            new='    return x.view(-1, 1, 28, 28).to(dev), y',
            catches='preprocess',
        ),
        Wrong(
            'model-not-moved',
            'forgets model.to(dev): the parameters stay on the CPU',
            old='    model.to(dev)  # every parameter moves; then the optimizer is built over them\n',
            new='',
            catches='model-on-device',
        ),
        Wrong(
            'cuda-hard-coded',
            'calls model.cuda() instead of model.to(dev): fails on a machine without a GPU',
            old='    model.to(dev)  #',
            new='    model.cuda()  #',
            catches='model-on-device',
        ),
        Wrong(
            'always-cuda',
            "returns torch.device('cuda') without asking whether there is a GPU",
            old='    return torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu")',
            new='    return torch.device("cuda")',
            catches='get-device',
        ),
        Wrong(
            'preprocess-ignores-dev',
            "moves the batch to get_device(), the tutorial's global, not to its dev",
            old='    return x.view(-1, 1, 28, 28).to(dev), y.to(dev)',
            new='    return x.view(-1, 1, 28, 28).to(get_device()), y.to(get_device())',
            catches='preprocess',
        ),
    ),
    train=Train("validation", epochs=5),
    todos={
        "get_device": Todo(
            "the GPU when torch.cuda says one is available, else the CPU, as a torch.device.",
            doc="The device to train on, a torch.device: the GPU when there is one, else the CPU.",
        ),
        "preprocess": "step 11's reshape, with x and y both moved to dev.",
        "get_model": Todo(
            "put the model's parameters on dev, before the optimizer is built over them.",
            lines="model.to(dev)",
        ),
    },
    stub_doc=(
        "Step 12 · device: the same code on a GPU when there is one, on the CPU otherwise.\n"
        "\n"
        "A tensor lives on a device (x.device), and an operation needs all its tensors on the same one.\n"
        'torch.device names a device, "cuda" the GPU and "cpu" the CPU; a tensor\'s .to(dev) returns it\n'
        "moved there, and a module's .to(dev) moves every parameter of it in place. So:\n"
        "\n"
        "- get_device() picks the device once: the GPU when torch says one is available, else the CPU;\n"
        "- get_model(lr, dev) puts the model's parameters on dev before the optimizer is built over\n"
        "  them (an optimizer keeps the very tensors it was given);\n"
        "- preprocess(x, y, dev) moves every batch to dev as the wrapped loader hands it out (the data\n"
        "  set itself stays where it is, in ordinary memory); the loader gets a preprocess with dev\n"
        "  filled in (see main).\n"
        "\n"
        "Nothing else changes: loss_batch's loss.item() brings each loss back to the CPU as a float.\n"
        "On the CPU the results are step 11's; on a GPU they agree up to floating-point rounding."
    ),
    preload=("torch._dynamo",),  # its code builds optimizers
)
