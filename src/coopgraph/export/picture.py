"""Static network pictures (SVG, PNG, PDF) for reports: one A4 page, readable when printed.

The page goes to the drawing. The network is split into its communities
(:mod:`coopgraph.export.regions`), each drawn in its own shaded region with a letter, so a reader
sees which agencies work together; links inside a group are drawn dark, the long tail of links
between groups faded. The most important nodes (agencies and countries first, then the
most-linked) are labelled, as many as fit: node and label form one rectangle in inches,
measured with the real font. Each group's rectangles are set down one by one, the most
important first, at the free place nearest where the group's layout wants them; then the groups
are set down on the page the same way. Nothing is placed over something already there, which
is what makes "no label over another" hold on paper, and it stays fast at hundreds of nodes,
where pushing all boxes apart at once jammed. Dense networks are drawn with smaller dots.
What the picture leaves out (unlabelled nodes, source documents) is said on it. The source
list, a page and a half on the real data, follows from page 2 of the PDF; the PNG and SVG are written with a plain-text list beside them (``NAME-sources.txt``),
which a report can paste as its reference list.
"""

from __future__ import annotations

import io
import re
import textwrap
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from coopgraph import __version__
from coopgraph.errors import UsageError
from coopgraph.export.base import Exporter, View
from coopgraph.export.fonts import FontMissing, configure_matplotlib, missing_glyphs
from coopgraph.export.regions import Group, apart, arrange, hull, separate
from coopgraph.export.style import EDGE_COLOR, TEXT_COLOR, style
from coopgraph.export.network import KIND_LABELS, KINDS
from coopgraph.resources import words as load_words

A4_WIDTH = 8.27  # inches: the picture is made to be printed at 100% on A4
A4_HEIGHT = 11.69
MARGIN = 0.45
LABEL_PT = 7.0
TAG_PT = 10.0  # the group letters
MARKER_IN = 0.16
PAD = 0.08  # inches between two node boxes
GROUP_PAD = 0.3  # inches between two node boxes of different groups (room for both regions' edges)
INSET = 0.14  # inches kept free inside the drawing's edges, for the region outlines
DPI = 200
DOTS_FULL_SIZE = 120  # up to this many nodes dots are drawn full size; more nodes, smaller dots
MAX_LABELS = 40  # more labels than this crowd an A4 page at 7 pt
ESSENTIAL = ("agency", "country")  # always labelled first: who cooperates, and from where
# pale fills (and darker outlines) for the group regions; node colours keep the type palette
TINTS = (("#FBEBD0", "#D9A54A"), ("#DCEEFA", "#5E9CC8"), ("#DDF2E8", "#4FA37E"), ("#F7E1EE", "#B8709A"),
         ("#EDEDED", "#8F8F8F"), ("#FBF6CF", "#B9A83A"), ("#E6E2F4", "#7F73B5"), ("#D9F0F0", "#4C9C9C"),
         ("#F6E0D6", "#B9765A"), ("#E8EFD6", "#859A4C"))

_TEXT = load_words("picture")  # words/picture.json
_WORDS: dict[str, list[str]] = _TEXT["words"]
_NOTES: dict[str, dict[str, str]] = _TEXT["notes"]


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


def remove_overlaps(placed: list[Placed], width: float, height: float, iterations: int = 1500,
                    groups_of: list[int] | None = None) -> bool:
    """Push overlapping node boxes apart inside ``width`` × ``height``; True when none overlap.

    Each overlapping pair moves apart along the axis where the overlap is smaller (the
    cheapest separation), half each; positions are clamped to the page. With ``groups_of`` (each
    box's group), boxes of two different groups are kept ``GROUP_PAD`` apart instead of ``PAD``,
    which leaves room between the groups' shaded regions.
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
    pad = np.full((n, n), PAD)
    if groups_of is not None:
        g = np.asarray(groups_of)
        pad = np.where(g[:, None] != g[None, :], GROUP_PAD, PAD)
    for _ in range(iterations):
        d = centre[:, None, :] - centre[None, :, :]
        need = half[:, None, :] + half[None, :, :] + pad[..., None]
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



def citations(view: View, width: int = 150) -> list[list[str]]:
    """Numbered, wrapped citations of the sources behind the view's nodes, duplicates merged."""
    used = sorted({s for _, d in view.graph.nodes(data=True) for s in d.get("_sources", ())})
    return cite(view.network.sources, used, width)


