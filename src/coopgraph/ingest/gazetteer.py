"""Known entities of the project's graph, and where the article names them.

A mention must be linked to the entity the graph already has, whatever name the text uses: a
label in any language, an alternative label, a `cg:Name`, an abbreviation, a spelling without
diacritics, a name broken over two lines. Names are compared folded (case, diacritics, runs of
white space); abbreviations and very short names only as written, so the English word "most" is
not the ministry MOST.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from rdflib import Graph, URIRef
from rdflib.namespace import FOAF, OWL, RDF, RDFS, SKOS
from rdflib.term import Node

from coopgraph.namespaces import CG

#: What kind of entity each class makes; an organisation class is any subclass of these.
_ORG_ROOTS = (CG.Agency, URIRef("http://www.w3.org/ns/org#Organization"),
              URIRef("http://www.w3.org/ns/org#FormalOrganization"), FOAF.Organization)
_NAME_PROPS = (RDFS.label, SKOS.prefLabel, SKOS.altLabel, FOAF.name)


def fold(text: str) -> str:
    """Case, diacritics (đ→d) and white space folded away, for comparing names."""
    text = text.replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join(text.split())


def folded_with_map(text: str) -> tuple[str, list[int]]:
    """``fold(text)`` and, for each of its characters, the offset in ``text`` it came from."""
    out: list[str] = []
    where: list[int] = []
    space = False
    for i, c in enumerate(text):
        if c.isspace():
            # a space inside a Chinese name ("纪正 昆") is a typing quirk, not a word break
            nxt = next((d for d in text[i + 1:i + 4] if not d.isspace()), "")
            if out and _cjk(out[-1]) and _cjk(nxt):
                continue
            if out and not space:
                out.append(" ")
                where.append(i)
            space = True
            continue
        space = False
        for f in fold(c.replace("đ", "d").replace("Đ", "D")) or "":
            out.append(f)
            where.append(i)
    return "".join(out), where


def _subclass_axioms() -> list[tuple[Node, Node, Node]]:
    """The project ontology's rdfs:subClassOf triples, read with the fast parser: a gazetteer
    needs only these, and building the whole ontology graph in rdflib would double its cost."""
    from coopgraph.load import rdflib_quads, read_quads
    from coopgraph.resources import resource_dir

    out = []
    for path in sorted(resource_dir("ontology").glob("*.ttl")):
        quads = [q for q in read_quads(path) if q.predicate.value == str(RDFS.subClassOf)]
        out += [(s, p, o) for s, p, o, _ in rdflib_quads(path, quads)]
    return out


_CYRILLIC = re.compile(r"[а-яё]", re.I)
_RU_ENDING = re.compile(r"(?:ами|ями|ого|ему|ому|ой|ей|ом|ем|ах|ях|ов|ев|ую|а|я|у|ю|е|ы|и)(?![а-яё])", re.I)


def _cjk(text: str) -> bool:
    return any("\u3400" <= c <= "\u9fff" for c in text)


def _word(c: str) -> bool:
    return c.isalnum() and not ("\u3400" <= c <= "\u9fff")


@dataclass
class Known:
    """One entity of the graph that a text may name."""

    iri: URIRef
    kind: str  # org, person, country, place
    names: set[str] = field(default_factory=set)
    abbreviations: set[str] = field(default_factory=set)
    country: URIRef | None = None


@dataclass(frozen=True)
class Hit:
    """A known entity named at ``start:end`` of the text."""

    start: int
    end: int
    iri: URIRef
    kind: str
    exact: bool  # the name as the graph spells it (else folded: case or diacritics differ)
    abbreviation: bool


class Gazetteer:
    """The names of the graph's organisations, people, countries and places."""

    def __init__(self, entities: Iterable[Known]) -> None:
        self.entities: dict[URIRef, Known] = {e.iri: e for e in entities}
        self._folded: dict[str, set[URIRef]] = {}
        self._exact: dict[str, set[URIRef]] = {}
        for e in self.entities.values():
            for name in e.names:
                if len(name) <= 3 and not _cjk(name) or name.isupper() and len(name) <= 8:
                    self._exact.setdefault(name, set()).add(e.iri)
                elif len(name) >= 2:
                    self._folded.setdefault(fold(name), set()).add(e.iri)
            for abbr in e.abbreviations:
                self._exact.setdefault(abbr, set()).add(e.iri)

    @classmethod
    def from_graph(cls, graph: Graph, ontology: Graph | None = None) -> Gazetteer:
        """Every organisation, person, country and place of ``graph`` with every name it has.

        ``graph`` may be a Dataset (its union is read); ``ontology`` (default: the project's)
        says which classes are organisations.
        """
        subclass = list(ontology.triples((None, RDFS.subClassOf, None))) if ontology is not None else _subclass_axioms()
        org_classes = set(_ORG_ROOTS)
        grew = True
        while grew:
            grew = False
            for sub, _, sup in subclass:
                if sup in org_classes and sub not in org_classes:
                    org_classes.add(sub)
                    grew = True
        kinds: dict[Node, str] = {FOAF.Person: "person", CG.Country: "country", CG.Region: "place", CG.Place: "place"}
        found: dict[URIRef, Known] = {}
        triples = list(graph.triples((None, None, None))) if not hasattr(graph, "quads") else [
            (s, p, o) for s, p, o, _ in graph.quads((None, None, None, None))]
        by_subject: dict[Node, list[tuple[Node, Node]]] = {}
        for s, p, o in triples:
            by_subject.setdefault(s, []).append((p, o))
        for s, props in by_subject.items():
            if not isinstance(s, URIRef):
                continue
            kind = None
            for p, o in props:
                if p == RDF.type:
                    if o in org_classes:
                        kind = "org"
                        break
                    kind = kinds.get(o, kind)
            if kind is None:
                continue
            known = found.setdefault(s, Known(s, kind))
            for p, o in props:
                if p in _NAME_PROPS:
                    known.names.add(str(o).strip())
                elif p == CG.abbreviation:
                    known.abbreviations.add(str(o).strip())
                elif p == CG.country and isinstance(o, URIRef):
                    known.country = o
                elif p == CG.hasName:
                    for q, v in by_subject.get(o, []):
                        if q == CG.nameText:
                            known.names.add(str(v).strip())
                        elif q == CG.abbreviation:
                            known.abbreviations.add(str(v).strip())
        # owl:sameAs clusters are one entity to a reader: give each member the others' names
        for s, p, o in triples:
            if p == OWL.sameAs and s in found and o in found:
                a, b = found[s], found[o]
                a.names |= b.names
                b.names |= a.names
        return cls(found.values())

    def find(self, text: str) -> list[Hit]:
        """Every place ``text`` names a known entity, longest names first, none overlapping."""
        folded, where = folded_with_map(text)
        hits: list[Hit] = []
        for name, iris in self._folded.items():
            start = 0
            while (i := folded.find(name, start)) >= 0:
                start = i + 1
                a, b = where[i], where[i + len(name) - 1] + 1
                if _CYRILLIC.match(name[-1]) and (ending := _RU_ENDING.match(text, b)):
                    b = ending.end()  # a Russian name in another case ("Росстандарта", "Росстандартом")
                if not _cjk(name) and ((a > 0 and _word(text[a - 1])) or (b < len(text) and _word(text[b]))):
                    continue
                exact = text[a:b] in self.entities[next(iter(iris))].names
                hits.append(Hit(a, b, self._pick(iris), self.entities[self._pick(iris)].kind, exact, False))
        for name, iris in self._exact.items():
            for m in re.finditer(re.escape(name), text):
                a, b = m.start(), m.end()
                if not _cjk(name) and ((a > 0 and _word(text[a - 1])) or (b < len(text) and _word(text[b]))):
                    continue
                iri = self._pick(iris)
                hits.append(Hit(a, b, iri, self.entities[iri].kind, True, name in self.entities[iri].abbreviations))
        hits.sort(key=lambda h: (-(h.end - h.start), h.start))
        chosen: list[Hit] = []
        for h in hits:
            if not any(c.start < h.end and h.start < c.end for c in chosen):
                chosen.append(h)
        return sorted(chosen, key=lambda h: h.start)

    def _pick(self, iris: set[URIRef]) -> URIRef:
        # one name, several entities (rare): people and agencies before places, then IRI order
        order = {"org": 0, "person": 0, "country": 1, "place": 2}
        return sorted(iris, key=lambda i: (order.get(self.entities[i].kind, 3), str(i)))[0]

    def lookup(self, name: str) -> URIRef | None:
        """The known entity a whole name (or abbreviation) is, if any."""
        iris = self._exact.get(name.strip()) or self._folded.get(fold(name))
        return self._pick(iris) if iris else None
