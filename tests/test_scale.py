"""The scale path must give exactly the reference answers: owlrl's inferred triples (as filtered
by coopgraph.rules.reason) and pySHACL's results (as flattened by coopgraph.shacl.validate).

Checked on the seed data, on every SHACL fixture in tests/shapes/, and on a 10,000-triple
synthetic graph with injected violations (of every kind synth knows, including two values of
a functional property, which makes owlrl infer owl:sameAs and replicate statements).
"""

from __future__ import annotations

import os
import re
from collections import Counter
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph

from coopgraph.rules import engine as fr
from coopgraph.shacl import engine as fv
from coopgraph.build import synth
from coopgraph.build.folder import union
from coopgraph.load import load_dataset, load_ontology, load_shapes
from coopgraph.rules.reason import reason
from coopgraph.shacl.validate import validate


@pytest.fixture(scope="module", autouse=True)
def _real_shapes(repo_home):  # noqa: ANN001, ANN202 - the project's own shapes, not the fixture ones
    return repo_home

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_NS = "https://w3id.org/coopgraph/id/fixture/"
FIXTURES = sorted(p for p in (ROOT / "tests" / "shapes").rglob("*") if p.suffix in (".trig", ".ttl", ".nq"))


def _canonical(value: str | None) -> str | None:
    """Oxigraph stores numbers in binary and reads "2.0"^^xsd:decimal back as "2": compare
    numeric values by value (a known, documented difference in how sh:value is rendered)."""
    if value is None:
        return None
    try:
        return str(Decimal(value).normalize()) if re.fullmatch(r"[+-]?\d+(\.\d*)?", value) else value
    except InvalidOperation:
        return value


def _key(r: object) -> tuple:
    """Everything pySHACL reports that the issue requires to match, plus value and source shape."""
    return (r.severity, r.focus, r.path, r.component, _canonical(r.value), r.source_shape)  # type: ignore[attr-defined]


def _assert_same_reasoning(asserted: Graph) -> None:
    expected = fr.graph_to_ox(reason(asserted, load_ontology()).inferred)
    got = fr.reason_triples(fr.graph_to_ox(asserted)).inferred
    missing, extra = expected - got, got - expected
    assert not missing and not extra, f"missing {sorted(map(str, missing))[:5]}, extra {sorted(map(str, extra))[:5]}"


def _assert_same_validation(asserted: Graph) -> None:
    expected = validate(asserted, shapes=load_shapes(), ontology=load_ontology())
    got = fv.validate_triples(fr.graph_to_ox(asserted))
    a, b = Counter(map(_key, expected.results)), Counter(map(_key, got.results))
    assert a == b, f"only pySHACL: {list((a - b).elements())[:5]}; only coopgraph.shacl.engine: {list((b - a).elements())[:5]}"
    # messages too, where both engines render them
    assert Counter((_key(r), r.message) for r in expected.results) == Counter((_key(r), r.message) for r in got.results)


def test_rules_equal_owlrl_on_seed_data() -> None:
    """prp-*, cax-*, chains over inferred properties: the seed article exercises all of them."""
    _assert_same_reasoning(union(load_dataset()))


def test_shacl_equals_pyshacl_on_seed_data() -> None:
    _assert_same_validation(union(load_dataset()))


@pytest.mark.skipif(not FIXTURES, reason="no SHACL fixtures in tests/shapes/ yet")
def test_project_engines_equal_reference_on_all_fixtures_merged() -> None:
    """Every failing fixture, all in one graph: owlrl's closure is dominated by the ontology
    (about 2 s per call) and pySHACL has a fixed cost per call, so one call over the disjoint
    union of the fixtures keeps this test fast (the per-fixture version is marked slow)."""
    asserted = Graph()
    for i, path in enumerate(FIXTURES):
        # each fixture in a namespace of its own, so the merged graph is a disjoint union and
        # its results are exactly the per-fixture results
        text = path.read_text(encoding="utf-8").replace(FIXTURE_NS, f"{FIXTURE_NS}{i}/")
        part = Dataset()
        part.parse(data=text, format="trig" if path.suffix == ".trig" else "turtle", publicID=path.resolve().as_uri())
        for s, p, o, _ in part.quads((None, None, None, None)):
            asserted.add((s, p, o))
    _assert_same_validation(asserted)
    _assert_same_reasoning(asserted)