def cite(sources: dict[str, Any], used: list[str], width: int = 150) -> list[list[str]]:
    """Numbered, wrapped citations of source IRIs (in the given order), identical citations merged.

    Shared by every output that lists its sources (pictures, the map, the agency brief), so a
    source reads the same wherever it is cited. ``sources`` maps IRIs to
    :class:`~coopgraph.export.network.SourceInfo`; an IRI not in it is a curator assertion.
    """
    out = []
    for i, (text, copies) in enumerate(citation_texts(sources, used).items(), 1):
        more = f" [{copies} copies]" if copies > 1 else ""
        out.append(wrap_wide(f"[{i}] {text}{more}", width, "     "))
    return out


def citation_text(sources: dict[str, Any], iri: str) -> str:
    """One source's citation: title (publisher, date, address), or the curators' assertion."""
    info = sources.get(iri)
    if info is None:  # a curator assertion: no document, the curators vouch for it
        return f"curators' assertion {iri.rstrip('/').rsplit('/', 1)[-1]}"
    extra = ", ".join(x for x in (info.publisher, info.date, info.url) if x)
    return info.title + (f" ({extra})" if extra else "")


def citation_texts(sources: dict[str, Any], used: list[str]) -> dict[str, int]:
    """Distinct citation texts of ``used``, in first-use order, with how many IRIs share each."""
    texts: dict[str, int] = {}
    for iri in used:
        text = citation_text(sources, iri)
        texts[text] = texts.get(text, 0) + 1
    return texts


def importance(view: View) -> list[str]:
    """Nodes by how many links they have (then by name): the order in which they get labels."""
    g = view.graph
    return sorted(g.nodes, key=lambda n: (-g.degree(n), g.nodes[n]["short_label"], n))



def label_order(view: View) -> list[str]:
    """The order in which nodes get labels: agencies and countries (most-linked first), then the rest."""
    ranked = importance(view)
    kinds = {n: view.graph.nodes[n]["type"] for n in ranked}
    return [n for n in ranked if kinds[n] in ESSENTIAL] + [n for n in ranked if kinds[n] not in ESSENTIAL]


REGION_GAP = 0.05  # inches kept between two shaded regions


def region_outline(grp: Group, where: dict[str, Placed], pad: float) -> list[tuple[float, float]]:
    """A group's region: the convex hull of its members' boxes and its letter, ``pad`` inches out."""
    corners: list[tuple[float, float]] = []
    for node in [*grp.members, f"group:{grp.letter}"]:
        x0, y0, x1, y1 = where[node].box()
        corners += [(x0 - pad, y0 - pad), (x0 - pad, y1 + pad), (x1 + pad, y0 - pad), (x1 + pad, y1 + pad)]
    return hull(corners)


def separate_groups(placed: list[Placed], groups: list[Group], width: float, height: float) -> bool:
    """Move whole groups so that no two groups' members interpenetrate; True when done.

    Pushing labels apart can carry a node's box among another group's nodes; their regions then
    overlap and the node reads as belonging to both. Each group moves as one rigid whole (its
    labels stay apart), along the shortest way out; nothing moves when the page has no room.
    Regions whose members are apart are then cut back along the line between them when drawn.
    """
    where = {p.node: p for p in placed}
    cores = [region_outline(grp, where, 0.0) for grp in groups]
    shift = separate(cores, width, height, REGION_GAP, slack=INSET - 0.07)
    if shift is None:
        return False
    for grp, (dx, dy) in zip(groups, shift, strict=True):
        for node in [*grp.members, f"group:{grp.letter}"]:
            where[node].x += float(dx)
            where[node].y += float(dy)
    return True


