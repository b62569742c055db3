"""The source rules pass on the right code and fail on the hand-written part, naming the line."""
import ast

from kata.steps import guards, static


def problems(rule, source):
    return rule.find(ast.parse(source))


def lines(rule, source):
    return sorted(line for line, _ in problems(rule, source))


def test_rule_ids_are_made_from_their_names():
    """Results, catalogues and state key on "stepNN.rule.<id>": the id must not depend on the wording's case."""
    assert static.uses("SGD", "why").id == "uses-sgd"
    assert static.no_parameter_update_by_hand("fit").id == "fit-updates-no-parameter-by-hand"
    assert static.defines_none("log_softmax", "nll").id == "no-hand-written-log-softmax-nll"


def test_pending_names_finds_stubbed_functions_and_classes():
    tree = ast.parse(
        "def done():\n    return 1\n"
        "def todo():\n    '''doc'''\n    raise NotImplementedError('step01: todo')\n"
        "class Model:\n    def forward(self):\n        raise NotImplementedError\n"
        "def nested():\n    if x:\n        raise NotImplementedError\n"
        "def also_done():\n    raise ValueError('not a stub')\n")
    assert static.pending_names(tree) == {"todo", "Model", "nested"}


def test_a_todo_inside_a_kept_loop_is_still_pending():
    """A stub keeps the previous step's batch loop and raises inside it, where the lesson's lines were."""
    tree = ast.parse(
        "def fit(model, opt, xs, epochs=2):\n"
        "    for epoch in range(epochs):\n"
        "        for xb in xs:\n"
        "            model(xb).sum().backward()\n"
        "            with no_grad():\n"
        "                # TODO(step04): let the optimizer update the parameters\n"
        "                raise NotImplementedError('step04_optim: fit')\n"
        "class Model:\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        if True:\n"
        "            raise NotImplementedError('step03_linear: Model.__init__')\n"
        "        self.b = 1\n")
    assert static.pending_names(tree) == {"fit", "Model"}
    done = ast.parse("def fit(model, xs):\n    for xb in xs:\n        model(xb)\n")
    assert static.pending_names(done) == set()


def test_uses_accepts_call_attribute_or_import():
    rule = static.uses("cross_entropy", "the loss")
    assert not problems(rule, "import torch.nn.functional as F\nloss_func = F.cross_entropy\n")
    assert not problems(rule, "from torch.nn.functional import cross_entropy\n")
    assert problems(rule, "def loss_func(x, y):\n    return nll(log_softmax(x), y)\n")


def test_defines_none_names_the_line():
    rule = static.defines_none("log_softmax", "nll")
    assert lines(rule, "x = 1\n\ndef nll(a, b):\n    pass\n") == [3]
    assert not problems(rule, "loss_func = F.cross_entropy\n")


def test_no_parameter_update_by_hand():
    rule = static.no_parameter_update_by_hand("fit")
    assert not problems(rule, "def fit(model, opt):\n    opt.step()\n    opt.zero_grad()\n")
    assert lines(rule, "def fit(model, lr):\n    for p in model.parameters():\n        p -= p.grad * lr\n"
                       "        p.grad.zero_()\n") == [3, 4]


def test_no_update_by_name():
    rule = static.no_update_by_name("fit", "weights", "bias")
    assert not problems(rule, "def fit(model, lr):\n    for p in model.parameters():\n        p -= p.grad * lr\n")
    assert lines(rule, "def fit(model, lr):\n    model.weights -= model.weights.grad * lr\n"
                       "    model.bias.grad.zero_()\n") == [2, 3]


def test_no_batch_index_arithmetic():
    rule = static.no_batch_index_arithmetic("fit")
    assert not problems(rule, "def fit(model, opt, dl, epochs):\n    for xb, yb in dl:\n        pass\n")
    assert lines(rule, "def fit(m, o, ds, bs):\n    for i in range((len(ds) - 1) // bs + 1):\n"
                       "        xb, yb = ds[i * bs: i * bs + bs]\n") == [2, 3]


def test_no_matmul_and_avoids():
    assert problems(static.no_matmul("forward"), "def forward(self, xb):\n    return xb @ self.w\n")
    assert not problems(static.no_matmul("forward"), "def forward(self, xb):\n    return self.lin(xb)\n")
    assert problems(static.avoids("tensors", "why"), "x = ds.tensors[0]\n")
    assert not problems(static.avoids("tensors", "why"), "x, y = ds[0:10]\n")


