"""The label service's outer query finished in Python (coopgraph.query.outer) against the engine.

Each named query is run twice on the real build: once as the API runs it (the sub-select on
Oxigraph, labels, order, DISTINCT and paging here) and once with the whole text on Oxigraph.
The rows must be the same, in the same order wherever the ORDER BY decides it: rows that tie
on every ORDER BY key may come in either order, as SPARQL allows.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator

import pytest

from _server_support import QUERIES_DIR
from coopgraph.query import library, outer
from coopgraph.query.labels import with_labels
from coopgraph.query.library import QueryLibrary, run

LIBRARY = QueryLibrary(QUERIES_DIR)
NAMES = LIBRARY.names()


@pytest.fixture
def paths(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Which way each run went: "python", "fallback" (an unorderable key) or "engine"."""
    seen: list[str] = []
    real_read, real_run = library.read_outer, library.finish_outer

    def reading(text: str) -> outer.Outer | None:
        found = real_read(text)
        if found is None:
            seen.append("engine")
        return found

    def finishing(*args: object, **kwargs: object) -> object:
        done = real_run(*args, **kwargs)  # type: ignore[arg-type]
        seen.append("python" if done is not None else "fallback")
        return done

    monkeypatch.setattr(library, "read_outer", reading)
    monkeypatch.setattr(library, "finish_outer", finishing)
    yield seen


def _on_engine(monkeypatch: pytest.MonkeyPatch, graph, name: str | None = None, **kw):  # noqa: ANN001, ANN202
    with monkeypatch.context() as m:
        m.setattr(library, "read_outer", lambda text: None)
        return run(graph, name, library=LIBRARY, **kw)


def _order_columns(text: str, names: list[str]) -> list[int]:
    """The projected columns an ORDER BY mentions (by ?x or inside an expression)."""
    order = text[text.rindex("ORDER BY"):] if "ORDER BY" in text else ""
    mentioned = set(re.findall(r"\?(\w+)", order))
    return [i for i, n in enumerate(names) if n in mentioned]


@pytest.mark.parametrize("name", NAMES)
def test_every_named_query_gives_the_engines_rows_in_its_order(name: str, real_graph, paths: list[str],  # noqa: ANN001
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    here = run(real_graph, name, library=LIBRARY)
    there = _on_engine(monkeypatch, real_graph, name)
    a, b = [tuple(r) for r in here.rows], [tuple(r) for r in there.rows]
    assert sorted(map(repr, a)) == sorted(map(repr, b))
    keys = _order_columns(LIBRARY.get(name).text, list(here.vars))
    for x, y in zip(a, b):  # a tie: the same text in every column the ORDER BY reads
        assert x == y or [str(x[i]) for i in keys] == [str(y[i]) for i in keys], (x, y)


def test_most_named_queries_are_finished_here(real_graph, paths: list[str]) -> None:  # noqa: ANN001
    for name in NAMES:
        run(real_graph, name, library=LIBRARY)
    assert paths.count("python") >= 20, paths


def test_a_key_of_mixed_date_types_goes_back_to_the_engine(real_graph, paths: list[str],  # noqa: ANN001
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    # the seed data dates some things to the day (xsd:date) and some to the year (xsd:gYear):
    # SPARQL's < does not compare the two, and Oxigraph's order for them is its own
    text = "SELECT ?thing ?thingLabel ?date WHERE { ?thing cg:displayDate ?date } ORDER BY ?date ?thingLabel ?thing"
    here = [tuple(r) for r in run(real_graph, sparql=text).rows]
    assert paths == ["fallback"]
    kinds = {r[2].datatype for r in here}
    assert len(kinds) > 1, kinds
    assert here == [tuple(r) for r in _on_engine(monkeypatch, real_graph, sparql=text).rows]


def test_numbers_descending_distinct_and_a_page(real_graph, paths: list[str],  # noqa: ANN001
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    text = """SELECT DISTINCT ?agencyLabel ?n WHERE {
      { SELECT ?agency (COUNT(DISTINCT ?agreement) AS ?n) WHERE { ?agency cg:partyTo ?agreement } GROUP BY ?agency }
    } ORDER BY DESC(?n) ?agencyLabel"""
    whole = [tuple(r) for r in run(real_graph, sparql=text).rows]
    page = [tuple(r) for r in run(real_graph, sparql=text, limit=4, offset=3).rows]
    assert paths == ["python", "python"]
    assert whole == [tuple(r) for r in _on_engine(monkeypatch, real_graph, sparql=text).rows]
    assert page == whole[3:7]
    counts = [int(n) for _, n in whole]
    assert counts == sorted(counts, reverse=True) and counts[0] > counts[-1]
    assert len(set(whole)) == len(whole)  # ?agency is not projected: DISTINCT on what is


def test_unbound_sorts_first(real_graph, paths: list[str], monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    text = """SELECT ?agency ?agencyLabel ?country WHERE { ?agency a org:FormalOrganization
      OPTIONAL { ?agency cg:country ?country } } ORDER BY ?country ?agencyLabel ?agency"""
    rows = [tuple(r) for r in run(real_graph, sparql=text).rows]
    assert paths == ["python"]
    unbound = [r[2] is None for r in rows]
    assert any(unbound) and not all(unbound) and unbound == sorted(unbound, reverse=True)
    assert rows == [tuple(r) for r in _on_engine(monkeypatch, real_graph, sparql=text).rows]


@pytest.mark.parametrize("text", [
    # a projected expression over a label is computed after the labels
    "SELECT ?a (CONCAT(?aLabel, '!') AS ?shout) ?aLabel WHERE { ?a a org:FormalOrganization }",
    # an ORDER BY this module does not evaluate
    "SELECT ?a ?aLabel WHERE { ?a a org:FormalOrganization } ORDER BY LCASE(?aLabel)",
])
def test_outer_queries_of_other_shapes_stay_on_the_engine(text: str) -> None:
    written = with_labels(text, ("en",), functions=True)
    assert "urn:x-coopgraph:label:" in written
    assert outer.read(written) is None


def test_the_collector_is_on_after_a_run_and_during_a_stream(real_graph) -> None:  # noqa: ANN001
    assert gc.isenabled()
    run(real_graph, "agency-agreements", library=LIBRARY)
    assert gc.isenabled()
    streamed = run(real_graph, "timeline", library=LIBRARY, stream=True)
    rows = streamed.stream()
    next(rows)
    assert gc.isenabled()  # not paused while the caller's own loop runs
    del rows, streamed
    assert gc.isenabled()
