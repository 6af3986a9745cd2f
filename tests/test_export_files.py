"""File exports of the seed graph: each re-read and compared with the view it came from.

GraphML and GEXF are read back with networkx and must give the same nodes, edges and
attributes (GEXF carries a modification date, so it is compared structurally, never byte for
byte). DOT must render with Graphviz. CSV and Cytoscape JSON are deterministic and pinned by
golden files.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pytest
from export_support import check_golden, dumps, seed_network, structure

from coopgraph.errors import UsageError
from coopgraph.export import FORMATS, EmptyView, get_exporter, make_view
from coopgraph.export.network import Period, ViewOptions

MEETING = "https://w3id.org/coopgraph/id/meeting/2023-06-05-most-samr-reception"
YED_READ = ("x", "y", "shape_type")
Y = "{http://www.yworks.com/xml/graphml}"
G = "{http://graphml.graphdrawing.org/xmlns}"


def view(**options):  # noqa: ANN003, ANN201
    return make_view(seed_network(), ViewOptions(**options))


def export(fmt: str, tmp_path: Path, name: str | None = None, **options) -> Path:  # noqa: ANN003
    exporter = get_exporter(fmt)
    path = tmp_path / (name or f"out{exporter.suffix}")
    written = exporter.export(view(**options), path)
    assert written and all(p.stat().st_size > 0 for p in written)
    return written[0]


@pytest.mark.parametrize("options", [{}, {"actors": True}, {"lang": "vi", "focus": "SAMR", "depth": 2}])
def test_graphml_round_trip_keeps_nodes_edges_and_attributes(tmp_path: Path, options: dict) -> None:
    v = view(**options)
    path = export("graphml", tmp_path, **options)
    back = nx.read_graphml(path, force_multigraph=True)
    assert back.number_of_nodes() == v.graph.number_of_nodes()
    assert back.number_of_edges() == v.graph.number_of_edges()
    # networkx reads yEd's drawing data into x, y and shape_type; everything else is the view's
    assert structure(back, ignore=YED_READ) == structure(v.graph)
    keys = {k.get("attr.name"): k.get("attr.type") for k in ET.parse(path).getroot()
            if k.tag.endswith("key")}
    assert keys["n_sources"] == "long" and keys["inferred"] == "boolean" and keys["type"] == "string"


@pytest.mark.parametrize("options", [{}, {"actors": True}])
def test_graphml_opens_in_yed_labelled_and_styled(tmp_path: Path, options: dict) -> None:
    """What yEd needs to draw the file: its graphics keys, and per node a label, shape, colour, place."""
    from coopgraph.export.picture import node_text
    from coopgraph.export.style import style

    v = view(**options)
    root = ET.parse(export("graphml", tmp_path, **options)).getroot()
    keys = root.findall(f"{G}key")
    ids = [k.get("id") for k in keys]
    assert len(ids) == len(set(ids)), "GraphML key ids must be unique (yEd mixes up node and edge keys)"
    graphics = {k.get("for"): k.get("id") for k in keys if k.get("yfiles.type")}
    assert {k.get("yfiles.type") for k in keys if k.get("yfiles.type")} == {"nodegraphics", "edgegraphics"}
    places = set()
    nodes = root.find(f"{G}graph").findall(f"{G}node")
    assert len(nodes) == v.graph.number_of_nodes()
    for node in nodes:
        data = v.graph.nodes[node.get("id")]
        shape = node.find(f"{G}data[@key='{graphics['node']}']/{Y}ShapeNode")
        assert shape is not None, node.get("id")
        assert shape.find(f"{Y}NodeLabel").text == node_text(data) != ""
        assert shape.find(f"{Y}Fill").get("color").lower() == style(data["type"]).color.lower()
        assert shape.find(f"{Y}Shape").get("type") == style(data["type"]).yed_shape
        geometry = shape.find(f"{Y}Geometry")
        places.add((geometry.get("x"), geometry.get("y")))
        assert float(geometry.get("width")) > 0
    assert len(places) == len(nodes), "every node has its own place (not all piled at 0,0)"
    edges = root.find(f"{G}graph").findall(f"{G}edge")
    assert edges and all(e.find(f"{G}data[@key='{graphics['edge']}']/{Y}PolyLineEdge") is not None for e in edges)
    arrows = {e.find(f".//{Y}Arrows").get("target") for e in edges}
    assert arrows == ({"standard"} if v.graph.is_directed() else {"none"})


@pytest.mark.parametrize("options", [{}, {"actors": True}, {"period": Period.parse("2019..2023")}])
def test_gexf_round_trip_keeps_nodes_edges_and_attributes(tmp_path: Path, options: dict) -> None:
    v = view(**options)
    path = export("gexf", tmp_path, **options)
    back = nx.read_gexf(path)
    assert back.number_of_nodes() == v.graph.number_of_nodes()
    assert back.number_of_edges() == v.graph.number_of_edges()
    # networkx adds the GEXF-only bits on reading: the edge id, its key, the viz colours
    assert structure(back, ignore=("id", "networkx_key", "viz")) == structure(v.graph)


def test_gexf_period_view_is_dynamic_with_intervals(tmp_path: Path) -> None:
    path = export("gexf", tmp_path, period=Period.parse("2019..2023"))
    root = ET.parse(path).getroot()
    ns = {"g": root.tag.split("}")[0].strip("{")}
    graph = root.find("g:graph", ns)
    assert graph.get("mode") == "dynamic" and graph.get("timeformat") == "date"
    starts = {n.get("id"): (n.get("start"), n.get("end")) for n in graph.iter(f"{{{ns['g']}}}node")}
    assert starts[MEETING] == ("2023-06-05", "2023-12-31")
    assert starts["https://w3id.org/coopgraph/id/agreement/2019-stameq-sac-mou"] == ("2019-01-01", "2023-12-31")
    static = ET.parse(export("gexf", tmp_path, name="static.gexf")).getroot().find("g:graph", ns)
    assert static.get("mode") == "static"


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' is not installed (apt-get install graphviz)")
@pytest.mark.parametrize("options", [{}, {"actors": True}])
def test_dot_renders_with_graphviz(tmp_path: Path, options: dict) -> None:
    path = export("dot", tmp_path, **options)
    done = subprocess.run(["dot", "-Tsvg", str(path)], capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    svg = ET.fromstring(done.stdout)
    assert svg.tag.endswith("svg")
    titles = "".join(svg.itertext())
    assert "SAMR" in titles


def test_dot_matches_golden(tmp_path: Path) -> None:
    check_golden("seed.dot", export("dot", tmp_path).read_text(encoding="utf-8"))


def test_cytoscape_json(tmp_path: Path) -> None:
    text = export("cytoscape", tmp_path).read_text(encoding="utf-8")
    doc = json.loads(text)
    v = view()
    assert len(doc["elements"]["nodes"]) == v.graph.number_of_nodes()
    assert len(doc["elements"]["edges"]) == v.graph.number_of_edges()
    ids = {n["data"]["id"] for n in doc["elements"]["nodes"]}
    assert all(e["data"]["source"] in ids and e["data"]["target"] in ids for e in doc["elements"]["edges"])
    assert {"Bò Thuần", "Lê Xuân Định"} <= {n["data"]["label"] for n in doc["elements"]["nodes"]}
    check_golden("seed.cyjs", text)


def test_csv_node_and_edge_lists(tmp_path: Path) -> None:
    nodes_path, edges_path = get_exporter("csv").export(view(), tmp_path / "seed.csv")
    assert nodes_path.name == "seed-nodes.csv" and edges_path.name == "seed-edges.csv"
    assert nodes_path.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the diacritics right
    nodes = list(csv.DictReader(io.StringIO(nodes_path.read_text(encoding="utf-8-sig"))))
    edges = list(csv.DictReader(io.StringIO(edges_path.read_text(encoding="utf-8-sig"))))
    v = view()
    assert len(nodes) == v.graph.number_of_nodes() and len(edges) == v.graph.number_of_edges()
    assert {"id", "label", "type", "label_vi", "date", "n_sources"} <= set(nodes[0])
    assert {"source", "target", "relation", "label", "n_sources"} <= set(edges[0])
    check_golden("seed-nodes.csv", nodes_path.read_text(encoding="utf-8-sig"))
    check_golden("seed-edges.csv", edges_path.read_text(encoding="utf-8-sig"))
    in_dir = get_exporter("csv").export(view(), tmp_path / "lists")
    assert [p.name for p in in_dir] == ["nodes.csv", "edges.csv"]


def test_csv_needs_an_output_path() -> None:
    with pytest.raises(UsageError, match="-o"):
        get_exporter("csv").export(view(), None)


def test_text_formats_go_to_stdout() -> None:
    buf = io.BytesIO()
    assert get_exporter("graphml").export(view(), None, stdout=buf) == []
    assert buf.getvalue().startswith(b"<?xml")


def test_empty_view_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(EmptyView, match="empty"):
        make_view(seed_network(), ViewOptions(period=Period.parse("2000..2001")))
    assert not list(tmp_path.iterdir())


def test_unwritable_output_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(UsageError, match="cannot write"):
        get_exporter("graphml").export(view(), blocker / "out.graphml")
    if os.geteuid() == 0:
        return  # root writes into read-only folders; the permission case cannot be shown
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(UsageError, match="permission denied"):
            get_exporter("svg").export(view(), locked / "out.svg")
    finally:
        locked.chmod(0o700)


def test_unknown_format() -> None:
    with pytest.raises(UsageError, match="known formats"):
        get_exporter("visio")
    assert set(FORMATS) >= {"graphml", "gexf", "dot", "cytoscape", "csv", "svg", "png", "pdf", "html",
                            "timeline-svg", "timeline-png"}


def test_golden_structure_of_exports_matches_network(tmp_path: Path) -> None:
    """GraphML re-read equals the golden network summary: the file says what the network says."""
    back = nx.read_graphml(export("graphml", tmp_path), force_multigraph=True)
    check_golden("seed-network.json", dumps(structure(back, ignore=YED_READ)))
