"""Is every piece of each step there? The part of `grader.py --check` that grades nothing.

A step is more than its declaration, its judges, its solution and its stub: the stub maker needs a
def line for each module-level name it leaves to do (`stub_defs`), the tests need the tutorial's
own code for it (tests/steps/seeds/stepNN.py), the catalogs need its words in every language the
kata speaks, and README.md lists it in its table of steps and counts its wrong versions.
`python tools/new_step.py stepNN NAME` makes all of them; `check` says, one sentence each, what is
missing and which command makes it.

Also here: the catalog entries each step needs (`catalog_entries`, `docstring_entries`), read by
tools/i18n.py when it extracts them, and README's table and counts made from the declarations
(`readme_update`), written by tools/new_step.py.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from kata import paths
from kata.i18n import LANGUAGES, po
from kata.judging.results import text_key
from kata.steps import registry
from kata.steps.stubs import DOCSTRING, _as_todos

SEEDS = Path("tests") / "steps" / "seeds"  # the tutorial's own code for each step, relative to the checkout
NEW_STEP = "`python tools/new_step.py stepNN NAME`"
STARTS = "(`python tools/new_step.py` starts {what} when it makes a step)"
README_UPDATE = "`python tools/new_step.py --readme`"
LANGUAGE_NAMES = {"vi": "Vietnamese", "ko": "Korean"}  # the authors' tool speaks English


@dataclass(frozen=True)
class Missing:
    step: str  # "step15"; "" for a piece of the kata as a whole (README's counts, a compiled catalog)
    piece: str  # what is missing, in a word or two: "stub_defs", "seed", "catalog vi", "README row"...
    sentence: str  # the step, the missing piece and the command that makes it

    def __str__(self) -> str:
        return self.sentence


# --- the catalog entries a step needs ------------------------------------------------------------------------

def catalog_entries(step) -> list[po.Entry]:
    """The entries of `step`'s own words, in the order the catalogs hold them: its title, each check's
    sentence and hints, its stub's words, each rule's name (and why it matters)."""
    out = [po.Entry(step.title, msgctxt=f"{step.id}.title", comments=[f"{step.id}: the step's title"])]
    if step.section:
        out.append(po.Entry(step.section, msgctxt=f"{step.id}.section",
                            comments=[f"{step.id}: the lesson and section it follows (a lesson's title as the "
                                      "learner's translation of it reads)"]))
    for check in step.checks:
        key = f"{step.id}.{check.id}"
        out.append(po.Entry(check.says, msgctxt=key, comments=["what a check proves, shown beside ✓ or ✗"]))
        for i, hint in enumerate(check.hints, 1):
            out.append(po.Entry(hint, msgctxt=f"{key}.hint.{i}",
                                comments=[f"hint {i} of {len(check.hints)}: 1 the idea and where to look, "
                                          "2 the API, 3 the shape of the fix"]))
    out += _stub_texts(step)
    for rule in step.all_rules:  # worded once for the kata: the same rule in another step is the same entry
        key = text_key(f"{step.id}.rule.{rule.id}")
        if not any(e.msgctxt == key for e in out):
            out.append(po.Entry(rule.name, msgctxt=key, comments=["a rule about the code, shown beside ✓ or ✗"]))
        if rule.why:
            out.append(po.Entry(rule.why, comments=["why a rule about the code matters, after what it found"]))
    return out


def _stub_texts(step) -> list[po.Entry]:
    """The stub's words (`--reset --lang`): its docstring, each TODO and each docstring it replaces,
    keyed by the place (kata.steps.stubs.localized); the code around them stays as it is."""
    note = "in the stub (a Python file): no triple quotes, no backslashes; code stays code"
    out = [po.Entry(step.stub_doc, msgctxt=f"{step.id}.stub", comments=["the stub's docstring; " + note])] \
        if step.stub_doc else []
    for name, value in step.todos.items():
        places = value.items() if isinstance(value, dict) else [(None, value)]
        for method, v in places:
            label = name if method is None else f"{name}.{method}"
            if method == "__doc__":
                out.append(po.Entry(v, msgctxt=f"{step.id}.todo.{name}.__doc__", comments=[note]))
                continue
            for k, todo in enumerate(_as_todos(v), 1):
                key = f"{step.id}.todo.{label}.{k}"
                out.append(po.Entry(todo.text, msgctxt=key, comments=[f"after `# TODO({step.id}):`; " + note]))
                if todo.doc:
                    out.append(po.Entry(todo.doc, msgctxt=f"{key}.doc", comments=["a docstring; " + note]))
    return out


def docstring_entries(source: str) -> list[po.Entry]:
    """The docstrings a stub keeps from its solution's code (`source`), keyed by their text: the same
    function in several steps is one entry."""
    out = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            doc = ast.get_docstring(node, clean=True)
            if doc:
                out.setdefault(doc, po.Entry(doc, msgctxt=DOCSTRING, comments=[
                    "a docstring in the stub (a Python file): no triple quotes, no backslashes; code stays code"]))
    return list(out.values())


# --- README: its table of steps and its counts ---------------------------------------------------------------

_WRONG_COUNT = re.compile(r"declares realistic learner bugs \((\d+) in all")
_RANGE = re.compile(r"\b([Ss]teps )(\d\d)–(\d\d)\b")


def _steps_section(text: str) -> tuple[int, int]:
    """Where README's "## The steps" section starts and ends in `text` ((0, 0) when it has none)."""
    start = text.find("\n## The steps\n")
    if start < 0:
        return 0, 0
    end = text.find("\n## ", start + 1)
    return start, len(text) if end < 0 else end


