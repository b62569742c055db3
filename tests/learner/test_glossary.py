"""The catalogs against docs/GLOSSARY.md: where the English uses a teaching term, the translation
uses its one rendering, never one of the others that once crept in."""
from __future__ import annotations

import re

import pytest

from kata import paths
from kata.i18n import po

GLOSSARY = (paths.ROOT / "docs" / "GLOSSARY.md").read_text(encoding="utf-8")


def rows() -> list[tuple[str, str, str, list[str]]]:
    """(language, English pattern, unless pattern, words the translation must not use)."""
    found = []
    for line in GLOSSARY.splitlines():
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        if len(cells) != 5 or cells[0] not in ("vi", "ko"):
            continue
        english, unless = (c.strip("`").replace("\\|", "|") for c in cells[1:3])
        found.append((cells[0], english, unless, [w.strip() for w in cells[4].split(",") if w.strip()]))
    return found


def test_the_glossary_has_rows_for_each_language():
    assert {lang for lang, *_ in rows()} == {"vi", "ko"} and len(rows()) >= 10


@pytest.mark.parametrize("lang", ["vi", "ko"])
def test_each_term_has_one_rendering_in_the_catalog(lang):
    entries = [e for e in po.read((paths.ROOT / "kata" / "locale" / lang / "LC_MESSAGES" / "kata.po").read_text())
               if e.msgid and e.msgstr]
    wrong = []
    for language, english, unless, avoid in rows():
        if language != lang:
            continue
        for e in entries:
            if re.search(english, e.msgid, re.I) and not (unless and re.search(unless, e.msgid, re.I)):
                text = "".join(e.msgstr)
                wrong += [f"{e.msgctxt or ''} {e.msgid[:60]!r}: {word!r} ({english})" for word in avoid if word in text]
    assert not wrong, "\n".join(wrong)


def test_korean_todos_are_noun_phrases_and_sentences_say_haeyo():
    """The Korean register: a TODO in a stub is a noun phrase ("loss_func를 그 함수로 만들기"), as a help line is,
    not a sentence in 해요 (which is how the reports speak)."""
    entries = po.read((paths.ROOT / "kata" / "locale" / "ko" / "LC_MESSAGES" / "kata.po").read_text())
    todos = [e for e in entries if e.msgctxt and ".todo." in e.msgctxt
             and not e.msgctxt.endswith((".doc", "__doc__"))]
    assert todos
    wrong = [f"{e.msgctxt}: {''.join(e.msgstr)[-30:]!r}" for e in todos
             if re.search(r"(요|세요)[.!]?$", "".join(e.msgstr).strip())]
    assert not wrong, "\n".join(wrong)
