"""OWL 2 RL materialisation for large graphs: the same filtered inferred triples as :mod:`reason`.

owlrl re-applies every rule to every triple on every cycle (naive evaluation), which takes about
a minute at 100,000 triples and does not finish at 1,000,000. Here the work is split in two:

1. **Compile the ontology once.** owlrl itself computes the closure of the ontology and its
   vocabularies alone (about 2,000 triples, about 2 s). That closure is exact by construction
   for everything that depends only on the ontology (transitive sub-class and sub-property
   links, propagated domains and ranges, inferences about SKOS concepts), and it yields the
   closed rule tables: super-classes, super-properties, domains, ranges, inverses, and the
   symmetric, transitive, functional and inverse-functional properties and property chains.
2. **Run the instance rules semi-naively** (each new triple is joined once with what is known,
   never re-derived from scratch) over ontology closure + data, using pyoxigraph terms as
   hashable values. The rules are the owlrl ones that can fire on instance data of this
   ontology: cax-sco, cax-eqc, prp-dom, prp-rng, prp-spo1, prp-eqp, prp-inv, prp-symp,
   prp-trp, prp-spo2 (chains of any length, also over inferred properties), prp-fp, prp-ifp,
   eq-sym, eq-trans and eq-rep-s/p/o (owlrl's equality replication, triggered for instance by
   two values of a functional property).

owlrl computes the least fixpoint of its rules, and so does this engine, so the closures are the
same; :func:`filter_inferred` then drops the same noise as :func:`coopgraph.rules.reason.reason`.
Axioms this engine does not implement (class restrictions, unions, intersections, keys,
disjointness, ...) raise :class:`UnsupportedAxiom` instead of being silently ignored.

The same rules run against an on-disk pyoxigraph store for incremental updates
(:func:`reason_delta`): joins then look up the store instead of Python dictionaries, so adding
a source costs time in proportion to what it changes, not to the size of the graph.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

import pyoxigraph as ox
from rdflib import BNode as RBNode
from rdflib import Graph
from rdflib import Literal as RLiteral
from rdflib import URIRef as RURIRef
from rdflib.term import Node

from coopgraph.errors import CoopgraphError
from coopgraph.namespaces import OWL, RDF, RDFS, XSD

Term = ox.NamedNode | ox.BlankNode | ox.Literal
Triple = tuple[Term, Term, Term]

_N = ox.NamedNode
#: Bump when rules_from_closure reads the closure differently (invalidates cached closures).
STORE_RULES_VERSION = 1
TYPE = _N(str(RDF.type))
SAME_AS = _N(str(OWL.sameAs))
SUBCLASS = _N(str(RDFS.subClassOf))
SUBPROP = _N(str(RDFS.subPropertyOf))
EQ_CLASS = _N(str(OWL.equivalentClass))
EQ_PROP = _N(str(OWL.equivalentProperty))
DOMAIN = _N(str(RDFS.domain))
RANGE = _N(str(RDFS.range))
INVERSE = _N(str(OWL.inverseOf))
CHAIN = _N(str(OWL.propertyChainAxiom))

# The filter of coopgraph.rules.reason, as pyoxigraph terms (kept in step with that module's sets).
from coopgraph.rules.reason import _BUILTIN_NS, _NOISE_TYPES, _SCHEMA_TYPES  # noqa: E402

SCHEMA_TYPES = frozenset(_N(str(t)) for t in _SCHEMA_TYPES)
NOISE_TYPES = frozenset(_N(str(t)) for t in _NOISE_TYPES)
BUILTIN_NS = tuple(_BUILTIN_NS)
XSD_NS = str(XSD)

# Constructs whose owlrl rules this engine does not implement: their presence must stop the
# engine rather than give a silently different closure.
UNSUPPORTED = {
    str(OWL[n])
    for n in (
        "Restriction", "intersectionOf", "unionOf", "oneOf", "complementOf", "hasKey", "someValuesFrom",
        "allValuesFrom", "hasValue", "maxCardinality", "maxQualifiedCardinality", "onProperty",
        "disjointWith", "AllDisjointClasses", "propertyDisjointWith", "AllDisjointProperties",
        "AsymmetricProperty", "IrreflexiveProperty", "differentFrom", "AllDifferent",
        "NegativePropertyAssertion", "sourceIndividual",
    )
}


class UnsupportedAxiom(CoopgraphError):
    """The ontology uses an OWL construct coopgraph's reasoner does not implement."""

    exit_code = 2


