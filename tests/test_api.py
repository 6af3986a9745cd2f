"""The public API: names typed without diacritics resolve, and describe shows the evidence."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef

import coopgraph
from coopgraph.errors import QueryError, UsageError
from coopgraph.namespaces import CG, ID, OWL, RDF, mint, slugify
from coopgraph.rules.reason import reason

STAMEQ = ID["agency/stameq"]
MOST = ID["agency/most"]


def test_version_is_exported() -> None:
    assert coopgraph.__version__.count(".") == 2
    assert callable(coopgraph.open)


@pytest.mark.parametrize(
    ("text", "slug"),
    [("Tổng cục Tiêu chuẩn Đo lường Chất lượng", "tong-cuc-tieu-chuan-do-luong-chat-luong"),
     ("  Bộ KH&CN (MOST) ", "bo-kh-cn-most"), ("đường Đinh", "duong-dinh")],
)
def test_slugify(text: str, slug: str) -> None:
    assert slugify(text) == slug


def test_mint() -> None:
    assert mint("agency", "Đồng Nai") == URIRef("https://w3id.org/coopgraph/id/agency/dong-nai")
    with pytest.raises(ValueError):
        mint("agency", "—")


@pytest.mark.parametrize(
    ("name", "iri"),
    [
        ("tong cuc tieu chuan do luong chat luong", STAMEQ),  # no diacritics, no đ
        ("TỔNG CỤC TIÊU CHUẨN ĐO LƯỜNG CHẤT LƯỢNG", STAMEQ),
        ("stameq", STAMEQ),  # abbreviation, any case
        ("Directorate for Standards,  Metrology and Quality", STAMEQ),
        ("bo khoa hoc va cong nghe", MOST),
        ("agency/most", MOST),
        (str(MOST), MOST),
        ("国家标准化管理委员会", ID["agency/sac"]),  # from the JSON-LD fixture
        ("cg:Agency", CG.Agency),
        ("chi cuc tieu chuan do luong chat luong dong nai", ID["agency/chi-cuc-dong-nai"]),
    ],
)
def test_resolve(graph, name: str, iri: URIRef) -> None:
    assert graph.resolve(name) == iri


def test_resolve_unknown_suggests(graph) -> None:
    with pytest.raises(UsageError) as info:
        graph.resolve("tong cuc tieu chuan do luong")
    message = str(info.value)
    assert "did you mean" in message
    assert "Tổng cục Tiêu chuẩn Đo lường Chất lượng" in message
    assert info.value.exit_code == 2


def test_label_languages(graph) -> None:
    assert graph.label(STAMEQ, "vi") == "Tổng cục Tiêu chuẩn Đo lường Chất lượng"
    assert graph.label(STAMEQ, "en") == "Directorate for Standards, Metrology and Quality"
    assert graph.label(ID["agency/sac"], "zh") == "国家标准化管理委员会"
    assert graph.label(CG.partyTo, "vi") == "là bên của"


def test_describe_shows_evidence_and_inferences(graph) -> None:
    d = graph.describe("tong cuc tieu chuan do luong chat luong", lang="vi")
    assert d.entity == str(STAMEQ)
    sub = [s for s in d.statements if s.predicate.endswith("#subOrganizationOf") and s.direction == "out"]
    assert len(sub) == 1 and sub[0].status == "asserted" and sub[0].node == str(MOST)
    ev = sub[0].evidence[0]
    assert ev.kind == "evidence" and ev.line == 1 and ev.sentence == 1
    assert ev.title.startswith("Tổng cục") and ev.publisher == "Báo Mẫu" and ev.date == "2024-05-06"
    assert ev.url == "https://example.org/tin-mau" and "trực thuộc" in ev.quote
    inferred = {s.predicate for s in d.statements if s.status == "inferred"}
    assert str(CG.agreementPartner) in inferred
    incoming = [s for s in d.statements if s.direction == "in" and s.node == str(ID["agency/chi-cuc-dong-nai"])
                and s.status == "asserted"]
    assert incoming[0].evidence[0].kind == "curation"
    assert "tên cũ" in incoming[0].evidence[0].justification
    assert not any(s.is_literal and s.language == "en" for s in d.statements)  # lang=vi hides English
    text = d.to_text()
    assert "Báo Mẫu" in text and "[inferred]" in text and "curator assertion" in text
    assert '"id": ' not in text and d.to_json().startswith("{")


def test_no_curation_and_no_reasoning(home) -> None:
    from _support import FIXTURE_DATA

    g = coopgraph.open(data_paths=FIXTURE_DATA, curation=False, reasoning=False)
    assert len(g.inferred) == 0
    with pytest.raises(UsageError):
        g.resolve("chi cuc tieu chuan do luong chat luong dong nai")


def test_stats(graph) -> None:
    stats = graph.stats()
    assert stats["sources"] == 1 and stats["evidence"] == 3 and stats["curator_assertions"] == 1
    assert stats["triples_inferred"] > 0 and stats["named_graphs"] == 5


def test_sparql(graph) -> None:
    rows = graph.sparql("SELECT ?a WHERE { ?a a cg:Agency }")  # cg: predeclared; cg:Agency is inferred
    assert {r.a for r in rows} >= {STAMEQ, MOST, ID["agency/sac"]}
    rows = graph.sparql("SELECT ?l WHERE { ?t skos:prefLabel ?l FILTER(lang(?l)='en') }",
                        init_bindings={"t": ID["topic/standardization"]})
    assert [str(r.l) for r in rows] == ["standardization"]
    with pytest.raises(QueryError):
        graph.sparql("SELECT WHERE {")


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_a_syntax_error_names_its_line_and_column_on_every_engine(graph, engine: str) -> None:
    """On Oxigraph the query is parsed once, by the run itself; a failing parse is then explained
    by both parsers, as on rdflib, so the message points where the construct went wrong."""
    from coopgraph.query.library import execute

    with pytest.raises(QueryError, match=r"^syntax error at line 2, column \d+: "):
        execute(graph, "SELECT ?a\nWHERE { ?a a cg:Agency . FILTER( }", engine=engine)
    with pytest.raises(QueryError, match="undeclared prefix"):
        execute(graph, "SELECT ?a WHERE { ?a a nope:Agency }", engine=engine)


def test_reasoner_drops_noise_and_reports_inconsistency(graph) -> None:
    for s, p, o in graph.inferred:
        assert not isinstance(s, Literal)
        assert not (p == OWL.sameAs and s == o)
        assert not (p == RDF.type and o in (OWL.Thing, URIRef("http://www.w3.org/2000/01/rdf-schema#Resource")))
        assert not str(s).startswith(("https://w3id.org/coopgraph/def", "http://www.w3.org/"))
    data = Graph()
    data.add((ID["agency/a"], OWL.sameAs, ID["agency/b"]))
    data.add((ID["agency/a"], OWL.differentFrom, ID["agency/b"]))
    result = reason(data, graph.ontology)
    assert result.findings and all(isinstance(f, str) for f in result.findings)
    assert not any("daml.org" in str(t) for triple in result.inferred for t in triple)
