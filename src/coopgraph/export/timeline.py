"""A timeline picture of meetings, agreements, commitments and other dated things.

Drawn as an agenda running down the page (date, marker, label, who was involved), not along
a horizontal axis: cooperation news clusters on a few days (one reception yields eight
commitments), and a horizontal axis would stack those labels on top of each other. Down the
page every item has its own line, at any number of items, and the picture stays readable at
A4 width.
"""

from __future__ import annotations

import io
import textwrap
from typing import Any, ClassVar

from coopgraph import __version__
from coopgraph.export.base import EmptyView, Exporter, View
from coopgraph.export.fonts import FontMissing, configure_matplotlib, missing_glyphs
from coopgraph.export.picture import A4_WIDTH, DPI, MARGIN
from coopgraph.export.style import TEXT_COLOR, style
from coopgraph.namespaces import CG
from coopgraph.export.network import KIND_LABELS, KINDS, curie

TIMELINE_KINDS = ("meeting", "change", "agreement", "commitment", "instrument")
# who is named under an item, by relation
_WHO = {curie(CG.host), curie(CG.visitor), curie(CG.participant), curie(CG.party), curie(CG.committedBy)}
_TITLES = {"en": "Timeline", "vi": "Dòng thời gian", "zh": "时间线"}
_UNDATED = {"en": "{n} undated item(s) not shown", "vi": "{n} mục không có ngày không hiển thị",
            "zh": "{n} 个无日期条目未显示"}
ROW = 0.17  # inches per text line
LABEL_PT = 8.0


def items(view: View) -> tuple[list[dict[str, Any]], int]:
    """Dated items in date order, each with who was involved; and how many had no date."""
    g = view.graph
    out, undated = [], 0
    for n, d in g.nodes(data=True):
        if d["type"] not in TIMELINE_KINDS:
            continue
        if not d.get("date"):
            undated += d["type"] != "instrument"  # laws and strategies are rarely dated; not news
            continue
        who = sorted({g.nodes[v]["short_label"] for _, v, k in g.out_edges(n, keys=True)
                      if str(k).split("|")[0] in _WHO}) if g.is_directed() else []
        out.append({"id": n, "date": d["date"], "kind": d["type"], "label": d["label"], "who": who})
    out.sort(key=lambda i: (i["date"], TIMELINE_KINDS.index(i["kind"]), i["label"]))
    return out, undated


