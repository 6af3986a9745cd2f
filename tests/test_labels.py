"""The label service (?xLabel columns) and the presentation graph it reads, on both engines.

A small graph written here, so every expectation can be read off the data: entity a has labels
in Vietnamese, English (en-GB) and Chinese, b only an untagged one, c none.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph, Literal, URIRef

from coopgraph import CoopGraph

from coopgraph.build import presentation
from coopgraph.build import store as fb
from coopgraph.errors import QueryError, UsageError
from coopgraph.query.labels import FUNCTION_PREFIX, label_functions, with_labels
from coopgraph.namespaces import PRESENTATION_GRAPH, RDFS
from coopgraph.query.library import run

EX = "https://example.org/"
A, B, C = URIRef(EX + "a"), URIRef(EX + "b"), URIRef(EX + "c")
P = URIRef(EX + "p")
ENGINES = ("rdflib", "oxigraph")
PREFIX = f"PREFIX ex: <{EX}>\n"


@pytest.fixture(scope="module")
def small() -> CoopGraph:
    ds = Dataset()
    g = ds.graph(URIRef(EX + "g"))
    for label in (Literal("Bộ A", lang="vi"), Literal("Ministry A", lang="en-GB"), Literal("A部", lang="zh"),
                  Literal("Another A", lang="vi")):
        g.add((A, RDFS.label, label))
    g.add((B, RDFS.label, Literal("plain b")))
    for s, o in ((A, B), (A, C), (B, C)):
        g.add((s, P, o))
    return CoopGraph(ds, Graph(), Graph())


def rows(graph: CoopGraph, text: str, engine: str, **kw: object) -> list[tuple[str | None, ...]]:
    result = run(graph, sparql=PREFIX + text, engine=engine, **kw)  # type: ignore[arg-type]
    return [tuple(None if t is None else str(t) for t in r) for r in result]


@pytest.mark.parametrize("engine", ENGINES)
def test_languages_fall_back_in_order_then_any_label_then_the_iri(small: CoopGraph, engine: str) -> None:
    q = "SELECT ?x ?xLabel WHERE { VALUES ?x { ex:a ex:b ex:c } } ORDER BY ?x"
    assert rows(small, q, engine, languages="vi,en") == [(str(A), "Another A"), (str(B), "plain b"), (str(C), str(C))]
    # en-GB counts for en; the first of the requested languages that has a label wins
    assert rows(small, q, engine, languages=["en", "vi"])[0] == (str(A), "Ministry A")
    assert rows(small, q, engine, languages="zh")[0] == (str(A), "A部")
    # no label in the language: the first of all its labels by code point ("Another A" < "A部")
    assert rows(small, q, engine, languages="fr")[0] == (str(A), "Another A")
    assert rows(small, q, engine)[0] == (str(A), "Ministry A")  # default: en


@pytest.mark.parametrize("engine", ENGINES)
def test_unbound_variable_gives_an_unbound_label(small: CoopGraph, engine: str) -> None:
    # (b, not c: over a union dataset rdflib loses a VALUES row whose subject is in no triple)
    q = "SELECT ?s ?x ?xLabel WHERE { VALUES ?s { ex:b } OPTIONAL { ?s ex:q ?x } }"
    assert rows(small, q, engine) == [(str(B), None, None)]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_query_that_binds_the_label_itself_is_left_alone(small: CoopGraph, engine: str) -> None:
    q = 'SELECT ?x ?xLabel WHERE { VALUES ?x { ex:a } BIND("mine" AS ?xLabel) }'
    assert with_labels(PREFIX + q) == PREFIX + q
    assert rows(small, q, engine) == [(str(A), "mine")]
    no_base = "SELECT ?yLabel WHERE { VALUES ?z { 1 } }"
    assert with_labels(no_base) == no_base


@pytest.mark.parametrize("engine", ENGINES)
def test_order_by_a_label_and_group_by(small: CoopGraph, engine: str) -> None:
    ordered = "SELECT ?o ?oLabel WHERE { ?s ex:p ?o } ORDER BY DESC(?oLabel) LIMIT 2"
    result = run(small, sparql=PREFIX + ordered, engine=engine)
    assert [str(r.oLabel) for r in result] == ["plain b", str(C)]  # "plain b" > "https://..."
    grouped = ("SELECT ?s ?sLabel (COUNT(?o) AS ?n) WHERE { ?s ex:p ?o } GROUP BY ?s ORDER BY ?sLabel")
    assert rows(small, grouped, engine) == [(str(A), "Ministry A", "2"), (str(B), "plain b", "1")]
    not_a_key = "SELECT ?oLabel (COUNT(?s) AS ?n) WHERE { ?s ex:p ?o } GROUP BY ?s"
    with pytest.raises(QueryError, match=r"\?o is neither projected nor a GROUP BY key"):
        run(small, sparql=PREFIX + not_a_key, engine=engine)


def test_comments_strings_and_bad_languages() -> None:
    q = 'SELECT ?x ?xLabel WHERE { ?x ?p "?xLabel } ORDER BY" # ?xLabel }\n}'
    rewritten = with_labels(q)
    assert '"?xLabel } ORDER BY"' in rewritten and "displayLabel" in rewritten
    ox.Store().query(rewritten)  # still one valid query
    with pytest.raises(UsageError, match="not a language tag"):
        run(CoopGraph(Dataset(), Graph(), Graph()), sparql=q, languages="vi;DROP")


def test_presentation_graph_is_kept_apart_from_the_facts(small: CoopGraph) -> None:
    shown = small.dataset.graph(PRESENTATION_GRAPH)
    assert len(shown) > 0
    assert not any(p == presentation.CG.displayLabel for _, p, _ in small.graph)  # asserted + inferred only
    assert all(st.predicate != str(presentation.CG.displayLabel) for st in small.describe(str(A)).statements)


def test_update_keeps_the_presentation_graph_in_step(tmp_path: Path) -> None:
    """After `update --store`, the labels of the new source are in the table, as after a full build."""
    first, second = tmp_path / "one.trig", tmp_path / "two.trig"
    first.write_text(f'<{EX}g1> {{ <{EX}a> <{RDFS.label}> "Alpha"@en . }}\n', encoding="utf-8")
    second.write_text(f'<{EX}g2> {{ <{EX}a> <{RDFS.label}> "Alef"@en . <{EX}n> <{RDFS.label}> "New"@vi . }}\n',
                      encoding="utf-8")
    fb.build_store([first], tmp_path / "incr", allow_invalid=True, progress=False)
    fb.update_store(tmp_path / "incr", [second])
    fb.build_store([first, second], tmp_path / "full", allow_invalid=True, progress=False)

    def table(store: str) -> set[tuple[str, str, str]]:
        return {(q.subject.value, q.predicate.value, str(q.object))
                for q in fb.store_quads(tmp_path / store, presentation.GRAPH)}

    incr = table("incr")
    assert incr == table("full")
    assert (EX + "a", str(presentation.CG.displayLabel), '"Alef"@en') in incr  # the first label now
    assert (EX + "n", str(presentation.CG.displayLabel), '"New"@vi') in incr
    graph = fb.open_store(tmp_path / "incr")
    got = run(graph, sparql=f"SELECT ?x ?xLabel WHERE {{ VALUES ?x {{ <{EX}n> }} }}", engine="oxigraph",
              languages="en")
    assert [str(r.xLabel) for r in got] == ["New"]


@pytest.fixture(scope="module")
def texts() -> CoopGraph:
    """Entity t has a text in Vietnamese and English and a title only in Chinese; u has neither."""
    ds = Dataset()
    g = ds.graph(URIRef(EX + "g"))
    for text in (Literal("văn bản", lang="vi"), Literal("the text", lang="en"), Literal("another text", lang="en")):
        g.add((URIRef(EX + "t"), presentation.CG.text, text))
    g.add((URIRef(EX + "t"), presentation.CG.titleAsStated, Literal("标题", lang="zh")))
    g.add((URIRef(EX + "t"), RDFS.label, Literal("T", lang="en")))
    for s in ("t", "u"):
        g.add((URIRef(EX + s), P, URIRef(EX + "o")))
    return CoopGraph(ds, Graph(), Graph())


@pytest.mark.parametrize("engine", ENGINES)
def test_an_explicit_lookup_reads_a_language_table_in_the_requested_languages(texts: CoopGraph, engine: str) -> None:
    q = ("SELECT ?s ?text ?title WHERE { ?s ex:p ex:o OPTIONAL { ?s cg:displayText ?text } "
         "OPTIONAL { ?s cg:displayTitle ?title } } ORDER BY ?s")
    t, u = EX + "t", EX + "u"
    assert rows(texts, q, engine, languages="vi,en") == [(t, "văn bản", "标题"), (u, None, None)]
    # the first English text; the title in no requested language: its any-language value, never the IRI
    assert rows(texts, q, engine, languages="en") == [(t, "another text", "标题"), (u, None, None)]
    rewritten = with_labels(PREFIX + q)
    assert "cg:displayText ?text }" not in rewritten  # the lookup left the question's body


@pytest.mark.parametrize("engine", ENGINES)
def test_a_projected_expression_over_filled_columns_is_computed_after_them(texts: CoopGraph, engine: str) -> None:
    q = ("SELECT ?s (COALESCE(?title, ?sLabel) AS ?shown) ?sLabel WHERE { ?s ex:p ex:o "
         "OPTIONAL { ?s cg:displayTitle ?title } } ORDER BY ?s")
    assert rows(texts, q, engine) == [(EX + "t", "标题", "T"), (EX + "u", EX + "u", EX + "u")]


def test_a_lookup_whose_variable_is_used_elsewhere_stays_in_the_body() -> None:
    q = "SELECT ?s ?text WHERE { ?s ex:p ?o OPTIONAL { ?s cg:displayText ?text } FILTER(BOUND(?text)) }"
    assert with_labels(PREFIX + q) == PREFIX + q


def _presentation(store: ox.Store) -> set[ox.Quad]:
    return set(store.quads_for_pattern(None, None, None, presentation.GRAPH))


def test_refreshing_the_touched_entities_equals_a_full_recomputation(tmp_path: Path) -> None:
    """An update changes labels, a date through an OWL-Time instant, a statement's meeting date
    and an owl:sameAs cluster; recomputing only what it touches gives the full result."""
    def q(s: str, p: str, o: ox.Literal | ox.NamedNode, g: str = "g1") -> ox.Quad:
        return ox.Quad(ox.NamedNode(EX + s), ox.NamedNode(p), o, ox.NamedNode(EX + g))

    label, date = str(RDFS.label), "http://purl.org/dc/terms/date"
    time, act, same = "http://www.w3.org/2006/time#", str(presentation.CG.actAt), "http://www.w3.org/2002/07/owl#sameAs"
    before = [q("a", label, ox.Literal("Alpha", language="en")), q("m", label, ox.Literal("Meeting")),
              q("m", time + "hasTime", ox.NamedNode(EX + "i")), q("st", act, ox.NamedNode(EX + "m")),
              q("z", same, ox.NamedNode(EX + "y")), q("y", same, ox.NamedNode(EX + "z"))]
    i_date = ox.Literal("2020-01-02", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date"))
    change = [q("a", label, ox.Literal("Aleph", language="en-GB"), "g2"), q("i", time + "inXSDDate", i_date, "g2"),
              q("z", same, ox.NamedNode(EX + "b"), "g2"), q("b", same, ox.NamedNode(EX + "z"), "g2"),
              q("m", date, ox.Literal("2020"), "g2")]
    store = ox.Store()
    store.extend(before)
    presentation.refresh(store)
    store.extend(change)
    written = presentation.refresh(store, change)
    full = ox.Store()
    full.extend(before + change)
    presentation.refresh(full)
    assert written > 0 and _presentation(store) == _presentation(full)
    shown = {(x.subject.value, x.predicate.value, x.object.value) for x in _presentation(store)}
    assert (EX + "st", str(presentation.CG.displayDate), "2020") in shown  # dcterms:date outranks the instant
    assert (EX + "z", str(presentation.CG.sameAsFirst), EX + "b") in shown
    assert (EX + "a", str(presentation.CG.displayLabel), "Aleph") in shown  # en-GB counts for en
    # removing what the update added, and refreshing from the removed quads, undoes it
    for x in change:
        store.remove(x)
    presentation.refresh(store, change)
    again = ox.Store()
    again.extend(before)
    presentation.refresh(again)
    assert _presentation(store) == _presentation(again)


@pytest.mark.parametrize("langs", [("en",), ("vi", "en"), ("zh",), ("fr", "de")])
def test_the_label_functions_give_what_the_lookups_give(langs: tuple[str, ...]) -> None:
    """The embedded engine fills labels by functions, other stores by SPARQL lookups; the two
    agree on every kind of term: labelled in some languages, only plainly, not at all, a blank
    node, a literal, unbound; and on a text table, which never falls back to the term."""
    from coopgraph.query.library import PREFIXES

    store = ox.Store()
    label, text = ox.NamedNode(str(presentation.CG.displayLabel)), ox.NamedNode(str(presentation.CG.displayText))
    a, b, c, blank = ox.NamedNode(EX + "a"), ox.NamedNode(EX + "b"), ox.NamedNode(EX + "c"), ox.BlankNode("x")
    for s, p, o in ((a, label, ox.Literal("Bộ A", language="vi")), (a, label, ox.Literal("Ministry A", language="en")),
                    (a, label, ox.Literal("Ministry A plain")), (b, label, ox.Literal("plain b")),
                    (blank, label, ox.Literal("blank", language="en")), (a, text, ox.Literal("text", language="vi"))):
        store.add(ox.Quad(s, p, o, ox.DefaultGraph()))
    for s in (a, b, c, blank):
        store.add(ox.Quad(s, ox.NamedNode(EX + "p"), ox.Literal("o"), ox.DefaultGraph()))
    store.add(ox.Quad(c, ox.NamedNode(EX + "p"), ox.Literal("a literal"), ox.DefaultGraph()))
    q = (PREFIX + "SELECT ?x ?xLabel ?y ?yLabel ?text WHERE { ?x ex:p ?y "
         "OPTIONAL { ?x cg:displayText ?text } OPTIONAL { ?x ex:none ?unbound } } ORDER BY ?xLabel ?yLabel")

    def answer(functions: bool) -> list[tuple[str | None, ...]]:
        sent = with_labels(q, langs, functions=functions)
        extra = {"custom_functions": label_functions(sent, store)} if functions else {}
        return [tuple(None if t is None else str(t) for t in row)
                for row in store.query(sent, prefixes=PREFIXES, **extra)]

    expected = answer(False)
    assert answer(True) == expected and len(expected) == 5
    sent = with_labels(q, langs, functions=True)
    assert FUNCTION_PREFIX in sent and "_k0" not in sent  # one call a column, no lookups
