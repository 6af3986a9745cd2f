"""A draft of a short article of the project's own writing, built with coopgraph.curate.draft.

It is modelled on data/ (a source graph with passages, an event with two sides, an attendance,
a commitment) and mixes facts about known entities (ag:stameq, ag:kpc exist in data/) with new
ones, and links of three sorts: a known entity, a new one, and a new one that is really a known
agency (the curator merges it into ag:stameq). tests/fixtures/drafts/ holds it as a file (the
README's workflow runs on it); test_review checks that the file is what this module makes.
"""

from __future__ import annotations

from pathlib import Path

from rdflib import Literal, URIRef

from coopgraph.curate.draft import Draft, Fact, Link, write_draft
from coopgraph.namespaces import CG, DCTERMS, FOAF, ID, RDF, RDFS, XSD

SLUG = "example-2026-11-30-stameq-kpc-workshop"
FILE = Path(__file__).resolve().parent / "fixtures" / "drafts" / f"{SLUG}.trig"

LINES = {
    3: "STAMEQ and the Korea Productivity Center hold a workshop on productivity tools",
    5: ("On 30 November 2026 in Hanoi, the Directorate for Standards, Metrology and Quality and the "
        "Korea Productivity Center (KPC) held a joint workshop on productivity tools."),
    7: "Ms Kim Ha-eun, head of the KPC delegation, presented the centre's training programme.",
    9: "The two sides agreed to hold a second workshop in 2027.",
}


def _id(path: str) -> URIRef:
    return ID[path]


def make_draft(slug: str = SLUG) -> Draft:
    """The draft, every decision pending (a fresh `coopgraph ingest` output)."""
    d = Draft(slug=slug)
    src = d.source

    def ev(line: int) -> URIRef:
        return _id(f"evidence/{slug}/L{line}")

    d.source_triples = [
        (src, RDF.type, CG.SourceDocument),
        (src, RDFS.label, Literal(LINES[3], lang="en")),
        (src, DCTERMS.title, Literal(LINES[3], lang="en")),
        (src, DCTERMS.language, Literal("en")),
        (src, DCTERMS.type, Literal("news article")),
        (src, CG.url, Literal(f"https://example.org/news/{slug}", datatype=XSD.anyURI)),
    ]
    for line, text in LINES.items():
        d.source_triples += [
            (ev(line), RDF.type, CG.Evidence), (ev(line), CG.source, src),
            (ev(line), CG.line, Literal(line)), (ev(line), CG.locator, Literal(f"line {line}")),
            (ev(line), CG.quote, Literal(text, lang="en")),
        ]
    d.source_triples.sort()
    mtg = _id("meeting/2026-11-30-stameq-kpc-workshop")
    side_v = _id("side/2026-11-30-stameq-kpc-workshop--stameq")
    side_k = _id("side/2026-11-30-stameq-kpc-workshop--kpc")
    dsmq = _id("org/directorate-for-standards-metrology-and-quality")  # new: really ag:stameq
    kpc = _id("org/kpc")
    kim = _id("person/kim-ha-eun")
    facts = [
        ("event", 5, "held a joint workshop", 0.9, "the STAMEQ-KPC workshop of 30 November 2026, two sides", [
            (mtg, RDF.type, CG.Meeting),
            (mtg, RDFS.label, Literal("STAMEQ-KPC workshop on productivity tools (30 November 2026)", lang="en")),
            (mtg, DCTERMS.date, Literal("2026-11-30", datatype=XSD.date)),
            (mtg, CG.hasSide, side_v), (mtg, CG.hasSide, side_k),
            (side_v, RDF.type, CG.MeetingSide), (side_v, RDFS.label, Literal("STAMEQ", lang="en")),
            (side_v, CG.sideAgency, dsmq),
            (side_k, RDF.type, CG.MeetingSide), (side_k, RDFS.label, Literal("Korea Productivity Center (KPC)", lang="en")),
            (side_k, CG.sideAgency, kpc),
        ]),
        ("entity", 5, "Directorate for Standards, Metrology and Quality", 0.6, "a new agency", [
            (dsmq, RDF.type, CG.StandardsBody),
            (dsmq, RDFS.label, Literal("Directorate for Standards, Metrology and Quality", lang="en")),
        ]),
        ("entity", 7, "Ms Kim Ha-eun", 0.85, "a new person: Kim Ha-eun", [
            (kim, RDF.type, FOAF.Person), (kim, FOAF.name, Literal("Kim Ha-eun")),
            (kim, RDFS.label, Literal("Kim Ha-eun", lang="en")),
        ]),
        ("attendance", 7, "head of the KPC delegation", 0.8, "Kim Ha-eun headed the KPC side", [
            (_id("attendance/2026-11-30-stameq-kpc-workshop--kim-ha-eun"), p, o) for p, o in [
                (RDF.type, CG.Attendance),
                (RDFS.label, Literal("Kim Ha-eun at the STAMEQ-KPC workshop (30 November 2026)", lang="en")),
                (CG.attendee, kim), (CG.attendedMeeting, mtg), (CG.onSide, side_k),
                (CG.attendanceRole, _id("role/head-of-delegation")),
            ]
        ]),
        ("commitment", 9, "agreed to hold a second workshop in 2027", 0.75, "a second workshop in 2027", [
            (_id("commitment/2026-11-30-stameq-kpc-workshop--c1-second-workshop"), p, o) for p, o in [
                (RDF.type, CG.Commitment),
                (RDFS.label, Literal("Hold a second STAMEQ-KPC workshop in 2027", lang="en")),
                (CG.text, Literal("Hold a second workshop in 2027.", lang="en")),
                (CG.ordinal, Literal(1)), (CG.committedBy, dsmq), (CG.committedBy, kpc),
                (CG.madeAt, mtg), (CG.status, _id("status/agreed")),
                (DCTERMS.date, Literal("2026-11-30", datatype=XSD.date)),
            ]
        ]),
        ("event", 3, "hold a workshop", 0.3, "the workshop was a signing ceremony (wrong: reject it)", [
            (mtg, CG.meetingType, _id("meeting-type/signing-ceremony")),
        ]),
    ]
    for n, (kind, line, quote, confidence, summary, triples) in enumerate(facts, 1):
        d.facts.append(Fact(d.fact_iri(n), kind, ev(line), quote, confidence, summary, triples=sorted(triples)))
    links = [
        ("Directorate for Standards, Metrology and Quality", 5, dsmq, True, 0.6),
        ("Korea Productivity Center", 5, kpc, False, 0.95),
        ("Kim Ha-eun", 7, kim, True, 0.9),
    ]
    for n, (mention, line, entity, new, confidence) in enumerate(links, 1):
        d.links.append(Link(d.link_iri(n), mention, ev(line), entity, new, confidence))
    return d


def write_fixture(path: Path = FILE) -> Path:
    """Write the draft file (tests copy it; the committed copy must equal it)."""
    write_draft(make_draft(), path)
    return path


if __name__ == "__main__":
    print(write_fixture())
