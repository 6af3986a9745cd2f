"""The SPARQL 1.1 Protocol with the clients researchers use: SPARQLWrapper, rdflib's SPARQLStore, curl.

Every query form (SELECT, ASK, CONSTRUCT, DESCRIBE) in every standard result format, over GET,
form POST and direct POST, with each client's own defaults where it has them. The answers are
parsed back by the client (or an independent parser: pyoxigraph, rdflib) and compared with the
embedded API on the same build, never with hand-written numbers. Also: the Service Description
at /sparql, VoID at /.well-known/void, CORS for reads by default, and the named queries' text
read by SPARQLWrapper as the query form it is.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import urllib.parse
import warnings
from xml.dom.minidom import Document

import pyoxigraph as ox
import pytest
from rdflib import RDF, BNode, Graph, Literal, Namespace, URIRef

from _server_support import QUERIES_DIR, http, key, rows_of_json, rows_of_result, rows_of_triples
from coopgraph.query.library import QueryLibrary, QueryResult, execute, from_oxigraph
from coopgraph.serve.server import ServerConfig

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
PREFIX = "PREFIX cg: <https://w3id.org/coopgraph/def#>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
SELECT = PREFIX + "SELECT ?agency ?label WHERE { ?agency a cg:Agency ; rdfs:label ?label }"
ASK = PREFIX + "ASK { ?agency a cg:Agency }"
CONSTRUCT = PREFIX + "CONSTRUCT { ?agency rdfs:label ?label } WHERE { ?agency a cg:Agency ; rdfs:label ?label }"
ROW_FORMATS = ("json", "xml", "csv", "tsv")
GRAPH_FORMATS = {"turtle": "turtle", "nt": "nt", "jsonld": "json-ld", "rdfxml": "xml"}  # ours -> rdflib's parser


@pytest.fixture(scope="module")
def url(sparql_server) -> str:  # noqa: ANN001
    return sparql_server.url


@pytest.fixture(scope="module")
def queries(real_graph) -> dict[str, str]:  # noqa: ANN001
    """One query of each form; DESCRIBE names a labelled agency of the real data."""
    agency = sorted(real_graph.graph.subjects(RDF.type, URIRef("https://w3id.org/coopgraph/def#Agency")))[0]
    return {"SELECT": SELECT, "ASK": ASK, "CONSTRUCT": CONSTRUCT, "DESCRIBE": f"DESCRIBE <{agency}>"}


@pytest.fixture(scope="module")
def results(real_graph, queries) -> dict[str, QueryResult]:  # noqa: ANN001
    """Each query's answer from the embedded API, on the engine the server runs."""
    return {form: execute(real_graph, text, engine="oxigraph") for form, text in queries.items()}


@pytest.fixture(scope="module")
def expected(results) -> dict[str, list[tuple[str, ...]]]:  # noqa: ANN001
    """Each answer's rows (a graph's triples) as comparable text."""
    return {form: rows_of_result(result) for form, result in results.items()}


def _want(fmt: str, form: str, results: dict[str, QueryResult]) -> list[tuple[str, ...]]:
    return _csv_values(results[form]) if fmt == "csv" else rows_of_result(results[form])


def _xml_rows(doc: Document) -> list[tuple[str, ...]]:
    """Rows of a SPARQL XML results document as SPARQLWrapper converts it (a minidom Document)."""
    boolean = doc.getElementsByTagName("boolean")
    if boolean:
        return [(boolean[0].firstChild.data.strip(),)]
    names = [v.getAttribute("name") for v in doc.getElementsByTagName("variable")]
    rows = []
    for result in doc.getElementsByTagName("result"):
        cells = {}
        for b in result.getElementsByTagName("binding"):
            node = next(n for n in b.childNodes if n.nodeType == n.ELEMENT_NODE)
            text = node.firstChild.data if node.firstChild else ""
            if node.tagName == "uri":
                cells[b.getAttribute("name")] = key(URIRef(text))
            elif node.tagName == "bnode":
                cells[b.getAttribute("name")] = "_:"
            else:
                lang, dtype = node.getAttribute("xml:lang") or None, node.getAttribute("datatype") or None
                cells[b.getAttribute("name")] = key(Literal(text, lang=lang, datatype=URIRef(dtype) if dtype else None))
        rows.append(tuple(cells.get(n, "") for n in names))
    return sorted(rows)


