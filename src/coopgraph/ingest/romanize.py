"""Names in Latin script, for IRIs: the IRI rule mints a person's slug "in Latin script".

Vietnamese and other Latin names lose their diacritics in `slugify` itself; Chinese names are
given in Hanyu Pinyin (surname, then the given name as one word: 谢军 -> Xie Jun, 杜跃军 ->
Du Yuejun), Russian ones by the lexicon's transliteration table.
"""

from __future__ import annotations

from coopgraph.ingest import lexicon


def _is_cjk(c: str) -> bool:
    return "\u3400" <= c <= "\u9fff"


def latin(text: str, person: bool = False) -> str:
    """``text`` with Chinese characters in pinyin and Cyrillic transliterated; Latin left as is."""
    if any(_is_cjk(c) for c in text):
        from pypinyin import lazy_pinyin  # only Chinese names pay its import

        parts = [p for p in (s.strip() for s in text.replace("·", " ").replace("?", " ").split()) if p]
        words: list[str] = []
        for part in parts:
            syllables = lazy_pinyin(part)
            if person and len(parts) == 1 and len(syllables) >= 2:
                words += [syllables[0].capitalize(), "".join(syllables[1:]).capitalize()]
            else:
                words.append("".join(syllables).capitalize())
        return " ".join(words)
    table = lexicon.language("ru")["translit"]
    out = []
    for c in text:
        low = c.lower()
        if low in table:
            t = table[low]
            out.append(t.capitalize() if c != low else t)
        else:
            out.append(c)
    return "".join(out)
