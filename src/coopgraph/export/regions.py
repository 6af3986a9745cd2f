"""Group the network into communities and give each group its own round region of the picture.

A single force-directed layout of the whole network (over 250 nodes and nearly 500 links in the data) makes a
hairball in which no-one can tell which agencies work together. The greedy-modularity
communities of :func:`coopgraph.export.measures.communities` are what a reader wants to see apart:
each becomes one disc whose area grows with its size, the discs are placed by a seeded spring
layout of the group graph (groups with many links between them end up side by side) and then
pushed apart until no two discs touch; inside a disc, the members get their own seeded spring
layout. Nodes with no link at all form one last group of their own, so they are not scattered
among the others. Everything is seeded and sorted, so the same view always gives the same
picture.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np

from coopgraph.export.base import View
from coopgraph.export.placement import ordered_subgraph
from coopgraph.export.measures import communities, undirected

GAP = 0.6  # space between two discs, in units of the smallest disc's radius


@dataclass
class Group:
    """One community: its letter on the picture, its members (most-linked first), its disc."""

    letter: str
    members: list[str]
    linked: bool  # False for the group of nodes without any link
    centre: tuple[float, float] = (0.0, 0.0)
    radius: float = 1.0


def letter(i: int) -> str:
    """A, B, …, Z, AA, AB, …: the group's name on the picture and in its legend."""
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


def groups(view: View) -> tuple[list[Group], nx.Graph]:
    """The view's communities, largest first, and the simple undirected graph they were found in."""
    simple = undirected(view.graph)
    ordered = nx.Graph()
    ordered.add_nodes_from(sorted(simple.nodes(data=True)))
    ordered.add_edges_from(sorted((min(u, v), max(u, v), d) for u, v, d in simple.edges(data=True)))
    isolated = sorted(n for n in ordered if ordered.degree(n) == 0)
    linked = ordered_subgraph(ordered, [n for n in ordered if ordered.degree(n) > 0])
    found = communities(linked) if linked.number_of_nodes() else []

    def rank(n: str) -> tuple[int, str, str]:
        return (-ordered.degree(n), view.graph.nodes[n]["short_label"], n)

    out = [Group(letter(i), sorted(c, key=rank), True) for i, c in enumerate(found)]
    if isolated:
        out.append(Group(letter(len(out)), sorted(isolated, key=rank), False))
    return out, ordered


def _push_apart(centre: np.ndarray, radius: np.ndarray, gap: float, iterations: int = 400) -> np.ndarray:
    """Move discs apart (half each, along the line between their centres) until none overlap."""
    n = len(radius)
    rng = np.random.default_rng(11)
    for _ in range(iterations):
        d = centre[:, None, :] - centre[None, :, :]
        dist = np.sqrt((d**2).sum(axis=2))
        need = radius[:, None] + radius[None, :] + gap
        over = np.where(np.eye(n, dtype=bool), 0.0, need - dist)
        if (over <= 1e-9).all():
            break
        tiny = dist < 1e-9
        d[tiny] = rng.uniform(-1, 1, size=(int(tiny.sum()), 2))
        dist = np.where(tiny, 1.0, dist)
        unit = d / dist[..., None]
        push = (np.clip(over, 0, None)[..., None] * unit).sum(axis=1) * 0.5
        centre = centre + push
    return centre


def _inner(g: nx.Graph, members: list[str]) -> dict[str, np.ndarray]:
    """Seeded spring layout of one group, centred on (0, 0), inside the unit disc."""
    if len(members) == 1:
        return {members[0]: np.zeros(2)}
    nodes = sorted(members)
    sub = ordered_subgraph(g, nodes)
    if sub.number_of_edges() == 0:  # the unlinked group: a sunflower spiral, evenly spread
        angle = np.pi * (3 - np.sqrt(5))
        return {n: np.sqrt((i + 0.5) / len(members)) * np.array([np.cos(i * angle), np.sin(i * angle)])
                for i, n in enumerate(members)}
    pos = nx.spring_layout(sub, seed=42, k=1.5 / np.sqrt(len(nodes)), iterations=200)
    xy = np.array([pos[n] for n in nodes])
    xy -= xy.mean(axis=0)
    xy /= max(float(np.sqrt((xy**2).sum(axis=1)).max()), 1e-9)
    return dict(zip(nodes, xy, strict=True))


