"""World boundaries for the cooperation map: Natural Earth's countries, shipped with the package.

The map must work offline and give the same picture on every machine, so the boundaries are a
file in the package (``vendor/world-atlas-countries-50m.json``: Natural Earth 4.1.0 at 1:50m,
public domain, as TopoJSON from npm's ``world-atlas`` 2.0.2), decoded here without a GIS
library: TopoJSON is a list of shared, delta-encoded arcs, and a country is rings of arc
indices.

The graph's countries are ``cg:Country`` IRIs with labels; Natural Earth knows countries by
name and ISO 3166-1 numeric code. The graph holds no ISO code and world-atlas no Wikidata ID, so
the one link between them is the English name, compared whole (case and diacritics folded).
A country whose English name is not a Natural Earth name is not placed, and the map says so:
"Korea" could be either of two Natural Earth countries, and guessing one would state what no
source states.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from coopgraph.graph import normalize

WORLD_ATLAS_VERSION = "2.0.2"
NATURAL_EARTH_VERSION = "4.1.0"
ATTRIBUTION = (f"Boundaries: Natural Earth {NATURAL_EARTH_VERSION}, 1:50m (public domain), "
               f"via world-atlas {WORLD_ATLAS_VERSION}")
_FILE = "world-atlas-countries-50m.json"

Ring = np.ndarray  # (n, 2) longitude, latitude in degrees


@dataclass(frozen=True)
class Shape:
    """One Natural Earth country: its name, ISO 3166-1 numeric code and polygons (outer ring first)."""

    name: str
    code: str
    polygons: tuple[tuple[Ring, ...], ...]

    def main_polygon(self) -> tuple[Ring, ...]:
        """The largest polygon: where the country's name and links go (France, not French Guiana)."""
        return max(self.polygons, key=lambda p: abs(ring_area(p[0])))

    def anchor(self) -> tuple[float, float]:
        """(lon, lat) where the country's label and links are drawn: its main polygon's centroid."""
        return ring_centroid(self.main_polygon()[0])

    def bounds(self) -> tuple[float, float, float, float]:
        """(lon0, lat0, lon1, lat1) of every polygon."""
        pts = np.concatenate([p[0] for p in self.polygons])
        return float(pts[:, 0].min()), float(pts[:, 1].min()), float(pts[:, 0].max()), float(pts[:, 1].max())


def ring_area(ring: Ring) -> float:
    """Signed planar area in square degrees (shoelace)."""
    x, y = ring[:, 0], ring[:, 1]
    return float(0.5 * np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y))


def ring_centroid(ring: Ring) -> tuple[float, float]:
    """The area centroid of a ring, in degrees (planar, good enough inside one country)."""
    x, y = ring[:, 0], ring[:, 1]
    cross = x * np.roll(y, -1) - np.roll(x, -1) * y
    area = cross.sum() / 2
    if abs(area) < 1e-12:
        return float(x.mean()), float(y.mean())
    cx = ((x + np.roll(x, -1)) * cross).sum() / (6 * area)
    cy = ((y + np.roll(y, -1)) * cross).sum() / (6 * area)
    return float(cx), float(cy)


def _decode_arcs(topology: dict) -> list[np.ndarray]:
    """Absolute (lon, lat) points of every arc: TopoJSON stores quantized deltas."""
    scale = np.asarray(topology["transform"]["scale"], dtype=float)
    translate = np.asarray(topology["transform"]["translate"], dtype=float)
    return [np.cumsum(np.asarray(arc, dtype=float), axis=0) * scale + translate for arc in topology["arcs"]]


def _ring(indices: list[int], arcs: list[np.ndarray]) -> Ring:
    """A ring from arc indices; a negative index ~i is arc i reversed. Shared end points appear once.

    A ring that crosses the antimeridian (Fiji, Chukotka) is unwrapped east of 180°, so that it
    is drawn as one shape rather than with an edge across the whole world. Antarctica's ring goes
    round the pole, whichever way it is cut; it is left as it is (its long edge runs along the
    pole, outside any map window).
    """
    parts = []
    for k, i in enumerate(indices):
        pts = arcs[i] if i >= 0 else arcs[~i][::-1]
        parts.append(pts if k == 0 else pts[1:])
    ring = np.concatenate(parts)
    if np.abs(np.diff(ring[:, 0])).max(initial=0) > 180:
        unwrapped = ring.copy()
        unwrapped[unwrapped[:, 0] < 0, 0] += 360
        if np.ptp(unwrapped[:, 0]) < 180:
            return unwrapped
    return ring


def thin(points: np.ndarray, step: float) -> np.ndarray:
    """Drop points closer than ``step`` to the last one kept (first and last always kept).

    A country drawn at A4 scale needs no detail finer than a printer's dot; without this the
    SVG of a continent carries every vertex of the 1:50m file (2 MB instead of a few hundred kB).
    """
    if len(points) < 4:
        return points
    keep = [0]
    last = points[0]
    for i in range(1, len(points) - 1):
        if abs(points[i, 0] - last[0]) + abs(points[i, 1] - last[1]) >= step:
            keep.append(i)
            last = points[i]
    keep.append(len(points) - 1)
    return points[keep]


@lru_cache(maxsize=1)
def countries() -> tuple[Shape, ...]:
    """Every Natural Earth country in the shipped file, in the file's order."""
    text = resources.files("coopgraph.export").joinpath("vendor", _FILE).read_text(encoding="utf-8")
    topology = json.loads(text)
    arcs = _decode_arcs(topology)
    shapes = []
    for geom in topology["objects"]["countries"]["geometries"]:
        if geom.get("type") == "Polygon":
            polys = [geom["arcs"]]
        elif geom.get("type") == "MultiPolygon":
            polys = geom["arcs"]
        else:
            continue
        polygons = tuple(tuple(_ring(r, arcs) for r in poly) for poly in polys)
        shapes.append(Shape(geom["properties"]["name"], str(geom.get("id", "")), polygons))
    return tuple(shapes)


@lru_cache(maxsize=1)
def by_name() -> dict[str, Shape]:
    """Natural Earth countries by folded name (a name two countries share maps to neither)."""
    out: dict[str, Shape] = {}
    seen: set[str] = set()
    for shape in countries():
        key = normalize(shape.name)
        if key in seen:
            out.pop(key, None)
        else:
            out[key] = shape
        seen.add(key)
    return out


def place(english_names: list[str]) -> Shape | None:
    """The Natural Earth country one of a graph country's English names is the name of, else None."""
    table = by_name()
    for name in english_names:
        shape = table.get(normalize(name))
        if shape is not None:
            return shape
    return None
