"""GEXF for Gephi: attributes, colours and sizes by type, and time intervals for a period view."""

from __future__ import annotations

import io

import networkx as nx

from coopgraph.export.base import Exporter, View
from coopgraph.export.style import rgb, style
from coopgraph.export.network import public_copy


class GEXFExporter(Exporter):
    name = "gexf"
    suffix = ".gexf"
    media_type = "application/gexf+xml"
    summary = "GEXF for Gephi (dynamic with --period)"

    def render(self, view: View) -> bytes:
        g = public_copy(view.graph)
        for _, data in g.nodes(data=True):
            s = style(data["type"])
            r, gr, b = rgb(s.color)
            # Gephi shows viz colours and sizes straight away, so the file opens looking like
            # the static picture instead of grey dots.
            data["viz"] = {"color": {"r": r, "g": gr, "b": b, "a": 1.0}, "size": 10.0 * s.size}
        buf = io.BytesIO()
        nx.write_gexf(g, buf, version="1.2draft")
        return buf.getvalue()
