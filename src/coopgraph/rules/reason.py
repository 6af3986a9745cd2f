"""OWL 2 RL reasoning with owlrl, keeping only inferences that say something about the data.

owlrl materialises a lot besides what the ontology is for: ``x owl:sameAs x`` for every
resource, ``rdf:type owl:Thing``, triples about the ontology's own classes and properties, and
its inconsistency reports as triples. Those are dropped here so the inferred graph is small
enough to read and to publish; inconsistencies become ``findings`` (text) for the build report.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import owlrl
from owlrl import DatatypeHandling
from owlrl.Namespaces import ERRNS
from rdflib import BNode, Graph, Literal, URIRef

from coopgraph.namespaces import OWL, RDF, RDFS, XSD

_SCHEMA_TYPES = {
    OWL.Class, RDFS.Class, RDF.Property, OWL.ObjectProperty, OWL.DatatypeProperty,
    OWL.AnnotationProperty, OWL.OntologyProperty, OWL.TransitiveProperty, OWL.SymmetricProperty,
    OWL.AsymmetricProperty, OWL.ReflexiveProperty, OWL.IrreflexiveProperty, OWL.FunctionalProperty,
    OWL.InverseFunctionalProperty, OWL.Ontology, OWL.Restriction, RDFS.Datatype,
}
_NOISE_TYPES = {RDFS.Resource, OWL.Thing, RDFS.Literal, RDFS.Datatype, RDF.XMLLiteral, RDF.langString}
_BUILTIN_NS = (str(RDF), str(RDFS), str(OWL), str(XSD))


@dataclass
class ReasoningResult:
    """What reasoning added to the data, and what it found wrong (as text, never as triples)."""

    inferred: Graph
    findings: list[str] = field(default_factory=list)
    engine: str = "coopgraph"  # "coopgraph" (coopgraph.rules.engine) or "owlrl"


def _closure(graph: Graph) -> list[str]:
    """Run OWL-RL in place and return owlrl's error messages (DeductiveClosure hides them)."""
    DatatypeHandling.use_Alt_lexical_conversions()
    try:
        engine = owlrl.OWLRL_Semantics(graph, False, False, rdfs=False)
        engine.closure()
        return list(engine.error_messages)
    finally:
        DatatypeHandling.use_RDFLib_lexical_conversions()


def reason(asserted: Graph, ontology: Graph, *, reference: bool = False) -> ReasoningResult:
    """Compute the OWL-RL closure of data + ontology and return the new, meaningful triples.

    The project's own OWL 2 RL engine (:mod:`coopgraph.rules.engine`) runs by default: it computes
    owlrl's closure and findings (tests/test_scale.py compares them) semi-naively, in a fraction
    of owlrl's time. ``reference=True`` runs owlrl itself; so does an ontology (or data) using
    a construct coopgraph's engine does not implement.
    """
    if not reference:
        from coopgraph.rules import engine as fr

        try:
            fast = fr.reason_triples(fr.graph_to_ox(asserted), fr.rules_for(ontology))
            return ReasoningResult(inferred=fast.to_rdflib(), findings=fast.findings)
        except fr.UnsupportedAxiom:
            pass  # owlrl below gives the answer coopgraph's engine cannot
    closure = Graph()
    for t in ontology:
        closure.add(t)
    for t in asserted:
        closure.add(t)
    findings = sorted(_closure(closure))

    schema = {s for s, _, o in closure.triples((None, RDF.type, None)) if o in _SCHEMA_TYPES}
    data_bnodes = {n for t in asserted for n in t if isinstance(n, BNode)}
    errors = set(closure.subjects(RDF.type, ERRNS.ErrorMessage))
    inferred = Graph()
    for s, p, o in closure:
        if (s, p, o) in asserted or (s, p, o) in ontology:
            continue
        if isinstance(s, Literal) or s in schema or s in errors:
            continue
        if isinstance(s, URIRef) and str(s).startswith(_BUILTIN_NS):
            continue
        if any(isinstance(n, BNode) and n not in data_bnodes for n in (s, o)):
            continue  # owlrl's error nodes, list cells of the ontology's axioms
        if p == OWL.sameAs and s == o:
            continue
        if p == RDF.type and (o in _NOISE_TYPES or str(o).startswith(str(XSD))):
            continue
        if p == RDF.type and o in _SCHEMA_TYPES:
            continue
        inferred.add((s, p, o))
    return ReasoningResult(inferred=inferred, findings=findings, engine="owlrl")
