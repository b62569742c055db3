"""Every word a learner reads, in English, Vietnamese or Korean (gettext catalogs, torch-free).

The language: `--lang en|vi|ko`, else KATA_LANG, else the locale (LANGUAGE, LC_ALL, LC_MESSAGES,
LANG), else English. An unknown language asked for by name (--lang, KATA_LANG) falls back to English
with one line saying so; a locale of a language the kata does not speak gives English too, with a
line saying so the first time ever (kata.state.announce_once).

Texts are looked up by their English words (`_`), or, for what belongs to a check or a rule, by its
stable id as the gettext context (`by_id`): translations follow the id, never a sentence's place.
Catalogs: kata/locale/<lang>/LC_MESSAGES/kata.po (sources) and kata.mo (compiled from them by
`python tools/i18n.py compile`; a test keeps the two in step).
"""
from __future__ import annotations

import gettext
import os
import sys
from pathlib import Path

LANGUAGES = ("en", "vi", "ko")
NAMES = {"en": "English", "vi": "Tiếng Việt", "ko": "한국어"}
LOCALE = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "kata"

_current: dict = {"lang": "en", "catalog": gettext.NullTranslations()}


def _short(value: str) -> str:
    """'vi_VN.UTF-8' -> 'vi'; 'C' and 'POSIX' -> 'en'."""
    value = value.strip().split(".")[0].split("@")[0]
    if value in ("C", "POSIX", ""):
        return "en" if value else ""
    return value.split("_")[0].split("-")[0].lower()


def choose(asked: str | None = None) -> tuple[str, str]:
    """(language, a notice to print once, or '') from --lang, KATA_LANG and the locale."""
    for source, value in (("--lang", asked), ("KATA_LANG", os.environ.get("KATA_LANG"))):
        if value:
            lang = _short(value)
            if lang in LANGUAGES:
                return lang, ""
            return "en", (f"grader.py: {source} {value!r} is not a language the kata speaks "
                          f"({', '.join(LANGUAGES)}): English it is.")
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if not value:
            continue
        for part in value.split(":") if name == "LANGUAGE" else [value]:
            lang = _short(part)
            if lang in LANGUAGES:
                return lang, ""
        if name != "LANGUAGE":
            break  # the first locale variable that is set decides, as the C library does
    return "en", ""


def use(lang: str) -> None:
    """Read every later text in `lang`, argparse's own words ("usage:", its errors) included."""
    import argparse

    catalog = gettext.NullTranslations()
    if lang != "en":
        catalog = gettext.translation(DOMAIN, localedir=str(LOCALE), languages=[lang], fallback=True)
    _current.update(lang=lang, catalog=catalog)
    argparse._ = _  # argparse looks its words up through its module's _ and ngettext
    argparse.ngettext = n_




def setup(asked: str | None = None) -> str:
    """Choose the language (saying so when a name is unknown) and use it."""
    lang, notice = choose(asked)
    here = not os.environ.get("KATA_IN_SERVER")  # said by the command the learner typed, not by the server
    if notice and here:
        print(notice, file=sys.stderr)
    elif lang == "en" and here and not asked and not os.environ.get("KATA_LANG"):
        other = unknown_locale()
        if other and _first_time(f"locale {other}"):  # every command would say it again: once is enough
            print(f"grader.py: your locale ({other}) names a language the kata does not speak "
                  f"({', '.join(LANGUAGES)}): English it is. --lang or KATA_LANG chooses another.", file=sys.stderr)
    use(lang)
    return lang


def unknown_locale() -> str:
    """The locale setting that chose English by naming another language ('' when none did)."""
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value and name != "LANGUAGE":
            return value if _short(value) not in ("", "en") else ""
    language = os.environ.get("LANGUAGE", "")
    return language if language and all(_short(p) not in LANGUAGES for p in language.split(":")) else ""


def _first_time(what: str) -> bool:
    try:
        from kata import state

        return state.announce_once(what)
    except Exception:  # noqa: BLE001  no state folder to remember it in: say it
        return True


def language() -> str:
    return _current["lang"]


def _(message: str) -> str:
    """`message` (English, the msgid) in the current language."""
    return _particles(_current["catalog"].gettext(message)) if message else message


def by_id(key: str, message: str) -> str:
    """The text of the check, rule or hint whose stable id is `key` (the msgctxt), in the current
    language; `message` is its English."""
    return _particles(_current["catalog"].pgettext(key, message)) if message else message


def _particles(text: str) -> str:
    """Korean text that writes a particle both ways (`{step}은(는)`) picks one once it is formatted
    (kata.i18n.particles)."""
    if _current["lang"] != "ko" or "(" not in text:
        return text
    from kata.i18n import particles

    text = particles.fix(text)  # the words written in the text itself; a placeholder's, once it is filled
    return particles.Template(text) if particles.has_pair(text) else text


def N_(message: str) -> str:
    """Marks `message` for the catalogs where it is defined; `_()` translates it where it is shown."""
    return message


def n_(singular: str, plural: str, n: int) -> str:
    return _particles(_current["catalog"].ngettext(singular, plural, n))


def wrap_cells(text: str, width: int, first: str = "", rest: str = "") -> list[str]:
    """Words to lines of at most `width` terminal cells (a Hangul syllable takes two), never breaking
    a word; `first` and `rest` start the first and the later lines. Linear in the text's length."""
    from rich.cells import cell_len

    out, current, used = [], [], cell_len(first)
    for word in text.split():
        size = cell_len(word)
        if current and used + 1 + size > width:
            out.append((rest if out else first) + " ".join(current))
            current, used = [], cell_len(rest)
        used += size + (1 if current else 0)
        current.append(word)
    if current or not out:
        out.append((rest if out else first) + " ".join(current))
    return out


def pad_cells(text: str, cells: int, align: str = "<") -> str:
    """`text` padded to `cells` terminal cells, to the left ("<"), right (">") or centre ("^"), as
    format() pads characters (a Hangul syllable takes two cells)."""
    from rich.cells import cell_len

    room = max(0, cells - cell_len(text))
    if align == ">":
        return " " * room + text
    if align == "^":
        return " " * (room // 2) + text + " " * (room - room // 2)
    return text + " " * room


# argparse's words a learner meets (its help and its errors), for the catalogs: argparse translates them
ARGPARSE = (N_("usage: "), N_("options"), N_("positional arguments"), N_("show this help message and exit"),
            N_("%(prog)s: error: %(message)s\n"), N_("argument %(argument_name)s: %(message)s"),
            N_("expected one argument"), N_("expected at least one argument"), N_("expected at most one argument"),
            N_("invalid %(type)s value: %(value)r"), N_("invalid choice: %(value)r (choose from %(choices)s)"),
            N_("not allowed with argument %s"), N_("the following arguments are required: %s"),
            N_("unrecognized arguments: %s"), N_("ambiguous option: %(option)s could match %(matches)s"),
            N_("one of the arguments %s is required"), N_("ignored explicit argument %r"))
