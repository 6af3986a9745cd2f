"""SHACL validation on pyoxigraph, with the same results as pySHACL for the project's shapes.

pySHACL evaluates every constraint through rdflib, one focus node at a time: about 20 s at
100,000 triples and nearly 4 minutes at 1,000,000. Here the shapes graph is read once into
Python objects; value nodes come from pyoxigraph lookups (per node for small focus sets, one
scan per predicate for large ones); core constraints are checked in Python; SPARQL-based
constraints run inside Oxigraph with ``$this`` pre-bound through Oxigraph's substitutions
(the same pre-binding semantics rdflib gives pySHACL).

What the shapes see is what pySHACL sees with ``ont_graph``: the data plus the ontology triples
pySHACL's own ``inoculate`` copies (RDFS/OWL axioms, not SKOS concepts). That set is computed
by calling pySHACL's function once, so it cannot drift from the reference.

Supported: targets (class with sub-classes, node, subjects-of, objects-of), paths (predicate,
inverse, sequence, alternative, zero-or-more, one-or-more, zero-or-one), sh:class, datatype,
nodeKind, minCount, maxCount, pattern (+flags), languageIn, uniqueLang, in, hasValue,
min/maxInclusive/Exclusive, min/maxLength, and, or, not, xone, node, qualifiedValueShape with
qualifiedMin/MaxCount, sh:sparql (SELECT), severity, message, deactivated. Anything else in a
shape raises :class:`UnsupportedShape`: a validator that skips a constraint would report
"conforms" for data that does not.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from coopgraph.errors import CoopgraphError
from coopgraph.rules.engine import canonical, graph_to_ox, to_ox
from coopgraph.namespaces import RDF, RDFS, SH, XSD, curie
from coopgraph.shacl.validate import _SEVERITY_ORDER, ValidationReport, ValidationResult

Term = ox.NamedNode | ox.BlankNode | ox.Literal
TYPE = ox.NamedNode(str(RDF.type))
SUBCLASS = ox.NamedNode(str(RDFS.subClassOf))
INOCULATED_GRAPH = ox.NamedNode("https://w3id.org/coopgraph/graph/validation-ontology")

_CONSTRAINT_PARAMS = {
    SH["class"], SH.datatype, SH.nodeKind, SH.minCount, SH.maxCount, SH.pattern, SH.flags, SH.languageIn,
    SH.uniqueLang, SH["in"], SH.hasValue, SH.minInclusive, SH.maxInclusive, SH.minExclusive, SH.maxExclusive,
    SH.minLength, SH.maxLength, SH["and"], SH["or"], SH["not"], SH.xone, SH.node, SH.qualifiedValueShape,
    SH.qualifiedMinCount, SH.qualifiedMaxCount, SH.sparql, SH.property,
}
_IGNORED = {
    SH.name, SH.description, SH.message, SH.severity, SH.path, SH.targetClass, SH.targetNode,
    SH.targetSubjectsOf, SH.targetObjectsOf, SH.deactivated, SH.order, SH.group, SH.defaultValue,
    RDF.type, RDFS.label, RDFS.comment, SH.declare, SH.prefixes,
}
_UNSUPPORTED = {SH.closed, SH.ignoredProperties, SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals,
                SH.qualifiedValueShapesDisjoint, SH.target, SH.rule, SH.expression}

_LEXICAL = {
    str(XSD.date): re.compile(r"-?\d{4,}-\d{2}-\d{2}(Z|[+-]\d{2}:\d{2})?"),
    str(XSD.gYear): re.compile(r"-?\d{4,}(Z|[+-]\d{2}:\d{2})?"),
    str(XSD.gYearMonth): re.compile(r"-?\d{4,}-\d{2}(Z|[+-]\d{2}:\d{2})?"),
    str(XSD.integer): re.compile(r"[+-]?\d+"),
    str(XSD.boolean): re.compile(r"true|false|1|0"),
}


class UnsupportedShape(CoopgraphError):
    """A shape uses a SHACL feature coopgraph's validator does not implement."""

    exit_code = 2


