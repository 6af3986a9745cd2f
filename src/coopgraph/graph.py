"""The one API object: a loaded, validated and reasoned coopgraph.

The CLI, the server and the tests all go through :class:`CoopGraph`, so loading, name
resolution, labels and provenance lookup live here once. Named queries
(:mod:`coopgraph.query.library`) plug in through :meth:`CoopGraph.query` without this module
knowing about them.
"""

from __future__ import annotations

import difflib
import json
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.term import Node

from coopgraph.build.folder import Progress, compute, entities_per_class, union
from coopgraph.errors import InputError, QueryError, UsageError
from coopgraph.load import curator_graphs, drop_curation, parse_file
from coopgraph.query.offline import checked
from coopgraph.namespaces import (
    CG,
    DCTERMS,
    FOAF,
    INFERRED_GRAPH,
    ONTOLOGY_GRAPH,
    PREFIXES,
    PRESENTATION_GRAPH,
    RDF,
    RDFS,
    SKOS,
    bind_prefixes,
    curie,
    short_iri,
)
from coopgraph.build import presentation
from coopgraph.rules.reason import reason

# Properties whose values name an entity, strongest first (also the order labels are chosen in).
LABEL_PROPERTIES = (SKOS.prefLabel, RDFS.label, FOAF.name)
NAME_PROPERTIES = (*LABEL_PROPERTIES, SKOS.altLabel, CG.abbreviation, CG.nameText)
_SPECIAL_GRAPHS = {INFERRED_GRAPH, ONTOLOGY_GRAPH, PRESENTATION_GRAPH}
# What a name usually means when it also labels qualifying nodes (checked on the reasoned graph,
# so subclasses count).
PRIMARY_CLASSES = (
    CG.Agency, FOAF.Person, CG.Country, CG.Meeting, CG.Agreement, CG.Commitment,
    CG.LegalInstrument, CG.Strategy, CG.Project, CG.SourceDocument, SKOS.Concept,
)


def normalize(text: str) -> str:
    """Fold case, diacritics (incl. đ) and spacing, so "Tong cuc tieu chuan" finds "Tổng cục Tiêu chuẩn"."""
    text = text.replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.casefold().split())


@dataclass
class Evidence:
    """Where an asserted statement comes from: a source passage, or a curator's justification."""

    graph: str
    kind: str  # evidence | curation | source | unsourced | graph
    source: str | None = None
    title: str | None = None
    publisher: str | None = None
    date: str | None = None
    url: str | None = None
    line: int | None = None
    sentence: int | None = None
    locator: str | None = None
    quote: str | None = None
    justification: str | None = None

    def to_text(self) -> str:
        if self.kind == "curation":
            return f"curator assertion <{self.graph}>: {self.justification or '(no justification)'}"
        if self.kind == "unsourced":
            return "no named graph (unsourced)"
        parts = [self.title or self.source or self.graph]
        parts += [p for p in (self.publisher, self.date, self.url) if p]
        where = f"line {self.line}" if self.line else (self.locator or "")
        if self.sentence and self.line:
            where += f", sentence {self.sentence}"
        text = ", ".join(parts) + (f" ({where})" if where else "")
        return text + (f'\n        "{self.quote}"' if self.quote else "")


@dataclass
class Statement:
    """One triple seen from the described entity: outgoing (entity is subject) or incoming."""

    direction: str  # out | in
    predicate: str
    predicate_label: str
    node: str
    node_label: str
    is_literal: bool
    language: str | None
    status: str  # asserted | inferred | ontology
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class Description:
    """Everything the graph says about one entity, with the evidence for each asserted statement."""

    entity: str
    label: str
    types: list[str]
    statements: list[Statement]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n"

    def _repr_html_(self) -> str:
        """Jupyter's view: the statements with their status and evidence, as on the entity page."""
        from coopgraph.query.notebook import description_html

        return description_html(self)

    def to_text(self) -> str:
        out = [f"{self.label} <{self.entity}>"]
        if self.types:
            out.append("  types: " + ", ".join(self.types))
        for st in self.statements:
            mark = "" if st.status == "asserted" else f" [{st.status}]"
            if st.is_literal:
                other = f'"{st.node_label}"' + (f"@{st.language}" if st.language else "")
            else:
                other = f"{st.node_label} <{st.node}>"
            arrow = f"{st.predicate_label} ->" if st.direction == "out" else f"<- {st.predicate_label}"
            out.append(f"  {arrow} {other}{mark}")
            out += [f"      from: {ev.to_text()}" for ev in st.evidence]
        return "\n".join(out) + "\n"


