"""Korean particles chosen for the word before them once it is known (kata.i18n.particles): the
catalogs write both (`{step}은(는)`) where a placeholder's word decides."""
from __future__ import annotations

import re

import pytest

from kata import i18n, paths
from kata.i18n import particles, po


@pytest.mark.parametrize("written, read", [
    ("step04은(는)", "step04는"), ("step01은(는)", "step01은"), ("`lin`이(가)", "`lin`이"), ("model을(를)", "model을"),
    ("loss을(를)", "loss를"), ("모델이(가)", "모델이"), ("코드은(는)", "코드는"), ("tensor(으)로", "tensor로"),
    ("model(으)로", "model로"), ("파일(으)로", "파일로"), ("집(으)로", "집으로"), ("(step13)은(는)", "(step13)은"),
    ("module을(를)", "module을"), ("name이(가)", "name이"), ("type은(는)", "type은"), ("code을(를)", "code를"),
    ("{step}은(는)", "{step}은(는)"), ("check이(가)", "check이(가)"),  # a placeholder, or a word read two ways: both
    ("TensorDataset을(를)", "TensorDataset을(를)"), ("hook이(가)", "hook이(가)"),
])
def test_a_particle_follows_the_word_before_it(written, read):
    assert particles.fix(written) == read


def test_a_catalog_text_picks_its_particles_once_formatted():
    entries = po.read((paths.ROOT / "kata" / "locale" / "ko" / "LC_MESSAGES" / "kata.po").read_text())
    entry = next(e for e in entries if e.msgid and re.search(r"\{step\}(은|을)\(", "".join(e.msgstr)))
    i18n.use("ko")
    try:
        template = i18n.by_id(entry.msgctxt, entry.msgid) if entry.msgctxt else i18n._(entry.msgid)
        names = set(re.findall(r"\{(\w+)", entry.msgid))
        text = template.format(**{n: "step04" if n == "step" else "x" for n in names})
    finally:
        i18n.use("en")
    assert "step04는" in text or "step04를" in text
    assert not re.search(r"step04(은\(는\)|을\(를\))", text)


def test_other_languages_are_left_as_they_are():
    i18n.use("vi")
    try:
        assert type(i18n._("{path} is not a folder")) is str
    finally:
        i18n.use("en")
