"""The SPARQL endpoint: protocol, content negotiation, refusals, named queries, linked data.

Every test talks HTTP to one session-scoped server (``sparql_server`` in conftest) over the real
build; answers are compared with the embedded Python API, never with hand-written numbers.
"""

from __future__ import annotations

import json
import socket
import urllib.parse

import pyoxigraph as ox
import pytest
from rdflib import RDFS, Graph, URIRef

from _server_support import QUERIES_DIR, embedded_rows, http, q, rows_of_body, rows_of_json, rows_of_result, rows_of_triples
from cdp_browser import Browser, require_chromium
from coopgraph.errors import UsageError
from coopgraph.query.offline import checked
from coopgraph.query.library import QueryLibrary, execute, run
from coopgraph.serve.server import ServerConfig, SparqlServer, check_bind, check_read_only, negotiate

LIBRARY = QueryLibrary(QUERIES_DIR)
NAMES = LIBRARY.names()
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
ASK = "ASK { ?s a cg:Evidence }"
CONSTRUCT = "CONSTRUCT { ?s a cg:Evidence } WHERE { ?s a cg:Evidence } LIMIT 5"


@pytest.fixture(scope="module")
def url(sparql_server) -> str:  # noqa: ANN001
    return sparql_server.url


def count_of(url: str) -> int:
    r = http(url, q(COUNT))
    assert r.status == 200, r.text
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


# -- protocol ---------------------------------------------------------------------------------


def test_get_post_form_and_post_direct_give_the_embedded_answer(url: str, real_graph) -> None:  # noqa: ANN001
    expected = rows_of_result(execute(real_graph, COUNT, engine="oxigraph"))
    get = http(url, q(COUNT))
    form = http(url, "/sparql", "POST", urllib.parse.urlencode({"query": COUNT}),
                {"Content-Type": "application/x-www-form-urlencoded"})
    direct = http(url, "/sparql", "POST", COUNT, {"Content-Type": "application/sparql-query"})
    for r in (get, form, direct):
        assert r.status == 200, r.text
        assert r.headers["content-type"] == "application/sparql-results+json"
        assert rows_of_json(r.json()) == expected


@pytest.mark.parametrize(("query", "accept", "media", "fmt"), [
    (COUNT, "application/sparql-results+json", "application/sparql-results+json", ox.QueryResultsFormat.JSON),
    (COUNT, "application/sparql-results+xml", "application/sparql-results+xml", ox.QueryResultsFormat.XML),
    (COUNT, "text/csv", "text/csv", ox.QueryResultsFormat.CSV),
    (COUNT, "text/tab-separated-values", "text/tab-separated-values", ox.QueryResultsFormat.TSV),
    (COUNT, "text/html;q=0.9, text/csv;q=0.5, */*;q=0.1", "text/csv", ox.QueryResultsFormat.CSV),
    (COUNT, None, "application/sparql-results+json", ox.QueryResultsFormat.JSON),
    (ASK, "application/sparql-results+xml", "application/sparql-results+xml", ox.QueryResultsFormat.XML),
    (ASK, "*/*", "application/sparql-results+json", ox.QueryResultsFormat.JSON),
    (CONSTRUCT, "text/turtle", "text/turtle", ox.RdfFormat.TURTLE),
    (CONSTRUCT, "application/n-triples", "application/n-triples", ox.RdfFormat.N_TRIPLES),
    (CONSTRUCT, "application/ld+json", "application/ld+json", ox.RdfFormat.JSON_LD),
    (CONSTRUCT, "*/*", "text/turtle", ox.RdfFormat.TURTLE),
])
def test_content_negotiation_gives_parsable_results(url: str, query: str, accept: str | None, media: str,
                                                     fmt: object) -> None:
    r = http(url, q(query), headers={"Accept": accept} if accept else {})
    assert r.status == 200, r.text
    assert r.headers["content-type"].split(";")[0] == media
    if fmt == ox.QueryResultsFormat.CSV:  # lossy by design: pyoxigraph will not parse it back
        assert r.text.startswith("n\r\n")
    elif isinstance(fmt, ox.QueryResultsFormat):
        parsed = ox.parse_query_results(r.body, format=fmt)
        assert isinstance(parsed, ox.QueryBoolean) or len(list(parsed)) == 1
    else:
        assert len(list(ox.parse(r.body, format=fmt))) == 5


def test_format_parameter_overrides_accept(url: str) -> None:
    r = http(url, q(COUNT, format="tsv"), headers={"Accept": "application/sparql-results+json"})
    assert r.status == 200 and r.headers["content-type"].startswith("text/tab-separated-values")