@dataclass
class Page:
    """Everything decided before drawing: orientation, positions on the page, groups, notes."""

    landscape: bool
    width: float  # drawing area, inches
    height: float
    placed: list[Placed]  # nodes, then group tags (node "group:A")
    groups: list[Group]
    member: dict[str, int]  # node -> group index
    notes: list[str]
    legend: list[str]  # one line per group
    between: int  # links between groups


def sources_text(view: View) -> str:
    """The plain-text source list written beside a PNG or SVG: one citation a line, numbered."""
    head = f"{_WORDS.get(view.lang, _WORDS['en'])[0]}: {view.title}"
    if view.data_date:
        head += f" ({view.data_date})"
    entries = [" ".join(line.strip() for line in entry) for entry in citations(view, 10**6)]
    return "\n".join([head, "", *entries]) + "\n"




def _spiral(step: float, reach: float) -> np.ndarray:
    """Grid offsets within ``reach``, nearest first (ties in a fixed order): where to look for room."""
    k = int(reach / step)
    grid = np.mgrid[-k:k + 1, -k:k + 1].reshape(2, -1).T * step
    dist = np.hypot(grid[:, 0], grid[:, 1])
    keep = dist <= reach
    grid, dist = grid[keep], dist[keep]
    return grid[np.lexsort((grid[:, 0], grid[:, 1], dist))]


def settle(shapes: np.ndarray, targets: np.ndarray, pad: float, step: float,
           bounds: tuple[float, float] | None = None) -> np.ndarray | None:
    """Each box, in the given order, at the free place nearest its target; None if one finds none.

    ``shapes`` are boxes (x0, y0, x1, y1) relative to their anchor, ``targets`` the anchors the
    layout wants. A box goes to the nearest grid point (``step`` apart) where it keeps ``pad``
    clear of every box placed before it and, with ``bounds`` (width, height), stays inside
    them. Earlier boxes keep their wanted places best, so the order is the order of importance.
    Greedy placement cannot jam the way pushing boxes apart does, and it ends.
    """
    reach = float(np.hypot(*bounds)) if bounds else 2.0 + 3.0 * float(
        np.sqrt(((shapes[:, 2] - shapes[:, 0] + pad) * (shapes[:, 3] - shapes[:, 1] + pad)).sum()))
    offsets = _spiral(step, reach)
    placed = np.empty((0, 4))
    out = np.zeros((len(shapes), 2))
    for i in range(len(shapes)):
        found = None
        for start in range(0, len(offsets), 4096):
            cand = targets[i] + offsets[start:start + 4096]
            boxes = np.tile(cand, 2) + shapes[i]
            ok = np.ones(len(cand), dtype=bool)
            if bounds is not None:
                ok &= (boxes[:, 0] >= 0) & (boxes[:, 1] >= 0) & (boxes[:, 2] <= bounds[0]) & (boxes[:, 3] <= bounds[1])
            if len(placed):
                hit = ((boxes[:, None, 0] < placed[None, :, 2] + pad) & (placed[None, :, 0] < boxes[:, None, 2] + pad)
                       & (boxes[:, None, 1] < placed[None, :, 3] + pad) & (placed[None, :, 1] < boxes[:, None, 3] + pad))
                ok &= ~hit.any(axis=1)
            free = np.flatnonzero(ok)
            if len(free):
                found = cand[free[0]]
                break
        if found is None:
            return None
        out[i] = found
        placed = np.vstack([placed, np.tile(found, 2) + shapes[i]])
    return out


def extents(clusters: list[list[Placed]]) -> np.ndarray:
    """Each laid-out group's rectangle (x0, y0, x1, y1): the extent of its boxes."""
    out = []
    for cluster in clusters:
        boxes = np.array([p.box() for p in cluster])
        out.append([*boxes[:, :2].min(axis=0), *boxes[:, 2:].max(axis=0)])
    return np.array(out)


