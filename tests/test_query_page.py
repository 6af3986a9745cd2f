"""The query page: YASGUI, vendored and served offline, with the named queries, in a real Chromium.

What a researcher does: opens /, picks a named question, sees the table; switches to the chart
and graph views; types a query. The counts shown are compared with the embedded API on the
same build. The page must load nothing from another origin and break none of its own policy.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from _server_support import QUERIES_DIR, embedded_rows, http, rows_of_result
from coopgraph.serve import webui
from coopgraph.query.labels import with_labels
from coopgraph.query.library import QueryLibrary, execute

LIBRARY = QueryLibrary(QUERIES_DIR)
NAMES = LIBRARY.names()
VENDOR = Path(webui.__file__).parent / "web" / "vendor"


@pytest.fixture(scope="module")
def url(sparql_server) -> str:  # noqa: ANN001
    return sparql_server.url


def _named_on_page(html: str) -> list[dict]:
    start = html.index('<script id="named-queries" type="application/json">') + len(
        '<script id="named-queries" type="application/json">')
    return json.loads(html[start:html.index("</script>", start)])


def test_the_page_and_everything_it_loads_come_from_this_server(url: str) -> None:
    r = http(url, "/", headers={"Accept": "text/html"})
    assert r.status == 200 and r.headers["content-type"].startswith("text/html")
    policy = r.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "unsafe-inline" not in policy and "connect-src 'self'" in policy
    loads = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', r.text)
    assert loads and all(u.startswith("/web/") or u.startswith("data:") for u in loads), loads
    for path in (u for u in loads if u.startswith("/web/")):
        asset = http(url, path)
        assert asset.status == 200, path
        assert asset.headers["content-type"].split(";")[0] in ("text/javascript", "text/css"), path
    served = http(url, "/web/yasgui.min.js").body
    assert served == (VENDOR / "yasgui.min.js").read_bytes()
    recorded = (VENDOR / "README.md").read_text(encoding="utf-8")
    for name in ("yasgui.min.js", "yasgui.min.css"):  # the vendored files are the ones the README names
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() in recorded, name
    assert http(url, "/web/../server.py").status == 404
    assert http(url, "/web/prefixes.json").json()["cg"] == "https://w3id.org/coopgraph/def#"


def test_named_queries_on_the_page_are_the_queries_they_are(url: str) -> None:
    """The page's text of each named query: all 26, read by SPARQLWrapper as its form, and valid
    SPARQL with no predeclared prefix (YASQE checks prefixes; other clients have none)."""
    from SPARQLWrapper import SPARQLWrapper

    named = _named_on_page(http(url, "/").text)
    assert [n["name"] for n in named] == NAMES
    client = SPARQLWrapper(url + "/sparql")
    for entry in named:
        client.setQuery(entry["text"])
        assert client.queryType == entry["form"] == LIBRARY.get(entry["name"]).form, entry["name"]
        ox.Store().query(with_labels(entry["text"]))  # raises SyntaxError on an undeclared prefix


def _pick(browser, name: str) -> None:  # noqa: ANN001
    browser.js("delete document.body.dataset.state")
    browser.js(f"(() => {{ const m = document.getElementById('named'); m.value = {json.dumps(name)};"
               " m.dispatchEvent(new Event('change')); })()")
    assert browser.wait_for("document.body.dataset.state", "done", timeout=30) == "done", name


YASR = "coopgraphYasgui.getTab().getYasr()"


def test_yasgui_runs_the_named_queries_in_chromium(url: str, browser, real_graph, tmp_path: Path) -> None:  # noqa: ANN001
    browser.errors.clear()
    browser.open(url + "/")
    assert browser.wait_for("typeof window.coopgraphYasgui", "object", timeout=20) == "object", browser.errors
    options = browser.js("[...document.querySelectorAll('#named option')].map(o => o.value).filter(Boolean)")
    assert options == NAMES

    # a SELECT: the table shows every row the embedded API finds
    _pick(browser, "partners")
    expected = len(embedded_rows(real_graph, "partners"))
    assert browser.js(f"{YASR}.results.getBindings().length") == expected
    assert browser.js(f"{YASR}.getSelectedPluginName()") == "table"
    shown = browser.js("coopgraphYasgui.getTab().getYasr().resultsEl.querySelectorAll('tbody tr').length")
    assert shown == min(expected, 50)  # YASR's table pages by 50
    hrefs = browser.js(f"[...{YASR}.resultsEl.querySelectorAll('tbody a[href]')].map(a => a.getAttribute('href'))")
    assert hrefs and all(h.startswith("/id/") or h.startswith(("http://", "https://")) for h in hrefs), hrefs[:5]
    assert any(h.startswith("/id/org/") for h in hrefs)  # an entity opens its page on this server
    browser.screenshot(tmp_path / "table.png")

    # the chart view: one bar per row, drawn offline
    _pick(browser, "country-topics")
    rows = len(embedded_rows(real_graph, "country-topics"))
    assert browser.js(f"{YASR}.plugins.chart.canHandleResults()") is True
    browser.js(f"{YASR}.selectPlugin('chart')")
    assert browser.wait_for(f"{YASR}.resultsEl.querySelectorAll('.cg-chart svg rect').length", min(rows, 60),
                            timeout=10) == min(rows, 60)
    browser.screenshot(tmp_path / "chart.png")

    # a CONSTRUCT in the graph view: one node per IRI the triples link
    _pick(browser, "partner-network")
    triples = embedded_rows(real_graph, "partner-network")
    assert browser.js(f"{YASR}.results.getBindings().length") == len(triples)
    browser.js(f"{YASR}.selectPlugin('graph')")
    linked = {t[0] for t in triples if not t[2].startswith('"')} | {t[2] for t in triples if not t[2].startswith('"')}
    assert browser.wait_for(f"{YASR}.plugins.graph.cy ? {YASR}.plugins.graph.cy.nodes().length : -1", len(linked),
                            timeout=10) == len(linked)
    browser.screenshot(tmp_path / "graph.png")

    # a typed query, with a prefix the server predeclares
    browser.js("delete document.body.dataset.state")
    browser.js("(() => { const y = coopgraphYasgui.getTab().getYasqe();"
               " y.setValue('SELECT (COUNT(*) AS ?n) WHERE { ?s a cg:Evidence }'); y.query(); })()")
    assert browser.wait_for("document.body.dataset.state", "done", timeout=30) == "done"
    browser.js(f"{YASR}.selectPlugin('table')")
    n = browser.js(f"{YASR}.results.getBindings()[0].n.value")
    assert [(f'"{n}"^^<http://www.w3.org/2001/XMLSchema#integer>',)] == rows_of_result(
        execute(real_graph, "SELECT (COUNT(*) AS ?n) WHERE { ?s a cg:Evidence }", engine="oxigraph"))

    assert browser.errors == [], browser.errors  # no script error, no policy violation
    foreign = browser.js("performance.getEntriesByType('resource').map(e => e.name)"
                         ".filter(n => !n.startsWith(location.origin))")
    assert foreign == []


def test_prefix_completion_offers_the_project_prefixes_offline(url: str, browser) -> None:  # noqa: ANN001
    """Typing PREFIX lists the project's prefixes (from this server, not prefix.cc); typing a
    known prefix in a query declares it."""
    browser.errors.clear()
    browser.open(url + "/")
    assert browser.wait_for("typeof window.coopgraphYasgui", "object", timeout=20) == "object"
    browser.js("(() => { const y = coopgraphYasgui.getTab().getYasqe(); y.setValue(''); y.focus(); })()")
    browser.type_text("PREFIX ")
    hints = "[...document.querySelectorAll('.CodeMirror-hint')].map(x => x.textContent)"
    assert browser.wait_for(f"{hints}.includes('cg: <https://w3id.org/coopgraph/def#>')", True, timeout=10), \
        browser.js(hints)
    browser.js("(() => { const y = coopgraphYasgui.getTab().getYasqe(); y.setValue('SELECT * WHERE { ?s a ');"
               " y.focus(); y.setCursor(y.lineCount(), 0); })()")
    browser.type_text("skos:")
    value = "coopgraphYasgui.getTab().getYasqe().getValue()"
    assert browser.wait_for(f"{value}.startsWith('PREFIX skos: <http://www.w3.org/2004/02/skos/core#>')", True,
                            timeout=10), browser.js(value)
    foreign = browser.js("performance.getEntriesByType('resource').map(e => e.name)"
                         ".filter(n => !n.startsWith(location.origin))")
    assert foreign == [] and browser.errors == [], (foreign, browser.errors)
