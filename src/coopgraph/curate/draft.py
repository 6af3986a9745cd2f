"""The draft format: what `coopgraph ingest` writes and `review` and `merge` read.

A draft is a TriG file in the project's own model, so a curator can open it in any RDF tool, and
so that what `merge` writes is exactly what was reviewed. docs/drafts.md describes the format;
this module is its only reader and writer, so ingest, review (terminal and browser) and merge
cannot disagree about it.

- The graph named by the source document's IRI describes the document and its passages (each a
  `cg:Evidence` with its line, sentence and exact `cg:quote`), as in data/.
- The graph named by the draft's IRI (`…/id/draft/{slug}`) holds one `cgd:Fact` per drafted fact
  and one `cgd:Link` per mention linked to an entity, with the passage, the words, a confidence
  and the curator's decision.
- Each fact's triples sit in a named graph of their own, named by the fact's IRI; `merge` moves
  the accepted ones into the graph of their passage.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import BNode, Literal, Namespace, URIRef
from rdflib.term import Node

from coopgraph.errors import CoopgraphError
from coopgraph.namespaces import CG, ID, PREFIXES, RDF, RDFS, XSD

#: The draft vocabulary. It is not part of the data ontology: merge never writes it.
CGD = Namespace("https://w3id.org/coopgraph/draft#")
SOURCE = Namespace(str(ID) + "source/")
DRAFT = Namespace(str(ID) + "draft/")

#: Prefixes a draft's TriG shortens entity IRIs with (those of data/), so a curator reads
#: ``ag:kats`` rather than the whole IRI; ``fact:`` and ``ev:`` are the draft's own facts and passages.
DRAFT_ID_PREFIXES = {name: f"{ID}{kind}/" for name, kind in (
    ("ag", "org"), ("person", "person"), ("post", "post"), ("tenure", "tenure"), ("mtg", "meeting"),
    ("side", "side"), ("att", "attendance"), ("agr", "agreement"), ("cmt", "commitment"), ("country", "country"),
    ("role", "role"), ("mtype", "meeting-type"), ("status", "status"), ("topic", "topic"))}

DECISIONS = ("pending", "accepted", "rejected", "corrected")
#: Decisions whose facts merge writes.
KEPT = ("accepted", "corrected")

Triple = tuple[Node, Node, Node]


class DraftError(CoopgraphError):
    """A draft file that cannot be read as a draft (exit 2 at the command line)."""

    exit_code = 2


@dataclass
class Fact:
    """One drafted fact: triples a passage states, to be accepted, rejected or corrected."""

    iri: URIRef
    kind: str
    evidence: URIRef
    quote: str
    confidence: float
    summary: str = ""
    decision: str = "pending"
    triples: list[Triple] = field(default_factory=list)

    @property
    def key(self) -> str:
        """The short name a curator types (`f3`)."""
        return str(self.iri).rsplit("/", 1)[-1]


@dataclass
class Link:
    """A mention in the text linked to an entity: a known one, or a new one the draft proposes."""

    iri: URIRef
    mention: str
    evidence: URIRef
    entity: URIRef
    new: bool
    confidence: float
    decision: str = "pending"
    #: Set by review: the entity the mention really is (a new entity merged into a known one,
    #: or a wrong link replaced). merge rewrites `entity` to it in every kept fact.
    replaced_by: URIRef | None = None

    @property
    def key(self) -> str:
        """The short name a curator types (`m4`)."""
        return str(self.iri).rsplit("/", 1)[-1]


@dataclass
class Draft:
    """A whole draft: the source, its passages, the facts and the links."""

    slug: str
    source_triples: list[Triple] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    #: Anything else the draft's own graph says of itself (article path, language, tool).
    about: list[Triple] = field(default_factory=list)

    @property
    def iri(self) -> URIRef:
        """The draft's IRI, also the name of the graph that holds its facts and links."""
        return DRAFT[self.slug]

    @property
    def source(self) -> URIRef:
        """The source document's IRI (and the name of the graph describing it)."""
        return SOURCE[self.slug]

    def fact_iri(self, n: int) -> URIRef:
        """The IRI of fact number ``n`` (`…/id/draft/{slug}/f{n}`)."""
        return URIRef(f"{self.iri}/f{n}")

    def link_iri(self, n: int) -> URIRef:
        """The IRI of link number ``n`` (`…/id/draft/{slug}/m{n}`)."""
        return URIRef(f"{self.iri}/m{n}")

    def find(self, key: str) -> Fact | Link:
        """The fact or link a curator names by its key (`f3`, `m4`) or full IRI."""
        for item in [*self.facts, *self.links]:
            if key in (item.key, str(item.iri)):
                return item
        raise DraftError(f"draft {self.slug}: no fact or link {key!r}")

    def replacements(self) -> dict[URIRef, URIRef]:
        """Entity IRI -> the IRI review chose instead, from every link that was corrected."""
        return {
            link.entity: link.replaced_by
            for link in self.links
            if link.replaced_by is not None and link.decision != "rejected"
        }

    def kept_quads(self) -> Iterator[tuple[Node, Node, Node, URIRef]]:
        """The quads merge writes: the source graph, and each kept fact in its passage's graph,
        with replaced entities rewritten."""
        swap = self.replacements()

        def term(t: Node) -> Node:
            return swap.get(t, t) if isinstance(t, URIRef) else t

        for s, p, o in self.source_triples:
            yield s, p, o, self.source
        for fact in self.facts:
            if fact.decision in KEPT:
                for s, p, o in fact.triples:
                    yield term(s), p, term(o), fact.evidence


