"""The cooperation map: who a country cooperates with, country by country, on one A4 page.

A policy officer is asked "show me everyone we cooperate with, on a map". The answer is the
named query ``country-links`` (one row per country pair and agreement, meeting or commitment,
from the countries the data states: ``cg:agreementCountry``, ``cg:meetingCountry``,
``cg:meetingSideCountry``), drawn on Natural Earth's boundaries (:mod:`coopgraph.export.geo`):
each country coloured by how many items link it with the chosen country (or, with none chosen,
with anyone), a link between the two countries' centroids as thick as its count, and under the
map the count of each kind per partner. A country the boundaries file does not name is not
placed; the map lists it with its counts, so nothing is dropped without a word. The sources of
every item counted are listed (page 2 of the PDF, ``NAME-sources.txt`` beside a PNG or SVG, the
foot of the HTML page), numbered like the network picture's.
"""

from __future__ import annotations

import html
import io
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from rdflib import URIRef

from coopgraph import __version__
from coopgraph.errors import UsageError
from coopgraph.export import MAP_FORMATS
from coopgraph.export import geo
from coopgraph.export.base import check_writable, write_file
from coopgraph.export.fonts import FontMissing, configure_matplotlib, missing_glyphs
from coopgraph.export.picture import A4_HEIGHT, A4_WIDTH, DPI, MARGIN, Placed, cite, remove_overlaps
from coopgraph.export.style import TEXT_COLOR
from coopgraph.links import web_href
from coopgraph.namespaces import CG, RDF
from coopgraph.resources import words as load_words

KINDS = ("agreement", "meeting", "commitment")
FORMATS = MAP_FORMATS
# ColorBrewer "Blues" (sequential, print- and colour-blind-safe), one step per count class
BLUES = ("#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b")
BREAKS = (1, 2, 5, 10, 20, 50, 100)  # class k holds counts in [BREAKS[k], BREAKS[k+1])
FOCUS_COLOR = "#E69F00"  # Okabe–Ito orange, as agencies in the network picture
LINK_COLOR = "#D55E00"
LAND = "#f2f2f2"
SEA = "#ffffff"
LABEL_PT = 8.0
LINES_PER_COLUMN = 5  # link lines per column under the map (three columns)

WORDS: dict[str, dict[str, Any]] = load_words("map")  # titles, legends and notes by language: words/map.json


def words(lang: str) -> dict[str, Any]:
    return WORDS.get(lang, WORDS["en"])


@dataclass
class Item:
    """An agreement, meeting or commitment that links two countries."""

    iri: str
    kind: str
    label: str
    date: str
    sources: tuple[str, ...] = ()


@dataclass
class Country:
    """A country of the graph, what links it, and where (if anywhere) the map draws it."""

    iri: str
    label: str
    english: str
    shape: geo.Shape | None
    items: dict[str, set[str]] = field(default_factory=lambda: {k: set() for k in KINDS})

    @property
    def total(self) -> int:
        return sum(len(v) for v in self.items.values())


