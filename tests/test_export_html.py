"""The interactive page, tested in a real headless Chromium (Debian's ``chromium``).

Without a browser the test skips, saying why, except under CI (``CI=true``), where a missing
browser is a failure: ``.ci/run`` installs chromium, so a skip there would hide a broken page.
"""

from __future__ import annotations

import base64
import copy
import re
import shutil
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from cdp_browser import Browser
from export_support import ARTIFACTS, seed_network

from coopgraph.export import get_exporter, make_view
from coopgraph.export.network import Network, ViewOptions

SAMR = "https://w3id.org/coopgraph/id/org/samr"
BO_THUAN = "https://w3id.org/coopgraph/id/person/bo-thuan"


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("html") / "seed.html"
    get_exporter("html").export(make_view(seed_network(), ViewOptions(lang="en")), path)
    return path


def test_page_is_self_contained(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    assert "cytoscape" in text and "The Cytoscape Consortium" in text  # library inlined with its licence
    assert not re.search(r"<script[^>]+src=", text), "no external scripts"
    assert not re.search(r"<link[^>]+href=", text), "no external stylesheets"
    assert "default-src 'none'" in text  # the page may not fetch anything
    assert "Bò Thuần" in text and "Thứ trưởng Lê Xuân Định tiếp đoàn" in text  # labels and quotes inside


def test_page_in_chromium(page: Path, browser: Browser, tmp_path: Path) -> None:
    browser.open(page.as_uri())
    assert browser.js("document.body.dataset.ready") == "true"
    assert browser.errors == [], browser.errors

    n_nodes = browser.js("window.coopgraph.cy.nodes().length")
    assert n_nodes == make_view(seed_network(), ViewOptions()).graph.number_of_nodes()
    visible = browser.js("window.coopgraph.cy.nodes().map(n => n.visible()).filter(Boolean).length")
    assert visible == n_nodes
    # nodes are really drawn: the canvas has coloured pixels
    painted = browser.js("""(() => {
        const cs = Array.from(document.querySelectorAll('#cy canvas'));
        let n = 0;
        for (const c of cs) { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
          for (let i = 0; i < d.length; i += 4 * 97) if (d[i + 3] > 0 && !(d[i] > 240 && d[i+1] > 240)) n++; }
        return n; })()""")
    assert painted > 50

    # search by name without diacritics and with them, through the real input box
    for query, expected in (("Bò Thuần", BO_THUAN), ("bo thuan", BO_THUAN), ("SAC", None)):
        browser.js("(() => { const s = document.getElementById('search'); s.value = ''; s.focus(); })()")
        browser.type_text(query)
        hits = browser.js("Array.from(document.querySelectorAll('#results li')).map(li => li.dataset.id)")
        if expected:
            assert hits and hits[0] == expected, (query, hits)
        else:
            first = browser.js("document.querySelector('#results li').textContent")
            assert "Standardization Administration of China" in first, first
    browser.js("(() => { const s = document.getElementById('search'); s.value = '';"
               " s.dispatchEvent(new Event('input')); })()")

    # click on the SAMR node where it is drawn (once the search's zoom has ended): the panel shows
    # facts with the source quote
    assert browser.wait_for("window.coopgraph.cy.animated()", False) is False
    x, y = browser.js(f"""(() => {{ const n = window.coopgraph.cy.getElementById({SAMR!r});
        const p = n.renderedPosition(); const r = document.getElementById('cy').getBoundingClientRect();
        return [r.left + p.x, r.top + p.y]; }})()""")
    browser.click(x, y)
    title = browser.js("document.getElementById('panel-title') && document.getElementById('panel-title').textContent")
    assert title == "State Administration for Market Regulation"
    panel = browser.js("document.getElementById('panel').innerText")
    assert "Thứ trưởng Lê Xuân Định tiếp đoàn Tổng cục Quản lý Giám sát Thị trường Nhà nước Trung Quốc" in panel
    assert "line 7" in panel  # where in the source (L7 names SAMR's abbreviation)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(browser.screenshot(tmp_path / "seed-html-clicked.png"), ARTIFACTS / "seed-html-clicked.png")

    # filters: by type, and by period
    browser.js("(() => { const c = document.getElementById('kind-commitment'); c.checked = false;"
               " c.dispatchEvent(new Event('change', {bubbles: true})); })()")
    # cytoscape applies style changes on its next frame, so poll instead of reading at once
    hidden = "window.coopgraph.cy.nodes('[type = \"commitment\"]').map(n => n.visible()).filter(Boolean).length"
    assert browser.wait_for(hidden, 0) == 0
    browser.js("(() => { const f = document.getElementById('from'); f.value = '2019';"
               " const t = document.getElementById('to'); t.value = '2019';"
               " t.dispatchEvent(new Event('input')); })()")
    meeting_shown = ("window.coopgraph.cy.getElementById("
                     "'https://w3id.org/coopgraph/id/meeting/2023-06-05-most-samr-reception').visible()")
    browser.wait_for(meeting_shown, False)
    shown = set(browser.js("window.coopgraph.cy.nodes().map(n => n.visible() ? n.id() : null).filter(Boolean)"))
    assert "https://w3id.org/coopgraph/id/agreement/2019-stameq-sac-mou" in shown
    assert "https://w3id.org/coopgraph/id/meeting/2023-06-05-most-samr-reception" not in shown
    assert browser.errors == [], browser.errors

    shot = browser.screenshot(tmp_path / "seed-html-filtered.png")
    shutil.copy(shot, ARTIFACTS / "seed-html-filtered.png")
    assert shot.stat().st_size > 10_000


APO = "https://w3id.org/coopgraph/id/org/apo"


def with_isolated_node() -> Network:
    """The seed network plus one agency with no link, as APO is in the full data."""
    net = copy.copy(seed_network())
    net.graph = copy.deepcopy(seed_network().graph)
    net.coopgraph = None
    attrs = copy.deepcopy(net.graph.nodes[SAMR])
    attrs.update(iri=APO, label="Asian Productivity Organization", short_label="APO", abbreviation="APO",
                 _labels={"en": "Asian Productivity Organization"}, _abbreviations={"en": "APO"},
                 names=("Asian Productivity Organization", "APO"))
    net.graph.add_node(APO, **attrs)
    return net


def boxes_overlap(a: dict, b: dict) -> bool:
    return a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"] and a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"]


