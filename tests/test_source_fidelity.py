"""The data says what its sources say, no more (issue 16), and records honestly what they leave
out (issue 15, item 5). One test per rule of docs/model.md ("What a source does not say"), run
over the project's real data, so that a mistake of the audit cannot come back:

* what no source states is a curator assertion, and ``--no-curation`` removes all of it: no
  curated name, identity, side member or resolved party is also stated in a source's graph;
* every cg:party rests on a passage that names that party; an agreement whose parties no source
  names says so (cg:notStated cg:party) instead;
* "the two sides" are the meeting's sides (cg:committedBySide); the agencies they bind are the
  curators' reading;
* no IRI or label carries a date finer than its thing's date;
* a dateline is not a venue; a drafter is not an enactor; a rank stated on one day belongs to
  that tenure; an "external name" is not a sub-organisation, a "national representative" not a
  member; a decision to set up is not a founding; an abbreviation is the thing's own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, SKOS, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, ORG, PROV

import coopgraph
from coopgraph.load import curator_graphs, data_files, load_dataset
from coopgraph.shacl.validate import validate

CG = Namespace("https://w3id.org/coopgraph/def#")
ID = "https://w3id.org/coopgraph/id/"
AG = Namespace(ID + "org/")
SEED = "https://w3id.org/coopgraph/id/evidence/most-2023-06-05-samr-reception/"
RECEPTION = URIRef(ID + "meeting/2023-06-05-most-samr-reception")
NAMING = (RDFS.label, CG.abbreviation, SKOS.altLabel, CG.hasName)


@pytest.fixture(scope="module")
def data(repo_home: Path) -> Dataset:
    """The real data as asserted, curation included (no reasoning)."""
    return load_dataset(data_files())


@pytest.fixture(scope="module")
def plain(repo_home: Path) -> Dataset:
    """The real data as `--no-curation` loads it."""
    return load_dataset(data_files(), curation=False)


@pytest.fixture(scope="module")
def uncurated(real_build: Path) -> Iterator[coopgraph.CoopGraph]:
    """The real build opened with `--no-curation` (curation removed, reasoning run again)."""
    yield coopgraph.open(build_dir=real_build, curation=False)


def _graphs(ds: Dataset, curated: bool) -> Iterator[Graph]:
    cur = curator_graphs(ds)
    for g in ds.contexts():
        if (g.identifier in cur) == curated and isinstance(g.identifier, URIRef):
            yield g


def _sources_graphs(ds: Dataset) -> Graph:
    union = Graph()
    for g in _graphs(ds, curated=False):
        union += g
    return union


# -- what no source states is curated, and only curated ------------------------------------


def test_a_curated_triple_is_stated_by_no_source(data: Dataset) -> None:
    """A curator's assertion that a source's graph repeats survives `--no-curation` (the audit
    found four names so); every triple of a curation graph is absent from every other graph."""
    sources = _sources_graphs(data)
    repeated = [(g.identifier, t) for g in _graphs(data, curated=True) for t in g if t in sources]
    assert not repeated, repeated
    assert len(curator_graphs(data)) >= 8


def test_no_curation_leaves_no_curated_identity_or_name(plain: Dataset, data: Dataset) -> None:
    """Without curation no owl:sameAs is left, and each agency keeps only the names that the
    sources state for it: an agency a source names without its acronym is not that agency."""
    assert not list(plain.quads((None, OWL.sameAs, None, None)))
    identified = {(s, o) for g in _graphs(data, curated=True) for s, o in g.subject_objects(OWL.sameAs)}
    assert (AG["tong-cuc-tieu-chuan-do-luong-chat-luong-viet-nam"], AG.stameq) in identified
    for alias, agency in identified:
        for _, _, _, graph in plain.quads((agency, None, None, None)):
            facts = plain.graph(graph)
            assert (alias, None, None) not in facts or graph in curator_graphs(data), (alias, graph)
        # what the sources say of the alias stays on the alias
        assert not set(plain.objects(alias, CG.hasName)) & set(plain.objects(agency, CG.hasName))


def test_no_curation_agency_names_are_the_sources_own(uncurated: coopgraph.CoopGraph,
                                                      real_graph: coopgraph.CoopGraph) -> None:
    """`coopgraph query agency-names --param agency=STAMEQ --no-curation` lists no name that only a
    curator's identification gives STAMEQ; with curation the identified names are back."""
    curated_names = {"Tổng cục tiêu chuẩn đo lường chất lượng Việt Nam",
                     "National Standard and Measurement Quality Committee"}
    without = {str(r.name) for r in uncurated.query("agency-names", agency=ID + "org/stameq")}
    assert without and not without & curated_names, without & curated_names
    assert curated_names <= {str(r.name) for r in real_graph.query("agency-names", agency=ID + "org/stameq")}
    for agency, name in (("samr", "市场监管总局"), ("cnca", "National Certification and Accreditation Administration")):
        assert name not in {str(r.name) for r in uncurated.query("agency-names", agency=ID + "org/" + agency)}


