"""Graphviz DOT, written by hand so that it needs no pydot and is stable line by line."""

from __future__ import annotations

import textwrap

from coopgraph.export.base import Exporter, View
from coopgraph.export.fonts import FONT_FAMILY
from coopgraph.export.style import EDGE_COLOR, style


def quote(text: str) -> str:
    """A DOT double-quoted string (backslashes and quotes escaped, newlines as \\n)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def wrap(text: str, width: int = 24, lines: int = 3) -> str:
    parts = textwrap.wrap(text, width) or [text]
    if len(parts) > lines:
        parts = parts[:lines]
        parts[-1] = parts[-1].rstrip(" ,.;") + "…"
    return "\n".join(parts)


class DotExporter(Exporter):
    name = "dot"
    suffix = ".dot"
    media_type = "text/vnd.graphviz"
    summary = "Graphviz DOT (render with dot -Tsvg)"

    def render(self, view: View) -> bytes:
        g = view.graph
        directed = g.is_directed()
        arrow = "->" if directed else "--"
        out = [
            f"{'digraph' if directed else 'graph'} coopgraph {{",
            f"  graph [label={quote(view.title + chr(10) + view.subtitle())}, labelloc=t, fontsize=16,"
            f" fontname={quote(FONT_FAMILY)}, rankdir=LR, overlap=false, splines=true];",
            f"  node [fontname={quote(FONT_FAMILY)}, fontsize=10, style=filled, penwidth=0.8];",
            f"  edge [fontname={quote(FONT_FAMILY)}, fontsize=8, color={quote(EDGE_COLOR)},"
            f" fontcolor={quote(EDGE_COLOR)}];",
        ]
        for n, d in g.nodes(data=True):
            s = style(d["type"])
            label = wrap(d["short_label"])
            if d.get("date") and d["type"] != "agency":
                label += f"\n{d['date']}"
            attrs = {
                "label": label, "shape": s.dot_shape, "fillcolor": s.color,
                "tooltip": f"{d['label']} ({d['type_label']})", "URL": d["iri"],
            }
            out.append(f"  {quote(n)} [" + ", ".join(f"{k}={quote(v)}" for k, v in attrs.items()) + "];")
        edges = g.edges(keys=True, data=True)
        for u, v, _, d in edges:
            label = d.get("post") or d["label"]
            if d.get("weight", 1) > 1:
                label += f" ×{d['weight']}"
            attrs = {"label": wrap(label, 28, 2), "tooltip": d.get("via", "") or label}
            extra = f", penwidth={1 + d.get('weight', 1)}" if not directed else ""
            out.append(f"  {quote(u)} {arrow} {quote(v)} [" + ", ".join(f"{k}={quote(v)}" for k, v in attrs.items())
                       + extra + "];")
        out.append("}")
        return ("\n".join(out) + "\n").encode("utf-8")
