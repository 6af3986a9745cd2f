"""GraphML with typed keys (string, long, boolean), which yEd, Cytoscape and Gephi all read."""

from __future__ import annotations

import io

import networkx as nx

from coopgraph.export.base import Exporter, View
from coopgraph.network import public_copy


class GraphMLExporter(Exporter):
    name = "graphml"
    suffix = ".graphml"
    media_type = "application/graphml+xml"
    summary = "GraphML for yEd, Cytoscape and Gephi"

    def render(self, view: View) -> bytes:
        buf = io.BytesIO()
        # named_key_ids: keys are the attribute names ("type", "label"), which yEd shows as is.
        nx.write_graphml(public_copy(view.graph), buf, named_key_ids=True, infer_numeric_types=False)
        return buf.getvalue()