# ---------------------------------------------------------------------------------------------
# Shapes, read once


@dataclass(eq=False)
class Shape:
    """One node or property shape, its parameters as pyoxigraph terms or nested shapes."""

    node: Node
    path: object = None  # None for node shapes; else a compiled path
    path_node: Node | None = None
    severity: str = "Violation"
    messages: tuple[str, ...] = ()
    params: dict[URIRef, list] = field(default_factory=dict)
    properties: list[Shape] = field(default_factory=list)
    targets: list[tuple[URIRef, Term]] = field(default_factory=list)
    sparql: list[tuple[str, tuple[str, ...], Node]] = field(default_factory=list)
    deactivated: bool = False
    compiled: list[tuple[str, object]] = field(default_factory=list)  # (local name, argument)


class ShapesGraph:
    """The shapes compiled from an rdflib graph."""

    def __init__(self, graph: Graph) -> None:
        self.g = graph
        self.shapes: dict[Node, Shape] = {}
        roots = set(graph.subjects(RDF.type, SH.NodeShape)) | set(graph.subjects(RDF.type, SH.PropertyShape))
        for p in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf):
            roots |= set(graph.subjects(p, None))
        for r in sorted(roots, key=str):
            self.shape(r)

    def shape(self, node: Node) -> Shape:
        if node in self.shapes:
            return self.shapes[node]
        g = self.g
        sev = g.value(node, SH.severity)
        s = Shape(node=node, severity=str(sev).rsplit("#", 1)[-1] if sev else "Violation",
                  messages=tuple(sorted(str(m) for m in g.objects(node, SH.message))),
                  deactivated=str(g.value(node, SH.deactivated)).lower() == "true")
        self.shapes[node] = s
        path = g.value(node, SH.path)
        if path is not None:
            s.path_node = path
            s.path = self._path(path)
        for p, o in g.predicate_objects(node):
            if p in _UNSUPPORTED:
                raise UnsupportedShape(f"shape {node.n3()} uses {p.n3()}, which coopgraph's validator does not support")
            if p in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf):
                s.targets.append((p, to_ox(o)))
            elif p == SH.property:
                s.properties.append(self.shape(o))
            elif p == SH.sparql:
                s.sparql.append(self._sparql(o))
            elif p in (SH["and"], SH["or"], SH.xone):
                s.params.setdefault(p, []).append([self.shape(x) for x in Collection(g, o)])
            elif p in (SH["not"], SH.node, SH.qualifiedValueShape):
                s.params.setdefault(p, []).append(self.shape(o))
            elif p in (SH["in"], SH.languageIn):
                s.params.setdefault(p, []).append([to_ox(x) if p == SH["in"] else str(x) for x in Collection(g, o)])
            elif p in _CONSTRAINT_PARAMS:
                s.params.setdefault(p, []).append(o)
            elif p not in _IGNORED and str(p).startswith(str(SH)):
                raise UnsupportedShape(f"shape {node.n3()} uses {p.n3()}, which coopgraph's validator does not support")
        for p, args in sorted(s.params.items(), key=lambda kv: str(kv[0])):
            code = str(p).rsplit("#", 1)[-1]
            if code in ("flags", "qualifiedMinCount", "qualifiedMaxCount"):
                continue
            for a in args:
                s.compiled.append((code, _compile_arg(code, a, s)))
        return s

    def _path(self, p: Node) -> object:
        g = self.g
        if isinstance(p, URIRef):
            return ("pred", to_ox(p))
        if (p, RDF.first, None) in g:
            return ("seq", [self._path(x) for x in Collection(g, p)])
        for kind, prop in (("inv", SH.inversePath), ("alt", SH.alternativePath), ("star", SH.zeroOrMorePath),
                           ("plus", SH.oneOrMorePath), ("opt", SH.zeroOrOnePath)):
            o = g.value(p, prop)
            if o is not None:
                if kind == "alt":
                    return ("alt", [self._path(x) for x in Collection(g, o)])
                return (kind, self._path(o))
        raise UnsupportedShape(f"unsupported property path {p.n3()}")

    def _sparql(self, c: Node) -> tuple[str, tuple[str, ...], Node]:
        g = self.g
        select = g.value(c, SH.select)
        if select is None:
            raise UnsupportedShape(f"SPARQL constraint {c.n3()} has no sh:select (ASK/construct not supported)")
        prefixes = []
        for pnode in g.objects(c, SH.prefixes):
            for decl in g.objects(pnode, SH.declare):
                prefixes.append(f"PREFIX {g.value(decl, SH.prefix)}: <{g.value(decl, SH.namespace)}>")
        messages = tuple(sorted(str(m) for m in g.objects(c, SH.message)))
        return ("\n".join(sorted(set(prefixes))) + "\n" + str(select), messages, c)


