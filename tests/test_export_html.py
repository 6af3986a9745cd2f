"""The interactive page, tested in a real headless Chromium (Debian's ``chromium``).

Without a browser the test skips, saying why, except under CI (``CI=true``), where a missing
browser is a failure: ``.ci/run`` installs chromium, so a skip there would hide a broken page.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from cdp_browser import Browser, find_chromium
from export_support import ARTIFACTS, seed_network

from coopgraph.export import get_exporter, make_view
from coopgraph.network import ViewOptions

SAMR = "https://w3id.org/coopgraph/id/org/samr"
BO_THUAN = "https://w3id.org/coopgraph/id/person/bo-thuan"


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("html") / "seed.html"
    get_exporter("html").export(make_view(seed_network(), ViewOptions(lang="en")), path)
    return path


@pytest.fixture(scope="module")
def browser() -> Browser:
    binary = find_chromium()
    if binary is None:
        reason = "no Chromium found (install Debian's chromium, or set CHROMIUM=/path/to/chrome)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason}; under CI the browser test must run")
        pytest.skip(reason)
    b = Browser(binary)
    yield b
    b.close()


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

    # click on the SAMR node where it is drawn: the panel shows facts with the source quote
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
