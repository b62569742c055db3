"""What steps 07-11 claim beyond "the solution passes, the stub is not started, the wrong versions
are caught": step10's model reads other image sizes where step09's cannot, the GPU check skips
with its reason (and its comparison works when pointed at the CPU), the tutorial's own numpy
fit is a fair step07 answer, and the new source rules and cases read right."""
import ast

import pytest
import torch
from conftest import grade, solution_copy
from kata.steps.checks import step11

from kata.authoring import selfcheck
from kata.engine import loading, runner
from kata.engine.compare import Mismatch
from kata.engine.results import PASSED, SKIPPED
from kata.steps import static
from kata.steps import strategies as S


def solution(slug):
    return loading.load(runner.SOLUTIONS / f"{slug}.py")


def test_step10_reads_other_image_sizes_where_step09_cannot():
    step09, step10 = solution("step09_sequential"), solution("step10_wrapped")
    model10, _ = step10.get_model()
    model09, _ = step09.get_model()
    for h, w in ((32, 32), (20, 36)):
        x = torch.rand(2, 1, h, w)  # (bs, 1, H, W)
        assert model10(x).shape == (2, S.N_CLASSES)
        with pytest.raises(RuntimeError):
            model09(x.reshape(2, -1))  # step09 reshapes every row to 28x28 itself


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is present: the check runs instead")
def test_gpu_check_is_skipped_with_its_reason_without_a_gpu():
    result = selfcheck.grade_solution("step11")
    gpu = next(c for c in result.checks if c.name == step11.gpu_fit_matches_cpu.name)
    assert gpu.status == SKIPPED and "torch.cuda.is_available() is False" in gpu.message
    assert result.status == PASSED


def test_gpu_comparison_works_when_pointed_at_the_cpu(submission):
    """The GPU check's comparison, run on the CPU: right code agrees, a changed update is caught."""
    run = S.CNN_RUN_EDGES[0]
    ref = solution("step10_wrapped")
    with runner.float64_default():
        step11.compare_on(solution("step11_device"), ref, run, torch.device("cpu"))
        path = solution_copy("step11", submission, ("lr=lr, momentum=0.9)", "lr=lr, momentum=0.5)"))
        with pytest.raises(Mismatch, match="after fit"):
            step11.compare_on(loading.load(path), ref, run, torch.device("cpu"))


def test_the_tutorials_numpy_fit_is_a_fair_step07_answer(submission):
    path = solution_copy("step07", submission, (
        "val_loss = sum(loss * n for loss, n in zip(batch_losses, sizes)) / sum(sizes)",
        "val_loss = np.sum(np.multiply(batch_losses, sizes)) / np.sum(sizes)"))
    path.write_text("import numpy as np\n" + path.read_text())
    assert grade("step07", submission).status == PASSED


def problems(rule, source):
    return rule.find(ast.parse(source))


def test_model_agnostic_flags_reshaping_and_models_in_fit_only():
    rule = static.model_agnostic("fit", "loss_batch")
    assert not problems(rule, "def fit(epochs, model, loss_func, opt, train_dl, valid_dl):\n"
                              "    for xb, yb in train_dl:\n        loss_batch(model, loss_func, xb, yb, opt)\n"
                              "def preprocess(x, y):\n    return x.view(-1, 1, 28, 28), y\n")
    found = problems(rule, "def loss_batch(model, loss_func, xb, yb, opt=None):\n"
                           "    return loss_func(model(xb.view(-1, 1, 28, 28)), yb)\n"
                           "def fit(epochs, model, loss_func, opt, train_dl, valid_dl):\n    model = Mnist_CNN()\n")
    assert sorted(line for line, _ in found) == [2, 4]


def test_no_method_call_leaves_torch_cuda_is_available_alone():
    rule = static.no_method_call("cuda", "why")
    assert not problems(rule, "dev = torch.device('cuda') if torch.cuda.is_available() else torch.device('cpu')\n")
    assert [line for line, _ in problems(rule, "x = 1\nmodel.cuda()\n")] == [2]


def test_new_cases_read_as_one_line():
    assert str(S.ValidRun(n=5, bs=2, n_valid=7, valid_bs=20, epochs=2)) == (
        "5 training rows, bs=2 (3 batches, the last one of 1); 7 validation rows in batches of 20 "
        "(1 batch of 7); 2 epochs, lr=0.5, seed=0")
    assert str(S.Split(n=1, n_valid=9, bs=4)) == "1 training row, 9 validation rows, bs=4, seed=0"
    assert str(S.Digits(bs=3, side=20, side2=36)) == "bs=3 images of 1×20×36, seed=0"
    assert str(S.Machine(gpu=False)) == "a machine without a GPU (torch.cuda.is_available() returns False)"


def test_edges_reach_a_short_last_validation_batch_and_two_epochs():
    assert any(r.n_valid % r.valid_bs and r.n_valid > r.valid_bs for r in S.VALID_RUN_EDGES)
    assert any(r.epochs == 2 for r in S.VALID_RUN_EDGES) and any(r.epochs == 2 for r in S.CNN_RUN_EDGES)
    assert {1, S.N_CLASSES} <= {d.bs for d in S.DIGIT_EDGES}
    assert all((d.side, d.side2) != (28, 28) for d in S.OTHER_SIZE_EDGES)