@pytest.mark.parametrize(("query", "accept"), [
    (COUNT, "image/png"),
    (COUNT, "text/turtle"),  # a SELECT has no graph form
    (ASK, "text/turtle"),  # a boolean has no graph form
    (CONSTRUCT, "application/sparql-results+json"),
])
def test_406_when_no_acceptable_format(url: str, query: str, accept: str) -> None:
    r = http(url, q(query), headers={"Accept": accept})
    assert r.status == 406, r.text
    assert "offered" in r.text


def test_400_carries_the_parser_message_with_its_position(url: str) -> None:
    r = http(url, q("SELECT * WHERE { ?s ?p }"))
    assert r.status == 400
    assert "line 1, column" in r.text and "expected" in r.text.lower()


def test_413_for_a_body_over_the_limit(url: str, sparql_server) -> None:  # noqa: ANN001
    big = "SELECT * WHERE { ?s ?p ?o } #" + "x" * sparql_server.config.max_request_bytes
    r = http(url, "/sparql", "POST", big, {"Content-Type": "application/sparql-query"})
    assert r.status == 413
    assert count_of(url) > 0  # and the server is fine


def test_414_for_a_url_over_the_limit(url: str, sparql_server) -> None:  # noqa: ANN001
    r = http(url, q("SELECT * WHERE { ?s ?p ?o } #" + "x" * (sparql_server.config.max_request_bytes + 10)))
    assert r.status == 414


def test_411_without_content_length(url: str) -> None:
    host, port = urllib.parse.urlsplit(url).netloc.split(":")
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                  b"Transfer-Encoding: chunked\r\n\r\n5\r\nASK{}\r\n0\r\n\r\n")
        assert s.recv(100).startswith(b"HTTP/1.1 411")


def test_415_for_an_unknown_body_type(url: str) -> None:
    r = http(url, "/sparql", "POST", COUNT, {"Content-Type": "text/plain"})
    assert r.status == 415


def test_405_for_graph_store_writes(url: str) -> None:
    for method in ("PUT", "DELETE", "PATCH"):
        assert http(url, "/sparql", method, "x", {"Content-Type": "text/turtle"}).status == 405


def test_404_and_missing_query(url: str) -> None:
    assert http(url, "/nowhere").status == 404
    assert http(url, "/sparql", headers={"Accept": "application/sparql-results+json"}).status == 400
    assert http(url, "/sparql", headers={"Accept": "text/html"}).status == 303  # a browser goes to the page


def test_negotiate_prefers_quality_then_specificity_then_server_order() -> None:
    offers = ["application/sparql-results+json", "text/csv"]
    assert negotiate("text/*;q=0.8, application/json;q=0.5", offers) == "text/csv"
    assert negotiate("*/*", offers) == offers[0]
    assert negotiate("text/csv;q=0", offers) is None
    assert negotiate("garbage;;q=x, text/csv", offers) == "text/csv"


# -- safety -----------------------------------------------------------------------------------


@pytest.mark.parametrize("update", [
    "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
    "PREFIX x: <urn:x#> DELETE WHERE { ?s ?p ?o }",
    "CLEAR ALL",
    "DROP DEFAULT",
    "WITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "LOAD <http://127.0.0.1:9/data.ttl>",
])
def test_updates_are_refused_however_they_are_sent(url: str, update: str) -> None:
    before = count_of(url)
    sent = [
        http(url, "/sparql", "POST", update, {"Content-Type": "application/sparql-update"}),
        http(url, "/sparql", "POST", urllib.parse.urlencode({"update": update}),
             {"Content-Type": "application/x-www-form-urlencoded"}),
        http(url, "/sparql", "POST", update, {"Content-Type": "application/sparql-query"}),
        http(url, "/sparql?" + urllib.parse.urlencode({"update": update})),
    ]
    assert [r.status for r in sent] == [403] * 4, [r.text for r in sent]
    assert all("read-only" in r.text for r in sent)
    assert count_of(url) == before


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "select * where { service silent <http://example.org/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { ?x ?y ?z . # a comment\n SERVICE ?endpoint { ?s ?p ?o } }",
])
def test_federated_service_is_refused(url: str, query: str) -> None:
    r = http(url, q(query))
    assert r.status == 403 and "SERVICE" in r.text


def test_the_word_service_in_a_literal_or_name_is_not_a_refusal() -> None:
    for text in ('SELECT * WHERE { ?s rdfs:label "SERVICE LOAD INSERT" ; <urn:SERVICE> ?service } # SERVICE',
                 "PREFIX service: <urn:x#> SELECT * WHERE { ?s service:load ?o }"):
        check_read_only(text)
        checked(text)  # the SERVICE check, which runs where the query runs


