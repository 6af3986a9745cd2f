"""The presentation graph: what queries show, derived once from the data instead of in every query.

Three things every question needs and no source states the way a reader wants them:

``cg:displayLabel`` (and ``cg:displayText``, ``cg:displayTitle``, ``cg:displayPlace``)
    the label table: one label per entity and language, the alphabetically first ``rdfs:label``
    tagged with that language (a label tagged ``en-GB`` also counts for ``en``, as
    ``langMatches`` would), with the tag lower-cased, plus one plain string, the first of all
    its labels whatever their language. The same table is kept for the other literals a reader
    wants in a language: ``cg:text`` (``cg:displayText``), ``cg:titleAsStated``
    (``cg:displayTitle``) and ``cg:placeAsStated`` (``cg:displayPlace``). The label service
    (:mod:`coopgraph.query.labels`) fills ``?xLabel`` from the label table, and ``?text`` in
    ``OPTIONAL { ?x cg:displayText ?text }`` from the text table: the requested languages in
    order, then the plain string (then, for a label only, the IRI text).
``cg:displayDate``
    the date of a dated thing, at the source's precision: its ``dcterms:date``, else the
    OWL-Time instant of ``time:hasTime``, else (an instant itself) its ``time:inXSDDate`` and the
    like, else ``cg:signedOn``, ``cg:signedInYear``, ``cg:asOf``, ``prov:startedAtTime`` (every
    value of the first of these it has); an act with none of these (a statement) has the date of
    the meeting it was made at (``cg:actAt``).
``cg:sameAsFirst``
    for an IRI that is not the alphabetically first of its owl:sameAs cluster, that first IRI.
    Whole-graph answers show one row per cluster, under its first IRI:
    ``FILTER NOT EXISTS { ?agency cg:sameAsFirst ?first }``.

The triples sit in the named graph :data:`~coopgraph.namespaces.PRESENTATION_GRAPH`, apart from
the asserted and inferred data, so that nothing that lists facts (describe, the exports, the
network, the provenance queries, which read evidence graphs) takes them for facts. They are
computed in Python: for the whole graph from one plain SPARQL pattern per source property (the
rows grouped here, which is faster than grouping in the engine or walking ``quads_for_pattern``),
for an update from one index lookup per entity and property (benchmarks/RESULTS.md). The store build writes
them into its main store; an update recomputes only the entities it touches (:func:`refresh`
with ``touched``); the in-memory graph computes them when opened (:func:`triples`), as it does
not keep its build's store.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import pyoxigraph as ox

from coopgraph.build import defaultgraph
from coopgraph.namespaces import CG, DCTERMS, OWL, PRESENTATION_GRAPH, PROV, RDFS

GRAPH = ox.NamedNode(str(PRESENTATION_GRAPH))
DISPLAY_LABEL = ox.NamedNode(str(CG.displayLabel))
DISPLAY_DATE = ox.NamedNode(str(CG.displayDate))
SAME_AS_FIRST = ox.NamedNode(str(CG.sameAsFirst))

#: The language tables: the presentation property and the source property it is chosen from.
LANGUAGE_TABLES = {
    DISPLAY_LABEL: ox.NamedNode(str(RDFS.label)),
    ox.NamedNode(str(CG.displayText)): ox.NamedNode(str(CG.text)),
    ox.NamedNode(str(CG.displayTitle)): ox.NamedNode(str(CG.titleAsStated)),
    ox.NamedNode(str(CG.displayPlace)): ox.NamedNode(str(CG.placeAsStated)),
}
_TIME = "http://www.w3.org/2006/time#"
_HAS_TIME = ox.NamedNode(_TIME + "hasTime")
_INSTANT = tuple(ox.NamedNode(_TIME + p) for p in ("inXSDDate", "inXSDgYearMonth", "inXSDgYear", "inXSDDateTimeStamp"))
#: Where a thing's date is stated, first choice first (the order the queries used); None: the
#: OWL-Time instant of ``time:hasTime``; then an instant's own date (the beginning or end of an
#: interval: ``time:hasBeginning/cg:displayDate``).
DATE_SOURCES: tuple[tuple[ox.NamedNode, ...] | None, ...] = (
    (ox.NamedNode(str(DCTERMS.date)),),
    None,
    _INSTANT,
    (ox.NamedNode(str(CG.signedOn)),),
    (ox.NamedNode(str(CG.signedInYear)),),
    (ox.NamedNode(str(CG.asOf)),),
    (ox.NamedNode(str(PROV.startedAtTime)),),
)
_SAME_AS = ox.NamedNode(str(OWL.sameAs))
_ACT_AT = ox.NamedNode(str(CG.actAt))

Subject = Any  # ox.NamedNode | ox.BlankNode (a literal subject is never labelled)


def _objects(store: ox.Store, s: Subject | None, p: ox.NamedNode) -> Iterator[tuple[Subject, Any]]:
    """(subject, object) of every ``s p ?o`` in any graph but the presentation graph.

    For one subject, a lookup in the index (a blank node cannot be written into a query). For
    every subject, one SPARQL pattern: the engine decodes the rows faster than Python walks
    ``quads_for_pattern`` (the 1M store's 233,905 labels: 4.4 to 6.5 s against 6.3 to 10.5 s,
    three interleaved runs each on a loaded machine; a grouped query was slower still).
    """
    if s is not None:
        for q in store.quads_for_pattern(s, p, None, None):
            if q.graph_name != GRAPH:
                yield q.subject, q.object
        return
    yield from _rows(store, f"SELECT ?s ?o WHERE {{ ?s <{p.value}> ?o }}")


def _rows(store: ox.Store, select: str) -> Iterator[tuple[Subject, Any]]:
    """The two columns of ``select`` over every triple of the data, each triple once if it can be.

    A store holding the merge as its default graph (:mod:`coopgraph.build.defaultgraph`) is
    read there: each triple once, where Oxigraph's union of all graphs gives it once per graph
    stating it and once more for the merge (the 1M build: twice the rows, for the same tables).
    No source property is a presentation property, so the merge's copies of the presentation
    graph never match.
    """
    union = not defaultgraph.has_merge(store)
    for row in store.query(select, use_default_graph_as_union=union):
        yield row[0], row[1]


def _timed_objects(store: ox.Store, s: Subject | None) -> Iterator[tuple[Subject, Any]]:
    """(thing, date) of the OWL-Time instant of each thing's ``time:hasTime``."""
    if s is not None:
        for _, instant in _objects(store, s, _HAS_TIME):
            for kind in _INSTANT:
                for _, d in _objects(store, instant, kind):
                    yield s, d
        return
    path = "|".join(f"<{k.value}>" for k in _INSTANT)
    yield from _rows(store, f"SELECT ?s ?d WHERE {{ ?s <{_HAS_TIME.value}> ?i . ?i {path} ?d }}")