@dataclass
class CooperationMap:
    """Everything the map shows, from one run of ``country-links``: ready to draw or to test."""

    focus: str | None  # the chosen country's IRI
    period: str  # "2019..2023", or "" for all dates
    lang: str
    data_date: str
    countries: dict[str, Country]  # every country in a link, the chosen one included
    links: dict[tuple[str, str], dict[str, set[str]]]  # (iri, iri) sorted -> kind -> items
    items: dict[str, Item]
    source_info: dict[str, Any]
    focus_label: str = ""

    @property
    def partners(self) -> list[Country]:
        """Countries coloured on the map (all but the chosen one), most items first."""
        return sorted((c for c in self.countries.values() if c.iri != self.focus),
                      key=lambda c: (-c.total, c.label, c.iri))

    @property
    def unplaced(self) -> list[Country]:
        """Countries the boundaries file has no country for: listed under the map, not drawn."""
        return [c for c in sorted(self.countries.values(), key=lambda c: c.label) if c.shape is None]

    def title(self) -> str:
        w = words(self.lang)
        if self.focus:
            return w["title"].format(country=self.focus_label)
        return w["all"]

    def subtitle(self) -> str:
        w = words(self.lang)
        parts = [w["data"].format(date=self.data_date) if self.data_date else "",
                 w["period"].format(period=self.period) if self.period else w["all_time"],
                 w["items"].format(n=len(self.items)),
                 w.get("country_one", w["countries"]) if len(self.countries) == 1 else
                 w["countries"].format(n=len(self.countries))]
        return " · ".join(p for p in parts if p)

    def sources(self) -> list[str]:
        """Source IRIs behind the items counted, in citation order (by IRI, as pictures cite)."""
        return sorted({s for item in self.items.values() for s in item.sources})

    def citations(self, width: int = 150) -> list[list[str]]:
        return cite(self.source_info, self.sources(), width)

    def counts_text(self, items: dict[str, set[str]]) -> str:
        """"3 agreements · 4 meetings · 14 commitments" in the map's language (kinds with none left out)."""
        w = words(self.lang)
        parts = []
        for kind in KINDS:
            n = len(items.get(kind, ()))
            if n:
                one, many = w["kinds"][kind]
                sep = "" if self.lang == "zh" else " "
                parts.append(f"{n}{sep}{one if n == 1 else many}")
        return " · ".join(parts)

    def link_lines(self) -> list[str]:
        """One line per link under the map: "Vietnam – China: 3 agreements · 4 meetings · …"."""
        out = []
        ordered = sorted(self.links.items(), key=lambda kv: (-sum(len(v) for v in kv[1].values()),
                                                              self._pair_label(kv[0])))
        for pair, items in ordered:
            out.append(f"{self._pair_label(pair)}: {self.counts_text(items)}")
        return out

    def _pair_label(self, pair: tuple[str, str]) -> str:
        a, b = pair
        if self.focus == b:
            a, b = b, a
        return f"{self.countries[a].label} – {self.countries[b].label}"

    def sources_text(self) -> str:
        """The plain-text source list written beside a PNG or SVG."""
        head = f"{words(self.lang)['sources_html']}: {self.title()}"
        if self.data_date:
            head += f" ({self.data_date})"
        entries = [" ".join(line.strip() for line in entry) for entry in self.citations(10**6)]
        return "\n".join([head, "", *entries]) + "\n"


def _period_bounds(period: str | None) -> tuple[str | None, str | None]:
    """("2019", "2023") from "2019..2023", checked the way every --period is (bad → exit 2)."""
    if not period:
        return None, None
    from coopgraph.export.network import Period

    Period.parse(period)
    lo, sep, hi = period.strip().partition("..")
    if not sep:
        hi = lo
    return lo.strip() or None, hi.strip() or None


def cooperation_map(cg: Any, country: str | None = None, period: str | None = None, lang: str = "en",
                    network: Any = None) -> CooperationMap:
    """The map's content: the ``country-links`` rows for ``country`` (a name or IRI) in ``period``.

    ``network`` (a :class:`coopgraph.export.network.Network` of ``cg``) gives each item's sources and
    the data date; it is built when not given. An unknown name is a UsageError with the closest
    names (exit 2), and so is a name that is not a country.
    """
    from coopgraph.export.network import Network

    lo, hi = _period_bounds(period)
    focus = None
    if country:
        iri = cg.resolve(country)
        if (iri, RDF.type, CG.Country) not in cg.graph:
            raise UsageError(f"{country!r} is {cg.label(iri)} <{iri}>, not a country: give a country, "
                             "e.g. Vietnam (coopgraph query country-links lists them)")
        focus = str(iri)
    params = {k: v for k, v in (("country", focus), ("from", lo), ("to", hi)) if v}
    rows = cg.query("country-links", languages=lang, **params)
    english = cg.query("country-links", languages="en", **params)  # Natural Earth names are English
    network = network or Network.from_coopgraph(cg)
    countries: dict[str, Country] = {}
    english_names: dict[str, str] = {}
    for r in english:
        english_names[str(r.countryA)] = str(r.countryALabel)
        english_names[str(r.countryB)] = str(r.countryBLabel)
    links: dict[tuple[str, str], dict[str, set[str]]] = {}
    items: dict[str, Item] = {}
    for r in rows:
        a, b, item, kind = str(r.countryA), str(r.countryB), str(r.item), str(r.kind)
        for iri, label in ((a, r.countryALabel), (b, r.countryBLabel)):
            if iri not in countries:
                name = english_names.get(iri, str(label))
                countries[iri] = Country(iri, str(label), name, geo.place([name]))
        node = network.graph.nodes.get(item, {})
        items[item] = Item(item, kind, str(r.itemLabel), "" if r.date is None else str(r.date),
                           tuple(node.get("_sources", ())))
        links.setdefault((a, b), {k: set() for k in KINDS})[kind].add(item)
        if focus is None or focus in (a, b):
            for iri in (a, b):
                countries[iri].items[kind].add(item)
    if focus and focus not in countries:
        # the chosen country links with nobody (in this period): drawn alone, still placed by name
        name = cg.label(URIRef(focus), "en")
        countries[focus] = Country(focus, cg.label(URIRef(focus), lang), name, geo.place([name]))
    return CooperationMap(focus, (period or "").strip(), lang, network.data_date, countries, links, items,
                          network.sources, focus_label=countries[focus].label if focus else "")