def _compile_arg(code: str, a: object, s: Shape) -> object:
    """Turn a parameter into what the check needs, once (not per value node)."""
    if code == "class":
        return to_ox(a)  # type: ignore[arg-type]
    if code == "datatype":
        return str(a)
    if code in ("minCount", "maxCount", "minLength", "maxLength"):
        return int(a)  # type: ignore[call-overload]
    if code == "pattern":
        flags = s.params.get(SH.flags, [""])[0]
        return _regex(str(a), str(flags))
    if code == "uniqueLang":
        return str(a).lower() == "true"
    if code == "in":
        return set(a)  # type: ignore[call-overload]
    if code == "hasValue":
        return to_ox(a)  # type: ignore[arg-type]
    if code in ("minInclusive", "maxInclusive", "minExclusive", "maxExclusive"):
        return _num(to_ox(a))  # type: ignore[arg-type]
    if code == "qualifiedValueShape":
        lo, hi = s.params.get(SH.qualifiedMinCount), s.params.get(SH.qualifiedMaxCount)
        return (a, int(lo[0]) if lo else None, int(hi[0]) if hi else None)
    return a


# ---------------------------------------------------------------------------------------------
# The data view


class View:
    """The graph the shapes see, with cached lookups (union of the store's graphs minus some)."""

    def __init__(self, store: ox.Store, exclude: Iterable[ox.NamedNode] = (), bulk_threshold: int = 3000) -> None:
        self.store = store
        self.exclude = frozenset(exclude)
        self.bulk_threshold = bulk_threshold
        self._out: dict[Term, dict[Term, list[Term]]] = {}
        self._in: dict[Term, dict[Term, list[Term]]] = {}
        self._types: dict[Term, set[Term]] | None = None
        self._supers: dict[Term, set[Term]] | None = None

    def _quads(self, s: Term | None, p: Term | None, o: Term | None) -> Iterator[ox.Quad]:
        ex = self.exclude
        for q in self.store.quads_for_pattern(s, p, o, None):
            if not ex or q.graph_name not in ex:
                yield q

    def bulk(self, p: Term, inverse: bool = False) -> dict[Term, list[Term]]:
        cache = self._in if inverse else self._out
        if p not in cache:
            m: dict[Term, set[Term]] = defaultdict(set)
            for q in self._quads(None, p, None):
                if inverse:
                    m[q.object].add(q.subject)
                else:
                    m[q.subject].add(q.object)
            cache[p] = {k: list(v) for k, v in m.items()}
        return cache[p]

    def objects(self, s: Term, p: Term) -> list[Term]:
        if p in self._out:
            return self._out[p].get(s, [])
        if isinstance(s, ox.Literal):
            return []
        return list({q.object for q in self._quads(s, p, None)})

    def subjects(self, p: Term, o: Term) -> list[Term]:
        if p in self._in:
            return self._in[p].get(o, [])
        return list({q.subject for q in self._quads(None, p, o)})

    def supers(self) -> dict[Term, set[Term]]:
        if self._supers is None:
            direct: dict[Term, set[Term]] = defaultdict(set)
            for q in self._quads(None, SUBCLASS, None):
                direct[q.subject].add(q.object)
            closed: dict[Term, set[Term]] = {}
            for c in list(direct):
                seen, stack = {c}, [c]
                while stack:
                    for d in direct.get(stack.pop(), ()):
                        if d not in seen:
                            seen.add(d)
                            stack.append(d)
                closed[c] = seen
            self._supers = closed
        return self._supers

    def is_instance(self, v: Term, cls: Term) -> bool:
        if isinstance(v, ox.Literal):
            return False
        sup = self.supers()
        for t in self.objects(v, TYPE):
            if t == cls or cls in sup.get(t, ()):
                return True
        return False

    def instances(self, cls: Term) -> set[Term]:
        sup = self.supers()
        classes = {cls} | {c for c, ss in sup.items() if cls in ss}
        return {q.subject for c in classes for q in self._quads(None, TYPE, c)}

    def values(self, path: object, focus: Term, big: bool) -> list[Term]:
        kind, arg = path  # type: ignore[misc]
        if kind == "pred":
            if big:
                return self.bulk(arg).get(focus, [])
            return self.objects(focus, arg)
        if kind == "inv":
            if arg[0] == "pred":
                if big:
                    return self.bulk(arg[1], inverse=True).get(focus, [])
                return self.subjects(arg[1], focus)
            raise UnsupportedShape("inverse of a complex path")
        if kind == "alt":
            out: dict[Term, None] = {}
            for p in arg:
                out.update(dict.fromkeys(self.values(p, focus, big)))
            return list(out)
        if kind == "seq":
            nodes = [focus]
            for p in arg:
                nodes = list(dict.fromkeys(v for n in nodes for v in self.values(p, n, big)))
            return nodes
        if kind in ("star", "plus", "opt"):
            seen: dict[Term, None] = {focus: None} if kind in ("star", "opt") else {}
            frontier = [focus]
            while frontier:
                nxt = []
                for n in frontier:
                    for v in self.values(arg, n, big):
                        if v not in seen:
                            seen[v] = None
                            nxt.append(v)
                frontier = [] if kind == "opt" else nxt
            return list(seen)
        raise UnsupportedShape(f"path {kind}")