def _language_table(store: ox.Store, source: ox.NamedNode, shown: ox.NamedNode,
                    subjects: Iterable[Subject | None]) -> Iterator[ox.Quad]:
    # subject -> language key -> the first text: one hash of the subject (a pyoxigraph term,
    # hashed anew each time) per row, the keys being plain strings
    best: dict[Subject, dict[str, str]] = {}
    for one in subjects:
        for s, o in _objects(store, one, source):
            if not isinstance(o, ox.Literal):
                continue
            text, tag = o.value, o.language
            mine = best.get(s)
            if mine is None:
                mine = best[s] = {}
            for key in _language_keys(tag.lower()) if tag else ("",):
                old = mine.get(key)
                if old is None or text < old:
                    mine[key] = text
    for s, mine in best.items():
        for tag, text in mine.items():
            yield ox.Quad(s, shown, ox.Literal(text, language=tag) if tag else ox.Literal(text), GRAPH)


def _language_keys(tag: str) -> tuple[str, ...]:
    """The keys a label tagged ``tag`` counts for: "en-gb" for "", "en" and "en-gb"."""
    if "-" not in tag:
        return ("", tag)
    parts = tag.split("-")
    return ("", *("-".join(parts[: i + 1]) for i in range(len(parts))))


def _own_dates(store: ox.Store, subjects: Iterable[Subject | None]) -> dict[Subject, set[Any]]:
    found: dict[Subject, tuple[int, set[Any]]] = {}  # subject -> (rank of its source, its dates)

    def note(s: Subject, rank: int, d: Any) -> None:
        have = found.get(s)
        if have is None or rank < have[0]:
            found[s] = (rank, {d})
        elif rank == have[0]:
            have[1].add(d)

    for one in subjects:
        for rank, props in enumerate(DATE_SOURCES):
            if props is not None:
                for p in props:
                    for s, d in _objects(store, one, p):
                        note(s, rank, d)
                continue
            for s, d in _timed_objects(store, one):
                note(s, rank, d)
    return {s: dates for s, (_, dates) in found.items()}


def _dates(store: ox.Store, subjects: Iterable[Subject | None]) -> Iterator[ox.Quad]:
    scope = list(subjects)
    found = _own_dates(store, scope)
    acts: dict[Subject, set[Any]] = {}
    for one in scope:  # an act with no date of its own: the date of the meeting it was made at
        for s, meeting in _objects(store, one, _ACT_AT):
            if s not in found:
                if meeting not in found and one is not None:
                    found.update(_own_dates(store, [meeting]))
                acts.setdefault(s, set()).update(found.get(meeting, ()))
    for s, dates in [*found.items(), *acts.items()]:
        yield from (ox.Quad(s, DISPLAY_DATE, d, GRAPH) for d in dates)


