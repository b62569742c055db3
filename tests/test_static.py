"""The source rules pass on the right code and fail on the hand-written part, naming the line."""
import ast

from kata.steps import static


def problems(rule, source):
    return rule.find(ast.parse(source))


def test_pending_names_finds_stubbed_functions_and_classes():
    tree = ast.parse(
        "def done():\n    return 1\n"
        "def todo():\n    '''doc'''\n    raise NotImplementedError('step01: todo')\n"
        "class Model:\n    def forward(self):\n        raise NotImplementedError\n"
        "def nested():\n    if x:\n        raise NotImplementedError\n")
    assert static.pending_names(tree) == {"todo", "Model"}


def test_uses_accepts_call_attribute_or_import():
    rule = static.uses("cross_entropy", "the loss")
    assert not problems(rule, "import torch.nn.functional as F\nloss_func = F.cross_entropy\n")
    assert not problems(rule, "from torch.nn.functional import cross_entropy\n")
    assert problems(rule, "def loss_func(x, y):\n    return nll(log_softmax(x), y)\n")


def test_defines_none_names_the_line():
    rule = static.defines_none("log_softmax", "nll")
    assert problems(rule, "x = 1\n\ndef nll(a, b):\n    pass\n") == [(3, problems(rule, "def nll(): pass")[0][1])]
    assert not problems(rule, "loss_func = F.cross_entropy\n")


def test_no_parameter_update_by_hand():
    rule = static.no_parameter_update_by_hand("fit")
    assert not problems(rule, "def fit(model, opt):\n    opt.step()\n    opt.zero_grad()\n")
    found = problems(rule, "def fit(model, lr):\n    for p in model.parameters():\n        p -= p.grad * lr\n"
                           "        p.grad.zero_()\n")
    assert [line for line, _ in found] == [3, 4]


def test_no_update_by_name():
    rule = static.no_update_by_name("fit", "weights", "bias")
    assert not problems(rule, "def fit(model, lr):\n    for p in model.parameters():\n        p -= p.grad * lr\n")
    assert len(problems(rule, "def fit(model, lr):\n    model.weights -= model.weights.grad * lr\n"
                              "    model.bias.grad.zero_()\n")) == 2


def test_no_batch_index_arithmetic():
    rule = static.no_batch_index_arithmetic("fit")
    assert not problems(rule, "def fit(model, opt, dl, epochs):\n    for xb, yb in dl:\n        pass\n")
    assert len(problems(rule, "def fit(m, o, ds, bs):\n    for i in range((len(ds) - 1) // bs + 1):\n"
                              "        xb, yb = ds[i * bs: i * bs + bs]\n")) == 2


def test_no_matmul_and_avoids():
    assert problems(static.no_matmul("forward"), "def forward(self, xb):\n    return xb @ self.w\n")
    assert not problems(static.no_matmul("forward"), "def forward(self, xb):\n    return self.lin(xb)\n")
    assert problems(static.avoids("tensors", "why"), "x = ds.tensors[0]\n")


def test_no_reference_import():
    rule = static.no_reference_import()
    assert problems(rule, "from solutions.step03_linear import fit\n")
    assert problems(rule, "import solutions\n")
    assert problems(rule, "import importlib\nm = importlib.import_module('solutions.step03_linear')\n")
    assert not problems(rule, "from torch import nn\n")


def test_reading_the_reference_is_caught_but_docstrings_may_mention_it():
    rule = static.no_reference_import()
    assert problems(rule, "text = open('../solutions/step04_optim.py').read()\n")
    assert problems(rule, "from pathlib import Path\np = Path(__file__).parent.parent / 'solutions'\n")
    assert not problems(rule, '"""Run it: python -m solutions.step04_optim"""\n')
    assert not problems(rule, "def f():\n    '''see solutions/step04'''\n")


def test_reaching_into_the_grader_is_caught():
    rule = static.no_grader_tampering()
    assert problems(rule, "import kata.engine.compare\nkata.compare.assert_same = lambda *a, **k: None\n")
    assert problems(rule, "from kata import runner\n")
    assert problems(rule, "import sys\nsys.modules['kata.engine.compare'] = None\n")
    assert problems(rule, "import builtins\n")
    assert not problems(rule, "def main():\n    from kata.data import load_mnist\n")
    assert not problems(rule, "from kata import data\n")  # that is kata.data
    assert not problems(rule, "import torch\nfrom torch import nn\n")