class CoopGraph:
    """A coopgraph dataset: asserted named graphs, the inferred graph, and the ontology.

    Held in memory (rdflib), or read from an on-disk Oxigraph store (:meth:`from_store`; a
    build folder is opened through the store it holds): then named queries, ``describe`` and
    ``stats`` run on the store itself, and the rdflib view the exports read is loaded only when
    one of them first asks (from a build's published files, else from the store).
    """

    #: The engine named queries run on when the caller does not choose (:func:`coopgraph.query.library.run`).
    engine = "oxigraph"

    def __init__(self, dataset: Dataset, inferred: Graph, ontology: Graph, findings: Iterable[str] = ()) -> None:
        """Prefer :func:`open`; this takes already-loaded parts (asserted graphs in ``dataset``)."""
        self.findings = list(findings)
        self._evidence_cache: dict[Node, Evidence] = {}
        self._presented = False
        self._store_dir: Path | None = None
        self._published: Path | None = None  # a build folder whose files the rdflib view is read from
        self._set_parts(dataset, inferred, ontology)

    def _set_parts(self, dataset: Dataset, inferred: Graph, ontology: Graph) -> None:
        self._parts_dataset = Dataset(default_union=True)
        bind_prefixes(self._parts_dataset)
        for s, p, o, g in dataset.quads((None, None, None, None)):
            if g not in _SPECIAL_GRAPHS:
                self._parts_dataset.graph(g or DATASET_DEFAULT_GRAPH_ID).add((s, p, o))
        self._parts_asserted = union(self._parts_dataset)
        self._parts_inferred = inferred
        self._parts_ontology = ontology
        for name, graph in ((INFERRED_GRAPH, inferred), (ONTOLOGY_GRAPH, ontology)):
            target = self._parts_dataset.graph(name)
            for t in graph:
                target.add(t)

    @classmethod
    def from_store(cls, store: Any, store_dir: str | Path, manifest: Mapping[str, Any] | None = None) -> CoopGraph:
        """A CoopGraph over an on-disk store (a ``pyoxigraph.Store`` opened from ``store_dir``).

        Queries use ``store`` as it is (its default graph already holds the merge,
        :mod:`coopgraph.build.defaultgraph`), so opening is instant at any size; names are first
        looked up in the store (IRI, CURIE, ``kind/slug``, an exact label), ``describe`` and
        ``stats`` ask its indexes, and the rdflib view is read only for what needs it (exports,
        a name that only the diacritics-insensitive index finds).
        """
        graph = cls.__new__(cls)
        graph.findings = []
        graph._evidence_cache = {}
        graph._presented = True  # the store build wrote graph/presentation
        graph._store_dir = Path(store_dir)
        graph._published = None
        graph.oxigraph = store
        graph.manifest = dict(manifest or {})
        graph.engine = "oxigraph"
        return graph

    @property
    def store_dir(self) -> Path | None:
        """The store folder this graph reads, or None for a graph held in memory."""
        return self._store_dir

    def _load_store(self) -> None:
        """Read the rdflib view (asserted graphs, inferred, ontology): from a build folder's
        published files when the graph was opened from one, else from the store."""
        from coopgraph.query.library import from_oxigraph
        from coopgraph.build.store import read_parts

        store = self.oxigraph
        published = self._published
        if published is not None:  # a build folder: its TriG says every literal as the data did
            self._set_parts(*_published_parts(published))
        else:
            self._set_parts(*read_parts(store))
        shown = self._parts_dataset.graph(PRESENTATION_GRAPH)
        for q in store.quads_for_pattern(None, None, None, presentation.GRAPH):
            shown.add((from_oxigraph(q.subject), from_oxigraph(q.predicate), from_oxigraph(q.object)))

    def _part(self, name: str) -> Any:
        if "_parts_dataset" not in self.__dict__:
            self._load_store()
        return self.__dict__[name]

    @property
    def _dataset(self) -> Dataset:
        return self._part("_parts_dataset")

    @property
    def _asserted(self) -> Graph:
        return self._part("_parts_asserted")

    @property
    def _inferred(self) -> Graph:
        return self._part("_parts_inferred")

    @property
    def _ontology(self) -> Graph:
        return self._part("_parts_ontology")

    def _queried(self) -> Dataset:
        """The dataset with ``graph/presentation`` (coopgraph.build.presentation) added on first need.

        Only queries read it (the label service, display dates); describe and stats never do,
        so a command that only describes does not pay for deriving it.
        """
        if not self._presented:
            shown = self._dataset.graph(PRESENTATION_GRAPH)
            for t in presentation.triples(self._dataset.quads((None, None, None, None))):
                shown.add(t)
            self._presented = True
        return self._dataset

    # -- views ------------------------------------------------------------------------------

    @property
    def dataset(self) -> Dataset:
        """Asserted evidence graphs + ``graph/inferred`` + ``graph/ontology`` (vocabulary labels
        are needed by most queries) + ``graph/presentation``, with default-union semantics for SPARQL."""
        return self._queried()

    @cached_property
    def graph(self) -> Graph:
        """Asserted and inferred data as one graph (no ontology)."""
        g = Graph()
        bind_prefixes(g)
        g += self._asserted
        g += self._inferred
        return g

    @property
    def asserted(self) -> Graph:
        """Asserted data only, all evidence graphs merged."""
        return self._asserted

    @property
    def inferred(self) -> Graph:
        """Only what reasoning added."""
        return self._inferred

    @property
    def ontology(self) -> Graph:
        """Ontology and SKOS vocabularies."""
        return self._ontology

    # -- querying ---------------------------------------------------------------------------

    def sparql(self, text: str, init_bindings: Mapping[str, Node] | None = None) -> Any:
        """Run SPARQL over :attr:`dataset`; project prefixes are predeclared; nothing is fetched.

        Returns a :class:`coopgraph.query.library.QueryResult`, as named queries do, so raw SPARQL has
        the same rows by position and name, typed records, ``to_dataframe()`` and notebook view;
        it keeps rdflib's ``askAnswer``, ``type`` and iteration (rows, or a graph's triples).
        """
        from coopgraph.query.library import from_rdflib_result

        text = checked(text, "rdflib")
        try:
            out = self._queried().query(text, initNs=PREFIXES, initBindings=dict(init_bindings or {}))
            result = from_rdflib_result(out)
        except Exception as e:  # pyparsing / rdflib evaluation errors
            raise QueryError(f"SPARQL: {' '.join(str(e).split())}") from None
        result.query = text
        return result

    def query(self, name: str, **params: Any) -> Any:
        """Run a named query from ``queries/`` (implemented by :mod:`coopgraph.query.library`)."""
        try:
            from coopgraph.query import library as queries  # type: ignore[attr-defined]
        except ImportError:
            raise UsageError("named queries are not available (coopgraph.query.library is missing)") from None
        return queries.run(self, name, **params)

    # -- names and labels -------------------------------------------------------------------

    @cached_property
    def _names(self) -> dict[str, set[URIRef]]:
        """normalized name -> entities; data names first, ontology names only if data lacks them."""
        index: dict[str, set[URIRef]] = {}
        for graph, fallback in ((self.graph, False), (self._ontology, True)):
            found: dict[str, set[URIRef]] = {}
            for prop in NAME_PROPERTIES:
                for s, o in graph.subject_objects(prop):
                    if not isinstance(o, Literal):
                        continue
                    # A Name node's text, label or abbreviation names whoever hasName it.
                    owners = [e for e in graph.subjects(CG.hasName, s) if isinstance(e, URIRef)]
                    targets = owners or [s]
                    for t in targets:
                        if isinstance(t, URIRef):
                            found.setdefault(normalize(str(o)), set()).add(t)
            for key, ents in found.items():
                if not fallback or key not in index:
                    index.setdefault(key, set()).update(ents)
        return index

    @cached_property
    def _display(self) -> dict[str, str]:
        """normalized name -> one original spelling, for suggestions."""
        shown: dict[str, str] = {}
        for graph in (self.graph, self._ontology):
            for prop in NAME_PROPERTIES:
                for o in graph.objects(None, prop):
                    if isinstance(o, Literal):
                        shown.setdefault(normalize(str(o)), str(o))
        return shown

    def _known(self, iri: URIRef) -> bool:
        if self._store_dir is not None:  # the store's indexes answer at once, whatever its size
            import pyoxigraph as ox

            try:
                node = ox.NamedNode(str(iri))
            except ValueError:
                return False  # not an IRI at all ("urn:x> } DROP ALL"): nothing the store holds
            return any(next(iter(self.oxigraph.quads_for_pattern(*pattern)), None) is not None
                       for pattern in ((node, None, None, None), (None, None, node, None)))
        return any(True for _ in self.graph.triples((iri, None, None))) or any(
            True for _ in self._ontology.triples((iri, None, None))
        ) or any(True for _ in self.graph.triples((None, None, iri)))

    def resolve(self, name: str | URIRef) -> URIRef:
        """Find the entity meant by an IRI, a CURIE, ``id:kind/slug``, ``kind/slug``, or any of its names.

        Names come from sources in Vietnamese, English or Chinese, and people type them without
        diacritics; matching is case- and diacritics-insensitive. Ambiguity is an error, not a
        guess: describing the wrong agency silently would be worse than asking.
        """
        text = str(name).strip()
        iri = short_iri(text)  # an IRI, a CURIE, id:org/sac (as results show it) or org/sac
        if iri is not None and self._known(iri):
            return iri
        if self._store_dir is not None and "_parts_dataset" not in self.__dict__:
            exact = self._stored_labels(text)
            if exact and len({self.canonical(m) for m in exact}) == 1:  # one entity, or one owl:sameAs cluster
                return min(exact, key=str)
            # else the full index below decides (read from the store, once)
        key = normalize(text)
        matches = self._names.get(key) or self._slug_index.get(key.replace(" ", "-"))
        if matches and len(matches) == 1:
            return next(iter(matches))
        if matches and self._one_person_or_body(matches):
            return min(matches, key=str)  # one owl:sameAs cluster: its first IRI, as queries use
        primary = {m for m in matches or () if self._is_primary(m)}
        if primary and (len(primary) == 1 or self._one_person_or_body(primary)):
            # "STAMEQ" also labels meeting sides made of STAMEQ: the agency is what was meant.
            return min(primary, key=str)
        if matches:
            listed = "; ".join(f"{self.label(m)} <{m}>" for m in sorted(matches))
            raise UsageError(f"{text!r} is ambiguous: {listed}")
        close = difflib.get_close_matches(key, list(self._display), n=5, cutoff=0.5)
        hint = "; did you mean: " + ", ".join(repr(self._display[c]) for c in close) if close else ""
        raise UsageError(f"no entity named {text!r}{hint}")

    def candidates(self, text: str, limit: int = 8) -> list[URIRef]:
        """Entities a typed name may mean, for a picker (the review page's entity search).

        The same name index as :meth:`resolve`: first the entities named exactly so, then those
        whose names contain the text, then those of the closest names (what resolve's "did you
        mean" lists); actors, events, documents and concepts before the nodes that qualify them.
        """
        key = normalize(text)
        if not key:
            return []
        keys = [key, *sorted((k for k in self._names if key in k and k != key), key=lambda k: (len(k), k)),
                *difflib.get_close_matches(key, list(self._names), n=limit, cutoff=0.6)]
        found: list[URIRef] = []
        for k in keys:
            for entity in sorted(self._names.get(k, ()), key=lambda e: (not self._is_primary(e), str(e))):
                if entity not in found:
                    found.append(entity)
        primary = [e for e in found if self._is_primary(e)]
        return (primary + [e for e in found if e not in primary])[:limit]

    def _stored_labels(self, text: str) -> set[URIRef]:
        """Entities of the store with ``text`` as an exact name (plain, or tagged vi, en or zh)."""
        import pyoxigraph as ox

        store, has_name = self.oxigraph, ox.NamedNode(str(CG.hasName))
        found: set[URIRef] = set()
        for prop in NAME_PROPERTIES:
            for lit in [ox.Literal(text)] + [ox.Literal(text, language=lang) for lang in ("vi", "en", "zh")]:
                for q in store.quads_for_pattern(None, ox.NamedNode(str(prop)), lit, None):
                    # a Name node's text, label or abbreviation names whoever hasName it (as _names)
                    owners = {o.subject for o in store.quads_for_pattern(None, has_name, q.subject, None)}
                    found.update(URIRef(x.value) for x in owners or {q.subject} if isinstance(x, ox.NamedNode))
        if len(found) > 1:  # "STAMEQ" also labels meeting sides made of STAMEQ: the agency is meant
            typed = ox.NamedNode(str(RDF.type))
            primary = {m for m in found if any(
                next(iter(store.quads_for_pattern(ox.NamedNode(m), typed, ox.NamedNode(str(c)), None)), None)
                for c in PRIMARY_CLASSES)}
            # one agency (or one owl:sameAs cluster of it, source-named IRIs): that is meant
            found = primary if primary and len({self.canonical(m) for m in primary}) == 1 else found
        return found

    def canonical(self, iri: URIRef) -> URIRef:
        """The alphabetically first IRI of ``iri``'s owl:sameAs cluster (``iri`` if it has none).

        Whole-graph queries keep one row per cluster under that IRI, so a parameter naming
        another member is mapped to it first. A store answers from its presentation graph
        (``cg:sameAsFirst``), the graph in memory from its owl:sameAs links.
        """
        from coopgraph.namespaces import OWL

        if self._store_dir is not None:
            import pyoxigraph as ox

            first = next(iter(self.oxigraph.quads_for_pattern(
                ox.NamedNode(str(iri)), ox.NamedNode(str(CG.sameAsFirst)), None, presentation.GRAPH)), None)
            return URIRef(first.object.value) if first is not None else iri
        cluster = {iri, *self.graph.objects(iri, OWL.sameAs), *self.graph.subjects(OWL.sameAs, iri)}
        return min((m for m in cluster if isinstance(m, URIRef)), key=str)

    def _is_primary(self, node: URIRef) -> bool:
        """Actors, events, documents and concepts, as against the nodes that qualify them
        (sides, tenures, attendances, names), which often borrow an actor's label."""
        return any((node, RDF.type, cls) in self.graph for cls in PRIMARY_CLASSES)

    def _one_person_or_body(self, entities: set[URIRef]) -> bool:
        """True when ``entities`` are all owl:sameAs one another (two spellings of one name)."""
        from coopgraph.namespaces import OWL

        first = min(entities, key=str)
        cluster = {first, *self.graph.objects(first, OWL.sameAs), *self.graph.subjects(OWL.sameAs, first)}
        return entities <= cluster

    @cached_property
    def _slug_index(self) -> dict[str, set[URIRef]]:
        """Last IRI segment -> entities, so ``stameq`` finds ``id/agency/stameq``."""
        index: dict[str, set[URIRef]] = {}
        for s in set(self._asserted.subjects()):
            if isinstance(s, URIRef) and str(s).startswith("https://w3id.org/coopgraph/id/"):
                index.setdefault(str(s).rstrip("/").rsplit("/", 1)[-1], set()).add(s)
        return index

    def label(self, node: Node, lang: str | None = None) -> str:
        """The best human name for ``node``: requested language, then untagged, en, vi, any."""
        if isinstance(node, Literal):
            return str(node)
        prefs = [lang, "", "en", "vi"] if lang else ["", "en", "vi"]
        for where in ("data", "ontology"):
            for prop in LABEL_PROPERTIES:
                values = [o for o in self._objects(node, prop, where) if isinstance(o, Literal)]
                if values:
                    def rank(v: Literal) -> tuple[int, str]:
                        tag = (v.language or "").lower()
                        return (prefs.index(tag) if tag in prefs else len(prefs), str(v))
                    return str(min(values, key=rank))
        for prop in (CG.abbreviation, CG.nameText):
            value = self._value(node, prop)
            if value is not None:
                return str(value)
        text = str(node)
        return curie(text) or text.rstrip("/").rsplit("/", 1)[-1]

    # -- reading statements: from the store when there is one, else from the rdflib view -----

    def _objects(self, node: Node, prop: Node, where: str = "data") -> list[Node]:
        """Objects of ``node prop ?o`` in the asserted graphs, with the inferred (``data``), or
        in the ontology. A store answers from its indexes, so describing one entity, labelling
        and citing evidence never read the whole graph into rdflib."""
        if self._store_dir is None:
            graph = {"data": self.graph, "asserted": self._asserted, "ontology": self._ontology}[where]
            return list(graph.objects(node, prop))
        return [t[2] for t, names in self._quads(node, prop, None).items() if _held(names, where)]

    def _value(self, node: Node, prop: Node, where: str = "data") -> Node | None:
        """One object of ``node prop ?o`` (the first in term order, so every engine gives the same)."""
        values = self._objects(node, prop, where)
        return min(values, key=lambda v: (type(v).__name__, str(v))) if values else None

    def _quads(self, s: Node | None, p: Node | None, o: Node | None) -> dict[tuple[Node, Node, Node], set[Node]]:
        """The triples matching a pattern, each with the names of the graphs holding it
        (evidence graphs, ``graph/inferred``, ``graph/ontology``; never the derived ones)."""
        found: dict[tuple[Node, Node, Node], set[Node]] = {}
        if self._store_dir is None:
            for qs, qp, qo, g in self._parts_dataset.quads((s, p, o, None)):
                name = getattr(g, "identifier", g)
                if name != PRESENTATION_GRAPH:
                    found.setdefault((qs, qp, qo), set()).add(name)
            return found
        import pyoxigraph as ox

        from coopgraph.query.library import from_oxigraph, to_oxigraph

        pattern = [None if t is None else to_oxigraph(t) for t in (s, p, o)]
        if isinstance(pattern[0], ox.Literal):
            return found  # RDF has no literal subjects
        shown = str(PRESENTATION_GRAPH)
        for q in self.oxigraph.quads_for_pattern(*pattern, None):
            if isinstance(q.graph_name, ox.DefaultGraph) or q.graph_name.value == shown:
                continue  # the merge of the others, and what is derived for display
            triple = (from_oxigraph(q.subject), from_oxigraph(q.predicate), from_oxigraph(q.object))
            found.setdefault(triple, set()).add(URIRef(q.graph_name.value))  # type: ignore[arg-type]
        return found

    # -- describe ---------------------------------------------------------------------------

    def _evidence(self, graph_name: Node) -> Evidence:
        cache = self._evidence_cache
        if graph_name in cache:
            return cache[graph_name]
        g = str(graph_name)

        def value(node: Node, prop: Node) -> Node | None:
            return self._value(node, prop, "asserted")

        if graph_name == DATASET_DEFAULT_GRAPH_ID:
            ev = Evidence(graph=g, kind="unsourced")
        elif graph_name in self._curator_graphs:
            ev = Evidence(graph=g, kind="curation", justification=_str(value(graph_name, CG.justification)))
        else:
            doc = value(graph_name, CG.source)
            kind = "evidence" if doc is not None else "graph"
            if doc is None and CG.SourceDocument in self._objects(graph_name, RDF.type, "asserted"):
                doc, kind = graph_name, "source"
            ev = Evidence(graph=g, kind=kind)
            if doc is not None:
                ev.source = str(doc)
                ev.title = _str(value(doc, DCTERMS.title))
                publisher = value(doc, DCTERMS.publisher)
                ev.publisher = self.label(publisher) if publisher is not None else None
                ev.date = _str(value(doc, DCTERMS.issued))
                ev.url = _str(value(doc, CG.url))
            if kind == "evidence":
                line, sentence = value(graph_name, CG.line), value(graph_name, CG.sentence)
                ev.line = int(line) if line is not None else None
                ev.sentence = int(sentence) if sentence is not None else None
                ev.locator = _str(value(graph_name, CG.locator))
                ev.quote = _str(value(graph_name, CG.quote))
        cache[graph_name] = ev
        return ev

    @cached_property
    def _curator_graphs(self) -> set[URIRef]:
        if self._store_dir is None:
            return curator_graphs(self._dataset)
        return {t[0] for t, names in self._quads(None, RDF.type, CG.CuratorAssertion).items()
                if _held(names, "asserted") and isinstance(t[0], URIRef)}

    def _statement(self, direction: str, p: Node, other: Node, names: set[Node], lang: str | None) -> Statement:
        graphs = sorted(names - _SPECIAL_GRAPHS, key=str)
        status = "asserted" if graphs else "inferred" if INFERRED_GRAPH in names else "ontology"
        is_lit = isinstance(other, Literal)
        return Statement(
            direction=direction,
            predicate=str(p),
            predicate_label=self.label(p, lang),
            node=str(other),
            node_label=self.label(other, lang),
            is_literal=is_lit,
            language=other.language if is_lit else None,
            status=status,
            evidence=[self._evidence(g) for g in graphs],
        )

    def describe(self, name: str | URIRef, lang: str | None = None) -> Description:
        """Every statement about an entity, both directions, asserted ones with their evidence.

        ``lang`` picks label languages and hides literals tagged with other languages.
        """
        entity = self.resolve(name)
        statements = []
        for (_, p, o), names in self._quads(entity, None, None).items():
            if lang and isinstance(o, Literal) and o.language not in (None, lang):
                continue
            if o == entity and INFERRED_GRAPH in names:
                continue  # reflexive consequences of property chains (X met X): true, but noise
            statements.append(self._statement("out", p, o, names, lang))
        for (s, p, _), names in self._quads(None, None, entity).items():
            if s != entity:
                statements.append(self._statement("in", p, s, names, lang))
        statements.sort(key=lambda st: (st.direction != "out", st.predicate != str(RDF.type),
                                        st.predicate_label, st.node_label, st.node, st.language or ""))
        types = sorted({self.label(t, lang) for t in self._objects(entity, RDF.type)})
        return Description(entity=str(entity), label=self.label(entity, lang), types=types, statements=statements)

    # -- numbers ----------------------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        """Headline numbers for the CLI and the server's status page."""
        if self._store_dir is not None:
            return self._stored_stats()
        names = [g.identifier for g in self._dataset.graphs() if g.identifier not in _SPECIAL_GRAPHS]
        a = self._asserted
        return {
            "triples_asserted": len(a),
            "triples_inferred": len(self._inferred),
            "triples_ontology": len(self._ontology),
            "named_graphs": sum(1 for n in names if n != DATASET_DEFAULT_GRAPH_ID and len(self._dataset.graph(n))),
            "sources": len(set(a.subjects(RDF.type, CG.SourceDocument))),
            "evidence": len(set(a.subjects(RDF.type, CG.Evidence))),
            "curator_assertions": len(self._curator_graphs),
            "entities": len({s for s in a.subjects(RDF.type, None) if isinstance(s, URIRef)}),
            "entities_per_class": entities_per_class(a),
            "findings": list(self.findings),
        }

    def _stored_stats(self) -> dict[str, Any]:
        """:meth:`stats` counted by the store (SPARQL), without reading the graph into rdflib."""
        special = ", ".join(f"<{g}>" for g in sorted(map(str, _SPECIAL_GRAPHS)))
        evidence = f"GRAPH ?g {{ ?s a ?c }} FILTER(?g NOT IN ({special}))"

        def number(body: str) -> int:
            return int(next(iter(self.oxigraph.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ {body} }}")))["n"].value)

        per_class: dict[str, int] = {}
        for row in self.oxigraph.query(f"SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {evidence} }} GROUP BY ?c"):
            per_class[curie(row["c"].value) or row["c"].value] = int(row["n"].value)
        return {
            "triples_asserted": number(f"SELECT DISTINCT ?s ?p ?o WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
                                       f"FILTER(?g NOT IN ({special})) }}"),
            "triples_inferred": number(f"GRAPH <{INFERRED_GRAPH}> {{ ?s ?p ?o }}"),
            "triples_ontology": number(f"GRAPH <{ONTOLOGY_GRAPH}> {{ ?s ?p ?o }}"),
            "named_graphs": number(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ }} FILTER(?g NOT IN ({special})) }}"),
            "sources": number(f"SELECT DISTINCT ?s WHERE {{ {evidence} FILTER(?c = <{CG.SourceDocument}>) }}"),
            "evidence": number(f"SELECT DISTINCT ?s WHERE {{ {evidence} FILTER(?c = <{CG.Evidence}>) }}"),
            "curator_assertions": len(self._curator_graphs),
            "entities": number(f"SELECT DISTINCT ?s WHERE {{ {evidence} FILTER(isIRI(?s)) }}"),
            "entities_per_class": dict(sorted(per_class.items(), key=lambda kv: (-kv[1], kv[0]))),
            "findings": list(self.findings),
        }

