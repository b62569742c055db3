"""GitHub Classroom: the autograding workflow of a learner's repository.

    python grader.py classroom [--steps step00,step04] [--points 10 | --points step04=20,step07=30]
                               [--minutes M] [--out .github/workflows/classroom.yml]

writes the workflow GitHub Classroom's autograding runs on every push: it installs the kata (a CPU
build of torch), grades every step once in one process (`python -m kata.classroom.workflow --all`: the
board, which records each verdict; one cold start of torch per push), then grades each step with `python -m kata.classroom.workflow stepNN` through GitHub's
`classroom-resources/autograding-command-grader` action (one test per step: its points when every
check of the step passes, exit status 0), and hands every step's result to
`classroom-resources/autograding-grading-reporter`, which totals the points for Classroom.

That command (`main` below) is `python grader.py stepNN` on the repository's steps/, unless the
repository holds a notebook (in steps/, at its top or in notebooks/) whose last `%%kata stepNN` cell
is what is graded for the step (kata.grading.notebooks.Submission: a step file with work in it wins):
then the cell, read from the notebook's JSON and never run, is written into a scratch folder of the
grader's own and `grader.py stepNN --target` grades that folder; the repository is only read.

That command grader runs each command with a bare environment (PATH and HOME only), so each command
sets what the kata needs itself (`env KATA_SERVER=off python -m kata.classroom.workflow ...`); its FORCE_COLOR
keeps the report coloured, which the Actions log shows as colour.
The text is written here, not with a YAML library, so the command needs nothing beyond the kata;
every string is written as a JSON string, which YAML reads as the same string.
"""
from __future__ import annotations

import json
import subprocess
import sys

from kata.steps.registry import Step

COMMAND_GRADER = "classroom-resources/autograding-command-grader@v1"
REPORTER = "classroom-resources/autograding-grading-reporter@v1"
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
PYTHON = "3.12"
DEFAULT_MINUTES = 10


def default_points(step: Step) -> int:
    """A step's worth by default: its scored checks (source rules and property checks), as everywhere;
    a check that needs a device Actions runners lack (a GPU) is neutral, as on the board without one."""
    return len(step.rules) + sum(not check.device for check in step.checks)


def parse_points(text: str | None, steps: list[Step]) -> dict[str, int]:
    """'10' (every step), 'step04=20,step07=30' (the others keep their default), or None (defaults)."""
    from kata.steps import registry

    points = {s.id: default_points(s) for s in steps}
    text = (text or "").strip()
    if text.isdigit():
        return {s.id: int(text) for s in steps}
    for item in filter(None, text.split(",")):
        name, sep, value = item.partition("=")
        step = registry.find(name)
        if not sep or step is None or not value.strip().isdigit():
            raise ValueError(f"--points: {item!r} is not STEP=WHOLE_NUMBER (GitHub Classroom counts whole points)")
        if step not in steps:
            raise ValueError(f"--points: {step.id} is not one of the graded steps")
        points[step.id] = int(value)
    return points


def command(step: Step, timeout: float | None = None) -> str:
    """The command that grades one step of the learner's repository (steps/, or a notebook's cell: `main`):
    exit status 0 when every check passes."""
    limit = f" --timeout {timeout:g}" if timeout else ""
    return f"env KATA_SERVER=off python -m kata.classroom.workflow {step.id}{limit}"


def pregrade_command(timeout: float | None = None) -> str:
    """Grade every step once, in one process (torch, the zygote and the references loaded once), so
    that each step's test after it reads its recorded verdict (kata.learner.verdict_cache) instead of
    starting torch again. XDG_STATE_HOME is unset as in the command grader's bare environment, so both
    keep their verdicts in the same state folder ($HOME/.local/state)."""
    limit = f" --timeout {timeout:g}" if timeout else ""
    return f"env -u XDG_STATE_HOME KATA_SERVER=off python -m kata.classroom.workflow --all{limit}"