#: Prefix -> kind of entity IRI (``…/id/{kind}/``), as every data/ file declares them.
ENTITY_PREFIXES: dict[str, str] = {
    "ag": "org", "agent": "agent", "person": "person", "post": "post", "tenure": "tenure",
    "mtg": "meeting", "side": "side", "att": "attendance", "agr": "agreement", "cmt": "commitment",
    "law": "law", "strat": "strategy", "act": "act", "sr": "status-report", "place": "place",
    "region": "region", "country": "country", "group": "group", "topic": "topic", "role": "role",
    "rank": "rank", "mtype": "meeting-type", "status": "status", "name": "name", "nametype": "name-type",
    "project": "project", "instant": "instant", "interval": "interval", "change": "change",
    "changekind": "change-kind", "curation": "curation",
}


def data_prefixes(slug: str) -> dict[str, str]:
    """The prefixes of a data file for source ``slug``: the vocabularies, the entity kinds,
    ``src:`` and ``ev:`` (its passages). Review shows fact triples with them and merge writes
    ``data/{slug}.trig`` with them, so a reviewed fact reads as it will be stored."""
    prefixes = dict(PREFIXES)
    prefixes.update({p: f"{ID}{kind}/" for p, kind in ENTITY_PREFIXES.items()})
    prefixes["src"] = str(SOURCE)
    prefixes["ev"] = f"{ID}evidence/{slug}/"
    return prefixes


def _one(values: list[Node], what: str, where: Node, path: Path) -> Node:
    if len(values) != 1:
        raise DraftError(f"{path}: {where} must have exactly one {what}, found {len(values)}")
    return values[0]


