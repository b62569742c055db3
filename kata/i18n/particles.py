"""Korean particles chosen for the word they follow, once that word is known.

A Korean particle depends on whether the word before it ends in a consonant (받침): 모델이 but 파일이
and 코드가; 을/를, 은/는, 과/와, 으로/로 likewise (ㄹ takes 로). A catalog entry cannot know the word a
placeholder will hold, so it writes both (`{step}은(는)`); `fix` picks one in the formatted text,
where the word is there to read. It reads Hangul exactly, digits as Korean reads them (4 사: 는,
1 일: 은), and an English word by its last letters where the Korean reading is clear (model 모델:
ㄹ; loss 로스, tensor 텐서: none); elsewhere it leaves both, as the catalog wrote them.
"""
from __future__ import annotations

import re

# (with a final consonant, without one)
PAIRS = {"이(가)": ("이", "가"), "가(이)": ("이", "가"), "을(를)": ("을", "를"), "를(을)": ("을", "를"),
         "은(는)": ("은", "는"), "는(은)": ("은", "는"), "과(와)": ("과", "와"), "와(과)": ("과", "와"),
         "(으)로": ("으로", "로")}
_PAIR = re.compile("|".join(re.escape(p) for p in PAIRS))
_CLOSERS = "`'\")]>*”’"  # what may stand between the word and its particle: `lin`이, (step04)는; never }
_DIGITS = {"0": "ㅇ", "1": "ㄹ", "2": "", "3": "ㅁ", "4": "", "5": "", "6": "ㄱ", "7": "ㄹ", "8": "ㄹ", "9": ""}
_WITH = set("mnp")  # item 아이템, function 펑션, step 스텝 (model 모델: ㄹ, below)
_WITHOUT = set("aiouyrsxhfvzdgbw")  # loss 로스, tensor 텐서, batch 배치, grad 그래드, graph 그래프
# t and k are read both ways (dataset 데이터셋, but set 세트; hook 훅, but check 체크): both are left


def final(text: str) -> str | None:
    """The final consonant of what `text` ends with: "" for none, "ㄹ" for ㄹ, "+" for another one, None
    when it cannot be told."""
    i = len(text)
    while i and text[i - 1] in _CLOSERS:
        i -= 1
    if not i:
        return None
    c = text[i - 1]
    if "가" <= c <= "힣":
        tail = (ord(c) - ord("가")) % 28
        return "" if tail == 0 else "ㄹ" if tail == 8 else "+"
    if c in _DIGITS:
        reading = _DIGITS[c]
        return reading if reading in ("", "ㄹ") else "+"
    word = re.search(r"[A-Za-z]+$", text[:i])
    if not word:
        return None
    w = word.group().lower()
    if w.endswith("e") and len(w) > 1:  # a silent e: the consonant before it decides (module 모듈, name 네임,
        w = w[:-1] if w[-2] in "lmnp" else w  # type 타입; but code 코드, size 사이즈, image 이미지: none)
        if w.endswith("e"):
            return ""
    if w.endswith("l"):
        return "ㄹ"
    if w.endswith("ng") or w[-1] in _WITH:
        return "+"
    if w[-1] in _WITHOUT:
        return ""
    return None


def has_pair(text: str) -> bool:
    return bool(_PAIR.search(text))


def fix(text: str) -> str:
    """`text` with each written-both particle chosen for the word before it, where that word can be read."""
    if "(" not in text:
        return text
    out, last = [], 0
    for m in _PAIR.finditer(text):
        end = final(text[:m.start()])
        if end is None:
            continue
        with_, without = PAIRS[m.group()]
        chosen = without if end == "" or (m.group() == "(으)로" and end == "ㄹ") else with_
        out += [text[last:m.start()], chosen]
        last = m.end()
    return "".join(out) + text[last:] if out else text


class Template(str):
    """A Korean catalog text whose particles are chosen once it is formatted (str.format, or %)."""

    def format(self, *args, **kwargs) -> str:
        return fix(str.format(self, *args, **kwargs))

    def __mod__(self, values) -> str:
        return fix(str.__mod__(self, values))
