"""Node positions for the formats that carry them (the offline page, yEd GraphML).

A single force-directed layout of the whole view puts a node with no links (APO in the data)
far from everything else, and a viewer that fits the whole drawing then shows the connected
part as a tiny hairball in one corner. So each connected component is laid out on its own
(seeded, so every export of the same view gives the same positions), the largest one in the
middle, the other components in a row under it, and the isolated nodes in a row under those.
The ``main`` ids let a viewer fit its first view on the largest component.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from coopgraph.export.base import View

SPACING = 75.0  # pixels per sqrt(node): the main component's side is SPACING * sqrt(n)
ROW_GAP = 90.0  # pixels between one row and the next, and between isolated nodes in a row


@dataclass
class Placement:
    """Positions in pixels (y down, as in the browser and yEd) and what the main component is."""

    xy: dict[str, tuple[float, float]]
    main: list[str]  # the largest connected component, sorted
    isolated: list[str]  # nodes with no link, in the order of their row


def simple_graph(view: View) -> nx.Graph:
    """The view as an undirected simple graph on sorted nodes (layouts depend on node order)."""
    g = nx.Graph()
    g.add_nodes_from(sorted(view.graph.nodes))
    g.add_edges_from(sorted((u, v) for u, v in view.graph.edges() if u != v))
    return g


def ordered_subgraph(g: nx.Graph, nodes: list[str]) -> nx.Graph:
    """A copy of ``g`` on ``nodes`` with sorted nodes and edges.

    ``g.subgraph(nodes)`` iterates a small subgraph's nodes in the order of a Python set, which
    changes from one process to the next (string hashing is salted), and a spring layout
    depends on node order: the same view would give a different picture on every run.
    """
    keep = set(nodes)
    sub = nx.Graph()
    sub.add_nodes_from((n, g.nodes[n]) for n in sorted(keep))
    sub.add_edges_from(sorted((min(u, v), max(u, v), d) for u, v, d in g.edges(keep, data=True)
                              if u in keep and v in keep))
    return sub


def _spring(g: nx.Graph, nodes: list[str]) -> dict[str, tuple[float, float]]:
    """Seeded spring layout of one component, in pixels centred on (0, 0)."""
    if len(nodes) == 1:
        return {nodes[0]: (0.0, 0.0)}
    sub = ordered_subgraph(g, nodes)
    pos = nx.spring_layout(sub, seed=42, k=2.0 / len(nodes) ** 0.5, iterations=300)
    scale = SPACING * len(nodes) ** 0.5 / 2  # spring_layout returns [-1, 1]
    return {n: (float(x) * scale, float(-y) * scale) for n, (x, y) in pos.items()}


def place(view: View) -> Placement:
    """Seeded positions: main component centred, smaller components and isolated nodes in rows below."""
    g = simple_graph(view)
    components = sorted((sorted(c) for c in nx.connected_components(g)), key=lambda c: (-len(c), c[0]))
    linked = [c for c in components if len(c) > 1]
    isolated = sorted((c[0] for c in components if len(c) == 1),
                      key=lambda n: (view.graph.nodes[n].get("type", ""), view.graph.nodes[n].get("short_label", n)))
    xy: dict[str, tuple[float, float]] = {}
    main = linked[0] if linked else isolated[:1]
    bottom = 0.0
    if linked:
        xy.update(_spring(g, linked[0]))
        bottom = max(y for _, y in xy.values())
        # the other components side by side in one row under the main one, centred
        parts = [_spring(g, c) for c in linked[1:]]
        if parts:
            widths = [max(x for x, _ in p.values()) - min(x for x, _ in p.values()) for p in parts]
            heights = [max(y for _, y in p.values()) - min(y for _, y in p.values()) for p in parts]
            x = -(sum(widths) + ROW_GAP * (len(parts) - 1)) / 2
            top = bottom + ROW_GAP
            for p, w in zip(parts, widths, strict=True):
                x0, y0 = min(px for px, _ in p.values()), min(py for _, py in p.values())
                xy.update({n: (px - x0 + x, py - y0 + top) for n, (px, py) in p.items()})
                x += w + ROW_GAP
            bottom = top + max(heights)
    if isolated:
        # isolated nodes in rows under everything, as wide as the main drawing at most
        xs = [x for x, _ in xy.values()] or [0.0]
        per_row = max(1, int((max(xs) - min(xs)) // ROW_GAP) + 1)
        top = bottom + ROW_GAP if xy else 0.0
        for i, n in enumerate(isolated):
            row, col = divmod(i, per_row)
            in_row = min(per_row, len(isolated) - row * per_row)
            xy[n] = ((col - (in_row - 1) / 2) * ROW_GAP, top + row * ROW_GAP)
    rounded = {n: (round(x, 1), round(y, 1)) for n, (x, y) in xy.items()}
    return Placement(xy=rounded, main=list(main), isolated=[n for n in isolated if n not in main])
