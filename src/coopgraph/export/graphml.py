"""GraphML with typed keys (string, long, boolean) and yEd's drawing keys.

yEd draws a node only from its own ``nodegraphics`` data (a ``y:ShapeNode`` with a fill, a
shape, a label and a geometry); without it every node opens as an unlabelled grey square at the
same spot. So besides the plain attributes, which Cytoscape, Gephi and networkx read, each node
and edge carries that data: the label written under a node in the pictures, the shape and
colour of its type (``coopgraph.export.style``), and the position of the offline page's layout.

Readers that do not know yEd's keys skip them: they are declared with ``yfiles.type`` and no
``attr.name``. networkx reads the label, shape and geometry out of them into ``label``,
``shape_type``, ``x`` and ``y``; the graphics element is written first in each node, so the
node's own ``label`` attribute, written after it, is what networkx keeps.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import networkx as nx

from coopgraph.export.base import Exporter, View
from coopgraph.export.placement import place
from coopgraph.export.style import EDGE_COLOR, style
from coopgraph.export.network import public_copy

GRAPHML_NS = "http://graphml.graphdrawing.org/xmlns"
Y_NS = "http://www.yworks.com/xml/graphml"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
NODE_KEY, EDGE_KEY = "yed_nodegraphics", "yed_edgegraphics"
NODE_PX = 30.0  # marker side in yEd at size 1.0
LABEL_PT = 11


def _g(tag: str) -> str:
    return f"{{{GRAPHML_NS}}}{tag}"


def _y(tag: str) -> str:
    return f"{{{Y_NS}}}{tag}"


def yed_label(data: dict) -> str:
    """The text yEd writes under a node: the pictures' short, wrapped label."""
    from coopgraph.export.picture import node_text

    return node_text(data)


def _node_graphics(data: dict, x: float, y: float) -> ET.Element:
    s = style(data["type"])
    side = round(NODE_PX * s.size, 1)
    el = ET.Element(_g("data"), {"key": NODE_KEY})
    node = ET.SubElement(el, _y("ShapeNode"))
    # yEd's Geometry is the top-left corner of the shape
    ET.SubElement(node, _y("Geometry"), {"x": f"{x - side / 2:.1f}", "y": f"{y - side / 2:.1f}",
                                         "width": f"{side}", "height": f"{side}"})
    ET.SubElement(node, _y("Fill"), {"color": s.color.upper(), "transparent": "false"})
    ET.SubElement(node, _y("BorderStyle"), {"color": "#333333", "type": "line", "width": "1.0"})
    label = ET.SubElement(node, _y("NodeLabel"), {
        "alignment": "center", "autoSizePolicy": "content", "fontFamily": "Dialog", "fontSize": str(LABEL_PT),
        "fontStyle": "plain", "hasBackgroundColor": "false", "hasLineColor": "false", "textColor": "#1A1A1A",
        "modelName": "sides", "modelPosition": "s", "visible": "true",
    })
    label.text = yed_label(data)
    ET.SubElement(node, _y("Shape"), {"type": s.yed_shape})
    return el


def _edge_graphics(data: dict, directed: bool) -> ET.Element:
    el = ET.Element(_g("data"), {"key": EDGE_KEY})
    line = ET.SubElement(el, _y("PolyLineEdge"))
    width = 1.0 + 0.5 * (int(data.get("weight", 1) or 1) - 1)
    ET.SubElement(line, _y("LineStyle"), {"color": EDGE_COLOR.upper(), "type": "line", "width": f"{width:.1f}"})
    ET.SubElement(line, _y("Arrows"), {"source": "none", "target": "standard" if directed else "none"})
    ET.SubElement(line, _y("BendStyle"), {"smoothed": "false"})
    return el


class GraphMLExporter(Exporter):
    name = "graphml"
    suffix = ".graphml"
    media_type = "application/graphml+xml"
    summary = "GraphML for yEd (labels, shapes, colours), Cytoscape and Gephi"

    def render(self, view: View) -> bytes:
        g = public_copy(view.graph)
        buf = io.BytesIO()
        # named_key_ids: keys are the attribute names ("type", "label"), which tools show as is.
        nx.write_graphml(g, buf, named_key_ids=True, infer_numeric_types=False)
        ET.register_namespace("", GRAPHML_NS)
        ET.register_namespace("y", Y_NS)
        ET.register_namespace("xsi", XSI_NS)
        root = ET.fromstring(buf.getvalue())
        keys = [k for k in root if k.tag == _g("key")]
        # named ids clash when nodes and edges share an attribute name ("label", "sources"): a
        # GraphML id is unique, and yEd then attaches the edge key's value to nodes. Edge keys
        # that clash get an "edge_" id; readers go by attr.name, so the attributes keep their names.
        node_ids = {k.get("id") for k in keys if k.get("for") != "edge"}
        renamed = {}
        for k in keys:
            if k.get("for") == "edge" and k.get("id") in node_ids:
                renamed[k.get("id")] = f"edge_{k.get('id')}"
                k.set("id", renamed[k.get("id")])
        graph = root.find(_g("graph"))
        assert graph is not None
        for edge in graph.iter(_g("edge")):
            for d in edge.iter(_g("data")):
                if d.get("key") in renamed:
                    d.set("key", renamed[d.get("key")])
        first = list(root).index(graph)
        root.insert(first, ET.Element(_g("key"), {"for": "edge", "id": EDGE_KEY, "yfiles.type": "edgegraphics"}))
        root.insert(first, ET.Element(_g("key"), {"for": "node", "id": NODE_KEY, "yfiles.type": "nodegraphics"}))
        schema = f"{GRAPHML_NS} http://www.yworks.com/xml/schema/graphml/1.1/ygraphml.xsd"
        root.set(f"{{{XSI_NS}}}schemaLocation", schema)
        xy = place(view).xy
        for node in graph.iter(_g("node")):
            n = node.get("id")
            node.insert(0, _node_graphics(g.nodes[n], *xy[n]))
        directed = g.is_directed()
        if g.is_multigraph():
            by_end = {(u, v, str(k)): d for u, v, k, d in g.edges(keys=True, data=True)}
        else:
            by_end = {(u, v, None): d for u, v, d in g.edges(data=True)}
        for edge in graph.iter(_g("edge")):
            ends = (edge.get("source"), edge.get("target"), edge.get("id"))
            data = by_end.get(ends) or by_end[(ends[1], ends[0], ends[2])]  # undirected views: either way
            edge.insert(0, _edge_graphics(data, directed))
        ET.indent(root, space="  ")
        return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