def _held(names: set[Node], where: str) -> bool:
    """Whether graphs ``names`` put a triple in ``where``: ``asserted`` (an evidence graph),
    ``data`` (asserted or inferred) or ``ontology``."""
    if where == "ontology":
        return ONTOLOGY_GRAPH in names
    evidence = bool(names - _SPECIAL_GRAPHS)
    return evidence or (where == "data" and INFERRED_GRAPH in names)


def _str(node: Node | None) -> str | None:
    return None if node is None else str(node)


def _published_parts(build_dir: Path) -> tuple[Dataset, Graph, Graph]:
    """A build folder's asserted graphs, inferred graph and ontology, read from its published files."""
    dataset = Dataset(default_union=True)
    parse_file(build_dir / "coopgraph.trig", dataset)
    ontology = Graph()
    ontology_file = build_dir / "ontology.ttl"
    if ontology_file.is_file():
        parse_file(ontology_file, ontology)
    else:
        from coopgraph.load import load_ontology

        ontology = load_ontology()
    inferred = Graph()
    inferred += dataset.graph(INFERRED_GRAPH)
    dataset.remove_graph(dataset.graph(INFERRED_GRAPH))
    return dataset, inferred, ontology


def _from_build(build_dir: Path, curation: bool, reasoning: bool) -> CoopGraph:
    """Load a finished build's published files, reasoning again only when curation is removed."""
    dataset, inferred, ontology = _published_parts(build_dir)
    if not curation and curator_graphs(dataset):
        drop_curation(dataset)
        inferred = reason(union(dataset), ontology).inferred if reasoning else Graph()
    if not reasoning:
        inferred = Graph()
    return CoopGraph(dataset, inferred, ontology)


