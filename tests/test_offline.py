"""coopgraph never reaches the network by itself: SERVICE, FROM on rdflib, remote JSON-LD contexts.

A canary HTTP server on loopback answers like a SPARQL endpoint and a JSON-LD context host and
records every request. Each hostile query is first run on a bare Oxigraph store, to show that
the engine really would fetch it; then through the endpoint (GET, form POST, direct POST), the
API, both engines and the CLI, which must refuse it (403 / exit 2) with the canary never asked.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyoxigraph as ox
import pytest

import coopgraph
from _server_support import http, q
from _support import FIXTURE_DATA, error_lines, run_cli
from coopgraph.errors import InputError
from coopgraph.query.offline import MAX_CHECKED, NetworkRefused, checked, keywords
from coopgraph.query.library import execute

RESULTS_XML = (b'<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>'
               b'<variable name="x"/></head><results><result><binding name="x"><literal>from the canary'
               b'</literal></binding></result></results></sparql>')
CONTEXT = b'{"@context": {"@vocab": "http://example.org/"}}'


class Canary:
    """A loopback server that answers everything and remembers that it was asked."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        canary = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                canary.requests.append(f"{self.command} {self.path}")
                body, media = (CONTEXT, "application/ld+json") if "ctx" in self.path else (
                    RESULTS_XML, "application/sparql-results+xml")
                self.send_response(200)
                self.send_header("Content-Type", media)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_GET  # noqa: N815

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def canary() -> Iterator[Canary]:
    c = Canary()
    yield c
    c.close()


@pytest.fixture
def quiet(canary: Canary) -> Iterator[Canary]:
    """The canary, asserted untouched by the test."""
    canary.requests.clear()
    yield canary
    assert canary.requests == [], "coopgraph reached the network"


@pytest.fixture(scope="module")
def endpoint(built: Path) -> Iterator[str]:
    from coopgraph.serve.server import ServerConfig, SparqlServer

    with SparqlServer(ServerConfig(build_dir=built, port=0, reload_interval=0, timeout=10)) as server:
        yield server.url


def hostile(url: str) -> list[str]:
    """Federated queries an engine would run; the first is the finding's own."""
    return [
        f"PREFIX ex: <http://e/> SELECT * WHERE {{ OPTIONAL {{ ?s ex:a\\# ?o }} SERVICE <{url}/sparql> {{ ?x ?y ?z }} }}",
        f"select * where {{ service <{url}/sparql> {{ ?x ?y ?z }} }}",
        f"SELECT * WHERE {{ SERVICE SILENT <{url}/sparql> {{ ?x ?y ?z }} }}",
        f"SELECT * WHERE {{ VALUES ?e {{ <{url}/sparql> }} SERVICE ?e {{ ?x ?y ?z }} }}",
        f"ASK {{ SERVICE <{url}/sparql> {{ ?x ?y ?z }} }}",
        f"SELECT * WHERE {{ BIND(1 AS ?one) FILTER EXISTS {{ SERVICE <{url}/sparql> {{ ?x ?y ?z }} }} }}",
        f"SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE <{url}/sparql> {{ ?x ?y ?z }} }} }} }}",
        # a long string ending in an escaped quote: a lexer that ends it early sees a string where
        # the engine sees SERVICE
        f"SELECT * WHERE {{ BIND('''\\''' \"''' AS ?a) SERVICE <{url}/sparql> {{ ?x ?y ?z }} }} #\"",
        f"PREFIX ex: <http://e/> SELECT * WHERE {{ ?s ex:b\\#c\\%d ?o OPTIONAL {{ SERVICE <{url}/s> {{ ?x ?y ?z }} }} }}",
        f"SELECT * WHERE {{ ?s ?p 1SERVICE <{url}/sparql> {{ ?x ?y ?z }} }}",  # Oxigraph reads 1, SERVICE
        # the engine reads 1 < ">"; a lexer reads the IRI <'> and then a string up to the comment
        f"SELECT * WHERE {{ BIND((1<'>') AS ?a) SERVICE <{url}/sparql> {{ ?x ?y ?z }} }} # '",
    ]


HOSTILE = range(len(hostile("http://x")))


def test_the_engine_itself_would_fetch_them(canary: Canary) -> None:
    # the control: without coopgraph's check, Oxigraph makes the request
    for text in [*hostile(canary.url)[:3], hostile(canary.url)[-1]]:
        canary.requests.clear()
        try:
            result = ox.Store().query(text)
            list(result) if not isinstance(result, ox.QueryBoolean) else bool(result)
        except (SyntaxError, OSError, RuntimeError):
            pass
        assert canary.requests, text


