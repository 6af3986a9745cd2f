"""Node and edge lists as two CSV files, for spreadsheets and for Gephi's or Cytoscape's importers.

The files are UTF-8 with a byte-order mark: without it Excel reads Vietnamese and Chinese
names as mojibake, and every other CSV reader skips the mark.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from coopgraph.errors import UsageError
from coopgraph.export.base import Exporter, View
from coopgraph.export.network import iter_public

NODE_COLUMNS = ("id", "label", "type", "class", "short_label", "label_vi", "label_en", "label_zh", "abbreviation",
                "country", "date", "founded", "n_sources", "sources")
EDGE_COLUMNS = ("source", "target", "key", "relation", "label", "weight", "n_sources", "inferred", "date", "post",
                "via", "sources")


def _table(rows: list[dict], preferred: tuple[str, ...]) -> bytes:
    seen = {k for row in rows for k in row}
    columns = [c for c in preferred if c in seen] + sorted(seen - set(preferred))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("true" if v is True else "false" if v is False else v) for k, v in row.items()})
    return buf.getvalue().encode("utf-8-sig")


def node_rows(view: View) -> list[dict]:
    return [{"id": n, **dict(iter_public(d))} for n, d in view.graph.nodes(data=True)]


def edge_rows(view: View) -> list[dict]:
    g = view.graph
    return [{"source": u, "target": v, "key": k, **dict(iter_public(d))} for u, v, k, d in g.edges(keys=True, data=True)]


class CSVExporter(Exporter):
    name = "csv"
    suffix = ".csv"
    media_type = "text/csv"
    summary = "nodes.csv and edges.csv (-o DIR, or -o NAME.csv for NAME-nodes.csv/NAME-edges.csv)"

    def render(self, view: View) -> bytes:
        """Both tables in one stream (for stdout), separated by a blank line."""
        nodes = _table(node_rows(view), NODE_COLUMNS)
        edges = _table(edge_rows(view), EDGE_COLUMNS).removeprefix("\ufeff".encode())
        return nodes + b"\n" + edges

    def outputs(self, view: View, path: Path | None) -> dict[Path | None, bytes]:
        if path is None:
            raise UsageError("csv writes two files (nodes and edges); give -o DIR or -o NAME.csv")
        if path.suffix.lower() == ".csv":
            base = path.with_suffix("")
            nodes_path, edges_path = Path(f"{base}-nodes.csv"), Path(f"{base}-edges.csv")
        else:
            nodes_path, edges_path = path / "nodes.csv", path / "edges.csv"
        return {
            nodes_path: _table(node_rows(view), NODE_COLUMNS),
            edges_path: _table(edge_rows(view), EDGE_COLUMNS),
        }
