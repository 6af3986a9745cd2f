"""Turn what was found in an article into a :class:`coopgraph.curate.draft.Draft` in the data model.

Every fact's triples are those data/ uses for the same thing (docs/model.md): agencies typed with
the ontology's classes, `org:Post` and `cg:Tenure` for a post, `cg:Meeting` with its sides and
attendances, `cg:Agreement` with `cg:party` and `cg:signedOn`/`cg:signedInYear` at the text's
precision, `cg:Commitment` with `cg:committedBy`. So a draft whose facts are all accepted
validates with the project's shapes like any other source.
"""

from __future__ import annotations

import re

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG, RDF, RDFS
from rdflib.term import Node

from coopgraph.curate.draft import CGD, Draft, Fact, Link
from coopgraph.ingest import lexicon
from coopgraph.ingest.facts import EventFinding, Findings
from coopgraph.ingest.mentions import Entity, Mention, entity_slug
from coopgraph.ingest.passages import Passage
from coopgraph.ingest.romanize import latin
from coopgraph.ingest.text import Article
from coopgraph.namespaces import CG, ID, XSD, mint, slugify

Triple = tuple[Node, Node, Node]
_DATATYPE = {10: XSD.date, 7: XSD.gYearMonth, 4: XSD.gYear}


def _date(value: str) -> Literal:
    return Literal(value, datatype=_DATATYPE[len(value)])


