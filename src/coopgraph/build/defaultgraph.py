"""The default graph of a coopgraph Oxigraph store: the RDF merge of its named graphs.

Every query sees one dataset (docs/model.md, "What a query sees"): its default graph holds each
triple of every graph once, however many passages state it. Oxigraph's own union default graph
repeats a triple once per graph stating it, so a coopgraph store, in memory or on disk, holds
the merge as its stored default graph and is queried without the union. The functions here
are the only code that writes it: the in-memory store (:func:`coopgraph.query.library.oxigraph_store`),
``build --store`` and ``update --store`` (:mod:`coopgraph.build.store`) and the presentation graph
(:func:`coopgraph.build.presentation.refresh`) all keep it in step through them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import pyoxigraph as ox

DEFAULT = ox.DefaultGraph()
_NT = ox.RdfFormat.N_TRIPLES


def copies(quads: Iterable[ox.Quad]) -> Iterator[ox.Quad]:
    """Each quad's triple in the default graph (a store keeps a quad once, so repeats cost nothing)."""
    for q in quads:
        yield ox.Quad(q.subject, q.predicate, q.object, DEFAULT)


def ntriples(triples: Iterable[tuple[Any, Any, Any]]) -> bytes:
    """The N-Triples text of pyoxigraph term triples (``str`` of a term is its N-Triples form)."""
    return "".join(f"{s} {p} {o} .\n" for s, p, o in triples).encode()


def bulk_write(store: ox.Store, quads: Sequence[ox.Quad] = (), triples: Sequence[tuple[Any, Any, Any]] = (),
               graph: ox.NamedNode | None = None) -> None:
    """Bulk-load ``quads`` as they are, or ``triples`` into ``graph``, and either's copies in the merge.

    The copies go to the loader as N-Triples text that pyoxigraph writes and parses in Rust: a
    Python ``Quad`` for each copy cost more than the loader's writing (500,000 copies: 2.8 s to
    make the quads and 2.6 s to load them, against 1.1 s for the text and 3.2 s to load it;
    benchmarks/RESULTS-build.md). The loader renames the blank nodes of a text, so a text naming
    one (``_:`` anywhere in it, a literal's words included) goes as quads instead: the copy must
    be the same node.
    """
    text = ntriples(triples) if graph is not None else ox.serialize((q.triple for q in quads), format=_NT)
    if b"_:" in text:
        if graph is not None:
            quads = [ox.Quad(*t, graph) for t in triples]
        store.bulk_extend(quads)
        store.bulk_extend(copies(quads))
        return
    if graph is not None:
        store.bulk_load(input=text, format=_NT, to_graph=graph)
    else:
        store.bulk_extend(quads)
    store.bulk_load(input=text, format=_NT)


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
