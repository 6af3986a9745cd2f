"""Group the network into communities and give each group its own round region of the picture.

A single force-directed layout of the whole network (100 nodes, 236 links in the data) makes a
hairball in which no-one can tell which agencies work together. The greedy-modularity
communities of :func:`coopgraph.measures.communities` are what a reader wants to see apart:
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
from coopgraph.measures import communities, undirected

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