def write_draft(draft: Draft, path: Path) -> None:
    """Write ``draft`` as TriG at ``path``, in a stable order so re-runs and reviews diff cleanly."""
    from coopgraph.serialize import to_trig

    meta: list[Triple] = [(draft.iri, RDF.type, CGD.Draft), (draft.iri, CGD.source, draft.source)]
    meta += draft.about
    graphs: dict[Node | None, list[Triple]] = {draft.source: list(draft.source_triples)}
    for fact in draft.facts:
        meta += [
            (fact.iri, RDF.type, CGD.Fact),
            (fact.iri, CGD.kind, Literal(fact.kind)),
            (fact.iri, CGD.evidence, fact.evidence),
            (fact.iri, CGD.quote, Literal(fact.quote)),
            (fact.iri, CGD.confidence, Literal(f"{fact.confidence:.3f}", datatype=XSD.decimal)),
            (fact.iri, CGD.decision, Literal(fact.decision)),
        ]
        if fact.summary:
            meta.append((fact.iri, RDFS.comment, Literal(fact.summary)))
        graphs[fact.iri] = list(fact.triples)
    for link in draft.links:
        meta += [
            (link.iri, RDF.type, CGD.Link),
            (link.iri, CGD.mention, Literal(link.mention)),
            (link.iri, CGD.evidence, link.evidence),
            (link.iri, CGD.entity, link.entity),
            (link.iri, CGD.new, Literal(link.new)),
            (link.iri, CGD.confidence, Literal(f"{link.confidence:.3f}", datatype=XSD.decimal)),
            (link.iri, CGD.decision, Literal(link.decision)),
        ]
        if link.replaced_by is not None:
            meta.append((link.iri, CGD.replacedBy, link.replaced_by))
    graphs[draft.iri] = meta
    prefixes = {**PREFIXES, "cgd": str(CGD), "draft": str(DRAFT), "src": str(SOURCE),
                "fact": f"{draft.iri}/", "ev": f"{ID}evidence/{draft.slug}/", **DRAFT_ID_PREFIXES}
    text = to_trig(graphs, prefixes, header=f"# coopgraph draft of {draft.source}: review it with `coopgraph review`.\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    # A temporary file of its own in the same folder, then one rename: a reader (or a second
    # reviewer, terminal and browser at once) sees the old draft or the new, never half of one.
    import os
    import tempfile

    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o644)  # mkstemp makes it 0600
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_draft(path: Path) -> Draft:
    """Read a draft written by :func:`write_draft` (and perhaps edited by hand).

    Raises DraftError, naming the file and what is wrong, for a file that is not a draft, a fact
    without its passage, an unknown decision, or a passage the source graph does not describe.
    """
    from coopgraph.load import read_quads, rdflib_quads

    path = Path(path)
    quads = list(rdflib_quads(path, read_quads(path)))
    graphs: dict[Node, list[Triple]] = {}
    for s, p, o, g in quads:
        graphs.setdefault(g, []).append((s, p, o))
    drafts = [s for s, p, o, g in quads if p == RDF.type and o == CGD.Draft]
    if len(drafts) != 1:
        raise DraftError(f"{path}: not a coopgraph draft (it must describe exactly one cgd:Draft)")
    iri = drafts[0]
    if not str(iri).startswith(str(DRAFT)) or isinstance(iri, BNode):
        raise DraftError(f"{path}: the draft's IRI {iri} is not under {DRAFT}")
    draft = Draft(slug=str(iri)[len(str(DRAFT)):])
    meta = graphs.get(iri, [])
    by_subject: dict[Node, dict[Node, list[Node]]] = {}
    for s, p, o in meta:
        by_subject.setdefault(s, {}).setdefault(p, []).append(o)
    draft.about = [
        (s, p, o) for s, p, o in meta if s == iri and p not in (RDF.type, CGD.source)
    ]
    draft.source_triples = sorted(graphs.get(draft.source, []))
    passages = {s for s, p, o in draft.source_triples if p == RDF.type and o == CG.Evidence}

    def decision(subject: Node, props: dict[Node, list[Node]]) -> str:
        value = str(_one(props.get(CGD.decision, []), "cgd:decision", subject, path))
        if value not in DECISIONS:
            raise DraftError(
                f"{path}: {subject} has decision {value!r}; it must be one of {', '.join(DECISIONS)}"
            )
        return value

    def evidence(subject: Node, props: dict[Node, list[Node]]) -> URIRef:
        ev = _one(props.get(CGD.evidence, []), "cgd:evidence", subject, path)
        if ev not in passages:
            raise DraftError(f"{path}: {subject} cites passage {ev}, which the source graph does not describe")
        return URIRef(ev)

    for subject, props in sorted(by_subject.items()):
        types = props.get(RDF.type, [])
        if CGD.Fact in types:
            draft.facts.append(Fact(
                iri=URIRef(subject),
                kind=str(_one(props.get(CGD.kind, []), "cgd:kind", subject, path)),
                evidence=evidence(subject, props),
                quote=str(_one(props.get(CGD.quote, []), "cgd:quote", subject, path)),
                confidence=float(_one(props.get(CGD.confidence, []), "cgd:confidence", subject, path)),
                summary=str(props.get(RDFS.comment, [""])[0]),
                decision=decision(subject, props),
                triples=sorted(graphs.get(subject, [])),
            ))
        elif CGD.Link in types:
            replaced = props.get(CGD.replacedBy, [])
            draft.links.append(Link(
                iri=URIRef(subject),
                mention=str(_one(props.get(CGD.mention, []), "cgd:mention", subject, path)),
                evidence=evidence(subject, props),
                entity=URIRef(_one(props.get(CGD.entity, []), "cgd:entity", subject, path)),
                new=bool(_one(props.get(CGD.new, []), "cgd:new", subject, path).toPython()),
                confidence=float(_one(props.get(CGD.confidence, []), "cgd:confidence", subject, path)),
                decision=decision(subject, props),
                replaced_by=URIRef(replaced[0]) if replaced else None,
            ))
    draft.facts.sort(key=lambda f: _number(f.key))
    draft.links.sort(key=lambda m: _number(m.key))
    return draft


def _number(key: str) -> tuple[int, str]:
    digits = "".join(c for c in key if c.isdigit())
    return (int(digits) if digits else 0, key)


def entities_of(triples: Iterable[Triple]) -> set[URIRef]:
    """The IRIs a set of triples mentions as subject or object (not predicates or classes)."""
    out: set[URIRef] = set()
    for s, p, o in triples:
        if isinstance(s, URIRef):
            out.add(s)
        if isinstance(o, URIRef) and p != RDF.type:
            out.add(o)
    return out