def open(  # shadows the builtin on purpose: the entry point reads as coopgraph.open(...)
    build_dir: str | Path | None = None,
    data_paths: Iterable[str | Path] | None = None,
    curation: bool = True,
    reasoning: bool = True,
    progress: Progress | None = None,
) -> CoopGraph:
    """Open coopgraph from a finished build or store (fast) or by loading and reasoning data files.

    ``build_dir`` is used when no data files are given: a build folder (``coopgraph build``) or
    a store folder (``coopgraph build --store``); either way the same API object comes back, and
    the same query gives the same rows. A build folder is read through the store it holds
    (opening is instant and queries run on it); only ``curation=False`` or ``reasoning=False``,
    which ask for other statements than the store's, read its published TriG instead. A folder
    that is neither is a :class:`UsageError`. Otherwise the data (default: the package's
    ``data/``) is validated and reasoned in memory.
    """
    if build_dir is not None and data_paths is None:
        from coopgraph.build.folder import STORE
        from coopgraph.build.store import is_store, open_store

        path = Path(build_dir)
        if (path / "coopgraph.trig").is_file():
            if curation and reasoning and is_store(path / STORE):
                graph = open_store(path / STORE)
                graph._published = path  # the rdflib view is read from the published files
                return graph
            return _from_build(path, curation, reasoning)

        if is_store(path):
            if not curation or not reasoning:
                raise UsageError(f"{path} is a store, which keeps every graph and its reasoning: "
                                 "--no-curation needs a build folder (`coopgraph build --no-curation`)")
            return open_store(path)
        if path.exists() and not path.is_dir():
            raise InputError(path, 0, 0, "not a build directory")
        # asked for a build by name: silently validating data/ instead would answer from other data
        raise UsageError(f"no build at {path} (no coopgraph.trig, and not a store): run "
                         f"`coopgraph build --out {path}` (or `--store {path}`) first")
    result = compute(data_paths, curation=curation, progress=progress, reasoning=reasoning)
    assert result.dataset is not None and result.inferred is not None and result.ontology is not None
    return CoopGraph(result.dataset, result.inferred, result.ontology, result.findings)
