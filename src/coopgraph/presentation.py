"""The presentation graph: what queries show, derived once from the data instead of in every query.

Three things every question needs and no source states the way a reader wants them:

``cg:displayLabel``
    one label per entity and language: the alphabetically first ``rdfs:label`` tagged with that
    language (a label tagged ``en-GB`` also counts for ``en``, as ``langMatches`` would), with the
    tag lower-cased, plus one plain string, the first of all its labels whatever their language.
    The label service (:mod:`coopgraph.labels`) fills ``?xLabel`` from it: the requested languages
    in order, then the plain string, then the IRI text.
``cg:displayDate``
    the date of a dated thing: its ``dcterms:date``, else the OWL-Time instant of ``time:hasTime``,
    else ``cg:signedOn``, ``cg:signedInYear``, ``cg:asOf``, ``prov:startedAtTime`` (every value of
    the first of these it has, at the source's precision).
``cg:sameAsFirst``
    for an IRI that is not the alphabetically first of its owl:sameAs cluster, that first IRI.
    Whole-graph answers show one row per cluster, under its first IRI:
    ``FILTER NOT EXISTS { ?agency cg:sameAsFirst ?first }``.

The triples sit in the named graph :data:`~coopgraph.namespaces.PRESENTATION_GRAPH`, apart from
the asserted and inferred data, so that nothing that lists facts (describe, the exports, the
network, the provenance queries, which read evidence graphs) takes them for facts. They are
computed with SPARQL over a pyoxigraph store, which both builds have: the store build writes
them into its main store and recomputes them after an update (:func:`refresh`); the in-memory
graph computes them when opened (:func:`triples`), as it does not keep its build's store.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import pyoxigraph as ox

from coopgraph.namespaces import CG, PREFIXES, PRESENTATION_GRAPH

GRAPH = ox.NamedNode(str(PRESENTATION_GRAPH))
DISPLAY_LABEL = ox.NamedNode(str(CG.displayLabel))
DISPLAY_DATE = ox.NamedNode(str(CG.displayDate))
SAME_AS_FIRST = ox.NamedNode(str(CG.sameAsFirst))

#: Where a thing's date is stated, first choice first (the order the queries used).
DATE_SOURCES = (
    "dcterms:date",
    "time:hasTime/(time:inXSDDate|time:inXSDgYearMonth|time:inXSDgYear|time:inXSDDateTimeStamp)",
    "cg:signedOn",
    "cg:signedInYear",
    "cg:asOf",
    "prov:startedAtTime",
)

# Labels grouped by the engine (one row per entity and tag, not per label: fewer rows reach Python).
_LABELS = """SELECT ?s ?tag (MIN(STR(?l)) AS ?first) WHERE { ?s rdfs:label ?l FILTER(isLiteral(?l)) }
GROUP BY ?s (LCASE(LANG(?l)) AS ?tag)"""
_FIRST = """SELECT ?x (MIN(STR(?y)) AS ?first) WHERE { ?x owl:sameAs ?y FILTER(isIRI(?x) && isIRI(?y)) }
GROUP BY ?x"""


def _select(store: ox.Store, text: str) -> Iterator[Any]:
    yield from store.query(text, prefixes=PREFIXES, use_default_graph_as_union=True)


def _labels(store: ox.Store) -> Iterator[ox.Quad]:
    best: dict[tuple[Any, str], str] = {}
    for row in _select(store, _LABELS):
        subject, tag, first = row["s"], row["tag"].value, row["first"].value
        ranges = [""] + ["-".join(tag.split("-")[: i + 1]) for i in range(tag.count("-") + 1)] if tag else [""]
        for key in ranges:  # "en-gb" counts for "en-gb", "en" and the any-language label ""
            old = best.get((subject, key))
            if old is None or first < old:
                best[(subject, key)] = first
    for (subject, tag), text in best.items():
        yield ox.Quad(subject, DISPLAY_LABEL, ox.Literal(text, language=tag) if tag else ox.Literal(text), GRAPH)


def _dates(store: ox.Store) -> Iterator[ox.Quad]:
    dated: set[Any] = set()
    for path in DATE_SOURCES:
        found: set[tuple[Any, Any]] = set()
        for row in _select(store, f"SELECT DISTINCT ?s ?d WHERE {{ ?s {path} ?d }}"):
            if row["s"] not in dated:
                found.add((row["s"], row["d"]))
        dated |= {s for s, _ in found}
        yield from (ox.Quad(s, DISPLAY_DATE, d, GRAPH) for s, d in found)


def _first_iris(store: ox.Store) -> Iterator[ox.Quad]:
    for row in _select(store, _FIRST):
        if row["first"].value < row["x"].value:
            yield ox.Quad(row["x"], SAME_AS_FIRST, ox.NamedNode(row["first"].value), GRAPH)


def compute(store: ox.Store) -> list[ox.Quad]:
    """The presentation quads for the data in ``store`` (its presentation graph is left out)."""
    if store.contains_named_graph(GRAPH):
        raise ValueError("compute() reads every graph: clear the presentation graph first (refresh does)")
    return [*_labels(store), *_dates(store), *_first_iris(store)]


def refresh(store: ox.Store) -> int:
    """Recompute the presentation graph of ``store`` in place; the number of triples it now holds.

    Used by the store build and after every update. Recomputing all of it cannot drift from the
    data, but it is not cheap: 16 s for the 372,231 triples of the 1M synthetic store (measured
    on a loaded machine, benchmarks/RESULTS.md), far over the update target of 2 s. Recomputing
    only the entities an update touches is still to be done.
    """
    if store.contains_named_graph(GRAPH):
        store.remove_graph(GRAPH)
    quads = compute(store)
    store.bulk_extend(quads)
    return len(quads)


def triples(quads: Iterable[tuple[Any, Any, Any, Any]]) -> Iterator[tuple[Any, Any, Any]]:
    """The presentation triples (rdflib terms) of rdflib quads, through an in-memory store."""
    from coopgraph.queries import from_oxigraph, to_oxigraph

    store = ox.Store()
    for s, p, o, g in quads:
        name = getattr(g, "identifier", g)
        if name == PRESENTATION_GRAPH:
            continue
        graph = ox.DefaultGraph() if name is None or str(name) == "urn:x-rdflib:default" else to_oxigraph(name)
        store.add(ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), graph))
    for q in compute(store):
        yield from_oxigraph(q.subject), from_oxigraph(q.predicate), from_oxigraph(q.object)
