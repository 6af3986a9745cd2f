"""Build outputs: atomic replacement, byte-identical determinism, and faithful round trips."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from _support import FIXTURE_DATA, FIXTURES, run_cli
from coopgraph.build.folder import OUTPUTS, build
from coopgraph.errors import InputError, InvalidData
from coopgraph.namespaces import INFERRED_GRAPH
from coopgraph.build.outputs import MARKER
from coopgraph.serialize import nt_term
from coopgraph.build.store import is_store

FILES = sorted([*OUTPUTS, "void.ttl"])
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def snapshot(folder: Path) -> dict[str, str]:
    """The published files' bytes (the store's own files are RocksDB's and change when opened)."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def test_all_outputs_written(built: Path) -> None:
    assert sorted(p.name for p in built.iterdir()) == sorted([*FILES, MARKER, "store"])
    assert is_store(built / "store")  # the store every command reads


def test_summary_numbers(home: Path, tmp_path: Path) -> None:
    result = build(FIXTURE_DATA, out_dir=tmp_path / "b")
    assert result.conforms
    assert result.sources == 1
    assert result.triples_inferred > 0
    assert result.entities_per_class["cg:StandardsBody"] == 3
    assert {"load", "validate", "reason", "write", "write files"} <= set(result.seconds)
    assert result.report.count("Warning") == 1  # chi-cuc-dong-nai has no abbreviation; not fatal


def test_shapes_the_project_engine_cannot_run_are_built_by_pyshacl_without_a_store(
        home: Path, tmp_path: Path) -> None:
    """A curator's shape with sh:closed (which coopgraph's validator does not implement) still
    builds: pySHACL and owlrl make the published files, and commands read those."""
    import coopgraph
    from conftest import coopgraph_home

    other = tmp_path / "home"
    (other / "shapes").mkdir(parents=True)
    for name in ("ontology", "data", "queries"):
        (other / name).symlink_to(home / name)
    for shape in (home / "shapes").iterdir():
        (other / "shapes" / shape.name).symlink_to(shape.resolve())
    (other / "shapes" / "closed.ttl").write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "<urn:closed> a sh:NodeShape ; sh:targetClass <urn:NoSuchClass> ; sh:closed true .\n", encoding="utf-8")
    said: list[str] = []
    with coopgraph_home(other):
        result = build(FIXTURE_DATA, out_dir=tmp_path / "b", progress=said.append)
        assert result.report.engine == "pyshacl" and result.conforms
        assert not (tmp_path / "b" / "store").exists()
        assert any("closed" in line and "pySHACL" in line for line in said), said
        graph = coopgraph.open(build_dir=tmp_path / "b")
        assert graph.store_dir is None and len(graph.asserted) == result.triples_asserted


def test_no_curation_leaves_out_curator_graphs(home: Path, tmp_path: Path) -> None:
    result = build(FIXTURE_DATA, out_dir=tmp_path / "b", curation=False)
    text = (tmp_path / "b" / "coopgraph.ttl").read_text()
    assert "chi-cuc-dong-nai" not in text
    assert "CuratorAssertion" not in text
    assert result.entities_per_class["cg:StandardsBody"] == 2


@pytest.mark.parametrize("bad", [FIXTURES / "bad" / "broken.trig", FIXTURES / "invalid" / "missing-label.trig"])
def test_failed_build_leaves_previous_output_untouched(home: Path, tmp_path: Path, bad: Path) -> None:
    out = tmp_path / "build"
    build(FIXTURE_DATA, out_dir=out)
    before = snapshot(out)
    with pytest.raises((InputError, InvalidData)):
        build([*FIXTURE_DATA, bad], out_dir=out)
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build"]  # no temp or backup dirs left


def test_invalid_data_cli_exit_1_prints_report(home: Path, tmp_path: Path) -> None:
    out = tmp_path / "build"
    proc = run_cli("build", "--data", *map(str, FIXTURE_DATA), str(FIXTURES / "invalid" / "missing-label.trig"),
                   "--out", str(out))
    assert proc.returncode == 1
    assert "an agency needs a label" in proc.stderr
    assert "missing-label.trig" in proc.stderr  # the report names the file to fix
    assert proc.stderr.strip().splitlines()[-1].startswith("coopgraph: error: data does not conform")
    assert "Traceback" not in proc.stderr
    assert not out.exists()


def test_rebuild_replaces_its_own_output(home: Path, tmp_path: Path) -> None:
    out = tmp_path / "build"
    build(FIXTURE_DATA, out_dir=out)
    (out / "coopgraph.ttl").write_text("old")
    build(FIXTURE_DATA, out_dir=out)
    assert (out / "coopgraph.ttl").read_text() != "old"
    assert sorted(p.name for p in out.iterdir()) == sorted([*FILES, MARKER, "store"])


