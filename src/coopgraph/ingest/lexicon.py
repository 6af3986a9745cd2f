"""The generic word lists ingest reads (role words, organisation heads, months...), kept as data.

They live in ``lexicon/*.json`` beside this module, one file per language and one shared, so a
curator extends them without touching code; nothing in them names an article's entity or phrase.
"""

from __future__ import annotations

import json
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