def arrange(view: View) -> tuple[list[Group], dict[str, tuple[float, float]], nx.Graph]:
    """Groups with their discs, node positions (abstract units, y up) and the simple graph."""
    found, g = groups(view)
    member = {n: i for i, grp in enumerate(found) for n in grp.members}
    radius = np.array([np.sqrt(len(grp.members)) for grp in found], dtype=float)
    if len(found) == 1:
        centre = np.zeros((1, 2))
    else:
        between = nx.Graph()
        between.add_nodes_from(range(len(found)))
        for u, v in g.edges():
            a, b = member[u], member[v]
            if a != b:
                w = between[a][b]["weight"] + 1 if between.has_edge(a, b) else 1
                between.add_edge(min(a, b), max(a, b), weight=w)
        pos = nx.spring_layout(between, seed=42, weight="weight", iterations=200)
        centre = np.array([pos[i] for i in range(len(found))], dtype=float) * radius.sum()
        unlinked = [i for i, grp in enumerate(found) if not grp.linked]
        if unlinked:  # the unlinked nodes go under everything else, not in the middle of it
            others = [i for i in range(len(found)) if i not in unlinked]
            low = min(centre[i, 1] - radius[i] for i in others) if others else 0.0
            for i in unlinked:
                centre[i] = (float(centre[others, 0].mean()) if others else 0.0, low - radius[i] * 2)
        centre = _push_apart(centre, radius, GAP * float(radius.min()))
    xy: dict[str, tuple[float, float]] = {}
    for i, grp in enumerate(found):
        grp.centre = (float(centre[i, 0]), float(centre[i, 1]))
        grp.radius = float(radius[i])
        for n, p in _inner(g, grp.members).items():
            q = centre[i] + p * radius[i] * 0.85
            xy[n] = (float(q[0]), float(q[1]))
    return found, xy, g