# ---------------------------------------------------------------------------------------------
# Evaluation


@dataclass(frozen=True)
class RawResult:
    """A result before rendering: terms, so reports can be compared and rendered either way."""

    shape: Shape
    focus: Term
    component: str
    value: Term | None = None
    path: Node | None = None
    messages: tuple[str, ...] = ()


def _num(v: Term) -> Decimal | str | None:
    if not isinstance(v, ox.Literal):
        return None
    dt = v.datatype.value
    try:
        if dt.startswith(str(XSD)) and dt.rsplit("#", 1)[-1] in (
                "integer", "decimal", "int", "long", "short", "nonNegativeInteger", "positiveInteger", "double", "float"):
            return Decimal(v.value)
    except InvalidOperation:
        return None
    if dt in (str(XSD.date), str(XSD.dateTime), str(XSD.gYear)):
        return v.value
    return None


def _lang_matches(tag: str, rng: str) -> bool:
    tag, rng = tag.lower(), rng.lower()
    return rng == "*" and bool(tag) or tag == rng or tag.startswith(rng + "-")


class Validator:
    """Evaluates compiled shapes over a :class:`View`."""

    def __init__(self, shapes: ShapesGraph, view: View) -> None:
        self.shapes = shapes
        self.view = view
        self._conforms: dict[tuple[int, Term], bool] = {}
        self.big = False

    def conforms(self, shape: Shape, node: Term) -> bool:
        key = (id(shape), node)
        if key not in self._conforms:
            self._conforms[key] = next(iter(self.evaluate(shape, [node])), None) is None
        return self._conforms[key]

    def focus_nodes(self, shape: Shape) -> set[Term]:
        v = self.view
        out: set[Term] = set()
        for kind, t in shape.targets:
            if kind == SH.targetClass:
                out |= v.instances(t)
            elif kind == SH.targetNode:
                out.add(t)
            elif kind == SH.targetSubjectsOf:
                out |= {q.subject for q in v._quads(None, t, None)}
            elif kind == SH.targetObjectsOf:
                out |= {q.object for q in v._quads(None, t, None)}
        return out

    def is_target(self, shape: Shape, node: Term) -> bool:
        """Whether ``node`` is a focus node of ``shape`` (a lookup, for incremental validation)."""
        v = self.view
        for kind, t in shape.targets:
            if kind == SH.targetClass and v.is_instance(node, t):
                return True
            if kind == SH.targetNode and node == t:
                return True
            if kind == SH.targetSubjectsOf and not isinstance(node, ox.Literal) and v.objects(node, t):
                return True
            if kind == SH.targetObjectsOf and v.subjects(t, node):
                return True
        return False

    def evaluate(self, shape: Shape, focus: Iterable[Term]) -> Iterator[RawResult]:
        if shape.deactivated:
            return
        focus = list(focus)
        big = len(focus) >= self.view.bulk_threshold
        for f in focus:
            vals = [f] if shape.path is None else self.view.values(shape.path, f, big)
            yield from self._constraints(shape, f, vals)
            for ps in shape.properties:
                yield from self.evaluate(ps, [f])
        if shape.sparql:
            yield from self._sparql(shape, focus)

    def _r(self, shape: Shape, f: Term, comp: str, value: Term | None = None) -> RawResult:
        return RawResult(shape, f, comp, value, shape.path_node, shape.messages)

    def _constraints(self, s: Shape, f: Term, vals: list[Term]) -> Iterator[RawResult]:
        v_ = self.view
        for code, a in s.compiled:
            if code == "class":
                for v in vals:
                    if not v_.is_instance(v, a):  # type: ignore[arg-type]
                        yield self._r(s, f, "ClassConstraintComponent", v)
            elif code == "datatype":
                for v in vals:
                    if not (isinstance(v, ox.Literal) and v.datatype.value == a and _well_formed(v)):
                        yield self._r(s, f, "DatatypeConstraintComponent", v)
            elif code == "nodeKind":
                for v in vals:
                    if not _node_kind(v, a):  # type: ignore[arg-type]
                        yield self._r(s, f, "NodeKindConstraintComponent", v)
            elif code == "minCount":
                if len(vals) < a:  # type: ignore[operator]
                    yield self._r(s, f, "MinCountConstraintComponent")
            elif code == "maxCount":
                if len(vals) > a:  # type: ignore[operator]
                    yield self._r(s, f, "MaxCountConstraintComponent")
            elif code == "pattern":
                for v in vals:
                    if isinstance(v, ox.BlankNode) or not a.search(v.value):  # type: ignore[attr-defined]
                        yield self._r(s, f, "PatternConstraintComponent", v)
            elif code == "languageIn":
                for v in vals:
                    if not (isinstance(v, ox.Literal) and v.language and any(_lang_matches(v.language, x) for x in a)):  # type: ignore[attr-defined]
                        yield self._r(s, f, "LanguageInConstraintComponent", v)
            elif code == "uniqueLang":
                if a:
                    langs: dict[str, int] = defaultdict(int)
                    for v in vals:
                        if isinstance(v, ox.Literal) and v.language:
                            langs[v.language.lower()] += 1
                    for _lang, n in sorted(langs.items()):
                        if n > 1:
                            yield self._r(s, f, "UniqueLangConstraintComponent")
            elif code == "in":
                for v in vals:
                    if v not in a:  # type: ignore[operator]
                        yield self._r(s, f, "InConstraintComponent", v)
            elif code == "hasValue":
                if a not in vals:
                    yield self._r(s, f, "HasValueConstraintComponent")
            elif code in ("minInclusive", "maxInclusive", "minExclusive", "maxExclusive"):
                for v in vals:
                    x = _num(v)
                    ok = x is not None and a is not None and type(x) is type(a) and (
                        (code == "minInclusive" and x >= a) or (code == "maxInclusive" and x <= a)  # type: ignore[operator]
                        or (code == "minExclusive" and x > a) or (code == "maxExclusive" and x < a))  # type: ignore[operator]
                    if not ok:
                        yield self._r(s, f, code[0].upper() + code[1:] + "ConstraintComponent", v)
            elif code in ("minLength", "maxLength"):
                for v in vals:
                    n = None if isinstance(v, ox.BlankNode) else len(v.value)
                    if n is None or (code == "minLength" and n < a) or (code == "maxLength" and n > a):  # type: ignore[operator]
                        yield self._r(s, f, ("MinLength" if code == "minLength" else "MaxLength") + "ConstraintComponent", v)
            elif code == "or":
                for v in vals:
                    if not any(self.conforms(x, v) for x in a):  # type: ignore[attr-defined]
                        yield self._r(s, f, "OrConstraintComponent", v)
            elif code == "and":
                for v in vals:
                    if not all(self.conforms(x, v) for x in a):  # type: ignore[attr-defined]
                        yield self._r(s, f, "AndConstraintComponent", v)
            elif code == "xone":
                for v in vals:
                    if sum(1 for x in a if self.conforms(x, v)) != 1:  # type: ignore[attr-defined]
                        yield self._r(s, f, "XoneConstraintComponent", v)
            elif code == "not":
                for v in vals:
                    if self.conforms(a, v):  # type: ignore[arg-type]
                        yield self._r(s, f, "NotConstraintComponent", v)
            elif code == "node":
                for v in vals:
                    if not self.conforms(a, v):  # type: ignore[arg-type]
                        yield self._r(s, f, "NodeConstraintComponent", v)
            elif code == "qualifiedValueShape":
                shape, lo, hi = a  # type: ignore[misc]
                n = sum(1 for v in vals if self.conforms(shape, v))
                if lo is not None and n < lo:
                    yield self._r(s, f, "QualifiedMinCountConstraintComponent")
                if hi is not None and n > hi:
                    yield self._r(s, f, "QualifiedMaxCountConstraintComponent")

    def _sparql(self, s: Shape, focus: list[Term]) -> Iterator[RawResult]:
        this = ox.Variable("this")
        for query, messages, _node in s.sparql:
            text = query.replace("$this", "?this").replace("$PATH", "?__path__")
            if s.path is not None:
                raise UnsupportedShape(f"SPARQL constraint on property shape {s.node.n3()}")
            if not focus:
                continue
            batched = _batchable(text)
            if batched is not None:
                # VALUES cannot hold a blank node (SPARQL has no syntax for one that is not a new
                # variable), so blank focus nodes are bound one by one, as pySHACL binds every node.
                named = [f for f in focus if not isinstance(f, ox.BlankNode)]
                runs = [(batched.replace(VALUES_MARK, "VALUES ?this { " + " ".join(map(str, named[i:i + 20000])) + " }"), None)
                        for i in range(0, len(named), 20000)]
                runs += [(text, f) for f in focus if isinstance(f, ox.BlankNode)]
            else:
                runs = [(text, f) for f in focus]
            seen: set[tuple] = set()
            for q, f in runs:
                subs = {this: f} if f is not None else None
                solutions = self.view.store.query(q, substitutions=subs, use_default_graph_as_union=True)
                names = [v.value for v in solutions.variables]
                for row in solutions:
                    node = f if f is not None else row["this"]
                    # pySHACL reports identical solutions once (its "guard against duplicate results")
                    key = (node, *(_get(row, n) for n in names if n != "this"))
                    if key in seen:
                        continue
                    seen.add(key)
                    value = _get(row, "value")
                    path = _get(row, "path")
                    msgs = tuple(sorted(_fill(m, row, node) for m in (messages or s.messages)))
                    yield RawResult(s, node, "SPARQLConstraintComponent", value if value is not None else node,
                                    _from_ox(path) if path is not None else None, msgs)

    def _graph_args(self) -> dict:
        return {}


