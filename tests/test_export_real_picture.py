"""The whole-network picture of the real data (data/ with curation): one A4 page a person can read.

The seed article alone is too small to show whether a picture fits a page: the real data has
over 250 nodes, nearly 500 links and over 40 source documents. These tests draw that network, measure the drawn
labels the way a reader meets them (matplotlib's renderer for the figure, Chromium for the SVG
file) and check what the picture says about what it leaves out. Copies go to tests/artifacts/.
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
from export_support import ARTIFACTS, fonts_embedded, pdf_to_pngs, png_size, real_network

from coopgraph.export import get_exporter, make_view
from coopgraph.export.base import View
from coopgraph.export.regions import separating_axis
from coopgraph.export.picture import (
    A4_HEIGHT,
    A4_WIDTH,
    PictureExporter,
    citations,
    label_order,
    node_text,
    sources_text,
)
from coopgraph.export.network import ViewOptions

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def view() -> View:
    return make_view(real_network(), ViewOptions(types=PictureExporter.default_types))


@pytest.fixture(scope="module")
def svg(view: View) -> bytes:
    data = get_exporter("svg").render(view)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "real-network.svg").write_bytes(data)
    return data


def test_whole_network_fits_one_page_with_labels_apart(view: View) -> None:
    import matplotlib.pyplot as plt

    exporter = PictureExporter()
    fig = exporter.figure(view)
    try:
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        assert sorted(fig.get_size_inches()) == pytest.approx([A4_WIDTH, A4_HEIGHT])
        labels = [t for t in fig.findobj() if str(getattr(t, "get_gid", lambda: "")()).startswith("label:")]
        tags = [t for t in fig.findobj() if str(getattr(t, "get_gid", lambda: "")()).startswith("tag:")]
        n = view.graph.number_of_nodes()
        assert n >= 200, "the real data, not the seed article"
        assert 20 <= len(labels) == len(exporter.labelled) <= 40
        # the labels go to the most important nodes: the most-linked agencies and countries
        named = {str(t.get_gid())[len("label:"):] for t in labels}
        assert named == set(label_order(view)[:len(named)])
        kinds = {node: d["type"] for node, d in view.graph.nodes(data=True)}
        assert {kinds[node] for node in named} <= {"agency", "country"}
        assert {"SAMR", "STAMEQ", "SAC", "ISO"} <= {t.get_text() for t in labels}
        # no text over another: labels and group letters, measured as drawn
        texts = labels + tags
        boxes = [t.get_window_extent(renderer) for t in texts]
        for i, a in enumerate(boxes):
            for j in range(i + 1, len(boxes)):
                assert not a.overlaps(boxes[j]), (texts[i].get_text(), texts[j].get_text())
        page = fig.bbox
        assert all(page.x0 <= b.x0 and b.x1 <= page.x1 and page.y0 <= b.y0 and b.y1 <= page.y1 for b in boxes)
        # the picture says what it leaves out: unlabelled nodes, the source documents, the faded links
        note = next(t.get_text() for t in fig.texts if t.get_gid() == "left-out")
        assert f"labelled: {len(labels)} of {n} nodes" in note
        assert f"{n - len(labels)} unlabelled" in note
        assert f"{len(citations(view))} source documents are not drawn" in note
        assert re.search(r"the \d+ links between groups faded", note)
        # one shaded region per group, each with its letter and a legend line
        regions = [a for a in fig.findobj() if str(getattr(a, "get_gid", lambda: "")()).startswith("region:")]
        legend = "\n".join(t.get_text() for t in fig.texts if str(t.get_gid()).startswith("groups-"))
        assert len(regions) == len(tags) >= 3
        for tag in tags:
            assert re.search(rf"^{tag.get_text()}  \d+ nodes?", legend, re.M), tag.get_text()
        # the shaded regions do not overlap: no node reads as belonging to two groups
        outlines = [(str(r.get_gid()), r.get_xy()[:-1].tolist()) for r in regions]
        for i, (name_a, a) in enumerate(outlines):
            for name_b, b in outlines[i + 1:]:
                assert separating_axis(a, b) is not None, (name_a, name_b)
        bottom_of_drawing = min(b.y0 for b in boxes)
        notes_box = next(t for t in fig.texts if t.get_gid() == "left-out").get_window_extent(renderer)
        assert notes_box.y1 < bottom_of_drawing, "the notes sit under the drawing"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        fig.savefig(ARTIFACTS / "real-network.png", dpi=100)
    finally:
        plt.close(fig)


def test_svg_labels_are_text_and_do_not_overlap_in_chromium(svg: bytes, view: View, browser: Browser,
                                                             tmp_path: Path) -> None:
    root = ET.fromstring(svg)
    groups = {g.get("id"): g for g in root.iter(f"{SVG}g") if (g.get("id") or "").startswith("label:")}
    assert len(groups) >= 20
    for gid, g in groups.items():  # every label is <text>, word for word, in the named font
        node = view.graph.nodes[gid[len("label:"):]]
        lines = ["".join(t.itertext()) for t in g.iter(f"{SVG}text")]
        assert lines and "\n".join(lines) == node_text(node), gid
        assert all("Noto Sans CJK" in (t.get("style") or "") for t in g.iter(f"{SVG}text"))
    glyphs = [p.get("id") for p in root.iter(f"{SVG}path") if re.match(r"(Noto|DejaVu)", p.get("id") or "")]
    assert not glyphs, "no text drawn as glyph paths"
    path = tmp_path / "real-network.svg"
    path.write_bytes(svg)
    browser.open(path.as_uri())
    drawn = browser.js("""Array.from(document.querySelectorAll('g[id^="label:"], g[id^="tag:"]')).map(g => {
        const rs = Array.from(g.querySelectorAll('text')).map(t => t.getBoundingClientRect());
        return {id: g.id, x0: Math.min(...rs.map(r => r.left)), y0: Math.min(...rs.map(r => r.top)),
                x1: Math.max(...rs.map(r => r.right)), y1: Math.max(...rs.map(r => r.bottom))}; })""")
    assert len(drawn) > len(groups)  # labels and group letters
    assert all(d["x1"] > d["x0"] and d["y1"] > d["y0"] for d in drawn), "every label is drawn"
    for i, a in enumerate(drawn):
        for b in drawn[i + 1:]:
            apart = a["x1"] <= b["x0"] or b["x1"] <= a["x0"] or a["y1"] <= b["y0"] or b["y1"] <= a["y0"]
            assert apart, (a["id"], b["id"])
    shutil.copy(browser.screenshot(tmp_path / "shot.png"), ARTIFACTS / "real-network-svg-in-chromium.png")


def test_svg_is_the_same_every_time(svg: bytes, view: View) -> None:
    assert get_exporter("svg").render(view) == svg


def test_pdf_has_the_sources_after_page_1_and_is_the_same_every_time(view: View, tmp_path: Path) -> None:
    first = get_exporter("pdf").render(view)
    assert first == get_exporter("pdf").render(view)
    (ARTIFACTS / "real-network.pdf").write_bytes(first)
    count = len(re.findall(rb"/Type\s*/Page[^s]", first))
    assert 2 <= count <= 3, "drawing on page 1, the source list on the pages after it"
    assert b"/FontFile2" in first, "the PDF embeds its (TrueType) fonts"
    assert b"/CreationDate" not in first
    # and a reader's viewer shows two A4 pages with text on them, fonts embedded (poppler)
    pages = pdf_to_pngs(first, tmp_path, "network")
    assert len(pages) == count
    for page in pages:
        w, h = png_size(page)
        assert abs(max(w, h) / min(w, h) - A4_HEIGHT / A4_WIDTH) < 0.01, "A4"
        shutil.copy(page, ARTIFACTS / f"real-network-pdftoppm-{page.stem.rsplit('-', 1)[-1]}.png")
    assert all(row.split()[-5] == "yes" for row in fonts_embedded(tmp_path / "network.pdf"))


def test_png_and_svg_files_come_with_their_source_list(view: View, tmp_path: Path) -> None:
    written = get_exporter("svg").export(view, tmp_path / "network.svg")
    listing = tmp_path / "network-sources.txt"
    assert written == [tmp_path / "network.svg", listing]
    text = listing.read_text(encoding="utf-8")
    assert text == sources_text(view)
    entries = [line for line in text.splitlines() if line.startswith("[")]
    assert len(entries) == len(citations(view)) >= 20  # one line each, ready to paste into a report
    assert "[2 copies]" in text and "https://" in text
    # and the picture names that file
    assert b"listed in network-sources.txt" in (tmp_path / "network.svg").read_bytes()


def test_two_processes_draw_the_same_svg(svg: bytes) -> None:
    """Python salts string hashes per process, so set order differs between runs; the layout
    must not depend on it (a networkx subgraph view iterates a set: that broke this once)."""
    script = ("import sys; sys.path.insert(0, 'tests'); from export_support import real_network; "
              "from coopgraph.export import get_exporter, make_view; "
              "from coopgraph.export.picture import PictureExporter; from coopgraph.export.network import ViewOptions; "
              "v = make_view(real_network(), ViewOptions(types=PictureExporter.default_types)); "
              "sys.stdout.buffer.write(get_exporter('svg').render(v))")
    root = Path(__file__).resolve().parents[1]
    seed = "1" if os.environ.get("PYTHONHASHSEED") != "1" else "2"  # not this process's hashing
    run = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, timeout=120,
                         env={**os.environ, "PYTHONHASHSEED": seed}, check=True)
    assert run.stdout == svg

