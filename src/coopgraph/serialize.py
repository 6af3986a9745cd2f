"""Deterministic writers for Turtle, TriG, N-Triples and JSON-LD.

rdflib's serializers order output by hash and by store iteration, so the same graph can give
different bytes under a different PYTHONHASHSEED. Published builds must be byte-identical for
the same input (diffable, cacheable, reproducible), so these writers sort everything and name
blank nodes from their content rather than from their random ids.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from coopgraph.namespaces import PREFIXES, RDF, XSD, curie

Triple = tuple[Node, Node, Node]
_INTEGER = re.compile(r"[+-]?[0-9]+")

_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


_NEEDS_ESCAPE = re.compile(r'[\\"\n\r\t\b\f]')
_IRI_UNSAFE = re.compile(r'[<>"{}|^`\\ \x00-\x1f]')


def _escape(text: str) -> str:
    return _NEEDS_ESCAPE.sub(lambda m: _ESCAPES[m.group()], text)


@functools.lru_cache(maxsize=65536)
def _iri(value: str) -> str:
    # an IRI recurs in many statements: each is escaped once (the writers spent a third of a
    # build's writing time here, character by character)
    return "<" + _IRI_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04X}", value) + ">"


class BNodeLabels:
    """Stable labels for blank nodes: a hash of what they say, not their random id.

    Project data has no blank nodes, but validation reports and owlrl do; labels come from the
    sorted non-blank parts of each node's triples, so the same graph always yields the same text.
    """

    def __init__(self, triples: Iterable[Triple]) -> None:
        sig: dict[BNode, list[str]] = defaultdict(list)
        for s, p, o in triples:
            if isinstance(s, BNode):
                sig[s].append(f"s {p} {'' if isinstance(o, BNode) else nt_term(o)}")
            if isinstance(o, BNode):
                sig[o].append(f"o {p} {'' if isinstance(s, BNode) else nt_term(s)}")
        digests = {b: hashlib.sha1("\n".join(sorted(v)).encode()).hexdigest()[:12] for b, v in sig.items()}
        self._labels: dict[BNode, str] = {}
        seen: dict[str, int] = defaultdict(int)
        for b in sorted(digests, key=lambda b: digests[b]):
            d = digests[b]
            seen[d] += 1
            self._labels[b] = f"b{d}" if seen[d] == 1 else f"b{d}x{seen[d]}"

    def __getitem__(self, node: BNode) -> str:
        return self._labels.get(node, f"b{hashlib.sha1(str(node).encode()).hexdigest()[:12]}")


def nt_term(term: Node, bnodes: BNodeLabels | None = None) -> str:
    """One term in N-Triples syntax (also valid Turtle)."""
    if isinstance(term, URIRef):
        return _iri(str(term))
    if isinstance(term, BNode):
        return "_:" + (bnodes[term] if bnodes else str(term))
    if isinstance(term, Literal):
        text = f'"{_escape(str(term))}"'
        if term.language:
            return f"{text}@{term.language}"
        if term.datatype and term.datatype != XSD.string:
            return f"{text}^^{_iri(str(term.datatype))}"
        return text
    raise TypeError(f"not an RDF term: {term!r}")


def to_ntriples(triples: Iterable[Triple]) -> str:
    """Sorted N-Triples: line order never depends on the store."""
    triples = list(triples)
    labels = BNodeLabels(triples)
    lines = {f"{nt_term(s, labels)} {nt_term(p, labels)} {nt_term(o, labels)} ." for s, p, o in triples}
    return "".join(line + "\n" for line in sorted(lines))


class _TurtleWriter:
    """Writes subjects sorted, rdf:type first, then predicates and objects sorted.

    Blank nodes used once as an object are nested as ``[ ... ]`` (validation reports read
    naturally that way); others get a content-derived label.
    """

    def __init__(self, triples: Iterable[Triple], prefixes: Mapping[str, str]) -> None:
        self.prefixes = dict(prefixes)
        triples = set(triples)
        self.labels = BNodeLabels(triples)
        self.props: dict[Node, dict[Node, set[Node]]] = defaultdict(lambda: defaultdict(set))
        refs: dict[BNode, int] = defaultdict(int)
        for s, p, o in triples:
            self.props[s][p].add(o)
            if isinstance(o, BNode):
                refs[o] += 1
        self.nested = {b for b, n in refs.items() if n == 1}
        self._prune_cycles()

    def _prune_cycles(self) -> None:
        # A cycle of singly-referenced blank nodes would nest forever; label those instead.
        for start in list(self.nested):
            seen, stack = set(), [start]
            while stack:
                node = stack.pop()
                for objs in self.props.get(node, {}).values():
                    for o in objs:
                        if o == start:
                            self.nested.discard(start)
                        elif o in self.nested and o not in seen:
                            seen.add(o)
                            stack.append(o)

    def term(self, t: Node, depth: int = 0) -> str:
        if isinstance(t, URIRef):
            return curie(str(t), self.prefixes) or _iri(str(t))
        if isinstance(t, BNode):
            if t in self.nested:
                body = self.body(t, depth + 1)
                pad = "    " * depth
                return f"[\n{body}\n{pad}]" if body else "[]"
            return "_:" + self.labels[t]
        if isinstance(t, Literal):
            text = f'"{_escape(str(t))}"'
            if t.language:
                return f"{text}@{t.language}"
            if t.datatype == XSD.integer and _INTEGER.fullmatch(str(t)):
                return str(t)
            if t.datatype == XSD.boolean and str(t) in ("true", "false"):
                return str(t)
            if t.datatype and t.datatype != XSD.string:
                return f"{text}^^{self.term(t.datatype)}"
            return text
        raise TypeError(f"not an RDF term: {t!r}")

    def body(self, subject: Node, depth: int) -> str:
        pad = "    " * depth
        lines = []
        preds = sorted(self.props.get(subject, {}), key=lambda p: (p != RDF.type, nt_term(p)))
        for p in preds:
            objs = sorted(self.term(o, depth) for o in self.props[subject][p])
            pred = "a" if p == RDF.type else self.term(p)
            lines.append(f"{pad}{pred} " + f" ,\n{pad}    ".join(objs))
        return " ;\n".join(lines)

    def statements(self, depth: int = 0) -> list[str]:
        blocks = []
        pad = "    " * depth
        for s in self.props:
            if s in self.nested:
                continue
            blocks.append(f"{pad}{self.term(s)}\n{self.body(s, depth + 1)} .\n")
        return sorted(blocks)


def _prefix_lines(prefixes: Mapping[str, str]) -> str:
    return "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in prefixes.items())


def to_turtle(triples: Iterable[Triple], prefixes: Mapping[str, str] = PREFIXES, header: str = "") -> str:
    """Deterministic Turtle with the project prefixes."""
    writer = _TurtleWriter(triples, prefixes)
    return header + _prefix_lines(prefixes) + "\n" + "\n".join(writer.statements())


def to_trig(
    graphs: Mapping[Node | None, Iterable[Triple]],
    prefixes: Mapping[str, str] = PREFIXES,
    header: str = "",
    first: Iterable[Node] = (),
) -> str:
    """Deterministic TriG: graphs sorted by name, the default graph (key None) first, then the
    graphs named in ``first`` (a data file's source graph), in that order."""
    out = [header, _prefix_lines(prefixes)]
    ahead = [g for g in first if g in graphs]
    rest = sorted((g for g in graphs if g not in ahead), key=lambda g: "" if g is None else nt_term(g))
    for name in [*(g for g in rest if g is None), *ahead, *(g for g in rest if g is not None)]:
        writer = _TurtleWriter(graphs[name], prefixes)
        blocks = writer.statements(depth=1)
        if not blocks:
            continue
        label = "" if name is None else (curie(str(name), dict(prefixes)) or _iri(str(name))) + " "
        out.append(f"\n{label}{{\n" + "\n".join(blocks) + "}\n")
    return "".join(out)


def to_jsonld(triples: Iterable[Triple], prefixes: Mapping[str, str] = PREFIXES) -> str:
    """Flattened JSON-LD whose context gives every property a short key and plain values.

    Each property is a term named by its local name (``"label"``, ``"party"``; the CURIE where
    two vocabularies share a local name), coerced by what all its values are: IRIs (``"@type":
    "@id"``, the value is the IRI as a string), one datatype (``"@type": "xsd:date"``), plain
    strings, or language-tagged strings (``"@container": "@language"``, the value is
    ``{"en": "...", "vi": "..."}``). A property with values of several kinds keeps value
    objects. One value is written as itself, several as a sorted array. Nodes and values are
    sorted, so the same triples give the same bytes; every JSON-LD processor expands it to
    exactly these triples (the tests read it back with rdflib and pyoxigraph).
    """
    triples = list(triples)
    labels = BNodeLabels(triples)

    def ident(t: Node) -> str:
        if isinstance(t, BNode):
            return "_:" + labels[t]
        return curie(str(t)) or str(t)

    def kind(o: Node) -> tuple[str, str]:
        if isinstance(o, Literal):
            if o.language:
                return ("lang", "")
            if o.datatype and o.datatype != XSD.string:
                return ("typed", ident(o.datatype))
            return ("string", "")
        return ("iri", "")

    kinds: dict[Node, set[tuple[str, str]]] = defaultdict(set)
    for _, p, o in triples:
        if not (p == RDF.type and not isinstance(o, Literal)):
            kinds[p].add(kind(o))
    locals_: dict[str, list[Node]] = defaultdict(list)
    for p in kinds:
        short = curie(str(p))
        if short:
            locals_[short.partition(":")[2]].append(p)
    terms: dict[Node, str] = {}
    definitions: dict[str, object] = {}
    for p, found in kinds.items():
        short = curie(str(p))
        if not short:
            continue  # no prefix for it: the full IRI is the key
        local = short.partition(":")[2]
        key = local if len(locals_[local]) == 1 and local not in prefixes else short
        terms[p] = key
        (only,) = found if len(found) == 1 else (("mixed", ""),)
        definition: dict[str, str] = {"@id": short}
        if only[0] == "iri":
            definition["@type"] = "@id"
        elif only[0] == "typed":
            definition["@type"] = only[1]
        elif only[0] == "lang":
            definition["@container"] = "@language"
        definitions[key] = definition

    def value(p: Node, o: Node) -> object:
        coerced = len(kinds[p]) == 1 and p in terms
        if isinstance(o, Literal):
            if coerced:
                return str(o)
            v: dict[str, str] = {"@value": str(o)}
            if o.language:
                v["@language"] = o.language
            elif o.datatype and o.datatype != XSD.string:
                v["@type"] = ident(o.datatype)
            return v
        return ident(o) if coerced else {"@id": ident(o)}

    def one_or_all(vals: list) -> object:
        ordered = sorted(vals, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
        return ordered[0] if len(ordered) == 1 else ordered

    nodes: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    languages: dict[str, dict[str, dict[str, list[str]]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    for s, p, o in triples:
        sid = ident(s)
        node = nodes[sid]
        if p == RDF.type and not isinstance(o, Literal):
            node["@type"].append(ident(o))
        elif p in terms and kinds[p] == {("lang", "")}:
            assert isinstance(o, Literal) and o.language
            languages[sid][terms[p]][o.language].append(str(o))
            node.setdefault(terms[p], [])
        else:
            node[terms.get(p, str(p))].append(value(p, o))
    graph = []
    for sid in sorted(nodes):
        entry: dict[str, object] = {"@id": sid}
        for key in sorted(nodes[sid], key=lambda k: (k != "@type", k)):
            if key in languages.get(sid, {}):
                by_lang = languages[sid][key]
                entry[key] = {lang: one_or_all(by_lang[lang]) for lang in sorted(by_lang)}
            elif key == "@type":
                types = sorted(nodes[sid][key])
                entry[key] = types[0] if len(types) == 1 else types
            else:
                entry[key] = one_or_all(nodes[sid][key])
        graph.append(entry)
    context: dict[str, object] = dict(prefixes)
    context.update((k, definitions[k]) for k in sorted(definitions))
    doc = {"@context": context, "@graph": graph}
    return json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=False) + "\n"


def to_rdfxml(triples: Iterable[Triple], prefixes: Mapping[str, str] = PREFIXES) -> str:
    """RDF/XML (application/rdf+xml), sorted, by pyoxigraph's writer.

    Why: SPARQL clients ask for RDF/XML by default for CONSTRUCT and DESCRIBE (SPARQLWrapper,
    rdflib's SPARQLStore); pyoxigraph writes it for any IRI, where rdflib's writer fails on a
    predicate it cannot split into a QName.
    """
    import pyoxigraph as ox

    from coopgraph.query.library import to_oxigraph

    triples = list(triples)
    labels = BNodeLabels(triples)
    ordered = sorted(triples, key=lambda t: tuple(nt_term(x, labels) for x in t))
    out = [ox.Triple(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o)) for s, p, o in ordered]
    return ox.serialize(out, format=ox.RdfFormat.RDF_XML, prefixes=dict(prefixes)).decode("utf-8")
