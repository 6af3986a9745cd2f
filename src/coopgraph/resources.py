"""Locate ontology, shapes, queries and data whether installed from a wheel or run from the repo."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

_PACKAGE_DIR = Path(__file__).resolve().parent
_REPO_ROOT = _PACKAGE_DIR.parent.parent


def resource_dir(kind: str) -> Path:
    """Return the folder holding resources of ``kind`` ("ontology", "shapes", "queries", "data").

    A wheel carries copies under ``coopgraph/_resources``; an editable install does not, and
    must read the repo's own folders so edits show up without reinstalling. ``COOPGRAPH_HOME``
    wins over both, so tests and deployments can point at another tree.
    """
    home = os.environ.get("COOPGRAPH_HOME")
    if home:
        return Path(home) / kind
    installed = _PACKAGE_DIR / "_resources" / kind
    if installed.is_dir():
        return installed
    return _REPO_ROOT / kind


def words(name: str) -> dict[str, Any]:
    """The words an output prints, by language (``coopgraph/words/{name}.json``).

    Translations are data: a translator edits one JSON file per output (brief, map, picture)
    without reading the code that lays the words out, and the languages sit side by side.
    """
    return json.loads((_PACKAGE_DIR / "words" / f"{name}.json").read_text(encoding="utf-8"))