VALUES_MARK = "\x00VALUES\x00"
_TOKEN = re.compile(r'''"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|<[^<>"{}|^`\\\x00-\x20]*>|#[^\n]*|[{}]|\?this\b|\bEXISTS\b''',
                    re.I)
_FALLBACK = re.compile(r"\b(OPTIONAL|MINUS|SERVICE|GRAPH|VALUES)\b|\bSELECT\b[^{]*\bSELECT\b", re.I | re.S)


def _batchable(text: str) -> str | None:
    """The query with a VALUES marker opening every group that mentions ?this, or None.

    pySHACL pre-binds $this (rdflib substitutes it everywhere, also inside nested groups and
    FILTER EXISTS). Running one query per focus node costs a parse and a plan each time; instead
    every group {...} whose text mentions ?this is joined with ``VALUES ?this {focus nodes}``,
    which gives the same rows as substituting each focus node in turn, as long as no group can
    leave ?this unbound on purpose. OPTIONAL, MINUS, sub-queries, GRAPH, SERVICE and VALUES
    could, so those queries fall back to one query per focus node.

    Groups inside ``EXISTS {...}`` get no marker: the group holding the FILTER already has one,
    so ?this is bound when EXISTS is evaluated (SPARQL substitutes the solution's bindings into
    it). A marker there would join every focus node into every EXISTS test: the same rows, but
    quadratic (19 s instead of a fraction of one for 34,000 evidence nodes).
    """
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().upper().startswith("PREFIX"))
    if _FALLBACK.search(re.sub(r'"(?:[^"\\]|\\.)*"', '""', body)):
        return None
    stack: list[list] = []  # [position after "{", mentions ?this, inside EXISTS]
    inserts: list[int] = []
    after_exists = False
    for m in _TOKEN.finditer(text):
        tok = m.group(0)
        if tok.upper() == "EXISTS":
            after_exists = True
            continue
        if tok == "{":
            stack.append([m.end(), False, after_exists or bool(stack and stack[-1][2])])
        elif tok == "}":
            if not stack:
                return None
            start, mentions, in_exists = stack.pop()
            if mentions:
                if not in_exists:
                    inserts.append(start)
                if stack:
                    stack[-1][1] = True
        elif tok == "?this" and stack:  # outside every group it is the projection
            stack[-1][1] = True
        if not tok.startswith("#"):
            after_exists = False
    if stack or not inserts:
        return None
    for pos in sorted(inserts, reverse=True):
        text = text[:pos] + " " + VALUES_MARK + " " + text[pos:]
    return text


