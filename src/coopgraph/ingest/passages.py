"""Split an article into passages (line, sentence) with their exact words and offsets.

A passage is what a fact cites: `cg:line` and `cg:sentence` (counted from 1, blank lines
included, as in data/), and its exact words as `cg:quote`. Offsets into the article text let
every mention and quote be checked against the text it came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A sentence ends at . ! ? (then a space and a capital or an opening quote) or at 。！？ in Chinese.
# Abbreviations such as "Mr." "Dr." "Co., Ltd." and initials do not end one.
_CJK_END = re.compile(r"[。！？；]")
_LATIN_END = re.compile(r"(?<=[.!?])[\"”’)]*\s+(?=[\"“‘(]?[A-ZÀ-ỸА-ЯЁ0-9])")
_NO_END = re.compile(r"(?:\b(?:Mr|Mrs|Ms|Dr|Prof|St|No|Co|Ltd|Inc|Jr|Sr|vs|etc|e\.g|i\.e|г|гг|им|ул|TS|ThS|PGS|GS|Corr|Корр)\.|\b[A-ZА-Я]\.)$")


@dataclass(frozen=True)
class Passage:
    """One sentence of one line: its locator and exact words."""

    line: int
    sentence: int
    text: str
    #: Offset of the passage's first character in the article text.
    start: int

    @property
    def end(self) -> int:
        """Offset just past the passage's last character."""
        return self.start + len(self.text)

    @property
    def locator(self) -> str:
        """The local part of the passage's IRI, as in data/ (`L13-s2`)."""
        return f"L{self.line}-s{self.sentence}"


def _sentences(line: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = 0
    cuts: list[int] = [m.end() for m in _CJK_END.finditer(line)]
    for m in _LATIN_END.finditer(line):
        if not _NO_END.search(line[: m.start()]):
            cuts.append(m.start())
    for cut in sorted(set(cuts)):
        if cut > start:
            spans.append((start, cut))
            start = cut
    spans.append((start, len(line)))
    out = []
    for a, b in spans:
        seg = line[a:b]
        lead = len(seg) - len(seg.lstrip())
        seg = seg.strip()
        if seg:
            out.append((a + lead, a + lead + len(seg)))
    return out


def split_passages(text: str, first_line: int = 1) -> list[Passage]:
    """Every sentence of every non-blank line from ``first_line`` on, with its exact words."""
    passages: list[Passage] = []
    offset = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if number >= first_line and line.strip():
            for i, (a, b) in enumerate(_sentences(line), start=1):
                passages.append(Passage(number, i, line[a:b], offset + a))
        offset += len(line) + 1
    return passages


#: A label word and an ISO date (a scraper's "date 2021-06-24", "Published 2021-06-24 10:15")
#: before a headline on the same line: not part of the title.
_DATE_PREFIX = re.compile(r"^\W*(?:[^\W\d_]+\s+)?\d{4}-\d{2}-\d{2}(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?\s+")
_CJK = re.compile(r"[\u3400-\u9fff]")


def _looks_like_title(text: str) -> bool:
    """Whether a line reads as a headline, not as the page furniture above one.

    A timestamp or an update line ("Updated: 17/09/2018, 15:09 (GMT+7)") is mostly digits and
    signs; a masthead, a byline or a photo credit is a word or two (in Chinese a few characters).
    """
    compact = re.sub(r"\s", "", text)
    letters = sum(c.isalpha() for c in compact)
    if not compact or letters < 0.6 * len(compact):
        return False
    cjk = len(_CJK.findall(compact))
    if cjk * 2 >= letters:
        return cjk >= 8
    return len(re.findall(r"[^\W\d_]+", text)) >= 4


def title_of(passages: list[Passage], look: int = 6) -> str | None:
    """The article's title as its own words: the first of its opening passages that reads as a
    headline (a leading date label cut off), else its first passage short enough to be one."""
    for p in passages[:look]:
        text = _DATE_PREFIX.sub("", p.text).strip()
        if len(text) <= 400 and _looks_like_title(text):
            return text
    return next((p.text for p in passages if len(p.text) <= 300), None)