def main(argv: list[str] | None = None) -> int:
    """`python -m kata.classroom.workflow STEP [--timeout S]`, run in the learner's repository: grade the
    step as `python grader.py STEP` does, from the notebook's `%%kata STEP` cell when that is what is graded
    (kata.grading.notebooks.Submission); grader.py's exit status, or 1 when nothing can be graded."""
    import argparse

    from kata import paths
    from kata.grading import notebooks
    from kata.inert import inert
    from kata.steps import registry

    p = argparse.ArgumentParser(prog="python -m kata.classroom.workflow",
                                description="Grade one step of this repository for GitHub Classroom: its step "
                                "file, or the last %%kata cell of the step in a notebook.")
    p.add_argument("step", nargs="?")
    p.add_argument("--all", action="store_true", help="grade every step once, in one process, and record the "
                   "verdicts that each step's command then reads (the board; its exit status is always 0)")
    p.add_argument("--timeout", type=float, default=None, help="grader.py's --timeout (seconds)")
    args = p.parse_args(argv)
    if args.all:  # the board grades every step of steps/ in this one process and records each verdict
        subprocess.run([sys.executable, str(paths.ROOT / "grader.py")]
                       + (["--timeout", f"{args.timeout:g}"] if args.timeout else []))
        return 0
    step = registry.find(args.step or "")
    if step is None:
        print(f"python -m kata.classroom.workflow: unknown step {args.step!r}", file=sys.stderr)
        return 2
    grader = [sys.executable, str(paths.ROOT / "grader.py"), step.id]
    if args.timeout:
        grader += ["--timeout", f"{args.timeout:g}"]
    with notebooks.Submission(paths.STEPS, top=paths.ROOT) as handed_in:
        choice = handed_in.choose(step)
        if choice.missing:
            print(inert(choice.missing), flush=True)
            return 1
        if choice.note:
            print(inert(choice.note), flush=True)
        if not choice.cell:
            return subprocess.run(grader).returncode
        done = subprocess.run(grader + ["--target", str(choice.folder)], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT)
        copy = str(choice.folder / step.filename).encode()  # the report names the cell, not the scratch copy
        sys.stdout.buffer.write(done.stdout.replace(copy, inert(choice.cell, one_line=True).encode()))
        sys.stdout.flush()
        return done.returncode


def install_commands(torch: str) -> list[str]:
    return [f"python -m pip install '{torch}' --index-url {CPU_INDEX}", "python -m pip install -e ."]


def render(steps: list[Step], points: dict[str, int], minutes: int = DEFAULT_MINUTES,
           timeout: float | None = None, torch: str = "torch>=2.2,<2.14") -> str:
    def q(text: str) -> str:
        return json.dumps(text, ensure_ascii=False)

    lines = [
        "# GitHub Classroom autograding for the torch.nn kata, written by `python grader.py classroom`",
        f"# (steps {', '.join(s.id for s in steps)}; points {', '.join(f'{s.id}={points[s.id]}' for s in steps)}).",
        "# Each step is one test: its points when every check of the step passes. Rewrite it with the same",
        "# command rather than by hand; docs/INSTRUCTORS.md says how to set up the assignment.",
        "name: Autograding Tests",
        '"on":',
        "  - push",
        "  - repository_dispatch",
        "  - workflow_dispatch",
        "permissions:",
        "  checks: write",
        "  actions: read",
        "  contents: read",
        "jobs:",
        "  run-autograding-tests:",
        "    runs-on: ubuntu-latest",
        "    # not for Classroom's own commits, nor in the template repository the assignment is made from",
        "    if: github.actor != 'github-classroom[bot]' && !github.event.repository.is_template",
        "    steps:",
        "      - name: Checkout code",
        "        uses: actions/checkout@v4",
        "      - name: Set up Python",
        "        uses: actions/setup-python@v5",
        "        with:",
        f"          python-version: {q(PYTHON)}",
        "          cache: pip",
        "          cache-dependency-path: pyproject.toml",
        "      - name: Install the kata (a CPU build of torch)",
        "        run: |",
    ] + [f"          {c}" for c in install_commands(torch)] + [
        f"      - name: {q('Grade every step once (one process: each test below reads its recorded verdict)')}",
        "        if: ${{ !cancelled() }}",
        f"        run: {q(pregrade_command(timeout))}",
    ]
    for step in steps:
        lines += [
            f"      - name: {q(f'{step.id} · {step.title}')}",
            f"        id: {step.id}",
            "        if: ${{ !cancelled() }}  # every step is graded, whatever the one before it did",
            f"        uses: {COMMAND_GRADER}",
            "        with:",
            f"          test-name: {q(f'{step.id} · {step.title}')}",
            f"          command: {q(command(step, timeout))}",
            f"          timeout: {minutes}",
            f"          max-score: {points[step.id]}",
        ]
    lines += [
        "      - name: Autograding Reporter",
        "        if: ${{ !cancelled() }}",
        f"        uses: {REPORTER}",
        "        env:",
    ] + [f"          {step.id.upper()}_RESULTS: {q('${{steps.' + step.id + '.outputs.result}}')}" for step in steps] + [
        "        with:",
        f"          runners: {','.join(s.id for s in steps)}",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
