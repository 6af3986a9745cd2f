"""Tests of shapes/coopgraph-shapes.ttl.

* Every fixture in tests/shapes/ violates exactly one constraint; its header says which:

      # <what is wrong>
      # expects: <shape> <constraint component> <severity>
      # focus: <IRI of the focus node>
      # message: <the message the user sees>
      # also: <shape> <constraint component> <severity>      (optional, never a Violation)

  The test validates the fixture as the project does (pySHACL, ont_graph = ontology +
  vocabularies, inference 'none', advanced=True, over the union of the named graphs) and checks
  that the expected result appears and that nothing else does, except declared non-violations.
* Every constraint of the shapes file has a fixture, and every fixture names a real constraint,
  so a new constraint without a fixture fails the build.
* The project's data (data/*.trig) and the vocabularies conform.
* sh:class follows the ontology's rdfs:subClassOf links: a cg:Ministry is a cg:Agency.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pyshacl
import pytest
from rdflib import BNode, Dataset, Graph, Namespace, URIRef
from rdflib.namespace import RDF, RDFS, SH

ROOT = Path(__file__).resolve().parent.parent
SHAPES_FILE = ROOT / "shapes" / "coopgraph-shapes.ttl"
FIXTURE_DIR = ROOT / "tests" / "shapes"
FIXTURES = sorted([*FIXTURE_DIR.glob("*.ttl"), *FIXTURE_DIR.glob("*.trig")])
DATA_FILES = sorted((ROOT / "data").glob("*.trig"))
ONTOLOGY_FILES = [ROOT / "ontology" / "coopgraph.ttl", ROOT / "ontology" / "vocabularies.ttl"]

CG = Namespace("https://w3id.org/coopgraph/def#")
CGSH = Namespace("https://w3id.org/coopgraph/shapes#")
EX = Namespace("https://w3id.org/coopgraph/id/fixture/")

# Constraint parameter -> the component a result of it reports.
PARAM_COMPONENT = {
    SH.minCount: SH.MinCountConstraintComponent,
    SH.maxCount: SH.MaxCountConstraintComponent,
    SH.datatype: SH.DatatypeConstraintComponent,
    SH["class"]: SH.ClassConstraintComponent,
    SH.node: SH.NodeConstraintComponent,
    SH["in"]: SH.InConstraintComponent,
    SH["or"]: SH.OrConstraintComponent,
    SH["and"]: SH.AndConstraintComponent,
    SH["not"]: SH.NotConstraintComponent,
    SH.xone: SH.XoneConstraintComponent,
    SH.pattern: SH.PatternConstraintComponent,
    SH.minInclusive: SH.MinInclusiveConstraintComponent,
    SH.maxInclusive: SH.MaxInclusiveConstraintComponent,
    SH.minExclusive: SH.MinExclusiveConstraintComponent,
    SH.maxExclusive: SH.MaxExclusiveConstraintComponent,
    SH.minLength: SH.MinLengthConstraintComponent,
    SH.maxLength: SH.MaxLengthConstraintComponent,
    SH.nodeKind: SH.NodeKindConstraintComponent,
    SH.languageIn: SH.LanguageInConstraintComponent,
    SH.uniqueLang: SH.UniqueLangConstraintComponent,
    SH.hasValue: SH.HasValueConstraintComponent,
    SH.sparql: SH.SPARQLConstraintComponent,
    SH.closed: SH.ClosedConstraintComponent,
    SH.equals: SH.EqualsConstraintComponent,
    SH.disjoint: SH.DisjointConstraintComponent,
    SH.lessThan: SH.LessThanConstraintComponent,
    SH.lessThanOrEquals: SH.LessThanOrEqualsConstraintComponent,
}
# Parameters that configure a constraint or describe a shape, and so are not constraints.
NOT_CONSTRAINTS = {
    RDF.type, RDFS.comment, RDFS.label, SH.path, SH.name, SH.description, SH.message,
    SH.severity, SH.deactivated, SH.property, SH.targetClass, SH.targetNode,
    SH.targetSubjectsOf, SH.targetObjectsOf, SH.qualifiedMinCount, SH.qualifiedMaxCount,
    SH.qualifiedValueShapesDisjoint, SH.flags, SH.ignoredProperties, SH.order, SH.group,
}
TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)


@lru_cache(maxsize=1)
def shapes_graph() -> Graph:
    return Graph().parse(SHAPES_FILE, format="turtle")


@lru_cache(maxsize=1)
def ontology_graph() -> Graph:
    g = Graph()
    for path in ONTOLOGY_FILES:
        g.parse(path, format="turtle")
    return g


def expand(curie: str) -> URIRef:
    if curie.startswith("<") and curie.endswith(">"):
        return URIRef(curie[1:-1])
    if "://" in curie:
        return URIRef(curie)
    return shapes_graph().namespace_manager.expand_curie(curie)


def short(term) -> str:
    if isinstance(term, URIRef):
        return shapes_graph().namespace_manager.normalizeUri(term)
    return str(term)


def union_of(paths) -> Graph:
    """The union of all graphs of the files, as coopgraph.shacl.validate gives it to pySHACL."""
    g = Graph()
    for path in paths:
        path = Path(path)
        if path.suffix == ".trig":
            ds = Dataset()
            ds.parse(path, format="trig")
            for s, p, o, _ in ds.quads((None, None, None, None)):
                g.add((s, p, o))
        else:
            g.parse(path, format="turtle")
    return g


def validate(data: Graph, shapes: Graph | None = None, ontology: Graph | None = None):
    """Validate with the project's options; return the results as dicts."""
    _, report, _ = pyshacl.validate(
        data,
        shacl_graph=shapes_graph() if shapes is None else shapes,
        ont_graph=ontology_graph() if ontology is None else ontology,
        inference="none",
        advanced=True,
        allow_warnings=True,
        allow_infos=True,
    )
    results = []
    for node in report.objects(None, SH.result):
        results.append(
            {
                "shape": report.value(node, SH.sourceShape),
                "component": report.value(node, SH.sourceConstraintComponent),
                "severity": report.value(node, SH.resultSeverity),
                "focus": report.value(node, SH.focusNode),
                "messages": sorted(str(m) for m in report.objects(node, SH.resultMessage)),
            }
        )
    return results


