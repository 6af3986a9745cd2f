"""Pictures of the seed graph: every glyph drawn, no overlapping labels, valid files.

The pictures are also copied to tests/artifacts/ so a person can look at them (the review step
the issue asks for: "readable at A4 width").
"""

from __future__ import annotations

import copy
import logging
import shutil
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from export_support import ARTIFACTS, seed_network

from coopgraph.export import EmptyView, get_exporter, make_view
from coopgraph.export import fonts as fonts_module
from coopgraph.export.picture import A4_HEIGHT, A4_WIDTH, PictureExporter, citations
from coopgraph.export.timeline import items
from coopgraph.export.network import Network, Period, ViewOptions

ORG = "https://w3id.org/coopgraph/id/org/"
PERSON = "https://w3id.org/coopgraph/id/person/"
PICTURE_TYPES = PictureExporter.default_types


def chinese_network() -> Network:
    """The seed network with Chinese names added (the seed article has none of its own)."""
    net = copy.copy(seed_network())
    net.graph = copy.deepcopy(seed_network().graph)
    net.coopgraph = None
    names = {ORG + "samr": "国家市场监督管理总局", PERSON + "bo-thuan": "蒲淳", ORG + "sac": "国家标准化管理委员会"}
    for node, name in names.items():
        net.graph.nodes[node]["_labels"] = {**net.graph.nodes[node]["_labels"], "zh": name}
        net.graph.nodes[node]["_abbreviations"] = {}
    return net


def render_checked(fmt: str, net: Network, options: ViewOptions, caplog: pytest.LogCaptureFixture) -> bytes:
    """Render, failing on any "Glyph ... missing from font" warning or log record."""
    view = make_view(net, options)
    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.WARNING):
        warnings.simplefilter("always")
        data = get_exporter(fmt).render(view)
    messages = [str(w.message) for w in caught] + [r.getMessage() for r in caplog.records]
    glyphs = [m for m in messages if "Glyph" in m or "missing from" in m]
    assert not glyphs, glyphs
    return data


def keep(name: str, data: bytes, tmp_path: Path) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (tmp_path / name).write_bytes(data)
    shutil.copy(tmp_path / name, ARTIFACTS / name)
    return tmp_path / name


@pytest.mark.parametrize("lang", ["en", "vi", "zh"])
def test_png_draws_every_glyph(lang: str, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    net = chinese_network() if lang == "zh" else seed_network()
    data = render_checked("png", net, ViewOptions(lang=lang, types=PICTURE_TYPES), caplog)
    assert data.startswith(b"\x89PNG")
    keep(f"seed-network-{lang}.png", data, tmp_path)
    view = make_view(net, ViewOptions(lang=lang, types=PICTURE_TYPES))
    texts = PictureExporter().texts(view)
    assert fonts_module.missing_glyphs(texts) == set()
    if lang == "zh":
        assert any("国家市场监督管理总局" in t for t in texts) and any("蒲淳" in t for t in texts)
    if lang == "vi":
        assert any("Thứ trưởng Lê Xuân Định" in t for t in texts)


def test_font_covers_vietnamese_and_chinese() -> None:
    sample = ["Tổng cục Tiêu chuẩn Đo lường Chất lượng", "Bò Thuần", "Lê Xuân Định", "ữ ỹ ặ ề ộ ợ",
              "国家市场监督管理总局", "蒲淳"]
    assert fonts_module.missing_glyphs(sample) == set()


def test_missing_font_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fonts_module, "FALLBACK_FAMILIES", ("No Such Font",))
    fonts_module.find_font.cache_clear()
    try:
        with pytest.raises(fonts_module.FontMissing, match="fonts-noto-cjk"):
            fonts_module.find_font()
    finally:
        fonts_module.find_font.cache_clear()


@pytest.mark.parametrize("options", [
    ViewOptions(lang="en", types=PICTURE_TYPES),
    ViewOptions(lang="vi", types=PICTURE_TYPES),
    ViewOptions(actors=True),
    ViewOptions(focus="SAMR", depth=1, types=PICTURE_TYPES),
])
def test_labels_do_not_overlap(options: ViewOptions) -> None:
    import matplotlib.pyplot as plt

    view = make_view(seed_network(), options)
    exporter = PictureExporter()
    fig = exporter.figure(view)
    try:
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        labels = [t for t in fig.findobj() if getattr(t, "get_gid", lambda: None)() and
                  str(t.get_gid()).startswith("label:")]
        assert len(labels) == len(exporter.labelled) > 0
        if len(labels) < view.graph.number_of_nodes():  # the picture says how many it left unlabelled
            note = next(t.get_text() for t in fig.texts if t.get_gid() == "left-out")
            n = view.graph.number_of_nodes()
            assert f"labelled: {len(labels)} of {n} nodes" in note and f"{n - len(labels)} unlabelled" in note
        boxes = [t.get_window_extent(renderer) for t in labels]
        for i, a in enumerate(boxes):
            for j in range(i + 1, len(boxes)):
                assert not a.overlaps(boxes[j]), (labels[i].get_text(), labels[j].get_text())
        size = sorted(fig.get_size_inches())
        assert size == pytest.approx([A4_WIDTH, A4_HEIGHT])  # one A4 page at 100 %, labels stay at 7 pt
        fig_box = fig.bbox
        assert all(fig_box.x0 <= b.x0 and b.x1 <= fig_box.x1 for b in boxes), "a label runs off the page"
    finally:
        plt.close(fig)


