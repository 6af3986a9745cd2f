"""What the passages state about the entities: posts, events, agreements and commitments.

Each finding keeps the passage and the exact words it rests on, so the draft can cite them. Only
what the words give is kept: a date at the precision the text gives (a missing year from the
article's own date only), the parties a sentence names, the role words next to a name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from coopgraph.ingest import lexicon
from coopgraph.ingest.dates import FoundDate, find_dates, shift_year
from coopgraph.ingest.mentions import Entity, Mention
from coopgraph.ingest.passages import Passage


@dataclass
class PostFinding:
    """A person holding a role in an organisation, as one passage states it."""

    person: Entity
    org: Entity
    role: str  # the title as written (role words, and the organisation when they name it)
    role_concept: str  # a role of the vocabulary, or ""
    passage: Passage
    quote: str
    confidence: float
    role_words: str = ""  # the role words alone ("Deputy Minister"), for the post's IRI


@dataclass
class EventFinding:
    """A meeting, visit, signing, forum... with its date at the text's precision."""

    type: str
    passage: Passage
    quote: str
    date: str | None
    participants: list[Entity] = field(default_factory=list)
    confidence: float = 0.6
    #: The signing this event is the frame of ("the signing took place during the session"):
    #: the text dates the one, so the other is on that day too.
    frames: EventFinding | None = None


@dataclass
class AgreementFinding:
    """A written instrument the text names, with its parties and signing date."""

    kind: str
    words: str
    passage: Passage
    quote: str
    parties: list[Entity] = field(default_factory=list)
    signed: str | None = None
    event: EventFinding | None = None
    topics: list[str] = field(default_factory=list)
    confidence: float = 0.6


@dataclass
class PlanFinding:
    """A named strategy, plan, project or programme (one organisation's, not an agreement)."""

    cls: str  # Strategy or Project
    title: str
    passage: Passage
    issuer: Entity | None = None
    confidence: float = 0.5


@dataclass
class CommitmentFinding:
    """What a party will do, in the words of one passage."""

    by: list[Entity]
    passage: Passage
    quote: str
    agreement: AgreementFinding | None = None
    event: EventFinding | None = None
    confidence: float = 0.5


@dataclass
class Findings:
    """Everything drafted from one article."""

    posts: list[PostFinding] = field(default_factory=list)
    events: list[EventFinding] = field(default_factory=list)
    agreements: list[AgreementFinding] = field(default_factory=list)
    commitments: list[CommitmentFinding] = field(default_factory=list)
    plans: list[PlanFinding] = field(default_factory=list)


def _in(m: Mention, p: Passage) -> bool:
    return p.start <= m.start < p.end


def _find_words(text: str, words: dict[str, str] | list[str], lang: str) -> list[tuple[int, int, str]]:
    """Lexicon words in ``text`` (longest first, case-insensitive, whole words outside Chinese,
    in any case ending in Russian: :func:`coopgraph.ingest.lexicon.phrase_pattern`)."""
    items = words.items() if isinstance(words, dict) else ((w, w) for w in words)
    found: list[tuple[int, int, str]] = []
    for word, value in sorted(items, key=lambda kv: -len(kv[0])):
        for m in lexicon.phrase_pattern(word, lang).finditer(text):
            if not any(a < m.end() and m.start() < b for a, b, _ in found):
                found.append((m.start(), m.end(), value))
    return sorted(found)


