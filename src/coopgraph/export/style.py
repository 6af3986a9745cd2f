"""Colours and shapes per node type, shared by every drawing format so they all look alike.

Colours are the Okabe–Ito palette (distinguishable with the common colour-vision
deficiencies), and every type also has its own shape, so a greyscale print still tells them apart.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class KindStyle:
    """How one node type is drawn in each target."""

    color: str  # fill, #rrggbb
    marker: str  # matplotlib marker
    dot_shape: str  # Graphviz shape
    cy_shape: str  # Cytoscape.js shape
    size: float  # relative size
    yed_shape: str  # yEd ShapeNode shape (yEd has no pentagon or vee)


STYLES: dict[str, KindStyle] = {
    "agency": KindStyle("#E69F00", "s", "box", "round-rectangle", 1.5, "roundrectangle"),
    "person": KindStyle("#56B4E9", "o", "ellipse", "ellipse", 1.1, "ellipse"),
    "meeting": KindStyle("#D55E00", "*", "star", "star", 1.8, "star5"),
    "agreement": KindStyle("#009E73", "D", "diamond", "diamond", 1.3, "diamond"),
    "commitment": KindStyle("#CC79A7", "^", "triangle", "triangle", 0.9, "triangle"),
    "instrument": KindStyle("#0072B2", "p", "pentagon", "pentagon", 1.0, "trapezoid"),
    "change": KindStyle("#F0E442", "h", "hexagon", "hexagon", 1.1, "hexagon"),
    "country": KindStyle("#999999", "H", "octagon", "octagon", 1.0, "octagon"),
    "source": KindStyle("#FFFFFF", "v", "note", "vee", 0.9, "rectangle"),
}
EDGE_COLOR = "#6b6b6b"
TEXT_COLOR = "#1a1a1a"


def style(kind: str) -> KindStyle:
    return STYLES.get(kind, KindStyle("#cccccc", "o", "ellipse", "ellipse", 1.0, "ellipse"))


def rgb(color: str) -> tuple[int, int, int]:
    """"#rrggbb" → (r, g, b) for formats that want numbers (GEXF)."""
    c = color.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)
