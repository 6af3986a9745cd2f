"""Reviewing a draft: the decisions a curator takes on each drafted fact and proposed link.

One small API for the terminal (`coopgraph review`, :mod:`coopgraph.cli.review`) and the
browser (:mod:`coopgraph.serve.review`), so both show the same items and record the same
decisions. Every decision is written back into the draft file at once (:func:`save`, through
:func:`coopgraph.curate.draft.write_draft`, which replaces the file atomically), so a review can stop
at any point and resume where it stopped.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from coopgraph.curate.draft import CGD, Draft, DraftError, Fact, Link, Triple, data_prefixes, write_draft
from coopgraph.namespaces import CG
from coopgraph.serialize import to_turtle

#: What a curator may decide, by the word or key they use. A link "corrected" is one whose
#: entity was replaced (:func:`replace_link`); a fact "corrected" is one whose triples were edited.
ACTIONS = {"accept": "accepted", "reject": "rejected", "pending": "pending", "reset": "pending"}


@dataclass(frozen=True)
class Item:
    """A fact or link as a reviewer sees it: its passage, the words in it, the decision."""

    key: str
    what: str  # "fact" or "link"
    kind: str  # a fact's kind (event, agreement, ...); "link" for a link
    decision: str
    passage: URIRef
    locator: str
    passage_text: str | None  # the passage's exact words (None: the draft holds no quote)
    words: str  # the fact's quote or the link's mention
    span: tuple[int, int] | None  # where ``words`` sit in ``passage_text``
    summary: str
    confidence: float
    turtle: str = ""  # a fact's triples
    entity: URIRef | None = None  # a link's entity
    new: bool = False
    replaced_by: URIRef | None = None
    #: A fact's entities that a replaced link rewrites at merge: (drafted IRI, the chosen one).
    rewrites: tuple[tuple[URIRef, URIRef], ...] = ()


_PASSAGE_FIELDS = {CG.locator: "locator", CG.quote: "quote", CG.line: "line", CG.sentence: "sentence"}


def _passage_fields(draft: Draft, only: URIRef | None = None) -> dict[Node, dict[str, str]]:
    """Locator, exact words, line and sentence of the draft's passages (or of ``only``), read
    from its source graph in one pass."""
    out: dict[Node, dict[str, str]] = {}
    for s, p, o in draft.source_triples:
        field = _PASSAGE_FIELDS.get(p)
        if field and (only is None or s == only):
            out.setdefault(s, {})[field] = str(o)
    return out


def _located(passage: Node, fields: dict[str, str]) -> tuple[str, str | None]:
    """(locator, exact words) from a passage's fields; a locator made from line and sentence when
    the source graph states none."""
    locator, line, sentence = fields.get("locator"), fields.get("line"), fields.get("sentence")
    if locator is None:
        locator = f"line {line}" + (f", sentence {sentence}" if sentence else "") if line else str(passage)
    return locator, fields.get("quote")


def passage_info(draft: Draft, passage: URIRef) -> tuple[str, str | None]:
    """(locator, exact words) of a passage, from the draft's source graph."""
    return _located(passage, _passage_fields(draft, passage).get(passage, {}))


def fact_turtle(draft: Draft, fact: Fact) -> str:
    """A fact's triples as Turtle with the data's prefixes: what the curator reads and edits."""
    return to_turtle(fact.triples, data_prefixes(draft.slug))


def items(draft: Draft) -> list[Item]:
    """Every fact, then every link, in the draft's order."""
    from coopgraph.curate.draft import entities_of

    out: list[Item] = []
    swap = draft.replacements()
    for fact in draft.facts:
        locator, text = passage_info(draft, fact.evidence)
        rewrites = tuple(sorted((e, swap[e]) for e in entities_of(fact.triples) if e in swap))
        out.append(Item(fact.key, "fact", fact.kind, fact.decision, fact.evidence, locator, text, fact.quote,
                        _span(text, fact.quote), fact.summary, fact.confidence, turtle=fact_turtle(draft, fact),
                        rewrites=rewrites))
    for link in draft.links:
        locator, text = passage_info(draft, link.evidence)
        out.append(Item(link.key, "link", "link", link.decision, link.evidence, locator, text, link.mention,
                        _span(text, link.mention), "", link.confidence, entity=link.entity, new=link.new,
                        replaced_by=link.replaced_by))
    return out


def _span(text: str | None, words: str) -> tuple[int, int] | None:
    if not text or not words:
        return None
    start = text.find(words)
    if start < 0:
        start = text.casefold().find(words.casefold())
    return (start, start + len(words)) if start >= 0 else None