def _posts(passages: list[Passage], mentions: list[Mention], lang: str) -> list[PostFinding]:
    lex = lexicon.language(lang)
    roles = dict(lex["roles"])
    if lang != "en":
        roles.update({k: v for k, v in lexicon.language("en")["roles"].items() if k[0].isupper() and len(k) > 3})
    out: list[PostFinding] = []
    heads = sorted(set(lex.get("org_heads", [])) | set(lexicon.language("en")["org_heads"]), key=len, reverse=True)
    for n, p in enumerate(passages):
        ms = [m for m in mentions if _in(m, p) and m.entity is not None]
        # a sentence broken over lines goes on in the next passage: its organisations count
        earlier: list[Mention] = []
        k = n
        while k > 0 and passages[k - 1].line == passages[k].line - 1 and not re.search(r"[.!?。;；]\s*$", passages[k - 1].text) \
                and n - k < 3:
            k -= 1
            earlier = [m for m in mentions if _in(m, passages[k]) and m.entity is not None and m.kind == "org"] + earlier
        people = [m for m in ms if m.kind == "person"]
        orgs = [m for m in ms if m.kind == "org"]
        found_roles = _find_words(p.text, {r: r for r in roles}, lang)
        for person in people:
            a, b = person.start - p.start, person.end - p.start
            best: tuple[int, tuple[int, int, str], Mention | None] | None = None
            for r in found_roles:
                ra, rb, role = r
                if rb <= a:  # role before the name: "Thứ trưởng Bộ ABC Nguyễn Văn A", "President of XSA, Mr X"
                    gap = p.text[rb:a]
                    org = next((o for o in orgs if rb <= o.start - p.start and o.end - p.start <= a), None)
                    rest = gap
                    if org is not None:
                        rest = gap.replace(p.text[org.start - p.start:org.end - p.start], "")
                    rest = re.sub(r"\([^)]{1,15}\)", "", rest)
                    listed = re.search(r"(?:,\s*|\s)(?:and|và|и)\s|[、;。]", gap) is not None
                    if not listed and len(rest.strip(" ,:–-.'’s的")) <= 12 and not any(
                            a2 < a and a2 >= rb for a2 in (q.start - p.start for q in people if q is not person)):
                        # the organisation may come before the role ("XSA President X", "某某局长")
                        if org is None:
                            org = next((o for o in reversed(orgs) if 0 <= ra - (o.end - p.start) <= 3), None)
                        dist = a - rb
                        if best is None or dist < best[0]:
                            best = (dist, r, org)
                elif ra >= b:  # role after the name: "Mr X, Director of XSA", "某某局长", "Nguyễn Văn A - Viện trưởng"
                    gap = p.text[b:ra]
                    if len(gap.strip(" ,:–-")) == 0 and ra - b <= 4:
                        org = None
                        if lang != "zh":
                            org = next((o for o in orgs if re.fullmatch(r"\s*(?:of the|of|at|for|của|,)?\s*",
                                                                         p.text[rb:o.start - p.start] if o.start - p.start >= rb else "x")), None)
                        if org is None:  # "某国标准计量局某某局长": the organisation before the name
                            org = next((o for o in reversed(orgs) if 0 <= a - (o.end - p.start) <= 1), None)
                        dist = ra - b
                        if best is None or dist < best[0]:
                            best = (dist, r, org)
            fallback = False
            if best is not None and best[2] is None:
                # no organisation next to the role: the one the passage last named before the
                # person ("đại diện Viện X gồm ông A - Viện trưởng"), with a lower confidence;
                # one whose name has the head the role names ("Viện trưởng", "副司长") first
                before = earlier + [o for o in orgs if o.end <= person.start]
                role_text = p.text[best[1][0]:best[1][1]]
                head = next((h for h in heads if h in role_text and len(h) >= (1 if lang == "zh" else 3)), None)
                fitting = [o for o in before if head and o.entity is not None and head in o.entity.label]
                org = (fitting or before or [None])[-1]
                if org is None:
                    continue
                best = (best[0], best[1], org)
                fallback = True
            if best is None or best[2] is None or best[2].entity is None or best[2].entity.kind != "org":
                continue
            _, (ra, rb, role), org = best
            start = min(ra, a, org.start - p.start)
            end = max(rb, b, org.end - p.start)
            role_words = p.text[ra:rb]
            if fallback:
                start, end = min(ra, a), max(rb, b)
            title = p.text[min(ra, org.start - p.start):max(rb, org.end - p.start)] if not fallback and (
                abs(org.start - p.start - rb) <= 9 or abs(ra - (org.end - p.start)) <= 3) else role_words
            if any(x.person is person.entity and x.org is org.entity for x in out):
                continue
            for close, open_ in ((")", "("), ("）", "（")):
                if close in title and open_ not in title.split(close)[0]:
                    title = title.split(close, 1)[1]  # "DIN)主席": the bracket's other half is outside
            confidence = 0.4 if fallback else (0.7 if abs(start - end) < 120 else 0.5)
            out.append(PostFinding(person.entity, org.entity, title.strip(" ,()（）"), roles.get(role, ""), p,
                                   p.text[start:end], confidence, role_words))
    return out