def test_no_curation_leaves_no_resolved_side_member_or_party(plain: Dataset, data: Dataset) -> None:
    """"Hai bên" and "phía Trung Quốc" name sides: a commitment credited to sides has no agency
    unless the curators resolve it; STAMEQ is on the receiving side only by their reading."""
    credited = set(plain.subjects(CG.committedBySide, None))
    assert len(credited) == 8  # six in line 32, two in line 24, sentence 2
    assert not [c for c in credited if (c, CG.committedBy, None) in plain]
    assert all((c, CG.committedBy, None) in data for c in credited)  # the curators' reading
    host = URIRef(ID + "side/2023-06-05-most-samr-reception--host")
    assert set(plain.objects(host, CG.sideAgency)) == {AG.most}
    assert set(data.objects(host, CG.sideAgency)) == {AG.most, AG.stameq}
    four = URIRef(ID + "commitment/2023-06-05-most-samr-reception--c4-expand-scope")
    assert (four, CG.concernsAgreement, None) not in plain and (four, CG.concernsAgreement, None) in data


# -- parties ---------------------------------------------------------------------------------


def test_every_party_rests_on_a_passage_that_names_it(data: Dataset) -> None:
    """Each cg:party triple sits in the graph of a source passage that names both the agreement
    (label or title as stated) and the party (label, abbreviation or name): the passage that
    says who signed, not one that says who carried the agreement out (the Laos protocol's
    parties were once put in the work session's passage). A curator's graph may assert a party
    only with its justification."""
    curated = curator_graphs(data)
    for agreement, _, party, graph in data.quads((None, CG.party, None, None)):
        if graph in curated:
            assert (graph, CG.justification, None) in data, graph
            continue
        passage = data.graph(graph)
        assert (graph, RDF.type, CG.Evidence) in data, graph
        assert any((party, p, None) in passage for p in NAMING), (agreement, party, graph)
        assert any((agreement, p, None) in passage for p in (RDFS.label, CG.titleAsStated)), (agreement, graph)


def test_an_agreement_has_two_parties_or_says_none_are_named(data: Dataset) -> None:
    agreements = 0
    for agreement in set(data.subjects(RDF.type, None)):
        if not any((agreement, RDF.type, t) in data for t in (CG.MemorandumOfUnderstanding, CG.Protocol,
                                                              CG.CooperationPlan, CG.Agreement)):
            continue
        agreements += 1
        parties = set(data.objects(agreement, CG.party))
        assert len(parties) >= 2 or (agreement, CG.notStated, CG.party) in data, agreement
    assert agreements >= 6
    laos = URIRef(ID + "agreement/stameq-dosm-protocol")
    assert not set(data.objects(laos, CG.party)) and (laos, CG.notStated, CG.party) in data
    objectives = set(data.subjects(CG.concernsAgreement, laos))
    assert len(objectives) == 5
    assert all((o, CG.notStated, CG.committedBy) in data and (o, CG.committedBy, None) not in data for o in objectives)


# -- dates -----------------------------------------------------------------------------------

MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
LABEL_DATES = [  # (pattern, precision in characters of an ISO date: 10 day, 7 month)
    (re.compile(rf"\b\d{{1,2}} ({MONTHS}) \d{{4}}\b"), 10),
    (re.compile(r"\b\d{1,2}/\d{1,2}/\d{4}\b"), 10),
    (re.compile(r"\b\d{4}-\d{2}-\d{2}\b"), 10),
    (re.compile(rf"\b({MONTHS}) \d{{4}}\b"), 7),
    (re.compile(r"\b(tháng )?\d{1,2}/\d{4}\b"), 7),
    (re.compile(r"\b\d{4}-\d{2}\b"), 7),
]
DATED = (DCTERMS.date, CG.signedOn, CG.signedInYear, CG.asOf, DCTERMS.issued)


def _date_precision(data: Dataset) -> dict[URIRef, int]:
    """Each dated thing, and the sides and attendances of a dated meeting: the length of the most
    precise date stated for it (4 a year, 7 a month, 10 a day)."""
    precision: dict[URIRef, int] = {}
    for p in DATED:
        for s, o in data.subject_objects(p):
            if isinstance(s, URIRef) and isinstance(o, Literal):
                precision[s] = max(precision.get(s, 0), len(str(o)))
    for meeting in [m for m in precision if (m, RDF.type, CG.Meeting) in data]:
        parts = {*data.objects(meeting, CG.hasSide), *data.objects(meeting, CG.hostSide),
                 *data.objects(meeting, CG.visitingSide), *data.subjects(CG.attendedMeeting, meeting)}
        for part in parts:
            precision.setdefault(part, precision[meeting])
    return precision


