"""Make a new step: every piece a step needs, as a working starting point its author then edits.

    python tools/new_step.py step15 flatten              # the next step, step15_flatten
    python tools/new_step.py step15 flatten --root DIR   # into another checkout (the tests scaffold a copy)
    python tools/new_step.py --readme                    # README's table of steps and its counts, from the steps

A new step takes the next number. It starts as the step before it, stepPP, reduced to one check:
- kata/steps/stepNN/__init__.py  its declaration, modelled on the smallest step: a title, what it replaces
  and what replaces it (to write), stepPP's names, one Check (stepPP's first check that a wrong version of
  stepPP catches, its hints to write), the wrong versions of stepPP that check catches, the todos of the
  names that check calls (and their stub_defs, for a module-level name), a stub_doc to write, stepPP's
  train family and preloads, and the baseline stepPP is compared with;
- kata/steps/stepNN/judges.py     one judge per check id: for now stepPP's judge of that check;
- solutions/stepNN_NAME.py        a copy of stepPP's solution, which passes that check already;
- steps/stepNN_NAME.py            its stub, made by the kata's stub maker (kata/steps/stubs.py);
- tests/steps/seeds/stepNN.py     its tutorial-code fixture: for now a copy of stepPP's;
- kata/locale/*/kata.po           its catalog entries, extracted (tools/i18n.py extract; their msgstr are
                                  left for a translator), and each .mo compiled again;
- README.md                       its row in the table of steps, the count of wrong versions and the
                                  range of steps that says where they come from.
`python grader.py --check stepNN` then says what is still missing (kata/authoring/completeness.py) and
grades the solution, the stub and the wrong versions.
"""
from __future__ import annotations

import argparse
import ast
import importlib.util
import re
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
WIDTH = 116  # the declaration's string literals are split to stay within ruff's 120 columns


def refusal(root: Path, step_id: str, name: str) -> str:
    """Why `step_id` `name` cannot be made in `root` ('' when it can): read from the files, before any import."""
    if not re.fullmatch(r"step\d\d", step_id):
        return f"{step_id!r} is not a step id: a step is stepNN, two digits (step15)."
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name or ""):
        return (f"{name!r} is not a step name: the name follows the number in the step's files, in lower case, "
                f"letters, digits and underscores (flatten makes {step_id}_flatten).")
    packages = sorted(p.name for p in (root / "kata" / "steps").glob("step[0-9][0-9]") if (p / "__init__.py").exists())
    if not packages:
        return f"{root} holds no kata/steps/stepNN packages: --root names a checkout of the kata."
    last = packages[-1]
    following = f"step{int(last[4:]) + 1:02d}"
    taken = [str(p.relative_to(root)) for p in [root / "kata" / "steps" / step_id, root / "tests" / "steps" / "seeds"
                                                 / f"{step_id}.py"] if p.exists()]
    taken += [str(p.relative_to(root)) for folder in ("solutions", "steps") for p in (root / folder).glob(f"{step_id}_*.py")]
    if taken:
        return (f"{step_id} exists already ({', '.join(taken)}): a new step takes the next number, {following}.")
    if step_id != following:
        return (f"{step_id} is not the next step: the steps end at {last}, so a new step is {following}. Ids, hints, "
                "catalogs and wrong versions are keyed by the step's number: a step between two others would "
                "renumber every later one.")
    return ""


# --- writing Python literals ---------------------------------------------------------------------------------

def _pieces(s: str, room: int) -> list[str]:
    """`s` cut after each line break, and long lines between words, into pieces whose repr fits in `room`."""
    out = []
    for line in s.splitlines(keepends=True) or [""]:
        current = ""
        for word in re.split(r"(?<= )", line):
            if current and len(repr(current + word)) > room:
                out.append(current)
                current = ""
            current += word
        out.append(current)
    return out