def _dates(p: Passage, lang: str, published: str | None, dateline: int | None) -> list[FoundDate]:
    """The dates of a passage that can be an event's: not the article's own dateline; "today"
    and the like resolved from the article's date only."""
    dates = find_dates(p.text, lang, published)
    if dateline is not None and p.line == dateline:
        dates = dates[1:]  # the first date of the dateline is the article's, not an event's
    if published:
        for word, shift in lexicon.language(lang).get("relative", {}).items():
            if shift is None:
                continue
            for m in lexicon.phrase_pattern(word, lang).finditer(p.text):
                if len(published) == 10 and shift == 0:
                    dates.append(FoundDate(published, m.start(), m.end(), True))
    return sorted(dates, key=lambda d: d.start)


def _events(passages: list[Passage], mentions: list[Mention], lang: str, published: str | None,
            dateline: int | None = None) -> list[EventFinding]:
    lex = lexicon.language(lang)
    cues = dict(lex["events"])
    if lang != "en":
        cues.update({k: v for k, v in lexicon.language("en")["events"].items() if len(k) > 6})
    instrument_words = _agreement_words(lang)
    out: list[EventFinding] = []
    for p in passages:
        found = _find_words(p.text, cues, lang)
        if not found:
            continue
        dates = _dates(p, lang, published, dateline)
        last_year = any(w in p.text.lower() for w in lex.get("last_year", []))
        ms = [m.entity for m in mentions if _in(m, p) and m.entity is not None and m.kind in ("org", "person")]
        participants: list[Entity] = []
        for e in ms:
            if e not in participants:
                participants.append(e)
        types = []
        for a, b, t in found:
            if t not in types:
                types.append(t)
        # a passage tells of one event, or of a signing held during another (a meeting, a forum):
        # the signing first, then the first other cue; each takes the date nearest its words
        kinds = (["signing"] if "signing" in types else []) + [t for t in types if t != "signing"][:1]
        # a date right by an instrument's name ("the agreement in September") is the
        # instrument's: a workshop told in the same sentence does not take it (a signing may)
        instruments = _find_words(p.text, instrument_words, lang)
        own = [d for d in dates if not any(_next_to(p.text, d, x, y, lang) for x, y, _ in instruments)]
        during = lexicon.language(lang).get("held_during", [])
        signing: EventFinding | None = None
        for kind in kinds:
            a, b, _ = next(f for f in found if f[2] == kind)
            usable = dates if kind == "signing" else own
            date: FoundDate | None = min(usable, key=lambda d: abs(d.start - a)) if usable else None
            value = date.value if date else None
            if value is None and last_year and published:
                value = shift_year(published, -1)
            start = min(a, date.start) if date else a
            end = max(b, date.end) if date else b
            event = EventFinding(kind, p, p.text[start:end], value, participants, 0.7 if value and participants else 0.5)
            if kind == "signing":
                signing = event
            elif signing is not None:
                s_at = next(f[0] for f in found if f[2] == "signing")
                between = p.text[min(s_at, a):max(s_at, a)].lower()
                if any(w.lower() in between for w in during) or any(w.lower() in p.text[:min(s_at, a)].lower() for w in during):
                    event.frames = signing
            out.append(event)
    # the same event told twice: merge an undated one into the dated one of its type
    merged: list[EventFinding] = []
    canonical: dict[int, EventFinding] = {}
    for e in out:
        same = next((m for m in merged if m.type == e.type and (m.date == e.date or e.date is None or m.date is None)), None)
        if same is None:
            merged.append(e)
            canonical[id(e)] = e
        else:
            canonical[id(e)] = same
            if same.date is None and e.date is not None:
                same.date = e.date
            for x in e.participants:
                if x not in same.participants:
                    same.participants.append(x)
            if e.frames is not None and same.frames is None:
                same.frames = e.frames
    for e in merged:
        if e.frames is not None:
            signing = canonical.get(id(e.frames), e.frames)
            if e.date is None and signing.date is not None:
                e.date = signing.date
                e.confidence = 0.5
            elif signing.date is None and e.date is not None:
                signing.date = e.date  # signed during a meeting the text dates
                signing.confidence = 0.5
    return merged