def test_no_reference_import():
    rule = guards.no_reference_import()
    assert problems(rule, "from solutions.step03_linear import fit\n")
    assert problems(rule, "import solutions\n")
    assert problems(rule, "import importlib\nm = importlib.import_module('solutions.step03_linear')\n")
    assert not problems(rule, "from torch import nn\n")


def test_reading_the_reference_is_caught_but_docstrings_may_mention_it():
    rule = guards.no_reference_import()
    assert problems(rule, "text = open('../solutions/step04_optim.py').read()\n")
    assert problems(rule, "from pathlib import Path\np = Path(__file__).parent.parent / 'solutions'\n")
    assert not problems(rule, '"""Run it: python -m solutions.step04_optim"""\n')
    assert not problems(rule, "def f():\n    '''see solutions/step04'''\n")


def test_reaching_into_the_grader_is_caught():
    rule = guards.no_grader_tampering()
    assert problems(rule, "import kata.judging.compare\nkata.compare.assert_same = lambda *a, **k: None\n")
    assert problems(rule, "from kata import runner\n")
    assert problems(rule, "from kata.grading import runner\n")
    assert problems(rule, "import sys\nsys.modules['kata.judging.compare'] = None\n")
    assert problems(rule, "import builtins\n")
    assert problems(rule, "import hypothesis\n")
    assert not problems(rule, "def main():\n    from kata.data import load_mnist\n")
    assert not problems(rule, "from kata import data\n")  # that is kata.data
    assert not problems(rule, "import torch\nfrom torch import nn\n")


# --- steps 07-12 ---

def test_model_agnostic_flags_reshaping_and_models_in_fit_only():
    rule = static.model_agnostic("fit", "loss_batch")
    assert not problems(rule, "def fit(epochs, model, loss_func, opt, train_dl, valid_dl):\n"
                              "    for xb, yb in train_dl:\n        loss_batch(model, loss_func, xb, yb, opt)\n"
                              "def preprocess(x, y):\n    return x.view(-1, 1, 28, 28), y\n")
    assert lines(rule, "def loss_batch(model, loss_func, xb, yb, opt=None):\n"
                       "    return loss_func(model(xb.view(-1, 1, 28, 28)), yb)\n"
                       "def fit(epochs, model, loss_func, opt, train_dl, valid_dl):\n    model = Mnist_CNN()\n") == [2, 4]


def test_no_method_call_leaves_torch_cuda_is_available_alone():
    rule = static.no_method_call("cuda", "why")
    assert not problems(rule, "dev = torch.device('cuda') if torch.cuda.is_available() else torch.device('cpu')\n")
    assert lines(rule, "x = 1\nmodel.cuda()\n") == [2]


# --- steps 13-15 ---

def test_step12_rules():
    flattens = static.uses_one_of(("Flatten", "flatten"), "why")
    assert not problems(flattens, "def forward(self, x):\n    return torch.flatten(x, 1)\n")
    assert not problems(flattens, "from torch.nn import Flatten\n")
    assert problems(flattens, "def forward(self, x):\n    return x.view(-1, 400)\n")
    gone = static.gone("num_flat_features", "why")
    assert lines(gone, "class A:\n    def forward(self, x):\n        return x.view(-1, self.num_flat_features(x))\n"
                       "    def num_flat_features(self, x):\n        return 1\n") == [3, 4]
    no_view = static.no_call_in("forward", ("view", "reshape"), "name", "why")
    two_classes = ("class A:\n    def forward(self, x):\n        return self.flatten(x)\n"
                   "class B:\n    def forward(self, x):\n        return x.view(-1, 6272)\n")
    assert lines(no_view, two_classes) == [6]  # every forward, not only the first


def test_step13_rules():
    rule = static.calls_modules_not_forward("hooks_run")
    assert not problems(rule, "def f(model, x):\n    return model(x)\n")
    assert not problems(rule, "class A:\n    def forward(self, x):\n        return super().forward(x)\n")
    assert not problems(rule, "def hooks_run(model, x):\n    model.forward(x)\n")
    found = problems(rule, "def inspect(model, x):\n    return model.forward(x)\n")
    assert found and found[0][0] == 2 and "skips every hook registered on `model`" in found[0][1]
    no_print = static.no_call_in("forward", ("print",), "name", "why")
    assert problems(no_print, "class A:\n    def forward(self, x):\n        print(x.shape)\n        return x\n")
    assert not problems(no_print, "def main():\n    print('fine outside forward')\n")