def string(s: str, indent: int) -> str:
    """A string literal for `s` at `indent` columns: one repr, or several in parentheses."""
    if len(repr(s)) + indent + 2 <= WIDTH and "\n" not in s.rstrip("\n"):
        return repr(s)
    pad = " " * (indent + 4)
    return "(\n" + "".join(f"{pad}{p!r}\n" for p in _pieces(s, WIDTH - indent - 4)) + " " * indent + ")"


def value(v, indent: int) -> str:
    """A literal for a declaration's value: strings, Todo, tuples of them, dicts of them."""
    from kata.steps.declare import Todo

    pad = " " * (indent + 4)
    if isinstance(v, str):
        return string(v, indent)
    if isinstance(v, Todo):
        fields = [string(v.text, indent + 4)] + [f"{k}={string(getattr(v, k), indent + 4)}" for k in ("lines", "doc")
                                                 if getattr(v, k)]
        return "Todo(\n" + "".join(f"{pad}{f},\n" for f in fields) + " " * indent + ")"
    if isinstance(v, tuple):
        return "(\n" + "".join(f"{pad}{value(x, indent + 4)},\n" for x in v) + " " * indent + ")"
    if isinstance(v, dict):
        return "{\n" + "".join(f"{pad}{k!r}: {value(x, indent + 4)},\n" for k, x in v.items()) + " " * indent + "}"
    return repr(v)


def call(name: str, args: list[str], indent: int) -> str:
    pad = " " * (indent + 4)
    return f"{name}(\n" + "".join(f"{pad}{a},\n" for a in args) + " " * indent + ")"


# --- the step's files ----------------------------------------------------------------------------------------

def judge_name(judges: Path, check_id: str) -> str:
    """The function in `judges` (a judges.py) marked @judge(check_id, ...), read without importing it."""
    for node in ast.walk(ast.parse(judges.read_text(encoding="utf-8"))):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for d in node.decorator_list:
                if isinstance(d, ast.Call) and getattr(d.func, "id", "") == "judge" and d.args \
                        and isinstance(d.args[0], ast.Constant) and d.args[0].value == check_id:
                    return node.name
    raise SystemExit(f"{judges}: no @judge({check_id!r}) in it")


def choose_check(before):
    """The check of the step before that the new one starts with: the first that a wrong version catches and
    that calls a name its stub leaves to do (so the new stub reads "not started" and its wrong version is caught)."""
    def pending(c):
        return set(c.uses) & set(before.todos)

    caught = {w.catches for w in before.wrong}
    return next((c for c in before.checks if c.id in caught and pending(c)), None) \
        or next((c for c in before.checks if pending(c)), None) or before.checks[0]