def _topics(text: str) -> list[str]:
    low = text.lower()
    return [t for t, cues in lexicon.common()["topics"].items() if any(c in low for c in cues)]


def _agreement_words(lang: str) -> dict[str, str]:
    """The words naming a written instrument (MOU, agreement, protocol), the English ones too."""
    words = dict(lexicon.language(lang)["agreements"])
    if lang != "en":
        words.update({k: v for k, v in lexicon.language("en")["agreements"].items() if len(k) > 4})
    return words


def _next_to(text: str, date: FoundDate, a: int, b: int, lang: str) -> bool:
    """Whether a date stands right by the words at ``a:b`` of ``text``: just after them, at most
    a short word between ("the agreement in September", "MOU of 5 June"), or in Chinese just
    before them with 的 ("9月的协议"). Such a date is that instrument's, not the date of an event
    the sentence also tells; a comma between ("1月20日，《…备忘录》签字仪式") breaks the tie."""
    if date.start >= b and re.fullmatch(r"\s*(?:[^\W\d_]{1,4}\s+)?", text[b:date.start]):
        return True
    return lang == "zh" and date.end <= a and text[date.end:a] in ("", "的")


def _agreements(passages: list[Passage], mentions: list[Mention], lang: str, published: str | None,
                events: list[EventFinding], dateline: int | None = None) -> list[AgreementFinding]:
    lex = lexicon.language(lang)
    words = _agreement_words(lang)
    signs = lex["sign_verbs"] + (lexicon.language("en")["sign_verbs"] if lang != "en" else [])
    out: list[AgreementFinding] = []
    for p in passages:
        found = _find_words(p.text, words, lang)
        if not found:
            continue
        orgs: list[Entity] = []
        for m in mentions:
            if _in(m, p) and m.entity is not None and m.kind == "org" and m.entity not in orgs:
                orgs.append(m.entity)
        signed_here = any(re.search(rf"(?<![\w]){re.escape(s)}" if lang != "zh" else re.escape(s), p.text, re.I) for s in signs)
        dates = _dates(p, lang, published, dateline)
        for a, b, kind in found[:2]:
            date = None
            if lang == "zh" and signed_here:
                # a Chinese sentence chains clauses with commas: the instrument signed is the one
                # in the clause of the verb ("就…协议文本交换了意见,并签署了合作协议")
                clause = re.split(r"[,，;；]", p.text[:a])[-1] + p.text[a:b] + re.split(r"[,，;；。]", p.text[b:])[0]
                signed_here = any(v in clause for v in signs)
            if signed_here and dates:
                d = min(dates, key=lambda d: abs(d.start - a))
                date = d.value
            elif (beside := next((d for d in dates if _next_to(p.text, d, a, b, lang)), None)) is not None:
                date = beside.value  # "the agreement in September"
            event = next((e for e in events if e.passage == p and e.type == "signing"), None)
            if event is None and signed_here:
                event = next((e for e in events if e.type == "signing"), None)
            if date is None and event is not None and signed_here:
                date = event.date
            out.append(AgreementFinding(kind, p.text[a:b], p, p.text[a:b], list(orgs), date, event,
                                        _topics(p.text), 0.7 if len(orgs) >= 2 else 0.5))
    # one instrument named again and again: keep one per kind, with every party and date found
    merged: list[AgreementFinding] = []
    for f in out:
        same = next((m for m in merged if m.kind == f.kind and (not f.parties or not m.parties or set(f.parties) & set(m.parties))
                     and (f.signed is None or m.signed is None or f.signed == m.signed)), None)
        if same is None:
            merged.append(f)
            continue
        for x in f.parties:
            if x not in same.parties:
                same.parties.append(x)
        same.signed = same.signed or f.signed
        same.event = same.event or f.event
        same.topics += [t for t in f.topics if t not in same.topics]
    both = [w.lower() for w in lex.get("both_sides", [])]
    for f in merged:
        if len(f.parties) < 2 and f.event is not None:
            for x in f.event.participants:
                if x.kind == "org" and x not in f.parties:
                    f.parties.append(x)
        if len(f.parties) < 2 and any(w in f.passage.text.lower() for w in both):
            # "the sides signed an agreement": the sides of the meeting told before it
            before = [e for e in events if e.passage.start <= f.passage.start and sum(x.kind == "org" for x in e.participants) >= 2]
            if before:
                for x in before[-1].participants:
                    if x.kind == "org" and x not in f.parties:
                        f.parties.append(x)
                f.confidence = 0.5
    return merged


