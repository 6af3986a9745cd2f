"""Cytoscape.js JSON (``elements`` with ``data``), also the .cyjs format Cytoscape desktop imports."""

from __future__ import annotations

import json

from coopgraph.export.base import Exporter, View
from coopgraph.export.network import iter_public


def elements(view: View) -> dict[str, list[dict]]:
    """Nodes and edges as Cytoscape.js element dicts; shared with the HTML page."""
    g = view.graph
    nodes = []
    for n, data in g.nodes(data=True):
        item = {"id": n, **dict(iter_public(data))}
        item["names"] = list(data.get("names", ()))
        nodes.append({"data": item})
    edges = []
    multi = g.is_multigraph()
    for i, edge in enumerate(g.edges(keys=True, data=True) if multi else g.edges(data=True)):
        u, v, *rest = edge
        key, data = (rest[0], rest[1]) if multi else (None, rest[0])
        item = {"id": f"e{i}", "source": u, "target": v, "key": key or data.get("relation", ""),
                **dict(iter_public(data))}
        edges.append({"data": item})
    return {"nodes": nodes, "edges": edges}


class CytoscapeExporter(Exporter):
    name = "cytoscape"
    suffix = ".cyjs"
    media_type = "application/json"
    summary = "Cytoscape.js / Cytoscape desktop JSON"

    def render(self, view: View) -> bytes:
        doc = {
            "format_version": "1.0",
            "generated_by": "coopgraph",
            "target_cytoscapejs_version": "~3.34",
            "data": {k: v for k, v in iter_public(view.graph.graph) if isinstance(v, str | int | float | bool)},
            "directed": view.graph.is_directed(),
            "elements": elements(view),
        }
        return (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
