"""The API rules are judged by what the learner's code ran while the checks called it, not by its
text: the usual evasions (dead code that mentions the API, a hand-written version behind a lambda,
an update moved into a helper, a DataLoader imported but never iterated) fail the rule, and the
message says so."""
from __future__ import annotations

import pytest

from kata.judging.results import FAILED, PASSED
from kata.steps import static
from tests.conftest import grade, solution_copy

HAND_LOSS = "-(input - input.exp().sum(-1).log().unsqueeze(-1))[range(target.shape[0]), target].mean()"
EVASIONS = {
    # an unused function mentions F.cross_entropy; the loss is still written by hand
    "dead-code": ("step01", ("loss_func = F.cross_entropy\n",
                             f"def loss_func(input, target):\n    return {HAND_LOSS}\n\n\n"
                             "def _unused(logits, y):\n    return F.cross_entropy(logits, y)\n"),
                  ["step01.rule.uses-cross-entropy", "step01.rule.no-hand-written-log-softmax-nll"]),
    # the hand-written log_softmax behind a lambda, F.cross_entropy only mentioned
    "lambda": ("step01", ("loss_func = F.cross_entropy\n",
                          f"loss_func = lambda input, target: {HAND_LOSS}  # noqa: E731\n"
                          "_unused = F.cross_entropy\n"),
               ["step01.rule.no-hand-written-log-softmax-nll"]),
    # the update moved into a helper that fit calls: fit's own text updates nothing by hand
    "helper": ("step04", ("            opt.step()\n            opt.zero_grad()\n",
                          "            _update(model, opt)\n"),
               ["step04.rule.fit-updates-no-parameter-by-hand"]),
    # the same helper updating through .data (no version bump on the parameter), the optimizer never stepped
    "data-helper": ("step04", ("            opt.step()\n            opt.zero_grad()\n",
                               "            _update_data(model, opt)\n"),
                    ["step04.rule.fit-updates-no-parameter-by-hand"]),
    # DataLoader imported and passed in, but the batches are sliced by hand in a helper
    "unused-loader": ("step06", ("        for xb, yb in train_dl:  # (bs, 784), (bs,); shorter at the end\n",
                                 "        for xb, yb in _slices(train_dl):\n"),
                      ["step06.rule.uses-dataloader", "step06.rule.fit-does-no-index-arithmetic-for-batches"]),
}
HELPERS = {
    "helper": "\n\ndef _update(model, opt):\n    with torch.no_grad():\n        for p in model.parameters():\n"
              "            p -= p.grad * opt.param_groups[0]['lr']\n    opt.zero_grad()\n",
    "data-helper": "\n\ndef _update_data(model, opt):\n    for p in model.parameters():\n"
                   "        p.data -= p.grad.data * opt.param_groups[0]['lr']\n        p.grad = None\n",
    "unused-loader": "\n\ndef _slices(loader):\n    ds, bs = loader.dataset, loader.batch_size\n"
                     "    for start in range(0, len(ds), bs):\n        yield ds[start:start + bs]\n",
}


@pytest.mark.parametrize("evasion", sorted(EVASIONS))
def test_an_evasion_fails_the_rule_it_evades(evasion, submission):
    step_id, edit, rules = EVASIONS[evasion]
    path = solution_copy(step_id, submission, edit)
    path.write_text(path.read_text() + HELPERS.get(evasion, ""))
    r = grade(step_id, submission)
    by_id = {c.id: c for c in r.checks}
    for rule in rules:
        assert by_id[rule].status == FAILED, (evasion, rule, [(c.id, c.status, c.message) for c in r.checks])
        assert "while the checks ran your code" in by_id[rule].message


def test_the_text_alone_would_have_let_them_pass():
    """The evasions are real: each fools the source reading of its rule."""
    import ast

    from kata.paths import SOLUTIONS
    from kata.steps import registry

    for evasion, (step_id, (old, new), rules) in EVASIONS.items():
        step = registry.BY_ID[step_id]
        text = (SOLUTIONS / step.filename).read_text().replace(old, new) + HELPERS.get(evasion, "")
        tree = ast.parse(text)
        fooled = [r for r in step.rules if f"{step_id}.rule.{r.id}" in rules and not r.find(tree)]
        assert fooled, (evasion, "no rule was fooled by the text: the test proves nothing")
    assert static  # the module under judgement


def test_dead_code_that_mentions_an_api_is_not_using_it(submission):
    path = solution_copy("step04", submission)
    path.write_text(path.read_text() + "\n\ndef _never_called(model):\n    return optim.Adam(model.parameters())\n")
    r = grade("step04", submission)
    assert r.status == "passed"  # dead code neither fails nor earns anything: the SGD that ran decides


def test_a_layer_the_checks_never_reached_is_not_said_missing(submission):
    """nn.Linear(10, 784): the structure check stops before the model ever runs, so what ran cannot say
    whether a Linear runs; the source reading, which sees one, decides (not "no nn.Linear layer ran")."""
    solution_copy("step03", submission, ("self.lin = nn.Linear(784, 10)", "self.lin = nn.Linear(10, 784)"))
    result = grade("step03", submission)
    uses = next(c for c in result.checks if c.id == "step03.rule.uses-linear")
    assert uses.status == PASSED and "ran" not in uses.message
    assert next(c for c in result.checks if c.id == "step03.registers").status == FAILED


def test_a_log_softmax_left_in_the_model_is_said_to_be_in_the_model(submission):
    """step01 with F.log_softmax still in model: the rule says where it ran, not "your loss computes
    a log_softmax by hand" (the learner wrote no exp, log or sum, and the loss is F.cross_entropy)."""
    from kata.authoring import mutants

    mutants.find("step01", "model-still-log-softmax").write(submission)
    rule = next(c for c in grade("step01", submission).checks if c.id == "step01.rule.no-hand-written-log-softmax-nll")
    assert rule.status == FAILED and "your model still applies log_softmax (F.log_softmax ran in model)" in rule.message
    assert "by hand" not in rule.message