SLOW = pytest.mark.skipif(not os.environ.get("COOPGRAPH_SLOW_TESTS"),
                          reason="one owlrl + pySHACL run per fixture (minutes); set COOPGRAPH_SLOW_TESTS=1")


@SLOW
@pytest.mark.parametrize("fixture", FIXTURES, ids=[p.name for p in FIXTURES])
def test_project_engines_equal_reference_on_each_fixture(fixture: Path) -> None:
    """Every failing fixture on its own: same violations as pySHACL, same inferred triples as owlrl."""
    asserted = union(load_dataset([fixture]))
    _assert_same_validation(asserted)
    _assert_same_reasoning(asserted)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, synth.SynthResult, Graph]:
    path = tmp_path_factory.mktemp("synth") / "s10k.nq"
    result = synth.write(path, 10_000, seed=7, violations=len(synth.VIOLATION_KINDS))
    ds = Dataset()
    ds.parse(path, format="nquads")
    return path, result, union(ds)


def test_rules_equal_owlrl_on_synthetic_10k(synthetic: tuple) -> None:
    """Includes owl:sameAs from a functional property (two cg:signedOn values)."""
    _assert_same_reasoning(synthetic[2])


def test_shacl_equals_pyshacl_on_synthetic_10k(synthetic: tuple) -> None:
    _assert_same_validation(synthetic[2])


def test_every_injected_violation_is_reported(synthetic: tuple) -> None:
    path, result, _ = synthetic
    triples = {(q.subject, q.predicate, q.object) for q in ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS)}
    report = fv.validate_triples(triples)
    violating = {r.focus for r in report.results if r.severity == "Violation"}
    assert {v.focus for v in result.violations} <= violating
    assert {v.kind for v in result.violations} == set(synth.VIOLATION_KINDS)


def test_synthetic_graph_without_violations_conforms(tmp_path: Path) -> None:
    path = tmp_path / "clean.nq"
    synth.write(path, 5_000, seed=3)
    triples = {(q.subject, q.predicate, q.object) for q in ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS)}
    report = fv.validate_triples(triples)
    assert report.conforms and not report.results, report.to_text()[:2000]