def _tabular_rows(body: bytes, fmt: str, form: str) -> list[tuple[str, ...]]:
    """Rows of a JSON, XML or TSV body, read by pyoxigraph's parser; CSV by the csv module."""
    if fmt == "csv":
        table = list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))
        if form == "ASK":
            assert table[0] == ["_askResult"]
        return sorted(tuple(r) for r in table[1:])
    if fmt == "tsv" and form == "ASK":
        head, value = body.decode("utf-8").splitlines()
        assert head == "?_askResult"
        return [(value,)]
    parsed = ox.parse_query_results(body, format={"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML,
                                                  "tsv": ox.QueryResultsFormat.TSV}[fmt])
    if isinstance(parsed, ox.QueryBoolean):
        return [(str(bool(parsed)).lower(),)]
    names = [v.value for v in parsed.variables]
    return sorted(tuple(key(from_oxigraph(solution[n])) for n in names) for solution in parsed)


def _graph_rows(body: bytes, fmt: str) -> list[tuple[str, ...]]:
    return rows_of_triples(Graph().parse(data=body, format=GRAPH_FORMATS[fmt]))


def _csv_values(result: QueryResult) -> list[tuple[str, ...]]:
    """What the W3C CSV form keeps of a result: values only (no datatypes, no language tags)."""
    if result.kind == "ASK":
        return [(str(bool(result.boolean)).lower(),)]
    return sorted(tuple("" if t is None else "_:" if isinstance(t, BNode) else str(t) for t in row)
                  for row in result.rows)


# -- curl: every form, every format, every way of sending a query --------------------------------


CURL = shutil.which("curl")
MEDIA = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml", "csv": "text/csv",
         "tsv": "text/tab-separated-values", "turtle": "text/turtle", "nt": "application/n-triples",
         "jsonld": "application/ld+json", "rdfxml": "application/rdf+xml"}
CASES = [(form, fmt) for form in ("SELECT", "ASK") for fmt in ROW_FORMATS] + \
        [(form, fmt) for form in ("CONSTRUCT", "DESCRIBE") for fmt in GRAPH_FORMATS]


def curl(*args: str) -> tuple[str, bytes]:
    """Run the real curl; returns (content type, body) and fails the test on an HTTP error."""
    if CURL is None:
        pytest.skip("curl is not installed")
    done = subprocess.run([CURL, "-sS", "--fail-with-body", "-w", "\n%{content_type}", *args],
                          capture_output=True, timeout=60)
    assert done.returncode == 0, done.stdout.decode("utf-8", "replace") + done.stderr.decode("utf-8", "replace")
    body, _, media = done.stdout.rpartition(b"\n")
    return media.decode(), body


@pytest.mark.parametrize("method", ["GET", "form POST", "direct POST"])
@pytest.mark.parametrize(("form", "fmt"), CASES)
def test_curl_gets_every_form_in_every_format(url: str, queries, results, form: str, fmt: str,  # noqa: ANN001
                                              method: str) -> None:
    text, accept = queries[form], MEDIA[fmt]
    if method == "GET":
        media, body = curl("-G", "-H", f"Accept: {accept}", "--data-urlencode", f"query={text}", url + "/sparql")
    elif method == "form POST":
        media, body = curl("-H", f"Accept: {accept}", "--data-urlencode", f"query={text}", url + "/sparql")
    else:
        media, body = curl("-H", f"Accept: {accept}", "-H", "Content-Type: application/sparql-query",
                           "--data-binary", text, url + "/sparql")
    assert media.split(";")[0] == accept
    got = _graph_rows(body, fmt) if fmt in GRAPH_FORMATS else _tabular_rows(body, fmt, form)
    assert got == _want(fmt, form, results)
    assert got, "the query must have an answer to compare"


@pytest.mark.parametrize(("form", "fmt"), [("SELECT", "csv"), ("ASK", "tsv"), ("CONSTRUCT", "rdfxml"),
                                           ("DESCRIBE", "jsonld"), ("CONSTRUCT", "json"), ("CONSTRUCT", "xml")])
def test_format_parameter_names_the_format_in_get_and_in_a_form(url: str, queries, results, form: str,  # noqa: ANN001
                                                                 fmt: str) -> None:
    """?format= (as SPARQLWrapper and Virtuoso users send it) wins over Accept, in the URL or the
    form body; "json" and "xml" mean JSON-LD and RDF/XML for a graph."""
    shown = {"json": "jsonld", "xml": "rdfxml"}.get(fmt, fmt) if form in ("CONSTRUCT", "DESCRIBE") else fmt
    for args in (["-G", "--data-urlencode", f"format={fmt}"], ["--data-urlencode", f"format={fmt}"]):
        media, body = curl(*args, "-H", "Accept: application/sparql-results+json",
                           "--data-urlencode", f"query={queries[form]}", url + "/sparql")
        assert media.split(";")[0] == MEDIA[shown]
        got = _graph_rows(body, shown) if shown in GRAPH_FORMATS else _tabular_rows(body, shown, form)
        assert got == _want(shown, form, results)


# -- SPARQLWrapper, its defaults first -----------------------------------------------------------


