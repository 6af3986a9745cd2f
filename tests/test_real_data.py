"""The project's own data in data/: it must build, conform and round-trip (skipped until it exists)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from _support import ROOT
from coopgraph.build import BuildResult
from coopgraph.load import FORMATS

REAL_DATA = sorted(p for p in (ROOT / "data").glob("*") if p.suffix in FORMATS) if (ROOT / "data").is_dir() else []

pytestmark = pytest.mark.skipif(not REAL_DATA, reason="data/ holds no RDF files yet")


@pytest.fixture(scope="module")
def real_build(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    from coopgraph.build import build

    saved = os.environ.pop("COOPGRAPH_HOME", None)  # the repo's own ontology and shapes
    try:
        out = tmp_path_factory.mktemp("real") / "build"
        return build(REAL_DATA, out_dir=out)
    finally:
        if saved is not None:
            os.environ["COOPGRAPH_HOME"] = saved


def test_real_data_builds_and_conforms(real_build) -> None:
    assert real_build.conforms
    assert real_build.triples_asserted > 0 and real_build.sources > 0


def test_real_build_loads_back(real_build) -> None:
    import coopgraph

    g = coopgraph.open(build_dir=real_build.out_dir)
    assert len(g.asserted) == real_build.triples_asserted
    assert len(g.inferred) == real_build.triples_inferred
    assert Path(real_build.out_dir, "void.ttl").is_file()