def _get(row: ox.QuerySolution, name: str) -> Term | None:
    try:
        return row[name]
    except (KeyError, IndexError):
        return None


def _fill(template: str, row: ox.QuerySolution, focus: Term) -> str:
    def sub(m: re.Match) -> str:
        name = m.group(1)[1:]
        val = focus if name == "this" else _get(row, name)
        if val is None:
            return m.group(0)
        return val.value if isinstance(val, (ox.Literal, ox.NamedNode)) else str(val)
    return re.sub(r"\{([?$][A-Za-z_][A-Za-z0-9_]*)\}", sub, template)


def _from_ox(t: Term) -> Node:
    if isinstance(t, ox.NamedNode):
        return URIRef(t.value)
    if isinstance(t, ox.BlankNode):
        return BNode(t.value)
    return Literal(t.value)


def _well_formed(v: ox.Literal) -> bool:
    rx = _LEXICAL.get(v.datatype.value)
    return rx is None or rx.fullmatch(v.value) is not None


def _node_kind(v: Term, kind: Node) -> bool:
    k = str(kind).rsplit("#", 1)[-1]
    iri, blank, lit_ = isinstance(v, ox.NamedNode), isinstance(v, ox.BlankNode), isinstance(v, ox.Literal)
    return {"IRI": iri, "BlankNode": blank, "Literal": lit_, "BlankNodeOrIRI": blank or iri,
            "BlankNodeOrLiteral": blank or lit_, "IRIOrLiteral": iri or lit_}[k]