def test_no_iri_or_label_is_finer_than_its_things_date(data: Dataset) -> None:
    """"June 2023" where the article gives only the year was in two IRIs and a label."""
    precision = _date_precision(data)
    wrong = []
    for thing, known in precision.items():
        slug = str(thing).rsplit("/", 1)[-1]
        m = re.match(r"(\d{4})(-\d{2})?(-\d{2})?(?=-|$)", slug)
        if m and len(m.group(0)) > known:
            wrong.append((thing, slug))
        for label in data.objects(thing, RDFS.label):
            for pattern, finer in LABEL_DATES:
                if finer > known and pattern.search(str(label)):
                    wrong.append((thing, str(label)))
    assert not wrong, wrong
    assert precision[URIRef(ID + "meeting/2023-moit-samr-mou-signing")] == 4


def test_a_replaced_iri_leads_to_its_successor(data: Dataset, real_graph: coopgraph.CoopGraph) -> None:
    """Published IRIs are not reused: the month-carrying ones are deprecated aliases."""
    old = URIRef(ID + "meeting/2023-06-moit-samr-mou-signing")
    assert (old, OWL.deprecated, Literal(True)) in data
    assert data.value(old, DCTERMS.isReplacedBy) == URIRef(ID + "meeting/2023-moit-samr-mou-signing")
    assert (old, RDF.type, None) not in data
    assert ID + "meeting/2023-moit-samr-mou-signing" in real_graph.describe(str(old)).to_text()


def test_a_decision_to_set_up_is_not_a_founding(data: Dataset) -> None:
    """ISO's page dates the State Council's decision (March 2018), not the setting up of SAMR."""
    assert (AG.samr, CG.founded, None) not in data
    decision = next(data.objects(URIRef(ID + "change/2018-samr-establishment"), PROV.used))
    assert str(data.value(decision, DCTERMS.issued)) == "2018-03"
    assert (URIRef(ID + "change/2018-samr-establishment"), URIRef("http://www.w3.org/2006/time#hasTime"), None) not in data


# -- places, drafting, ranks, hierarchy, abbreviations -----------------------------------------


def test_a_dateline_is_not_a_venue(data: Dataset) -> None:
    """"BEIJING - ..." says where Viet Nam News filed from; the signing has no stated venue."""
    datelines = {(s, str(o).casefold()) for s, o in data.subject_objects(CG.dateline)}
    assert datelines
    for source, dateline in datelines:
        passages = set(data.subjects(CG.source, source))
        for passage in passages:
            g = data.graph(passage)
            for meeting in g.subjects(RDF.type, CG.Meeting):
                assert all(str(p).casefold() != dateline for p in data.objects(meeting, CG.placeAsStated)), meeting
                for place in data.objects(meeting, PROV.atLocation):
                    assert all(str(lbl).casefold() != dateline for lbl in data.objects(place, RDFS.label)), meeting
            for _, _, place in g.triples((None, PROV.atLocation, None)):
                assert all(str(lbl).casefold() != dateline for lbl in data.objects(place, RDFS.label))


def test_a_drafter_is_not_an_enactor(data: Dataset) -> None:
    """STAMEQ drafted and submitted the six projects; the National Assembly passed the laws."""
    both = [(s, o) for s, o in data.subject_objects(CG.draftedBy) if (s, CG.issuedBy, o) in data]
    assert not both, both
    amending = URIRef(ID + "law/vn-law-amending-law-on-standards-and-technical-regulations")
    assert set(data.objects(amending, CG.issuedBy)) == {AG["vietnam-national-assembly"]}
    assert set(data.objects(amending, CG.draftedBy)) == {AG.stameq}
    strategy = URIRef(ID + "strategy/vn-national-standardization-strategy-2030")
    assert (strategy, CG.issuedBy, None) not in data  # "đang trình ... xem xét, ban hành": not yet issued
    assert set(data.objects(strategy, CG.draftedBy)) == {AG.stameq, URIRef(ID + "country/vietnam")}
    # the Vietnamese label of cg:issuedBy says "promulgated by", which is what it means now
    assert "ban hành" in str(next(o for o in coopgraph.load.load_ontology().objects(CG.issuedBy, RDFS.label)
                                  if o.language == "vi"))


def test_a_rank_belongs_to_the_tenure(data: Dataset) -> None:
    """"Phó Cục trưởng (cấp Thứ trưởng)" is said of Bò Thuần on 5 June 2023, not of every holder."""
    assert not [s for s in data.subjects(CG.rank, None) if (s, RDF.type, ORG.Post) in data]
    assert (URIRef(ID + "tenure/bo-thuan--samr-deputy-administrator"), CG.rank, URIRef(ID + "rank/vice-minister")) in data


