"""Dates as the text gives them, at that precision, and the article's own date.

A relative date ("today", "on 16 June" without a year) is resolved only from the article's own
date (its dateline), never from the day ingest runs: with no dateline it stays unresolved.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from coopgraph.ingest import lexicon


@dataclass(frozen=True)
class FoundDate:
    """A date found at ``start:end`` of a passage, as ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``."""

    value: str
    start: int
    end: int
    #: True when the year (or the day) came from the article's date, not from these words.
    resolved: bool = False

    @property
    def precision(self) -> str:
        """day, month or year."""
        return {10: "day", 7: "month", 4: "year"}[len(self.value)]


def _valid(y: int, m: int, d: int | None) -> bool:
    try:
        dt.date(y, m, d or 1)
    except ValueError:
        return False
    return 1900 <= y <= 2100


def _fmt(y: int, m: int | None = None, d: int | None = None) -> str:
    if m is None:
        return f"{y:04d}"
    if d is None:
        return f"{y:04d}-{m:02d}"
    return f"{y:04d}-{m:02d}-{d:02d}"


def _months(lang: str) -> dict[str, int]:
    months = dict(lexicon.language("en")["months"])
    months.update(lexicon.language(lang).get("months", {}))
    return months


def find_dates(text: str, lang: str, published: str | None = None) -> list[FoundDate]:
    """Every date in ``text``, resolving a missing year from ``published`` only."""
    pub_year = int(published[:4]) if published else None
    found: list[FoundDate] = []
    taken: list[tuple[int, int]] = []

    def add(value: str | None, start: int, end: int, resolved: bool = False) -> None:
        if value and not any(a < end and start < b for a, b in taken):
            found.append(FoundDate(value, start, end, resolved))
            taken.append((start, end))

    for m in re.finditer(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)", text):
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
        add(_fmt(y, mo, d) if _valid(y, mo, d) else None, m.start(), m.end())
    for m in re.finditer(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(?:(\d{1,2})\s*日)?", text):
        y, mo, d = int(m[1]), int(m[2]), int(m[3]) if m[3] else None
        add(_fmt(y, mo, d) if _valid(y, mo, d) else None, m.start(), m.end())
    for m in re.finditer(r"(?<![\d年])(\d{1,2})\s*月\s*(\d{1,2})\s*日", text):
        mo, d = int(m[1]), int(m[2])
        if pub_year and _valid(pub_year, mo, d):
            add(_fmt(pub_year, mo, d), m.start(), m.end(), True)
    for m in re.finditer(r"(?<![\d/.-])(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?![\d/])", text):
        d, mo, y = int(m[1]), int(m[2]), int(m[3])
        add(_fmt(y, mo, d) if _valid(y, mo, d) else None, m.start(), m.end())
    for m in re.finditer(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})(?:\s+năm\s+(\d{4}))?", text, re.I):
        d, mo = int(m[1]), int(m[2])
        y = int(m[3]) if m[3] else pub_year
        if y and _valid(y, mo, d):
            add(_fmt(y, mo, d), m.start(), m.end(), not m[3])
    for m in re.finditer(r"(?<=ngày\s)(\d{1,2})/(\d{1,2})(?![\d/])", text, re.I):
        d, mo = int(m[1]), int(m[2])
        if pub_year and _valid(pub_year, mo, d):
            add(_fmt(pub_year, mo, d), m.start(), m.end(), True)
    for m in re.finditer(r"tháng\s+(\d{1,2})[/\s]+(?:năm\s+)?(\d{4})", text, re.I):
        mo, y = int(m[1]), int(m[2])
        add(_fmt(y, mo) if _valid(y, mo, None) else None, m.start(), m.end())
    months = _months(lang)
    names = "|".join(sorted((re.escape(k) for k in months), key=len, reverse=True))
    # "December 8, 2023", "Dec 9, 2019", "8 December 2023", "16 June", "10 октября 2024"
    for m in re.finditer(rf"(?i)\b({names})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(\d{{4}}))?\b", text):
        mo, d = months[m[1].lower()], int(m[2])
        y = int(m[3]) if m[3] else pub_year
        if y and _valid(y, mo, d):
            add(_fmt(y, mo, d), m.start(), m.end(), not m[3])
    for m in re.finditer(rf"(?i)\b(\d{{1,2}})\s+({names})\b\.?(?:,?\s+(\d{{4}}))?", text):
        d, mo = int(m[1]), months[m[2].lower()]
        y = int(m[3]) if m[3] else pub_year
        if y and _valid(y, mo, d):
            add(_fmt(y, mo, d), m.start(), m.end(), not m[3])
    for m in re.finditer(rf"(?i)\b(?:in\s+)?({names})\.?,?\s+(\d{{4}})\b", text):
        mo, y = months[m[1].lower()], int(m[2])
        add(_fmt(y, mo) if _valid(y, mo, None) else None, m.start(), m.end())
    for m in re.finditer(rf"(?i)\bin\s+({names})\b(?!\s+\d)", text):
        if pub_year:
            add(_fmt(pub_year, months[m[1].lower()]), m.start(), m.end(), True)
    for m in re.finditer(r"(?:năm|in|в)\s+((?:19|20)\d{2})(?!\d)|((?:19|20)\d{2})\s*年(?!\s*\d)|((?:19|20)\d{2})\s*(?:году|год|г\.)", text):
        y = int(m[1] or m[2] or m[3])
        add(_fmt(y), m.start(), m.end())
    return sorted(found, key=lambda f: f.start)


def published_date(lines: list[str], lang: str, first_line: int = 1, look: int = 6) -> tuple[str, int] | None:
    """The article's own date (its dateline) and its line number, from the first lines only.

    A dateline is a short line that is mostly a date and a time ("Đăng ngày: 11:20 30-01-2026",
    "10 октября 2024, 21:22", "Post date: Monday, Dec 9, 2019"), or an ISO date in the heading
    lines. A date inside a sentence of the body is an event's date, not the article's.
    """
    seen = 0
    for number, line in enumerate(lines, start=1):
        if number < first_line or not line.strip():
            continue
        seen += 1
        if seen > look:
            break
        iso = re.search(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)", line)
        if iso and _valid(int(iso[1]), int(iso[2]), int(iso[3])):
            return iso.group(0), number
        dates = [d for d in find_dates(line, lang) if d.precision == "day"]
        if not dates:
            continue
        rest = line
        for d in dates:
            rest = rest.replace(line[d.start:d.end], " ")
        cjk = sum(1 for c in rest if "\u3400" <= c <= "\u9fff")
        words = re.findall(r"[^\W\d_\u3400-\u9fff]{2,}", rest) + ["字"] * (cjk // 2)
        cues = [w.lower() for w in lexicon.language(lang).get("dateline", []) + lexicon.language("en")["dateline"]]
        first = dates[0]
        dateline = first.start < 60 and re.match(r"\s*(?:г\.|года)?\s*[–—-]\s", line[first.end:]) is not None
        clock = re.search(r"(?<!\d)\d{1,2}:\d{2}(?!\d)", line) is not None
        if dateline or len(words) <= 4 or any(c in line.lower() for c in cues) or (clock and len(line) < 90):
            return dates[0].value, number
    return None


def shift_year(value: str, years: int) -> str:
    """The year of ``value`` moved by ``years`` ("last year" from the article's date)."""
    return f"{int(value[:4]) + years:04d}"