def test_page_opens_on_the_main_component_and_search_zooms(browser: Browser, tmp_path: Path) -> None:
    path = tmp_path / "isolated.html"
    get_exporter("html").export(make_view(with_isolated_node(), ViewOptions(lang="en")), path)
    browser.open(path.as_uri())
    assert browser.js("document.body.dataset.ready") == "true" and browser.errors == [], browser.errors

    # the page's own parts sit side by side, none over another
    parts = browser.js("""['header', '#controls', '#cy', '#panel'].map(s => {
        const r = document.querySelector(s).getBoundingClientRect(); return {x: r.x, y: r.y, w: r.width, h: r.height}; })""")
    assert not any(boxes_overlap(a, b) for i, a in enumerate(parts) for b in parts[i + 1:]), parts

    browser.js(f"window.APO = {APO!r}")
    view = browser.js("""(() => { const cy = window.coopgraph.cy;
        const main = cy.nodes().filter(n => n.id() !== window.APO); const bb = main.renderedBoundingBox();
        return {w: cy.width(), h: cy.height(), zoom: cy.zoom(), bb, apo: cy.getElementById(window.APO).renderedPosition(),
                main: main.length, note: document.getElementById('aside-note').textContent}; })()""")
    bb = view["bb"]
    assert -1 <= bb["x1"] and bb["x2"] <= view["w"] + 1 and -1 <= bb["y1"] and bb["y2"] <= view["h"] + 1, view
    assert bb["w"] >= 0.6 * view["w"] or bb["h"] >= 0.6 * view["h"], f"main component fills the view: {view}"
    assert 11 * view["zoom"] >= 9, f"labels readable at the first zoom (11 px font x {view['zoom']:.2f})"
    assert view["apo"]["y"] > bb["y2"] - 40, "the unlinked node is laid aside below the main component"
    assert "1 node(s) not linked" in view["note"]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(browser.screenshot(tmp_path / "seed-html-initial.png"), ARTIFACTS / "seed-html-initial.png")

    # search: the match and its neighbours are highlighted, the rest faded, and the view zooms onto them
    browser.js("document.getElementById('search').focus()")
    browser.type_text("Bo Thuan")
    time.sleep(0.05)
    assert browser.wait_for("window.coopgraph.cy.animated()", False) is False  # the zoom is animated (250 ms)
    after = browser.js("""(() => { const cy = window.coopgraph.cy; const m = cy.nodes('.match');
        const around = m.neighborhood('node'); const inView = (n) => { const p = n.renderedPosition();
          return p.x >= 0 && p.x <= cy.width() && p.y >= 0 && p.y <= cy.height(); };
        return {zoom: cy.zoom(), match: m.map(n => n.id()), neighbours: cy.nodes('.neighbour').length,
                around: around.length, allInView: around.union(m).every(inView),
                faded: cy.nodes('.faded').length, total: cy.nodes().length}; })()""")
    assert after["match"] == [BO_THUAN]
    assert after["neighbours"] == after["around"] > 0 and after["allInView"], after
    assert after["faded"] == after["total"] - 1 - after["around"]
    assert after["zoom"] > view["zoom"], "search zooms in on the match"
    shutil.copy(browser.screenshot(tmp_path / "seed-html-search.png"), ARTIFACTS / "seed-html-search.png")

    # save the view: a PNG of the canvas, and an SVG whose labels are text
    png = base64.b64decode(browser.js("window.coopgraph.viewPNG()").split(",", 1)[1])
    assert png.startswith(b"\x89PNG") and int.from_bytes(png[16:20], "big") == 2 * view["w"]
    svg = browser.js("window.coopgraph.viewSVG()")
    root = ET.fromstring(svg)
    texts = root.findall(".//{http://www.w3.org/2000/svg}text")
    assert "Noto Sans" in root.get("font-family")
    assert any("".join(t.itertext()) == "Bò Thuần" for t in texts)
    assert len(texts) == browser.js("window.coopgraph.cy.nodes(':visible').length")
    svg_path = tmp_path / "seed-html-view.svg"
    svg_path.write_text(svg, encoding="utf-8")
    shutil.copy(svg_path, ARTIFACTS / "seed-html-view.svg")
    # open the saved SVG the way a person would, and measure its labels where they are drawn
    browser.open(svg_path.as_uri())
    drawn = browser.js("""Array.from(document.querySelectorAll('text')).map(t => { const r = t.getBoundingClientRect();
        return {x: r.x, y: r.y, w: r.width, h: r.height, text: t.textContent, id: t.dataset.id,
                faded: +t.getAttribute('opacity') < 0.5}; })""")
    assert drawn and all(d["w"] > 0 and d["h"] > 0 for d in drawn)
    # what the search brings forward (the match and its neighbours) is legible: no label over another
    shown = [d for d in drawn if not d["faded"]]
    assert len(shown) == 1 + after["around"], shown
    assert not any(boxes_overlap(a, b) for i, a in enumerate(shown) for b in shown[i + 1:]), shown
    match_box = next(d for d in drawn if d["text"] == "Bò Thuần")
    assert 0 <= match_box["x"] and match_box["x"] + match_box["w"] <= view["w"], "the match is in the saved view"
    shutil.copy(browser.screenshot(tmp_path / "seed-html-view-svg.png"), ARTIFACTS / "seed-html-view-svg.png")