def test_synth_is_deterministic(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a.nq", tmp_path / "b.nq", tmp_path / "c.nq"
    synth.write(a, 20_000, seed=5, violations=4)
    synth.write(b, 20_000, seed=5, violations=4)
    synth.write(c, 20_000, seed=6, violations=4)
    assert a.read_bytes() == b.read_bytes()
    assert synth.manifest_path(a).read_bytes() == synth.manifest_path(b).read_bytes()
    assert a.read_bytes() != c.read_bytes()


def test_synth_size_is_close_to_requested() -> None:
    _, result = synth.generate(50_000, seed=1)
    assert 50_000 <= result.triples < 52_000


def test_unsupported_axiom_fails_loudly() -> None:
    """An owl:Restriction would need rules coopgraph.rules.engine lacks: it must refuse, not guess."""
    from rdflib import BNode, URIRef

    from coopgraph.namespaces import OWL, RDF, RDFS

    onto = load_ontology()
    r = BNode()
    onto.add((r, RDF.type, OWL.Restriction))
    onto.add((r, OWL.onProperty, URIRef("https://w3id.org/coopgraph/def#party")))
    onto.add((URIRef("https://w3id.org/coopgraph/def#Agreement"), RDFS.subClassOf, r))
    with pytest.raises(fr.UnsupportedAxiom):
        fr.compile_rules(onto)


def test_unsupported_shape_fails_loudly() -> None:
    shapes = Graph()
    shapes.parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        <urn:s> a sh:NodeShape ; sh:targetClass <urn:C> ; sh:closed true .
    """, format="turtle")
    with pytest.raises(fv.UnsupportedShape):
        fv.ShapesGraph(shapes)


def test_batched_sparql_constraints_mark_no_group_inside_exists() -> None:
    """Inside EXISTS ?this is already bound by the enclosing group; a VALUES there made the
    check quadratic in the number of focus nodes (the seed and fixture equality tests above show
    the rows stay the same)."""
    text = "SELECT $this WHERE { $this <urn:p> ?x . FILTER NOT EXISTS { { $this <urn:q> ?y } UNION { ?y <urn:r> $this } } }"
    batched = fv._batchable(text.replace("$this", "?this"))
    assert batched is not None
    assert batched.count(fv.VALUES_MARK) == 1
    assert batched.index(fv.VALUES_MARK) < batched.index("?this <urn:p>")
    union = "SELECT ?this WHERE { { FILTER NOT EXISTS { ?this <urn:q> ?y } } UNION { ?this <urn:p> ?x } }"
    assert fv._batchable(union).count(fv.VALUES_MARK) == 3  # each branch binds ?this before its filter


def test_rules_reports_owlrls_findings_in_its_words() -> None:
    """cls-nothing2 and dt-not-type: the inconsistencies data can cause on this ontology."""
    from rdflib import Literal, URIRef
    from rdflib.namespace import OWL, RDF, XSD

    from coopgraph.namespaces import CG, ID

    data = Graph()
    data.add((ID["agency/a"], OWL.sameAs, ID["agency/b"]))
    data.add((ID["agency/c"], RDF.type, OWL.Nothing))
    data.add((ID["agency/c"], CG.line, Literal("twelve", datatype=XSD.integer)))
    data.add((ID["agency/c"], URIRef(CG + "signedOn"), Literal("2020-13-45", datatype=XSD.date)))
    expected = reason(data, load_ontology(), reference=True)
    got = reason(data, load_ontology())
    assert (expected.engine, got.engine) == ("owlrl", "coopgraph")
    assert len(expected.findings) == 3
    assert got.findings == expected.findings
    assert fr.graph_to_ox(got.inferred) == fr.graph_to_ox(expected.inferred)


def test_data_the_rules_cannot_judge_goes_to_owlrl() -> None:
    """owl:differentFrom and owl:AllDifferent (eq-diff1/2/3) are not implemented: reason() must
    answer with owlrl, not miss the inconsistency."""
    from rdflib import BNode
    from rdflib.collection import Collection
    from rdflib.namespace import OWL, RDF

    from coopgraph.namespaces import ID

    data = Graph()
    group, members = BNode(), BNode()
    data.add((group, RDF.type, OWL.AllDifferent))
    data.add((group, OWL.members, members))
    Collection(data, members, [ID["agency/a"], ID["agency/b"], ID["agency/c"]])
    data.add((ID["agency/a"], OWL.sameAs, ID["agency/b"]))
    different = Graph()
    different.add((ID["agency/d"], OWL.sameAs, ID["agency/e"]))
    different.add((ID["agency/e"], OWL.differentFrom, ID["agency/d"]))
    for graph in (data, different):
        with pytest.raises(fr.UnsupportedAxiom):
            fr.reason_triples(fr.graph_to_ox(graph))
    both = data + different
    result, expected = reason(both, load_ontology()), reason(both, load_ontology(), reference=True)
    assert result.engine == "owlrl"
    assert result.findings == expected.findings
    assert any("AllDifferent" in f for f in result.findings) and any("differentFrom" in f for f in result.findings)
    assert len(result.inferred) == len(expected.inferred)


def test_build_equals_reference_build_byte_for_byte(tmp_path: Path) -> None:
    """The published files do not depend on which engines made them (the project's data)."""
    from coopgraph.build.folder import build

    ours = build(None, out_dir=tmp_path / "ours")
    ref = build(None, out_dir=tmp_path / "ref", reference=True)
    assert (ours.report.engine, ref.report.engine) == ("coopgraph", "pyshacl")
    names = sorted(p.name for p in (tmp_path / "ours").iterdir() if p.is_file())
    assert names == sorted(p.name for p in (tmp_path / "ref").iterdir() if p.is_file())
    for name in names:
        assert (tmp_path / "ours" / name).read_bytes() == (tmp_path / "ref" / name).read_bytes(), name
