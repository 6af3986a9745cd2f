"""The query library: goldens, two engines, reasoning payoff, parameter binding, formats, errors.

Every test reads the one real build shared by the session (``real_graph``); each named query is
run once per engine and cached, so the goldens and the two-engine comparison cost one run each.
Expectations about content are written from the sources (the seed article's lines are quoted),
not copied from the results.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import OWL, Literal, URIRef

from _support import ROOT
from coopgraph.query import library as queries
from coopgraph.errors import QueryError, UsageError
from coopgraph.namespaces import CG, ORG
from coopgraph.query.library import QueryLibrary, QueryResult, Row, from_oxigraph, run
from coopgraph.query.results import to_csv, to_json, to_table, to_tsv, to_xml, write

QUERY_DIR = ROOT / "queries"
GOLDEN_DIR = ROOT / "tests" / "golden" / "queries"
LIBRARY = QueryLibrary(QUERY_DIR)
NAMES = LIBRARY.names()
ID = "https://w3id.org/coopgraph/id/"
EV = ID + "evidence/most-2023-06-05-samr-reception/"
SEED_MEETING = URIRef(ID + "meeting/2023-06-05-most-samr-reception")

_cache: dict[tuple[str, str], QueryResult] = {}


def named(graph, name: str, engine: str = "oxigraph") -> QueryResult:  # noqa: ANN001
    """Run a named query with its defaults, once per engine for the whole session."""
    key = (name, engine)
    if key not in _cache:
        _cache[key] = run(graph, name, library=LIBRARY, engine=engine)
    return _cache[key]


@pytest.fixture(scope="session")
def plain_graph(real_build: Path):  # noqa: ANN201 - coopgraph.CoopGraph
    """The same build without the inferred triples: what the queries would see with no reasoner."""
    import coopgraph

    return coopgraph.open(build_dir=real_build, reasoning=False)


def update_goldens(config: pytest.Config) -> bool:
    return bool(config.getoption("--update-goldens")) or os.environ.get("COOPGRAPH_UPDATE_GOLDENS") == "1"


def golden_text(result: QueryResult) -> str:
    """The golden form: W3C JSON results (rows sorted) for SELECT/ASK, sorted N-Triples for graphs."""
    if result.graph is not None:
        from coopgraph.serialize import to_ntriples

        return json.dumps({"triples": to_ntriples(result.graph).splitlines()}, ensure_ascii=False, indent=2) + "\n"
    if result.kind == "ASK":
        return to_json(result)
    rows = sorted(result.rows, key=lambda r: tuple("" if t is None else queries.sparql_term_any(t) for t in r))
    return to_json(QueryResult("SELECT", vars=result.vars, rows=rows))


def parse_w3c(text: str, fmt: ox.QueryResultsFormat) -> QueryResult:
    """Read results back with pyoxigraph's parser (independent of coopgraph's writers)."""
    parsed = ox.parse_query_results(text, format=fmt)
    if isinstance(parsed, ox.QueryBoolean):
        return QueryResult("ASK", boolean=bool(parsed))
    names = [v.value for v in parsed.variables]
    return QueryResult("SELECT", vars=names, rows=[Row([from_oxigraph(s[v]) for v in names], names) for s in parsed])


def rows_as_dicts(result: QueryResult) -> list[dict[str, str]]:
    return [{k: str(v) for k, v in r.asdict().items() if v is not None and str(v) != ""} for r in result.rows]


# -- the library itself ---------------------------------------------------------------------


def test_library_answers_the_issue_questions_and_documents_each_query() -> None:
    required = {
        "meeting-participants", "meeting-leaders", "agency-agreements", "meeting-commitments",
        "agency-hierarchy", "partners", "legal-status", "strategy-sources", "meeting-topics",
        "provenance", "timeline", "agency-names", "scope-extensions", "people-met", "person-posts",
        "country-topics", "conflicts",
    }
    assert required <= set(NAMES), required - set(NAMES)
    assert len(NAMES) >= 17
    for q in LIBRARY:
        assert q.question.endswith("?") or q.question.endswith("."), q.name
        assert q.columns, f"{q.name}: no Columns in the header"
        # (a query may have none: the label languages are the library's, not a ?lang of each file)
        for p in q.parameters:
            assert p.type in queries.PARAM_TYPES and p.default, (q.name, p)


def test_every_copy_of_a_parameter_block_holds_the_header_defaults() -> None:
    """A query may repeat its parameter VALUES block; binding fills every copy, so they must agree."""
    repeated = 0
    for q in LIBRARY:
        if not q.parameters:
            continue
        names = [p.name for p in q.parameters]
        header = {p.name: p.default for p in q.parameters}
        blocks = queries._values_blocks(q.text, names)
        repeated += len(blocks) > 1
        for start, end, block_names in blocks:
            row = dict(zip(block_names, queries._default_row(q.text[start:end], block_names), strict=True))
            assert row == header, (q.name, row)
    assert repeated, "country-topics repeats its block: this test should see at least one query do so"


def test_binding_fills_every_copy_of_the_parameter_block() -> None:
    q = LIBRARY.get("country-topics")
    country = URIRef("https://w3id.org/coopgraph/id/country/vn")
    bound = q.bind({"country": country})
    blocks = queries._values_blocks(bound, ["country"])
    assert len(blocks) == len(queries._values_blocks(q.text, ["country"])) > 1
    for start, end, names in blocks:
        assert queries._default_row(bound[start:end], names) == [f"<{country}>"]
    assert bound.count(f"<{country}>") == len(blocks)


def test_every_query_runs_unchanged_in_another_engine_with_its_defaults() -> None:
    """The files as the library runs them (defaults in VALUES, the project prefixes declared, the
    ?xLabel columns filled by the label service) are plain SPARQL 1.1: Oxigraph parses each.
    (A grouped file that projects ?xLabel is valid only after the service's rewrite.)"""
    from coopgraph.query.labels import with_labels

    for q in LIBRARY:
        ox.Store().query(with_labels(q.text), prefixes=queries.PREFIXES)  # raises SyntaxError otherwise


# -- goldens and two engines ----------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_golden(name: str, real_graph, request: pytest.FixtureRequest) -> None:  # noqa: ANN001
    result = named(real_graph, name)
    q = LIBRARY.get(name)
    if result.kind == "SELECT":
        assert result.vars == list(q.columns), "header Columns must match the SELECT"
    path = GOLDEN_DIR / f"{name}.json"
    text = golden_text(result)
    if update_goldens(request.config):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.is_file(), f"no golden result for {name}: run pytest --update-goldens"
    assert path.read_text(encoding="utf-8") == text, f"{name}: result differs from {path.name}"


def test_no_golden_without_a_query() -> None:
    stale = {p.stem for p in GOLDEN_DIR.glob("*.json")} - set(NAMES)
    assert not stale, f"goldens for queries that no longer exist: {sorted(stale)}"


@pytest.mark.parametrize("name", NAMES)
def test_rdflib_and_oxigraph_agree(name: str, real_graph) -> None:  # noqa: ANN001
    a, b = named(real_graph, name, "rdflib"), named(real_graph, name, "oxigraph")
    assert a.kind == b.kind
    if a.kind == "ASK":
        assert a.boolean == b.boolean
    elif a.graph is not None:
        assert set(a.graph) == set(b.graph)
    else:
        assert a.vars == b.vars
        assert a.sorted_rows() == b.sorted_rows()


# -- what the sources say -------------------------------------------------------------------


def test_partners_of_sac_include_stameq_through_the_2019_mou(real_graph) -> None:  # noqa: ANN001
    # L22: "... hợp tác giữa Tổng cục Tiêu chuẩn Đo lường Chất lượng và ... (SAC) ... thông qua
    # Bản ghi nhớ ký năm 2019."
    result = run(real_graph, "partners", library=LIBRARY, agency="SAC")
    rows = [r.values() for r in result]
    assert {"partner": ID + "org/stameq", "via": "agreement", "through": ID + "agreement/2019-stameq-sac-mou",
            "evidence": EV + "L22-s1"}.items() <= next(
        r for r in rows if r["partner"] == ID + "org/stameq").items()
    assert all(r["agency"] == ID + "org/sac" for r in rows)


def test_leaders_of_the_reception(real_graph) -> None:  # noqa: ANN001
    # L7: "Thứ trưởng Bộ KH&CN Lê Xuân Định ... đoàn ... (SAMR) do ông Bò Thuần, Phó Cục trưởng
    # (cấp Thứ trưởng) SAMR làm Trưởng đoàn."
    rows = {str(r.leader): r for r in run(real_graph, "meeting-leaders", library=LIBRARY, meeting=SEED_MEETING)}
    assert set(rows) == {ID + "person/le-xuan-dinh", ID + "person/bo-thuan"}
    host, guest = rows[ID + "person/le-xuan-dinh"], rows[ID + "person/bo-thuan"]
    assert (str(host.sideRole), host.post, host.organisation) == (
        "host", URIRef(ID + "post/most-deputy-minister"), URIRef(ID + "org/most"))
    assert (str(guest.sideRole), guest.post, guest.rank, guest.organisation) == (
        "visiting side", URIRef(ID + "post/samr-deputy-administrator"), URIRef(ID + "rank/vice-minister"),
        URIRef(ID + "org/samr"))
    assert str(guest.date) == "2023-06-05"


def test_a_leader_is_shown_only_in_a_post_they_hold(real_graph) -> None:  # noqa: ANN001
    """A leader with no tenure found has no post: before the organisation's OPTIONAL was nested in
    the post's, such a row took every post of the graph (Anton Shalaev as Prime Minister of Vietnam)."""
    rows = list(run(real_graph, "meeting-leaders", library=LIBRARY))
    assert any(r.post is None for r in rows)  # the case the old text got wrong is in the data
    for r in rows:
        if r.post is not None:
            held = real_graph.sparql(f"ASK {{ ?t <{CG.holder}> <{r.leader}> ; <{CG.tenurePost}> <{r.post}> }}")
            assert held.askAnswer, (r.leader, r.post)
            assert (r.post, ORG.postIn, r.organisation) in real_graph.graph or r.organisation is None
    assert len({(r.meeting, r.leader) for r in rows}) == len(rows)  # one post per leader and meeting


def test_commitments_of_the_reception(real_graph) -> None:  # noqa: ANN001
    # L24 s2: two follow-ups of the Chinese side; L32: six agreed by both sides.
    result = run(real_graph, "meeting-commitments", library=LIBRARY, meeting=SEED_MEETING)
    commitments = {str(r.commitment) for r in result}
    assert len(commitments) == 8
    c4 = [r for r in result if str(r.commitment).endswith("c4-expand-scope")]
    assert {str(r.committedBy) for r in c4} == {ID + "org/most", ID + "org/samr"}
    assert {str(r.topic) for r in c4} >= {ID + "topic/certification", ID + "topic/mutual-recognition-of-test-results"}
    assert {str(r.agreement) for r in c4} == {ID + "agreement/2019-stameq-sac-mou"}
    assert all(str(r.textVi).startswith("mở rộng phạm vi") for r in c4)


def test_scope_extension_of_the_2019_mou(real_graph) -> None:  # noqa: ANN001
    # L32: "rà soát lại biên bản ghi nhớ đã ký năm 2019, mở rộng phạm vi hợp tác đối với các hoạt
    # động chứng nhận, thừa nhận lẫn nhau kết quả thử nghiệm"
    rows = run(real_graph, "scope-extensions", library=LIBRARY, agreement=ID + "agreement/2019-stameq-sac-mou")
    added = {str(r.addedTopic): r.withinExistingTopics for r in rows}
    assert added == {ID + "topic/certification": Literal(False), ID + "topic/mutual-recognition-of-test-results": Literal(False)}


def test_status_of_the_strategy_as_of_the_reception(real_graph) -> None:  # noqa: ANN001
    # L13 s2: the National Standardization Strategy to 2030 "hiện đang trình Thủ tướng Chính phủ".
    rows = run(real_graph, "legal-status", library=LIBRARY,
               instrument=ID + "strategy/vn-national-standardization-strategy-2030", date="2023-06-05")
    assert [(str(r.status), str(r.reportedBy), str(r.asOf)) for r in rows] == [
        (ID + "status/submitted-for-approval", ID + "person/le-xuan-dinh", "2023-06-05")]
    earlier = run(real_graph, "legal-status", library=LIBRARY,
                  instrument=ID + "strategy/vn-national-standardization-strategy-2030", date="2023-03")
    assert all(str(r.asOf) <= "2023-03" for r in earlier)


def test_same_as_clusters_appear_once(real_graph) -> None:  # noqa: ANN001
    """Bò Thuần and Pu Chun are one person (curator's owl:sameAs): one IRI in whole-graph answers."""
    for name in ("people-met", "person-posts", "meeting-leaders", "partners"):
        text = golden_text(named(real_graph, name))
        assert ID + "person/pu-chun" not in text, name
    by_other_name = run(real_graph, "person-posts", library=LIBRARY, person="Pu Chun")
    assert {str(r.person) for r in by_other_name} == {ID + "person/bo-thuan"}
    assert ID + "tenure/pu-chun--samr-deputy-administrator" in {str(r.tenure) for r in by_other_name}


REFERENCE_SAMPLE = 8  # per-entity checks run every entity on Oxigraph, about this many also on rdflib


def _checked_on_rdflib(i: int, n: int) -> bool:
    """Whether the ``i``-th of ``n`` entities is also checked on rdflib (an even spread of them).

    rdflib is the reference engine: a few seconds per query on the grown data, so all entities
    on it would make this file take minutes; Oxigraph, the engine users run, checks every one.
    """
    return i % max(1, n // REFERENCE_SAMPLE) == 0


def _assert_rows_on_both_engines(graph, name: str, expected: list[tuple[str, ...]], reference: bool = True,  # noqa: ANN001
                                 **params: str) -> None:
    """The named query, with ``params``, gives exactly ``expected`` (sorted rows) on Oxigraph and,
    with ``reference``, on rdflib too."""
    for engine in ("rdflib", "oxigraph") if reference else ("oxigraph",):
        got = run(graph, name, library=LIBRARY, engine=engine, **params)
        assert got.sorted_rows() == expected, (params, engine)


def test_conflicts_of_one_entity_are_its_rows_of_the_whole_list(real_graph) -> None:  # noqa: ANN001
    """The entity form starts from the entity (fast on a large store): it must drop nothing.

    Asked by each subject, or by an owl:sameAs alias of it, on both engines, the answer is the
    whole list's rows about that subject.
    """
    every = named(real_graph, "conflicts")
    subjects = sorted({r.subject for r in every.rows})
    assert subjects
    aliases = {s: [a for a in real_graph.dataset.objects(s, OWL.sameAs) if a != s] for s in subjects}
    assert any(aliases.values()), "the seed data should have a conflict about an owl:sameAs cluster"
    all_rows = every.sorted_rows()
    first_aliased = next(s for s in subjects if aliases[s])
    for i, subject in enumerate(subjects):
        expected = [r for r in all_rows if r[0] == queries.sparql_term_any(subject)]
        for entity in [subject, *aliases[subject]]:
            _assert_rows_on_both_engines(real_graph, "conflicts", expected, _checked_on_rdflib(i, len(subjects))
                                         or subject == first_aliased, entity=str(entity))


def test_history_of_one_agreement_is_its_rows_of_the_whole_list(real_graph) -> None:  # noqa: ANN001
    """agreement-history looks each kind of event up from the agreement; none may be lost."""
    every = named(real_graph, "agreement-history")
    agreements = sorted({r.agreement for r in every.rows})
    assert len(agreements) > 1
    all_rows = every.sorted_rows()
    for i, agreement in enumerate(agreements):
        expected = [r for r in all_rows if r[0] == queries.sparql_term_any(agreement)]
        _assert_rows_on_both_engines(real_graph, "agreement-history", expected, _checked_on_rdflib(i, len(agreements)),
                                     agreement=str(agreement))


def test_timeline_of_one_actor_is_its_items_of_the_whole_timeline(real_graph) -> None:  # noqa: ANN001
    """timeline with an actor looks each item's kind and date up from the actor's items.

    Reference: the whole timeline's rows whose item involves the actor or an organisation under
    it (the relation the query's Parameters line describes), on both engines.
    """
    every = named(real_graph, "timeline")
    involves = ("cg:hasTransitiveSubOrganization?/^(cg:participant|cg:attendedBy|cg:mentionedAgency|"
                "cg:party|cg:signatory|cg:committedBy|cg:involves|cg:reportedBy|"
                "org:originalOrganization|org:resultingOrganization)")
    actors = queries.execute(real_graph, "SELECT DISTINCT ?a WHERE { { ?a a org:Organization } UNION "
                             "{ ?a a foaf:Person } }").rows
    assert len(actors) > 10
    all_rows = every.sorted_rows()
    for i, (actor,) in enumerate(actors):
        items = {queries.sparql_term_any(r[0]) for r in queries.execute(
            real_graph, f"SELECT DISTINCT ?item WHERE {{ <{actor}> {involves} ?item }}").rows}
        expected = [r for r in all_rows if r[2] in items]
        _assert_rows_on_both_engines(real_graph, "timeline", expected, _checked_on_rdflib(i, len(actors)),
                                     actor=str(actor))


def test_country_topics_of_one_country_are_its_pairs_of_the_whole_list(real_graph) -> None:  # noqa: ANN001
    """With a country the query runs its own branch, starting from the country; none may be lost.

    Reference: the whole list's pairs that include the country, on both engines, for every
    country in it.
    """
    every = named(real_graph, "country-topics")
    countries = sorted({c for r in every.rows for c in (r.countryA, r.countryB)})
    assert len(countries) > 2
    all_rows = every.sorted_rows()
    for i, country in enumerate(countries):
        term = queries.sparql_term_any(country)
        expected = [r for r in all_rows if term in (r[0], r[2])]
        assert expected
        _assert_rows_on_both_engines(real_graph, "country-topics", expected, _checked_on_rdflib(i, len(countries)),
                                     country=str(country))


# -- reasoning pays -------------------------------------------------------------------------


REASONING_CASES = [
    # (query, params, what only reasoning provides)
    ("partners", {"agency": "SAC"}, "cg:agreementPartner is a property chain"),
    ("meeting-participants", {"meeting": str(SEED_MEETING)}, "cg:host/cg:visitor are chains over sides"),
    ("agency-hierarchy", {"agency": "MOST"}, "transitive sub-organisation and its inverse"),
    ("people-met", {"person": "le-xuan-dinh"}, "cg:met is a chain over attendances"),
    ("person-posts", {"person": "le-xuan-dinh"}, "org:holds is a chain over tenures"),
    ("meeting-topics", {"meeting": str(SEED_MEETING)}, "skos:broaderTransitive"),
    ("country-topics", {}, "cg:agreementCountry and cg:meetingCountry are chains through the hierarchy"),
]


@pytest.mark.parametrize(("name", "params", "why"), REASONING_CASES, ids=[c[0] for c in REASONING_CASES])
def test_answer_needs_inferred_triples(name: str, params: dict, why: str, real_graph, plain_graph) -> None:  # noqa: ANN001
    with_reasoning = run(real_graph, name, library=LIBRARY, **params)
    without = run(plain_graph, name, library=LIBRARY, **params)
    assert len(with_reasoning) > len(without), why
    assert set(without.sorted_rows()) != set(with_reasoning.sorted_rows()), why


def test_country_links_are_inferred_through_the_hierarchy(real_graph, plain_graph) -> None:  # noqa: ANN001
    """cg:inCountry and the item-country chains that country-topics reads in one lookup each."""
    def objects(graph, subject: str, prop: str) -> set[str]:  # noqa: ANN001
        return {str(o).rsplit("/", 1)[-1] for o in graph.dataset.objects(URIRef(ID + subject), CG[prop])}

    # no cg:country of its own: the country of the ministry above it
    assert objects(real_graph, "group/stameq-units", "country") == set()
    assert objects(real_graph, "group/stameq-units", "inCountry") == {"vietnam"}
    assert objects(real_graph, "agreement/2019-stameq-sac-mou", "agreementCountry") == {"vietnam", "china"}
    seed = "meeting/2023-06-05-most-samr-reception"
    assert {"vietnam", "china"} <= objects(real_graph, seed, "meetingCountry")
    assert objects(real_graph, seed, "involvesCountry") >= objects(real_graph, seed, "meetingCountry")
    assert objects(plain_graph, "agreement/2019-stameq-sac-mou", "agreementCountry") == set()


def test_reasoning_details(real_graph, plain_graph) -> None:  # noqa: ANN001
    sac = run(plain_graph, "partners", library=LIBRARY, agency="SAC")
    assert len(sac) == 0  # no source states "partner": it follows from both being parties
    roles = {(str(r.organisation).rsplit("/", 1)[-1], str(r.role))
             for r in run(real_graph, "meeting-participants", library=LIBRARY, meeting=SEED_MEETING)}
    plain_roles = {(str(r.organisation).rsplit("/", 1)[-1], str(r.role))
                   for r in run(plain_graph, "meeting-participants", library=LIBRARY, meeting=SEED_MEETING)}
    assert {("most", "host"), ("stameq", "host"), ("samr", "visiting side")} <= roles
    assert {role for _, role in plain_roles} <= {"mentioned"}
    below = {str(r.other).rsplit("/", 1)[-1]: int(r.depth) for r in
             run(real_graph, "agency-hierarchy", library=LIBRARY, agency="MOST") if str(r.direction) == "below"}
    assert below.get("stameq") == 1 and below.get("stameq-units") == 2
    assert run(real_graph, "have-met", library=LIBRARY).boolean is True
    assert run(plain_graph, "have-met", library=LIBRARY).boolean is False
    broader = {str(r.broader) for r in run(real_graph, "meeting-topics", library=LIBRARY, meeting=SEED_MEETING)
               if str(r.topic).endswith("/standardization-strategy")}
    assert broader == {ID + "topic/standardization", ID + "topic/quality-infrastructure"}


# -- parameters are RDF terms ---------------------------------------------------------------

ATTACKS = [
    '"} ; DROP ALL ; SELECT * WHERE { ?s ?p ?o } #',
    "\") } } DELETE WHERE { ?s ?p ?o } #",
    'x" ) } UNION { ?entity ?property ?matched } #',
    "line\nbreak\\\" and 'single' quotes } ;",
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_crafted_text_is_bound_as_one_plain_literal(attack: str, real_graph) -> None:  # noqa: ANN001
    before = len(real_graph.dataset)
    q = LIBRARY.get("find")
    bound = q.bind({"text": Literal(attack)})
    ((start, end, names),) = queries._values_blocks(bound, ["text"])
    row = queries._default_row(bound[start:end], names)
    assert len(row) == 1
    # The row's first term is exactly the attack as one literal: read it back with Oxigraph.
    store = ox.Store()
    value = list(store.query(f"SELECT ?v WHERE {{ VALUES ?v {{ {row[0]} }} }}"))[0]["v"]
    assert from_oxigraph(value) == Literal(attack)
    # Outside the VALUES row the query text is untouched.
    ((original_start, original_end, _),) = queries._values_blocks(q.text, ["text"])
    assert bound[:start] == q.text[:original_start] and bound[end:] == q.text[original_end:]
    for engine in ("rdflib", "oxigraph"):
        result = run(real_graph, "find", library=LIBRARY, text=attack, engine=engine)
        assert result.kind == "SELECT" and len(result) == 0
    assert len(real_graph.dataset) == before


def test_an_honest_text_finds_things(real_graph) -> None:  # noqa: ANN001
    rows = run(real_graph, "find", library=LIBRARY, text="samr")
    assert ID + "org/samr" in {str(r.entity) for r in rows}


def test_iri_parameters_cannot_break_out(real_graph) -> None:  # noqa: ANN001
    with pytest.raises(UsageError):
        queries.sparql_term(URIRef("https://x.example/> } DROP ALL #"))
    with pytest.raises(UsageError):
        run(real_graph, "partners", library=LIBRARY, agency='SAC" } DROP ALL #')


def test_parameters_accept_names_and_types(real_graph) -> None:  # noqa: ANN001
    by_name = run(real_graph, "agency-hierarchy", library=LIBRARY, agency="Bộ Khoa học và Công nghệ")
    by_iri = run(real_graph, "agency-hierarchy", library=LIBRARY, agency=ID + "org/most")
    assert by_name.sorted_rows() == by_iri.sorted_rows() and len(by_iri) > 0
    q = LIBRARY.get("timeline")
    assert queries.to_term(q.parameter("from"), "2019") == Literal("2019", datatype=URIRef(
        "http://www.w3.org/2001/XMLSchema#gYear"))
    with pytest.raises(UsageError):
        queries.to_term(q.parameter("from"), "June 2019")
    rows = run(real_graph, "timeline", library=LIBRARY, actor="org/stameq", **{"from": "2019", "to": "2019-12"})
    assert rows and all("2019" <= str(r.date)[:7] <= "2019-12" for r in rows)


# -- formats --------------------------------------------------------------------------------


FORMAT_CASES = [("partners", {"agency": "SAC"}), ("meeting-leaders", {}), ("meeting-commitments", {}),
                ("agency-names", {"agency": "org/stameq"})]


@pytest.mark.parametrize(("name", "params"), FORMAT_CASES, ids=[c[0] for c in FORMAT_CASES])
def test_w3c_formats_parse_in_an_independent_reader(name: str, params: dict, real_graph) -> None:  # noqa: ANN001
    result = run(real_graph, name, library=LIBRARY, **params) if params else named(real_graph, name)
    assert len(result) > 0
    table = to_table(result)
    for text, fmt in ((to_json(result), ox.QueryResultsFormat.JSON), (to_xml(result), ox.QueryResultsFormat.XML),
                      (to_tsv(result), ox.QueryResultsFormat.TSV)):
        parsed = parse_w3c(text, fmt)
        assert parsed.vars == result.vars
        assert [tuple(r) for r in parsed.rows] == [tuple(r) for r in result.rows], fmt
        assert to_table(parsed) == table
    # CSV is lossy by design (values only): read it with the csv module and compare the values.
    text = to_csv(result)
    assert "\r\n" in text and text.endswith("\r\n")
    records = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [{k: v for k, v in r.items() if v != ""} for r in records] == rows_as_dicts(result)


def test_json_is_the_indented_rendering_of_itself_and_keeps_each_terms_own_form() -> None:
    """to_json writes row by row; its text must be what json.dumps(indent=2) gives for its document."""
    from rdflib import XSD, BNode

    rows = [Row([URIRef("https://x.example/a"), Literal('q"\n\u00e9\u2028 ', lang="vi")], ["a", "b"]),
            Row([BNode("b1"), Literal("2019", datatype=XSD.gYear)], ["a", "b"]), Row([None, None], ["a", "b"]),
            Row([None, Literal("a", lang="EN")], ["a", "b"]), Row([None, Literal("a", lang="en")], ["a", "b"]),
            Row([Literal("a"), Literal("1", datatype=XSD.integer)], ["a", "b"])]
    for result in (QueryResult("SELECT", vars=["a", "b"], rows=rows), QueryResult("SELECT", vars=["a"]),
                   QueryResult("SELECT")):
        text = to_json(result)
        assert text == json.dumps(json.loads(text), ensure_ascii=False, indent=2) + "\n"
        parsed = parse_w3c(text, ox.QueryResultsFormat.JSON)
        assert [tuple(r) for r in parsed.rows] == [tuple(r) for r in result.rows]
    # rdflib's Literal equality ignores the case of a language tag; the writers' memo must not.
    langs = [b.get("b", {}).get("xml:lang") for b in json.loads(to_json(QueryResult("SELECT", vars=["a", "b"], rows=rows)))["results"]["bindings"]]
    assert langs[3:5] == ["EN", "en"]
    assert '"a"@EN' in to_tsv(QueryResult("SELECT", vars=["a", "b"], rows=rows))


def test_ask_and_construct_formats(real_graph) -> None:  # noqa: ANN001
    ask = named(real_graph, "have-met")
    for text, fmt in ((to_json(ask), ox.QueryResultsFormat.JSON), (to_xml(ask), ox.QueryResultsFormat.XML)):
        assert parse_w3c(text, fmt).boolean is True
    # ASK in CSV and TSV: one column, _askResult, as Jena writes it (the W3C note defines SELECT only)
    assert write(ask, "csv") == "_askResult\r\ntrue\r\n" and write(ask, "tsv") == "?_askResult\ntrue\n"
    net = named(real_graph, "partner-network")
    assert len(net) > 0
    for fmt, rdf in (("turtle", ox.RdfFormat.TURTLE), ("nt", ox.RdfFormat.N_TRIPLES), ("jsonld", ox.RdfFormat.JSON_LD),
                     ("rdfxml", ox.RdfFormat.RDF_XML)):
        triples = list(ox.parse(write(net, fmt).encode(), format=rdf))
        assert len(triples) == len(net), fmt
    with pytest.raises(UsageError):
        write(net, "json")


# -- bad input ------------------------------------------------------------------------------


def test_syntax_error_names_line_and_column(real_graph) -> None:  # noqa: ANN001
    cases = [
        ("SELECT ?s\nWHERE {\n  ?s ?p ?o .\n  FILTER(?s = )\n}\n", "line 4, column 3"),
        ("SELECT ?s\nWHERE {\n  ?s ?p ?o .\n  ?s nope:p ?o .\n}\n", "line 4, column 12: undeclared prefix"),
    ]
    for text, where in cases:
        for engine in ("rdflib", "oxigraph"):
            with pytest.raises(QueryError) as e:
                run(real_graph, sparql=text, engine=engine)
            assert where in str(e.value), (engine, str(e.value))


def test_unknown_query_and_parameter_list_the_valid_ones(real_graph) -> None:  # noqa: ANN001
    with pytest.raises(UsageError) as e:
        run(real_graph, "partnrs", library=LIBRARY)
    assert "partners" in str(e.value) and "meeting-leaders" in str(e.value)
    with pytest.raises(UsageError) as e:
        run(real_graph, "partners", library=LIBRARY, agencyy="SAC")
    assert "valid parameters: agency" in str(e.value)


SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def test_timeout_stops_the_query(real_graph) -> None:  # noqa: ANN001
    with pytest.raises(QueryError) as e:
        run(real_graph, sparql=SLOW, timeout=0.5)
    assert "timeout" in str(e.value)
    assert e.value.exit_code == 2
    fast = run(real_graph, "have-met", library=LIBRARY, timeout=60)
    assert fast.boolean is True


# -- the CLI and the Python API ---------------------------------------------------------------


@pytest.fixture
def cli(real_graph, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture):  # noqa: ANN001, ANN201
    """Run ``coopgraph ...`` in-process on the session's graph (no reload per call)."""
    import coopgraph.cli.queries as cq
    from coopgraph.cli.main import main

    monkeypatch.setattr(cq, "open_from_args", lambda args: real_graph)
    monkeypatch.setenv("COOPGRAPH_HOME", str(ROOT))

    def invoke(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


def test_cli_lists_queries(cli) -> None:  # noqa: ANN001
    code, out, _ = cli("queries")
    assert code == 0
    lines = [line for line in out.splitlines() if line and not line.startswith(" ")]
    assert len(lines) == len(NAMES) >= 17
    assert any(line.startswith("partners ") and "cooperation partners" in line for line in lines)


def test_cli_query_formats_and_stdout_is_clean(cli) -> None:  # noqa: ANN001
    code, out, err = cli("query", "partners", "--param", "agency=SAC", "--format", "json")
    assert code == 0 and "rows in" in err
    parsed = parse_w3c(out, ox.QueryResultsFormat.JSON)
    partners = {str(r.partner) for r in parsed}
    assert ID + "org/stameq" in partners and all(p.startswith(ID + "org/") for p in partners)  # the 2019 MOU
    code, out, _ = cli("query", "partners", "-p", "agency=SAC", "--lang", "vi")
    assert code == 0 and "Tổng cục Tiêu chuẩn Đo lường Chất lượng" in out
    code, out, _ = cli("query", "--sparql", "ASK { ?s cg:met ?o }", "--format", "xml")
    assert code == 0 and "<boolean>true</boolean>" in out
    code, out, _ = cli("query", "partner-network", "--format", "nt")
    assert code == 0 and "cooperationPartner" in out


def test_cli_query_file(cli, tmp_path: Path) -> None:  # noqa: ANN001
    path = tmp_path / "q.rq"
    path.write_text("# Question: count meetings?\n# Parameters:\n#   ?lang  string  default \"en\"  unused\n"
                    'SELECT (COUNT(?m) AS ?n) WHERE { VALUES (?lang) { ("en") } ?m a cg:Meeting }\n',
                    encoding="utf-8")
    code, out, _ = cli("query", "--file", str(path), "--format", "csv", "--lang", "vi")
    assert code == 0 and out.startswith("n\r\n") and int(out.split("\r\n")[1]) > 0


def test_cli_bad_input_exit_2(cli) -> None:  # noqa: ANN001
    code, out, err = cli("query", "nope")
    assert code == 2 and out == "" and "valid queries:" in err
    code, _, err = cli("query", "partners", "--param", "agencyy=SAC")
    assert code == 2 and "valid parameters: agency" in err
    code, _, err = cli("query", "--sparql", "SELECT * WHERE {\n ?s ?p }")
    assert code == 2 and "line 2, column" in err
    code, _, err = cli("query", "--sparql", SLOW, "--timeout", "0.5")
    assert code == 2 and "timeout" in err
    code, _, err = cli("query", "partner-network", "--format", "csv")
    assert code == 2 and "graph" in err


def test_python_api(real_graph, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("COOPGRAPH_HOME", str(ROOT))
    result = real_graph.query("meeting-leaders", meeting=str(SEED_MEETING))
    record = next(r for r in result.records() if r["leader"].endswith("/bo-thuan"))
    assert record["leaderLabel"] == "Bò Thuần"
    assert record["date"].isoformat() == "2023-06-05"  # typed: a datetime.date
    pandas = pytest.importorskip("pandas")
    frame = result.to_dataframe()
    assert isinstance(frame, pandas.DataFrame) and list(frame.columns) == result.vars


def test_find_searches_string_literals_only() -> None:
    """The text test is LCASE, which only string literals pass: the documented scope of find."""
    from rdflib import RDFS, XSD, Dataset, Graph

    from coopgraph.graph import CoopGraph

    ds = Dataset(default_union=True)
    g = ds.graph(URIRef("https://x.example/graph"))
    labels = [Literal("Ministry of Tests"), Literal("Bộ Khoa học", lang="vi"), Literal("ministry of the plain"),
              Literal("Ministry", lang="en")]
    for i, label in enumerate(labels):
        g.add((URIRef(f"https://x.example/s{i}"), RDFS.label, label))
    g.add((URIRef("https://x.example/typed"), RDFS.label, Literal("2019", datatype=XSD.gYear)))
    g.add((URIRef("https://x.example/iri"), RDFS.label, URIRef("https://x.example/ministry")))
    graph = CoopGraph(ds, Graph(), Graph())
    expected = {"https://x.example/s0", "https://x.example/s2", "https://x.example/s3"}
    for engine in ("rdflib", "oxigraph"):
        assert {str(r.entity) for r in run(graph, "find", library=LIBRARY, text="MINISTRY", engine=engine)} == expected
        assert len(run(graph, "find", library=LIBRARY, text="2019", engine=engine)) == 0


def test_a_query_sent_without_unset_parameters_drops_only_copies_of_them() -> None:
    """The text sent to a remote store drops ``BIND(?p AS ?x)`` of an unset parameter ``?p``
    only when nothing else can bind ``?p``; every other BIND, and the question, stay."""
    from coopgraph.query.library import without_unbound_values

    text = """SELECT ?a ?b WHERE {
  VALUES (?p) { (UNDEF) }
  BIND(?p AS ?a)          # a copy of ?p: dropped
  ?a <urn:x:knows> ?b .
  FILTER(BOUND(?p) || STR(?a) < STR(?b))
}"""
    sent = without_unbound_values(text, ["p"])
    assert "VALUES" not in sent and "BIND" not in sent
    assert "?a <urn:x:knows> ?b" in sent and "BOUND(?p)" in sent
    mentioned = text.replace("?a <urn:x:knows> ?b .", "?p <urn:x:knows> ?b .")
    kept = without_unbound_values(mentioned, ["p"])
    assert "BIND(?p AS ?a)" in kept and "VALUES" not in kept  # ?p is bound by a pattern: kept
    prefix = text.replace("BIND(?p AS ?a)", "BIND(?pq AS ?a)")  # another variable, same prefix
    assert "BIND(?pq AS ?a)" in without_unbound_values(prefix, ["p"])


# -- no lookup from a variable an earlier OPTIONAL may leave unbound ---------------------------

#: Queries whose flagged OPTIONAL is safe, and why (the rule: docs/query-performance.md, rule 5).
UNBOUND_START_SAFE = {
    "conflicts": "?holder2 (and ?value2, ?property2 made from it) is bound by an OPTIONAL that must "
                 "match: FILTER(BOUND(?holder2)) in the same group drops every row without it",
}


def _certain(node: object) -> set:
    """Variables every solution of ``node`` binds (a safe under-estimate)."""
    from rdflib.plugins.sparql.parserutils import CompValue
    from rdflib.term import Variable

    if not isinstance(node, CompValue):
        return set()
    if node.name == "BGP":
        return {t for triple in node.triples for t in triple if isinstance(t, Variable)}
    if node.name in ("LeftJoin", "Minus"):
        return _certain(node.p1)
    if node.name == "Join":
        return _certain(node.p1) | _certain(node.p2)
    if node.name == "Union":
        return _certain(node.p1) & _certain(node.p2)
    if node.name == "Extend":
        inner = _certain(node.p)
        return inner | ({node.var} if _always_bound(node.expr, inner) else set())
    if node.name == "Project":
        return _certain(node.p) & set(node.PV)
    if node.name == "Graph":
        return _certain(node.p) | ({node.term} if isinstance(node.term, Variable) else set())
    return _certain(node.p) if isinstance(node.get("p"), CompValue) else set()


def _always_bound(expr: object, bound: set) -> bool:
    from rdflib.plugins.sparql.parserutils import CompValue
    from rdflib.term import Variable

    if isinstance(expr, Variable):
        return expr in bound
    if not isinstance(expr, CompValue):
        return True  # a constant
    if expr.name == "Builtin_COALESCE":
        return any(_always_bound(a, bound) for a in expr.arg)
    if expr.name == "Builtin_IF":
        return _always_bound(expr.arg2, bound) and _always_bound(expr.arg3, bound)
    return False


def _unbound_starts(text: str) -> list[set[str]]:
    """For each OPTIONAL whose first pattern starts from a variable that the patterns before it
    mention but may leave unbound: those variables. From an unbound one it matches the whole
    graph (meeting-leaders gave a leader with no post every post of the graph)."""
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery
    from rdflib.plugins.sparql.parserutils import CompValue
    from rdflib.term import Variable

    from coopgraph.namespaces import PREFIXES

    def mentioned(node: object) -> set:
        if isinstance(node, Variable):
            return {node}
        values = node.values() if isinstance(node, CompValue) else node if isinstance(node, (list, tuple)) else ()
        return set().union(*(mentioned(v) for v in values))

    def start(node: object) -> set:
        if isinstance(node, CompValue):
            if node.name == "BGP":
                return {t for t in node.triples[0] if isinstance(t, Variable)} if node.triples else set()
            for key in ("p", "p1"):
                if key in node:
                    return start(node[key])
        return set()

    found: list[set[str]] = []

    def walk(node: object) -> None:
        if isinstance(node, CompValue):
            if node.name == "LeftJoin":
                shaky = (start(node.p2) & mentioned(node.p1)) - _certain(node.p1)
                if shaky:
                    found.append({str(v) for v in shaky})
            for v in node.values():
                walk(v)
        elif isinstance(node, (list, tuple)):
            for v in node:
                walk(v)

    walk(translateQuery(parseQuery(text), initNs=PREFIXES).algebra)
    return found


def test_the_check_finds_a_lookup_from_an_optional_variable() -> None:
    bad = ("SELECT * WHERE { ?t a cg:Tenure OPTIONAL { ?t cg:tenurePost ?post } "
           "OPTIONAL { ?post org:postIn ?organisation } }")
    nested = ("SELECT * WHERE { ?t a cg:Tenure OPTIONAL { ?t cg:tenurePost ?post "
              "OPTIONAL { ?post org:postIn ?organisation } } }")
    keyed = ("SELECT * WHERE { ?t a cg:Tenure OPTIONAL { ?t cg:tenurePost ?post } "
             "BIND(COALESCE(?post, ?t) AS ?key) OPTIONAL { ?key org:postIn ?organisation } }")
    assert _unbound_starts(bad) == [{"post"}]
    assert _unbound_starts(nested) == [] and _unbound_starts(keyed) == []


@pytest.mark.parametrize("name", LIBRARY.names())
def test_no_optional_starts_from_a_variable_an_earlier_optional_may_leave_unbound(name: str, real_graph) -> None:  # noqa: ANN001
    # the text as a store runs it: the label convention's OPTIONALs become lookups from keys
    text = queries.bound_query(real_graph, name, library=LIBRARY)
    found = _unbound_starts(text)
    assert bool(found) == (name in UNBOUND_START_SAFE), (name, found)  # a stale exemption fails too
