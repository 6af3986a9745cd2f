"""``coopgraph.open`` opens a store folder as it opens a build folder: one API object, same answers.

A store written by ``build --store`` from the repo's data is compared with the build of the
same data: every named query, describe, stats, and the commands that take ``--build``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import coopgraph
from _support import ROOT, error_lines, run_cli
from coopgraph.errors import UsageError
from coopgraph.query.library import QueryLibrary, run

LIBRARY = QueryLibrary(ROOT / "queries")


@pytest.fixture(scope="module")
def store_graph(real_store: Path) -> coopgraph.CoopGraph:
    return coopgraph.open(real_store)


def test_a_store_opens_as_the_api_object(store_graph: coopgraph.CoopGraph, real_store: Path) -> None:
    assert isinstance(store_graph, coopgraph.CoopGraph)
    assert store_graph.store_dir == real_store and store_graph.engine == "oxigraph"


@pytest.mark.parametrize("name", LIBRARY.names())
def test_every_named_query_answers_alike_on_the_store(store_graph, real_graph, name: str) -> None:  # noqa: ANN001
    on_store = run(store_graph, name, library=LIBRARY)  # the store's own engine, Oxigraph
    assert on_store.engine == "oxigraph"
    assert on_store.sorted_rows() == run(real_graph, name, library=LIBRARY, engine="oxigraph").sorted_rows()


def test_names_resolve_on_the_store_without_reading_it_whole(real_store: Path, real_graph) -> None:  # noqa: ANN001
    graph = coopgraph.open(real_store)
    for name in ("SAC", "STAMEQ", "Lê Xuân Định", "Pu Chun", "person/bo-thuan", "cg:Agency"):
        assert graph.resolve(name) == real_graph.resolve(name), name
    rows = graph.query("partners", agency="Pu Chun")
    assert rows.sorted_rows() == real_graph.query("partners", agency="Pu Chun", engine="oxigraph").sorted_rows()
    # exact names are found in the store's indexes: the rdflib view was never loaded
    assert "_parts_dataset" not in vars(graph)
    # a name only the diacritics-insensitive index knows still resolves, as on the build
    assert graph.resolve("le xuan dinh") == real_graph.resolve("le xuan dinh")


def test_describe_and_stats_are_those_of_the_build(store_graph, real_build: Path) -> None:  # noqa: ANN001
    # the store answers them from its indexes; the graph held in memory (rdflib) from its own
    from conftest import ROOT, coopgraph_home

    from coopgraph.load import data_files

    with coopgraph_home(ROOT):
        in_memory = coopgraph.open(data_paths=data_files())
    real_graph = coopgraph.open(real_build)  # a build folder: through the store it holds
    assert in_memory.store_dir is None and real_graph.store_dir is not None
    for name in ("SAC", "Le Xuan Dinh", "agreement/2019-stameq-sac-mou", "STAMEQ", "Pu Chun"):
        text = in_memory.describe(name).to_text()
        assert store_graph.describe(name).to_text() == text, name
        assert real_graph.describe(name).to_text() == text, name
    assert store_graph.stats() == real_graph.stats() == in_memory.stats()
    fresh = coopgraph.open(real_build)
    fresh.describe("SAC"), fresh.stats()
    assert "_parts_dataset" not in vars(fresh)  # neither read the store into rdflib


def test_cli_commands_take_a_store_folder_as_build(real_store: Path, real_build: Path) -> None:
    for args in (["describe", "SAC"], ["stats", "--format", "json"],
                 ["query", "partners", "-p", "agency=SAC", "--format", "csv"],
                 ["query", "--sparql", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--format", "csv"]):
        on_store, on_build = run_cli(*args, "--build", str(real_store)), run_cli(*args, "--build", str(real_build))
        assert on_store.returncode == 0, on_store.stderr
        assert on_store.stdout == on_build.stdout, args
    r = run_cli("query", "--sparql", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--format", "json",
                "--store", str(real_store))
    count = int(json.loads(r.stdout)["results"]["bindings"][0]["n"]["value"])
    assert count == int(run_cli("query", "--sparql", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--format",
                                "json", "--build", str(real_build)).stdout.split('"value": "')[1].split('"')[0])


def test_a_folder_that_is_neither_is_one_clear_error(tmp_path: Path, real_store: Path) -> None:
    with pytest.raises(UsageError, match="no build at"):
        coopgraph.open(tmp_path)
    with pytest.raises(UsageError, match="--no-curation"):
        coopgraph.open(real_store, curation=False)
    for args in (["stats", "--build", str(tmp_path)], ["query", "partners", "--store", str(tmp_path)],
                 ["describe", "SAC", "--build", str(real_store), "--no-curation"]):
        r = run_cli(*args)
        assert r.returncode == 2 and len(error_lines(r.stderr)) == 1 and "Traceback" not in r.stderr, args