def describe(results) -> str:
    return "\n".join(
        f"  {short(r['severity'])} {short(r['shape'])} {short(r['component'])} {r['focus']}: {r['messages']}"
        for r in results
    ) or "  (no results)"


def constraint_keys(g: Graph) -> set[tuple[URIRef, URIRef]]:
    """(shape, component) for every constraint reachable from a targeted shape.

    A constraint is identified by the shape that holds it (every property shape and every
    SPARQL-constrained shape has an IRI) and the component its results report. Value shapes
    reached only through sh:node / sh:or (cgsh:AnOrganization...) are tested through the
    constraint that uses them.
    """
    nodes = {s for t in TARGETS for s in g.subjects(t, None)}
    shapes = set(nodes)
    for n in nodes:
        shapes |= set(g.objects(n, SH.property))
    keys = set()
    for shape in shapes:
        assert isinstance(shape, URIRef), f"a targeted shape or property shape is a blank node: {shape}"
        for p in set(g.predicates(shape)):
            if p == SH.qualifiedValueShape:
                if (shape, SH.qualifiedMinCount, None) in g:
                    keys.add((shape, SH.QualifiedMinCountConstraintComponent))
                if (shape, SH.qualifiedMaxCount, None) in g:
                    keys.add((shape, SH.QualifiedMaxCountConstraintComponent))
            elif p in PARAM_COMPONENT:
                keys.add((shape, PARAM_COMPONENT[p]))
            else:
                assert p in NOT_CONSTRAINTS, f"{short(shape)} uses {short(p)}, unknown to this test: add it to PARAM_COMPONENT"
        assert len(list(g.objects(shape, SH.sparql))) <= 1, f"{short(shape)} has several SPARQL constraints: give each its own shape"
    return keys


def read_header(path: Path) -> dict:
    header = {"also": []}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        m = re.match(r"#\s*(expects|focus|message|also):\s*(.*)$", line)
        if not m:
            continue
        key, value = m.group(1), m.group(2).strip()
        if key == "also":
            header["also"].append(value)
        else:
            header[key] = value
    for key in ("expects", "focus", "message"):
        assert key in header, f"{path.name}: header line '# {key}:' is missing"
    return header


