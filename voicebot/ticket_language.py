"""Dry official language for ticket text (TS-5): no brackets, no exclamation marks.

`check` says what is wrong with a text, so the desk can refuse it with a clear message;
`normalise` rewrites it into the dry form and keeps every word: a bracketed aside becomes a
clause between commas, a list marker "1)" becomes "1.", an exclamation becomes a full stop,
emoticons and emoji go. Russian and English follow the same rules; Russian writers also
smile with bare brackets ("спасибо)))"), which are emoticons, not asides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Code = Literal["brackets", "exclamation", "emoticon", "repeated-punctuation"]

_PAIRS = {")": "(", "]": "[", "}": "{"}
_EXCLAMATION = re.compile(r"[!¡！]+")
_EMOTICON = re.compile(
    r"(?<!\w)[:;=][-'^]?[()\[\]DPpРр]+(?!\w)"  # :) :-( ;) :D =P
    r"|(?<!\w)[xXхХ][DdДд]+(?!\w)"  # xD
    r"|\^[_.-]?\^"  # ^_^
)
_EMOJI = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\uFE0F\u200D]")
_REPEATED = re.compile(r"([?,;:])\1+|\.{4,}|(?<!\.)\.\.(?!\.)")
# "1)" or "б)" opening a list item: a numbering mark, written "1." in official text.
_LIST_MARK = re.compile(r"(?:^|(?<=\s))(?:\d{1,2}|[a-zа-я])$")

_AREA_CODE = re.compile(r"\d{1,5}")
_DIGIT_NEXT = re.compile(r"\s?\d")

Role = Literal["keep", "smile", "bracket", "list", "area-code"]


@dataclass(frozen=True)
class Problem:
    code: Code
    found: str
    """The offending characters, as typed: the desk shows them next to its message."""


def _roles(text: str) -> list[Role]:
    """What each character of `text` is: brackets that pair up hold an aside; an unpaired
    closing bracket is a smile or a list mark; a run of opening ones is a frown."""
    roles: list[Role] = ["keep"] * len(text)
    stack: list[int] = []
    for i, ch in enumerate(text):
        if ch in "([{":
            stack.append(i)
        elif ch in _PAIRS:
            if stack and text[stack[-1]] == _PAIRS[ch]:
                start = stack.pop()
                # "8 (495) 555-01-00": the brackets of a phone number's area code.
                code = _AREA_CODE.fullmatch(text[start + 1:i]) and _DIGIT_NEXT.match(text, i + 1)
                roles[start] = roles[i] = "area-code" if code else "bracket"
            elif ch == ")" and _LIST_MARK.search(text[:i]):
                roles[i] = "list"
            else:
                roles[i] = "smile" if ch == ")" else "bracket"
    for i in stack:
        frown = text[i] == "(" and "((" in text[max(i - 1, 0):i + 2]
        roles[i] = "smile" if frown else "bracket"
    return roles


def _without_emoticons(text: str) -> tuple[str, list[str]]:
    found = _EMOTICON.findall(text) + _EMOJI.findall(text)
    return _EMOJI.sub("", _EMOTICON.sub("", text)), found


def check(text: str) -> list[Problem]:
    """What keeps `text` from being dry official language; empty when it is fine."""
    rest, emoticons = _without_emoticons(text)
    roles = _roles(rest)
    emoticons += [m.group(0) for m in re.finditer(r"[()]+", rest)
                  if all(roles[j] == "smile" for j in range(m.start(), m.end()))]
    brackets = "".join(ch for ch, role in zip(rest, roles, strict=True)
                       if role in ("bracket", "list", "area-code"))
    problems: list[Problem] = []
    if emoticons:
        problems.append(Problem("emoticon", " ".join(emoticons)))
    if brackets:
        problems.append(Problem("brackets", brackets))
    marks = "".join(_EXCLAMATION.findall(rest))
    if marks:
        problems.append(Problem("exclamation", marks))
    runs = [m.group(0) for m in _REPEATED.finditer(rest)]
    if runs:
        problems.append(Problem("repeated-punctuation", " ".join(runs)))
    return problems


def normalise(text: str) -> str:
    """`text` in dry official language, with every word kept."""
    rest, _ = _without_emoticons(text)
    roles = _roles(rest)
    replaced = {"keep": None, "smile": "", "bracket": ", ", "list": ".", "area-code": " "}
    out = "".join(ch if replaced[role] is None else str(replaced[role])
                  for ch, role in zip(rest, roles, strict=True))
    out = re.sub(r"(?:[!¡！]+\s*\?+|\?+\s*[!¡！]+)[!?¡！]*", "?", out)
    out = _EXCLAMATION.sub(".", out)
    out = re.sub(r"\.{4,}", "...", out)
    out = re.sub(r"(?<!\.)\.\.(?!\.)", ".", out)
    out = re.sub(r"([?,;:])\1+", r"\1", out)
    # Commas that stood in for brackets meet other punctuation: the stronger mark stays.
    out = re.sub(r"\s*,(?:\s*,)+", ",", out)
    out = re.sub(r"\s*,\s*([.?;:])", r"\1", out)
    out = re.sub(r"([.?;:])\s*,", r"\1", out)
    out = re.sub(r"[ \t]+([,.?;:])", r"\1", out)
    out = re.sub(r"[ \t]{2,}", " ", out)
    lines = [line.strip(" \t,") for line in out.splitlines()]
    return "\n".join(lines).strip()