def _rows(text: str) -> list[str]:
    """The slugs of README's table of steps, in its order."""
    start, end = _steps_section(text)
    return [line.split("|")[1].strip() for line in text[start:end].splitlines() if line.startswith("| step")]


def _covered(text: str) -> set[int]:
    """The step numbers README's sentence on where the steps come from covers ("Steps 00–12 …; steps 13–15 …")."""
    start, end = _steps_section(text)
    return {n for m in _RANGE.finditer(text[start:end]) for n in range(int(m.group(2)), int(m.group(3)) + 1)}


def row(step) -> str:
    """README's row of a step, as a new step starts it: what it replaces and what replaces it."""
    return f"| {step.slug} | {step.replaces} | {step.replaced_by} |"


def readme_problems(text: str, steps=None) -> list[Missing]:
    """README's table lacks a row for one of `steps`, or its counts no longer count every step."""
    steps = registry.STEPS if steps is None else steps
    start, _end = _steps_section(text)
    if not start:
        return [Missing("", "README row", "README.md has no section \"## The steps\" with the table of steps")]
    out = []
    rows = set(_rows(text))
    for s in steps:
        if s.slug not in rows:
            out.append(Missing(s.id, "README row", (
                f"{s.id}: README.md's table of steps (## The steps) has no row for {s.slug} ({row(s)}); "
                f"{README_UPDATE} adds it ({NEW_STEP} does for a new step)")))
    every = registry.STEPS
    span = f"the {len(every)} steps ({every[0].id}–{every[-1].id})"
    wrong = sum(len(s.wrong) for s in every)
    found = _WRONG_COUNT.search(text)
    if found is None:
        out.append(Missing("", "README count", (
            "README.md no longer says how many wrong versions the steps declare (\"each step declares realistic "
            f"learner bugs (N in all\", ## How the checks work): {span} declare {wrong}")))
    elif int(found.group(1)) != wrong:
        out.append(Missing("", "README count", (
            f"README.md counts {found.group(1)} wrong versions in all (## How the checks work), {span} declare "
            f"{wrong}; {README_UPDATE} counts them again ({NEW_STEP} does for a new step)")))
    covered = _covered(text)
    if not covered:
        out.append(Missing("", "README count", (
            "README.md no longer says where the steps come from (\"Steps 00–12 …; steps 13–15 …\", ## The steps)")))
    else:
        for s in steps:
            if int(s.id[4:]) not in covered:
                out.append(Missing(s.id, "README count", (
                    f"{s.id}: README.md's sentence on where the steps come from (\"Steps 00–12 …; steps 13–15 …\", "
                    f"## The steps) stops at step{max(covered):02d}, not at the last step, {every[-1].id}; "
                    f"{README_UPDATE} extends its last range ({NEW_STEP} does for a new step): then say where the "
                    "step comes from")))
    return out


def readme_update(text: str) -> str:
    """README's text with a row for every declared step that has none (after the row of the step before it),
    its count of wrong versions, and its last range of steps reaching the last step."""
    steps = registry.STEPS
    for i, s in enumerate(steps):
        rows = _rows(text)
        if s.slug in rows:
            continue
        start, end = _steps_section(text)
        section = text[start:end].split("\n")
        table = [k for k, line in enumerate(section) if line.startswith("| ")]
        if not start or len(table) < 2:
            raise ValueError("README.md has no table of steps in a section \"## The steps\"")
        before = next((p.slug for p in reversed(steps[:i]) if p.slug in rows), None)
        at = next((k for k in table if before and section[k].startswith(f"| {before} |")), table[-1 if before else 1])
        section.insert(at + 1, row(s))
        text = text[:start] + "\n".join(section) + text[end:]
    total = sum(len(s.wrong) for s in steps)
    text = _WRONG_COUNT.sub(lambda m: m.group(0).replace(m.group(1), str(total)), text, count=1)
    last = max(int(s.id[4:]) for s in steps)
    start, end = _steps_section(text)
    ranges = list(_RANGE.finditer(text, start, end))
    if ranges and last not in _covered(text) and int(ranges[-1].group(3)) < last:
        m = ranges[-1]
        text = text[:m.start(3)] + f"{last:02d}" + text[m.end(3):]
    return text


# --- the whole check -----------------------------------------------------------------------------------------

def _module_level_names(source: str) -> set[str]:
    """The names the solution binds by assignment at its top level (not by def or class)."""
    found = set()
    for node in ast.parse(source).body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
            node, ast.AnnAssign) else []
        found |= {t.id for t in targets if isinstance(t, ast.Name)}
    return found


def _po(root: Path, lang: str) -> Path:
    return root / "kata" / "locale" / lang / "LC_MESSAGES" / "kata.po"


