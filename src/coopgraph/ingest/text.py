"""Read an article (plain text or a saved HTML page) into the exact text that ingest quotes.

Every quote a draft makes must be an exact substring of what the curator can open, so this module
decides once what "the article's text" is: the file's lines as they are (line 1 may be the URL),
or, for HTML, the main text trafilatura extracts. It also reads the two things the text itself may
say about the document: its URL (line 1) and its language (by script, then Vietnamese letters).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from coopgraph.errors import InputError

LANGUAGES = ("vi", "en", "zh", "ru")
HTML_SUFFIXES = (".html", ".htm", ".xhtml")
_URL = re.compile(r"^https?://\S+$")
#: Letters only Vietnamese uses among the four languages (Latin with horn, breve, hook, dot below).
_VI_LETTERS = set("ăâđêôơưĂÂĐÊÔƠƯ") | {c for c in "ạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ"}


@dataclass
class Article:
    """The text ingest works on, with what it knows of the document."""

    path: Path
    text: str
    url: str | None
    lang: str
    #: 1-based number of the first line that is the article's body (after a URL line).
    body_line: int = 1
    html: bool = False

    @property
    def lines(self) -> list[str]:
        """The text's lines, as numbered in locators (line 1 is the file's first line)."""
        return self.text.split("\n")


def _decode(path: Path) -> str:
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise InputError(path, 0, 0, "is a folder, not an article") from None
    except OSError as exc:
        raise InputError(path, 0, 0, f"cannot read the article: {exc.strerror or exc}") from None
    if b"\x00" in data[:8192]:
        raise InputError(path, 0, 0, "binary file, not a text or HTML article")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(path, line, 0, "not UTF-8 text (save the article as UTF-8)") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _html_text(path: Path, raw: str) -> str:
    """The main text of a saved page (navigation, menus and footers dropped) by trafilatura."""
    import trafilatura  # 0.3 s to import: only HTML input pays it

    text = trafilatura.extract(raw, include_comments=False, include_tables=False, favor_recall=True)
    if not text or not text.strip():
        raise InputError(path, 0, 0, "no article text found in the HTML page")
    return text


def detect_language(text: str) -> str:
    """vi, en, zh or ru, from the script of the letters (CJK, Cyrillic, Latin with Vietnamese letters).

    The four languages the project reads have distinct scripts, so counting letters is exact
    enough and needs no model; Latin text is Vietnamese when enough of its letters are letters
    only Vietnamese uses.
    """
    cjk = cyr = latin = vi = 0
    for c in text:
        if "\u4e00" <= c <= "\u9fff":
            cjk += 1
        elif "\u0400" <= c <= "\u04ff":
            cyr += 1
        elif c.isalpha():
            latin += 1
            if c in _VI_LETTERS or (c.lower() != c.lower().encode("ascii", "ignore").decode() and _vi_tone(c)):
                vi += 1
    if cjk and cjk >= cyr and cjk * 2 >= latin * 0.5:
        return "zh"
    if cyr and cyr >= latin:
        return "ru"
    if latin and vi / latin > 0.03:
        return "vi"
    return "en"


def _vi_tone(c: str) -> bool:
    marks = {unicodedata.name(m, "") for m in unicodedata.normalize("NFD", c)[1:]}
    return bool(marks & {"COMBINING DOT BELOW", "COMBINING HOOK ABOVE", "COMBINING HORN", "COMBINING BREVE"})


def read_article(path: Path, url: str | None = None, lang: str | None = None) -> Article:
    """Read ``path`` as an article; raise InputError (exit 2) naming the file for what cannot be one."""
    path = Path(path)
    raw = _decode(path)
    html = path.suffix.lower() in HTML_SUFFIXES or raw.lstrip()[:15].lower().startswith(("<!doctype html", "<html"))
    text = _html_text(path, raw) if html else raw
    if not text.strip():
        raise InputError(path, 0, 0, "empty article: no text to ingest")
    lines = text.split("\n")
    first = lines[0].strip()
    body_line = 1
    if _URL.match(first):
        url = url or first
        body_line = 2
    if url is not None and not re.match(r"^https?://[^\s\x00-\x1f\x7f]+$", url, re.I):
        raise InputError(path, 1 if body_line == 2 else 0, 0, f"not a web address (http:// or https://): {url!r}")
    body = "\n".join(lines[body_line - 1:])
    if not any(c.isalpha() for c in body):
        raise InputError(path, 0, 0, "no words in the article (only a URL, numbers or punctuation)")
    if lang is None:
        lang = detect_language(body)
    elif lang not in LANGUAGES:
        raise InputError(path, 0, 0, f"unknown language {lang!r}: use one of {', '.join(LANGUAGES)}")
    return Article(path=path, text=text, url=url, lang=lang, body_line=body_line, html=html)