def _wrapper(url: str, text: str, method: str, fmt: str | None) -> object:
    from SPARQLWrapper import POST, POSTDIRECTLY, SPARQLWrapper

    client = SPARQLWrapper(url + "/sparql")
    client.setQuery(text)
    if method != "GET":
        client.setMethod(POST)
        if method == "direct POST":
            client.setRequestMethod(POSTDIRECTLY)
    if fmt is not None:
        client.setReturnFormat(fmt)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # a guessed query type or answer type fails the test
        return client.queryAndConvert()


@pytest.mark.parametrize("method", ["GET", "form POST", "direct POST"])
@pytest.mark.parametrize("form", ["SELECT", "ASK", "CONSTRUCT", "DESCRIBE"])
def test_sparqlwrapper_defaults(url: str, queries, expected, form: str, method: str) -> None:  # noqa: ANN001
    """SPARQLWrapper as it comes: XML for rows and booleans, RDF/XML for graphs, converted."""
    answer = _wrapper(url, queries[form], method, None)
    if form in ("CONSTRUCT", "DESCRIBE"):
        assert isinstance(answer, Graph)
        assert rows_of_triples(answer) == expected[form]
    else:
        assert isinstance(answer, Document)
        assert _xml_rows(answer) == expected[form]


@pytest.mark.parametrize("method", ["GET", "form POST"])
@pytest.mark.parametrize(("form", "fmt"), [(f, x) for f in ("SELECT", "ASK") for x in ("json", "xml", "csv", "tsv")]
                         + [(f, x) for f in ("CONSTRUCT", "DESCRIBE")
                            for x in ("xml", "rdf+xml", "turtle", "n3", "json-ld")])
def test_sparqlwrapper_every_return_format(url: str, queries, results, form: str, fmt: str,  # noqa: ANN001
                                           method: str) -> None:
    answer = _wrapper(url, queries[form], method, fmt)
    if isinstance(answer, Graph):
        got = rows_of_triples(answer)
    elif isinstance(answer, Document):
        got = _xml_rows(answer)
    elif isinstance(answer, dict):
        got = rows_of_json(answer)
    else:
        body = answer if isinstance(answer, bytes) else answer.encode("utf-8")
        if form in ("CONSTRUCT", "DESCRIBE"):  # Turtle and N3 come back as bytes
            got = rows_of_triples(Graph().parse(data=body, format="turtle"))
        else:
            got = _tabular_rows(body, fmt, form)
    assert got == _want(fmt, form, results)


def test_sparqlwrapper_reads_every_named_query_as_its_form() -> None:
    """The text a client is given for a named query (the .rq file, the page's example) is taken
    for the query it is: SPARQLWrapper guesses from the text, comments included."""
    from SPARQLWrapper import SPARQLWrapper

    library = QueryLibrary(QUERIES_DIR)
    client = SPARQLWrapper("http://localhost/sparql")
    for query in library:
        client.setQuery(query.text)
        assert client.queryType == query.form, query.name


def test_the_served_text_of_a_named_query_runs_as_its_form_through_sparqlwrapper(url: str, real_graph) -> None:  # noqa: ANN001
    """/queries/NAME.rq (linked from /queries) is the text a client fetches; sent back as it is,
    with SPARQLWrapper's defaults, it gives the named query's answer."""
    from _server_support import embedded_rows

    listing = {entry["name"]: entry for entry in http(url, "/queries").json()}
    for name in ("partners", "partner-network", "scope-extensions"):
        served = http(url, listing[name]["text"])
        assert served.status == 200 and served.headers["content-type"].startswith("application/sparql-query")
        answer = _wrapper(url, served.text, "GET", None)
        got = rows_of_triples(answer) if isinstance(answer, Graph) else _xml_rows(answer)
        assert got == embedded_rows(real_graph, name), name


def test_updates_are_still_refused_with_403(url: str) -> None:
    from SPARQLWrapper import POST, SPARQLWrapper
    from SPARQLWrapper.SPARQLExceptions import EndPointInternalError, QueryBadFormed, Unauthorized

    client = SPARQLWrapper(url + "/sparql")
    client.setMethod(POST)
    client.setQuery("INSERT DATA { <urn:a> <urn:b> <urn:c> }")
    with pytest.raises(Exception) as caught:  # noqa: PT011 - SPARQLWrapper maps 403 to a plain HTTPError
        client.query()
    assert not isinstance(caught.value, (QueryBadFormed, EndPointInternalError, Unauthorized))
    assert "403" in str(caught.value)
    r = http(url, "/sparql", "POST", "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
             {"Content-Type": "application/sparql-update"})
    assert r.status == 403


