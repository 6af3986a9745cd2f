"""Real triple stores: push to a real Oxigraph server, query it remotely, survive a failing store.

The Oxigraph server is the ``oxigraph`` binary from PyPI, started on a free loopback port by the
fixture (without --union-default-graph) and stopped after the module; the failing store is a
tiny Graph Store Protocol server written here, which accepts N graphs and then answers 500.
Virtuoso: tests/test_store_virtuoso.py.
"""

from __future__ import annotations

import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from _server_support import QUERIES_DIR, embedded_rows, free_port, rows_of_result, wait_for_port
from _stores import OxigraphServer, need, oxigraph_binary
from _support import ROOT, run_cli
from coopgraph.query.library import QueryLibrary
from coopgraph.serve.remote import DEFAULT, MERGED_GRAPH, PushError, graphs_of, push, remote_query, remote_run

NAMES = QueryLibrary(QUERIES_DIR).names()


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Oxigraph server on loopback, WITHOUT union default graph: push gives it the merged
    default graph, so the named queries must agree with the embedded engines on that alone."""
    binary = need(oxigraph_binary(), "the oxigraph binary", "pip install oxigraph")
    server = OxigraphServer(binary, tmp_path_factory.mktemp("oxigraph"))
    try:
        wait_for_port(server.port, server.proc)
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="module")
def pushed(oxigraph: str, real_graph) -> str:  # noqa: ANN001
    report = push(real_graph, oxigraph + "/store")
    assert report.complete and len(report.loaded) == len(graphs_of(real_graph))
    return oxigraph


def test_push_keeps_every_named_graph(pushed: str, real_graph) -> None:  # noqa: ANN001
    graphs = graphs_of(real_graph)
    for name, triples in list(graphs.items())[:: max(1, len(graphs) // 10)]:
        if name == DEFAULT:
            continue
        result = remote_query(pushed + "/query", f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} }}")
        assert int(result.rows[0][0]) == len(set(triples)), name
    named = remote_query(pushed + "/query", "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert int(named.rows[0][0]) == len([n for n in graphs if n != DEFAULT])


@pytest.mark.parametrize("name", NAMES)
def test_every_named_query_remotely_matches_embedded(pushed: str, real_graph, name: str) -> None:  # noqa: ANN001
    remote = remote_run(pushed + "/query", name)
    assert rows_of_result(remote) == embedded_rows(real_graph, name)


def test_push_again_is_idempotent(pushed: str, real_graph) -> None:  # noqa: ANN001
    total = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    before = int(remote_query(pushed + "/query", total).rows[0][0])
    push(real_graph, pushed + "/store")
    assert int(remote_query(pushed + "/query", total).rows[0][0]) == before


def test_cli_push_and_remote_query(oxigraph: str, real_build: Path, real_graph) -> None:  # noqa: ANN001
    env = {"COOPGRAPH_HOME": str(ROOT)}
    done = run_cli("push", "--build", str(real_build), "--endpoint", oxigraph + "/store", "--quiet", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("\n") == 1 and done.stderr == ""  # --quiet: the summary line, nothing else
    assert f"{len(graphs_of(real_graph))} of {len(graphs_of(real_graph))} graphs loaded" in done.stdout
    name = "partners"
    out = run_cli("query", name, "--endpoint", oxigraph + "/query", "--format", "tsv", env=env)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert len(lines) - 1 == len(embedded_rows(real_graph, name))
    # an entity as a name (resolved in the pushed build), as id:org/sac (as results show it), as org/sac
    expected = rows_of_result(real_graph.query(name, agency="SAC"))
    for agency in ("SAC", "id:org/sac", "org/sac", "https://w3id.org/coopgraph/id/org/sac"):
        out = run_cli("query", name, "--endpoint", oxigraph + "/query", "--build", str(real_build),
                      "-p", f"agency={agency}", "--format", "tsv", env=env)
        assert out.returncode == 0, (agency, out.stderr)
        assert len(out.stdout.splitlines()) - 1 == len(expected) > 0, agency
    out = run_cli("query", name, "--endpoint", oxigraph + "/query", "--build", str(real_build / "nothing"),
                  "-p", "agency=SAC", env=env)
    assert out.returncode == 2 and "a name needs the build it is in" in out.stderr


def test_remote_errors_are_one_line(oxigraph: str) -> None:
    from coopgraph.errors import QueryError

    with pytest.raises(QueryError, match="HTTP 400"):
        remote_query(oxigraph + "/query", "SELECT * WHERE { ?s ?p }")
    with pytest.raises(QueryError, match="cannot reach"):
        remote_query(f"http://127.0.0.1:{free_port()}/query", "ASK {}")


# -- a store that fails halfway ---------------------------------------------------------------


class FakeStore(ThreadingHTTPServer):
    """Graph Store Protocol PUT only: keeps the last body per graph; fails after ``fail_after`` PUTs."""

    daemon_threads = True

    def __init__(self, fail_after: int | None, refuse_default: bool = False) -> None:
        self.fail_after = fail_after
        self.refuse_default = refuse_default
        self.puts = 0
        self.graphs: dict[str, bytes] = {}
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), FakeStoreHandler)


class FakeStoreHandler(BaseHTTPRequestHandler):
    server: FakeStore

    def log_message(self, *args: object) -> None:
        pass

    def do_PUT(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query, keep_blank_values=True)
        name = DEFAULT if "default" in query else query["graph"][0]
        with self.server.lock:
            failing = self.server.fail_after is not None and self.server.puts >= self.server.fail_after
            failing = failing or (name == DEFAULT and self.server.refuse_default)
            if not failing:
                self.server.puts += 1
                self.server.graphs[name] = body  # PUT replaces
        status = 500 if failing else 204
        self.send_response(status)
        self.send_header("Content-Length", "11" if failing else "0")
        self.end_headers()
        if failing:
            self.wfile.write(b"disk full\r\n")


@pytest.fixture
def fake_store() -> Iterator[FakeStore]:
    server = FakeStore(fail_after=3)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


def test_push_to_a_store_that_fails_halfway_then_rerun(fake_store: FakeStore, real_graph) -> None:  # noqa: ANN001
    endpoint = f"http://127.0.0.1:{fake_store.server_address[1]}/store"
    names = list(graphs_of(real_graph))
    with pytest.raises(PushError) as caught:
        push(real_graph, endpoint)
    report = caught.value.report
    assert [g for g, _ in report.loaded] == names[:3]
    assert report.failed[0][0] == names[3] and "HTTP 500" in report.failed[0][1] and "disk full" in report.failed[0][1]
    assert report.not_attempted == names[4:]
    text = report.to_text()
    assert f"3 of {len(names)} graphs loaded" in text and "re-running the same push is safe" in text
    assert f"FAILED {names[3]}" in text and f"not loaded {names[-1]}" in text

    fake_store.fail_after = None  # the store is fixed; the same push again
    again = push(real_graph, endpoint)
    assert again.complete and len(again.loaded) == len(names)
    assert sorted(fake_store.graphs) == sorted(names)  # each graph once, replaced, none twice
    graphs = graphs_of(real_graph)
    for name in names:
        assert fake_store.graphs[name].count(b"\n") == len(set(graphs[name]))


def test_push_only_some_graphs(fake_store: FakeStore, real_graph) -> None:  # noqa: ANN001
    from coopgraph.errors import UsageError

    endpoint = f"http://127.0.0.1:{fake_store.server_address[1]}/store"
    names = list(graphs_of(real_graph))
    report = push(real_graph, endpoint, only=[names[-1]])
    assert [g for g, _ in report.loaded] == [names[-1]]
    with pytest.raises(UsageError, match="not a graph of this build"):
        push(real_graph, endpoint, only=["urn:nothing"])


def test_the_default_graph_is_the_merge(pushed: str, real_graph) -> None:  # noqa: ANN001
    """Without union-default-graph, the store's default graph is the merge, each triple once."""
    merged = graphs_of(real_graph)[DEFAULT]
    n = remote_query(pushed + "/query", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert int(n.rows[0][0]) == len(set(merged)) == len(merged)
    local = real_graph.sparql("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert int(next(iter(local))[0]) == len(merged)


def test_unreachable_store_exits_2_and_says_how_many_graphs(real_build: Path) -> None:
    endpoint = f"http://127.0.0.1:{free_port()}/store"
    done = run_cli("push", "--build", str(real_build), "--endpoint", endpoint, "--quiet",
                   env={"COOPGRAPH_HOME": str(ROOT)})
    assert done.returncode == 2
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "cannot reach" in lines[0] and "0 of " in lines[0], done.stderr
    assert "Traceback" not in done.stderr


def test_a_store_without_default_graph_gets_the_merge_named(real_graph) -> None:  # noqa: ANN001
    server = FakeStore(fail_after=None, refuse_default=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        report = push(real_graph, f"http://127.0.0.1:{server.server_address[1]}/store")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
    assert report.default_graph == MERGED_GRAPH and MERGED_GRAPH in server.graphs and DEFAULT not in server.graphs
    assert "WARNING" in (report.warning or "") and "--default-graph" in (report.warning or "")


def test_an_entity_is_found_by_every_short_form(real_graph) -> None:  # noqa: ANN001
    """Results print id:org/sac; the docs write org/sac: both name the entity wherever one is asked for."""
    from coopgraph.namespaces import ID, short_iri

    sac = ID["org/sac"]
    for text in ("id:org/sac", "org/sac", str(sac), "SAC"):
        assert real_graph.resolve(text) == sac, text
    assert short_iri("cg:Agency") == real_graph.resolve("cg:Agency")
    assert short_iri("Standardization Administration of China") is None  # a name: needs the graph


def test_cli_push_takes_a_graph_in_the_short_form_results_print(fake_store: FakeStore, real_build: Path,
                                                                real_graph) -> None:  # noqa: ANN001
    from coopgraph.namespaces import ID

    name = next(g for g in graphs_of(real_graph) if g.startswith(str(ID) + "evidence/") and any(c.isupper() for c in g))
    short = "id:" + name[len(str(ID)):]
    endpoint = f"http://127.0.0.1:{fake_store.server_address[1]}/store"
    done = run_cli("push", "--build", str(real_build), "--endpoint", endpoint, "--graph", short, "--quiet",
                   env={"COOPGRAPH_HOME": str(ROOT)})
    assert done.returncode == 0, done.stderr
    assert list(fake_store.graphs) == [name] and "1 of 1 graphs loaded" in done.stdout
