"""The cooperation map and the agency brief on the real data, looked at the way a person would.

The map: counts are the ``country-links`` rows, counted again here; a country the boundaries
file cannot place is said on the map; labels are SVG ``<text>`` and, drawn by Chromium, no label
or count sits over another; the PDF is rendered by pdftoppm (A4 landscape, the sources on page
2); the offline page shows the map and every item. The brief (SAMR and STAMEQ): its facts are
the named queries' rows, every fact cites a numbered source, the PDF is one or two A4 pages
rendered by pdftoppm with no text box over another or outside the margins, and the HTML page in
Chromium has no text running off the page. Same data, same bytes. Renders go to tests/artifacts/.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from cdp_browser import Browser
from export_support import ARTIFACTS, ROOT, fonts_embedded, pdf_to_pngs, png_size

from coopgraph.export import brief as brief_module
from coopgraph.export import coopmap, geo
from coopgraph.export.network import Network, Period

SVG = "{http://www.w3.org/2000/svg}"
VIETNAM = "https://w3id.org/coopgraph/id/country/vietnam"
CHINA = "https://w3id.org/coopgraph/id/country/china"
KOREA = "https://w3id.org/coopgraph/id/country/korea"


def boxes_apart(boxes: list[dict]) -> list[tuple[str, str]]:
    hits = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            apart = a["x1"] <= b["x0"] or b["x1"] <= a["x0"] or a["y1"] <= b["y0"] or b["y1"] <= a["y0"]
            if not apart:
                hits.append((a["id"], b["id"]))
    return hits


@pytest.fixture(scope="module")
def cg(repo_home: Path, real_graph):  # noqa: ANN001, ANN201 - the real build, named queries from the repo
    return real_graph


@pytest.fixture(scope="module")
def network(cg) -> Network:  # noqa: ANN001
    return Network.from_coopgraph(cg)


@pytest.fixture(scope="module")
def vietnam(cg, network: Network) -> coopmap.CooperationMap:  # noqa: ANN001
    return coopmap.cooperation_map(cg, "Vietnam", network=network)


@pytest.fixture(scope="module")
def vietnam_svg(vietnam: coopmap.CooperationMap) -> bytes:
    data = coopmap.render(vietnam, "svg")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "map-vietnam.svg").write_bytes(data)
    return data


# -- the map: what it counts ------------------------------------------------------------------


def test_the_map_counts_the_country_links_rows(cg, vietnam: coopmap.CooperationMap) -> None:  # noqa: ANN001
    rows = list(cg.query("country-links", country="Vietnam", engine="oxigraph"))
    assert rows, "the real data links Vietnam with other countries"
    expected: dict[str, dict[str, set[str]]] = {}
    for r in rows:
        assert VIETNAM in (str(r.countryA), str(r.countryB))
        other = str(r.countryB) if str(r.countryA) == VIETNAM else str(r.countryA)
        expected.setdefault(other, {}).setdefault(str(r.kind), set()).add(str(r.item))
    got = {c.iri: {k: v for k, v in c.items.items() if v} for c in vietnam.partners}
    assert got == expected
    china = vietnam.countries[CHINA]
    assert china.total == len({str(r.item) for r in rows if CHINA in (str(r.countryA), str(r.countryB))})
    assert vietnam.countries[VIETNAM].shape is not None and vietnam.countries[VIETNAM].shape.code == "704"
    assert china.shape is not None and china.shape.code == "156"
    # "Korea" is two Natural Earth countries: not placed, and said so, with its counts
    assert [c.iri for c in vietnam.unplaced] == [KOREA]
    assert vietnam.countries[KOREA].total > 0


def test_a_period_keeps_only_items_dated_within_it(cg, network: Network) -> None:  # noqa: ANN001
    whole = coopmap.cooperation_map(cg, "Vietnam", network=network)
    cut = coopmap.cooperation_map(cg, "Vietnam", "2019..2020", network=network)
    period = Period.parse("2019..2020")
    assert cut.items and set(cut.items) < set(whole.items)
    assert all(item.date and period.overlaps(item.date) for item in cut.items.values())
    kept = {iri for iri, item in whole.items.items() if item.date and period.overlaps(item.date)}
    assert set(cut.items) == kept
    assert "period 2019..2020" in cut.subtitle()


def test_boundaries_are_natural_earth_decoded_from_the_shipped_file() -> None:
    shapes = geo.countries()
    assert len(shapes) == 241  # Natural Earth 4.1.0 admin-0 at 1:50m
    vietnam = geo.place(["Vietnam"])
    assert vietnam is not None
    lon, lat = vietnam.anchor()
    x0, y0, x1, y1 = vietnam.bounds()
    assert x0 < lon < x1 and y0 < lat < y1 and 100 < lon < 110 and 8 < lat < 24
    assert geo.place(["Korea"]) is None and geo.place(["South Korea"]) is not None
    for shape in shapes:  # rings that cross the antimeridian are unwrapped: no edge across the world
        for poly in shape.polygons:
            ring = poly[0]
            jumps = abs(ring[1:, 0] - ring[:-1, 0]) > 180
            # only Antarctica's ring, which goes round the pole, keeps its jump, and only at the pole
            assert not jumps.any() or (shape.name == "Antarctica" and (abs(ring[1:, 1][jumps]) > 85).all()), shape.name


# -- the map: how it looks --------------------------------------------------------------------


def test_map_labels_are_text_and_apart_in_chromium(vietnam_svg: bytes, vietnam: coopmap.CooperationMap,
                                                   browser: Browser, tmp_path: Path) -> None:
    root = ET.fromstring(vietnam_svg)
    groups = {g.get("id"): g for g in root.iter(f"{SVG}g") if re.match(r"(country|count):", g.get("id") or "")}
    placed = [c for c in vietnam.countries.values() if c.shape is not None]
    assert {f"country:{c.iri}" for c in placed} <= set(groups)
    for gid, g in groups.items():
        texts = ["".join(t.itertext()) for t in g.iter(f"{SVG}text")]
        assert texts, f"{gid} is SVG text"
        if gid.startswith("country:"):
            assert texts[0] == vietnam.countries[gid[len("country:"):]].label
    assert not [p for p in root.iter(f"{SVG}path") if re.match(r"(Noto|DejaVu)", p.get("id") or "")]
    text = "".join(root.itertext())
    assert "Korea" in text and "not on the map" in text and "Natural Earth" in text
    path = tmp_path / "map.svg"
    path.write_bytes(vietnam_svg)
    browser.open(path.as_uri())
    drawn = browser.js("""(() => {
        const box = (el, id) => { const r = el.getBoundingClientRect();
            return {id, x0: r.left, y0: r.top, x1: r.right, y1: r.bottom}; };
        const labels = Array.from(document.querySelectorAll(
                'g[id^="country:"], g[id^="count:"], g[id^="inset-country:"]')).map(g => {
            const rs = Array.from(g.querySelectorAll('text')).map(t => t.getBoundingClientRect());
            return {id: g.id, x0: Math.min(...rs.map(r => r.left)), y0: Math.min(...rs.map(r => r.top)),
                    x1: Math.max(...rs.map(r => r.right)), y1: Math.max(...rs.map(r => r.bottom))}; });
        const page = Array.from(document.querySelectorAll('g[id="title"], g[id="subtitle"], g[id="key"], '
            + 'g[id^="links-"], g[id="notes"]')).map(g => box(g, g.id));
        const svg = document.querySelector('svg').getBoundingClientRect();
        const frame = document.querySelector('g[id="inset-frame"]');
        return {labels, page, svg: {x0: svg.left, y0: svg.top, x1: svg.right, y1: svg.bottom},
                inset: frame ? box(frame, 'inset-frame') : null};
    })()""")
    inset = [g for g in root.iter(f"{SVG}g") if (g.get("id") or "").startswith("inset-country:")]
    assert len(drawn["labels"]) == len(groups) + len(inset)
    assert not boxes_apart(drawn["labels"]), "no country label or count over another (map and close-up)"
    # Vietnam is a sliver beside China and Australia: a close-up in a free corner names it, and
    # hides no label of the map
    assert f"inset-country:{VIETNAM}" in {g.get("id") for g in inset} and drawn["inset"] is not None
    outside = [b for b in drawn["labels"] if not b["id"].startswith("inset-")]
    assert not boxes_apart([drawn["inset"], *outside])
    assert not boxes_apart(drawn["page"]), "title, key, link list and notes apart"
    assert len(drawn["page"]) >= 5
    svg = drawn["svg"]
    for b in drawn["labels"] + drawn["page"]:
        assert svg["x0"] <= b["x0"] and b["x1"] <= svg["x1"] + 0.5 and svg["y0"] <= b["y0"] and b["y1"] <= svg["y1"]
    shutil.copy(browser.screenshot(tmp_path / "shot.png"), ARTIFACTS / "map-vietnam-svg-in-chromium.png")


def test_map_pdf_in_pdftoppm_and_same_bytes_every_time(cg, network: Network, vietnam: coopmap.CooperationMap,  # noqa: ANN001
                                                       vietnam_svg: bytes, tmp_path: Path) -> None:
    again = coopmap.cooperation_map(cg, "Vietnam", network=network)
    assert coopmap.render(again, "svg") == vietnam_svg
    pdf = coopmap.render(vietnam, "pdf")
    assert coopmap.render(again, "pdf") == pdf and b"/CreationDate" not in pdf
    (ARTIFACTS / "map-vietnam.pdf").write_bytes(pdf)
    pages = pdf_to_pngs(pdf, tmp_path, "map")
    assert len(pages) == 2, "the map on page 1, its sources on page 2"
    w, h = png_size(pages[0])
    assert abs(w / h - 11.69 / 8.27) < 0.01, "A4 landscape"
    assert all(row.split()[-5] == "yes" for row in fonts_embedded(tmp_path / "map.pdf")), "fonts embedded"
    for page in pages:
        shutil.copy(page, ARTIFACTS / f"map-vietnam-pdftoppm-{page.stem.rsplit('-', 1)[-1]}.png")


def test_map_page_is_offline_and_lists_every_item(vietnam: coopmap.CooperationMap, browser: Browser,
                                                  tmp_path: Path) -> None:
    path = tmp_path / "map.html"
    path.write_bytes(coopmap.render(vietnam, "html"))
    browser.open(path.as_uri())
    seen = browser.js("""(() => {
        const svg = document.querySelector('#map svg').getBoundingClientRect();
        const rows = document.querySelectorAll('#links tbody tr').length;
        const refs = Array.from(document.querySelectorAll('#links a')).map(a => a.getAttribute('href'));
        const ids = Array.from(document.querySelectorAll('#sources li')).map(li => '#' + li.id);
        const external = Array.from(document.querySelectorAll('[src], link[href]')).length;
        return {w: svg.width, h: svg.height, vw: window.innerWidth, rows, refs, ids, external,
                wide: document.documentElement.scrollWidth, unplaced: document.querySelector('#unplaced').textContent};
    })()""")
    assert seen["external"] == 0, "nothing loaded from outside the page"
    assert seen["w"] > 0.6 * seen["vw"] and seen["wide"] <= seen["vw"], "the map fills the page, no sideways scroll"
    pair_items = sum(len(v) for items in vietnam.links.values() for v in items.values())
    assert seen["rows"] == pair_items
    assert seen["refs"] and set(seen["refs"]) <= set(seen["ids"])
    assert "Korea" in seen["unplaced"]
    shutil.copy(browser.screenshot(tmp_path / "page.png"), ARTIFACTS / "map-vietnam-page.png")


# -- the brief ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def briefs(cg, network: Network) -> dict[str, brief_module.Brief]:  # noqa: ANN001
    return {name: brief_module.brief(cg, name, network=network) for name in ("SAMR", "STAMEQ")}


def section(b: brief_module.Brief, title: str) -> brief_module.Section:
    return next(s for s in b.sections if s.title == title)


@pytest.mark.parametrize("name", ["SAMR", "STAMEQ"])
def test_brief_facts_are_the_queries_rows_each_with_a_source(name: str, cg, briefs) -> None:  # noqa: ANN001
    b = briefs[name]
    partners = {str(r.partnerLabel) for r in cg.query("partners", agency=name, engine="oxigraph")}
    assert {line.text for line in section(b, "Partners").lines} == partners
    commitments = {str(r.commitment) for r in cg.query("agency-commitments", agency=name, engine="oxigraph")}
    listed = [d for line in section(b, "Commitments").lines for d in line.detail]
    assert len(listed) == len(commitments)
    countries = {str(r.countryLabel) for r in cg.query("agency-country", agency=name, engine="oxigraph")}
    assert [line.text for line in section(b, "Who it is").lines if line.text.startswith("Country")] == \
        [f"Country: {c}" for c in sorted(countries)]
    timeline = [r for r in cg.query("timeline", actor=name, engine="oxigraph") if str(r.kind) != "commitment"]
    assert len(section(b, "Timeline").lines) == len(timeline)
    # every fact has its numbered source; headings (a partner, "Names") carry theirs on the lines under them
    for s in b.sections:
        for line in s.lines:
            assert line.refs or line.detail, (name, line.text)
            for sub in line.detail:
                assert sub.refs or s.title in ("Agreements", ), (name, sub.text)
    assert b.citations and sorted(set(b.numbers.values())) == list(range(1, len(b.citations) + 1))
    assert len(set(b.citations)) == len(b.citations), "one number per distinct citation"


def test_brief_country_is_only_what_a_source_states(briefs) -> None:  # noqa: ANN001
    who = section(briefs["SAMR"], "Who it is")
    country = next(line for line in who.lines if line.text.startswith("Country"))
    assert country.text == "Country: China"
    assert {d.text for d in country.detail} == {"as stated of State Administration for Market Regulation",
                                                "as stated of State Council of China"}
    assert all(d.refs for d in country.detail)


@pytest.mark.parametrize("name", ["SAMR", "STAMEQ"])
def test_brief_pdf_is_one_or_two_a4_pages_with_no_text_over_another(name: str, briefs, tmp_path: Path) -> None:  # noqa: ANN001
    import matplotlib.pyplot as plt

    b = briefs[name]
    figs = brief_module.figures(b)
    try:
        assert 1 <= len(figs) <= 2
        for fig in figs:
            fig.canvas.draw()
            renderer = fig.canvas.get_renderer()
            boxes = [t.get_window_extent(renderer) for t in fig.texts]
            for i, a in enumerate(boxes):
                for j in range(i + 1, len(boxes)):
                    assert not a.overlaps(boxes[j]), (fig.texts[i].get_text()[:40], fig.texts[j].get_text()[:40])
            margin = 0.5 * fig.dpi
            page = fig.bbox
            for t, box in zip(fig.texts, boxes, strict=True):
                assert page.x0 + margin <= box.x0 and box.x1 <= page.x1 - margin, t.get_text()[:60]
                assert page.y0 + 0.2 * fig.dpi <= box.y0 and box.y1 <= page.y1 - 0.4 * fig.dpi, t.get_text()[:60]
    finally:
        for fig in figs:
            plt.close(fig)
    pdf = b.to_pdf()
    assert b.to_pdf() == pdf and b"/CreationDate" not in pdf, "same data, same bytes"
    (ARTIFACTS / f"brief-{name.lower()}.pdf").write_bytes(pdf)
    pages = pdf_to_pngs(pdf, tmp_path, "brief")
    assert len(pages) == len(figs)
    w, h = png_size(pages[0])
    assert abs(h / w - 11.69 / 8.27) < 0.01, "A4 portrait"
    assert all(row.split()[-5] == "yes" for row in fonts_embedded(tmp_path / "brief.pdf")), "fonts embedded"
    for page in pages:
        shutil.copy(page, ARTIFACTS / f"brief-{name.lower()}-pdftoppm-{page.stem.rsplit('-', 1)[-1]}.png")


@pytest.mark.parametrize("name", ["SAMR", "STAMEQ"])
def test_brief_page_in_chromium(name: str, cg, network: Network, browser: Browser, tmp_path: Path) -> None:  # noqa: ANN001
    b = brief_module.brief(cg, name, lang="vi", network=network)
    assert b.sections[0].title == "Cơ quan" and "Tóm tắt" in b.title()
    path = tmp_path / "brief.html"
    path.write_text(b.to_html(), encoding="utf-8")
    browser.open(path.as_uri())
    seen = browser.js("""(() => {
        const refs = Array.from(document.querySelectorAll('a.ref')).map(a => a.getAttribute('href'));
        const ids = Array.from(document.querySelectorAll('#sources li')).map(li => '#' + li.id);
        const items = Array.from(document.querySelectorAll('li')).map(li => {
            const r = li.getBoundingClientRect(); return {x0: r.left, x1: r.right}; });
        return {refs, ids, items, vw: document.documentElement.clientWidth,
                wide: document.documentElement.scrollWidth, external: document.querySelectorAll('[src], link').length};
    })()""")
    assert seen["external"] == 0 and seen["wide"] <= seen["vw"], "offline, nothing runs off the page"
    assert seen["refs"] and set(seen["refs"]) <= set(seen["ids"])
    assert len(seen["ids"]) == len(b.citations)
    assert all(0 <= i["x0"] and i["x1"] <= seen["vw"] for i in seen["items"])
    shutil.copy(browser.screenshot(tmp_path / "brief.png"), ARTIFACTS / f"brief-{name.lower()}-vi-page.png")


def test_brief_markdown_cites_by_number(briefs) -> None:  # noqa: ANN001
    text = briefs["STAMEQ"].to_markdown()
    assert text.startswith("# Brief: Directorate for Standards, Metrology and Quality")
    for heading in ("## Who it is", "## Partners", "## Commitments", "## Timeline", "## People and posts",
                    "## Sources"):
        assert heading in text
    cited = {int(n) for n in re.findall(r"\[(\d+)\]", text)}
    assert cited == set(range(1, len(briefs["STAMEQ"].citations) + 1))


# -- the commands ------------------------------------------------------------------------------


def run_cli(*argv: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run([sys.executable, "-m", "coopgraph", *argv], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env=env)


def test_commands_refuse_bad_names_in_one_line(real_build: Path) -> None:
    for argv, words in ((("brief", "SAMRR"), "did you mean: 'SAMR'"), (("brief", "Vietnam"), "not an agency"),
                        (("map", "SAMR"), "not a country"), (("map", "Vietnam", "--period", "2023..2019"),
                                                             "ends before it starts")):
        done = run_cli(*argv, "--build", str(real_build))
        assert done.returncode == 2, (argv, done.stderr)
        assert words in done.stderr and "Traceback" not in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_commands_write_the_files(real_build: Path, tmp_path: Path) -> None:
    done = run_cli("map", "Vietnam", "--format", "png", "-o", str(tmp_path / "vn.png"), "--build", str(real_build))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "vn.png").read_bytes()[:4] == b"\x89PNG" and (tmp_path / "vn-sources.txt").is_file()
    assert "not on the map: Korea" in done.stderr
    done = run_cli("brief", "STAMEQ", "--format", "md", "--lang", "zh", "--build", str(real_build))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("# 简报：") and "## 来源" in done.stdout


def test_the_map_of_every_country_draws_every_pair(cg, network: Network) -> None:  # noqa: ANN001
    every = coopmap.cooperation_map(cg, lang="zh", network=network)
    rows = list(cg.query("country-links", engine="oxigraph"))
    assert set(every.links) == {(str(r.countryA), str(r.countryB)) for r in rows}
    assert every.title() == "合作地图：所有国家" and every.focus is None
    svg = coopmap.render(every, "svg")  # Chinese labels draw (the glyph check passes) as SVG text
    root = ET.fromstring(svg)
    drawn = {g.get("id") for g in root.iter(f"{SVG}g") if (g.get("id") or "").startswith("count:")}
    placed = {c.iri for c in every.countries.values() if c.shape is not None}
    assert drawn == {f"count:{a}|{b}" for a, b in every.links if a in placed and b in placed}


def test_two_processes_write_the_same_map_and_brief(real_build: Path, tmp_path: Path) -> None:
    """Python salts string hashes per process: nothing drawn may depend on set order."""
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "PYTHONHASHSEED": seed}
        files = (tmp_path / seed / "map.svg", tmp_path / seed / "brief.pdf")  # the map names its sources file
        for argv in (("map", "Vietnam", "--format", "svg", "-o", str(files[0])),
                     ("brief", "SAMR", "--format", "pdf", "-o", str(files[1]))):
            done = subprocess.run([sys.executable, "-m", "coopgraph", *argv, "--build", str(real_build)], cwd=ROOT,
                                  capture_output=True, text=True, timeout=300, env=env)
            assert done.returncode == 0, done.stderr
        outputs.append(tuple(f.read_bytes() for f in files))
    assert outputs[0] == outputs[1]


def test_every_agency_has_a_brief_whose_facts_cite_their_sources(cg, network: Network) -> None:  # noqa: ANN001
    agencies = sorted({str(r.agency) for r in cg.query("agency-names", engine="oxigraph")})
    assert len(agencies) >= 20
    for agency in agencies:
        b = brief_module.brief(cg, agency, network=network)
        assert b.to_markdown().startswith("# Brief: ")
        for s in b.sections:
            for line in s.lines:
                if line.text.endswith(brief_module.words("en")["no_country"]):
                    continue  # what no source states is said as such, and cites nothing
                assert line.refs or line.detail, (agency, line.text)
                for sub in line.detail:
                    assert sub.refs or s.title == "Agreements", (agency, sub.text)