def pack(shapes: np.ndarray, groups: list[Group], width: float, height: float) -> list[np.ndarray] | None:
    """Where each laid-out group goes on a ``width`` × ``height`` drawing; None when they do not fit.

    Groups are rectangles (``shapes``, from :func:`extents`), ``GROUP_PAD`` apart, placed largest
    first at the free place nearest where the layout of the links between groups wants them
    (scaled to the drawing), so linked groups stay neighbours.
    """
    start = np.array([grp.centre for grp in groups], dtype=float)
    lo, hi = start.min(axis=0), start.max(axis=0)
    span = np.where(hi - lo > 1e-9, hi - lo, 1.0)
    size = shapes[:, 2:] - shapes[:, :2]
    targets = size.max(axis=0) / 2 + (start - lo) / span * np.maximum(np.array([width, height]) - size.max(axis=0), 0)
    order = sorted(range(len(groups)), key=lambda i: (-float(size[i, 0] * size[i, 1]), i))
    found = settle(shapes[order], targets[order], GROUP_PAD, step=0.05, bounds=(width, height))
    if found is None:
        return None
    out: list[np.ndarray] = [np.zeros(2)] * len(groups)
    for i, xy in zip(order, found, strict=True):
        out[i] = xy
    return out


class PictureExporter(Exporter):
    """The network drawing; the subclasses only choose the file type."""

    binary = True
    default_types: ClassVar[tuple[str, ...] | None] = tuple(k for k in KINDS if k != "source")
    matplotlib_format: ClassVar[str] = "png"
    pages: ClassVar[bool] = False  # True: the source list follows from page 2 (PDF)

    def texts(self, view: View) -> list[str]:
        """Every text the picture will draw, for the glyph check."""
        return [view.title, view.subtitle(), *(node_text(d) for _, d in view.graph.nodes(data=True)),
                *(KIND_LABELS[k].get(view.lang, k) for k in view.kinds()), *self.source_lines(view)]

    def source_lines(self, view: View, width: int = 130) -> list[str]:
        """The numbered source list (from page 2), one entry per distinct citation.

        Two source documents can cite alike: the data holds a 2020 and a 2024 copy of the same
        Wikipedia article (same title, publisher and address). Listed apart they read as a
        mistake, so identical citations share one entry, which says how many copies it stands for.
        """
        return [line for entry in citations(view, width) for line in entry]

    def cites(self, view: View) -> bool:
        """Whether the picture leaves source documents out (and so lists them)."""
        return "source" not in view.kinds() and bool(citations(view))

    def outputs(self, view: View, path: Path | None) -> dict[Path | None, bytes]:
        """The picture and, for PNG and SVG written to a file, its source list beside it."""
        if path is None or self.pages or not self.cites(view):
            return {path: self.render(view)}
        listing = path.with_name(f"{path.stem}-sources.txt")
        return {path: self.render(view, sources_file=listing.name), listing: sources_text(view).encode()}

    def render(self, view: View, sources_file: str | None = None) -> bytes:
        """The file's bytes; metadata pinned so the same view gives the same bytes."""
        import matplotlib.pyplot as plt

        fig = self.figure(view, sources_file)
        buf = io.BytesIO()
        if self.pages:
            from matplotlib.backends.backend_pdf import PdfPages

            with PdfPages(buf, metadata={"CreationDate": None, "ModDate": None, "Creator": None}) as pdf:
                pdf.savefig(fig, dpi=DPI)
                plt.close(fig)
                for page in self.source_pages(view, self.landscape):
                    pdf.savefig(page, dpi=DPI)
                    plt.close(page)
            return buf.getvalue()
        metadata: dict[str, Any] = {"svg": {"Date": None}, "png": {"Software": None}}.get(self.matplotlib_format, {})
        fig.savefig(buf, format=self.matplotlib_format, dpi=DPI, metadata=metadata)
        plt.close(fig)
        return buf.getvalue()

    def source_pages(self, view: View, landscape: bool) -> list[Any]:
        """A4 pages with the numbered source list (one column portrait, two landscape)."""
        import matplotlib.pyplot as plt

        if not self.cites(view):
            return []
        fig_w, fig_h = (A4_HEIGHT, A4_WIDTH) if landscape else (A4_WIDTH, A4_HEIGHT)
        columns = 2 if landscape else 1
        lines = self.source_lines(view, 95 if landscape else 130)
        line_h = 7.0 * 1.3 / 72
        per_column = max(1, int((fig_h - 2 * MARGIN - 0.7) / line_h))
        words = _WORDS.get(view.lang, _WORDS["en"])
        pages = []
        for start in range(0, len(lines), per_column * columns):
            fig = plt.figure(figsize=(fig_w, fig_h), dpi=DPI)
            top = 1 - MARGIN / fig_h
            fig.text(MARGIN / fig_w, top, f"{words[0]}: {view.title}", fontsize=12, fontweight="bold", va="top",
                     color=TEXT_COLOR)
            fig.text(MARGIN / fig_w, top - 0.3 / fig_h, view.subtitle(), fontsize=8, va="top", color="#444444")
            for c in range(columns):
                chunk = lines[start + c * per_column:start + (c + 1) * per_column]
                if chunk:
                    fig.text((MARGIN + c * (fig_w - 2 * MARGIN) / columns) / fig_w, top - 0.65 / fig_h,
                             "\n".join(chunk), fontsize=7, va="top", color="#333333", linespacing=1.3,
                             gid=f"sources-{c}")
            fig.text(MARGIN / fig_w, MARGIN * 0.6 / fig_h, f"{words[1]} {__version__}", fontsize=6, va="bottom",
                     color="#444444")
            pages.append(fig)
        return pages

    def notes(self, view: View, groups: list[Group], between: int, labelled: int,
              sources_file: str | None) -> list[str]:
        """Lines saying what the picture leaves out and how to read it."""
        words = _NOTES.get(view.lang, _NOTES["en"])
        lines = []
        if self.cites(view):
            key = "sources_page" if self.pages else "sources_file" if sources_file else "sources_none"
            lines.append(words[key].format(n=len(citations(view)), file=sources_file))
        n = view.graph.number_of_nodes()
        if labelled < n:
            lines.append(words["labels"].format(k=labelled, n=n, u=n - labelled))
        if len(groups) > 1:
            lines.append(words["groups"].format(first=groups[0].letter, last=groups[-1].letter, m=between))
        return lines

    def group_legend(self, view: View, groups: list[Group]) -> list[str]:
        """One line per group: its letter, size and first members (agencies and countries first)."""
        words = _WORDS.get(view.lang, _WORDS["en"])
        order = {n: i for i, n in enumerate(label_order(view))}
        out = []
        for grp in groups:
            first = sorted(grp.members, key=order.__getitem__)[:3]
            names = [view.graph.nodes[n]["short_label"] for n in first]
            names = [x if len(x) <= 24 else x[:23].rstrip() + "…" for x in names]
            more = ", …" if len(grp.members) > 3 else ""
            size = words[4] if len(grp.members) == 1 else words[3]
            what = words[5] if not grp.linked else ""
            out.append(f"{grp.letter}  {len(grp.members)} {size}{what}: {', '.join(names)}{more}")
        return out

    def layout_page(self, view: View, measure: Any, sources_file: str | None) -> Page:
        """Orientation, regions, label choice and overlap-free positions, all in inches.

        Each group is laid out on its own first, at the size of what it holds (its labels
        measured in the real font), then the groups' discs are packed on the page. Laying out all
        nodes at once jams at a few hundred nodes: boxes pushed apart inside one group meet the
        wider gap kept to the next group and never settle. With too little room for every chosen
        label, fewer nodes are labelled (the most important keep theirs) and the picture says so.
        """
        groups, xy, g = arrange(view)
        member = {n: i for i, grp in enumerate(groups) for n in grp.members}
        between = sum(1 for u, v in view.graph.edges() if u != v and member[u] != member[v])
        legend = self.group_legend(view, groups) if len(groups) > 1 else []
        n = view.graph.number_of_nodes()
        order = label_order(view)
        k = min(n, MAX_LABELS)
        tagged = len(groups) > 1
        dot = MARKER_IN * float(np.clip(np.sqrt(DOTS_FULL_SIZE / max(n, 1)), 0.55, 1.0))  # dense: smaller dots

        def attempt(k: int) -> tuple[list[str], list[list[Placed]], dict[bool, Any]]:
            notes = self.notes(view, groups, between, k, sources_file)
            chosen = set(order[:k])
            clusters = [self.layout_group(view, grp, xy, chosen, measure, tagged, dot) for grp in groups]
            shapes = extents(clusters)
            fits = {}
            for landscape in (False, True):
                fig_w, fig_h = (A4_HEIGHT, A4_WIDTH) if landscape else (A4_WIDTH, A4_HEIGHT)
                columns = 3 if landscape else 2
                foot = 0.35 + 0.15 * len(notes) + 0.14 * -(-len(legend) // columns) + 0.1
                width, height = fig_w - 2 * MARGIN, fig_h - 1.0 - foot - MARGIN * 1.2
                moves = pack(shapes, groups, width - 2 * INSET, height - 2 * INSET)
                if moves is not None:
                    fits[landscape] = (width, height, moves)
            return notes, clusters, fits

        # the most labels that fit: all of them if they do, else a search between none and all
        best = attempt(k)
        if not best[2]:
            low, high = 0, k - 1
            best = attempt(0)
            if not best[2]:
                raise UsageError(
                    f"the network has {n} nodes, too many to draw on one A4 page even unlabelled; "
                    "draw a part of it (--focus NAME, --types, --actors) or export it for Gephi or the HTML page")
            while low < high:
                mid = (low + high + 1) // 2
                tried = attempt(mid)
                if tried[2]:
                    low, best = mid, tried
                else:
                    high = mid - 1
            k = low
        notes, clusters, fits = best
        landscape = max(fits, key=lambda o: self.prefer(o, clusters, fits[o][2]))
        width, height, moves = fits[landscape]
        placed = []
        for cluster, (dx, dy) in zip(clusters, moves, strict=True):
            for p in cluster:
                p.x, p.y = p.x + float(dx), p.y + float(dy)
                placed.append(p)
        if tagged:  # groups still among each other: move them apart where there is room
            separate_groups(placed, groups, width - 2 * INSET, height - 2 * INSET)
        for p in placed:
            p.x, p.y = p.x + INSET, p.y + INSET
        self.labelled = sorted(order[:k])
        return Page(landscape, width, height, placed, groups, member, notes, legend, between)

    @staticmethod
    def prefer(landscape: bool, clusters: list[list[Placed]], moves: list[np.ndarray]) -> float:
        """How well an orientation suits the packed groups: the share of the drawing they fill."""
        boxes = np.array([p.box() for c, (dx, dy) in zip(clusters, moves, strict=True) for p in c])
        spread = boxes[:, 2:].max(axis=0) - boxes[:, :2].min(axis=0)
        fig_w, fig_h = (A4_HEIGHT, A4_WIDTH) if landscape else (A4_WIDTH, A4_HEIGHT)
        return float(min(spread[0] / fig_w, spread[1] / fig_h))

    @staticmethod
    def layout_group(view: View, grp: Group, xy: dict[str, tuple[float, float]], chosen: set[str],
                     measure: Any, tagged: bool, dot: float = MARKER_IN) -> list[Placed]:
        """One group's nodes (and its letter) in inches around (0, 0), no two boxes overlapping.

        The group's spring layout is scaled to a disc whose area is about twice the area of
        its boxes, so that the push apart has room and the group stays compact.
        """
        items = []
        for node in grp.members:
            d = view.graph.nodes[node]
            text = node_text(d) if node in chosen else ""
            w, h = measure(text) if text else (0.0, 0.0)
            items.append(Placed(node, text, d["type"], 0.0, 0.0, w, h, dot * style(d["type"]).size))
        area = sum((max(p.w, p.marker) + PAD) * (p.h + p.marker + PAD) for p in items)
        radius = max(float(np.sqrt(0.8 * area / np.pi)), 0.05)
        cx, cy = grp.centre
        scale = radius / max(grp.radius * 0.85, 1e-9)
        for p in items:
            x, y = xy[p.node]
            p.x, p.y = (x - cx) * scale, (y - cy) * scale
        if tagged:  # the letter goes last, above the group, as near its middle as is free
            w, h = measure(grp.letter, TAG_PT)
            items.append(Placed(f"group:{grp.letter}", grp.letter, "_group", 0.0, radius + h, w, h, 0.0))
        shapes = np.array([np.array(p.box()) - (p.x, p.y, p.x, p.y) for p in items])
        anchors = settle(shapes, np.array([(p.x, p.y) for p in items]), PAD, step=0.03)
        assert anchors is not None  # unbounded: there is always a free place
        for p, (x, y) in zip(items, anchors, strict=True):
            p.x, p.y = float(x), float(y)
        boxes = np.array([p.box() for p in items])
        middle = (boxes[:, :2].min(axis=0) + boxes[:, 2:].max(axis=0)) / 2
        for p in items:
            p.x, p.y = p.x - float(middle[0]), p.y - float(middle[1])
        return items

    def figure(self, view: View, sources_file: str | None = None) -> Any:
        """Build the matplotlib figure of page 1 (also used by tests to inspect text positions)."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.collections import LineCollection
        from matplotlib.lines import Line2D
        from matplotlib.patches import Polygon

        family = configure_matplotlib()
        missing = missing_glyphs(self.texts(view))
        if missing:
            raise FontMissing(f"the font {family} cannot draw {''.join(sorted(missing))!r}")

        probe = plt.figure(figsize=(4, 4), dpi=DPI)
        renderer = probe.canvas.get_renderer()

        def measure(text: str, size: float = LABEL_PT) -> tuple[float, float]:
            t = probe.text(0, 0, text, fontsize=size, ha="center", va="top", linespacing=1.1,
                           fontweight="bold" if size == TAG_PT else "normal")
            bb = t.get_window_extent(renderer)
            t.remove()
            return bb.width / DPI + 0.04, bb.height / DPI + 0.03

        page = self.layout_page(view, measure, sources_file)
        plt.close(probe)
        self.landscape = page.landscape
        fig_w, fig_h = (A4_HEIGHT, A4_WIDTH) if page.landscape else (A4_WIDTH, A4_HEIGHT)
        fig = plt.figure(figsize=(fig_w, fig_h), dpi=DPI)
        top = 1 - MARGIN * 0.6 / fig_h
        ax = fig.add_axes((MARGIN / fig_w, top - (1.0 + page.height) / fig_h, page.width / fig_w,
                           page.height / fig_h))
        ax.set_xlim(0, page.width)
        ax.set_ylim(0, page.height)
        ax.set_axis_off()

        where = {p.node: p for p in page.placed}
        # the group regions: a pale hull around the members' boxes and the group's letter, cut
        # back where two would overlap (a node pushed near another group must not look like it
        # belongs to both)
        shown = page.groups if len(page.groups) > 1 else []
        outlines = apart([region_outline(grp, where, 0.06) for grp in shown],
                         [region_outline(grp, where, 0.0) for grp in shown], REGION_GAP)
        for i, (grp, outline) in enumerate(zip(shown, outlines, strict=True)):
            fill, edge = TINTS[i % len(TINTS)]
            ax.add_patch(Polygon(outline, closed=True, fc=fill, ec=edge, lw=0.7, zorder=0,
                                 joinstyle="round", gid=f"region:{grp.letter}"))
            tag = where[f"group:{grp.letter}"]
            ax.text(tag.x, tag.y - 0.015, grp.letter, fontsize=TAG_PT, fontweight="bold", ha="center", va="top",
                    color=edge, zorder=4, gid=f"tag:{grp.letter}")

        g = view.graph
        directed = g.is_directed()
        faded: list[tuple[tuple[float, float], tuple[float, float]]] = []
        drawn: set[tuple[str, str]] = set()
        for u, v, d in sorted(g.edges(data=True), key=lambda e: (e[0], e[1])):
            pair = (u, v) if directed else (min(u, v), max(u, v))
            if pair in drawn or u == v:
                continue
            drawn.add(pair)
            a, b = where[u], where[v]
            if page.member[u] != page.member[v]:  # the long tail between groups: faded, no arrow
                faded.append(((a.x, a.y), (b.x, b.y)))
                continue
            ax.annotate(
                "", xy=(b.x, b.y), xytext=(a.x, a.y), zorder=1,
                arrowprops={"arrowstyle": "-|>" if directed else "-", "color": EDGE_COLOR,
                            "lw": 0.6 + 0.6 * (d.get("weight", 1) - 1),
                            "shrinkA": a.marker * 36 + 1, "shrinkB": b.marker * 36 + 1,
                            "mutation_scale": 6, "alpha": 0.7},
            )
        if faded:
            ax.add_collection(LineCollection(faded, colors="#9a9a9a", linewidths=0.45, alpha=0.3, zorder=0.5,
                                             gid="links-between-groups"))
        for kind in view.kinds():
            s = style(kind)
            ps = [p for p in page.placed if p.kind == kind]
            ax.scatter([p.x for p in ps], [p.y for p in ps], s=[(p.marker * 72) ** 2 for p in ps], marker=s.marker,
                       c=s.color, edgecolors="#333333", linewidths=0.6, zorder=3)
        for p in page.placed:
            if p.text and p.kind != "_group":
                ax.text(p.x, p.y - p.marker / 2 - 0.015, p.text, fontsize=LABEL_PT, ha="center", va="top",
                        linespacing=1.1, color=TEXT_COLOR, zorder=4, gid=f"label:{p.node}",
                        bbox={"boxstyle": "square,pad=0.05", "fc": "white", "ec": "none", "alpha": 0.8})

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
                            bbox_to_anchor=(MARGIN / fig_w - 0.01, top - 0.6 / fig_h), handletextpad=0.2,
                            columnspacing=1.2)
        legend.set_gid("legend")
        bottom = MARGIN * 0.6 / fig_h
        y = top - (1.0 + page.height + 0.2) / fig_h
        if page.notes:  # what the picture leaves out, said on the picture
            fig.text(MARGIN / fig_w, y, "\n".join(page.notes), fontsize=7, va="top", color="#444444",
                     linespacing=1.45, gid="left-out")
            y -= (0.15 * len(page.notes) + 0.05) / fig_h
        if page.legend:  # which group is which
            columns = 3 if page.landscape else 2
            per_column = -(-len(page.legend) // columns)
            for c in range(columns):
                chunk = page.legend[c * per_column:(c + 1) * per_column]
                if chunk:
                    fig.text((MARGIN + c * page.width / columns) / fig_w, y, "\n".join(chunk), fontsize=6.5,
                             va="top", color="#333333", linespacing=1.45, gid=f"groups-{c}")
        words = _WORDS.get(view.lang, _WORDS["en"])
        fig.text(MARGIN / fig_w, bottom, f"{words[1]} {__version__}", fontsize=6, va="bottom", color="#444444")
        return fig


class SVGExporter(PictureExporter):
    name = "svg"
    suffix = ".svg"
    media_type = "image/svg+xml"
    summary = "network picture, SVG (sources listed in NAME-sources.txt)"
    binary = False
    matplotlib_format = "svg"


class PNGExporter(PictureExporter):
    name = "png"
    suffix = ".png"
    media_type = "image/png"
    summary = "network picture, PNG (200 dpi; sources listed in NAME-sources.txt)"
    matplotlib_format = "png"


class PDFExporter(PictureExporter):
    name = "pdf"
    suffix = ".pdf"
    media_type = "application/pdf"
    summary = "network picture, PDF (sources from page 2)"
    matplotlib_format = "pdf"
    pages = True
