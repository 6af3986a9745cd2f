"""Shared, build-once state for the export tests: the seed graph reasoned once per session.

Reasoning takes seconds, and every export test needs the same network, so it is built here
behind a cache instead of in each test (a plain session fixture imported into several modules
would still be built once per module). The seed article alone is used, so golden files do not
change when curators add articles; ``UPDATE_GOLDEN=1`` rewrites them after a deliberate change.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "data" / "most-2023-06-05-samr-reception.trig"
GOLDEN = ROOT / "tests" / "golden" / "export"
ARTIFACTS = ROOT / "tests" / "artifacts"


@lru_cache(maxsize=1)
def seed_coopgraph():  # noqa: ANN201 - coopgraph.CoopGraph
    """The seed article with the repo's own ontology and shapes.

    COOPGRAPH_HOME is pointed at the repo while loading, because another fixture (``home`` in
    conftest.py) may have pointed it at test shapes for the rest of the session.
    """
    import coopgraph

    old = os.environ.get("COOPGRAPH_HOME")
    os.environ["COOPGRAPH_HOME"] = str(ROOT)
    try:
        return coopgraph.open(data_paths=[SEED])
    finally:
        if old is None:
            os.environ.pop("COOPGRAPH_HOME", None)
        else:
            os.environ["COOPGRAPH_HOME"] = old


@lru_cache(maxsize=1)
def seed_network():  # noqa: ANN201 - coopgraph.export.network.Network
    from coopgraph.export.network import Network

    return Network.from_coopgraph(seed_coopgraph())


def structure(g: nx.Graph, ignore: tuple[str, ...] = ()) -> dict[str, Any]:
    """Nodes and edges with their attributes, as sorted plain data: what "same graph" means.

    Values are compared as strings, because formats differ in how they type numbers and booleans
    on the way back (GEXF reads weights as floats, GraphML booleans as bool).
    """
    def clean(d: dict[str, Any]) -> dict[str, str]:
        out = {}
        for k, v in d.items():
            if k.startswith("_") or k in ignore:
                continue
            if isinstance(v, bool):
                v = str(v).lower()
            elif isinstance(v, float) and v.is_integer():
                v = int(v)
            elif isinstance(v, tuple | list):
                v = " | ".join(map(str, v))
            out[k] = str(v)
        return dict(sorted(out.items()))

    nodes = {str(n): clean(d) for n, d in g.nodes(data=True)}
    def ends(u: Any, v: Any) -> list[str]:
        return [str(u), str(v)] if g.is_directed() else sorted((str(u), str(v)))

    edges = sorted(([*ends(u, v), clean(d)] for u, v, d in g.edges(data=True)), key=json.dumps)
    return {"nodes": dict(sorted(nodes.items())), "edges": edges}


def check_golden(name: str, actual: str) -> None:
    """Compare with tests/golden/export/NAME, or rewrite it when UPDATE_GOLDEN=1."""
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1" or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        if os.environ.get("UPDATE_GOLDEN") != "1":
            raise AssertionError(f"golden file {path} was missing and has been written; check it and rerun")
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{name} differs from the golden file (UPDATE_GOLDEN=1 rewrites it after review)"


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


@lru_cache(maxsize=1)
def real_network():  # noqa: ANN201 - coopgraph.export.network.Network
    """Every file in the repo's data/ folder, with curation: the network a policy officer exports.

    The whole-network picture is only hard on the real data (over 250 nodes, over 40 source documents);
    the seed article alone would let a layout pass that fails a real report.
    """
    import coopgraph
    from coopgraph.export.network import Network

    old = os.environ.get("COOPGRAPH_HOME")
    os.environ["COOPGRAPH_HOME"] = str(ROOT)
    try:
        return Network.from_coopgraph(coopgraph.open(progress=None))
    finally:
        if old is None:
            os.environ.pop("COOPGRAPH_HOME", None)
        else:
            os.environ["COOPGRAPH_HOME"] = old


# -- rendering PDFs the way a reader's viewer does (poppler) ---------------------------------


def require_tool(name: str) -> str:
    """A command-line tool a test renders with: skipped without it, failed under ``CI=true``."""
    found = shutil.which(name)
    if found is None:
        reason = f"{name} not found (Debian: apt-get install poppler-utils)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason}; under CI the rendering tests must run")
        pytest.skip(reason)
    return found


def pdf_to_pngs(pdf: bytes, tmp: Path, stem: str, dpi: int = 60) -> list[Path]:
    """The PDF's pages as pdftoppm draws them (what a reader's viewer shows)."""
    tool = require_tool("pdftoppm")
    source = tmp / f"{stem}.pdf"
    source.write_bytes(pdf)
    subprocess.run([tool, "-r", str(dpi), "-png", str(source), str(tmp / stem)], check=True, capture_output=True,
                   timeout=120)
    return sorted(tmp.glob(f"{stem}-*.png"))


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def fonts_embedded(pdf: Path) -> list[str]:
    """pdffonts' rows: every font of the PDF, which must say "yes" under emb."""
    tool = require_tool("pdffonts")
    out = subprocess.run([tool, str(pdf)], check=True, capture_output=True, text=True, timeout=60).stdout
    return out.splitlines()[2:]