def parse_expectation(text: str) -> tuple[URIRef, URIRef, URIRef]:
    shape, component, severity = text.split()
    return expand(shape), expand(component), expand(severity)


# ---------------------------------------------------------------------------------------------
# Fixtures: each violates exactly its constraint


@pytest.mark.parametrize("path", FIXTURES, ids=[p.name for p in FIXTURES])
def test_fixture_violates_exactly_its_constraint(path: Path):
    header = read_header(path)
    shape, component, severity = parse_expectation(header["expects"])
    focus = URIRef(header["focus"])
    also = {parse_expectation(a) for a in header["also"]}
    assert all(sev != SH.Violation for _, _, sev in also), f"{path.name}: an '# also:' line may not be a Violation"

    results = validate(union_of([path]))

    expected = [
        r for r in results
        if r["shape"] == shape and r["component"] == component and r["severity"] == severity and r["focus"] == focus
    ]
    assert expected, (
        f"{path.name}: expected {header['expects']} on {focus}, got:\n{describe(results)}"
    )
    assert any(header["message"] in r["messages"] for r in expected), (
        f"{path.name}: message differs.\n  expected: {header['message']}\n  got: {[r['messages'] for r in expected]}"
    )
    others = [
        r for r in results
        if not (r["shape"] == shape and r["component"] == component)
        and (r["shape"], r["component"], r["severity"]) not in also
    ]
    assert not [r for r in others if r["severity"] == SH.Violation], (
        f"{path.name}: other violations:\n{describe(others)}"
    )
    assert not others, f"{path.name}: undeclared results (add '# also:' lines or fix the fixture):\n{describe(others)}"


def test_every_constraint_has_a_fixture():
    keys = constraint_keys(shapes_graph())
    covered = {parse_expectation(read_header(p)["expects"])[:2] for p in FIXTURES}
    missing = sorted(f"{short(s)} {short(c)}" for s, c in keys - covered)
    assert not missing, "constraints without a failing fixture in tests/shapes/:\n  " + "\n  ".join(missing)
    stale = sorted(f"{short(s)} {short(c)}" for s, c in covered - keys)
    assert not stale, "fixtures that expect a constraint the shapes do not have:\n  " + "\n  ".join(stale)


def test_fixtures_are_named_after_their_constraint():
    for path in FIXTURES:
        shape, component, _ = parse_expectation(read_header(path)["expects"])
        stem = f"{short(shape).split(':', 1)[1]}--{short(component).split(':', 1)[1].removesuffix('ConstraintComponent')}"
        assert path.name.split(".")[0] == stem, f"{path.name}: expected to be named {stem}.ttl or .trig"


# ---------------------------------------------------------------------------------------------
# The shapes file itself


def test_shapes_are_documented():
    g = shapes_graph()
    nodes = {s for t in TARGETS for s in g.subjects(t, None)}
    props = {p for n in nodes for p in g.objects(n, SH.property)}
    for shape in nodes | props:
        for p in (SH.name, SH.description):
            assert g.value(shape, p) is not None, f"{short(shape)} has no {short(p)}"
    for shape in nodes:
        assert g.value(shape, RDFS.comment) is not None, f"{short(shape)} has no rdfs:comment (why its severity)"
        own = [p for p in g.predicates(shape) if p in PARAM_COMPONENT and p != SH.sparql]
        if own:
            assert g.value(shape, SH.message) is not None, f"{short(shape)} has constraints but no sh:message"
        for constraint in g.objects(shape, SH.sparql):
            assert g.value(constraint, SH.message) is not None, f"the SPARQL constraint of {short(shape)} has no sh:message"
    for shape in props:
        assert g.value(shape, SH.message) is not None, f"{short(shape)} has no sh:message"