class TimelineExporter(Exporter):
    """Shared drawing; subclasses choose SVG or PNG."""

    binary = True
    matplotlib_format: ClassVar[str] = "png"

    def render(self, view: View) -> bytes:
        import matplotlib.pyplot as plt

        fig = self.figure(view)
        buf = io.BytesIO()
        metadata: dict[str, Any] = {"svg": {"Date": None}, "png": {"Software": None}}.get(self.matplotlib_format, {})
        fig.savefig(buf, format=self.matplotlib_format, dpi=DPI, metadata=metadata)
        plt.close(fig)
        return buf.getvalue()

    def figure(self, view: View) -> Any:
        """The matplotlib figure (tests measure its title, subtitle and legend boxes)."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.lines import Line2D

        rows, undated = items(view)
        if not rows:
            raise EmptyView("the view has no dated meetings, agreements or commitments: no timeline written")
        lang = view.lang
        title = f"{_TITLES.get(lang, _TITLES['en'])} — {view.title}"
        lines: list[tuple[str, Any]] = []  # (what, payload) in page order
        year = None
        for item in rows:
            if item["date"][:4] != year:
                year = item["date"][:4]
                lines.append(("year", year))
            text = textwrap.wrap(item["label"], 88) or [item["label"]]
            lines.append(("item", (item, text)))
        texts = [title, view.subtitle()] + [t for kind, p in lines if kind == "item" for t in p[1] + p[0]["who"]]
        family = configure_matplotlib()
        missing = missing_glyphs(texts)
        if missing:
            raise FontMissing(f"the font {family} cannot draw {''.join(sorted(missing))!r}")

        def height_of(kind: str, payload: Any) -> float:
            if kind == "year":
                return 0.34
            item, text = payload
            return ROW * (len(text) + (1 if item["who"] else 0)) + 0.06

        body = sum(height_of(k, p) for k, p in lines)
        head, foot = 1.25, 0.45
        fig_h = head + body + foot
        fig = plt.figure(figsize=(A4_WIDTH, fig_h), dpi=DPI)

        def fy(y_in: float) -> float:  # inches from the top → figure fraction
            return 1 - y_in / fig_h

        left = MARGIN / A4_WIDTH
        date_x, spine_x, text_x = left, (MARGIN + 0.95) / A4_WIDTH, (MARGIN + 1.15) / A4_WIDTH
        fig.text(left, fy(0.3), title, fontsize=13, fontweight="bold", va="top", color=TEXT_COLOR, gid="title")
        fig.text(left, fy(0.62), view.subtitle(), fontsize=8.5, va="top", color="#444444", gid="subtitle")
        kinds = [k for k in KINDS if k in {r["kind"] for r in rows}]
        handles = [Line2D([], [], linestyle="", marker=style(k).marker, markersize=7, markerfacecolor=style(k).color,
                          markeredgecolor="#333333", label=KIND_LABELS[k].get(lang) or KIND_LABELS[k]["en"])
                   for k in kinds]
        # the legend has a line of its own under the subtitle: beside it, a long subtitle ran into it
        legend = fig.legend(handles=handles, loc="upper left", ncol=len(handles), frameon=False, fontsize=7.5,
                            bbox_to_anchor=(left, fy(0.82)), handletextpad=0.2, columnspacing=1.0,
                            borderaxespad=0.0, borderpad=0.0)
        legend.set_gid("legend")
        y = head
        fig.add_artist(Line2D([spine_x, spine_x], [fy(head), fy(head + body)], color="#bbbbbb", lw=1.0))
        last_date = None
        for kind, payload in lines:
            h = height_of(kind, payload)
            if kind == "year":
                fig.text(date_x, fy(y + 0.08), payload, fontsize=11, fontweight="bold", va="top", color=TEXT_COLOR)
            else:
                item, text = payload
                if item["date"] != last_date:
                    fig.text(date_x, fy(y), item["date"], fontsize=LABEL_PT, va="top", color=TEXT_COLOR)
                    last_date = item["date"]
                s = style(item["kind"])
                fig.add_artist(Line2D([spine_x], [fy(y + ROW / 2)], marker=s.marker, markersize=7,
                                      markerfacecolor=s.color, markeredgecolor="#333333", linestyle=""))
                fig.text(text_x, fy(y), "\n".join(text), fontsize=LABEL_PT, va="top", linespacing=1.25,
                         color=TEXT_COLOR, gid=f"item:{item['id']}")
                if item["who"]:
                    fig.text(text_x, fy(y + ROW * len(text)), ", ".join(item["who"]), fontsize=LABEL_PT - 1,
                             va="top", color="#555555")
            y += h
        note = f"coopgraph {__version__}"
        if undated:
            note = _UNDATED.get(lang, _UNDATED["en"]).format(n=undated) + " · " + note
        fig.text(left, fy(fig_h - 0.2), note, fontsize=6.5, va="bottom", color="#444444")
        return fig


class TimelineSVGExporter(TimelineExporter):
    name = "timeline-svg"
    suffix = ".svg"
    media_type = "image/svg+xml"
    summary = "timeline of dated items, SVG"
    binary = False
    matplotlib_format = "svg"


class TimelinePNGExporter(TimelineExporter):
    name = "timeline-png"
    suffix = ".png"
    media_type = "image/png"
    summary = "timeline of dated items, PNG"
    matplotlib_format = "png"