def hull(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Convex hull (counter-clockwise, Andrew's monotone chain) of a group's box corners."""
    pts = sorted(set(points))
    if len(pts) <= 2:
        return pts

    def cross(o: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[tuple[float, float]] = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list[tuple[float, float]] = []
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


Polygon = list[tuple[float, float]]


def separating_axis(p: Polygon, q: Polygon) -> tuple[np.ndarray, float, float] | None:
    """(axis, end of p, start of q) of the edge normal along which convex ``p`` and ``q`` are
    widest apart (``p`` on the low side), or None when they intersect."""
    a, b = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    best: tuple[np.ndarray, float, float] | None = None
    width = 0.0
    for poly in (a, b):
        edges = np.roll(poly, -1, axis=0) - poly
        for ex, ey in edges:
            n = float(np.hypot(ex, ey))
            if n < 1e-12:
                continue
            axis = np.array([ey / n, -ex / n])
            pa, pb = a @ axis, b @ axis
            for sign in (1.0, -1.0):
                lo_end, hi_start = (pa.max(), pb.min()) if sign > 0 else (-pa.min(), -pb.max())
                if hi_start - lo_end > width:
                    width = float(hi_start - lo_end)
                    best = (axis * sign, float(lo_end), float(hi_start))
    return best


def clip(poly: Polygon, axis: np.ndarray, limit: float) -> Polygon:
    """The part of convex ``poly`` where ``point · axis <= limit`` (Sutherland–Hodgman, one edge)."""
    out: Polygon = []
    pts = [np.asarray(v, dtype=float) for v in poly]
    for k, cur in enumerate(pts):
        prev = pts[k - 1]
        dc, dp = float(cur @ axis) - limit, float(prev @ axis) - limit
        if dc <= 0:
            if dp > 0:
                t = dp / (dp - dc)
                out.append(tuple(prev + t * (cur - prev)))
            out.append(tuple(cur))
        elif dp <= 0:
            t = dp / (dp - dc)
            out.append(tuple(prev + t * (cur - prev)))
    return [(float(x), float(y)) for x, y in out]


def apart(outlines: list[Polygon], cores: list[Polygon], gap: float) -> list[Polygon]:
    """The region outlines cut back so that no two overlap, each keeping all of its core.

    ``cores`` are the hulls of each group's own boxes, ``outlines`` the same padded. Where two
    padded outlines overlap but the cores do not, both are cut along the line midway between the
    cores, ``gap`` apart: no member leaves its region and no region covers another's. Cores that
    interpenetrate cannot be split by a line; their outlines are left as they are.
    """
    out = [list(o) for o in outlines]
    for i in range(len(out)):
        for j in range(i + 1, len(out)):
            found = separating_axis(cores[i], cores[j])
            if found is None:
                continue
            axis, end, start = found
            middle = (end + start) / 2
            half = min(gap / 2, (start - end) / 2)
            a = np.asarray(out[i], dtype=float) @ axis
            b = np.asarray(out[j], dtype=float) @ axis
            if a.max() + half <= b.min() - half:
                continue  # already apart
            out[i] = clip(out[i], axis, middle - half)
            out[j] = clip(out[j], -axis, -(middle + half))
    return out


def separate(cores: list[Polygon], width: float, height: float, gap: float, slack: float = 0.0,
             iterations: int = 300) -> list[np.ndarray] | None:
    """Moves (one per group) after which no two convex ``cores`` intersect (``gap`` apart).

    Groups move as rigid wholes along the shortest way out of each overlap (separating axes),
    so the nodes and labels inside each stay as they were; then the whole is recentred on the
    ``width`` × ``height`` page (``slack`` past each edge allowed). None when they do not fit.
    """
    n = len(cores)
    shift = [np.zeros(2) for _ in range(n)]
    for _ in range(iterations):
        moved = False
        for i in range(n):
            for j in range(i + 1, n):
                a = np.asarray(cores[i], dtype=float) + shift[i]
                b = np.asarray(cores[j], dtype=float) + shift[j]
                found = separating_axis(a.tolist(), b.tolist())
                if found is not None and found[2] - found[1] >= gap:
                    continue
                v = _push(a, b, gap)
                shift[i], shift[j] = shift[i] - 0.5 * v, shift[j] + 0.5 * v
                moved = True
        if not moved:
            break
    else:
        return None
    pts = np.concatenate([np.asarray(c, dtype=float) + s for c, s in zip(cores, shift, strict=True)])
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    if hi[0] - lo[0] > width + 2 * slack or hi[1] - lo[1] > height + 2 * slack:
        return None
    centre = np.array([width / 2, height / 2]) - (lo + hi) / 2
    return [s + centre for s in shift]


def _push(a: np.ndarray, b: np.ndarray, gap: float) -> np.ndarray:
    """The shortest move of ``b`` that leaves it ``gap`` clear of ``a`` (both convex)."""
    best, depth = np.zeros(2), np.inf
    for poly in (a, b):
        edges = np.roll(poly, -1, axis=0) - poly
        for ex, ey in edges:
            n = float(np.hypot(ex, ey))
            if n < 1e-12:
                continue
            axis = np.array([ey / n, -ex / n])
            pa, pb = a @ axis, b @ axis
            for sign in (1.0, -1.0):  # move b to the high side (sign 1) or the low side of a
                need = (pa.max() - pb.min() + gap) if sign > 0 else (pb.max() - pa.min() + gap)
                if 0 <= need < depth:
                    depth, best = need, axis * sign * need
    return best
