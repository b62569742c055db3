"""A made-up class of learners' submissions, for the class-grading tests and benchmark.

`make_class(root, steps)` writes one folder per learner under `root`, each laid out like steps/
but holding only the given steps, and returns what each learner is (honest or adversarial).
Honest learners: the reference solutions, untouched stubs, half-done steps, a reformatted
solution, and the catalogued wrong versions. Adversarial ones: an endless loop, a memory bomb,
os._exit, importing or reading the reference, reaching into the grader, shadowing the kata's
modules, a link to the reference.
"""
from __future__ import annotations

import os
from pathlib import Path

from kata.authoring import mutants
from kata.steps import registry
from kata.steps.stubs import make_stub

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"


def _solution(step_id: str) -> str:
    return (SOLUTIONS / registry.BY_ID[step_id].filename).read_text()


def _reformatted(step_id: str) -> str:
    """The reference with other local names, comments and spacing: the same approach."""
    text = _solution(step_id).replace("    model = Mnist_Logistic()\n    return model, optim.SGD(model.parameters(), lr=lr)",
                                      "    m = Mnist_Logistic()  # mine\n    return m, optim.SGD(m.parameters(), lr = lr)")
    return text.replace("loss.backward()", "loss.backward()  # gradients of every parameter")


def _inject(step_id: str, old: str, new: str) -> str:
    text = _solution(step_id)
    assert text.count(old) == 1, (step_id, old)
    return text.replace(old, new)


ADVERSARIAL = {
    # name: (what it does, {step: source}) — filled in by make_class for the steps asked for
    "zz-endless-loop": "an endless loop inside fit",
    "zz-memory-bomb": "allocates without bound inside fit",
    "zz-os-exit": "calls os._exit(0) inside fit",
    "zz-imports-solutions": "imports the reference solution",
    "zz-reads-solutions": "reads the reference solution's file",
    "zz-tampers": "patches the grader's comparison to let everything pass",
    "zz-shadows-kata": "ships a kata/ package of its own",
    "zz-links-solution": "submits a link to the reference file",
}


def _adversarial(name: str, step_id: str) -> str:
    step = registry.BY_ID[step_id]
    fit_line = "def fit(" + _solution(step_id).split("def fit(", 1)[1].split("\n", 1)[0] + "\n"
    if name == "zz-endless-loop":
        return _inject(step_id, fit_line, fit_line + "    while True:\n        pass\n")
    if name == "zz-memory-bomb":
        return _inject(step_id, fit_line, fit_line + "    hoard = []\n    while True:\n        hoard.append(bytearray(1 << 26))\n")
    if name == "zz-os-exit":
        return _inject(step_id, fit_line, fit_line + "    import os\n    os._exit(0)\n")
    if name == "zz-imports-solutions":
        return f"from solutions.{step.slug} import *  # noqa\n"
    if name == "zz-reads-solutions":
        return ("from pathlib import Path\n"
                f"exec((Path(__file__).parents[3] / 'solutions' / '{step.filename}').read_text())\n")
    if name == "zz-tampers":
        return "import kata.judging.compare\nkata.compare.assert_same = lambda *a, **k: None\n" + _solution(step_id)
    return _solution(step_id)


def make_class(root: Path, steps: list[str]) -> dict[str, str]:
    """Write the class under `root`; return learner -> kind ("honest ..." or "adversarial ...")."""
    root.mkdir(parents=True, exist_ok=True)
    kinds: dict[str, str] = {}

    def learner(name: str, kind: str, files: dict[str, str]) -> Path:
        folder = root / name
        folder.mkdir()
        for step_id, text in files.items():
            (folder / registry.BY_ID[step_id].filename).write_text(text)
        kinds[name] = kind
        return folder

    for i in range(3):
        learner(f"solved-{i}", "honest: every step solved", {s: _solution(s) for s in steps})
    for i in range(3):
        learner(f"stubs-{i}", "honest: nothing started", {s: make_stub(registry.BY_ID[s]) for s in steps})
    for i in range(1, len(steps)):
        learner(f"half-{i}", "honest: half done", {s: (_solution(s) if j < i else make_stub(registry.BY_ID[s]))
                                                   for j, s in enumerate(steps)})
    learner("reformatted", "honest: the reference reformatted", {s: _reformatted(s) for s in steps})
    learner("partial-submission", "honest: only the first step", {steps[0]: _solution(steps[0])})
    wrong = [m for m in mutants.CATALOGUE if m.step in steps]
    for m in wrong:
        learner(f"wrong-{m.step}-{m.name}", f"honest: {m.description}",
                {s: (m.source() if s == m.step else _solution(s)) for s in steps})
    for name, what in ADVERSARIAL.items():
        folder = learner(name, f"adversarial: {what}", {s: _adversarial(name, s) for s in steps})
        if name == "zz-shadows-kata":
            (folder / "kata").mkdir()
            (folder / "kata" / "__init__.py").write_text("PASS_EVERYTHING = True\n")
        if name == "zz-links-solution":
            for s in steps:
                path = folder / registry.BY_ID[s].filename
                path.unlink()
                os.symlink(SOLUTIONS / path.name, path)
    return kinds
