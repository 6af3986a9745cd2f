"""The generic word lists ingest reads (role words, organisation heads, months...), kept as data.

They live in ``lexicon/*.json`` beside this module, one file per language and one shared, so a
curator extends them without touching code; nothing in them names an article's entity or phrase.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

_DIR = Path(__file__).with_name("lexicon")


@cache
def common() -> dict[str, Any]:
    """The shared lexicon: countries, meeting types, agreement classes, topic cues."""
    return json.loads((_DIR / "common.json").read_text(encoding="utf-8"))


@cache
def language(lang: str) -> dict[str, Any]:
    """The lexicon of one language (vi, en, zh, ru)."""
    return json.loads((_DIR / f"{lang}.json").read_text(encoding="utf-8"))


#: The endings a Russian noun or adjective takes in its cases and numbers (and a verb in its
#: short past forms), longest first: a lexicon word is found in any of them, so "встреча" in
#: the lexicon finds "встречу" and "встречи" in the text, as it would be said in a sentence.
_RU_ENDINGS = ("ами", "ями", "ого", "его", "ому", "ему", "ыми", "ими", "ой", "ей", "ою", "ею", "ах", "ях",
               "ам", "ям", "ом", "ем", "ов", "ев", "ый", "ий", "ая", "яя", "ое", "ее", "ые", "ие", "ых",
               "их", "ым", "им", "ую", "юю", "а", "я", "у", "ю", "е", "ы", "и", "о", "ь")
_RU_STEM = re.compile(r"(ами|ями|ом|ем|ой|ей|ою|ах|ях|ов|ев|а|я|у|ю|е|ы|и)$")
_CYRILLIC_WORD = re.compile(r"[А-Яа-яЁё]{4,}")


def russian_stem(word: str) -> str:
    """``word`` without one case ending (``"Рурстандарта"`` -> ``"Рурстандарт"``, an invented name), to compare names."""
    return _RU_STEM.sub("", word)


@cache
def phrase_pattern(phrase: str, lang: str) -> re.Pattern[str]:
    """The expression finding a lexicon phrase in text, case-insensitively: as written in
    Chinese, as a whole word elsewhere, and in Russian with each word in any case ending
    (:data:`_RU_ENDINGS`). Compiled once per phrase: a lexicon has more than ``re`` caches."""
    phrase = phrase.strip()
    if lang == "zh":
        return re.compile(re.escape(phrase), re.I)
    if lang == "ru":
        endings = "|".join(_RU_ENDINGS)
        body = r"\s+".join(f"{re.escape(russian_stem(w))}(?:{endings})?" if _CYRILLIC_WORD.fullmatch(w)
                           else re.escape(w) for w in phrase.split())
    else:
        body = re.escape(phrase)
    return re.compile(rf"(?<![\w]){body}(?![\w])", re.I)
