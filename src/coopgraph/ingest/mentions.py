"""Where an article names an organisation, a person or a country, and which entity each one is.

Known entities come from the gazetteer; new ones are found by generic cues of each language (an
organisation-type head such as Ministry/Bộ/总局/агентство with its name, an abbreviation the text
pairs with a name in brackets, a person after an honorific or a role word, a Vietnamese surname)
and grouped so that every surface form of one new entity (its name, the abbreviation it is given,
a bare head such as "Tổng cục" referring back to it) is one proposal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rdflib import URIRef

from coopgraph.ingest import lexicon
from coopgraph.ingest.gazetteer import Gazetteer, fold
from coopgraph.ingest.romanize import latin
from coopgraph.namespaces import ID, mint

_UP = "".join(sorted({chr(c) for c in range(0x41, 0x2000) if chr(c).isupper() and chr(c).isalpha()} - set("[]^-\\")))
_ABBR = re.compile(r"[(（]\s*([A-Za-zÀ-ỹĐđА-Яа-яЁё&.\-]{2,15})\s*[)）]")
_CJK = "\u3400-\u9fff"


@dataclass(eq=False)
class Mention:
    """A span of the article naming an entity."""

    start: int
    end: int
    text: str
    kind: str  # org, person, country, place
    iri: URIRef | None = None  # a known entity
    abbr: str | None = None  # the abbreviation the text pairs with this name
    confidence: float = 0.6
    head_only: bool = False  # a bare head ("Tổng cục", "总局") referring back
    entity: Entity | None = None


@dataclass(eq=False)
class Entity:
    """One organisation, person or country the article names: known, or proposed as new."""

    iri: URIRef
    kind: str
    new: bool
    label: str
    abbr: str | None = None
    cls: str = ""
    english: str | None = None
    confidence: float = 0.6
    mentions: list[Mention] = field(default_factory=list)


def _overlaps(a: Mention, b: Mention) -> bool:
    return a.start < b.end and b.start < a.end


# --------------------------------------------------------------------------- detection


def _countries(text: str) -> list[Mention]:
    out = []
    for name in sorted(lexicon.common()["countries"], key=len, reverse=True):
        for m in re.finditer(rf"(?<![\w]){re.escape(name)}(?![\w])" if not re.search(f"[{_CJK}]", name)
                             else re.escape(name), text):
            out.append(Mention(m.start(), m.end(), m.group(0), "country", confidence=0.9))
    return out


def _acronyms(text: str, lang: str) -> list[Mention]:
    """Stand-alone abbreviations (invented: XSA, ÚNX, DoXM, АБВГ): organisations in these texts."""
    stop = set(lexicon.language("en")["not_orgs"]) | set(lexicon.common()["countries"])
    out = []
    for m in re.finditer(r"(?<![\w&/.-])([A-ZÀ-ÞĐА-ЯЁ][A-Za-zÀ-ÿĐđА-Яа-яЁё&]{1,11})(?![\w&/-])", text):
        word = m.group(1)
        uppers = sum(1 for c in word if c.isupper())
        if uppers < 2 or uppers < len(word) / 2 or word in stop or word.isdigit():
            continue
        if len(word) > 3 and word.isupper() and lang == "en" and word.title() in text:
            continue  # a heading in capitals, not an abbreviation
        if _heading(text, m.start()):
            continue
        line_start = text.rfind("\n", 0, m.start()) + 1
        if len(word) > 3 and word.isupper() and not text[line_start:m.start()].strip(" \t,") \
                and re.match(r"[ \t]*(?:[,—–:]|-\s)", text[m.end():]):
            continue  # a dateline's city in capitals ("BANGKOK — ..."), not an organisation
        if re.search(r"\(\s*$", text[:m.start()]) and _agreement_before(text, m.start(), lang):
            continue  # the abbreviation of an agreement (TCP), not of an organisation
        before = text[max(0, m.start() - 6):m.start()]
        if re.search(r"(?:Корр\.|Фото|Photo)\s*$", before):
            continue  # a news agency's byline or a photo credit
        out.append(Mention(m.start(), m.end(), word, "org", abbr=word, confidence=0.55))
    return out


def _line_at(text: str, pos: int) -> str:
    a = text.rfind("\n", 0, pos) + 1
    b = text.find("\n", pos)
    return text[a:b if b >= 0 else len(text)]


def _heading(text: str, pos: int) -> bool:
    """A line in capitals or in Title Case (a headline): its capitals say nothing of names."""
    line = _line_at(text, pos)
    words = [w for w in re.findall(r"[^\W\d_]+", line) if len(w) > 3]
    if len(words) < 4:
        return False
    if sum(w.isupper() for w in words) / len(words) > 0.6:
        return True
    sentence = line.rstrip().endswith((".", "。")) or line.count(",") >= 2
    return not sentence and sum(w[0].isupper() for w in words) / len(words) > 0.8


def _byline(text: str, pos: int) -> bool:
    line = _line_at(text, pos)
    return any(c in line for c in lexicon.common()["byline_cues"])


def _agreement_before(text: str, pos: int, lang: str) -> bool:
    window = text[max(0, pos - 60):pos].lower()
    return any(w in window for w in lexicon.language(lang)["agreements"]) or any(
        w in window for w in lexicon.language("en")["agreements"])


def _paired_abbr(text: str, end: int) -> tuple[str, int] | None:
    m = _ABBR.match(text, end) or _ABBR.match(text, end + 1) if end < len(text) else None
    if m and text[end:m.start()].strip() == "":
        word = m.group(1)
        if sum(1 for c in word if c.isupper()) >= 2 or word.isupper():
            return word, m.end()
    return None


def _org_class(name: str, lang: str) -> str:
    for cue, cls in lexicon.language(lang).get("org_classes", []) + lexicon.language("en")["org_classes"]:
        if cue in name:
            return cls
    return "Organization"


def _orgs_latin(text: str, lang: str) -> list[Mention]:
    """English organisation names: a run of capitalised words and connectors holding a head."""
    lex = lexicon.language("en")
    heads = set(lex["org_heads"])
    connectors = {"of", "for", "and", "the", "on", "in", "&", "und", "at"}
    tokens = list(re.finditer(r"[\w’'.&-]+|,", text))
    honorifics = set(lex["honorifics"])
    months = {m.capitalize() for m in lex["months"]}
    roles = sorted(lex["roles"], key=len, reverse=True)
    role_words = {r for r in roles if " " not in r}
    stops = set(lex["not_orgs"]) | honorifics | months
    out: list[Mention] = []
    i = 0
    while i < len(tokens):
        t = tokens[i].group(0)
        if not t[0].isupper() or t in stops or t.rstrip(".") in stops:
            i += 1
            continue
        j = i
        last_cap = i
        while j + 1 < len(tokens):
            nxt = tokens[j + 1].group(0)
            gap = text[tokens[j].end():tokens[j + 1].start()]
            if "\n" in gap or gap.strip() not in ("", ","):
                break  # a line break, a bracket, a dash: another phrase begins
            if re.search(r"(?:’s|'s)$", tokens[j].group(0)):
                break  # "Thailand's Thai Industrial Standards Institute": the owner is not the name
            if j > i and (nxt in role_words or (gap.strip() == "," and any(text.startswith(r, tokens[j + 1].start())
                                                                             for r in roles))):
                break
            if nxt[0].isupper() and nxt not in stops and nxt.rstrip(".") not in stops:
                j += 1
                last_cap = j
            elif (nxt in connectors or nxt == ",") and j + 2 < len(tokens) and tokens[j + 2].group(0)[:1].isupper():
                j += 1
            elif nxt == "," and j + 3 < len(tokens) and tokens[j + 2].group(0) == "and" and tokens[j + 3].group(0)[:1].isupper():
                j += 1
            else:
                break
        while i < last_cap and (re.search(r"(?:’s|'s)$", tokens[i].group(0)) or (
                tokens[i].group(0).isupper() and len(tokens[i].group(0)) > 3 and not tokens[i + 1].group(0).isupper())):
            i += 1  # an owner ("Thailand's") or a dateline city in capitals before the name
        words = [tokens[k].group(0).rstrip(".") for k in range(i, last_cap + 1)]
        a, b = tokens[i].start(), tokens[last_cap].end()
        if text[b - 1] == "." and tokens[last_cap].group(0) not in ("Co.", "Inc."):
            b -= 1
        name = text[a:b]
        paired = _paired_abbr(text, b)
        lead = next((r for r in roles if name.startswith(r) and re.match(r"(?:\s+(?:of|at|for)\b|,|$|’s|'s)", name[len(r):])), None)
        if lead is not None:
            # "Director of the Ruritanian Agency ...": the role is not part of the name; what follows
            # "of (the)" may be one. A department or section after a role is the role's own scope.
            cut = re.search(r"\b(?:of|at|for)\s+(?:the\s+)?", name)
            rest = name[cut.end():] if cut else ""
            rest_words = rest.replace(",", " ").split()
            if rest and any(w in heads for w in rest_words) and rest_words[-1] not in ("Department", "Section", "Division", "Unit"):
                a += cut.end()
                name = rest
                words = rest_words
            else:
                i = last_cap + 1
                continue
        if _heading(text, a) and not paired:
            i = last_cap + 1
            continue
        signs = re.match(r"\s+(?:have\s+|has\s+)?(?:signed|concluded|inked|sealed)\b", text[b:b + 30]) is not None
        if any(w in heads or w.rstrip("s") in heads for w in words) or ((paired or signs) and len(words) >= 2):
            if len(words) >= 2 or paired:
                out.append(Mention(a, b, name, "org", abbr=paired[0] if paired else None,
                                   confidence=0.8 if paired else 0.65))
            elif words[0] in heads:
                out.append(Mention(a, b, name, "org", head_only=True, confidence=0.4))
        i = last_cap + 1
    return out


def _orgs_vi(text: str) -> list[Mention]:
    """Vietnamese names: a head (Bộ, Tổng cục, Viện...) and words whose compounds start with a capital.

    A compound is a capitalised syllable and the lowercase ones after it ("Tiêu chuẩn", "Đo
    lường", "Tiêu chuẩn hóa"); lowercase syllables are kept only when a capital, "và", a bracket
    or the end of the phrase follows them, so a verb after the name ("... Việt Nam tổ chức") is
    not taken in.
    """
    lex = lexicon.language("vi")
    heads = sorted(lex["org_heads"], key=len, reverse=True)
    roles = sorted(lex["roles"], key=len, reverse=True)
    stop = set(lex["org_stop"])
    surnames = set(lex.get("surnames", []))
    not_names = set(lex.get("not_names", []))
    countries = [c for c in lexicon.common()["countries"] if not re.search(f"[{_CJK}]", c)]
    out: list[Mention] = []
    for m in re.finditer(r"(?<![\w])(" + "|".join(re.escape(h) for h in heads) + r")(?![\w])", text):
        if any(text.startswith(r, m.start()) and len(r) > len(m.group(1)) for r in roles):
            continue  # "Tổng cục trưởng", "Bộ trưởng", "Vụ phó": a role word, not a name
        words = list(re.finditer(r"[ \t]+([\w&]+(?:-[\w&]+)*)", text[m.end():m.end() + 200]))
        for k in range(1, len(words)):
            if words[k].start() != words[k - 1].end():
                words = words[:k]
                break
        last = m.end()
        k = 0
        if words and words[0].group(1)[:1].islower():
            # a name written in lower case ("viện tiêu chuẩn đo lường chất lượng tỉnh X"):
            # taken only when it runs into a capitalised word or a bracket within a few words
            run = 0
            while run < len(words) and run < 9 and words[run].group(1)[:1].islower() and words[run].group(1) not in stop:
                run += 1
            if 2 <= run < len(words) and words[run].group(1)[:1].isupper() and words[run].group(1) not in heads:
                last = m.end() + words[run - 1].end()
                k = run
        while k < len(words):
            word = words[k].group(1)
            cap = word[0].isupper() or "&" in word or word.isupper()
            if cap and word not in stop:
                if k and any(word == h for h in heads) and last > m.end():
                    break  # another organisation begins
                if k and word in surnames and k + 1 < len(words) and words[k + 1].group(1)[:1].isupper() \
                        and f"{word} {words[k + 1].group(1)}" not in not_names:
                    break  # a person's name after the organisation's ("Bộ Công Thương Nguyễn Hồng Diên")
                last = m.end() + words[k].end()
                k += 1
                continue
            if word == "và" and last > m.end() and k + 1 < len(words):
                nxt = words[k + 1].group(1)
                prev = words[k - 1].group(1) if k else ""
                if nxt[0].isupper() and not nxt.isupper() and nxt not in heads and prev[:1].islower():
                    k += 1
                    continue
                break
            if word in stop or last == m.end():
                break
            # up to two lowercase syllables, if what follows them still belongs to a name
            run = 1
            while run < 2 and k + run < len(words) and words[k + run].group(1)[:1].islower() and words[k + run].group(1) not in stop:
                run += 1
            after_pos = m.end() + words[k + run - 1].end()
            after = text[after_pos:after_pos + 3]
            nxt = words[k + run].group(1) if k + run < len(words) else ""
            prev_word = words[k - 1].group(1) if k else ""
            if prev_word.isupper() or "&" in prev_word:
                break  # a lower-case word after an abbreviation is the sentence going on, not the name
            so_far = text[:m.end() + words[k - 1].end()] if k else ""
            if any(so_far.endswith(" " + c) for c in countries):
                break  # after a country ("... Việt Nam tổ chức"), the sentence goes on
            if nxt in stop and nxt not in ("và",) and run == 1:
                last = after_pos  # "Chất lượng của ASEAN": the compound ends, the name with it
                break
            ahead = text[after_pos:after_pos + 40]
            if not re.match(r"\s*[(),.;:\n]|\s*$", after):
                tail = re.match(r"((?:[ \t]+[a-zà-ỹđ]+){1,3})[ \t]*\(", ahead)
                if tail and not any(w in stop for w in tail.group(1).split()):
                    after_pos += len(tail.group(1))
                    last = after_pos
                    break
            if (nxt[:1].isupper() and nxt not in stop) or nxt == "và" or re.match(r"\s*(?:[(),.;:\n]|$)", after):
                last = after_pos
                k += run
                continue
            break
        genitive = re.match(r"[ \t]+của[ \t]+[" + _UP + r"][\w&]*(?:[ \t]+[" + _UP + r"][\w&]*){0,3}(?=[ \t]*\()", text[last:])
        if genitive and last > m.end():
            last += genitive.end()  # "Ủy ban Tiêu chuẩn và Chất lượng của ASEAN (ACCSQ)": the name goes on
        name = text[m.start():last]
        paired = _paired_abbr(text, last)
        head_words = len(m.group(1).split())
        rest = name.split()[head_words:]
        if rest and any(w[0].isupper() or "&" in w for w in rest):
            out.append(Mention(m.start(), last, name, "org", abbr=paired[0] if paired else None,
                               confidence=0.8 if paired else 0.65))
        elif not rest and m.group(1)[0].isupper():
            out.append(Mention(m.start(), last, name, "org", head_only=True, confidence=0.4))
    return out


def _orgs_zh(text: str) -> list[Mention]:
    lex = lexicon.language("zh")
    heads = sorted(lex["org_heads"], key=len, reverse=True)
    roles = sorted(lex["roles"], key=len, reverse=True)
    stop = set(lex["org_stop"])
    out: list[Mention] = []
    taken: set[int] = set()
    for m in re.finditer("|".join(re.escape(h) for h in heads), text):
        if any(text.startswith(r, m.start()) for r in roles) or m.start() in taken:
            continue
        end = m.end()
        # a longer head right after (总局标准司): the name goes on
        a = m.start()
        while a > 0 and text[a - 1] not in stop and "\u3400" <= text[a - 1] <= "\u9fff" and m.end() - a < 16:
            if any(text.endswith(w, 0, a) for w in lex["stop_words"]):
                break
            a -= 1
        # a role word inside the run ends it (司长张三...): keep what follows the last role
        for r in roles:
            k = text.rfind(r, a, m.start())
            if k >= 0 and k + len(r) <= m.start():
                a = max(a, k + len(r))
        name = text[a:end]
        taken.update(range(m.start(), m.end()))
        if len(name) <= len(m.group(0)) and len(name) <= 3:
            out.append(Mention(a, end, name, "org", head_only=True, confidence=0.4))
        elif len(name) >= 3:
            paired = _paired_abbr(text, end)
            out.append(Mention(a, end, name, "org", abbr=paired[0] if paired else None, confidence=0.8 if paired else 0.6))
    # adjoining pieces (某某总局 + 标准司) are one name: the later, longer one wins below
    return out


def _orgs_ru(text: str) -> list[Mention]:
    lex = lexicon.language("ru")
    heads = {h.lower() for h in lex["org_heads"]}
    countries = set(lexicon.common()["countries"])
    tail_caps = set(lex.get("tail_caps", []))
    out: list[Mention] = []
    tokens = list(re.finditer(r"[А-Яа-яЁё-]+|[,.;:!?\"«»()]", text))
    for i, t in enumerate(tokens):
        w = t.group(0)
        if w.lower() not in heads:
            continue
        a = i
        while a > 0 and re.fullmatch(r"[А-Яа-яЁё-]+", tokens[a - 1].group(0)) and tokens[a - 1].group(0).lower().endswith(
                ("ый", "ое", "ая", "ий", "ой", "ых", "ого", "ой", "ее", "ые", "ому", "ым")) and i - a < 3:
            a -= 1
        if not tokens[a].group(0)[0].isupper():
            continue
        b = i
        k = i + 1
        while k < len(tokens):
            nw = tokens[k].group(0)
            if nw in ("по", "и") and k + 1 < len(tokens) and re.fullmatch(r"[а-яё-]+", tokens[k + 1].group(0)):
                after_po = nw == "по"
                k += 1
                if after_po:  # "по техническому регулированию": the words "по" governs
                    while k < len(tokens) and re.fullmatch(r"[а-яё-]+", tokens[k].group(0)) and tokens[k].group(0) not in ("и", "в", "с", "на") \
                            and k - b <= 4:
                        b = k
                        k += 1
                continue
            # a capitalised word goes on the name when it is a country ("России", "Руритании":
            # the genitive of a country ends so), not a person's name in the genitive
            capital_ok = nw in countries or nw in tail_caps or nw.endswith(("ии", "ия", "ай", "ь", "ан", "ея"))
            if re.fullmatch(r"[А-Яа-яЁё-]+", nw) and ((nw[0].isupper() and capital_ok) or (nw[0].islower() and nw.endswith(
                    ("ации", "ии", "ов", "ей", "их", "ых", "ства", "ции", "ти", "ки", "ры")))) and k - b <= 3:
                b = k
                k += 1
                continue
            break
        s, e = tokens[a].start(), tokens[b].end()
        paired = _paired_abbr(text, e)
        out.append(Mention(s, e, text[s:e], "org", abbr=paired[0] if paired else None, confidence=0.6))
    for p in lex.get("org_prefixes", []):
        for m in re.finditer(rf"(?<![\w]){p}[а-яё]{{4,}}", text):
            if m.group(0).endswith(("ый", "ая", "ое", "ий", "ой", "ые", "ого", "ому", "ым", "ых", "ую", "ей")):
                continue
            out.append(Mention(m.start(), m.end(), m.group(0), "org", confidence=0.6))
    return out


def _name_tokens(text: str, pos: int, max_tokens: int = 5) -> int:
    """End of a run of capitalised name words starting at ``pos`` (``pos`` itself if none)."""
    end = pos
    n = 0
    k = pos
    while n < max_tokens:
        m = re.match(r"[ \t]*([" + _UP + r"А-ЯЁ]\.|[" + _UP + r"А-ЯЁ][\w’'-]*|bin|binti|al|van|von|de|hae)(?=[\s,.;:)–-]|$)", text[k:])
        if not m:
            break
        word = m.group(1)
        if word in ("bin", "binti", "al", "van", "von", "de", "hae") and n == 0:
            break
        k += m.end()
        n += 1
        if word[0].isupper():
            end = k
    return end


def _people(text: str, lang: str, orgs: list[Mention]) -> list[Mention]:
    lex = lexicon.language(lang)
    out: list[Mention] = []
    heads = set(lexicon.language(lang).get("org_heads", [])) | set(lexicon.language("en")["org_heads"])
    countries = set(lexicon.common()["countries"])
    months = set(lexicon.language("en")["months"]) | set(lex.get("months", {}))
    if lang == "zh":
        roles = sorted(lex["roles"], key=len, reverse=True)
        stop = set(lex["name_stop"])
        role_re = "|".join(re.escape(r) for r in roles)
        surnames = set(lex["surnames"])
        org_heads = [h for h in lex["org_heads"] if len(h) > 1]
        for m in re.finditer(role_re, text):
            if any(text.startswith(h, m.start()) and len(h) > len(m.group(0)) for h in org_heads):
                continue  # 委员 of 委员会: part of a name
            k = m.end()
            while k < len(text) and (("\u3400" <= text[k] <= "\u9fff" and text[k] not in stop) or (
                    text[k] in "·?•" and k + 1 < len(text) and "\u3400" <= text[k + 1] <= "\u9fff")) and k - m.end() < 14:
                if any(text.startswith(r, k) for r in roles) and k > m.end():
                    break
                k += 1
            name = text[m.end():k]
            foreign = re.search("[·?•]", name) is not None
            if 2 <= len(name) <= (14 if foreign else 3) and (foreign or name[0] in surnames):
                out.append(Mention(m.end(), k, name, "person", confidence=0.7))
            # a name just before the role (张三局长, 李四副司长)
            a = m.start()
            while a > 0 and "\u3400" <= text[a - 1] <= "\u9fff" and text[a - 1] not in stop and m.start() - a < 4:
                if any(o.end == a for o in orgs) or any(text.endswith(r, 0, a) for r in roles):
                    break
                a -= 1
            name = text[a:m.start()]
            after_org = any(o.end == a for o in orgs)
            if 2 <= len(name) <= 4 and (name[0] in surnames or after_org) and not any(
                    name.endswith(h) for h in heads) and not any(o.start <= a < o.end for o in orgs):
                out.append(Mention(a, m.start(), name, "person", confidence=0.55))
        return out
    cues = sorted(set(lex["honorifics"]) | set(lex["roles"]), key=len, reverse=True)
    cue_re = r"(?<![\w])(" + "|".join(re.escape(c) for c in cues) + r")(?![\w])"
    surnames = set(lex.get("surnames", []))
    starts: dict[int, float] = {}
    for m in re.finditer(cue_re, text, re.I if lang == "ru" else 0):
        k = m.end()
        k += len(re.match(r"[ \t]*(?:,|:)?", text[k:]).group(0))
        # the role's organisation may come between (Thứ trưởng Bộ ABC Nguyễn Văn A)
        org = next((o for o in orgs if o.kind == "org" and o.start - k in range(0, 3)), None)
        if org is not None:
            k = org.end
            if (p := _paired_abbr(text, k)) is not None:
                k = p[1]
            k += len(re.match(r"[ \t,]*", text[k:]).group(0))
        k += len(re.match(r"[ \t]*", text[k:]).group(0))
        honor = m.group(1) in lex["honorifics"]
        starts.setdefault(k, 0.8 if honor else 0.7)
    # "Name, Role" / "Name - Role": a name right before a role word
    for m in re.finditer(r"[,–-][ \t]*(?=(" + "|".join(re.escape(c) for c in lex["roles"]) + r")(?![\w]))", text):
        a = m.start()
        seg = text[max(0, a - 60):a]
        run = re.search(r"((?:[" + _UP + r"А-ЯЁ][\w’'-]*\.?[ \t]+){1,4}[" + _UP + r"А-ЯЁ][\w’'-]*)[ \t]*$", seg)
        if run:
            starts.setdefault(a - len(seg) + run.start(1), 0.6)
    # "the Director General for Quality at Ruritania Enterprise, Jane Roe": a role, its
    # scope, a comma and the name that ends the clause
    for m in re.finditer(r"(?<![\w])(" + "|".join(re.escape(c) for c in lex["roles"]) + r")(?![\w])", text):
        comma = re.match(r"[^,.;:\n]{0,80},[ \t]+", text[m.end():])
        if comma:
            k = m.end() + comma.end()
            end = _name_tokens(text, k, 4)
            if end > k and re.match(r"\s*(?:[,.;:)]|$)", text[end:end + 2]):
                starts.setdefault(k, 0.6)
    if surnames:
        for m in re.finditer(r"(?<![\w])(" + "|".join(re.escape(s) for s in surnames) + r")(?=[ \t][" + _UP + r"])", text):
            starts.setdefault(m.start(), 0.6)
    for k, conf in sorted(starts.items()):
        end = _name_tokens(text, k)
        name = text[k:end].strip().rstrip(".")
        words = []
        pos = k
        for w in name.split():
            at = text.find(w, pos)
            rest = text[at:at + 40].lower()
            if words and (w in heads or w in countries or any(rest.startswith(r.lower()) for r in lex["roles"])):
                break
            words.append(re.sub(r"(?:’s|'s)$", "", w.rstrip("-–")))
            pos = at + len(w)
            if w != words[-1]:
                break  # a dash ends the name ("Trần Văn Vinh- Tổng cục trưởng")
        while words and words[0] in lex["honorifics"]:
            k = text.find(words[0], k) + len(words[0])
            k += len(text[k:]) - len(text[k:].lstrip())
            words = words[1:]
        if any(name.startswith(x) for x in lex.get("not_names", [])):
            continue  # a place written like a name ("Hà Nội")
        if any(re.search(rf"(?<![\w]){re.escape(c)}[ \t]+$", text[max(0, k - 12):k]) for c in lex.get("place_cues", [])):
            continue  # "tỉnh Giang Tô", "tại Hà Nội": a place
        name = " ".join(words)
        if len(words) < 2 or len(words) > 5 or any(w in heads for w in words) or name in countries:
            continue
        if any(w.lower() in months for w in words) or any(w.isupper() and len(w) > 1 and not re.fullmatch(r"[A-Z]\.", w)
                                                           for w in words):
            continue
        if lang == "ru" and any(w in lexicon.language("ru")["roles"] for w in words):
            continue
        end = k + len(name.split()[0]) if len(name.split()) == 1 else text.find(words[-1], k) + len(words[-1])
        if _byline(text, k):
            continue
        out.append(Mention(k, end, text[k:end], "person", confidence=conf))
    if lang == "ru":
        for m in re.finditer(r"(?<![\w])([А-ЯЁ][а-яё]+)[ \t]+([А-ЯЁ][а-яё]+)(?![\w])", text):
            before = text[max(0, m.start() - 2):m.start()]
            if _byline(text, m.start()):
                continue
            if re.search(r"[.!?]\s$|^$", before) and m.start() > 0:
                continue
            if not any(o.start <= m.start() < o.end for o in orgs):
                out.append(Mention(m.start(), m.end(), m.group(0), "person", confidence=0.5))
    return out


def detect(text: str, lang: str, gazetteer: Gazetteer, body_start: int = 0) -> list[Mention]:
    """Every mention in ``text`` from ``body_start`` on, longest first, none overlapping."""
    body = text[body_start:]

    def shifted(ms: list[Mention]) -> list[Mention]:
        for m in ms:
            m.start += body_start
            m.end += body_start
        return ms

    known = [Mention(h.start + body_start, h.end + body_start, body[h.start:h.end], h.kind, iri=h.iri,
                     abbr=body[h.start:h.end] if h.abbreviation else None, confidence=0.95 if h.exact else 0.85)
             for h in gazetteer.find(body)]
    orgs = {"vi": _orgs_vi, "zh": _orgs_zh, "ru": _orgs_ru}.get(lang, lambda t: _orgs_latin(t, lang))(body)
    if lang in ("vi", "ru"):
        orgs += [o for o in _orgs_latin(body, lang) if not o.head_only]
    orgs = shifted(orgs)
    people = shifted(_people(body, lang, [Mention(o.start - body_start, o.end - body_start, o.text, "org") for o in orgs]
                             + [Mention(k.start - body_start, k.end - body_start, k.text, k.kind) for k in known]))
    acronyms = shifted(_acronyms(body, lang))
    countries = shifted(_countries(body))
    chosen: list[Mention] = []

    def take(cands: list[Mention], prefer_longer: bool) -> None:
        for c in sorted(cands, key=lambda m: (-(m.end - m.start), m.start)):
            clash = [x for x in chosen if _overlaps(x, c)]
            if not clash:
                chosen.append(c)
            elif prefer_longer and all(x.start >= c.start and x.end <= c.end and (x.end - x.start) < (c.end - c.start)
                                       for x in clash) and _keeps_new(c, clash, gazetteer):
                for x in clash:
                    chosen.remove(x)
                chosen.append(c)

    orgs = [o for o in orgs if not _byline(text, o.start)]
    acronyms = [o for o in acronyms if not _byline(text, o.start)]
    take(known, False)
    take([p for p in people if p.confidence >= 0.7], True)
    take([o for o in orgs if not o.head_only], True)
    take([p for p in people if p.confidence < 0.7], False)
    take(countries, False)
    take(acronyms, False)
    take([o for o in orgs if o.head_only], False)
    return sorted(chosen, key=lambda m: m.start)


def _keeps_new(longer: Mention, inner: list[Mention], gazetteer: Gazetteer) -> bool:
    """Whether a longer new name holding a known one is another entity, not the known one again.

    (An invented example:) "Bộ Công Thương Campuchia" holds "Bộ Công Thương" (a known Vietnamese
    ministry) and names Cambodia's ministry: a name that is a known organisation followed by a
    country other than the known one's is new; followed by the known one's own country, or by
    nothing, it is the known one.
    """
    if longer.kind == "person":
        return all(x.kind != "person" for x in inner)
    if any(x.kind == "person" for x in inner):
        return False
    countries = lexicon.common()["countries"]
    for x in inner:
        if x.iri is None or x.kind != "org" or x.start != longer.start:
            continue
        tail = longer.text[x.end - longer.start:].strip(" ()")
        if not tail or tail.split()[0] in ("và", "and", "и", "&") or tail[0] in "和与及、":
            return False  # a list of two names, not one longer name
        country = gazetteer.lookup(tail)
        if country is not None and gazetteer.entities[country].kind != "country":
            country = None
        if country is None and tail in countries:
            country = mint("country", countries[tail])
        if country is not None:
            known_country = gazetteer.entities[x.iri].country
            # the known one's own country, or one we cannot tell: the known entity (never a duplicate)
            return known_country is not None and country != known_country
    return True


# --------------------------------------------------------------------------- entities


def _key(m: Mention, lang: str) -> str:
    text = fold(m.text)
    if lang == "ru":
        text = " ".join(lexicon.russian_stem(w) for w in text.split())
    return text


def resolve(mentions: list[Mention], lang: str, gazetteer: Gazetteer, existing: set[URIRef]) -> list[Entity]:
    """Group mentions into entities: known ones by IRI, new ones by name and paired abbreviation.

    A new entity's IRI follows the IRI rule (its abbreviation, else its name in Latin script);
    one that turns out to be an IRI the graph already has is linked, never proposed again.
    """
    entities: dict[URIRef, Entity] = {}
    by_key: dict[str, Entity] = {}
    last_org: list[Entity] = []
    common = lexicon.common()
    for m in mentions:
        if m.iri is not None:
            known = gazetteer.entities[m.iri]
            e = entities.get(m.iri) or Entity(m.iri, known.kind, False, m.text)
            entities[m.iri] = e
        elif m.head_only:
            e = next((o for o in reversed(last_org) if m.text in o.label or (o.abbr and m.text in o.abbr)), None)
            if e is None:
                continue
        else:
            key = _key(m, lang)
            e = by_key.get(key) or (by_key.get(m.abbr) if m.abbr else None)
            if e is None and m.kind == "org" and m.abbr is None:
                # an abbreviation used alone after its name was given: the same entity
                e = by_key.get(m.text)
            if e is None:
                e = _new_entity(m, lang, gazetteer, existing, common)
                if e.iri in entities:
                    e = entities[e.iri]
                entities[e.iri] = e
            by_key.setdefault(key, e)
            if m.abbr:
                by_key.setdefault(m.abbr, e)
                if e.abbr is None and e.new and m.abbr != m.text:
                    e.abbr = m.abbr
        m.entity = e
        e.mentions.append(m)
        e.confidence = max(e.confidence, m.confidence)
        if e.kind == "org":
            last_org.append(e)
    _merge_nested(entities, lang)
    taken = {e.iri for e in entities.values() if e.mentions}
    for e in entities.values():
        # the IRI rule mints an organisation from its abbreviation: one the text gave only after
        # the first mention of the name still decides the IRI
        if e.new and e.kind == "org" and e.abbr and e.mentions:
            by_abbr = mint("org", latin(e.abbr))
            known_one = entities.get(by_abbr)
            if by_abbr != e.iri and known_one is not None and not known_one.new and known_one is not e:
                # the abbreviation is a known entity's: its full name is another name of it
                for m in e.mentions:
                    m.entity = known_one
                known_one.mentions += e.mentions
                e.mentions = []
                continue
            if by_abbr != e.iri and by_abbr not in taken:
                if by_abbr in gazetteer.entities or by_abbr in existing:
                    e.new = False
                taken.discard(e.iri)
                e.iri = by_abbr
                taken.add(by_abbr)
    return [e for e in entities.values() if e.mentions]


def _merge_nested(entities: dict[URIRef, Entity], lang: str) -> None:
    """A new organisation named by the start of another's name (the end, in Chinese) is that one.

    Invented examples: "Ruritania Standards Institute" and "Ruritania Standards Institute –
    Normung und Prüfung (R.S.I.)", or 总局标准司 and 国家某某总局标准司: one entity, one proposal.
    """
    news = sorted((e for e in entities.values() if e.new and e.kind == "org"), key=lambda e: -len(e.label))
    for short in sorted(news, key=lambda e: len(e.label)):
        for long in news:
            if long is short or len(long.label) <= len(short.label) or not long.mentions:
                continue
            a, b = fold(short.label), fold(long.label)
            nested = b.endswith(a) if lang == "zh" else (b.startswith(a + " ") and len(a.split()) >= 2)
            if nested and len(a) >= 3:
                for m in short.mentions:
                    m.entity = long
                long.mentions += short.mentions
                short.mentions = []
                if long.abbr is None:
                    long.abbr = short.abbr
                break


def _new_entity(m: Mention, lang: str, gazetteer: Gazetteer, existing: set[URIRef], common: dict) -> Entity:
    if m.kind == "country":
        english = common["countries"].get(m.text) or common["countries"].get(m.text.strip())
        iri = mint("country", english or latin(m.text))
        return Entity(iri, "country", iri not in existing, m.text, english=english, cls="Country")
    if m.kind == "person":
        iri = mint("person", latin(m.text, person=True))
        return Entity(iri, "person", iri not in existing, m.text)
    slug_text = latin(m.abbr or (lexicon.russian_stem(m.text) if lang == "ru" and " " not in m.text else m.text))
    known = gazetteer.lookup(m.abbr) if m.abbr else None
    if known is not None and gazetteer.entities[known].kind == "org":
        return Entity(known, "org", False, m.text)
    iri = mint("org", slug_text)
    if iri in gazetteer.entities or iri in existing:
        return Entity(iri, "org", False, m.text)
    return Entity(iri, "org", True, m.text, abbr=m.abbr if m.abbr != m.text else None, cls=_org_class(m.text, lang))


def entity_slug(e: Entity) -> str:
    """The slug of an entity's IRI (`org/xsa` -> `xsa`), for minting IRIs built from it."""
    return str(e.iri)[len(str(ID)):].split("/", 1)[-1]