def to_ox(term: Node) -> Term:
    """rdflib term -> pyoxigraph term (the one conversion used in both directions of tests)."""
    if isinstance(term, RURIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, RBNode):
        return ox.BlankNode(str(term))
    if isinstance(term, RLiteral):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


def to_rdflib(term: Term) -> Node:
    """pyoxigraph term -> rdflib term (for owlrl's converters and messages)."""
    if isinstance(term, ox.NamedNode):
        return RURIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return RBNode(term.value)
    if term.language:
        return RLiteral(term.value, lang=term.language)
    return RLiteral(term.value, datatype=RURIRef(term.datatype.value))


def graph_to_ox(graph: Iterable[tuple[Node, Node, Node]]) -> set[Triple]:
    """An rdflib graph as a set of pyoxigraph triples."""
    return {(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in graph}


def canonical(graph: Graph) -> Graph:
    """The graph with blank nodes named from their content (rdflib's canonical labelling).

    rdflib names the blank nodes of the ontology's lists afresh on every parse; a store written
    by two processes (or two runs) must still hold the same quads.
    """
    from rdflib.compare import to_canonical_graph

    out = Graph()
    for t in to_canonical_graph(graph):
        out.add(t)
    return out


# ---------------------------------------------------------------------------------------------
# Compiling the ontology


@dataclass
class Rules:
    """The ontology compiled into per-predicate and per-class tables for the instance rules."""

    ontology: set[Triple]
    ontology_closure: set[Triple]
    superclasses: dict[Term, tuple[Term, ...]] = field(default_factory=dict)
    superproperties: dict[Term, tuple[Term, ...]] = field(default_factory=dict)
    inverses: dict[Term, tuple[Term, ...]] = field(default_factory=dict)
    domains: dict[Term, tuple[Term, ...]] = field(default_factory=dict)
    ranges: dict[Term, tuple[Term, ...]] = field(default_factory=dict)
    symmetric: frozenset[Term] = frozenset()
    transitive: frozenset[Term] = frozenset()
    functional: frozenset[Term] = frozenset()
    inverse_functional: frozenset[Term] = frozenset()
    # chain property -> list of (position, chain tuple, implied property)
    chains: dict[Term, tuple[tuple[int, tuple[Term, ...], Term], ...]] = field(default_factory=dict)
    digest: str = ""

    @property
    def join_predicates(self) -> frozenset[Term]:
        """Predicates whose triples must be indexed by subject and object for joins."""
        preds = set(self.transitive) | self.functional | self.inverse_functional | {SAME_AS}
        for entries in self.chains.values():
            for _, chain, _ in entries:
                preds.update(chain)
        return frozenset(preds)


def _check_supported(ontology: Graph) -> None:
    for s, p, o in ontology:
        for term in (p, o):
            if isinstance(term, RURIRef) and str(term) in UNSUPPORTED:
                raise UnsupportedAxiom(
                    f"coopgraph's reasoner does not implement {term.n3()} (used by {s.n3()}); "
                    "use the reference reasoner (coopgraph.rules.reason) or extend coopgraph.rules.engine"
                )


def encode_term(t: Term) -> list[str]:
    """A term as JSON-ready strings: closures hold triples RDF syntaxes cannot (literal subjects)."""
    if isinstance(t, ox.Literal):
        return ["L", t.value, t.datatype.value, t.language or ""]
    return ["B" if isinstance(t, ox.BlankNode) else "I", t.value]


def decode_term(x: list[str]) -> Term:
    """The inverse of :func:`encode_term`."""
    if x[0] == "L":
        return ox.Literal(x[1], language=x[3]) if x[3] else ox.Literal(x[1], datatype=ox.NamedNode(x[2]))
    return ox.BlankNode(x[1]) if x[0] == "B" else ox.NamedNode(x[1])


def cache_dir() -> Path | None:
    """Where compiled ontologies are kept between runs: ``$COOPGRAPH_CACHE``, else the user's
    cache folder (``$XDG_CACHE_HOME`` or ``~/.cache``) / coopgraph; ``COOPGRAPH_CACHE=""`` turns
    the cache off."""
    configured = os.environ.get("COOPGRAPH_CACHE")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "coopgraph"


def compile_rules(ontology: Graph) -> Rules:
    """Compile an rdflib ontology graph: owlrl closure of the ontology alone + rule tables.

    owlrl's closure of the ontology is about 4 s of every build's reasoning, and depends only
    on the ontology's content, so it is kept in :func:`cache_dir` under the content's digest
    (JSON lines, since the closure has triples with literal subjects; written atomically) and
    read back in milliseconds by the next run, and kept in memory for the rest of this one. A
    cache that cannot be read or written is simply not used.
    """
    _check_supported(ontology)
    triples = graph_to_ox(ontology)
    text = "\n".join(sorted(f"{s} {p} {o}" for s, p, o in triples))
    from importlib.metadata import version

    digest = hashlib.sha256(f"{STORE_RULES_VERSION} owlrl {version('owlrl')}\n{text}".encode()).hexdigest()
    if digest in _COMPILED:
        return _COMPILED[digest]
    rules = _compile(ontology, triples, digest)
    if len(_COMPILED) >= 4:
        _COMPILED.pop(next(iter(_COMPILED)))
    _COMPILED[digest] = rules
    return rules


#: Rules compiled in this process, by the digest of their ontology (the disk cache's key too).
_COMPILED: dict[str, Rules] = {}


def _compile(ontology: Graph, triples: set[Triple], digest: str) -> Rules:
    """The rules of ``ontology``, from the disk cache's closure or from owlrl's."""
    from coopgraph.rules.reason import _closure

    folder = cache_dir()
    cached = folder / f"ontology-closure-{digest}.jsonl" if folder else None
    if cached is not None and cached.is_file():
        try:
            with open(cached, encoding="utf-8") as f:
                closure = {tuple(decode_term(x) for x in json.loads(line)) for line in f}
            return rules_from_closure(triples, closure)  # type: ignore[arg-type]
        except (OSError, ValueError, IndexError, TypeError):
            pass  # a damaged cache entry: compute it again
    closure_graph = Graph()
    for t in ontology:
        closure_graph.add(t)
    _closure(closure_graph)
    closure = graph_to_ox(closure_graph)
    if cached is not None:
        tmp = cached.with_name(f".{cached.name}.{os.getpid()}")
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text("".join(sorted(json.dumps([encode_term(x) for x in t], ensure_ascii=False) + "\n"
                                          for t in closure)), encoding="utf-8")
            os.replace(tmp, cached)
        except OSError:
            tmp.unlink(missing_ok=True)
    return rules_from_closure(triples, closure)


def rules_from_closure(ontology: set[Triple], closure: set[Triple]) -> Rules:
    """Rule tables from an ontology and its owlrl closure (both as pyoxigraph triples).

    Split from :func:`compile_rules` so a built store can rebuild its rules from the closure it
    saved, without running owlrl again (incremental updates must take well under 2 s).
    """
    keys = {SUBCLASS, SUBPROP, EQ_CLASS, EQ_PROP, DOMAIN, RANGE, INVERSE}
    pairs: dict[Term, dict[Term, set[Term]]] = defaultdict(lambda: defaultdict(set))
    types: dict[Term, set[Term]] = defaultdict(set)
    for s, p, o in closure:
        if p in keys and not isinstance(o, ox.Literal):
            pairs[p][s].add(o)
        elif p == TYPE:
            types[o].add(s)

    def table(*keys: tuple[Term, bool]) -> dict[Term, tuple[Term, ...]]:
        out: dict[Term, set[Term]] = defaultdict(set)
        for key, both in keys:
            for a, bs in pairs[key].items():
                for b in bs:
                    if a != b:
                        out[a].add(b)
                        if both:
                            out[b].add(a)
        return {k: tuple(sorted(v, key=str)) for k, v in out.items()}

    first = {s: o for s, p, o in ontology if p == _N(str(RDF.first))}
    rest = {s: o for s, p, o in ontology if p == _N(str(RDF.rest))}
    nil = _N(str(RDF.nil))
    chains: dict[Term, list[tuple[int, tuple[Term, ...], Term]]] = defaultdict(list)
    for prop, _, head in sorted((t for t in ontology if t[1] == CHAIN), key=str):
        items: list[Term] = []
        node = head
        while node != nil and node in first:
            items.append(first[node])
            node = rest.get(node, nil)
        chain = tuple(items)
        for i, link in enumerate(chain):
            chains[link].append((i, chain, prop))
    digest = hashlib.sha256("\n".join(sorted(str(t) for t in ontology
                                              if not any(isinstance(x, ox.BlankNode) for x in t)))
                            .encode()).hexdigest()
    return Rules(
        ontology=ontology,
        ontology_closure=closure,
        superclasses=table((SUBCLASS, False), (EQ_CLASS, True)),
        superproperties=table((SUBPROP, False), (EQ_PROP, True)),
        inverses=table((INVERSE, True)),
        domains=table((DOMAIN, False)),
        ranges=table((RANGE, False)),
        symmetric=frozenset(types[_N(str(OWL.SymmetricProperty))]),
        transitive=frozenset(types[_N(str(OWL.TransitiveProperty))]),
        functional=frozenset(types[_N(str(OWL.FunctionalProperty))]),
        inverse_functional=frozenset(types[_N(str(OWL.InverseFunctionalProperty))]),
        chains={k: tuple(v) for k, v in chains.items()},
        digest=digest,
    )


@lru_cache(maxsize=4)
def _project_rules_cached(key: str) -> Rules:  # noqa: ARG001 - key makes edits invalidate the cache
    from coopgraph.load import load_ontology

    return compile_rules(canonical(load_ontology()))


def rules_for(ontology: Graph) -> Rules:
    """Rules of any ontology graph, compiled once per content (see :func:`compile_rules`).

    The graph is labelled canonically first, so the same ontology parsed twice (its list nodes
    named afresh) has one digest.
    """
    return compile_rules(canonical(ontology))


def project_rules() -> Rules:
    """The project's ontology compiled; recompiled whenever an ontology file changes."""
    from coopgraph.resources import resource_dir

    folder = resource_dir("ontology")
    h = hashlib.sha256()
    for path in sorted(folder.glob("*.ttl")):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return _project_rules_cached(h.hexdigest())


# ---------------------------------------------------------------------------------------------
# Facts: what is known, with the lookups the rules need


class Facts:
    """All triples known so far, in memory, indexed by subject and object for join predicates."""

    def __init__(self, join_predicates: frozenset[Term]) -> None:
        self.all: set[Triple] = set()
        self.join = join_predicates
        self.sp: dict[Term, dict[Term, set[Term]]] = {p: defaultdict(set) for p in join_predicates}
        self.op: dict[Term, dict[Term, set[Term]]] = {p: defaultdict(set) for p in join_predicates}
        self._by_term: dict[Term, list[Triple]] | None = None

    def __contains__(self, t: Triple) -> bool:
        return t in self.all

    @property
    def has_equals(self) -> bool:
        """Whether any owl:sameAs between two different terms is known (then eq-rep must run)."""
        return bool(self.sp[SAME_AS])

    def add_many(self, triples: Iterable[Triple]) -> None:
        join, sp, op, all_, by_term = self.join, self.sp, self.op, self.all, self._by_term
        for t in triples:
            all_.add(t)
            s, p, o = t
            if p in join and not (p == SAME_AS and s == o):  # x sameAs x (owlrl's eq-ref) joins to nothing new
                sp[p][s].add(o)
                op[p][o].add(s)
            if by_term is not None:
                for x in (s, p, o):
                    by_term.setdefault(x, []).append(t)

    def objects(self, s: Term, p: Term) -> Iterable[Term]:
        return self.sp[p].get(s, ())

    def subjects(self, p: Term, o: Term) -> Iterable[Term]:
        return self.op[p].get(o, ())

    def mentioning(self, x: Term) -> Iterable[Triple]:
        """Every triple with ``x`` in any position (eq-rep); indexed lazily, sameAs being rare."""
        if self._by_term is None:
            self._by_term = {}
            for t in self.all:
                for y in t:
                    self._by_term.setdefault(y, []).append(t)
        return list(self._by_term.get(x, ()))


class StoreFacts(Facts):
    """Facts = everything in some pyoxigraph stores (all graphs) plus the triples derived so far.

    A built store keeps the closure split in two: the query store (asserted, inferred, ontology)
    and a side store with what reason.py filters out but joins may still need (the ontology's
    own closure, sameAs between literals, ...). Lookups go to both.
    """

    def __init__(self, join_predicates: frozenset[Term], stores: list[ox.Store]) -> None:
        super().__init__(join_predicates)
        self.stores = stores
        self._by_term = {}

    def _quads(self, s: Term | None, p: Term | None, o: Term | None) -> Iterator[ox.Quad]:
        if isinstance(s, ox.Literal) or isinstance(p, ox.Literal):
            return
        for store in self.stores:
            yield from store.quads_for_pattern(s, p, o, None)

    def __contains__(self, t: Triple) -> bool:
        return t in self.all or next(self._quads(*t), None) is not None

    @property
    def has_equals(self) -> bool:
        # Stored closures hold x sameAs x for ontology terms (owlrl's eq-ref); only a link
        # between two different terms matters, and it may be anywhere: check per term instead.
        return True

    def objects(self, s: Term, p: Term) -> Iterable[Term]:
        out = set(self.sp[p].get(s, ()))
        out.update(q.object for q in self._quads(s, p, None))
        return out

    def subjects(self, p: Term, o: Term) -> Iterable[Term]:
        out = set(self.op[p].get(o, ()))
        out.update(q.subject for q in self._quads(None, p, o))
        return out

    def mentioning(self, x: Term) -> Iterable[Triple]:
        out = set(self._by_term.get(x, ()) if self._by_term else ())
        for s, p, o in ((x, None, None), (None, x, None), (None, None, x)):
            out.update((q.subject, q.predicate, q.object) for q in self._quads(s, p, o))
        return out


# ---------------------------------------------------------------------------------------------
# The semi-naive engine


def _round(delta: Iterable[Triple], rules: Rules, facts: Facts) -> set[Triple]:
    """One semi-naive round: all consequences of ``delta`` (joined with ``facts``), unfiltered.

    The rules without joins (sub-class, domain, range, sub-property, inverse, symmetric) run
    as set comprehensions over the delta grouped by predicate, which is where most triples go;
    the join rules fall back to :func:`_joins` for the few predicates that have them.
    """
    by_p: dict[Term, list[tuple[Term, Term]]] = defaultdict(list)
    for s, p, o in delta:
        by_p[p].append((s, o))
    out: set[Triple] = set()
    joins = rules.join_predicates
    for p, pairs in by_p.items():
        if p == TYPE:
            by_c: dict[Term, list[Term]] = defaultdict(list)
            for s, o in pairs:
                by_c[o].append(s)
            for c, subjects in by_c.items():
                for d in rules.superclasses.get(c, ()):
                    out.update((s, TYPE, d) for s in subjects)
        for c in rules.domains.get(p, ()):
            out.update((s, TYPE, c) for s, _ in pairs)
        for c in rules.ranges.get(p, ()):
            out.update((o, TYPE, c) for _, o in pairs)
        for q in rules.superproperties.get(p, ()):
            out.update((s, q, o) for s, o in pairs)
        for q in rules.inverses.get(p, ()):
            out.update((o, q, s) for s, o in pairs)
        if p in rules.symmetric:
            out.update((o, p, s) for s, o in pairs)
        if p in joins or p in rules.chains:
            for s, o in pairs:
                out.update(_joins((s, p, o), rules, facts))
    if facts.has_equals:
        for p, pairs in by_p.items():
            for s, o in pairs:
                out.update(_equals((s, p, o), facts))
    return out


def _joins(t: Triple, rules: Rules, facts: Facts) -> Iterator[Triple]:
    """The rules that join ``t`` with known triples: prp-trp, prp-fp, prp-ifp, prp-spo2, eq-*."""
    s, p, o = t
    if p in rules.transitive:
        for z in list(facts.objects(o, p)):
            yield (s, p, z)
        for x in list(facts.subjects(p, s)):
            yield (x, p, o)
    if p in rules.functional:
        for y in list(facts.objects(s, p)):
            if y != o:
                yield (o, SAME_AS, y)
                yield (y, SAME_AS, o)
    if p in rules.inverse_functional:
        for x in list(facts.subjects(p, o)):
            if x != s:
                yield (s, SAME_AS, x)
                yield (x, SAME_AS, s)
    for i, chain, implied in rules.chains.get(p, ()):
        lefts = {s}
        for link in reversed(chain[:i]):
            lefts = {x for y in lefts for x in facts.subjects(link, y)}
            if not lefts:
                break
        if not lefts:
            continue
        rights = {o}
        for link in chain[i + 1:]:
            rights = {z for y in rights for z in facts.objects(y, link)}
            if not rights:
                break
        for a in lefts:
            for b in rights:
                yield (a, implied, b)
    if p == SAME_AS and s != o:
        yield (o, SAME_AS, s)
        for z in list(facts.objects(o, SAME_AS)):
            yield (s, SAME_AS, z)
        for x in list(facts.subjects(SAME_AS, s)):
            yield (x, SAME_AS, o)
        # eq-rep-s/p/o: every statement about s is also about o
        for a, b, c in facts.mentioning(s):
            yield (o if a == s else a, o if b == s else b, o if c == s else c)


def _equals(t: Triple, facts: Facts) -> Iterator[Triple]:
    """eq-rep for a new triple whose terms already have equals."""
    s, p, o = t
    for x in (s, p, o):
        for y in list(facts.objects(x, SAME_AS)):
            if y != x:
                yield (y if s == x else s, y if p == x else p, y if o == x else o)


def _consequences(t: Triple, rules: Rules, facts: Facts) -> Iterator[Triple]:
    """Everything one rule application derives from ``t`` (kept for single-triple callers)."""
    yield from _round([t], rules, facts)


Progress = Callable[[int, int], None]


def saturate(delta: Iterable[Triple], rules: Rules, facts: Facts, progress: Progress | None = None) -> set[Triple]:
    """Add ``delta`` to ``facts`` and run the rules to a fixpoint; return the triples derived.

    Semi-naive: each round applies the rules only to the triples new in the previous round,
    joined with everything known (which already includes the round's own new triples, so two
    new triples that join are found).
    """
    current = set(delta) - facts.all
    facts.add_many(current)
    derived: set[Triple] = set()
    rounds = 0
    while current:
        rounds += 1
        new = {c for c in _round(current, rules, facts) - facts.all if not isinstance(c[1], ox.Literal)}
        facts.add_many(new)
        derived |= new
        if progress:
            progress(rounds, len(derived))
        current = new
    return derived


# ---------------------------------------------------------------------------------------------
# The noise filter of coopgraph.rules.reason


def is_noise(t: Triple, schema: set[Term], data_bnodes: set[Term]) -> bool:
    """The filter of :func:`coopgraph.rules.reason.reason`, minus its "asserted or ontology" check."""
    s, p, o = t
    if isinstance(s, ox.Literal) or s in schema:
        return True
    if isinstance(s, ox.NamedNode) and s.value.startswith(BUILTIN_NS):
        return True
    if isinstance(s, ox.BlankNode) and s not in data_bnodes:
        return True
    if isinstance(o, ox.BlankNode) and o not in data_bnodes:
        return True
    if p == SAME_AS and s == o:
        return True
    if p == TYPE and (o in NOISE_TYPES or o in SCHEMA_TYPES or (isinstance(o, ox.NamedNode) and o.value.startswith(XSD_NS))):
        return True
    return False


def schema_subjects(triples: Iterable[Triple]) -> set[Term]:
    """Subjects typed as classes, properties, ontologies, ...: reason.py drops what is said of them."""
    return {s for s, p, o in triples if p == TYPE and o in SCHEMA_TYPES}


@dataclass
class RulesResult:
    """Inferred triples (filtered like reason.py), the size of the full closure, and findings."""

    inferred: set[Triple]
    closure_size: int
    noise: set[Triple] = field(default_factory=set)  # the rest of the closure, for incremental joins
    findings: list[str] = field(default_factory=list)  # owlrl's inconsistency messages, same text

    def to_rdflib(self) -> Graph:
        """The inferred triples as an rdflib Graph, for callers of the reference API."""
        g = Graph()
        text = ox.serialize([ox.Triple(*t) for t in self.inferred], format=ox.RdfFormat.N_TRIPLES)
        if text:
            g.parse(data=text.decode("utf-8"), format="nt")
        return g


def reason_triples(asserted: Iterable[Triple], rules: Rules | None = None,
                   progress: Progress | None = None) -> RulesResult:
    """Closure of ontology + ``asserted``, filtered like :func:`coopgraph.rules.reason.reason`."""
    rules = rules or project_rules()
    asserted = asserted if isinstance(asserted, set) else set(asserted)
    facts = Facts(rules.join_predicates)
    facts.add_many(rules.ontology_closure)
    # The ontology closure is already closed; new consequences can only start from the data.
    saturate(asserted, rules, facts, progress)
    data_bnodes = {x for t in asserted for x in t if isinstance(x, ox.BlankNode)}
    schema = schema_subjects(facts.all)
    inferred: set[Triple] = set()
    noise: set[Triple] = set()
    for t in facts.all:
        if t in asserted or t in rules.ontology:
            continue
        (noise if is_noise(t, schema, data_bnodes) else inferred).add(t)
    return RulesResult(inferred=inferred, closure_size=len(facts.all), noise=noise,
                      findings=findings(asserted, rules, facts.all))


NOTHING = _N(str(OWL.Nothing))
# Data vocabulary whose owlrl rules (eq-diff1/2/3 and differentFrom's symmetry, prp-npa1/2) are
# not implemented here.
UNSUPPORTED_IN_DATA = frozenset(_N(str(OWL[n])) for n in (
    "differentFrom", "AllDifferent", "members", "distinctMembers", "NegativePropertyAssertion",
    "sourceIndividual", "assertionProperty", "targetIndividual", "targetValue"))


def findings(asserted: set[Triple], rules: Rules, closure: set[Triple]) -> list[str]:
    """The inconsistencies owlrl reports for this data, in owlrl's words, sorted as reason.py sorts them.

    Of owlrl's error rules, two can fire on instance data of an ontology this engine accepts
    (the others need axioms :data:`UNSUPPORTED` refuses): cls-nothing2 (a member of owl:Nothing)
    and dt-not-type (a literal whose text is not in its datatype's lexical space, judged by
    owlrl's own converters). Data using the vocabulary of the others (owl:differentFrom,
    owl:AllDifferent, negative property assertions) raises :class:`UnsupportedAxiom`, so no
    inconsistency is ever silently missed.
    """
    from owlrl.DatatypeHandling import AltXSDToPYTHON
    from owlrl.OWLRL import OWL_RL_Datatypes

    # set comprehensions over the data, then one test per distinct literal (at 1M triples:
    # 3.0 s, against 3.4 s for loops over every triple)
    used = {t[1] for t in asserted} | {t[2] for t in asserted if isinstance(t[2], ox.NamedNode)}
    unsupported = sorted(used & UNSUPPORTED_IN_DATA, key=str)
    if unsupported:
        term = unsupported[0]
        user = next(t[0] for t in asserted if term in (t[1], t[2]))
        raise UnsupportedAxiom(f"coopgraph's reasoner does not check {term} in data (used by {user}); "
                               "run the reference reasoner (--reference)")
    out: set[str] = set()
    for s in (t[0] for t in closure if t[2] == NOTHING and t[1] == TYPE):
        out.add(f"{to_rdflib(s)} is defined of type 'Nothing'")
    datatypes = {str(d) for d in OWL_RL_Datatypes}
    literals = {t[2] for t in asserted if isinstance(t[2], ox.Literal)}
    literals.update(t[2] for t in rules.ontology if isinstance(t[2], ox.Literal))
    for o in literals:
        datatype = o.datatype.value
        if datatype in datatypes:
            # the text goes straight to owlrl's converter: an rdflib Literal would log its own error
            try:
                AltXSDToPYTHON.get(RURIRef(datatype), lambda v: v)(o.value)
            except ValueError:
                out.add(f"Lexical value of the literal '{o.value}' does not match its datatype ({datatype})")
    return sorted(out)


def reason_graph(asserted: Graph, rules: Rules | None = None) -> Graph:
    """Drop-in for ``reason(asserted, ontology).inferred`` with the project's ontology."""
    return reason_triples(graph_to_ox(asserted), rules).to_rdflib()


# ---------------------------------------------------------------------------------------------
# Incremental reasoning against a store


def reason_delta(stores: list[ox.Store], new: Iterable[Triple], rules: Rules,
                 extra: Iterable[Triple] = ()) -> tuple[set[Triple], set[Triple]]:
    """What new asserted triples add to stores that already hold a closure.

    ``stores`` hold the whole previous closure (asserted, inferred, ontology closure, noise) and
    the new triples are expected to be inserted already; ``extra`` are closure triples kept
    outside the stores (RDF has no literal subjects). Semi-naive from the new triples only:
    the cost follows what the source changes, not the size of the graph. Returns
    ``(inferred, noise)``: the new triples reason.py would keep, and the rest of the new closure.
    """
    new = set(new)
    facts = StoreFacts(rules.join_predicates, stores)
    facts.add_many(extra)  # closure triples a store cannot hold (literal subjects)
    facts.add_many(new)
    current = new
    derived: set[Triple] = set()
    while current:
        batch = {c for c in _round(current, rules, facts) if not isinstance(c[1], ox.Literal) and c not in facts}
        facts.add_many(batch)
        derived |= batch
        current = batch
    schema = {q.subject for st in stores for o in SCHEMA_TYPES for q in st.quads_for_pattern(None, TYPE, o, None)}
    schema |= schema_subjects(derived)
    data_bnodes = {x for t in new for x in t if isinstance(x, ox.BlankNode)}
    keep = {t for t in derived if not is_noise(t, schema, data_bnodes)}
    return keep, derived - keep
