"""The label service (?xLabel columns) and the presentation graph it reads, on both engines.

A small graph written here, so every expectation can be read off the data: entity a has labels
in Vietnamese, English (en-GB) and Chinese, b only an untagged one, c none.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph, Literal, URIRef

from coopgraph import CoopGraph, presentation
from coopgraph import fastbuild as fb
from coopgraph.errors import QueryError, UsageError
from coopgraph.labels import with_labels
from coopgraph.namespaces import PRESENTATION_GRAPH, RDFS
from coopgraph.queries import run

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