def test_result_size_limit(url: str, sparql_server) -> None:  # noqa: ANN001
    limit = sparql_server.config.max_rows
    assert count_of(url) > limit  # otherwise this test proves nothing
    r = http(url, q("SELECT * WHERE { ?s ?p ?o }"))
    assert r.status == 422 and str(limit) in r.text and "LIMIT" in r.text
    ok = http(url, q(f"SELECT * WHERE {{ ?s ?p ?o }} LIMIT {limit}"))
    assert ok.status == 200 and len(ok.json()["results"]["bindings"]) == limit


def test_binding_beyond_loopback_needs_the_flag(real_build) -> None:  # noqa: ANN001
    for host in ("127.0.0.1", "localhost", "::1"):
        check_bind(host, allow_public=False)
    with pytest.raises(UsageError, match="--public"):
        check_bind("0.0.0.0", allow_public=False)
    with pytest.raises(UsageError, match="not a loopback"):
        SparqlServer(ServerConfig(build_dir=real_build, host="0.0.0.0", port=0))
    check_bind("0.0.0.0", allow_public=True)  # allowed, on purpose, when asked for


def test_cors_only_for_configured_origins(url: str) -> None:
    allowed = http(url, q(ASK), headers={"Origin": "http://allowed.example"})
    assert allowed.headers.get("access-control-allow-origin") == "http://allowed.example"
    other = http(url, q(ASK), headers={"Origin": "http://evil.example"})
    assert "access-control-allow-origin" not in other.headers
    preflight = http(url, "/sparql", "OPTIONS", headers={
        "Origin": "http://allowed.example", "Access-Control-Request-Method": "POST"})
    assert preflight.status == 204
    assert "POST" in preflight.headers["access-control-allow-methods"]


# -- named queries ----------------------------------------------------------------------------


def test_there_are_named_queries_to_test() -> None:
    assert NAMES, "queries/ holds no .rq file"


def test_queries_listing(url: str) -> None:
    listed = http(url, "/queries").json()
    assert [entry["name"] for entry in listed] == NAMES  # type: ignore[union-attr]


@pytest.mark.parametrize("name", NAMES)
def test_named_query_by_url_matches_embedded(url: str, real_graph, name: str) -> None:  # noqa: ANN001
    r = http(url, f"/queries/{name}", headers={"Accept": "application/sparql-results+json, text/turtle;q=0.9"})
    assert r.status == 200, r.text
    assert rows_of_body(r) == embedded_rows(real_graph, name)


def test_named_query_parameters_are_bound_as_terms(url: str, real_graph) -> None:  # noqa: ANN001
    query = LIBRARY.get("partners")
    agency = embedded_rows(real_graph, "partners")[0][0].strip("<>")
    expected = rows_of_result(run(real_graph, "partners", library=LIBRARY, agency=agency, engine="oxigraph"))
    r = http(url, "/queries/partners?" + urllib.parse.urlencode({"agency": agency}))
    assert r.status == 200, r.text
    assert rows_of_json(r.json()) == expected
    assert expected and all(row[0] == f"<{agency}>" for row in expected)
    assert query.parameters  # the query really has parameters


def test_named_query_errors(url: str) -> None:
    assert http(url, "/queries/no-such-query").status == 404
    bad = http(url, "/queries/partners?nonsense=1")
    assert bad.status == 400 and "valid parameters" in bad.text
    injection = http(url, "/queries/partners?" + urllib.parse.urlencode({"agency": "urn:x> } } DROP ALL #"}))
    assert injection.status == 400


@pytest.mark.parametrize("name", NAMES)
def test_sparqlwrapper_gets_the_embedded_rows(url: str, real_graph, name: str) -> None:  # noqa: ANN001
    """An independent client (SPARQLWrapper, as researchers use it) over the protocol."""
    from SPARQLWrapper import JSON, POST, TURTLE, SPARQLWrapper

    query = LIBRARY.get(name)
    expected = embedded_rows(real_graph, name)
    for method in ("GET", POST):
        client = SPARQLWrapper(url + "/sparql")
        client.setQuery(query.text)
        assert client.queryType == query.form  # its guess from the text, comments included, is right
        client.setMethod(method)
        if query.form in ("CONSTRUCT", "DESCRIBE"):
            client.setReturnFormat(TURTLE)
            answer = client.queryAndConvert()
            got = rows_of_triples(Graph().parse(data=answer, format="turtle") if isinstance(answer, bytes) else answer)
        else:
            client.setReturnFormat(JSON)
            got = rows_of_json(client.queryAndConvert())  # type: ignore[arg-type]
        assert got == expected