@lru_cache(maxsize=256)
def _regex(pattern: str, flags: str) -> re.Pattern:
    f = 0
    for ch, bit in (("i", re.I), ("m", re.M), ("s", re.S), ("x", re.X)):
        if ch in flags:
            f |= bit
    return re.compile(pattern, f)


# ---------------------------------------------------------------------------------------------
# Entry points


def inoculated(ontology: Graph) -> set[tuple[Term, Term, Term]]:
    """The ontology triples pySHACL mixes into the data graph (computed by pySHACL itself)."""
    from pyshacl.rdfutil.inoculate import inoculate

    g = Graph()
    inoculate(g, ontology)
    return graph_to_ox(canonical(g))


def _name(t: Term | Node | None) -> str:
    if t is None:
        return ""
    if isinstance(t, (ox.NamedNode, URIRef)):
        s = t.value if isinstance(t, ox.NamedNode) else str(t)
        return curie(s) or s
    if isinstance(t, (ox.BlankNode, BNode)):
        return ""
    return t.value


def render(raw: Iterable[RawResult], origins: Mapping[Term, set[str]] | None = None) -> ValidationReport:
    """Flatten raw results exactly as :func:`coopgraph.shacl.validate.validate` flattens pySHACL's.

    ``origins`` maps focus nodes to the files that state them, as in the reference report.
    """
    results = []
    for r in raw:
        results.append(ValidationResult(
            severity=r.shape.severity,
            focus=_name(r.focus),
            path=_name(r.path),
            component=f"sh:{r.component}",
            message=" / ".join(r.messages) or "constraint not met",
            value=None if r.value is None else (_name(r.value) or "(blank node)"),
            source_shape=_name(r.shape.node if isinstance(r.shape.node, URIRef) else None) or None,
            files=tuple(sorted(origins.get(r.focus, ()))) if origins else (),
        ))
    results.sort(key=lambda r: (_SEVERITY_ORDER.get(r.severity, 9), r))
    return ValidationReport(results)


