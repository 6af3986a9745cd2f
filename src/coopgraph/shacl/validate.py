"""SHACL validation of the asserted data, with reports that name the file to fix.

Shapes see the asserted data merged with the ontology and vocabularies, with
``inference='none'``. The merge is done here rather than through pySHACL's ``ont_graph``:
pySHACL only "inoculates" the data with the ontology's schema axioms, so the SKOS concepts of
the vocabularies (roles, ranks, topics: instances, not axioms) would be missing and every
``sh:class skos:Concept`` or ``sh:hasValue scheme:...`` check on them would fail.
RDFS inference would be wrong here: with a range axiom such as
``cg:party rdfs:range org:Organization`` it *infers* that any party is an organisation, so a
``sh:class org:Organization`` constraint could never fail and a mistyped party would pass.
The ontology is still merged in so sh:class can follow explicit rdfs:subClassOf links (a
cg:Ministry is an org:Organization) and SPARQL constraints can read labels and schemes.
``advanced=True`` turns on SHACL-AF, so SPARQL-based constraints run.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.term import Node

from coopgraph.errors import InputError
from coopgraph.namespaces import PREFIXES, RDF, SH, XSD, curie
from coopgraph.resources import resource_dir
from coopgraph.serialize import to_turtle

_SEVERITY_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}


@dataclass(frozen=True, order=True)
class ValidationResult:
    """One SHACL result, flattened to strings so it can be printed, compared and sent as JSON."""

    severity: str
    focus: str
    path: str
    component: str
    message: str
    value: str | None = None
    source_shape: str | None = None
    files: tuple[str, ...] = ()
    #: The passages (named graphs, with line or locator) stating the focus node's facts, when
    #: a new file is validated in context (:mod:`coopgraph.shacl.context`).
    passages: tuple[str, ...] = ()

    def to_text(self) -> str:
        where = f" [{', '.join(self.files)}]" if self.files else ""
        if self.passages:
            where += f" passage: {'; '.join(self.passages)}"
        path = f" {self.path}" if self.path else ""
        value = f" (value: {self.value})" if self.value is not None else ""
        return f"{self.severity}: {self.focus}{path}: {self.message}{value} <{self.component}>{where}"


@dataclass
class ValidationReport:
    """The outcome of validation; only violations make the data non-conforming."""

    results: list[ValidationResult] = field(default_factory=list)
    #: which SHACL engine produced it: "coopgraph" (coopgraph.shacl.engine) or "pyshacl"
    engine: str = field(default="coopgraph", compare=False)

    @property
    def conforms(self) -> bool:
        return not any(r.severity == "Violation" for r in self.results)

    def count(self, severity: str) -> int:
        return sum(1 for r in self.results if r.severity == severity)

    def summary(self) -> str:
        verdict = "conforms" if self.conforms else "does not conform"
        counts = ", ".join(f"{self.count(s)} {s.lower()}(s)" for s in _SEVERITY_ORDER)
        return f"Data {verdict}: {counts}."

    def to_text(self) -> str:
        return "".join(r.to_text() + "\n" for r in self.results) + self.summary() + "\n"

    def to_json(self) -> str:
        doc = {"conforms": self.conforms, "results": [asdict(r) for r in self.results]}
        return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"

    def to_graph(self) -> Graph:
        """A SHACL ValidationReport graph (results as blank nodes), rebuilt from the flat results."""
        g = Graph()
        report = BNode()
        g.add((report, RDF.type, SH.ValidationReport))
        g.add((report, SH.conforms, Literal(self.conforms)))
        for r in self.results:
            node = BNode()
            g.add((report, SH.result, node))
            g.add((node, RDF.type, SH.ValidationResult))
            g.add((node, SH.resultSeverity, SH[r.severity]))
            g.add((node, SH.focusNode, _unparse(r.focus)))
            g.add((node, SH.resultMessage, Literal(r.message)))
            g.add((node, SH.sourceConstraintComponent, _unparse(r.component)))
            if r.path:
                g.add((node, SH.resultPath, _unparse(r.path)))
            if r.value is not None:
                g.add((node, SH.value, Literal(r.value)))
            if r.source_shape:
                g.add((node, SH.sourceShape, _unparse(r.source_shape)))
        return g

    def to_turtle(self) -> str:
        return to_turtle(self.to_graph(), PREFIXES)


def _name(node: Node | None) -> str:
    """Readable, stable text for a term (blank node ids are random, so they are not shown)."""
    if node is None:
        return ""
    if isinstance(node, URIRef):
        return curie(str(node)) or str(node)
    if isinstance(node, BNode):
        return ""
    return str(node)


def _unparse(text: str) -> Node:
    prefix, _, local = text.partition(":")
    if prefix in PREFIXES and not local.startswith("//"):
        return URIRef(PREFIXES[prefix] + local)
    if "://" in text or text.startswith("urn:"):
        return URIRef(text)
    return Literal(text, datatype=XSD.string)


def _union(data: Dataset | Graph) -> Graph:
    """pySHACL validates each named graph of a Dataset apart; facts about one entity are spread
    over many evidence graphs, so shapes must see their union."""
    if isinstance(data, Dataset) or type(data).__name__ == "ConjunctiveGraph":
        g = Graph()
        for s, p, o, _ in data.quads((None, None, None, None)):
            g.add((s, p, o))
        return g
    return data


def validate(
    data: Dataset | Graph,
    shapes: Graph | None = None,
    ontology: Graph | None = None,
    origins: Mapping[Node, set[str]] | None = None,
    *,
    reference: bool = False,
) -> ValidationReport:
    """Validate asserted data against the shapes (default: the project's) with the ontology merged in.

    The project's own SHACL engine (:mod:`coopgraph.shacl.engine`) runs by default: it gives
    pySHACL's results (tests/test_scale.py compares the two on the seed data, every shape
    fixture and a synthetic graph with injected violations) in a fraction of the time.
    ``reference=True`` runs pySHACL itself, for anyone who wants its report; so does a shapes
    graph using a feature coopgraph's engine does not implement (the report's ``engine`` says
    which ran).
    """
    from coopgraph.load import load_ontology, load_shapes

    shapes = load_shapes() if shapes is None else shapes
    ontology = load_ontology() if ontology is None else ontology
    if len(shapes) == 0:
        return ValidationReport()
    if not reference:
        from coopgraph.rules import engine as fr
        from coopgraph.shacl import engine as fv

        try:
            located = {fr.to_ox(node): files for node, files in (origins or {}).items()}
            return fv.validate_triples(fr.graph_to_ox(_union(data)), shapes, ontology, located)
        except fv.UnsupportedShape:
            pass  # pySHACL below gives the answer coopgraph's engine cannot
    merged = Graph()
    for graph in (_union(data), ontology):
        for t in graph:
            merged.add(t)
    import pyshacl  # 0.1 s to import: only commands that validate pay it

    _, report_graph, _ = pyshacl.validate(
        merged,
        shacl_graph=shapes,
        inference="none",
        advanced=True,
        allow_warnings=True,
        allow_infos=True,
        inplace=True,  # merged is our own copy
    )
    if not isinstance(report_graph, Graph):  # pySHACL returns its ValidationFailure instead of raising
        message = getattr(report_graph, "message", str(report_graph))
        raise InputError(resource_dir("shapes"), 0, 0, f"SHACL engine failed: {message}")
    results = []
    for node in report_graph.objects(None, SH.result):
        focus = report_graph.value(node, SH.focusNode)
        severity = report_graph.value(node, SH.resultSeverity)
        messages = sorted(str(m) for m in report_graph.objects(node, SH.resultMessage))
        value = report_graph.value(node, SH.value)
        results.append(
            ValidationResult(
                severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
                focus=_name(focus),
                path=_name(report_graph.value(node, SH.resultPath)),
                component=_name(report_graph.value(node, SH.sourceConstraintComponent)),
                message=" / ".join(messages) or "constraint not met",
                value=None if value is None else (_name(value) or "(blank node)"),
                source_shape=_name(report_graph.value(node, SH.sourceShape)) or None,
                files=tuple(sorted(origins.get(focus, ()))) if origins else (),
            )
        )
    results.sort(key=lambda r: (_SEVERITY_ORDER.get(r.severity, 9), r))
    return ValidationReport(results, engine="pyshacl")