# -- linked data ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def entity(real_graph) -> str:  # noqa: ANN001
    for s in sorted(real_graph.graph.subjects(RDFS.label, None)):
        if str(s).startswith("https://w3id.org/coopgraph/id/org/"):
            return str(s)
    pytest.fail("no labelled organisation in the data")


def test_entity_iri_resolves_to_html_for_browsers(url: str, entity: str, real_graph) -> None:  # noqa: ANN001
    path = "/id/" + entity.removeprefix("https://w3id.org/coopgraph/id/")
    r = http(url, path, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert r.status == 200 and r.headers["content-type"].startswith("text/html")
    assert real_graph.label(URIRef(entity)) in r.text.replace("&amp;", "&")
    assert r.headers["vary"] == "Accept"


@pytest.mark.parametrize(("accept", "fmt"), [("text/turtle", "turtle"), ("application/ld+json", "json-ld"),
                                             ("application/n-triples", "nt")])
def test_entity_iri_resolves_to_rdf_on_request(url: str, entity: str, real_graph, accept: str, fmt: str) -> None:  # noqa: ANN001
    path = "/id/" + entity.removeprefix("https://w3id.org/coopgraph/id/")
    r = http(url, path, headers={"Accept": accept})
    assert r.status == 200 and r.headers["content-type"].startswith(accept)
    got = Graph().parse(data=r.text, format=fmt)
    node = URIRef(entity)
    assert set(got.triples((node, None, None))) == set(real_graph.dataset.triples((node, None, None)))


def test_unknown_entity_is_404(url: str) -> None:
    assert http(url, "/id/org/no-such-agency-anywhere").status == 404


# -- the page ---------------------------------------------------------------------------------


def test_plain_page_lists_named_queries_and_needs_no_network(url: str) -> None:
    """The page without the editor (/plain; the YASGUI page at / is tested in test_query_page.py)."""
    r = http(url, "/plain")
    assert r.status == 200 and r.headers["content-type"].startswith("text/html")
    start = r.text.index('<script id="named-queries" type="application/json">') + len(
        '<script id="named-queries" type="application/json">')
    named = json.loads(r.text[start:r.text.index("</script>", start)])
    assert [n["name"] for n in named] == NAMES
    for marker in ('src="http', "src='http", 'href="http', "@import", "url(http"):
        assert marker not in r.text, f"the page loads something from the network: {marker}"


def test_plain_page_in_a_headless_browser(url: str, real_graph, tmp_path) -> None:  # noqa: ANN001
    """A real browser loads the plain page, picks named queries, runs them, and runs typed SPARQL."""

    binary = require_chromium()
    browser = Browser(binary)
    try:
        browser.open(url + "/plain")
        options = browser.js("[...document.querySelectorAll('#named option')].map(o => o.value).filter(Boolean)")
        assert options == NAMES
        for name in [n for n in NAMES if LIBRARY.get(n).form == "SELECT"][:4]:
            browser.js(f"(() => {{ const s = document.getElementById('named'); s.value = {json.dumps(name)};"
                       " s.dispatchEvent(new Event('change')); })()")
            assert browser.js("document.getElementById('query').value") == LIBRARY.get(name).text
            browser.js("document.getElementById('run-named').click()")
            assert browser.wait_for("document.body.dataset.state", "done", timeout=20) == "done", \
                browser.js("document.getElementById('error').textContent")
            shown = browser.js("Number(document.getElementById('results').dataset.rows)")
            assert shown == len(embedded_rows(real_graph, name)), name
        browser.js("document.getElementById('named').value = ''")
        browser.js("document.getElementById('query').value = 'SELECT (COUNT(*) AS ?n) WHERE { ?s a cg:Evidence }'")
        browser.js("document.getElementById('run').click()")
        assert browser.wait_for("document.body.dataset.state", "done", timeout=20) == "done"
        expected = rows_of_result(execute(real_graph, "SELECT (COUNT(*) AS ?n) WHERE { ?s a cg:Evidence }", engine="oxigraph"))
        cell = browser.js("document.querySelector('#result-table tbody td').textContent")
        assert f'"{cell}"' in expected[0][0]
        browser.js("document.getElementById('query').value = 'SELECT * WHERE {'")
        browser.js("document.getElementById('run').click()")
        assert browser.wait_for("document.body.dataset.state", "error", timeout=20) == "error"
        assert "syntax error" in browser.js("document.getElementById('error').textContent")
        assert not [e for e in browser.errors if "400" not in e], browser.errors
    finally:
        browser.close()