def _short(text: str, n: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


class _Builder:
    def __init__(self, article: Article, slug: str, published: str | None, title: str | None) -> None:
        self.article = article
        self.lang = article.lang
        self.draft = Draft(slug=slug)
        self.published = published
        self.title = title
        self.used: dict[Passage, URIRef] = {}
        self.ev = f"{ID}evidence/{slug}/"

    def lit(self, text: str) -> Literal:
        return Literal(" ".join(text.split()), lang=self.lang)

    def evidence(self, p: Passage) -> URIRef:
        if p not in self.used:
            self.used[p] = URIRef(self.ev + p.locator)
        return self.used[p]

    def fact(self, kind: str, p: Passage, quote: str, confidence: float, summary: str, triples: list[Triple]) -> Fact:
        if quote not in p.text:
            quote = p.text
        f = Fact(self.draft.fact_iri(len(self.draft.facts) + 1), kind, self.evidence(p), quote,
                 round(confidence, 3), _short(summary, 200), triples=triples)
        self.draft.facts.append(f)
        return f

    def link(self, m: Mention, p: Passage) -> None:
        assert m.entity is not None
        words = self.article.text[m.start:min(m.end, p.end)]
        self.draft.links.append(Link(self.draft.link_iri(len(self.draft.links) + 1), words, self.evidence(p),
                                     m.entity.iri, m.entity.new, round(m.confidence, 3)))

    def source(self) -> None:
        src = self.draft.source
        t: list[Triple] = [(src, RDF.type, CG.SourceDocument), (src, DCTERMS.language, Literal(self.lang))]
        label = self.title or self.article.path.name
        t += [(src, RDFS.label, self.lit(label)), (src, DCTERMS.title, self.lit(label))]
        if self.article.url:
            t.append((src, CG.url, Literal(self.article.url, datatype=XSD.anyURI)))
        if self.published:
            t.append((src, DCTERMS.issued, _date(self.published)))
        for p, ev in sorted(self.used.items(), key=lambda kv: (kv[0].line, kv[0].sentence)):
            t += [(ev, RDF.type, CG.Evidence), (ev, CG.source, src), (ev, CG.line, Literal(p.line)),
                  (ev, CG.sentence, Literal(p.sentence)),
                  (ev, CG.locator, Literal(f"line {p.line}, sentence {p.sentence}")),
                  (ev, CG.quote, Literal(p.text, lang=self.lang))]
        self.draft.source_triples = t


def _entity_triples(e: Entity, lang: str) -> list[Triple]:
    label = Literal(" ".join(e.label.split()), lang=lang)
    if e.kind == "person":
        return [(e.iri, RDF.type, FOAF.Person), (e.iri, RDFS.label, label), (e.iri, FOAF.name, Literal(" ".join(e.label.split())))]
    if e.kind == "country":
        t = [(e.iri, RDF.type, CG.Country), (e.iri, RDFS.label, label)]
        if e.english and lang != "en":
            t.append((e.iri, RDFS.label, Literal(e.english, lang="en")))
        return t
    cls = {"company": ORG.Organization, "association": ORG.Organization, "Organization": ORG.Organization}.get(e.cls, CG[e.cls or "Agency"])
    t = [(e.iri, RDF.type, cls), (e.iri, RDFS.label, label)]
    if e.abbr:
        t.append((e.iri, CG.abbreviation, Literal(e.abbr)))
    return t


def _iri(kind: str, *parts: str) -> URIRef:
    """`…/id/{kind}/{part}--{part}`: the IRI rule's compound slugs (tenure, side, attendance)."""
    return ID[f"{kind}/" + "--".join(slugify(p) for p in parts)]


_DATE_IN_SLUG = re.compile(r"(?<![0-9])(?:19|20)\d{2}(?:-?\d{2}){0,2}(?![0-9])")


def _event_slug(e: EventFinding, slug: str, n: int) -> str:
    """A dated event's slug starts with its date, as the IRI rule says; an undated one's with
    ``undated-`` and the source's slug without the dates a file name often carries (its
    publication day): an IRI carries no precision its source lacks, and a meeting the article
    does not date must not read as held on the day the article appeared."""
    orgs = [x for x in e.participants if x.kind == "org"][:2]
    what = "-".join(entity_slug(x)[:24] for x in orgs) or "event"
    if e.date:
        return f"{e.date}-{what}-{e.type}"
    rest = "-".join(part for part in _DATE_IN_SLUG.sub("", slug).split("-") if part) or "article"
    return f"undated-{rest}--{what}-{e.type}-{n}"


def build_draft(article: Article, slug: str, passages: list[Passage], mentions: list[Mention],
                entities: list[Entity], findings: Findings, published: str | None, title: str | None) -> Draft:
    """The draft of one article: its source graph, one fact per finding, one link per mention.

    Every passage is in the source graph, also those no fact cites: a curator who reads a
    sentence the drafter missed adds its fact there (``coopgraph review --add``); merge writes
    only the passages the kept facts cite.
    """
    b = _Builder(article, slug, published, title)
    for p in passages:
        b.evidence(p)
    lang = article.lang
    by_offset = sorted(passages, key=lambda p: p.start)

    def passage_of(m: Mention) -> Passage | None:
        return next((p for p in by_offset if p.start <= m.start < p.end), None)

    # entities: the new ones proposed with the passage of their first (fullest) mention
    for e in entities:
        if e.kind not in ("org", "person", "country"):
            continue
        first = next((m for m in e.mentions if passage_of(m) is not None), None)
        if first is None:
            continue
        if e.new:
            full = max(e.mentions, key=lambda m: (m.abbr is not None and m.text != m.abbr, len(m.text)))
            p = passage_of(full) or passage_of(first)
            assert p is not None
            words = article.text[full.start:min(full.end, p.end)]
            abbr = f" ({e.abbr})" if e.abbr else ""
            b.fact("entity", p, words, e.confidence, f"new {e.kind} {' '.join(e.label.split())}{abbr}", _entity_triples(e, lang))
    for m in mentions:
        p = passage_of(m)
        if p is not None and m.entity is not None and m.kind in ("org", "person", "country"):
            b.link(m, p)

    # posts
    for post in findings.posts:
        role_slug = slugify(latin(post.role_words or post.role)) or "post"
        org_slug = entity_slug(post.org)
        post_iri = mint("post", f"{org_slug}-{role_slug}")
        tenure = _iri("tenure", entity_slug(post.person), f"{org_slug}-{role_slug}")
        title = b.lit(post.role)
        t: list[Triple] = [(post_iri, RDF.type, ORG.Post), (post_iri, RDFS.label, title), (post_iri, ORG.postIn, post.org.iri),
                           (tenure, RDF.type, CG.Tenure), (tenure, RDFS.label, b.lit(f"{post.person.label}, {post.role}")),
                           (tenure, CG.holder, post.person.iri), (tenure, CG.tenurePost, post_iri), (tenure, CG.titleAsStated, title)]
        if post.role_concept:
            t.append((post_iri, ORG.role, ID[f"role/{post.role_concept}"]))
        if published and len(published) == 10:
            t.append((tenure, CG.attestedOn, _date(published)))
        b.fact("post", post.passage, post.quote, post.confidence,
               f"{' '.join(post.person.label.split())}: {post.role} ({' '.join(post.org.label.split())})", t)

    # events
    meeting_types = lexicon.common()["meeting_types"]
    event_iris: dict[int, URIRef] = {}
    used_slugs: set[str] = set()
    for n, ev in enumerate(findings.events, start=1):
        sides = [x for x in ev.participants if x.kind == "org"]
        people = [x for x in ev.participants if x.kind == "person"]
        if not sides:
            continue  # a meeting needs a side; who met is not stated
        ev_slug = _event_slug(ev, slug, n)
        while ev_slug in used_slugs:
            ev_slug += "-2"
        used_slugs.add(ev_slug)
        mtg = ID[f"meeting/{ev_slug}"]
        event_iris[id(ev)] = mtg
        t = [(mtg, RDF.type, CG.Meeting), (mtg, RDFS.label, b.lit(ev.quote)),
             (mtg, CG.meetingType, ID[f"meeting-type/{meeting_types.get(ev.type, 'working-session')}"])]
        if ev.date:
            t.append((mtg, DCTERMS.date, _date(ev.date)))
        side_of: dict[URIRef, URIRef] = {}
        for org in sides:
            side = _iri("side", ev_slug, entity_slug(org))
            side_of[org.iri] = side
            t += [(mtg, CG.hasSide, side), (side, RDF.type, CG.MeetingSide), (side, RDFS.label, b.lit(org.label)),
                  (side, CG.sideAgency, org.iri)]
        holders = {p.person.iri: p.org.iri for p in findings.posts}
        for person in people:
            att = _iri("attendance", ev_slug, entity_slug(person))
            t += [(att, RDF.type, CG.Attendance), (att, RDFS.label, b.lit(f"{person.label} ({ev.type})")),
                  (att, CG.attendee, person.iri), (att, CG.attendedMeeting, mtg)]
            side = side_of.get(holders.get(person.iri))  # type: ignore[arg-type]
            if side is not None:
                t.append((att, CG.onSide, side))
        names = ", ".join(" ".join(x.label.split()) for x in ev.participants[:6])
        b.fact("event", ev.passage, ev.quote, ev.confidence, f"{ev.type} on {ev.date or 'an unstated date'}: {names}", t)

    # agreements
    classes = lexicon.common()["agreement_classes"]
    agreement_iris: dict[int, URIRef] = {}
    for ag in findings.agreements:
        parties = [x for x in ag.parties if x.kind == "org"]
        if len(parties) < 2:
            continue  # an agreement has two parties: the text does not say who the other is
        year = ag.signed[:4] if ag.signed else ""
        who = "-".join(entity_slug(x)[:24] for x in parties[:3])
        iri = mint("agreement", f"{year}-{who}-{ag.kind}" if year else f"{who}-{ag.kind}")
        agreement_iris[id(ag)] = iri
        t = [(iri, RDF.type, CG[classes.get(ag.kind, "Agreement")]), (iri, RDFS.label, b.lit(ag.words)),
             (iri, CG.titleAsStated, b.lit(ag.words))]
        t += [(iri, CG.party, x.iri) for x in parties]
        if ag.signed and len(ag.signed) == 10:
            t.append((iri, CG.signedOn, _date(ag.signed)))
        elif ag.signed:
            t.append((iri, CG.signedInYear, _date(ag.signed[:4])))
        if ag.event is not None and ag.event.type == "signing" and id(ag.event) in event_iris:
            t.append((iri, CG.signing, event_iris[id(ag.event)]))
        t += [(iri, CG.topic, ID[f"topic/{x}"]) for x in ag.topics]
        names = ", ".join(" ".join(x.label.split()) for x in parties)
        b.fact("agreement", ag.passage, ag.quote, ag.confidence, f"{ag.kind} between {names}, signed {ag.signed or 'on an unstated date'}", t)

    # named plans and strategies
    for plan in findings.plans:
        kind = "strategy" if plan.cls == "Strategy" else "project"
        iri = mint(kind, latin(plan.title)[:80])
        t = [(iri, RDF.type, CG[plan.cls]), (iri, RDFS.label, b.lit(plan.title))]
        if plan.issuer is not None:
            t.append((iri, CG.issuedBy, plan.issuer.iri))
        issuer = f" of {' '.join(plan.issuer.label.split())}" if plan.issuer is not None else ""
        b.fact("plan", plan.passage, plan.title, plan.confidence, f"{kind}{issuer}: {plan.title}", t)

    # commitments
    for n, c in enumerate(findings.commitments, start=1):
        where = event_iris.get(id(c.event)) if c.event is not None else None
        base = str(where).rsplit("/", 1)[-1] if where is not None else slug
        iri = _iri("commitment", base, f"c{n}")
        t = [(iri, RDF.type, CG.Commitment), (iri, RDFS.label, b.lit(_short(c.quote, 100))), (iri, CG.text, b.lit(c.quote)),
             (iri, CG.status, ID["status/agreed"])]
        t += [(iri, CG.committedBy, x.iri) for x in c.by]
        if c.agreement is not None and id(c.agreement) in agreement_iris:
            t.append((iri, CG.concernsAgreement, agreement_iris[id(c.agreement)]))
        if where is not None:
            t.append((iri, CG.madeAt, where))
        names = ", ".join(" ".join(x.label.split()) for x in c.by)
        b.fact("commitment", c.passage, c.quote, c.confidence, f"{names}: {_short(c.quote, 100)}", t)

    b.source()
    d = b.draft
    d.about = [(d.iri, CGD.article, Literal(article.path.name)), (d.iri, CGD.language, Literal(lang)),
               (d.iri, CGD.tool, Literal("coopgraph ingest"))]
    return d
