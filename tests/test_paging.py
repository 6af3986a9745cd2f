"""Paging: ``limit`` and ``offset`` in the API, the CLI, the server and on an on-disk store.

The page is cut in the SPARQL the engine runs (coopgraph.query.library.paged), so these tests check
what comes back against the whole answer, on both engines and every entry point.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from _server_support import http
from _support import ROOT, error_lines, run_cli
from coopgraph.errors import UsageError
from coopgraph.query.library import QueryLibrary, paged, run

LIBRARY = QueryLibrary(ROOT / "queries")
QUERY = "agency-agreements"  # a whole-graph listing, ordered


def terms(result) -> list[tuple[str, ...]]:  # noqa: ANN001 - a QueryResult
    return [tuple("" if t is None else t.n3() for t in row) for row in result.rows]


@pytest.mark.parametrize("engine", ["rdflib", "oxigraph"])
def test_pages_are_slices_of_the_whole_answer(real_graph, engine: str) -> None:  # noqa: ANN001
    whole = terms(run(real_graph, QUERY, library=LIBRARY, engine=engine))
    assert len(whole) > 10
    pages = [terms(run(real_graph, QUERY, library=LIBRARY, engine=engine, limit=4, offset=start))
             for start in range(0, len(whole) + 4, 4)] if engine == "oxigraph" else [
        terms(run(real_graph, QUERY, library=LIBRARY, engine=engine, limit=len(whole) // 2 + 1, offset=start))
        for start in (0, len(whole) // 2 + 1)]
    assert [row for page in pages for row in page] == whole
    assert terms(run(real_graph, QUERY, library=LIBRARY, engine=engine, offset=len(whole) - 2)) == whole[-2:]
    assert terms(run(real_graph, QUERY, library=LIBRARY, engine=engine, limit=0)) == []


def test_the_api_object_pages_too(real_graph) -> None:  # noqa: ANN001
    whole = terms(real_graph.query(QUERY))
    assert terms(real_graph.query(QUERY, limit=3, offset=2)) == whole[2:5]


def test_a_query_with_its_own_limit_keeps_its_window() -> None:
    text = paged("SELECT ?x WHERE { ?x ?p ?o } ORDER BY ?x LIMIT 100 OFFSET 5", 10, 95)
    assert "LIMIT 5 OFFSET 100" in " ".join(text.split())
    text = paged("SELECT ?x WHERE { { SELECT ?x { ?x ?p ?o } LIMIT 3 } } # a comment", 10, None)
    assert text.rstrip().endswith("LIMIT 10") and "LIMIT 3" in text  # the sub-select's own stays
    assert "VALUES" in paged("SELECT ?x { ?x ?p ?o } VALUES ?x { <urn:a> }", 1).split("LIMIT 1")[1]


@pytest.mark.parametrize("bad", [-1, "ten", "1.5", True])
def test_a_bad_page_is_a_usage_error(bad: object) -> None:
    with pytest.raises(UsageError, match="whole number"):
        paged("SELECT * { ?s ?p ?o }", bad)  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="ASK"):
        paged("ASK { ?s ?p ?o }", 1)


def test_cli_limit_and_offset(real_graph, real_build: Path) -> None:  # noqa: ANN001
    whole = terms(run(real_graph, QUERY, library=LIBRARY, engine="oxigraph"))
    r = run_cli("query", QUERY, "--build", str(real_build), "--engine", "oxigraph", "--format", "json",
                "--limit", "3", "--offset", "1")
    assert r.returncode == 0, r.stderr
    bindings = json.loads(r.stdout)["results"]["bindings"]
    assert len(bindings) == 3
    assert [b["agreement"]["value"] for b in bindings] == [row[2][1:-1] for row in whole[1:4]]
    r = run_cli("query", QUERY, "--build", str(real_build), "--offset", "-2")
    assert r.returncode == 2 and "whole number" in r.stderr and "Traceback" not in r.stderr
    assert len(error_lines(r.stderr)) == 1


def test_server_named_query_pages(real_graph, sparql_server) -> None:  # noqa: ANN001
    whole = terms(run(real_graph, QUERY, library=LIBRARY, engine="oxigraph"))
    reply = http(sparql_server.url, f"/queries/{QUERY}?limit=2&offset=3",
                 headers={"Accept": "application/sparql-results+json"})
    assert reply.status == 200, reply.text
    assert len(reply.json()["results"]["bindings"]) == 2 == len(whole[3:5])
    bad = http(sparql_server.url, f"/queries/{QUERY}?limit=lots")
    assert bad.status == 400 and "whole number" in bad.text


def test_a_store_pages_as_the_api(real_graph, real_store: Path) -> None:  # noqa: ANN001
    from coopgraph.build.store import open_store

    store = open_store(real_store)
    whole = terms(run(store, QUERY, library=LIBRARY, engine="oxigraph"))
    assert whole == terms(run(real_graph, QUERY, library=LIBRARY, engine="oxigraph"))
    assert terms(run(store, QUERY, library=LIBRARY, engine="oxigraph", limit=5, offset=5)) == whole[5:10]