def test_the_real_network_opens_with_readable_labels_only(browser: Browser, tmp_path: Path) -> None:
    """At 280 nodes the first view is zoomed out: agencies and countries stay named, in a larger
    type, and the other labels wait until the reader zooms in (drawn at 6 px they only smear)."""
    from export_support import real_network

    path = tmp_path / "real.html"
    get_exporter("html").export(make_view(real_network(), ViewOptions(lang="en")), path)
    browser.open(path.as_uri())
    assert browser.js("document.body.dataset.ready") == "true" and browser.errors == [], browser.errors
    first = browser.js("""(() => { const cy = window.coopgraph.cy; const z = cy.zoom();
        const shown = cy.nodes().filter(n => !n.hasClass('quiet') && n.data('display'));
        return {zoom: z, quiet: cy.nodes('.quiet').length, shown: shown.length,
                smallest: Math.min(...shown.map(n => parseFloat(n.style('font-size')) * z)),
                kinds: [...new Set(shown.map(n => n.data('type')))]}; })()""")
    assert first["quiet"] > 100 and first["shown"] >= 20, first
    assert first["smallest"] >= 8, f"every label drawn is at least 8 px: {first}"
    assert set(first["kinds"]) <= {"agency", "country"}, first
    shutil.copy(browser.screenshot(tmp_path / "real-html-initial.png"), ARTIFACTS / "real-html-initial.png")
    zoomed = browser.js("(() => { const cy = window.coopgraph.cy; cy.zoom(1.2); return cy.nodes('.quiet').length; })()")
    assert zoomed == 0, "zoomed in, every label is drawn"