def count_class(n: int) -> int:
    """Index into BLUES of a count (1 → 0, 2–4 → 1, 5–9 → 2, …)."""
    return max(i for i, b in enumerate(BREAKS) if n >= b)


def class_label(k: int) -> str:
    lo = BREAKS[k]
    hi = BREAKS[k + 1] - 1 if k + 1 < len(BREAKS) else None
    if hi is None:
        return f"{lo}+"
    return str(lo) if lo == hi else f"{lo}–{hi}"


# -- drawing ---------------------------------------------------------------------------------


@dataclass
class Frame:
    """The map's window on the world: degrees to inches of the drawing area."""

    lon0: float
    lat0: float
    scale: float  # inches per degree of latitude
    kx: float  # cos(mid-latitude): degrees of longitude are shorter
    width: float
    height: float

    def xy(self, lon: Any, lat: Any) -> tuple[Any, Any]:
        return (np.asarray(lon) - self.lon0) * self.kx * self.scale, (np.asarray(lat) - self.lat0) * self.scale

    def window(self) -> tuple[float, float, float, float]:
        return (self.lon0, self.lat0, self.lon0 + self.width / (self.kx * self.scale),
                self.lat0 + self.height / self.scale)


def frame(placed: list[geo.Shape], width: float, height: float) -> Frame:
    """A window around the main polygons of the placed countries, padded, fitted to the area."""
    if placed:
        boxes = np.array([[r[:, 0].min(), r[:, 1].min(), r[:, 0].max(), r[:, 1].max()]
                          for r in (s.main_polygon()[0] for s in placed)])
        lon0, lat0 = boxes[:, 0].min(), boxes[:, 1].min()
        lon1, lat1 = boxes[:, 2].max(), boxes[:, 3].max()
    else:
        lon0, lat0, lon1, lat1 = -170.0, -58.0, 180.0, 84.0
    pad = max(4.0, 0.12 * max(lon1 - lon0, lat1 - lat0))
    lon0, lon1 = max(-180.0, lon0 - pad), min(180.0, lon1 + pad)
    lat0, lat1 = max(-80.0, lat0 - pad), min(84.0, lat1 + pad)
    kx = float(np.cos(np.radians((lat0 + lat1) / 2)))
    span_x, span_y = (lon1 - lon0) * kx, lat1 - lat0
    scale = min(width / span_x, height / span_y)
    # widen the short side instead of stretching, keeping the window on the world where it can
    lon_span, lat_span = width / scale / kx, height / scale
    left = (lon0 + lon1 - lon_span) / 2
    left = min(max(left, -180.0), 180.0 - lon_span) if lon_span <= 360 else (lon0 + lon1 - lon_span) / 2
    bottom = (lat0 + lat1 - lat_span) / 2
    bottom = min(max(bottom, -85.0), 85.0 - lat_span) if lat_span <= 170 else (lat0 + lat1 - lat_span) / 2
    return Frame(float(left), float(bottom), float(scale), kx, width, height)


def _intersects(bounds: tuple[float, float, float, float], window: tuple[float, float, float, float]) -> bool:
    return not (bounds[2] < window[0] or bounds[0] > window[2] or bounds[3] < window[1] or bounds[1] > window[3])


def draw_countries(ax: Any, fr: Frame, fill: dict[str, str]) -> None:
    """Every Natural Earth country in the frame's window, coloured by ``fill`` (name → colour)."""
    from matplotlib.patches import Polygon

    window = fr.window()
    for shape in geo.countries():
        if not _intersects(shape.bounds(), window):
            continue
        for poly in shape.polygons:
            for k, ring in enumerate(poly):
                x, y = fr.xy(ring[:, 0], ring[:, 1])
                if max(np.ptp(x), np.ptp(y)) < 0.03:  # a speck at this scale: not drawn
                    continue
                xy = geo.thin(np.column_stack((x, y)), 0.015)
                colour = fill.get(shape.name, LAND) if k == 0 else SEA
                ax.add_patch(Polygon(xy, closed=True, fc=colour, ec="#8a8a8a", lw=0.3,
                                     zorder=1 if shape.name not in fill else 1.5))


