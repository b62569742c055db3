"""The message catalogs: extract what a learner reads, merge it into each language, compile.

    python tools/i18n.py extract     # kata/locale/kata.pot, and each language's .po brought up to date
    python tools/i18n.py compile     # each .po -> its .mo (what the grader reads)
    python tools/i18n.py check       # exit 1 if a catalog is behind the code, incomplete, or not compiled

What is extracted: every `_("...")`, `N_("...")` and `n_("...", "...", n)` in the kata's code (the English is the
msgid), and from the step declarations, keyed by stable id as the msgctxt: each step's title, each
check's sentence and hints, its stub's words, each rule's name (kata.authoring.completeness.catalog_entries,
which `grader.py --check` reads too, to name the entries a step still lacks in a language).
"""
from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kata.i18n import LANGUAGES, LOCALE, po  # noqa: E402

POT = LOCALE / "kata.pot"
HEADER = "Content-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\nLanguage: {lang}\n" \
         "Plural-Forms: nplurals={plurals}; plural={rule};\n"
PLURALS = {"en": (2, "(n != 1)"), "vi": (1, "0"), "ko": (1, "0")}
PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*(?:![rsa])?(?::[^{}]*)?\}|%\([a-z_]+\)[sr]|%[sr]")


def from_code() -> list[po.Entry]:
    found: dict = {}
    for path in sorted((ROOT / "kata").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = path.relative_to(ROOT)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "n_", "N_")):
                continue
            args = [a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None
                    for a in node.args]
            if not args or args[0] is None:
                if node.func.id == "_":
                    continue  # _(a value marked with N_ where it is defined)
                raise SystemExit(f"{where}:{node.lineno}: {node.func.id}() needs a literal string")
            key = (None, args[0])
            entry = found.setdefault(key, po.Entry(args[0]))
            if node.func.id == "n_":
                entry.msgid_plural = args[1]
            entry.comments.append(f"{where}:{node.lineno}")
    return list(found.values())


def from_declarations() -> list[po.Entry]:
    """Each step's own words (kata.authoring.completeness.catalog_entries: what a step needs in the catalogs)."""
    from kata.authoring.completeness import catalog_entries
    from kata.steps import registry

    return [e for step in registry.STEPS for e in catalog_entries(step)]


def _solution_docstrings() -> list[po.Entry]:
    """The docstrings a stub keeps from the solution's code, keyed by their text (the same function in
    several steps is one entry)."""
    from kata.authoring.completeness import docstring_entries
    from kata.paths import SOLUTIONS

    out = {}
    for path in sorted(SOLUTIONS.glob("step*.py")):
        for e in docstring_entries(path.read_text(encoding="utf-8")):
            out.setdefault(e.msgid, e)
    return list(out.values())


def template() -> list[po.Entry]:
    entries, seen = [], set()
    for e in from_code() + from_declarations() + _solution_docstrings():  # a text used in several places is one entry
        if e.key not in seen:
            seen.add(e.key)
            entries.append(e)
    for e in entries:
        if e.msgid_plural is not None:
            e.msgstr = ["", ""]
    return entries


def extract() -> None:
    entries = template()
    POT.parent.mkdir(parents=True, exist_ok=True)
    POT.write_text(po.write(entries, HEADER.format(lang="", plurals=2, rule="(n != 1)")), encoding="utf-8")
    for lang in LANGUAGES[1:]:
        path = po_path(lang)
        old = {e.key: e for e in po.read(path.read_text(encoding="utf-8"))} if path.exists() else {}
        merged = [merge(e, old, PLURALS[lang][0]) for e in entries]
        path.parent.mkdir(parents=True, exist_ok=True)
        n, rule = PLURALS[lang]
        path.write_text(po.write(merged, HEADER.format(lang=lang, plurals=n, rule=rule)), encoding="utf-8")
        print(f"{path.relative_to(ROOT)}: {sum(e.translated for e in merged)} of {len(merged)} translated")


def merge(entry: po.Entry, old: dict, plurals_of_lang: int) -> po.Entry:
    """`entry` of the template with its translation from the old catalog (`old`: key -> entry). When the
    English of a keyed text changed (one old entry under its msgctxt, none with its new msgid), the old
    translation is kept, marked fuzzy: the catalog is not complete until a translator reviews it, but the
    translator edits it rather than starting over."""
    kept, fuzzy = old.get(entry.key), False
    if kept is None and entry.msgctxt:
        same_key = [e for e in old.values() if e.msgctxt == entry.msgctxt]
        if len(same_key) == 1 and any(same_key[0].msgstr):
            kept, fuzzy = same_key[0], True
    plurals = plurals_of_lang if entry.msgid_plural is not None else 1
    msgstr = kept.msgstr if kept is not None else [""] * plurals
    return po.Entry(entry.msgid, entry.msgctxt, entry.msgid_plural, msgstr[:plurals] + [""] * (plurals - len(msgstr)),
                    entry.comments, fuzzy or (kept.fuzzy if kept is not None else False))


def po_path(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / "kata.po"


def compile_all() -> None:
    for lang in LANGUAGES[1:]:
        text = po_path(lang).read_text(encoding="utf-8")
        po_path(lang).with_suffix(".mo").write_bytes(po.compile_mo(po.read(text), po.header_of(text)))


def problems() -> list[str]:
    """Why the catalogs are not ready: behind the code, untranslated or fuzzy, a placeholder lost, or
    a .mo not compiled from its .po."""
    out = []
    wanted = {e.key for e in template()}
    for lang in LANGUAGES[1:]:
        path = po_path(lang)
        if not path.exists():
            out.append(f"{lang}: no catalog")
            continue
        text = path.read_text(encoding="utf-8")
        entries = po.read(text)
        have = {e.key for e in entries}
        out += [f"{lang}: missing {k}" for k in sorted(wanted - have, key=str)[:20]]
        out += [f"{lang}: obsolete {k}" for k in sorted(have - wanted, key=str)[:20]]
        for e in entries:
            if not e.translated:
                out.append(f"{lang}: not translated{' (fuzzy)' if e.fuzzy else ''}: {e.msgctxt or e.msgid[:60]!r}")
                continue
            english = e.msgid_plural or e.msgid
            for s in e.msgstr:
                name = repr(e.msgctxt or e.msgid[:60])
                if sorted(PLACEHOLDER.findall(s)) != sorted(PLACEHOLDER.findall(english)):
                    out.append(f"{lang}: placeholders differ in {name}")
                if s.count("\n") != english.count("\n"):
                    out.append(f"{lang}: line breaks differ in {name}")
                if (s[:1].isspace(), s[-1:].isspace()) != (english[:1].isspace(), english[-1:].isspace()):
                    out.append(f"{lang}: leading or trailing space differs in {name} (texts are joined)")
                if ".todo." in (e.msgctxt or "") or (e.msgctxt or "").endswith(".stub") or \
                        e.msgctxt == "stub.docstring":
                    if '"""' in s or "\\" in s:
                        out.append(f"{lang}: a stub text holds triple quotes or a backslash: {name}")
        mo = path.with_suffix(".mo")
        if not mo.exists() or mo.read_bytes() != po.compile_mo(entries, po.header_of(text)):
            out.append(f"{lang}: {mo.name} is not compiled from {path.name}: python tools/i18n.py compile")
    return out


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "extract":
        extract()
    elif command == "compile":
        compile_all()
    elif command == "check":
        found = problems()
        print("\n".join(found[:60]) or "the catalogs are complete and compiled")
        return 1 if found else 0
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