def drafted_label(draft: Draft, entity: URIRef) -> str | None:
    """The label a draft's own facts give a (new) entity: English first, else any."""
    from coopgraph.namespaces import RDFS

    labels = sorted((o.language != "en", str(o)) for fact in draft.facts for s, p, o in fact.triples
                    if s == entity and p == RDFS.label and isinstance(o, Literal))
    return labels[0][1] if labels else None


def pending(draft: Draft) -> list[str]:
    """Keys of the facts and links not decided yet, in order: where a review resumes."""
    return [i.key for i in [*draft.facts, *draft.links] if i.decision == "pending"]


def status(draft: Draft) -> dict[str, Counter[str]]:
    """Decisions counted, for facts and for links."""
    return {"facts": Counter(f.decision for f in draft.facts), "links": Counter(m.decision for m in draft.links)}


def status_text(draft: Draft) -> str:
    """One line per kind: ``facts: 3 accepted, 1 rejected, 2 pending (6)``."""
    lines = []
    for what, counts in status(draft).items():
        total = sum(counts.values())
        parts = ", ".join(f"{counts[d]} {d}" for d in ("accepted", "corrected", "rejected", "pending") if counts[d])
        lines.append(f"{what}: {parts or 'none'} ({total})")
    return "\n".join(lines) + "\n"


def decide(draft: Draft, key: str, action: str) -> Fact | Link:
    """Accept, reject or reset one fact or link (by key, ``f3`` or ``m4``).

    Accepting a link whose entity was replaced keeps the replacement (it stays "corrected");
    resetting it to pending drops the replacement.
    """
    if action not in ACTIONS:
        raise DraftError(f"unknown decision {action!r}; use one of {', '.join(sorted(ACTIONS))}")
    item = draft.find(key)
    decision = ACTIONS[action]
    if isinstance(item, Link):
        if decision == "pending":
            item.replaced_by = None
        elif decision == "accepted" and item.replaced_by is not None:
            decision = "corrected"
        elif decision == "rejected":
            item.replaced_by = None
    item.decision = decision
    return item


def replace_link(draft: Draft, key: str, entity: URIRef) -> Link:
    """Link a mention to ``entity`` instead: a new entity merged into a known one, or a wrong
    link replaced. Replacing a link by its own entity accepts it."""
    item = draft.find(key)
    if not isinstance(item, Link):
        raise DraftError(f"{key} is a fact, not a link: only a link's entity can be replaced")
    if entity == item.entity:
        item.replaced_by, item.decision = None, "accepted"
    else:
        item.replaced_by, item.decision = URIRef(entity), "corrected"
    return item


def resolve_in_draft(draft: Draft, name: str, resolve: Callable[[str], URIRef]) -> URIRef:
    """The entity ``name`` means when a curator replaces a link: another link's key (``m3``: the
    same entity as m3), a known entity (``resolve``, the graph's names), or an entity this
    draft proposes, by its IRI or a mention of it (a new agency named twice, linked twice).

    A new entity is not in the graph yet, so the graph alone could not name it; a known one
    wins over a new one of the same name.
    """
    from coopgraph.graph import normalize
    from coopgraph.errors import UsageError
    from coopgraph.namespaces import short_iri as iri_of

    text = name.strip()
    links = {link.key: link for link in draft.links}
    if text in links:
        return links[text].replaced_by or links[text].entity
    proposed = {link.entity for link in draft.links if link.new}
    iri = iri_of(text)
    if iri is not None and iri in proposed:
        return iri
    try:
        return resolve(text)
    except UsageError:
        named = {link.entity for link in draft.links if link.new and normalize(link.mention) == normalize(text)}
        if len(named) == 1:
            return next(iter(named))
        raise


def correct(draft: Draft, key: str, turtle: str) -> Fact:
    """Replace a fact's triples by the curator's Turtle; the fact becomes "corrected".

    The data's prefixes (``ag:``, ``cg:``, ``mtg:``…) are declared, so the curator may leave
    them out. A syntax error is a DraftError naming the fact and the line of ``turtle``; blank
    nodes and the draft vocabulary are refused (data/ has neither), and so is an empty text
    (reject the fact instead).
    """
    item = draft.find(key)
    if not isinstance(item, Fact):
        raise DraftError(f"{key} is a link, not a fact: replace its entity instead")
    item.triples = parse_turtle(draft, turtle, f"correction of {key}")
    item.decision = "corrected"
    return item


def passages(draft: Draft) -> list[tuple[str, URIRef, str, str, bool]]:
    """Every passage of the draft's source, in reading order: (key, IRI, locator, exact words,
    whether a fact cites it). The key is the passage IRI's last segment (``L5-s1``)."""
    cited = {fact.evidence for fact in draft.facts}
    fields = _passage_fields(draft)
    found = sorted((s for s, f in fields.items() if "quote" in f and isinstance(s, URIRef)),
                   key=lambda s: (int(fields[s].get("line", 0)), int(fields[s].get("sentence", 0)), str(s)))
    out = []
    for iri in found:
        locator, text = _located(iri, fields[iri])
        out.append((str(iri).rsplit("/", 1)[-1], iri, locator, text or "", iri in cited))
    return out