# -- rdflib's SPARQLStore -----------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST", "POST_FORM"])
@pytest.mark.parametrize(("form", "fmt"), [("SELECT", "xml"), ("SELECT", "json"), ("SELECT", "csv"),
                                           ("SELECT", "tsv"), ("ASK", "xml"), ("ASK", "json"),
                                           ("CONSTRUCT", "xml"), ("DESCRIBE", "xml")])
def test_sparqlstore(url: str, queries, results, form: str, fmt: str, method: str) -> None:  # noqa: ANN001
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    store = SPARQLStore(url + "/sparql", method=method, returnFormat=fmt)
    result = Graph(store).query(queries[form])
    if form == "ASK":
        assert [(str(result.askAnswer).lower(),)] == rows_of_result(results[form])
    elif form == "SELECT":
        if fmt == "csv":  # CSV has no datatypes or language tags: rdflib reads plain literals
            assert sorted(tuple(str(t) for t in row) for row in result) == _csv_values(results[form])
        else:
            assert sorted(tuple(key(t) for t in row) for row in result) == rows_of_result(results[form])
    else:
        assert rows_of_triples(result.graph) == rows_of_result(results[form])


# -- the endpoint describes itself ---------------------------------------------------------------


@pytest.mark.parametrize(("accept", "fmt"), [("text/turtle", "turtle"), ("application/rdf+xml", "xml"),
                                             ("application/ld+json", "json-ld"), ("*/*", "turtle")])
def test_service_description_at_the_endpoint(url: str, sparql_server, accept: str, fmt: str) -> None:  # noqa: ANN001
    media, body = curl("-H", f"Accept: {accept}", url + "/sparql")
    g = Graph().parse(data=body, format=fmt)
    service = g.value(predicate=RDF.type, object=SD.Service)
    assert service is not None, body[:500]
    assert g.value(service, SD.endpoint) == URIRef(url + "/sparql")
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in g
    assert (service, SD.feature, SD.UnionDefaultGraph) in g
    formats = {str(o).rsplit("/", 1)[1] for o in g.objects(service, SD.resultFormat)}
    assert formats >= {"SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                       "Turtle", "N-Triples", "RDF_XML", "JSON-LD"}
    default = g.value(g.value(service, SD.defaultDataset), SD.defaultGraph)
    assert int(g.value(default, VOID.triples)) == sparql_server.holder.snapshot.quads


def test_a_browser_opening_the_endpoint_gets_the_query_page(url: str) -> None:
    r = http(url, "/sparql", headers={"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"})
    assert r.status == 303 and r.headers["location"] == "/"


def test_void_at_well_known(url: str, real_build) -> None:  # noqa: ANN001
    media, body = curl("-H", "Accept: text/turtle", url + "/.well-known/void")
    g = Graph().parse(data=body, format="turtle")
    dataset = URIRef("https://w3id.org/coopgraph/id/dataset/coopgraph")
    assert (dataset, RDF.type, VOID.Dataset) in g
    assert g.value(dataset, VOID.sparqlEndpoint) == URIRef(url + "/sparql")
    built = Graph().parse(real_build / "void.ttl", format="turtle")
    assert g.value(dataset, VOID.triples) == built.value(dataset, VOID.triples)
    assert not any(str(o).startswith("file:") for o in g.objects())  # no local paths, no dead relative links
    _, xml = curl("-H", "Accept: application/rdf+xml", url + "/.well-known/void")
    assert rows_of_triples(Graph().parse(data=xml, format="xml")) == rows_of_triples(g)


# -- CORS -------------------------------------------------------------------------------------------


def test_cors_is_on_for_reads_by_default_and_off_with_the_flag(make_server) -> None:  # noqa: ANN001
    assert ServerConfig().cors_origins == ("*",)
    server = make_server()
    query = "/sparql?" + urllib.parse.urlencode({"query": ASK})
    r = http(server.url, query, headers={"Origin": "https://yasgui.example"})
    assert r.status == 200 and r.headers["access-control-allow-origin"] == "*"
    pre = http(server.url, "/sparql", "OPTIONS", headers={"Origin": "https://yasgui.example",
                                                          "Access-Control-Request-Method": "POST",
                                                          "Access-Control-Request-Headers": "content-type"})
    assert pre.status == 204 and "POST" in pre.headers["access-control-allow-methods"]
    closed = make_server(cors_origins=())
    r = http(closed.url, query, headers={"Origin": "https://yasgui.example"})
    assert r.status == 200 and "access-control-allow-origin" not in r.headers


def test_serve_no_cors_flag_sets_no_origins() -> None:
    import argparse

    from coopgraph.cli import serve as cli_serve

    parser = argparse.ArgumentParser()
    cli_serve.register(parser.add_subparsers())
    assert parser.parse_args(["serve", "--no-cors"]).no_cors is True
    assert parser.parse_args(["serve"]).cors is None  # the default is decided by ServerConfig: any origin
