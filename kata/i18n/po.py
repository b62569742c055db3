"""The gettext file formats the catalogs use: read a .po, write a .pot or .po, compile a .mo.

Enough of the format for the kata's own catalogs (msgctxt, msgid, msgid_plural, msgstr[n], the
fuzzy flag, comments); the stdlib reads the .mo (gettext.GNUTranslations).
"""
from __future__ import annotations

import ast
import re
import struct
from dataclasses import dataclass, field


@dataclass
class Entry:
    msgid: str
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: list[str] = field(default_factory=lambda: [""])
    comments: list[str] = field(default_factory=list)  # "#." lines: where the text is used, for translators
    fuzzy: bool = False

    @property
    def key(self) -> tuple[str | None, str]:
        return self.msgctxt, self.msgid

    @property
    def translated(self) -> bool:
        return not self.fuzzy and all(self.msgstr) and bool(self.msgstr)


def read(text: str) -> list[Entry]:
    entries, current, field_name = [], None, None

    def flush():
        if current is not None and (current.msgid or current.msgctxt):
            entries.append(current)

    comments, fuzzy = [], False
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#,"):
            fuzzy = fuzzy or "fuzzy" in line
            continue
        if line.startswith("#."):
            comments.append(line[2:].strip())
            continue
        if line.startswith("#"):
            continue
        m = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")$', line)
        if m:
            keyword, index, value = m.group(1), m.group(2), ast.literal_eval(m.group(3))
            if keyword == "msgctxt" or (keyword == "msgid" and field_name != "msgctxt"):  # a new entry
                flush()
                current = Entry("", comments=comments, fuzzy=fuzzy)
                comments, fuzzy = [], False
            if keyword == "msgctxt":
                current.msgctxt = value
            elif keyword == "msgid":
                current.msgid = value
            elif keyword == "msgid_plural":
                current.msgid_plural = value
                current.msgstr = []
            else:
                i = int(index or 0)
                while len(current.msgstr) <= i:
                    current.msgstr.append("")
                current.msgstr[i] = value
            field_name = keyword if not keyword.startswith("msgstr") else f"msgstr{index or ''}"
            continue
        if line.startswith('"') and current is not None:
            value = ast.literal_eval(line)
            if field_name == "msgctxt":
                current.msgctxt += value
            elif field_name == "msgid":
                current.msgid += value
            elif field_name == "msgid_plural":
                current.msgid_plural += value
            elif field_name and field_name.startswith("msgstr"):
                i = int(field_name[6:] or 0)
                current.msgstr[i] += value
    flush()
    return entries


def _quote(text: str) -> str:
    body = text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\n", "\\n")
    return f'"{body}"'


def write(entries: list[Entry], header: str) -> str:
    out = ['msgid ""', f"msgstr {_quote(header)}", ""]
    for e in entries:
        out += [f"#. {c}" for c in e.comments]
        if e.fuzzy:
            out.append("#, fuzzy")
        if e.msgctxt is not None:
            out.append(f"msgctxt {_quote(e.msgctxt)}")
        out.append(f"msgid {_quote(e.msgid)}")
        if e.msgid_plural is not None:
            out.append(f"msgid_plural {_quote(e.msgid_plural)}")
            out += [f"msgstr[{i}] {_quote(s)}" for i, s in enumerate(e.msgstr)]
        else:
            out.append(f"msgstr {_quote(e.msgstr[0] if e.msgstr else '')}")
        out.append("")
    return "\n".join(out)


def header_of(text: str) -> str:
    m = re.search(r'msgid ""\nmsgstr ((?:".*"\n?)+)', text)
    return "".join(ast.literal_eval(x) for x in re.findall(r'".*"', m.group(1))) if m else ""


def compile_mo(entries: list[Entry], header: str) -> bytes:
    """The .mo bytes (GNU format, little-endian, sorted keys) for the translated entries."""
    pairs = {b"": header.encode()}
    for e in entries:
        if not e.translated:
            continue
        key = e.msgid.encode() if e.msgctxt is None else f"{e.msgctxt}\x04{e.msgid}".encode()
        if e.msgid_plural is not None:
            key += b"\0" + e.msgid_plural.encode()
            value = b"\0".join(s.encode() for s in e.msgstr)
        else:
            value = e.msgstr[0].encode()
        pairs[key] = value
    keys = sorted(pairs)
    ids, strs = b"", b""
    offsets = []
    for k in keys:
        offsets.append((len(ids), len(k), len(strs), len(pairs[k])))
        ids += k + b"\0"
        strs += pairs[k] + b"\0"
    n = len(keys)
    key_start = 7 * 4 + 16 * n
    value_start = key_start + len(ids)
    table = []
    for id_off, id_len, s_off, s_len in offsets:
        table.append((id_len, key_start + id_off, s_len, value_start + s_off))
    out = struct.pack("<Iiiiiii", 0x950412DE, 0, n, 7 * 4, 7 * 4 + n * 8, 0, 0)
    out += b"".join(struct.pack("<ii", length, off) for length, off, _, _ in table)
    out += b"".join(struct.pack("<ii", length, off) for _, _, length, off in table)
    return out + ids + strs
