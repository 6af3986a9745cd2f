"""The default graph of a coopgraph Oxigraph store: the RDF merge of its named graphs.

Every query sees one dataset (docs/model.md, "What a query sees"): its default graph holds each
triple of every graph once, however many passages state it. Oxigraph's own union default graph
repeats a triple once per graph stating it, so a coopgraph store, in memory or on disk, holds
the merge as its stored default graph and is queried without the union. These three functions
are the only code that writes it: the in-memory store (:func:`coopgraph.query.library.oxigraph_store`),
``build --store`` and ``update --store`` (:mod:`coopgraph.build.store`) and the presentation graph
(:func:`coopgraph.build.presentation.refresh`) all keep it in step through them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pyoxigraph as ox

DEFAULT = ox.DefaultGraph()


def copies(quads: Iterable[ox.Quad]) -> Iterator[ox.Quad]:
    """Each quad's triple in the default graph (a store keeps a quad once, so repeats cost nothing)."""
    for q in quads:
        yield ox.Quad(q.subject, q.predicate, q.object, DEFAULT)


def stated(store: ox.Store, s: ox.NamedNode | ox.BlankNode, p: ox.NamedNode, o: object) -> bool:
    """Whether some named graph of ``store`` holds the triple."""
    return any(not isinstance(q.graph_name, ox.DefaultGraph)
               for q in store.quads_for_pattern(s, p, o, None))  # type: ignore[arg-type]


def forget(store: ox.Store, triples: Iterable[tuple[object, object, object] | ox.Quad]) -> int:
    """Remove from the default graph each of ``triples`` that no named graph holds any more.

    Called after quads were removed from named graphs: a triple another passage still states
    stays in the merge. Returns how many were removed.
    """
    removed = 0
    for t in triples:
        s, p, o = (t.subject, t.predicate, t.object) if isinstance(t, ox.Quad) else t
        if not stated(store, s, p, o):  # type: ignore[arg-type]
            quad = ox.Quad(s, p, o, DEFAULT)  # type: ignore[arg-type]
            if quad in store:
                store.remove(quad)
                removed += 1
    return removed


def has_merge(store: ox.Store) -> bool:
    """Whether ``store``'s default graph holds anything (a coopgraph store then holds the merge).

    A store written before the merge was stored (its default graph is empty) is queried with
    Oxigraph's union of all graphs instead.
    """
    return next(iter(store.quads_for_pattern(None, None, None, DEFAULT)), None) is not None


def rebuild(store: ox.Store) -> None:
    """Make the default graph exactly the merge of the named graphs (after a wholesale change)."""
    store.clear_graph(DEFAULT)
    store.extend(list(copies(q for q in store.quads_for_pattern(None, None, None, None)
                             if not isinstance(q.graph_name, ox.DefaultGraph))))
