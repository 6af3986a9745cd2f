"""Static network pictures (SVG, PNG, PDF) for reports, readable when printed at A4 width.

The layout is a force-directed placement followed by an overlap-removal pass done in inches
on the page: each node and its label form one rectangle, and rectangles are pushed apart until
none overlap. Measuring labels in inches (with the real font) is what makes the guarantee hold
on paper, which a layout in abstract units cannot promise. The page grows taller rather than
letting labels collide.
"""

from __future__ import annotations

import io
import re
import textwrap
import unicodedata
from dataclasses import dataclass
from typing import Any, ClassVar

import networkx as nx
import numpy as np

from coopgraph import __version__
from coopgraph.export.base import Exporter, View
from coopgraph.export.fonts import FontMissing, configure_matplotlib, missing_glyphs
from coopgraph.export.placement import place
from coopgraph.export.style import EDGE_COLOR, TEXT_COLOR, style
from coopgraph.network import KIND_LABELS, KINDS

A4_WIDTH = 8.27  # inches: the picture is made to be printed at 100% on A4
A4_HEIGHT = 11.69
MARGIN = 0.45
LABEL_PT = 7.0
MARKER_IN = 0.16
PAD = 0.08  # inches between two node boxes
DPI = 200

_WORDS = {
    "en": ("Sources", "made with coopgraph"),
    "vi": ("Nguồn", "tạo bằng coopgraph"),
    "zh": ("来源", "由 coopgraph 生成"),
}
_LEFT_OUT = {
    "en": ("{n} source documents are cited below, not drawn as nodes",
           "labelled: the {k} most-linked of {n} nodes ({u} unlabelled: see the HTML page or the CSV)"),
    "vi": ("{n} tài liệu nguồn được liệt kê bên dưới, không vẽ thành nút",
           "có nhãn: {k} nút nhiều liên kết nhất trong {n} ({u} nút không nhãn: xem trang HTML hoặc CSV)"),
    "zh": ("{n} 份来源文件列于下方，未画成节点", "已标注连接最多的 {k} 个节点（共 {n} 个，{u} 个未标注：见 HTML 页面或 CSV）"),
}


@dataclass
class Placed:
    """A node on the page: marker centre and the label's size, in inches."""

    node: str
    text: str
    kind: str
    x: float
    y: float
    w: float  # label width
    h: float  # label height
    marker: float  # marker size (inches)

    def box(self) -> tuple[float, float, float, float]:
        """(x0, y0, x1, y1) of marker plus label below it."""
        width = max(self.w, self.marker)
        return (self.x - width / 2, self.y - self.marker / 2 - self.h, self.x + width / 2, self.y + self.marker / 2)


def node_text(data: dict[str, Any]) -> str:
    """What is written under a node: a short name, wrapped, with the date of dated things."""
    limit = 2 if data["type"] in ("commitment", "instrument") else 3
    parts = textwrap.wrap(data["short_label"], 24) or [data["short_label"]]
    if len(parts) > limit:
        parts = parts[:limit]
        parts[-1] = parts[-1].rstrip(" ,.;:") + "…"
    if data.get("date") and data["type"] not in ("agency", "person", "country"):
        parts.append(data["date"])
    return "\n".join(parts)


def wrap_wide(text: str, width: int, indent: str = "") -> list[str]:
    """Wrap counting Chinese characters as two columns (they are twice as wide as Latin)."""
    lines: list[str] = []
    line, used = "", 0
    for word in re.split(r"(?<=[\s/-])|(?=[\u3000-\u9fff])|(?<=[\u3000-\u9fff])", text):
        cost = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in word)
        if line and used + cost > width:
            lines.append(line.rstrip())
            line, used = indent, len(indent)
        line += word
        used += cost
    if line.strip():
        lines.append(line.rstrip())
    return lines


def overlaps(boxes: list[tuple[float, float, float, float]], pad: float = 0.0) -> list[tuple[int, int]]:
    """Pairs of boxes that overlap (closer than ``pad``)."""
    b = np.asarray(boxes, dtype=float)
    if len(b) < 2:
        return []
    x_ok = (b[:, None, 0] < b[None, :, 2] + pad) & (b[None, :, 0] < b[:, None, 2] + pad)
    y_ok = (b[:, None, 1] < b[None, :, 3] + pad) & (b[None, :, 1] < b[:, None, 3] + pad)
    hit = np.triu(x_ok & y_ok, k=1)
    return [(int(i), int(j)) for i, j in zip(*np.nonzero(hit), strict=True)]