@pytest.mark.parametrize("index", HOSTILE)
def test_endpoint_refuses_federated_queries_however_sent(endpoint: str, quiet: Canary, index: int) -> None:
    text = hostile(quiet.url)[index]
    sent = [
        http(endpoint, q(text)),
        http(endpoint, "/sparql", "POST", urllib.parse.urlencode({"query": text}),
             {"Content-Type": "application/x-www-form-urlencoded"}),
        http(endpoint, "/sparql", "POST", text, {"Content-Type": "application/sparql-query"}),
    ]
    assert [r.status for r in sent] == [403] * 3, [r.text for r in sent]
    assert all("SERVICE" in r.text for r in sent)


@pytest.mark.parametrize("index", HOSTILE)
def test_api_and_both_engines_refuse_them(graph: coopgraph.CoopGraph, quiet: Canary, index: int) -> None:
    text = hostile(quiet.url)[index]
    for engine in ("oxigraph", "rdflib"):
        with pytest.raises(NetworkRefused):
            execute(graph, text, engine=engine)
    with pytest.raises(NetworkRefused):
        graph.sparql(text)


def test_cli_refuses_them(home: Path, quiet: Canary) -> None:
    for text in hostile(quiet.url)[:2]:
        proc = run_cli("query", "--data", *map(str, FIXTURE_DATA), "--sparql", text)
        assert proc.returncode == 2, proc.stderr
        assert "Traceback" not in proc.stderr
        assert any("SERVICE" in line for line in error_lines(proc.stderr))


def test_escaped_keywords_are_refused(quiet: Canary) -> None:
    for text in (f"SELECT * WHERE {{ \\u0053ERVICE <{quiet.url}/s> {{ ?x ?y ?z }} }}",
                 f"SELECT * WHERE {{ \\u005Cu0053ERVICE <{quiet.url}/s> {{ ?x ?y ?z }} }}"):
        with pytest.raises(NetworkRefused):
            checked(text)


def test_the_lexer_reads_escaped_names_as_the_grammar_does() -> None:
    # ex:a\# is one prefixed name: the '#' does not start a comment (the finding's bypass)
    assert list(keywords("SELECT * { ?s ex:a\\# ?o SERVICE <x> {} }")) == ["SELECT", "SERVICE"]
    assert "SERVICE" in keywords("SELECT * { BIND('''\\''' \"''' AS ?a) SERVICE <x> {} } #\"")


def test_the_lexer_alone_is_not_enough(canary: Canary) -> None:
    # why the parsed query decides: a '<' the engine reads as an operator, the lexer as an IRI
    text = hostile(canary.url)[-1]
    assert "SERVICE" not in keywords(text)
    with pytest.raises(NetworkRefused):
        checked(text)


def test_comments_are_blanked_in_what_the_engine_runs() -> None:
    text = "SELECT ?s # the civil service\nWHERE { ?s ?p ?o } # SERVICE <http://x/> { }\n"
    run = checked(text)
    assert "#" not in run and "service" not in run.casefold()
    assert [len(line) for line in run.splitlines()] == [len(line) for line in text.splitlines()]
    literal = 'SELECT * { ?s rdfs:label "# not a comment, a service" }'
    assert checked(literal) == literal