def test_svg_is_valid_xml_and_pdf_is_a_pdf(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    svg = render_checked("svg", seed_network(), ViewOptions(lang="vi", types=PICTURE_TYPES), caplog)
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    texts = ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "SAMR" in texts, "labels are <text>, searchable and editable"
    assert b"Noto Sans CJK" in svg, "the SVG names its font"
    keep("seed-network-vi.svg", svg, tmp_path)
    pdf = render_checked("pdf", seed_network(), ViewOptions(lang="vi", types=PICTURE_TYPES), caplog)
    assert pdf.startswith(b"%PDF")
    keep("seed-network-vi.pdf", pdf, tmp_path)


def test_same_view_gives_the_same_svg() -> None:
    view = make_view(seed_network(), ViewOptions(actors=True))
    assert get_exporter("svg").render(view) == get_exporter("svg").render(view)
    assert get_exporter("pdf").render(view) == get_exporter("pdf").render(view)


def test_timeline(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    view = make_view(seed_network(), ViewOptions(lang="en"))
    rows, _ = items(view)
    assert [r["date"] for r in rows] == sorted(r["date"] for r in rows)
    assert rows[0]["kind"] == "agreement" and rows[0]["date"] == "2019"
    meeting = next(r for r in rows if r["kind"] == "meeting")
    assert meeting["who"] == ["MOST", "SAMR", "STAMEQ"] or "SAMR" in meeting["who"]
    assert sum(r["kind"] == "commitment" for r in rows) == 8
    png = render_checked("timeline-png", seed_network(), ViewOptions(lang="vi"), caplog)
    assert png.startswith(b"\x89PNG")
    keep("seed-timeline-vi.png", png, tmp_path)
    svg = render_checked("timeline-svg", seed_network(), ViewOptions(lang="en"), caplog)
    ET.fromstring(svg)


def test_timeline_without_dated_items_is_refused() -> None:
    view = make_view(seed_network(), ViewOptions(types=("agency",)))
    with pytest.raises(EmptyView, match="no dated"):
        get_exporter("timeline-png").render(view)


def test_empty_picture_is_refused(tmp_path: Path) -> None:
    with pytest.raises(EmptyView):
        make_view(seed_network(), ViewOptions(period=Period.parse("1990..1991")))
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_timeline_legend_is_clear_of_title_and_subtitle(lang: str) -> None:
    import matplotlib.pyplot as plt

    from coopgraph.export.timeline import TimelinePNGExporter

    fig = TimelinePNGExporter().figure(make_view(seed_network(), ViewOptions(lang=lang)))
    try:
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        parts = {str(a.get_gid()): a.get_window_extent(renderer) for a in fig.findobj()
                 if a.get_gid() in ("title", "subtitle", "legend")}
        assert set(parts) == {"title", "subtitle", "legend"}
        for a, b in (("title", "subtitle"), ("title", "legend"), ("subtitle", "legend")):
            assert not parts[a].overlaps(parts[b]), (a, b, parts[a], parts[b])
        assert parts["legend"].y1 < parts["subtitle"].y0, "the legend sits under the subtitle"
        first_item = min((t.get_window_extent(renderer) for t in fig.texts if str(t.get_gid()).startswith("item:")),
                         key=lambda bb: -bb.y1)
        assert parts["legend"].y0 > first_item.y1, "and above the first item"
    finally:
        plt.close(fig)


def test_identical_citations_share_one_entry() -> None:
    """Two copies of one article (same title, publisher, address) are one numbered entry."""
    from coopgraph.export.network import SourceInfo

    net = copy.copy(seed_network())
    net.graph = copy.deepcopy(seed_network().graph)
    net.sources = dict(seed_network().sources)
    url = "https://en.wikipedia.org/wiki/State_Administration_for_Market_Regulation"
    for year in ("2020", "2024"):
        iri = f"https://w3id.org/coopgraph/id/source/wikipedia-en-samr-{year}"
        net.sources[iri] = SourceInfo(iri, "State Administration for Market Regulation", "Wikipedia", "en", url)
        node = net.graph.nodes[ORG + "samr"]
        node["_sources"] = tuple(sorted({*node["_sources"], iri}))
    view = make_view(net, ViewOptions(types=PICTURE_TYPES))
    lines = PictureExporter().source_lines(view)
    whole = [" ".join(x.strip() for x in entry) for entry in citations(view)]
    entries = [e for e in whole if "State Administration for Market Regulation (Wikipedia" in e]
    assert len(entries) == 1 and entries[0].endswith("[2 copies]"), whole
    numbers = [int(line[1:line.index("]")]) for line in lines if line.startswith("[")]
    assert numbers == list(range(1, len(numbers) + 1)), "numbering stays consecutive"