def declaration(step_id: str, slug: str, name: str, before, earlier, check, judge_fn: str) -> str:
    number = int(step_id[4:])
    todos = {k: v for k, v in before.todos.items() if k in check.uses} or dict(before.todos)
    stub_defs = {k: v for k, v in before.stub_defs.items() if k in todos}
    wrong = [w for w in before.wrong if w.catches == check.id]
    baseline = before.baseline or (f"solutions/{earlier.filename}" if earlier else "")
    hints = (f"TODO({step_id}): the idea of this check and where to look.",
             f"TODO({step_id}): the API that does it.",
             f"TODO({step_id}): the shape of the fix, never the finished line.")
    title = f"TODO: the title of {slug}"
    stub_doc = (f"Step {number:02d} · {name}: TODO: what replaces what.\n"
                "\n"
                "TODO: what changes in this step and why, never the finished code.")
    checks = call("Check", [string(check.id, 12), string(check.says, 12), f"stage={check.stage!r}",
                            f"uses={check.uses!r}", f"hints={value(hints, 12)}"], 8)
    wrongs = [call("Wrong", [string(w.name, 12), string(w.description, 12), f"old={string(w.old, 12)}",
                             f"new={string(w.new, 12)}", f"catches={w.catches!r}"]
                   + ([f"says={string(w.says, 12)}"] if w.says else []), 8) for w in wrong]
    fields = [
        repr(step_id), repr(slug), string(title, 4),
        f"replaces={string('TODO: what it replaces', 4)}",
        f"replaced_by={string('TODO: what replaces it', 4)}",
        f"names={before.names!r}",
        f"checks=(\n        {checks},\n    )",
        "wrong=(\n" + "".join(f"        {w},\n" for w in wrongs) + "    )",
        f"todos={value(todos, 4)}",
    ]
    if stub_defs:
        fields.append(f"stub_defs={value(stub_defs, 4)}")
    fields.append(f"stub_doc={string(stub_doc, 4)}")
    if before.train is not None:
        fields.append(f"train={before.train!r}")
    if baseline:
        fields.append(f"# what {before.id} is compared with, as long as its check is {before.id}'s; drop it once the "
                      f"step has judges of its own,\n    # to compare it with {before.id}'s reference solution\n"
                      f"    baseline={baseline!r}")
    if before.preload:
        fields.append(f"preload={before.preload!r}")
    body = ",\n".join(f"    {f}" for f in fields)
    imports = ["Check", "Step"] + (["Todo"] if "Todo(" in body else []) + (["Train"] if "Train(" in body else []) \
        + (["Wrong"] if "Wrong(" in body else [])
    return (f'"""{slug}: TODO: the title.\n\n'
            "The whole step in one place: what it replaces, its names, source rules, checks (judges.py, by id),\n"
            "wrong versions, train family and stub.\n\n"
            f"Made by tools/new_step.py from {before.slug}: its one check is {before.id}'s {check.id!r}, with the\n"
            f"wrong versions of {before.id} that check catches and the todos of the names it calls. Write this step's\n"
            "own: its title, what it replaces, source rules (kata.steps.static), checks and their hints, at least\n"
            "four wrong versions, its todos and stub_doc; then `python tools/make_stubs.py` and\n"
            f"`python grader.py --check {step_id}`.\n"
            '"""\n\n'
            f"from kata.steps.declare import {', '.join(imports)}\n\n"
            f"STEP = Step(\n{body},\n)\n")


def judges_file(step_id: str, slug: str, before, check, judge_fn: str) -> str:
    py = re.sub(r"\W", "_", check.id)
    py = py if py[0].isalpha() else f"check_{py}"
    return (f'"""{slug} against what {before.id} is compared with (the declaration\'s baseline), for now.\n\n'
            f"Made by tools/new_step.py: its one check is {before.id}'s {check.id!r}, judged by {before.id}'s own judge\n"
            f"({before.id}.{judge_fn}). Write this step's judges here, one per check id of its declaration:\n"
            '@judge("<check id>", strategy=..., edges=..., max_examples=...) on a function (child, ref, case) that\n'
            "calls the learner's code through `child` and compares what it gives with `ref`, the reference.\n"
            '"""\n'
            "from kata.steps.common.base import judge\n"
            f"from kata.steps.{before.id} import judges as {before.id}\n\n"
            f"EXAMPLES = {before.id}.{judge_fn}.examples  # the cases {before.id}'s judge runs on\n\n\n"
            f"@judge({check.id!r}, strategy=EXAMPLES.strategy, edges=EXAMPLES.edges, max_examples=EXAMPLES.max_examples,\n"
            "       dtype=EXAMPLES.dtype)\n"
            f"def {py}(child, ref, case):\n"
            f"    {before.id}.{judge_fn}(child, ref, case)\n")


def solution_file(text: str, step_id: str, slug: str, name: str, before) -> str:
    """The solution of the step before, as the new step's: its first line and its run command renamed."""
    lines = text.split("\n")
    if lines and lines[0].startswith('"""'):
        lines[0] = f'"""Step {int(step_id[4:]):02d} · {name}: TODO: what replaces what (for now {before.slug}\'s code).'
    return "\n".join(lines).replace(f"solutions.{before.slug}", f"solutions.{slug}")


def seed_file(text: str, step_id: str, before) -> str:
    return (f"# TODO({step_id}): the tutorial's own code for this step, in the tutorial's shape; for now a copy of\n"
            f"# {before.id}'s (tests/steps/seeds/{before.id}.py). tests/steps/test_seeds.py grades it.\n" + text)


