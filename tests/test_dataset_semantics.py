"""One dataset semantics everywhere: the default graph is the RDF merge of all graphs.

A query's default graph holds every triple of every graph once (docs/model.md, "What a query
sees"), whichever engine or entry point runs it: the API on rdflib and on Oxigraph, the CLI and
`coopgraph serve`. Oxigraph's own union default graph repeats a triple once per graph that
states it (a label stated in two passages came back twice, a count of all triples was 5,460
against rdflib's 5,256), so the embedded Oxigraph store holds the merge as its default graph.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

from _server_support import http, q
from _support import ROOT
from coopgraph.query.library import execute

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
LABELS = "SELECT ?s ?l WHERE { ?s rdfs:label ?l }"
PER_GRAPH = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"


def rows(result) -> Counter:  # noqa: ANN001 - a QueryResult
    """Rows as a multiset of N-Triples terms (a label's language tag counts)."""
    return Counter(tuple(v.n3() if v is not None else "" for v in row) for row in result.rows)


def test_the_default_graph_is_the_merge_on_both_engines(real_graph) -> None:  # noqa: ANN001
    distinct = {(s, p, o) for s, p, o, _ in real_graph.dataset.quads((None, None, None, None))}
    for text in (COUNT, LABELS, PER_GRAPH):
        on_rdflib, on_oxigraph = execute(real_graph, text, "rdflib"), execute(real_graph, text, "oxigraph")
        assert rows(on_rdflib) == rows(on_oxigraph), text
    assert int(execute(real_graph, COUNT, "oxigraph").rows[0][0]) == len(distinct)
    # a label is one row however many passages state it
    labels = rows(execute(real_graph, LABELS, "oxigraph"))
    assert set(labels.values()) == {1}


def test_the_cli_and_the_server_answer_alike(real_graph, real_build: Path, sparql_server) -> None:  # noqa: ANN001
    expected = int(execute(real_graph, COUNT, "rdflib").rows[0][0])
    for engine in ("rdflib", "oxigraph"):
        r = subprocess.run([sys.executable, "-m", "coopgraph", "query", "--build", str(real_build), "--engine", engine,
                            "--sparql", COUNT, "--format", "json"], capture_output=True, text=True, cwd=ROOT)
        assert r.returncode == 0, r.stderr
        assert int(json.loads(r.stdout)["results"]["bindings"][0]["n"]["value"]) == expected, engine
    reply = http(sparql_server.url, q(COUNT))
    assert reply.status == 200, reply.text
    assert int(reply.json()["results"]["bindings"][0]["n"]["value"]) == expected
    reply = http(sparql_server.url, q(LABELS))
    served = Counter((b["s"]["value"], b["l"]["value"], b["l"].get("xml:lang", ""))
                     for b in reply.json()["results"]["bindings"])
    local = Counter((str(r.s), str(r.l), r.l.language or "") for r in execute(real_graph, LABELS, "rdflib").rows)
    assert served == local


def test_passage_graphs_are_still_reached_with_graph(real_graph) -> None:  # noqa: ANN001
    per_graph = rows(execute(real_graph, PER_GRAPH, "oxigraph"))
    assert len(per_graph) > 50  # the evidence passages, the inferred and the ontology graphs
    assert all(not g.startswith("urn:x-rdflib") for g, _ in per_graph)


def test_an_on_disk_store_holds_the_merge_as_its_default_graph(real_graph, real_store: Path) -> None:  # noqa: ANN001
    from coopgraph.build.store import open_store

    store = open_store(real_store)
    for text in (COUNT, LABELS, PER_GRAPH):
        assert rows(execute(store, text, "oxigraph")) == rows(execute(real_graph, text, "rdflib")), text
    labels = rows(execute(store, LABELS, "oxigraph"))
    assert set(labels.values()) == {1}


def test_update_keeps_the_merge_in_step(tmp_path: Path) -> None:
    """A triple stated by two sources is one row; replacing one source keeps it, dropping it from
    both removes it; the store then answers as a store built from the final files."""
    from coopgraph.build.store import build_store, open_store, update_store

    ex = "http://example.org/"
    label = "http://www.w3.org/2000/01/rdf-schema#label"
    one, two = tmp_path / "one.trig", tmp_path / "two.trig"
    one.write_text(f'<{ex}g1> {{ <{ex}a> <{label}> "Alpha"@en . }}\n', encoding="utf-8")
    two.write_text(f'<{ex}g2> {{ <{ex}a> <{label}> "Alpha"@en . <{ex}b> <{label}> "Beta"@en . }}\n',
                   encoding="utf-8")
    build_store([one], tmp_path / "s", allow_invalid=True, progress=False)
    update_store(tmp_path / "s", [two], allow_invalid=True)  # adds g2
    query = f'SELECT ?s ?l WHERE {{ ?s <{label}> ?l FILTER(STRSTARTS(STR(?s), "{ex}")) }}'
    got = rows(execute(open_store(tmp_path / "s"), query, "oxigraph"))
    assert got == Counter({(f"<{ex}a>", '"Alpha"@en'): 1, (f"<{ex}b>", '"Beta"@en'): 1})
    two.write_text(f'<{ex}g2> {{ <{ex}b> <{label}> "Beta"@en . }}\n', encoding="utf-8")
    update_store(tmp_path / "s", [two], allow_invalid=True)  # replaces g2: g1 still states a's label
    assert rows(execute(open_store(tmp_path / "s"), query, "oxigraph")) == got
    one.write_text(f'<{ex}g1> {{ <{ex}c> <{label}> "Gamma"@en . }}\n', encoding="utf-8")
    update_store(tmp_path / "s", [one], allow_invalid=True)  # replaces g1: nobody states a's label now
    after = rows(execute(open_store(tmp_path / "s"), query, "oxigraph"))
    assert after == Counter({(f"<{ex}b>", '"Beta"@en'): 1, (f"<{ex}c>", '"Gamma"@en'): 1})
    build_store([one, two], tmp_path / "full", allow_invalid=True, progress=False)
    assert int(execute(open_store(tmp_path / "s"), COUNT, "oxigraph").rows[0][0]) == \
        int(execute(open_store(tmp_path / "full"), COUNT, "oxigraph").rows[0][0])


def test_update_of_a_store_written_before_the_merge_makes_it(tmp_path: Path) -> None:
    """A format-1 store (empty default graph, queried with the union) gets the merge on its next update."""
    import pyoxigraph as ox

    from coopgraph.build.store import build_store, open_store, update_store

    ex, label = "http://example.org/", "http://www.w3.org/2000/01/rdf-schema#label"
    one, two = tmp_path / "one.trig", tmp_path / "two.trig"
    one.write_text(f'<{ex}g1> {{ <{ex}a> <{label}> "Alpha"@en . }}\n', encoding="utf-8")
    two.write_text(f'<{ex}g2> {{ <{ex}a> <{label}> "Alpha"@en . }}\n', encoding="utf-8")
    build_store([one], tmp_path / "s", allow_invalid=True, progress=False)
    main = ox.Store(str(tmp_path / "s" / "main"))
    main.clear_graph(ox.DefaultGraph())  # as a store of format 1 was written
    main.flush()
    del main
    manifest = tmp_path / "s" / "manifest.json"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace('"format": 2', '"format": 1'), encoding="utf-8")
    update_store(tmp_path / "s", [two], allow_invalid=True)
    build_store([one, two], tmp_path / "full", allow_invalid=True, progress=False)
    got, full = open_store(tmp_path / "s"), open_store(tmp_path / "full")
    assert rows(execute(got, COUNT, "oxigraph")) == rows(execute(full, COUNT, "oxigraph"))
    assert json.loads(manifest.read_text(encoding="utf-8"))["format"] == 2