def validate_store(store: ox.Store, shapes: Graph | None = None,
                   focus: set[Term] | None = None, progress: Callable[[int], None] | None = None,
                   origins: Mapping[Term, set[str]] | None = None) -> ValidationReport:
    """Validate the union of a store's graphs against the shapes.

    The store must already hold the inoculated ontology triples (see :func:`load_view`).
    With ``focus``, only those focus nodes are validated (incremental re-validation).
    """
    from coopgraph.load import load_shapes

    sg = ShapesGraph(load_shapes() if shapes is None else shapes)
    view = View(store)
    v = Validator(sg, view)
    raw: list[RawResult] = []
    for i, shape in enumerate(sg.shapes.values()):
        if progress:
            progress(i)
        if not shape.targets:
            continue
        nodes = v.focus_nodes(shape) if focus is None else {n for n in focus if v.is_target(shape, n)}
        raw.extend(v.evaluate(shape, sorted(nodes, key=str)))
    return render(raw, origins)


def load_view(store: ox.Store, ontology: Graph) -> None:
    """Add the inoculated ontology triples to ``store`` (in their own graph)."""
    store.extend(ox.Quad(s, p, o, INOCULATED_GRAPH) for s, p, o in inoculated(ontology))


def validate_triples(triples: Iterable[tuple[Term, Term, Term]], shapes: Graph | None = None,
                     ontology: Graph | None = None,
                     origins: Mapping[Term, set[str]] | None = None) -> ValidationReport:
    """Validate a set of triples like :func:`coopgraph.shacl.validate.validate` does (a fresh store)."""
    from coopgraph.load import load_ontology

    store = ox.Store()
    g = ox.NamedNode("https://w3id.org/coopgraph/graph/data")
    store.extend(ox.Quad(s, p, o, g) for s, p, o in triples)
    load_view(store, load_ontology() if ontology is None else ontology)
    return validate_store(store, shapes, origins=origins)