def _label(entry: po.Entry) -> str:
    if entry.msgctxt and entry.msgctxt != DOCSTRING:
        return entry.msgctxt
    what = "docstring" if entry.msgctxt == DOCSTRING else "text"
    return f"the {what} {entry.msgid.splitlines()[0][:40]!r}"


def step_problems(step, root: Path = paths.ROOT, catalogs: dict | None = None) -> list[Missing]:
    """What `step` lacks, one Missing each."""
    out = []
    sid = step.id
    solution = root / "solutions" / step.filename
    package = root / "kata" / "steps" / sid
    if not step.package and not (package / "judges.py").is_file():
        out.append(Missing(sid, "judges", (
            f"{sid}: no judges kata/steps/{sid}/judges.py, one @judge per check id of its declaration; write them "
            + STARTS.format(what="them"))))
    source = solution.read_text(encoding="utf-8") if solution.is_file() else None
    if source is None:
        out.append(Missing(sid, "solution", (
            f"{sid}: no reference solution solutions/{step.filename}; write it "
            + STARTS.format(what="one from the step before's"))))
    else:
        for name in sorted((set(step.todos) & _module_level_names(source)) - set(step.stub_defs)):
            out.append(Missing(sid, "stub_defs", (
                f"{sid}: `{name}` is a module-level name its stub leaves to do, and its declaration has no "
                f"stub_defs[{name!r}] (the def line and docstring the stub puts in its place); add it to "
                f"kata/steps/{sid}/__init__.py " + STARTS.format(what="them from the step before's")
                + ", then `python tools/make_stubs.py`")))
    if not (root / "steps" / step.filename).is_file():
        out.append(Missing(sid, "stub", (
            f"{sid}: no stub steps/{step.filename}; `python tools/make_stubs.py` writes it")))
    if not (root / SEEDS / f"{sid}.py").is_file():
        out.append(Missing(sid, "seed", (
            f"{sid}: no tutorial-code fixture {SEEDS.as_posix()}/{sid}.py, the tutorial's own code for the step, "
            "which must pass it (tests/steps/test_seeds.py); write it "
            + STARTS.format(what="one from the step before's"))))
    wanted = catalog_entries(step) + (docstring_entries(source) if source is not None else [])
    catalogs = catalogs if catalogs is not None else _catalogs(root)
    for lang in LANGUAGES[1:]:
        have = catalogs.get(lang)
        if have is None:
            continue  # said once for the whole kata
        lacking = list(dict.fromkeys(_label(e) for e in wanted if not (have.get(e.key) and have[e.key].translated)))
        if lacking:
            out.append(Missing(sid, f"catalog {lang}", (
                f"{sid}: {len(lacking)} catalog {'entry has' if len(lacking) == 1 else 'entries have'} no "
                f"{LANGUAGE_NAMES.get(lang, lang)} ({lang}) text in kata/locale/{lang}/LC_MESSAGES/kata.po: "
                f"{', '.join(lacking)}; `python tools/i18n.py extract` adds any that are absent, a translator "
                "fills in their msgstr, then `python tools/i18n.py compile`")))
    return out


def _catalogs(root: Path) -> dict:
    """lang -> {key: entry} of each catalog that exists."""
    out = {}
    for lang in LANGUAGES[1:]:
        path = _po(root, lang)
        if path.is_file():
            out[lang] = {e.key: e for e in po.read(path.read_text(encoding="utf-8"))}
    return out


def catalog_problems(root: Path = paths.ROOT) -> list[Missing]:
    """A catalog that is absent, or whose .mo (what the grader reads) is not compiled from its .po."""
    out = []
    for lang in LANGUAGES[1:]:
        path = _po(root, lang)
        if not path.is_file():
            out.append(Missing("", f"catalog {lang}", (
                f"no {LANGUAGE_NAMES.get(lang, lang)} catalog kata/locale/{lang}/LC_MESSAGES/kata.po; "
                "`python tools/i18n.py extract` starts it")))
            continue
        text = path.read_text(encoding="utf-8")
        mo = path.with_suffix(".mo")
        if not mo.is_file() or mo.read_bytes() != po.compile_mo(po.read(text), po.header_of(text)):
            out.append(Missing("", f"catalog {lang}", (
                f"kata/locale/{lang}/LC_MESSAGES/kata.mo is not compiled from its kata.po, so the grader does not "
                "read what the catalog holds; `python tools/i18n.py compile`")))
    return out


def check(steps=None, root: Path = paths.ROOT) -> list[Missing]:
    """Every piece missing for `steps` (default: every step), and README's counts and the compiled catalogs,
    which concern every step."""
    steps = registry.STEPS if steps is None else tuple(steps)
    catalogs = _catalogs(root)
    out = [m for s in steps for m in step_problems(s, root, catalogs)]
    readme = root / "README.md"
    if readme.is_file():
        out += readme_problems(readme.read_text(encoding="utf-8"), steps)
    else:
        out.append(Missing("", "README", "no README.md: the kata's README lists every step and counts its wrong "
                                         "versions"))
    return out + catalog_problems(root)