def tool(root: Path, name: str):
    """tools/<name>.py of `root`, imported (it puts `root` first on the import path)."""
    spec = importlib.util.spec_from_file_location(f"kata_tool_{name}", root / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def update_readme(root: Path) -> bool:
    from kata.authoring import completeness

    path = root / "README.md"
    text = path.read_text(encoding="utf-8")
    new = completeness.readme_update(text)
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


def make(root: Path, step_id: str, name: str) -> list[str]:
    """Write every piece of the new step into `root`; the paths written, relative to it."""
    from kata.steps import registry

    before, slug = registry.STEPS[-1], f"{step_id}_{name}"
    earlier = registry.previous(before)
    check = choose_check(before)
    judge_fn = judge_name(root / "kata" / "steps" / before.id / "judges.py", check.id)
    package = root / "kata" / "steps" / step_id
    files = {
        package / "__init__.py": declaration(step_id, slug, name, before, earlier, check, judge_fn),
        package / "judges.py": judges_file(step_id, slug, before, check, judge_fn),
        root / "solutions" / f"{slug}.py": solution_file(
            (root / "solutions" / before.filename).read_text(encoding="utf-8"), step_id, slug, name, before),
    }
    seed = root / "tests" / "steps" / "seeds" / f"{before.id}.py"
    if seed.is_file():
        files[seed.with_name(f"{step_id}.py")] = seed_file(seed.read_text(encoding="utf-8"), step_id, before)
    package.mkdir()
    try:
        for path, text in files.items():
            path.write_text(text, encoding="utf-8")
        from kata.steps import registry as fresh  # read again: the new package is one of the steps now
        from kata.steps.stubs import make_stub

        importlib.reload(fresh)
        step = fresh.BY_ID[step_id]
        stub = root / "steps" / step.filename
        stub.write_text(make_stub(step), encoding="utf-8")
        files[stub] = ""
    except BaseException:
        for path in files:
            path.unlink(missing_ok=True)
        shutil.rmtree(package, ignore_errors=True)
        raise
    i18n = tool(root, "i18n")
    i18n.extract()
    i18n.compile_all()
    written = [str(p.relative_to(root)) for p in files]
    catalogs = [i18n.po_path(lang) for lang in i18n.LANGUAGES[1:]]
    written += [str(p.relative_to(root)) for p in [i18n.POT, *catalogs, *(c.with_suffix(".mo") for c in catalogs)]]
    if update_readme(root):
        written.append("README.md")
    return written


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python tools/new_step.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("step", nargs="?", help="the new step's id: the next number, stepNN")
    parser.add_argument("name", nargs="?", help="its name, in lower case: flatten makes stepNN_flatten")
    parser.add_argument("--root", type=Path, default=HERE, help="the checkout to write into (default: this one)")
    parser.add_argument("--readme", action="store_true",
                        help="bring README's table of steps and its counts up to date with the steps, and nothing else")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    if not args.readme and not (args.step and args.name):
        parser.error("give the new step's id and name (python tools/new_step.py step15 flatten), or --readme")
    why = "" if args.readme else refusal(root, args.step, args.name)
    if why:
        print(f"new_step.py: {why}", file=sys.stderr)
        return 2
    sys.path.insert(0, str(root))  # the checkout's own kata: its registry finds the new package by its name
    if args.readme:
        print("README.md brought up to date" if update_readme(root) else "README.md was up to date")
        return 0
    written = make(root, args.step, args.name)
    print(f"made {args.step}_{args.name}:\n  " + "\n  ".join(written))
    print(f"next: write the step's lesson into its solution, declaration and judges (every TODO in them), then "
          f"`python tools/make_stubs.py`; the tutorial's code into its seed; its words in the catalogs "
          f"(`python tools/i18n.py extract`, a translator, `python tools/i18n.py compile`); "
          f"`python grader.py --check {args.step}` says what is still missing.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
