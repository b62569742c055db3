"""kata.child.update_trace traces what each update worked with; kata.steps.common.divergence reads two traces.

The learner's trace comes from its child: parting must take anything (garbage included) without
raising, and say nothing rather than something wrong."""
from __future__ import annotations

import pytest
import torch

from kata.child import update_trace
from kata.steps.common.divergence import NOT_ZEROED, what_parts


def train(steps: int, zero: bool = True, momentum: float = 0.0, by_hand: bool = False, lr: float = 0.1):
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 2)
    opt = None if by_hand else torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    x, y = torch.randn(steps, 4, 3), torch.randn(steps, 4, 2)
    with update_trace.tracing() as events:
        for i in range(steps):
            torch.nn.functional.mse_loss(model(x[i]), y[i]).backward()
            if by_hand:
                with torch.no_grad():
                    for p in model.parameters():
                        p -= p.grad * lr
                        if zero:
                            p.grad.zero_()
            else:
                opt.step()
                if zero:
                    opt.zero_grad()
    return events, dict(model.named_parameters())


def test_a_trace_has_one_backward_and_one_step_per_update():
    events, _ = train(3, momentum=0.9)
    assert [e["event"] for e in events] == ["backward", "step"] * 3
    assert all(len(e["grads"]) == 2 for e in events if e["event"] == "backward")
    assert all(m is not None for e in events if e["event"] == "step" for m in e["momentum"])


def test_tracing_leaves_torch_as_it_was_even_when_the_block_raises():
    original = torch.autograd.backward
    with pytest.raises(RuntimeError):
        with update_trace.tracing():
            assert torch.autograd.backward is not original
            raise RuntimeError("the learner's code failed")
    assert torch.autograd.backward is original and not update_trace.tracing_now()


def test_the_same_training_agrees_everywhere():
    (a, names), (b, _) = train(3), train(3)
    said, mistake = what_parts(a, b, names)
    assert said.startswith("the gradients agree at every update") and mistake == "step-differs"


def test_gradients_not_zeroed_are_named():
    (got, names), (want, _) = train(3, zero=False), train(3)
    assert what_parts(got, want, names) == (NOT_ZEROED.format(i=2), "grads-not-zeroed")
    (got, names), (want, _) = train(3, zero=False, by_hand=True), train(3, by_hand=True)
    assert what_parts(got, want, names) == (NOT_ZEROED.format(i=2), "grads-not-zeroed")


def test_missing_or_extra_momentum_is_named():
    (got, names), (want, _) = train(2), train(2, momentum=0.9)
    said, mistake = what_parts(got, want, names)
    assert "keeps momentum buffers and yours keeps none" in said and mistake == "momentum-missing"
    (got, names), (want, _) = train(2, momentum=0.9), train(2)
    said, mistake = what_parts(got, want, names)
    assert "where the reference's keeps none" in said and mistake == "momentum-extra"
    (got, names), (want, _) = train(3, momentum=0.5), train(3, momentum=0.9)
    said, mistake = what_parts(got, want, names)
    assert "momentum buffers part at update 2" in said and mistake == "momentum-differs"


def test_a_wrong_learning_rate_is_the_step_itself():
    (got, names), (want, _) = train(1, lr=0.2), train(1)  # the runs part at once: only that update is traced
    said, mistake = what_parts(got, want, names)
    assert "the step itself differs" in said and mistake == "step-differs"


def test_a_by_hand_reference_is_compared_with_the_optimizer_by_its_gradients_after_backward():
    (got, names), (want, _) = train(2), train(2, by_hand=True)
    assert what_parts(got, want, names)[0].startswith("the gradients agree at every update")


def test_every_mistake_named_has_a_ladder_that_shows_code_only_on_its_last_rung():
    import re

    from kata.steps import mistakes

    code = re.compile(r"\n|\w\([^()]+\)\.\w+\(")  # a line break or a chain of calls with arguments: code
    for mistake, ladder in mistakes.LADDERS.items():
        assert 2 <= len(ladder) <= 3 and len(set(ladder)) == len(ladder), mistake
        assert not any(code.search(rung) for rung in ladder[:-1]), mistake


@pytest.mark.parametrize("garbage", [None, 3, "x", [1], [{"event": "step"}], [{"event": "backward", "grads": [1]}],
                                     [{"event": "nope", "grads": []}], {"event": "backward"}])
def test_a_learner_trace_that_is_not_one_says_nothing(garbage):
    want, names = train(2)
    assert what_parts(garbage, want, names) == ("", "")
