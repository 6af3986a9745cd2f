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