def test_every_class_used_in_data_has_a_shape():
    """Each class instantiated in the data is targeted, directly or through a superclass, or its
    instances are (a concept entered as data is `skos:Concept , org:Role`, and the concept
    shape checks it)."""
    g = shapes_graph()
    targeted = set(g.objects(None, SH.targetClass))
    ontology = ontology_graph()
    data = union_of(DATA_FILES)

    def covered(cls) -> bool:  # noqa: ANN001
        return bool(set(ontology.transitive_objects(cls, RDFS.subClassOf)) & targeted)

    for cls in set(data.objects(None, RDF.type)):
        if covered(cls):
            continue
        instances = set(data.subjects(RDF.type, cls))
        assert all(any(covered(t) for t in data.objects(i, RDF.type)) for i in instances), \
            f"no shape targets {short(cls)}, a superclass of it, or another class of its instances"


# ---------------------------------------------------------------------------------------------
# The project's own files conform


def test_project_data_conforms():
    assert DATA_FILES, "no data/*.trig"
    results = validate(union_of(DATA_FILES))
    violations = [r for r in results if r["severity"] == SH.Violation]
    assert not violations, f"the project's data does not conform:\n{describe(violations)}"


def test_vocabularies_conform_as_data():
    """pySHACL's ont_graph copies only RDFS/OWL triples into the data, so the SKOS vocabularies are
    checked by validating them as data: every concept and scheme in English and Vietnamese."""
    vocabularies = Graph().parse(ROOT / "ontology" / "vocabularies.ttl", format="turtle")
    results = validate(vocabularies)
    assert not results, f"the vocabularies have problems:\n{describe(results)}"


def test_ontology_terms_are_bilingual():
    """The ontology is validated in every run (through ont_graph): an empty data graph gives no result."""
    results = validate(Graph())
    assert not results, f"the ontology has problems:\n{describe(results)}"


# ---------------------------------------------------------------------------------------------
# sh:class and sh:targetClass follow rdfs:subClassOf of the ontology (no inference needed)

MINISTRY_AGREEMENT = """
@prefix cg: <https://w3id.org/coopgraph/def#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <https://w3id.org/coopgraph/id/fixture/> .
ex:ministry a cg:Ministry ; rdfs:label "Ministry of Science and Technology"@en ; cg:country ex:vn .
ex:body a cg:StandardsBody ; rdfs:label "Standardization Administration of China"@en ; cg:country ex:cn .
ex:vn a cg:Country ; rdfs:label "Vietnam"@en .
ex:cn a cg:Country ; rdfs:label "China"@en .
ex:mou a cg:MemorandumOfUnderstanding ; rdfs:label "MOU"@en ;
    cg:party ex:ministry , ex:body ; cg:signedInYear "2019"^^xsd:gYear .
"""


def test_sh_class_agency_accepts_a_ministry():
    data = Graph().parse(data=MINISTRY_AGREEMENT, format="turtle")
    shape = Graph()
    node, prop = CGSH.PartyIsAgency, BNode()
    shape.add((node, RDF.type, SH.NodeShape))
    shape.add((node, SH.targetNode, EX.mou))
    shape.add((node, SH.property, prop))
    shape.add((prop, SH.path, CG.party))
    shape.add((prop, SH["class"], CG.Agency))
    # With the ontology merged in, the subclass chain Ministry -> Agency is followed...
    assert validate(data, shapes=shape) == []
    # ...and without it there is nothing to follow (so the ontology is what makes it work).
    without = validate(data, shapes=shape, ontology=Graph())
    assert {r["component"] for r in without} == {SH.ClassConstraintComponent}


def test_project_shapes_accept_ministry_as_party_and_target_it_as_agency():
    data = Graph().parse(data=MINISTRY_AGREEMENT, format="turtle")
    assert validate(data) == []
    # sh:targetClass cg:Agency reaches a cg:Ministry: remove its label and cgsh:Label fires on it.
    data.remove((EX.ministry, RDFS.label, None))
    results = validate(data)
    assert {(r["shape"], r["focus"]) for r in results} >= {(CGSH.Label, EX.ministry)}
    assert all(r["focus"] == EX.ministry for r in results)


def test_country_is_not_accepted_as_party():
    data = Graph().parse(data=MINISTRY_AGREEMENT, format="turtle")
    data.add((EX.mou, CG.party, EX.vn))
    results = validate(data)
    assert [(r["shape"], r["component"]) for r in results] == [(CGSH["Agreement-party"], SH.NodeConstraintComponent)]
    assert results[0]["focus"] == EX.mou