INSET_SMALL = 1.0  # inches: a chosen country drawn smaller than this gets a close-up inset


class MapFigure:
    """Draws a :class:`CooperationMap` with matplotlib: page 1 the map, page 2 the sources (PDF)."""

    def __init__(self, cmap: CooperationMap) -> None:
        self.cmap = cmap
        self.placed: list[Placed] = []

    def texts(self) -> list[str]:
        m = self.cmap
        return [m.title(), m.subtitle(), *(c.label for c in m.countries.values()), *m.link_lines(),
                *(line for entry in m.citations() for line in entry), *words(m.lang)["kinds"]["meeting"]]

    def figure(self, sources_note: str) -> Any:
        """Page 1; text elements carry gids (``country:IRI``, ``count:A|B``) for the tests."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.patches import Patch, PathPatch
        from matplotlib.path import Path as MplPath

        family = configure_matplotlib()
        missing = missing_glyphs(self.texts())
        if missing:
            raise FontMissing(f"the font {family} cannot draw {''.join(sorted(missing))!r}")
        m, w = self.cmap, words(self.cmap.lang)
        fig_w, fig_h = A4_HEIGHT, A4_WIDTH
        width = fig_w - 2 * MARGIN
        shown = [c for c in m.countries.values() if c.shape is not None]
        lines = m.link_lines() or [w["none"].format(country=m.focus_label,
                                                    period=w["in_period"].format(period=m.period) if m.period else "")]
        columns = [lines[i:i + LINES_PER_COLUMN] for i in range(0, min(len(lines), 3 * LINES_PER_COLUMN),
                                                                 LINES_PER_COLUMN)]
        if len(lines) > 3 * LINES_PER_COLUMN:
            columns[-1][-1] = f"… (+{len(lines) - 3 * LINES_PER_COLUMN + 1})"
        notes = []
        if m.unplaced:
            notes += textwrap.wrap(w["unplaced"].format(list="; ".join(
                f"{c.label} ({m.counts_text(c.items) or c.total})" for c in m.unplaced)), 200)
        if sources_note:
            notes.append(sources_note)
        notes.append(f"{geo.ATTRIBUTION} · {w['made']} {__version__}")
        rows = max((len(c) for c in columns), default=1)
        foot = 0.15 + 0.55 + 0.18 + 0.15 * rows + 0.1 + 0.15 * len(notes)
        map_height = fig_h - MARGIN * 0.6 - 0.75 - foot - MARGIN * 0.6
        self.map_height = map_height
        fr = frame([c.shape for c in shown if c.shape is not None], width, map_height)
        fig = plt.figure(figsize=(fig_w, fig_h), dpi=DPI)
        top = 1 - MARGIN * 0.6 / fig_h
        ax = fig.add_axes((MARGIN / fig_w, top - (0.75 + map_height) / fig_h, width / fig_w, map_height / fig_h))
        ax.set_xlim(0, width)
        ax.set_ylim(0, map_height)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_facecolor(SEA)
        for spine in ax.spines.values():
            spine.set_edgecolor("#bbbbbb")
            spine.set_linewidth(0.6)
        fill = {c.shape.name: (FOCUS_COLOR if c.iri == m.focus else BLUES[count_class(c.total)] if c.total else LAND)
                for c in shown if c.shape is not None}
        draw_countries(ax, fr, fill)

        # links between centroids, curved so that links sharing a country stay apart
        anchors = {c.iri: fr.xy(*c.shape.anchor()) for c in shown if c.shape is not None}
        totals = {pair: sum(len(v) for v in items.values()) for pair, items in m.links.items()}
        biggest = max(totals.values(), default=1)
        labels: list[Placed] = []
        probe = fig.canvas.get_renderer()

        def measure(text: str, size: float, bold: bool = False) -> tuple[float, float]:
            t = fig.text(0, 0, text, fontsize=size, ha="center", va="top", linespacing=1.1,
                         fontweight="bold" if bold else "normal")
            bb = t.get_window_extent(probe)
            t.remove()
            return bb.width / DPI + 0.06, bb.height / DPI + 0.04

        for pair in sorted(m.links):
            a, b = pair
            if a not in anchors or b not in anchors or (m.focus and m.focus not in pair):
                continue
            (x0, y0), (x1, y1) = anchors[a], anchors[b]
            dx, dy = x1 - x0, y1 - y0
            cx, cy = (x0 + x1) / 2 - dy * 0.18, (y0 + y1) / 2 + dx * 0.18
            path = MplPath([(x0, y0), (cx, cy), (x1, y1)], [MplPath.MOVETO, MplPath.CURVE3, MplPath.CURVE3])
            lw = 0.8 + 3.4 * totals[pair] / biggest
            ax.add_patch(PathPatch(path, fc="none", ec=LINK_COLOR, lw=lw, alpha=0.75, zorder=2, capstyle="round",
                                   gid=f"link:{a}|{b}"))
            mx, my = 0.25 * x0 + 0.5 * cx + 0.25 * x1, 0.25 * y0 + 0.5 * cy + 0.25 * y1
            tw, th = measure(str(totals[pair]), 7.0, True)
            labels.append(Placed(f"count:{a}|{b}", str(totals[pair]), "_count", float(mx), float(my + th / 2),
                                 tw, th, 0.0))
        for c in sorted(shown, key=lambda c: c.iri):
            x, y = anchors[c.iri]
            text = c.label if c.iri == m.focus else f"{c.label}\n{c.total}"
            tw, th = measure(text, LABEL_PT, c.iri == m.focus)
            labels.append(Placed(f"country:{c.iri}", text, "_country", float(x), float(y), tw, th, 0.07))
        remove_overlaps(labels, width, map_height)
        self.placed = labels
        for p in labels:
            if p.kind == "_country":
                iri = p.node[len("country:"):]
                ax_x, ax_y = anchors[iri]
                ax.plot([ax_x], [ax_y], marker="o", ms=3.2, color="#333333", zorder=3)
                if np.hypot(p.x - ax_x, p.y - ax_y) > 0.05:
                    ax.plot([ax_x, p.x], [ax_y, p.y - p.marker / 2], color="#555555", lw=0.5, zorder=3)
                ax.text(p.x, p.y - p.marker / 2 - 0.02, p.text, fontsize=LABEL_PT, ha="center", va="top",
                        linespacing=1.1, color=TEXT_COLOR, zorder=5, gid=p.node,
                        fontweight="bold" if iri == m.focus else "normal",
                        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "#999999", "lw": 0.4, "alpha": 0.9})
            else:
                ax.text(p.x, p.y - 0.02, p.text, fontsize=7.0, fontweight="bold", ha="center", va="top",
                        color=LINK_COLOR, zorder=4, gid=p.node,
                        bbox={"boxstyle": "round,pad=0.12", "fc": "white", "ec": LINK_COLOR, "lw": 0.4})

        self.inset = self.draw_inset(fig, ax, fr, fill, anchors, labels, width, map_height, measure)

        fig.text(MARGIN / fig_w, top, m.title(), fontsize=14, fontweight="bold", va="top", color=TEXT_COLOR,
                 gid="title")
        fig.text(MARGIN / fig_w, top - 0.32 / fig_h, m.subtitle(), fontsize=9, va="top", color="#444444",
                 gid="subtitle")

        # under the map: the colour key, the links with their counts, what is not drawn
        y = top - (0.75 + map_height + 0.15) / fig_h
        present = sorted({count_class(c.total) for c in m.partners if c.total and c.shape is not None})
        handles = []
        if m.focus:
            handles.append(Patch(fc=FOCUS_COLOR, ec="#8a8a8a", lw=0.3, label=w["chosen"]))
        handles += [Patch(fc=BLUES[k], ec="#8a8a8a", lw=0.3, label=class_label(k)) for k in present]
        key_title = w["count"] + (" " + w["with"].format(country=m.focus_label) if m.focus else "")
        legend = fig.legend(handles=handles, loc="upper left", ncol=len(handles) or 1, frameon=False, fontsize=8,
                            title=key_title, title_fontsize=8, alignment="left",
                            bbox_to_anchor=(MARGIN / fig_w - 0.005, y), handlelength=1.4, columnspacing=1.2)
        legend.set_gid("key")
        y -= 0.55 / fig_h
        fig.text(MARGIN / fig_w, y, w["links"], fontsize=8, fontweight="bold", va="top", color=TEXT_COLOR)
        y -= 0.18 / fig_h
        for i, chunk in enumerate(columns):
            fig.text((MARGIN + i * width / 3) / fig_w, y, "\n".join(chunk), fontsize=7, va="top", color="#333333",
                     linespacing=1.4, gid=f"links-{i}")
        y -= (0.15 * rows + 0.1) / fig_h
        fig.text(MARGIN / fig_w, y, "\n".join(notes), fontsize=7, va="top", color="#444444", linespacing=1.45,
                 gid="notes")
        return fig

    def draw_inset(self, fig: Any, ax: Any, fr: Frame, fill: dict[str, str], anchors: dict[str, Any],
                   labels: list[Placed], width: float, height: float, measure: Any) -> list[Placed]:
        """A close-up of the chosen country in a free corner of the map, when it is drawn small.

        Vietnam beside China and Australia is a sliver a reader cannot see; the inset shows it
        and its neighbours four or more times larger, with the links leaving it in their
        directions. It goes in a corner where it hides no label or country centroid (none: no
        inset), framed, with the window it shows outlined on the map. Returns its labels.
        """
        from matplotlib.patches import Rectangle

        m = self.cmap
        focus = m.countries.get(m.focus or "")
        if focus is None or focus.shape is None:
            return []
        main = focus.shape.main_polygon()[0]
        x, y = fr.xy(main[:, 0], main[:, 1])
        if max(np.ptp(x), np.ptp(y)) >= INSET_SMALL:
            return []
        iw, ih, gap = 0.3 * width, 0.45 * height, 0.1
        boxes = [p.box() for p in labels] + [(ax_, ay_, ax_, ay_) for ax_, ay_ in anchors.values()]
        boxes.append((float(x.min()), float(y.min()), float(x.max()), float(y.max())))
        corner = None
        for cx, cy in ((gap, gap), (gap, height - ih - gap), (width - iw - gap, gap), (width - iw - gap, height - ih - gap)):
            if all(b[2] < cx - 0.05 or b[0] > cx + iw + 0.05 or b[3] < cy - 0.05 or b[1] > cy + ih + 0.05
                   for b in boxes):
                corner = (cx, cy)
                break
        if corner is None:
            return []
        inner = frame([focus.shape], iw, ih)
        if inner.scale < 2 * fr.scale:  # not much of a close-up: not worth the room
            return []
        fig_w, fig_h = fig.get_size_inches()
        pos = ax.get_position()
        left = pos.x0 + corner[0] / fig_w
        bottom = pos.y0 + corner[1] / fig_h
        inset = fig.add_axes((left, bottom, iw / fig_w, ih / fig_h), zorder=6)
        inset.set_xlim(0, iw)
        inset.set_ylim(0, ih)
        inset.set_xticks([])
        inset.set_yticks([])
        inset.set_facecolor(SEA)
        for spine in inset.spines.values():
            spine.set_visible(False)
        draw_countries(inset, inner, fill)
        # the window the inset shows, outlined on the map, and the inset's own frame
        w0, s0, e0, n0 = inner.window()
        (bx0, by0), (bx1, by1) = fr.xy(w0, s0), fr.xy(e0, n0)
        ax.add_patch(Rectangle((float(bx0), float(by0)), float(bx1 - bx0), float(by1 - by0), fc="none", ec="#555555",
                               lw=0.6, ls="--", zorder=4))
        # the frame belongs to the inset (drawn above it), not to the map under it
        inset.add_patch(Rectangle((0, 0), 1, 1, transform=inset.transAxes, fc="none", ec="#555555", lw=0.9,
                                  zorder=10, clip_on=False, gid="inset-frame"))
        fx, fy = inner.xy(*focus.shape.anchor())
        placed: list[Placed] = []
        for c in sorted(m.countries.values(), key=lambda c: c.iri):
            if c.shape is None:
                continue
            px, py = inner.xy(*c.shape.anchor())
            if c.iri != m.focus:  # each link leaves the chosen country in its partner's direction
                pair = tuple(sorted((c.iri, focus.iri)))
                if pair in m.links:
                    total = sum(len(v) for v in m.links[pair].values())
                    biggest = max(sum(len(v) for v in items.values()) for items in m.links.values())
                    inset.plot([fx, px], [fy, py], color=LINK_COLOR, lw=0.8 + 3.4 * total / biggest, alpha=0.75,
                               zorder=2, solid_capstyle="round")
            if 0 <= px <= iw and 0 <= py <= ih:
                tw, th = measure(c.label, LABEL_PT, c.iri == m.focus)
                placed.append(Placed(f"inset-country:{c.iri}", c.label, "_country", float(px), float(py), tw, th,
                                     0.07))
        remove_overlaps(placed, iw, ih)
        for p in placed:
            iri = p.node[len("inset-country:"):]
            ax_x, ax_y = inner.xy(*m.countries[iri].shape.anchor())
            inset.plot([ax_x], [ax_y], marker="o", ms=3.2, color="#333333", zorder=3)
            inset.text(p.x, p.y - p.marker / 2 - 0.02, p.text, fontsize=LABEL_PT, ha="center", va="top",
                       color=TEXT_COLOR, zorder=5, gid=p.node, fontweight="bold" if iri == m.focus else "normal",
                       bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "#999999", "lw": 0.4, "alpha": 0.9})
        return placed

    def source_pages(self) -> list[Any]:
        """A4 landscape pages with the numbered sources (two columns)."""
        import matplotlib.pyplot as plt

        m = self.cmap
        lines = [line for entry in m.citations(95) for line in entry]
        if not lines:
            return []
        fig_w, fig_h = A4_HEIGHT, A4_WIDTH
        line_h = 7.0 * 1.3 / 72
        per_column = max(1, int((fig_h - 2 * MARGIN - 0.7) / line_h))
        pages = []
        for start in range(0, len(lines), 2 * per_column):
            fig = plt.figure(figsize=(fig_w, fig_h), dpi=DPI)
            top = 1 - MARGIN / fig_h
            fig.text(MARGIN / fig_w, top, f"{words(m.lang)['sources_html']}: {m.title()}", fontsize=12,
                     fontweight="bold", va="top", color=TEXT_COLOR)
            fig.text(MARGIN / fig_w, top - 0.3 / fig_h, m.subtitle(), fontsize=8, va="top", color="#444444")
            for c in range(2):
                chunk = lines[start + c * per_column:start + (c + 1) * per_column]
                if chunk:
                    fig.text((MARGIN + c * (fig_w - 2 * MARGIN) / 2) / fig_w, top - 0.65 / fig_h, "\n".join(chunk),
                             fontsize=7, va="top", color="#333333", linespacing=1.3, gid=f"sources-{c}")
            pages.append(fig)
        return pages


def render(cmap: CooperationMap, fmt: str, sources_file: str | None = None) -> bytes:
    """The map as ``svg``, ``png``, ``pdf`` or ``html``; the same map gives the same bytes."""
    if fmt == "html":
        return page(cmap)
    import matplotlib.pyplot as plt

    w = words(cmap.lang)
    n = len(cmap.citations())
    note = "" if not n else (w["sources_page"] if fmt == "pdf" else w["sources_file"] if sources_file
                             else w["sources_none"]).format(n=n, file=sources_file)
    drawing = MapFigure(cmap)
    fig = drawing.figure(note)
    buf = io.BytesIO()
    if fmt == "pdf":
        from matplotlib.backends.backend_pdf import PdfPages

        with PdfPages(buf, metadata={"CreationDate": None, "ModDate": None, "Creator": None}) as pdf:
            pdf.savefig(fig, dpi=DPI)
            plt.close(fig)
            for extra in drawing.source_pages():
                pdf.savefig(extra, dpi=DPI)
                plt.close(extra)
        return buf.getvalue()
    if fmt not in ("svg", "png"):
        raise UsageError(f"unknown map format {fmt!r}; known: {', '.join(FORMATS)}")
    metadata: dict[str, Any] = {"svg": {"Date": None}, "png": {"Software": None}}[fmt]
    fig.savefig(buf, format=fmt, dpi=DPI, metadata=metadata)
    plt.close(fig)
    return buf.getvalue()


PAGE = """<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>{title}</title>
<style>
body {{ font-family: "Noto Sans", "Noto Sans CJK SC", "Segoe UI", system-ui, sans-serif; margin: 1.5rem auto;
       max-width: 72rem; padding: 0 1rem; color: #1a1a1a; line-height: 1.4; }}
#map svg {{ width: 100%; height: auto; border: 1px solid #ddd; }}
table {{ border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.9rem; }}
th, td {{ border-bottom: 1px solid #ddd; padding: 0.25rem 0.6rem; text-align: left; vertical-align: top; }}
ol.sources {{ font-size: 0.85rem; }} .note {{ color: #444; font-size: 0.9rem; }}
</style>
</head>
<body>
<h1>{title}</h1>
<p class="note">{subtitle}</p>
<div id="map">{svg}</div>
{unplaced}
<h2>{links_head}</h2>
<table id="links"><thead><tr><th>{country_head}</th><th>{kind_head}</th><th>{item_head}</th><th>{date_head}</th>
<th>{from_head}</th></tr></thead><tbody>
{rows}
</tbody></table>
<h2>{sources_head}</h2>
<ol class="sources" id="sources">
{sources}
</ol>
<p class="note">{attribution} · {made}</p>
</body>
</html>
"""


def page(cmap: CooperationMap) -> bytes:
    """One offline HTML page: the SVG map inline, every link's items with their sources, the sources."""
    w = words(cmap.lang)
    svg = render(cmap, "svg", sources_file=None).decode("utf-8")
    svg = svg[svg.index("<svg"):]
    used = cmap.sources()
    texts = list(dict.fromkeys(cite(cmap.source_info, [s], 10**6)[0][0].split("] ", 1)[1] for s in used))
    number = {s: texts.index(cite(cmap.source_info, [s], 10**6)[0][0].split("] ", 1)[1]) + 1 for s in used}
    rows = []
    esc = html.escape
    for pair, kinds in sorted(cmap.links.items(), key=lambda kv: cmap._pair_label(kv[0])):
        for kind in KINDS:
            for iri in sorted(kinds[kind], key=lambda i: (cmap.items[i].date, cmap.items[i].label)):
                item = cmap.items[iri]
                refs = ", ".join(f'<a href="#source-{n}">[{n}]</a>' for n in sorted({number[s] for s in item.sources}))
                one, _ = w["kinds"][kind]
                rows.append(f"<tr><td>{esc(cmap._pair_label(pair))}</td><td>{esc(one)}</td><td>{esc(item.label)}</td>"
                            f"<td>{esc(item.date)}</td><td>{refs}</td></tr>")
    sources = []
    for i, text in enumerate(texts, 1):
        href = None
        for s in used:
            if number[s] == i and cmap.source_info.get(s) is not None:
                href = web_href(cmap.source_info[s].url)
        link = f' <a href="{esc(href)}">{esc(href)}</a>' if href else ""
        sources.append(f'<li id="source-{i}">{esc(text)}{link}</li>')
    unplaced = ""
    if cmap.unplaced:
        unplaced = '<p class="note" id="unplaced">' + esc(w["unplaced"].format(list="; ".join(
            f"{c.label} ({cmap.counts_text(c.items) or c.total})" for c in cmap.unplaced))) + "</p>"
    return PAGE.format(
        lang=esc(cmap.lang), title=esc(cmap.title()), subtitle=esc(cmap.subtitle()), svg=svg, unplaced=unplaced,
        links_head=esc(w["links"]), country_head=esc(w["country"]), kind_head=esc(w["kind"]),
        item_head=esc(w["item"]), date_head=esc(w["date"]), from_head=esc(w["from"]), rows="\n".join(rows),
        sources_head=esc(w["sources_html"]), sources="\n".join(sources), attribution=esc(geo.ATTRIBUTION),
        made=esc(f"{w['made']} {__version__}"),
    ).encode("utf-8")


def write(cmap: CooperationMap, fmt: str, path: Path | None) -> dict[Path | None, bytes]:
    """The files a map export writes: the map, and for a PNG or SVG file its source list beside it."""
    if fmt in ("svg", "png") and path is not None and cmap.sources():
        listing = path.with_name(f"{path.stem}-sources.txt")
        return {path: render(cmap, fmt, sources_file=listing.name), listing: cmap.sources_text().encode("utf-8")}
    return {path: render(cmap, fmt)}


def export(cmap: CooperationMap, fmt: str, path: str | Path | None) -> list[Path]:
    """Write the map to ``path`` (None: stdout, text formats only); returns the files written."""
    import sys

    target = Path(path) if path is not None else None
    if target is None and fmt in ("png", "pdf") and sys.stdout.isatty():
        raise UsageError(f"{fmt} output is binary; give -o FILE.{fmt}")
    if target is not None:
        check_writable(target)
    written = []
    for out, content in write(cmap, fmt, target).items():
        if out is None:
            sys.stdout.buffer.write(content)
            sys.stdout.buffer.flush()
        else:
            write_file(out, content)
            written.append(out)
    return written