def test_deterministic_across_hash_seeds(home: Path, tmp_path: Path) -> None:
    outs = []
    for seed in ("1", "4242"):
        out = tmp_path / f"seed-{seed}"
        proc = run_cli("build", "--data", *map(str, FIXTURE_DATA), "--out", str(out),
                       env={"PYTHONHASHSEED": seed, "COOPGRAPH_HOME": str(home)})
        assert proc.returncode == 0, proc.stderr
        outs.append(out)
    a, b = (snapshot(o) for o in outs)
    assert a == b
    assert len(a) == len(FILES) + 1  # and the marker


# -- round trips ------------------------------------------------------------------------------


def canon_rdflib(triples) -> set[str]:
    return {f"{nt_term(s)} {nt_term(p)} {nt_term(o)}" for s, p, o in triples}


def _from_ox(term) -> object:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        dt = None if term.datatype.value == XSD_STRING else URIRef(term.datatype.value)
        return Literal(term.value, datatype=dt)
    raise AssertionError(f"unexpected term {term!r} (fixture data has no blank nodes)")


def canon_ox(path: Path, fmt: ox.RdfFormat, with_graph: bool = False) -> set[str]:
    lines = set()
    for q in ox.parse(path.read_bytes(), format=fmt, base_iri=path.resolve().as_uri()):
        line = " ".join(nt_term(_from_ox(t)) for t in (q.subject, q.predicate, q.object))
        if with_graph:
            line += "" if isinstance(q.graph_name, ox.DefaultGraph) else " " + nt_term(_from_ox(q.graph_name))
        lines.add(line)
    return lines


def canon_quads(ds: Dataset) -> set[str]:
    lines = set()
    for s, p, o, g in ds.quads((None, None, None, None)):
        line = f"{nt_term(s)} {nt_term(p)} {nt_term(o)}"
        lines.add(line if g in (None, DATASET_DEFAULT_GRAPH_ID) else f"{line} {nt_term(g)}")
    return lines


@pytest.fixture(scope="module")
def expected(graph) -> dict[str, set[str]]:
    # the ontology and the presentation graph are computed when a graph is opened, not published
    quads = canon_quads(graph.dataset) - {
        line for line in canon_quads(graph.dataset)
        if line.endswith(("<https://w3id.org/coopgraph/graph/ontology>", "<https://w3id.org/coopgraph/graph/presentation>"))
    }
    return {
        "asserted": canon_rdflib(graph.asserted),
        "inferred": canon_rdflib(graph.inferred),
        "closure": canon_rdflib(graph.graph),
        "quads": quads,
    }


@pytest.mark.parametrize(
    ("name", "rdflib_format", "ox_format", "which"),
    [
        ("coopgraph.ttl", "turtle", ox.RdfFormat.TURTLE, "asserted"),
        ("coopgraph-inferred.ttl", "turtle", ox.RdfFormat.TURTLE, "inferred"),
        ("coopgraph-closure.nt", "nt", ox.RdfFormat.N_TRIPLES, "closure"),
        ("coopgraph.jsonld", "json-ld", ox.RdfFormat.JSON_LD, "asserted"),
    ],
)
def test_round_trip_triples(built: Path, expected, name: str, rdflib_format: str, ox_format, which: str) -> None:
    path = built / name
    g = Graph().parse(path, format=rdflib_format)
    assert canon_rdflib(g) == expected[which]
    assert canon_ox(path, ox_format) == expected[which]


def test_round_trip_trig(built: Path, expected) -> None:
    path = built / "coopgraph.trig"
    ds = Dataset()
    ds.parse(path, format="trig")
    assert canon_quads(ds) == expected["quads"]
    assert canon_ox(path, ox.RdfFormat.TRIG, with_graph=True) == expected["quads"]
    assert any(line.endswith(f"<{INFERRED_GRAPH}>") for line in expected["quads"])


@pytest.mark.parametrize("name", ["void.ttl", "ontology.ttl", "validation.ttl"])
def test_other_turtle_outputs_parse_in_both(built: Path, name: str) -> None:
    path = built / name
    g = Graph().parse(path, format="turtle")
    n = sum(1 for _ in ox.parse(path.read_bytes(), format=ox.RdfFormat.TURTLE, base_iri=path.resolve().as_uri()))
    assert len(g) == n > 0


def test_void_describes_distributions(built: Path) -> None:
    text = (built / "void.ttl").read_text()
    for name in OUTPUTS:
        assert f"<https://w3id.org/coopgraph/download/{name}>" in text  # absolute: no @base needed
    assert "creativecommons.org/licenses/by/4.0" in text


def test_open_from_build_matches_in_memory(built: Path, graph) -> None:
    import coopgraph

    loaded = coopgraph.open(build_dir=built)
    assert canon_rdflib(loaded.asserted) == canon_rdflib(graph.asserted)
    assert canon_rdflib(loaded.inferred) == canon_rdflib(graph.inferred)
    no_curation = coopgraph.open(build_dir=built, curation=False)
    assert len(no_curation.asserted) < len(graph.asserted)
    assert not any("chi-cuc-dong-nai" in line for line in canon_rdflib(no_curation.graph))