def test_hierarchy_and_membership_only_as_stated(data: Dataset) -> None:
    """"An external name of SAMR" and "national representatives participating in APO"."""
    assert (AG.sac, ORG.subOrganizationOf, AG.samr) not in data
    assert (AG.sac, CG.externalNameOf, AG.samr) in data
    for agency in (AG.kpc, AG.stameq):
        assert (agency, ORG.memberOf, AG.apo) not in data
        assert (agency, CG.nationalRepresentativeIn, AG.apo) in data


def test_an_abbreviation_is_the_things_own(data: Dataset) -> None:
    """"Bộ Khoa học và Công nghệ (KH&CN)": KH&CN abbreviates "khoa học và công nghệ"."""
    assert {str(a) for a in data.objects(AG.most, CG.abbreviation)} == {"MOST"}
    assert Literal("Bộ KH&CN", lang="vi") in set(data.objects(AG.most, SKOS.altLabel))


def test_lao_dong_titles_are_not_rebuilt_from_addresses(data: Dataset) -> None:
    """A title with diacritics guessed from a URL slug is not the article's title."""
    for source in (URIRef(ID + "source/laodong-most-merger-laws-passed"), URIRef(ID + "source/laodong-2024-12-most-mic-merger")):
        slug = str(data.value(source, CG.url)).rsplit("/", 1)[-1].rsplit("-", 1)[0]
        words = slug.replace("-", " ")
        for title in data.objects(source, DCTERMS.title):
            from coopgraph.namespaces import slugify
            assert slugify(str(title)) != slug and not slugify(str(title)).startswith(words.split()[0] + "-" + words.split()[1]), title
        assert "descriptive" in str(data.value(source, DCTERMS.description))


# -- honest gaps are recordable (issue 15, item 5) --------------------------------------------

GAPS = """
@prefix cg: <https://w3id.org/coopgraph/def#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix mtype: <https://w3id.org/coopgraph/id/meeting-type/> .
@prefix status: <https://w3id.org/coopgraph/id/status/> .
@prefix ex: <https://w3id.org/coopgraph/id/fixture/> .
ex:g {
  ex:protocol a cg:Protocol ; rdfs:label "Protocol of cooperation with Laos"@en ; cg:notStated cg:party .
  ex:meeting a cg:Meeting ; rdfs:label "A meeting no source dates"@en ; cg:meetingType mtype:working-session ;
      cg:notStated dcterms:date ; cg:hasSide ex:a , ex:b .
  ex:a a cg:MeetingSide ; rdfs:label "one side"@en ; cg:sideAgency ex:agency .
  ex:b a cg:MeetingSide ; rdfs:label "the other side"@en ; cg:sideAgency ex:agency .
  ex:agency a cg:Agency ; rdfs:label "An agency"@en ; cg:country ex:country .
  ex:country a cg:Country ; rdfs:label "A country"@en .
  ex:c1 a cg:Commitment ; rdfs:label "What the two sides agreed"@en ; cg:text "Hai bên thống nhất"@vi ;
      cg:committedBySide ex:a , ex:b ; cg:madeAt ex:meeting ; cg:status status:agreed .
  ex:c2 a cg:Commitment ; rdfs:label "An objective of the protocol"@en ; cg:text "Train officials"@en ;
      cg:concernsAgreement ex:protocol ; cg:notStated cg:committedBy ; cg:status status:agreed .
}
"""


def test_gaps_are_recorded_without_inventing(repo_home: Path, tmp_path: Path) -> None:
    """An agreement whose parties are not named, an undated meeting and "the two sides" validate
    with no violation and no warning; without the markers the shapes ask for what is missing."""
    path = tmp_path / "gaps.trig"
    path.write_text(GAPS, encoding="utf-8")
    report = validate(load_dataset([path]))
    assert report.conforms and [r for r in report.results if r.severity != "Info"] == [], report.to_text()
    path.write_text(GAPS.replace("cg:notStated cg:party", "cg:topic <https://w3id.org/coopgraph/id/topic/training>")
                    .replace("cg:notStated dcterms:date ;", "").replace("cg:notStated cg:committedBy ;", "")
                    .replace("cg:committedBySide ex:a , ex:b ;", ""), encoding="utf-8")
    report = validate(load_dataset([path]))
    found = {(r.severity, r.message.split(" ")[0]) for r in report.results}
    assert ("Violation", "Agreement") in found  # fewer than two parties
    assert ("Warning", "Meeting") in found and ("Warning", "Commitment") in found
