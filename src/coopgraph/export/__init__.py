"""Exports of the network view: files for Gephi, Cytoscape and yEd, pictures, and a web page.

One module per format, each an :class:`~coopgraph.export.base.Exporter`. Formats are looked up
by name and imported only when used, so ``coopgraph export --format csv`` never pays for
importing matplotlib. The CLI commands (``export``, ``path``, ``rank``) live in
:mod:`coopgraph.cli.export`; :func:`register` is the hook :mod:`coopgraph.cli.main` looks for.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from coopgraph.errors import UsageError

if TYPE_CHECKING:
    from coopgraph.export.base import EmptyView, Exporter, View, make_view

# format name -> "module:class" (relative to this package)
FORMATS: dict[str, str] = {
    "graphml": "graphml:GraphMLExporter",
    "gexf": "gexf:GEXFExporter",
    "dot": "dot:DotExporter",
    "cytoscape": "cytoscape:CytoscapeExporter",
    "csv": "csv:CSVExporter",
    "svg": "picture:SVGExporter",
    "png": "picture:PNGExporter",
    "pdf": "picture:PDFExporter",
    "html": "html:HTMLExporter",
    "timeline-svg": "timeline:TimelineSVGExporter",
    "timeline-png": "timeline:TimelinePNGExporter",
}

#: The formats of ``coopgraph map`` and ``coopgraph brief``, here so that listing them for the
#: CLI's options does not import the map and the brief (networkx, numpy: 0.18 s on every call).
MAP_FORMATS = ("svg", "png", "pdf", "html")
BRIEF_FORMATS = ("md", "html", "pdf")


def get_exporter(name: str) -> Exporter:
    """The exporter for a format name, or a UsageError listing the known ones."""
    try:
        module_name, class_name = FORMATS[name].split(":")
    except KeyError:
        raise UsageError(f"unknown format {name!r}; known formats: {', '.join(FORMATS)}") from None
    module = importlib.import_module(f"coopgraph.export.{module_name}")
    return getattr(module, class_name)()


def __getattr__(name: str) -> Any:
    """The network classes, imported on first use: listing FORMATS for the CLI's options must not
    import networkx (70 ms on every ``coopgraph`` call)."""
    if name in ("EmptyView", "Exporter", "View", "make_view"):
        from coopgraph.export import base

        return getattr(base, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["BRIEF_FORMATS", "FORMATS", "MAP_FORMATS", "EmptyView", "Exporter", "View", "get_exporter", "make_view"]
