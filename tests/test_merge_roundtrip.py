"""A data file taken apart into a draft (one fact per passage graph), all accepted, merges back
into the same quads: merge writes the layout data/ has, and the result validates in context."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from _support import ROOT
from coopgraph.curate.draft import Draft, Fact, write_draft
from coopgraph.load import rdflib_quads, read_quads
from coopgraph.curate.merge import merge
from coopgraph.namespaces import CG, RDF

# The data files that describe one source whose slug is the file's name (the others add a
# working translation as a second source, or hold curator assertions).
SINGLE_SOURCE = sorted(
    p for p in (ROOT / "data").glob("*.trig")
    if p.read_text(encoding="utf-8").count("a cg:SourceDocument") == 1
    and f"\nsrc:{p.stem} {{" in p.read_text(encoding="utf-8")
)


def draft_of(path: Path) -> Draft:
    quads = list(rdflib_quads(path, read_quads(path)))
    draft = Draft(slug=path.stem)
    draft.source_triples = sorted((s, p, o) for s, p, o, g in quads if g == draft.source)
    passages = sorted({g for _, _, _, g in quads if g != draft.source})
    for n, graph in enumerate(passages, 1):
        triples = sorted((s, p, o) for s, p, o, g in quads if g == graph)
        draft.facts.append(Fact(draft.fact_iri(n), "passage", graph, "", 1.0, decision="accepted", triples=triples))
    return draft


def test_every_single_source_file_is_covered() -> None:
    assert len(SINGLE_SOURCE) >= 4


@pytest.mark.parametrize("path", SINGLE_SOURCE, ids=lambda p: p.stem)
def test_a_data_file_merges_back_to_itself(path: Path, tmp_path: Path, repo_home: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data, ignore=shutil.ignore_patterns("sources", path.name))
    draft = draft_of(path)
    write_draft(draft, tmp_path / "draft.trig")
    result = merge(tmp_path / "draft.trig", data)
    assert result.written and result.report.conforms, result.report.to_text()
    merged = set(rdflib_quads(result.path, read_quads(result.path)))
    original = set(rdflib_quads(path, read_quads(path)))
    cited = {f.evidence for f in draft.facts}
    unused = {s for s, p, o in draft.source_triples if (s, RDF.type, CG.Evidence) in draft.source_triples} - cited
    assert merged == {q for q in original if q[0] not in unused}