def _first_iris(store: ox.Store, subjects: Iterable[Subject | None]) -> Iterator[ox.Quad]:
    first: dict[Subject, str] = {}
    for one in subjects:
        for x, y in _objects(store, one, _SAME_AS):
            if isinstance(x, ox.NamedNode) and isinstance(y, ox.NamedNode):
                if x not in first or y.value < first[x]:
                    first[x] = y.value
    for x, iri in first.items():
        if iri < x.value:
            yield ox.Quad(x, SAME_AS_FIRST, ox.NamedNode(iri), GRAPH)


def compute(store: ox.Store, subjects: Iterable[Subject] | None = None) -> set[ox.Quad]:
    """The presentation quads for the data in ``store``: of every entity, or of ``subjects`` only.

    Read from the store's index, one scan per source property (or one lookup per subject and
    property), never from the presentation graph itself.
    """
    scope: list[Subject | None] = [None] if subjects is None else list(subjects)
    out: set[ox.Quad] = set()
    for shown, source in LANGUAGE_TABLES.items():
        out.update(_language_table(store, source, shown, scope))
    out.update(_dates(store, scope))
    out.update(_first_iris(store, scope))
    return out


def affected(store: ox.Store, changed: Iterable[Any]) -> set[Subject]:
    """The entities whose presentation quads may differ after ``changed`` (quads or triples).

    Their subjects; the things whose ``time:hasTime`` instant is one of them (its date is theirs)
    and the acts made at them (``cg:actAt``: a statement's date is its meeting's);
    and, for all of these, the other IRIs of their owl:sameAs links in the store as it is now
    (reasoning copies labels and dates across a cluster, and a new link moves its first IRI).
    """
    subjects: set[Subject] = set()
    for x in changed:
        s = x.subject if isinstance(x, ox.Quad) else x[0]
        if not isinstance(s, ox.Literal):
            subjects.add(s)
    for link in (_HAS_TIME, _ACT_AT):  # an instant dates its thing; a meeting, the acts made at it
        for s in list(subjects):
            subjects.update(q.subject for q in store.quads_for_pattern(None, link, s, None))
    for s in list(subjects):
        subjects.update(q.object for q in store.quads_for_pattern(s, _SAME_AS, None, None)
                        if not isinstance(q.object, ox.Literal))
        subjects.update(q.subject for q in store.quads_for_pattern(None, _SAME_AS, s, None))
    return subjects


def refresh(store: ox.Store, touched: Iterable[Any] | None = None, *, merged: bool = False) -> int:
    """Bring the presentation graph of ``store`` in step with its data; the quads written or removed.

    ``merged``: ``store``'s default graph holds the merge of its graphs (an on-disk store,
    :mod:`coopgraph.build.defaultgraph`), and is kept in step with the presentation graph too.

    ``touched``: the quads (or triples) an update added or removed; only their entities
    (:func:`affected`) are recomputed, and the result equals a full recomputation (tested against
    a full rebuild). None: everything, as the store build does. Either way only the quads that
    differ are written, so a refresh that changes nothing writes nothing.
    """
    if touched is None:
        new = compute(store)
        old = set(store.quads_for_pattern(None, None, None, GRAPH))
    else:
        subjects = affected(store, touched)
        new = compute(store, subjects)
        old = {q for s in subjects for q in store.quads_for_pattern(s, None, None, GRAPH)}
    gone, added = old - new, new - old
    for q in gone:
        store.remove(q)
    if merged and not old:  # a new graph, and the merge: the bulk loader, with its copies as text
        defaultgraph.bulk_write(store, quads=list(added))
        return len(added)
    if added:
        store.bulk_extend(added) if not old else store.extend(added)
    if merged:
        defaultgraph.forget(store, gone)
        copies = list(defaultgraph.copies(added))
        store.bulk_extend(copies) if not old else store.extend(copies)
    return len(gone) + len(added)


def triples(quads: Iterable[tuple[Any, Any, Any, Any]]) -> Iterator[tuple[Any, Any, Any]]:
    """The presentation triples (rdflib terms) of rdflib quads, through an in-memory store."""
    from coopgraph.query.library import from_oxigraph, to_oxigraph

    store = ox.Store()
    for s, p, o, g in quads:
        name = getattr(g, "identifier", g)
        if name == PRESENTATION_GRAPH:
            continue
        graph = ox.DefaultGraph() if name is None or str(name) == "urn:x-rdflib:default" else to_oxigraph(name)
        store.add(ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), graph))
    for q in compute(store):
        yield from_oxigraph(q.subject), from_oxigraph(q.predicate), from_oxigraph(q.object)