def test_a_long_query_mentioning_service_outside_comments_is_refused() -> None:
    pad = " ".join(f"?s{i} ?p ?o ." for i in range(MAX_CHECKED // 10))
    with pytest.raises(NetworkRefused, match="too long"):
        checked(f'SELECT * WHERE {{ {pad} ?s rdfs:label "service" }}')
    checked(f"SELECT * WHERE {{ {pad} }} # service")  # in a comment: blanked, nothing to check


@pytest.mark.parametrize("text", [
    'SELECT * WHERE { ?s rdfs:label ?l FILTER(CONTAINS(LCASE(?l), "civil service")) }',
    "PREFIX ex: <http://e/> SELECT * WHERE { ?s ex:SERVICE ?o }",
    "SELECT * WHERE { ?s ?p ?o } # a service-oriented comment",
    "SELECT ?service WHERE { ?service ?p ?o } LIMIT 1",
    "SELECT * FROM <https://w3id.org/coopgraph/graph/inferred> WHERE { ?s ?p ?o } LIMIT 1",
])
def test_words_that_only_look_like_service_still_run(endpoint: str, quiet: Canary, text: str) -> None:
    r = http(endpoint, q(text))
    assert r.status == 200, r.text


def test_from_is_refused_on_rdflib_which_would_load_it(graph: coopgraph.CoopGraph, quiet: Canary) -> None:
    for text in (f"SELECT * FROM <{quiet.url}/data.ttl> WHERE {{ ?s ?p ?o }}",
                 f"SELECT * FROM NAMED <{quiet.url}/data.ttl> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"):
        with pytest.raises(NetworkRefused, match="FROM"):
            execute(graph, text, engine="rdflib")
        with pytest.raises(NetworkRefused, match="FROM"):
            graph.sparql(text)
        execute(graph, text, engine="oxigraph")  # Oxigraph reads FROM as the store's own graphs


# -- loading: remote JSON-LD contexts -----------------------------------------------------------


def jsonld_files(folder: Path, url: str) -> list[Path]:
    docs = {
        "remote": {"@id": "http://example.org/a", "@context": f"{url}/ctx.jsonld", "name": "x"},
        "listed": {"@context": [{"@vocab": "http://example.org/"}, f"{url}/ctx.jsonld"], "@id": "http://e/a", "n": 1},
        "scoped": {"@context": {"@vocab": "http://example.org/", "x": {"@context": f"{url}/ctx.jsonld"}},
                   "@id": "http://e/a", "x": {"@id": "http://e/b"}},
        "imported": {"@context": {"@version": 1.1, "@import": f"{url}/ctx.jsonld"}, "@id": "http://e/a"},
    }
    paths = []
    for name, doc in docs.items():
        path = folder / f"{name}.jsonld"
        path.write_text(json.dumps(doc, indent=1) + "\n")
        paths.append(path)
    return paths


def test_loaders_refuse_remote_contexts(home: Path, tmp_path: Path, quiet: Canary) -> None:
    for path in jsonld_files(tmp_path, quiet.url):
        for args in (("validate", str(path)), ("build", "--data", str(path), "--out", str(tmp_path / "b")),
                     ("build", "--data", str(path), "--store", str(tmp_path / "s"))):
            proc = run_cli(*args)
            assert proc.returncode == 2, (args, proc.stderr)
            lines = error_lines(proc.stderr)
            assert lines[-1].startswith(f"coopgraph: error: {path}:"), lines
            assert "remote JSON-LD @context" in lines[-1] and "Traceback" not in proc.stderr
        with pytest.raises(InputError, match="remote JSON-LD"):
            coopgraph.open(data_paths=[path])
    assert not (tmp_path / "b").exists() and not (tmp_path / "s").exists()


def test_remote_context_error_names_its_line(home: Path, tmp_path: Path, quiet: Canary) -> None:
    path = jsonld_files(tmp_path, quiet.url)[0]
    proc = run_cli("validate", str(path))
    lines = path.read_text().splitlines()
    line = next(i for i, text in enumerate(lines, 1) if "@context" in text)
    assert f"{path}:{line}:" in proc.stderr


def test_inline_json_ld_still_loads(home: Path, tmp_path: Path) -> None:
    path = tmp_path / "inline.jsonld"
    path.write_text(json.dumps({"@context": {"@vocab": "http://example.org/"}, "@id": "http://example.org/a",
                                "name": "x"}))
    g = coopgraph.open(data_paths=[*FIXTURE_DATA, path])
    assert g.sparql('ASK { <http://example.org/a> <http://example.org/name> "x" }').askAnswer


def test_deeply_nested_queries_are_refused_before_a_parser_crashes(home: Path) -> None:
    """10,000 nested brackets overflow Oxigraph's parser (a segfault of the whole process)."""
    from coopgraph.query.offline import MAX_NESTING, check_nesting
    from coopgraph.errors import QueryError

    deep = "SELECT * WHERE { FILTER(" + "(" * 10_000 + "1" + ")" * 10_000 + ") }"
    proc = run_cli("query", "--data", *map(str, FIXTURE_DATA), "--engine", "oxigraph", "--sparql", deep)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert error_lines(proc.stderr)[-1].startswith(f"coopgraph: error: the query nests brackets more than {MAX_NESTING}")
    # brackets in strings, IRIs and comments do not count; real nesting up to the bound is fine
    check_nesting('SELECT * WHERE { ?s ?p "' + "(" * 5_000 + '" } # ' + "{" * 5_000)
    check_nesting("SELECT * WHERE { FILTER(" + "(" * (MAX_NESTING - 2) + "1" + ")" * (MAX_NESTING - 2) + ") }")
    with pytest.raises(QueryError):
        check_nesting("SELECT * WHERE { FILTER(" + "(" * MAX_NESTING + "1" + ")" * MAX_NESTING + ") }")