def _quoted(draft: Draft, passage: str, words: str | None) -> tuple[str, URIRef, str]:
    """(key, IRI, quote) of the passage a curator names, the quote checked word for word."""
    found = passages(draft)
    match = [x for x in found if passage in (x[0], str(x[1]))]
    if not match:
        match = [x for x in found if x[0].split("-s", 1)[0] == passage]
        if len(match) > 1:
            keys = ", ".join(x[0] for x in match)
            raise DraftError(f"passage {passage!r} has {len(match)} sentences: name one ({keys})")
    if not match:
        raise DraftError(f"draft {draft.slug}: no passage {passage!r} (see coopgraph review DRAFT --passages)")
    key, iri, _, text, _ = match[0]
    quote = " ".join((words or text).split())
    if " ".join(text.split()).find(quote) < 0:
        raise DraftError(f"passage {key} does not say {quote!r} word for word")
    return key, iri, quote


def move_fact(draft: Draft, key: str, passage: str, words: str | None = None) -> Fact:
    """Cite a fact to another passage: the drafter put it on the wrong sentence.

    The fact keeps its triples; its quote is ``words`` or, by default, its old quote, which the
    new passage must say word for word (else give ``words``). The fact becomes "corrected".
    """
    item = draft.find(key)
    if not isinstance(item, Fact):
        raise DraftError(f"{key} is a link, not a fact: only a fact is cited to a passage")
    _, iri, quote = _quoted(draft, passage, words or item.quote)
    item.evidence, item.quote, item.decision = iri, quote, "corrected"
    return item


def add_fact(draft: Draft, passage: str, turtle: str, words: str | None = None, kind: str = "added") -> Fact:
    """A fact the drafter missed, written by the curator for one passage of the source.

    ``passage`` is the passage's key (``L5-s1``), its IRI, or ``L5`` for a line of one
    sentence. The fact quotes ``words`` (exact words of the passage; default: the whole
    passage) and is kept at merge like a corrected one; its Turtle is checked as a correction is.
    """
    key, iri, quote = _quoted(draft, passage, words)
    fact = Fact(draft.fact_iri(len(draft.facts) + 1), kind, iri, quote, 1.0, f"added by the curator for {key}")
    fact.triples = parse_turtle(draft, turtle, f"the fact added for {key}")
    fact.decision = "corrected"
    draft.facts.append(fact)
    return fact


def parse_turtle(draft: Draft, text: str, what: str) -> list[Triple]:
    """Triples of a Turtle text a curator wrote, with the data prefixes predeclared."""
    from coopgraph.load import rdflib_quads

    prefixes = data_prefixes(draft.slug)
    head = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in prefixes.items())
    shift = head.count("\n")
    try:
        quads = list(ox.parse((head + text).encode("utf-8"), format=ox.RdfFormat.TURTLE))
    except SyntaxError as e:
        line = max(1, (e.lineno or shift + 1) - shift)
        message = re.sub(r"^\s*Parser error at [^:]*:\s*", "", " ".join((e.msg or str(e)).split()))
        if message.lower().startswith("unexpected end"):
            message += " (does the last statement end with ' .'?)"
        raise DraftError(f"{what}, line {line}: {message}") from None
    triples: list[Triple] = []
    for s, p, o, _ in rdflib_quads(Path(what), quads):
        if isinstance(s, BNode) or isinstance(o, BNode):
            raise DraftError(f"{what}: blank nodes are not allowed (data/ has none): give the node an IRI")
        if str(p).startswith(str(CGD)) or (isinstance(o, URIRef) and str(o).startswith(str(CGD))):
            raise DraftError(f"{what}: the draft vocabulary (cgd:) cannot be a fact")
        triples.append((s, p, o))
    if not triples:
        raise DraftError(f"{what}: no triples (to drop the fact, reject it)")
    return sorted(triples)


def save(draft: Draft, path: Path) -> None:
    """Write the decisions back into the draft file (atomically: an interrupted save leaves the
    previous file)."""
    write_draft(draft, Path(path))


def literal_text(value: object) -> str:
    """A term as a reviewer reads it: a CURIE or IRI, or a literal's text with its language."""
    from coopgraph.namespaces import curie

    if isinstance(value, Literal):
        return f'"{value}"' + (f"@{value.language}" if value.language else "")
    return curie(str(value)) or short_iri(str(value))


def short_iri(iri: str) -> str:
    """``org/samr`` for an entity IRI under the project's id namespace, else the IRI itself."""
    from coopgraph.namespaces import ID

    return iri[len(str(ID)):] if iri.startswith(str(ID)) else iri