def _commitments(passages: list[Passage], mentions: list[Mention], lang: str,
                 agreements: list[AgreementFinding], events: list[EventFinding]) -> list[CommitmentFinding]:
    cues = lexicon.language(lang)["commit"]
    out: list[CommitmentFinding] = []
    for p in passages:
        low = p.text.lower()
        if not any(c.lower() in low if lang != "zh" else c in p.text for c in cues):
            continue
        if _hedged(p.text, lang, cues):
            continue  # a hope, a proposal: not a commitment
        by: list[Entity] = []
        for m in mentions:
            if _in(m, p) and m.entity is not None and m.kind in ("org", "person") and m.entity not in by:
                by.append(m.entity)
        agreement = next((a for a in agreements if a.passage == p), None) or (agreements[0] if agreements else None)
        event = next((e for e in events if e.passage == p), None) or (events[0] if events else None)
        both = any(w.lower() in low for w in lexicon.language(lang).get("both_sides", []))
        if not by and agreement is not None:
            by = list(agreement.parties)
        if not by and both:
            # "the two sides agreed": the sides of the meeting the passage belongs to (the last
            # one told before it that had organisations on its sides)
            before = [e for e in events if e.passage.start <= p.start and any(x.kind == "org" for x in e.participants)]
            if before:
                event = before[-1]
                by = [x for x in event.participants if x.kind == "org"]
        if not by:
            continue
        out.append(CommitmentFinding(by, p, p.text, agreement, event, 0.5))
    return out


_QUOTED = re.compile(r"“([^”]{3,160})”|«([^»]{3,160})»|《([^》]{2,80})》|\"([^\"]{3,160})\"")
_EN_SMALL = {"the", "a", "an", "and", "or", "with", "in", "on", "by", "its", "their", "his", "her", "this", "that",
             "of", "under", "into", "from", "our", "new"}