def remove_overlaps(placed: list[Placed], width: float, height: float, iterations: int = 600) -> bool:
    """Push overlapping node boxes apart inside ``width`` × ``height``; True when none overlap.

    Each overlapping pair moves apart along the axis where the overlap is smaller (the
    cheapest separation), half each; positions are clamped to the page.
    """
    n = len(placed)
    if n < 2:
        return True
    boxes = np.array([p.box() for p in placed])
    centre = np.column_stack(((boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2))
    half = np.column_stack(((boxes[:, 2] - boxes[:, 0]) / 2, (boxes[:, 3] - boxes[:, 1]) / 2))
    offset = centre - np.array([[p.x, p.y] for p in placed])
    rng = np.random.default_rng(7)
    tie = rng.uniform(-1, 1, size=(n, n, 2))
    for _ in range(iterations):
        d = centre[:, None, :] - centre[None, :, :]
        need = half[:, None, :] + half[None, :, :] + PAD
        over = need - np.abs(d)
        hit = (over[..., 0] > 0) & (over[..., 1] > 0)
        np.fill_diagonal(hit, False)
        if not hit.any():
            break
        sign = np.where(d == 0, np.sign(tie), np.sign(d))
        along_x = over[..., 0] < over[..., 1] * 1.6  # prefer sideways moves: labels are wide
        push = np.zeros_like(d)
        push[..., 0] = np.where(hit & along_x, over[..., 0] * sign[..., 0], 0)
        push[..., 1] = np.where(hit & ~along_x, over[..., 1] * sign[..., 1], 0)
        centre += 0.5 * push.sum(axis=1) / np.maximum(1, hit.sum(axis=1))[:, None] + 0.02 * push.sum(axis=1)
        centre[:, 0] = np.clip(centre[:, 0], half[:, 0], width - half[:, 0])
        centre[:, 1] = np.clip(centre[:, 1], half[:, 1], height - half[:, 1])
    for p, (cx, cy), (ox, oy) in zip(placed, centre, offset, strict=True):
        p.x, p.y = float(cx - ox), float(cy - oy)
    return not overlaps([p.box() for p in placed], pad=-1e-6)


def _component_layout(g: nx.Graph, nodes: list[str]) -> dict[str, np.ndarray]:
    """Force-directed positions of one connected component in the unit square."""
    if len(nodes) == 1:
        return {nodes[0]: np.array([0.5, 0.5])}
    if len(nodes) == 2:
        return {nodes[0]: np.array([0.0, 0.5]), nodes[1]: np.array([1.0, 0.5])}
    sub = g.subgraph(nodes)
    pos = nx.spring_layout(sub, seed=42, k=1.6 / np.sqrt(len(nodes)), iterations=400)
    xy = np.array([pos[n] for n in nodes])
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    xy = (xy - lo) / np.where(hi - lo == 0, 1, hi - lo)
    return dict(zip(nodes, xy, strict=True))


def layout(view: View, measure: Any, width: float, labelled: set[str] | None = None) -> tuple[list[Placed], float]:
    """Placed nodes and the drawing height; deterministic (fixed seeds) for a given view.

    Each connected component gets its own force-directed layout in a box whose area is
    proportional to the space its labels need; boxes are packed in rows (largest first), so a
    stray component does not squeeze the main one into a corner.
    """
    g = view.graph
    simple = nx.Graph()
    simple.add_nodes_from(sorted(g.nodes))
    simple.add_edges_from((u, v) for u, v in g.edges() if u != v)
    placed: dict[str, Placed] = {}
    for n in sorted(g.nodes):
        d = g.nodes[n]
        text = node_text(d) if labelled is None or n in labelled else ""
        w, h = measure(text) if text else (0.0, 0.0)
        placed[n] = Placed(n, text, d["type"], 0.0, 0.0, w, h, MARKER_IN * style(d["type"]).size)

    def need(nodes: list[str]) -> float:
        return sum((max(placed[n].w, placed[n].marker) + PAD) * (placed[n].h + placed[n].marker + PAD) for n in nodes)

    components = sorted((sorted(c) for c in nx.connected_components(simple)), key=lambda c: (-len(c), c[0]))
    spread = 3.0
    for _attempt in range(14):
        x = y = row_h = 0.0
        for comp in components:
            area = need(comp) * spread
            box_w = width if comp is components[0] else min(width, max(np.sqrt(area) * 1.4,
                                                                         max(placed[n].w for n in comp) * 1.2))
            box_h = max(area / box_w, max(placed[n].h + placed[n].marker for n in comp) * 1.3)
            if x + box_w > width + 1e-9:
                x, y, row_h = 0.0, y + row_h, 0.0
            pos = _component_layout(simple, comp)
            for n, (px, py) in pos.items():
                p = placed[n]
                half_w = max(p.w, p.marker) / 2
                p.x = x + half_w + px * max(box_w - 2 * half_w, 0)
                p.y = -(y + p.marker / 2 + (1 - py) * max(box_h - p.h - p.marker, 0))
            x += box_w
            row_h = max(row_h, box_h)
        height = y + row_h
        for p in placed.values():
            p.y += height
        items = list(placed.values())
        if remove_overlaps(items, width, height):
            # trim the empty bands the packing left above and below the drawing
            low = min(p.box()[1] for p in items)
            high = max(p.box()[3] for p in items)
            for p in items:
                p.y -= low - 0.1
            return items, high - low + 0.2
        spread *= 1.15
    return list(placed.values()), height


def citations(view: View, width: int = 150) -> list[list[str]]:
    """Numbered, wrapped citations of the sources behind the view's nodes, duplicates merged."""
    used = sorted({s for _, d in view.graph.nodes(data=True) for s in d.get("_sources", ())})
    texts: dict[str, int] = {}
    for iri in used:
        info = view.network.sources.get(iri)
        if info is None:  # a curator assertion: no document, the curators vouch for it
            text = f"curators' assertion {iri.rstrip('/').rsplit('/', 1)[-1]}"
        else:
            extra = ", ".join(x for x in (info.publisher, info.date, info.url) if x)
            text = info.title + (f" ({extra})" if extra else "")
        texts[text] = texts.get(text, 0) + 1
    out = []
    for i, (text, copies) in enumerate(texts.items(), 1):
        more = f" [{copies} copies]" if copies > 1 else ""
        out.append(wrap_wide(f"[{i}] {text}{more}", width, "     "))
    return out


def importance(view: View) -> list[str]:
    """Nodes by how many links they have (then by name): the order in which they get labels."""
    g = view.graph
    return sorted(g.nodes, key=lambda n: (-g.degree(n), g.nodes[n]["short_label"], n))


class PictureExporter(Exporter):
    """The network drawing; the subclasses only choose the file type."""

    binary = True
    default_types: ClassVar[tuple[str, ...] | None] = tuple(k for k in KINDS if k != "source")
    matplotlib_format: ClassVar[str] = "png"

    def texts(self, view: View) -> list[str]:
        """Every text the picture will draw, for the glyph check."""
        return [view.title, view.subtitle(), *(node_text(d) for _, d in view.graph.nodes(data=True)),
                *(KIND_LABELS[k].get(view.lang, k) for k in view.kinds()), *self.source_lines(view)]

    def source_lines(self, view: View) -> list[str]:
        """The numbered source list under the picture, one entry per distinct citation.

        Two source documents can cite alike: the data holds a 2020 and a 2024 copy of the same
        Wikipedia article (same title, publisher and address). Listed apart they read as a
        mistake, so identical citations share one entry, which says how many copies it stands for.
        """
        entries = citations(view)
        if sum(map(len, entries)) > 8:  # two columns at 6 pt (see figure)
            entries = citations(view, 96 if self.landscape(view) else 70)
        return [line for entry in entries for line in entry]

    def landscape(self, view: View) -> bool:
        """A4 landscape when the main component's seeded layout is clearly wider than tall."""
        xy = place(view).xy
        xs, ys = [x for x, _ in xy.values()], [y for _, y in xy.values()]
        return (max(xs) - min(xs)) > 1.25 * (max(ys) - min(ys) or 1)

    def left_out(self, view: View, labelled: int | None) -> list[str]:
        """Lines saying what the picture leaves out (None: as many lines as there may be)."""
        words = _LEFT_OUT.get(view.lang, _LEFT_OUT["en"])
        lines = []
        if "source" not in view.kinds() and view.network.sources:
            lines.append(words[0].format(n=len(citations(view))))
        n = view.graph.number_of_nodes()
        if labelled is None or labelled < n:
            k = n if labelled is None else labelled
            lines.append(words[1].format(k=k, n=n, u=n - k))
        return lines

    def render(self, view: View) -> bytes:
        fig = self.figure(view)
        import matplotlib.pyplot as plt

        buf = io.BytesIO()
        # metadata pinned so the same view gives the same bytes (no creation date, no version)
        metadata: dict[str, Any] = {"svg": {"Date": None}, "pdf": {"CreationDate": None, "ModDate": None},
                                    "png": {"Software": None}}.get(self.matplotlib_format, {})
        fig.savefig(buf, format=self.matplotlib_format, dpi=DPI, metadata=metadata)
        plt.close(fig)
        return buf.getvalue()

    def figure(self, view: View) -> Any:
        """Build the matplotlib figure (also used by tests to inspect text positions)."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.lines import Line2D

        family = configure_matplotlib()
        missing = missing_glyphs(self.texts(view))
        if missing:
            raise FontMissing(f"the font {family} cannot draw {''.join(sorted(missing))!r}")
        sources = self.source_lines(view)
        landscape = self.landscape(view)
        fig_w, fig_h = (A4_HEIGHT, A4_WIDTH) if landscape else (A4_WIDTH, A4_HEIGHT)
        width = fig_w - 2 * MARGIN
        # sources in two columns at 6 pt when the list is long, so it leaves room for the drawing
        columns = 2 if len(sources) > 8 else 1
        per_column = -(-len(sources) // columns)
        head, legend_h, notes = 0.75, 0.35, 0.16 * len(self.left_out(view, None))
        foot = 0.3 + 0.125 * (per_column + 1)
        available = fig_h - head - legend_h - notes - foot - 2 * MARGIN * 0.6

        probe = plt.figure(figsize=(width, 4), dpi=DPI)
        renderer = probe.canvas.get_renderer()

        def measure(text: str) -> tuple[float, float]:
            t = probe.text(0, 0, text, fontsize=LABEL_PT, ha="center", va="top", linespacing=1.1)
            bb = t.get_window_extent(renderer)
            t.remove()
            return bb.width / DPI + 0.04, bb.height / DPI + 0.03

        # label the most-linked nodes, as many as fit on the page with no label over another
        ranked = importance(view)
        k = min(len(ranked), 30)  # more labels than this do not fit an A4 page at 7 pt
        while True:
            placed, height = layout(view, measure, width, set(ranked[:k]))
            if height <= available or k == 0:
                break
            k = int(k * 0.75)
        plt.close(probe)
        if height > available:  # too many nodes even unlabelled: shrink the drawing onto the page
            for p in placed:
                p.y *= available / height
            height = available
        self.labelled = sorted(ranked[:k])
        notes_text = self.left_out(view, k)

        fig = plt.figure(figsize=(fig_w, fig_h), dpi=DPI)
        top = 1 - MARGIN * 0.6 / fig_h
        drawing_top = (head + legend_h + notes) / fig_h
        ax = fig.add_axes((MARGIN / fig_w, top - drawing_top - height / fig_h, width / fig_w, height / fig_h))
        ax.set_xlim(0, width)
        ax.set_ylim(0, height)
        ax.set_axis_off()

        where = {p.node: p for p in placed}
        g = view.graph
        drawn: set[tuple[str, str]] = set()
        directed = g.is_directed()
        for u, v, d in g.edges(data=True):
            pair = (u, v) if directed else tuple(sorted((u, v)))
            if pair in drawn or u == v:
                continue
            drawn.add(pair)  # type: ignore[arg-type]
            a, b = where[u], where[v]
            lw = 0.6 + 0.6 * (d.get("weight", 1) - 1)
            ax.annotate(
                "", xy=(b.x, b.y), xytext=(a.x, a.y), zorder=1,
                arrowprops={"arrowstyle": "-|>" if directed else "-", "color": EDGE_COLOR, "lw": lw,
                            "shrinkA": a.marker * 36 + 1, "shrinkB": b.marker * 36 + 1,
                            "mutation_scale": 6, "alpha": 0.55},
            )
            if not directed and d.get("weight", 1) > 1:
                ax.text((a.x + b.x) / 2, (a.y + b.y) / 2, f"×{d['weight']}", fontsize=LABEL_PT - 1,
                        ha="center", va="center", color=TEXT_COLOR, zorder=2,
                        bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.8})
        for p in placed:
            s = style(p.kind)
            ax.scatter([p.x], [p.y], s=(p.marker * 72) ** 2, marker=s.marker, c=s.color, edgecolors="#333333",
                       linewidths=0.6, zorder=3)
            if not p.text:
                continue
            ax.text(p.x, p.y - p.marker / 2 - 0.015, p.text, fontsize=LABEL_PT, ha="center", va="top",
                    linespacing=1.1, color=TEXT_COLOR, zorder=4, gid=f"label:{p.node}",
                    bbox={"boxstyle": "square,pad=0.05", "fc": "white", "ec": "none", "alpha": 0.85})

        fig.text(MARGIN / fig_w, top, view.title, fontsize=14, fontweight="bold", va="top", color=TEXT_COLOR,
                 gid="title")
        fig.text(MARGIN / fig_w, top - 0.32 / fig_h, view.subtitle(), fontsize=9, va="top", color="#444444",
                 gid="subtitle")
        handles = [
            Line2D([], [], linestyle="", marker=style(k).marker, markersize=8, markerfacecolor=style(k).color,
                   markeredgecolor="#333333", label=KIND_LABELS[k].get(view.lang) or KIND_LABELS[k]["en"])
            for k in view.kinds()
        ]
        legend = fig.legend(handles=handles, loc="upper left", ncol=len(handles), frameon=False, fontsize=8,
                            bbox_to_anchor=(MARGIN / fig_w - 0.01, top - (head - 0.05) / fig_h), handletextpad=0.2,
                            columnspacing=1.2)
        legend.set_gid("legend")
        if notes_text:  # what the picture leaves out, said on the picture
            fig.text(MARGIN / fig_w, top - (head + legend_h) / fig_h, "\n".join(notes_text), fontsize=7,
                     va="top", color="#444444", linespacing=1.35, gid="left-out")
        words = _WORDS.get(view.lang, _WORDS["en"])
        bottom = MARGIN * 0.6 / fig_h
        if sources:
            fig.text(MARGIN / fig_w, bottom + (foot - 0.15) / fig_h, f"{words[0]}:", fontsize=6, va="top",
                     color="#444444", gid="sources-head")
            for c in range(columns):
                chunk = sources[c * per_column:(c + 1) * per_column]
                fig.text((MARGIN + c * width / columns) / fig_w, bottom + (foot - 0.15 - 0.125) / fig_h,
                         "\n".join(chunk), fontsize=6 if columns > 1 else 6.5, va="top", color="#444444",
                         linespacing=1.3, gid=f"sources-{c}")
        fig.text(MARGIN / fig_w, bottom, f"{words[1]} {__version__}", fontsize=6, va="bottom", color="#444444")
        return fig


class SVGExporter(PictureExporter):
    name = "svg"
    suffix = ".svg"
    media_type = "image/svg+xml"
    summary = "network picture, SVG"
    binary = False
    matplotlib_format = "svg"


class PNGExporter(PictureExporter):
    name = "png"
    suffix = ".png"
    media_type = "image/png"
    summary = "network picture, PNG (200 dpi)"
    matplotlib_format = "png"


class PDFExporter(PictureExporter):
    name = "pdf"
    suffix = ".pdf"
    media_type = "application/pdf"
    summary = "network picture, PDF"
    matplotlib_format = "pdf"