def _plans(passages: list[Passage], mentions: list[Mention], lang: str) -> list[PlanFinding]:
    """Named plans: a quoted title holding a plan word, or a plan word heading a capitalised name
    (invented examples: "National Metrology Strategy to 2040", "Kế hoạch hành động về đo lường
    của XYZ", "XYZ 2031-2035年发展规划"). Agreements (MOU, cooperation plan) are not plans."""
    words = lexicon.language(lang).get("plans", {})
    agreement_words = [w.lower() for w in lexicon.language(lang)["agreements"]]
    out: list[PlanFinding] = []
    for p in passages:
        spans: list[tuple[int, int, str]] = []
        for m in _QUOTED.finditer(p.text):
            inner = next(g for g in m.groups() if g)
            hit = _find_words(inner, words, lang)
            if hit and not any(w in inner.lower() for w in agreement_words):
                spans.append((m.start(), m.end(), hit[0][2]))
        for a, b, cls in _find_words(p.text, words, lang):
            if any(x <= a < y for x, y, _ in spans):
                continue
            if any(p.text.lower().startswith(w, k) for w in agreement_words for k in range(max(0, a - 12), a + 1)
                   if p.text.lower()[k:k + len(w)].find(p.text.lower()[a:b]) >= 0):
                continue  # "cooperation plan", "kế hoạch hợp tác": an agreement
            if lang == "zh":
                start = a
                while start > 0 and (re.match(r"[A-Za-z0-9\-– 年]", p.text[start - 1]) or (
                        "\u3400" <= p.text[start - 1] <= "\u9fff" and p.text[start - 1] not in "的和与在了是将对为由向把被从于会签署")):
                    start -= 1
                if b - start >= len(p.text[a:b]) + 2:
                    spans.append((start, b, cls))
                continue
            if lang == "en":
                toks = list(re.finditer(r"[\w’'-]+", p.text[:a]))
                start = a
                for t in reversed(toks[-5:]):
                    between = p.text[t.end():start]
                    if re.search(r"[,.;:()“”\"]", between) or t.group(0).lower() in _EN_SMALL:
                        break
                    start = t.start()
                if not p.text[start:start + 1].isupper():
                    continue
            else:
                start = a
                if not p.text[a:a + 1].isupper():
                    continue
            tail = re.match(r"[^,.;:()“”\"«»\n]{0,80}", p.text[b:])
            end = b + len(tail.group(0).rstrip()) if tail else b
            rest = p.text[b:end].split()
            if len(rest) > 8:
                end = b + len(" ".join(rest[:8])) + (len(p.text[b:end]) - len(p.text[b:end].lstrip()))
            spans.append((start, end, cls))
        for start, end, cls in spans:
            title = p.text[start:end].strip(" “”\"«»《》")
            if len(title) < 4 or any(fold_eq(title, x.title) for x in out):
                continue
            issuer = next((m.entity for m in mentions if m.entity is not None and m.kind == "org"
                           and p.start + start <= m.start < p.start + end), None)
            out.append(PlanFinding(cls, title, p, issuer, 0.5))
    return out


def fold_eq(a: str, b: str) -> bool:
    """The same words, case and spacing aside."""
    return " ".join(a.lower().split()) == " ".join(b.lower().split())


def _hedged(text: str, lang: str, cues: list[str]) -> bool:
    """Whether the first will/agree of a sentence is governed by a hope or a proposal in its own
    clause ("hopes that the two sides will", "希望双方将"): that is not a commitment."""
    low = text.lower()
    at = [low.find(c.lower()) for c in cues if c.lower() in low]
    if not at:
        return False
    cue = min(at)
    for w in lexicon.language(lang).get("not_commit", []):
        for m in lexicon.phrase_pattern(w, lang).finditer(low):
            if m.start() < cue and not re.search(r"[,;，；。.]", low[m.end():cue]):
                return True
    return False


def find_facts(passages: list[Passage], mentions: list[Mention], lang: str, published: str | None,
               dateline: int | None = None) -> Findings:
    """Posts, events, agreements, plans and commitments the passages state.

    ``dateline`` is the line giving the article's own date, whose date is not an event's."""
    events = _events(passages, mentions, lang, published, dateline)
    agreements = _agreements(passages, mentions, lang, published, events, dateline)
    return Findings(
        posts=_posts(passages, mentions, lang),
        events=events,
        agreements=agreements,
        commitments=_commitments(passages, mentions, lang, agreements, events),
        plans=_plans(passages, mentions, lang),
    )
