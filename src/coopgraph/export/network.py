"""The RDF graph seen as a network: typed nodes, labelled edges, and the views users ask for.

Exports, pictures and graph measures all need the same thing, a property graph (networkx) in
which an agency, a person, a meeting or an agreement is one node and a relation between them is
one edge, with labels in every language and the number of sources behind each edge. RDF is too
fine-grained for that: a meeting's host is two hops away (meeting → side → agency) and a post is
held through a tenure. :class:`Network` collapses those patterns once, from the reasoned graph
(so a fact stated through an inverse or a property chain still shows up), and traces every edge
back to the named graphs, hence the sources, that support it.

Views (:func:`Network.view`) are cheap copies of that one network: a focus entity with a depth,
a choice of node types, a period, a label language, or the actor-only network where two
agencies are joined when they share a meeting or an agreement.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import networkx as nx
from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from coopgraph.errors import UsageError
from coopgraph.export.kinds import KINDS
from coopgraph.namespaces import (
    CG, DCTERMS, FOAF, INFERRED_GRAPH, ONTOLOGY_GRAPH, ORG, OWL, PRESENTATION_GRAPH, PROV, RDF, RDFS, SKOS,
)
from coopgraph.namespaces import curie as _curie

if TYPE_CHECKING:
    from coopgraph.graph import CoopGraph

LANGS = ("vi", "en", "zh")

# Node kinds, in order of precedence (a thing typed as two of them gets the first), with the
# classes that make a node of that kind. The order is also the legend's order.

KIND_LABELS: dict[str, dict[str, str]] = {
    "agency": {"en": "agency", "vi": "cơ quan", "zh": "机构"},
    "person": {"en": "person", "vi": "cá nhân", "zh": "人物"},
    "meeting": {"en": "meeting", "vi": "cuộc gặp", "zh": "会见"},
    "agreement": {"en": "agreement", "vi": "thỏa thuận", "zh": "协议"},
    "commitment": {"en": "commitment", "vi": "cam kết", "zh": "承诺"},
    "instrument": {"en": "law or strategy", "vi": "luật, chiến lược", "zh": "法律或战略"},
    "change": {"en": "organisational change", "vi": "thay đổi tổ chức", "zh": "机构变更"},
    "country": {"en": "country", "vi": "quốc gia", "zh": "国家"},
    "source": {"en": "source", "vi": "nguồn", "zh": "来源"},
}

# Kinds whose nodes get an edge to the source documents that report them. Actors (agencies,
# people, countries) recur in every source, so linking them too would turn each source into a
# hub that drowns the cooperation structure; their sources are still counted on the node.
REPORTED_KINDS = frozenset({"meeting", "agreement", "commitment", "instrument", "change"})

# The relations drawn as edges, in RDF direction. Read from the reasoned graph, so inverses
# (cg:partyTo), property chains (cg:host) and sub-properties are all covered.
RELATIONS: tuple[URIRef, ...] = (
    CG.host, CG.visitor, CG.participant, CG.mentionedAgency, CG.attended,
    CG.party, CG.signatory, CG.signing, CG.implements,
    CG.madeAt, CG.committedBy, CG.involves, CG.concernsAgreement,
    CG.country, ORG.subOrganizationOf,
    CG.jurisdiction, CG.issuedBy, CG.basedOn, CG.drawsOn, CG.amends, CG.discussedSubject, CG.partOfEvent,
    ORG.originalOrganization, ORG.resultingOrganization, DCTERMS.publisher,
)
# A general relation is drawn only where no more specific one already joins the same pair.
SUPERSEDED_BY: dict[URIRef, tuple[URIRef, ...]] = {CG.participant: (CG.host, CG.visitor)}

# Edges that are not one RDF property: labels for them, since the ontology has none.
SYNTHETIC_LABELS: dict[str, dict[str, str]] = {
    "dcterms:source": {"en": "reported in", "vi": "được nêu trong", "zh": "见于"},
    "cg:cooperationPartner": {"en": "cooperation partner", "vi": "đối tác hợp tác", "zh": "合作伙伴"},
}

DATE_PROPERTIES: dict[str, tuple[URIRef, ...]] = {
    "meeting": (DCTERMS.date, PROV.startedAtTime),
    "agreement": (CG.signedOn, CG.signedInYear, DCTERMS.date),
    "commitment": (DCTERMS.date,),
    "instrument": (DCTERMS.issued, DCTERMS.date),
    "change": (DCTERMS.date, PROV.atTime, PROV.startedAtTime),
    "source": (DCTERMS.issued, DCTERMS.date),
}
# Dates that say how recent the data is (for the "data as of" line of pictures and pages).
_DATA_DATE_PROPERTIES = (
    DCTERMS.date, DCTERMS.issued, DCTERMS.temporal, CG.signedOn, CG.signedInYear, CG.asOf, CG.attestedOn,
    PROV.startedAtTime, PROV.atTime,
)
_LABEL_PROPERTIES = (SKOS.prefLabel, RDFS.label, FOAF.name)
_NAME_PROPERTIES = (*_LABEL_PROPERTIES, SKOS.altLabel, CG.abbreviation, FOAF.nick)
_SPECIAL_GRAPHS = {INFERRED_GRAPH, ONTOLOGY_GRAPH, PRESENTATION_GRAPH}
_DATE = re.compile(r"^(-?\d{4})(?:-(\d{2}))?(?:-(\d{2}))?")


def curie(node: Node | str) -> str:
    """A CURIE where the project prefixes allow one, else the full IRI (for ids and attributes)."""
    return _curie(str(node)) or str(node)


def fold(text: str) -> str:
    """Case- and diacritics-insensitive key ("Bò Thuần" → "bo thuan"), the way search works."""
    text = text.replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFKD", text)
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).casefold().split())


# -- dates and periods ----------------------------------------------------------------------


def date_bounds(text: str) -> tuple[date, date] | None:
    """The first and last day a date of any precision covers ("2019" → 1 Jan..31 Dec 2019)."""
    m = _DATE.match(text.strip())
    if not m:
        return None
    year = int(m.group(1))
    if year < 1:
        return None
    if m.group(3):
        d = date(year, int(m.group(2)), int(m.group(3)))
        return d, d
    if m.group(2):
        month = int(m.group(2))
        return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    return date(year, 1, 1), date(year, 12, 31)


@dataclass(frozen=True)
class Period:
    """A closed span of days; either end may be open. Parsed from ``FROM..TO`` on the CLI."""

    start: date | None = None
    end: date | None = None
    text: str = ""

    @classmethod
    def parse(cls, text: str) -> Period:
        """Accept ``2019..2023``, ``2023-06``, ``..2020``, ``2019-05-01..``; reject anything else."""
        raw = text.strip()
        lo, sep, hi = raw.partition("..")
        if not sep:
            hi = lo
        try:
            start = date_bounds(lo)[0] if lo.strip() else None  # type: ignore[index]
            end = date_bounds(hi)[1] if hi.strip() else None  # type: ignore[index]
        except (TypeError, ValueError):
            start = end = None
            sep, lo = "", "!"
        if (lo.strip() and start is None) or (hi.strip() and end is None) or (start is None and end is None):
            raise UsageError(
                f"bad period {text!r}: expected FROM..TO with dates like 2019, 2023-06 or 2023-06-05 "
                "(either end may be left out, e.g. 2020..)"
            )
        if start and end and start > end:
            raise UsageError(f"bad period {text!r}: it ends before it starts")
        return cls(start, end, raw)

    def overlaps(self, text: str) -> bool:
        """Whether a date (of any precision) falls, even partly, within the period."""
        bounds = date_bounds(text)
        if bounds is None:
            return False
        lo, hi = bounds
        return (self.start is None or hi >= self.start) and (self.end is None or lo <= self.end)


# -- options --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ViewOptions:
    """What the user asked to see; every export and measure takes one of these."""

    focus: str | None = None
    depth: int = 1
    types: tuple[str, ...] | None = None
    period: Period | None = None
    lang: str = "en"
    actors: bool = False

    def describe(self) -> str:
        """The options in words, for titles and for "the view is empty" messages."""
        parts = []
        if self.actors:
            parts.append("agencies joined by shared meetings and agreements")
        if self.focus:
            parts.append(f"within {self.depth} step(s) of {self.focus!r}")
        if self.types:
            parts.append("types " + ", ".join(self.types))
        if self.period:
            parts.append(f"period {self.period.text}")
        return "; ".join(parts)


def parse_types(values: Iterable[str] | None) -> tuple[str, ...] | None:
    """Accept ``--types agency person`` or ``--types agency,person``; reject unknown kinds."""
    if not values:
        return None
    kinds: list[str] = []
    for value in values:
        for part in value.split(","):
            part = part.strip().lower()
            if not part:
                continue
            if part.endswith("s") and part[:-1] in KINDS:
                part = part[:-1]
            if part not in KINDS:
                raise UsageError(f"unknown type {part!r}; known types: {', '.join(KINDS)}")
            if part not in kinds:
                kinds.append(part)
    return tuple(kinds) or None


# -- the network ----------------------------------------------------------------------------


@dataclass
class SourceInfo:
    """A source document as the views show it: enough to cite it under a picture or a fact."""

    iri: str
    title: str
    publisher: str = ""
    language: str = ""
    url: str = ""
    date: str = ""


@dataclass
class Network:
    """The full network of one coopgraph, built once; views are derived from it."""

    graph: nx.MultiDiGraph
    sources: dict[str, SourceInfo] = field(default_factory=dict)
    data_date: str = ""
    coopgraph: CoopGraph | None = field(default=None, repr=False)
    relation_labels: dict[str, dict[str, str]] = field(default_factory=dict)

    # -- construction ----------------------------------------------------------------------

    @classmethod
    def from_coopgraph(cls, cg: CoopGraph) -> Network:
        """Collapse the reasoned RDF graph into typed nodes and provenance-counted edges."""
        return _Builder(cg).build()

    # -- views -----------------------------------------------------------------------------

    def relation_label(self, relation: str, lang: str) -> str:
        """Words for a relation in ``lang`` (ontology label, else English, else the CURIE)."""
        labels = self.relation_labels.get(relation) or SYNTHETIC_LABELS.get(relation) or {}
        return labels.get(lang) or labels.get("en") or labels.get("") or relation.split(":")[-1]

    def view(self, options: ViewOptions | None = None) -> nx.MultiDiGraph | nx.MultiGraph:
        """A copy of the network restricted as the options say, labelled in their language.

        Order: period, then types, then focus, so that ``--focus X --types agency`` means "the
        agencies near X". The focus entity must survive the other filters, else it is an error
        (a view centred on something it does not contain would be silently misleading).
        """
        options = options or ViewOptions()
        if options.depth < 0:
            raise UsageError("--depth must be 0 or more")
        full = self.graph
        focus = self._focus_node(options.focus) if options.focus else None
        keep = set(full.nodes)
        if options.period:
            keep = self._in_period(keep, options.period)
        if options.actors:
            g: nx.MultiDiGraph | nx.MultiGraph = self._actor_graph(keep, options.period)
        else:
            if options.types:
                keep = {n for n in keep if full.nodes[n]["type"] in options.types}
            g = full.subgraph(keep).copy()
        if focus is not None:
            if focus not in g:
                why = options.describe() or "this view"
                raise UsageError(f"{options.focus!r} is not in the view ({why}); widen --types or --period")
            near = nx.single_source_shortest_path_length(g.to_undirected(as_view=True), focus, cutoff=options.depth)
            g = g.subgraph(near).copy()
            for n, d in near.items():
                g.nodes[n]["distance"] = d
        self._localise(g, options.lang)
        if options.period:
            self._add_intervals(g, options.period)
        g.graph.update(
            title=self._title(options, g.nodes[focus]["label"] if focus else ""),
            data_date=self.data_date,
            lang=options.lang,
            view=options.describe(),
            actors=options.actors,
            focus=focus or "",
        )
        return g

    def resolve(self, name: str) -> str:
        """The node an entity name means, through :meth:`CoopGraph.resolve` where possible.

        Names are matched by the CoopGraph first (IRIs, CURIEs, names, with suggestions on a
        miss). When it finds the name ambiguous only because the candidates are owl:sameAs
        twins, which this network has merged into one node, the merged node is the answer.
        """
        canonical = self.graph.graph.get("_canonical", {})
        if self.coopgraph is not None:
            try:
                iri = str(self.coopgraph.resolve(name))
            except UsageError as error:
                key = fold(name)
                found = [n for n, d in self.graph.nodes(data=True) if key in map(fold, d["names"])]
                if "ambiguous" in str(error) and len(found) == 1:
                    return found[0]
                raise
            return canonical.get(iri, iri)
        key = fold(name)  # a network built without its CoopGraph (tests): ids and names only
        found = [n for n, d in self.graph.nodes(data=True) if key in (fold(n), *map(fold, d["names"]))]
        if len(found) != 1:
            raise UsageError(f"no entity named {name!r}")
        return found[0]

    def _focus_node(self, name: str) -> str:
        iri = self.resolve(name)
        if iri not in self.graph:
            raise UsageError(f"{name!r} <{iri}> is in the graph but is not drawn as a node "
                             f"(nodes are: {', '.join(KINDS)})")
        return iri

    def _in_period(self, nodes: set[str], period: Period) -> set[str]:
        """Dated nodes inside the period, plus the undated ones they touch.

        Agencies, people and countries have no date of their own; they belong to a period when
        something dated in it involves them. Countries of the kept agencies are kept too, so a
        period view still says which side is which country.
        """
        full = self.graph
        dated = {n for n in nodes if full.nodes[n].get("date")}
        inside = {n for n in dated if period.overlaps(full.nodes[n]["date"])}
        undirected = full.to_undirected(as_view=True)
        keep = set(inside)
        for n in inside:
            keep.update(m for m in undirected.neighbors(n) if m in nodes and m not in dated)
        for n in list(keep):
            if full.nodes[n]["type"] == "agency":
                keep.update(m for m in full.successors(n) if full.nodes[m]["type"] == "country")
        return keep

    def _actor_graph(self, nodes: set[str], period: Period | None) -> nx.MultiGraph:
        """Agencies joined when they share a meeting or an agreement; weight = how many.

        The edge keeps the list of what is shared (``via``), so a reader can check every count.
        Agencies that share nothing with another are left out: this view is about who cooperates.
        """
        full = self.graph
        shared: dict[tuple[str, str], list[str]] = {}
        for hub, data in full.nodes(data=True):
            if hub not in nodes or data["type"] not in ("meeting", "agreement"):
                continue
            rels = {CG.host, CG.visitor, CG.participant} if data["type"] == "meeting" else {CG.party}
            rel_ids = {curie(r) for r in rels}
            members = sorted({v for _, v, k in full.out_edges(hub, keys=True)
                              if k.split("|")[0] in rel_ids and full.nodes[v]["type"] == "agency"})
            for i, a in enumerate(members):
                for b in members[i + 1:]:
                    shared.setdefault((a, b), []).append(hub)
        g = nx.MultiGraph()
        for (a, b), hubs in sorted(shared.items()):
            for n in (a, b):
                if n not in g:
                    g.add_node(n, **full.nodes[n])
            hubs = sorted(hubs, key=lambda h: (full.nodes[h].get("date", ""), h))
            srcs = sorted({s for h in hubs for s in full.nodes[h]["_sources"]})
            dates = [full.nodes[h]["date"] for h in hubs if full.nodes[h].get("date")]
            g.add_edge(
                a, b, key="cg:cooperationPartner", relation="cg:cooperationPartner",
                weight=len(hubs), n_sources=len(srcs), inferred=True,
                date=min(dates) if dates else "",
                _via=tuple(hubs), _sources=tuple(srcs), _evidence=(),
            )
        return g

    def _localise(self, g: nx.Graph, lang: str) -> None:
        """Fill the language-dependent attributes (label, short label, country, edge words)."""
        full = self.graph
        for _, data in g.nodes(data=True):
            data["label"] = pick_label(data, lang)
            data["short_label"] = short_label(data, lang)
            data["type_label"] = KIND_LABELS[data["type"]].get(lang) or KIND_LABELS[data["type"]]["en"]
            country = data.get("_country", "")
            data["country"] = pick_label(full.nodes[country], lang) if country in full else ""
        for _, _, data in g.edges(data=True):
            data["label"] = self.relation_label(data["relation"], lang)
            if data.get("_post") and data["_post"] in self._posts:
                data["post"] = pick_label(self._posts[data["_post"]], lang)
            if data.get("_via"):
                data["via"] = " | ".join(pick_label(full.nodes[h], lang) for h in data["_via"])
                data["via_ids"] = " ".join(data["_via"])

    @property
    def _posts(self) -> dict[str, dict[str, Any]]:
        return self.graph.graph.get("_posts", {})

    def _add_intervals(self, g: nx.Graph, period: Period) -> None:
        """GEXF time intervals: a node appears on its date, an undated one with its first event.

        Networks of cooperation accumulate, so intervals run from the first appearance to the
        end of the period (open if the period is).
        """
        end = period.end.isoformat() if period.end else None
        starts: dict[str, str] = {}
        for n, data in g.nodes(data=True):
            if data.get("date"):
                starts[n] = date_bounds(data["date"])[0].isoformat()  # type: ignore[index]
        undirected = g.to_undirected(as_view=True) if g.is_directed() else g
        for n in g.nodes:
            if n not in starts:
                near = [starts[m] for m in undirected.neighbors(n) if m in starts]
                if near:
                    starts[n] = min(near)
        first = min(starts.values(), default=period.start.isoformat() if period.start else None)
        for n, data in g.nodes(data=True):
            start = starts.get(n, first)
            if start:
                data["start"] = start
            if end:
                data["end"] = end
        for u, v, data in g.edges(data=True):
            s = max(x for x in (g.nodes[u].get("start"), g.nodes[v].get("start"), "") if x is not None)
            if data.get("date"):
                s = max(s, date_bounds(data["date"])[0].isoformat())  # type: ignore[index]
            if s:
                data["start"] = s
            if end:
                data["end"] = end

    def _title(self, options: ViewOptions, focus_label: str) -> str:
        words = {
            "en": ("Standards cooperation network", "Cooperation between agencies"),
            "vi": ("Mạng lưới hợp tác tiêu chuẩn", "Hợp tác giữa các cơ quan"),
            "zh": ("标准合作网络", "机构间合作"),
        }.get(options.lang, ("Standards cooperation network", "Cooperation between agencies"))
        title = words[1] if options.actors else words[0]
        if focus_label:
            title += f" — {focus_label}"
        if options.period:
            title += f" ({options.period.text})"
        return title


def pick_label(data: dict[str, Any], lang: str) -> str:
    """Best label for ``lang``: that language, untagged, English, Vietnamese, Chinese, the id."""
    labels = data.get("_labels", {})
    for tag in (lang, "", "en", "vi", "zh"):
        if labels.get(tag):
            return labels[tag]
    return next(iter(labels.values()), None) or data.get("iri", "").rstrip("/").rsplit("/", 1)[-1]


def short_label(data: dict[str, Any], lang: str) -> str:
    """A label short enough to draw: an agency's abbreviation (SAMR, SAC), else the label.

    Untagged abbreviations win over language-tagged ones because they are the international
    forms ("MOST"), while tagged ones are often parts of longer names ("KH&CN" in "Bộ KH&CN").
    """
    if data.get("type") == "agency":
        abbr = data.get("_abbreviations", {})
        for tag in ("", lang, "en"):
            if abbr.get(tag):
                return abbr[tag]
    return pick_label(data, lang)


class _Builder:
    """One pass over the CoopGraph that yields the :class:`Network` (kept out of its API)."""

    def __init__(self, cg: CoopGraph) -> None:
        self.cg = cg
        self.graph: Graph = cg.graph
        self.ontology: Graph = cg.ontology
        self.asserted: Graph = cg.asserted
        self._graphs_of: dict[tuple[Node, Node, Node], set[Node]] = {}
        self._graphs_about: dict[Node, set[Node]] = {}
        for s, p, o, g in cg.dataset.quads((None, None, None, None)):
            name = getattr(g, "identifier", g)
            if name not in _SPECIAL_GRAPHS:
                self._graphs_of.setdefault((s, p, o), set()).add(name)
                self._graphs_about.setdefault(s, set()).add(name)
        self._inverse: dict[Node, set[Node]] = {}
        for a, b in self.ontology.subject_objects(OWL.inverseOf):
            self._inverse.setdefault(a, set()).add(b)
            self._inverse.setdefault(b, set()).add(a)
        self._subs: dict[Node, set[Node]] = {}
        for a, b in self.ontology.subject_objects(RDFS.subPropertyOf):
            self._subs.setdefault(b, set()).add(a)
        self._symmetric = set(self.ontology.subjects(RDF.type, OWL.SymmetricProperty))
        self._chains: dict[Node, list[list[Node]]] = {}
        for prop, head in self.ontology.subject_objects(OWL.propertyChainAxiom):
            self._chains.setdefault(prop, []).append(list(self.ontology.items(head)))
        self._source_of: dict[Node, str | None] = {}
        self.canonical = self._same_as_clusters()

    def _same_as_clusters(self) -> dict[str, str]:
        """IRI → the one IRI that stands for its owl:sameAs cluster (smallest, for stability).

        A curator may assert that two spellings are one person (Bò Thuần = Pu Chun, 蒲淳);
        reasoning then copies every fact to both IRIs. Drawn naively that is two identical
        nodes, so each cluster becomes one node that carries the names of all its members.
        """
        same = nx.Graph()
        for a, b in self.graph.subject_objects(OWL.sameAs):
            if isinstance(a, URIRef) and isinstance(b, URIRef) and a != b:
                same.add_edge(str(a), str(b))
        return {m: min(c) for c in nx.connected_components(same) for m in c}

    def members(self, node: str) -> list[URIRef]:
        """All IRIs of a node's sameAs cluster (just itself when it has none)."""
        head = self.canonical.get(node, node)
        return sorted((URIRef(m) for m, h in self.canonical.items() if h == head), key=str) or [URIRef(node)]

    # -- provenance ------------------------------------------------------------------------

    def support(self, s: Node, p: Node, o: Node, seen: frozenset | None = None) -> set[Node]:
        """The named graphs behind a triple, asserted or inferred.

        Inferred triples are traced through the ontology axioms that produce them: inverses,
        symmetry, sub-properties and two-step property chains. This is the union over all
        derivations, so a relation stated in two articles counts both.
        """
        seen = seen or frozenset()
        if (s, p, o) in seen or len(seen) > 6:
            return set()
        seen = seen | {(s, p, o)}
        found = set(self._graphs_of.get((s, p, o), ()))
        for q in self._inverse.get(p, ()):
            found |= self._graphs_of.get((o, q, s), set())
        if p in self._symmetric:
            found |= self._graphs_of.get((o, p, s), set())
        for sub in self._subs.get(p, ()):
            if (s, sub, o) in self.graph:
                found |= self.support(s, sub, o, seen)
        for chain in self._chains.get(p, ()):
            if len(chain) != 2:
                continue
            p1, p2 = chain
            for x in self.graph.objects(s, p1):
                if (x, p2, o) in self.graph:
                    found |= self.support(s, p1, x, seen) | self.support(x, p2, o, seen)
        return found

    def source_of(self, graph_name: Node) -> str | None:
        """The source document a named graph speaks for (an evidence's source, or itself)."""
        if graph_name in self._source_of:
            return self._source_of[graph_name]
        doc = self.asserted.value(graph_name, CG.source)
        if doc is None and (graph_name, RDF.type, CG.SourceDocument) in self.asserted:
            doc = graph_name
        if doc is None and (graph_name, RDF.type, None) in self.asserted:
            doc = graph_name  # a curator assertion or other described graph stands for itself
        result = str(doc) if doc is not None else None
        self._source_of[graph_name] = result
        return result

    def sources(self, graphs: Iterable[Node]) -> tuple[str, ...]:
        return tuple(sorted({s for g in graphs if (s := self.source_of(g))}))

    # -- labels ----------------------------------------------------------------------------

    def labels(self, node: Node) -> dict[str, str]:
        """One label per language tag ("" = untagged), strongest property first."""
        found: dict[str, str] = {}
        for prop in _LABEL_PROPERTIES:
            for o in sorted((o for o in self.graph.objects(node, prop) if isinstance(o, Literal)), key=str):
                found.setdefault((o.language or "").lower().split("-")[0], str(o))
        for name in self.graph.objects(node, CG.hasName):
            for o in self.graph.objects(name, CG.nameText):
                if isinstance(o, Literal):
                    found.setdefault((o.language or "").lower().split("-")[0], str(o))
        return found

    def names(self, node: Node) -> tuple[str, ...]:
        """Every name of a node in any language, for search and for name lookups."""
        out: set[str] = set()
        for prop in _NAME_PROPERTIES:
            out.update(str(o) for o in self.graph.objects(node, prop) if isinstance(o, Literal))
        for name in self.graph.objects(node, CG.hasName):
            out.update(str(o) for o in self.graph.objects(name, CG.nameText) if isinstance(o, Literal))
        return tuple(sorted(out))

    def abbreviations(self, node: Node) -> dict[str, str]:
        found: dict[str, str] = {}
        for o in sorted((o for o in self.graph.objects(node, CG.abbreviation) if isinstance(o, Literal)), key=str):
            found.setdefault((o.language or "").lower(), str(o))
        return found

    def relation_labels(self) -> dict[str, dict[str, str]]:
        """Ontology labels of each relation, and under ``^relation`` those of its inverse
        (so a path read backwards says "hosted" rather than "host")."""
        out: dict[str, dict[str, str]] = {}

        def labels_of(prop: Node) -> dict[str, str]:
            found: dict[str, str] = {}
            for o in sorted(self.ontology.objects(prop, RDFS.label), key=str):
                if isinstance(o, Literal):
                    found.setdefault(o.language or "", str(o))
            return found

        for prop in (*RELATIONS, ORG.holds):
            out[curie(prop)] = labels_of(prop)
            for inverse in sorted(self._inverse.get(prop, ()), key=str):
                out[f"^{curie(prop)}"] = labels_of(inverse)
                break
        return out

    # -- nodes and edges -------------------------------------------------------------------

    def kind(self, node: Node) -> str | None:
        types = set(self.graph.objects(node, RDF.type))
        for kind, classes in KINDS.items():
            if types.intersection(classes):
                return kind
        return None

    def first_literal(self, node: Node, props: Iterable[URIRef]) -> str:
        for prop in props:
            values = sorted(str(o) for o in self.graph.objects(node, prop) if isinstance(o, Literal))
            if values:
                return values[0]
        return ""

    def node_attrs(self, node: URIRef, kind: str) -> dict[str, Any]:
        members = self.members(str(node))
        asserted_types = sorted({curie(t) for m in members for t in self.asserted.objects(m, RDF.type)})
        srcs = self.sources({g for m in members for g in self._graphs_about.get(m, ())})
        labels: dict[str, str] = {}
        for m in [node, *members]:  # the canonical IRI's own labels first
            for tag, text in self.labels(m).items():
                labels.setdefault(tag, text)
        country = self.graph.value(node, CG.country) or self.graph.value(node, CG.jurisdiction)
        attrs: dict[str, Any] = {
            "iri": str(node),
            "type": kind,
            "class": asserted_types[0] if asserted_types else "",
            "label_vi": labels.get("vi", ""),
            "label_en": labels.get("en", ""),
            "label_zh": labels.get("zh", ""),
            # untagged (international) form first: "MOST KH&CN", pictures and the page show the first
            "abbreviation": " ".join(dict.fromkeys(v for _, v in sorted(self.abbreviations(node).items()))),
            "date": self.first_literal(node, DATE_PROPERTIES.get(kind, ())),
            "founded": self.first_literal(node, (CG.founded,)) if kind == "agency" else "",
            "n_sources": len(srcs),
            "sources": " ".join(srcs),
            "names": tuple(sorted({n for m in members for n in self.names(m)})),
            "_labels": labels,
            "_abbreviations": self.abbreviations(node),
            "_sources": srcs,
            "_country": str(country) if isinstance(country, URIRef) else "",
        }
        return attrs

    def build(self) -> Network:
        g = nx.MultiDiGraph()
        subjects = sorted({s for s in self.graph.subjects(RDF.type, None) if isinstance(s, URIRef)}, key=str)
        for node in subjects:
            kind = self.kind(node)
            if kind and self.canonical.get(str(node), str(node)) == str(node):
                g.add_node(str(node), **self.node_attrs(node, kind))
        nodes = set(g.nodes)

        for prop in RELATIONS:
            rel = curie(prop)
            for s, o in sorted(self.graph.subject_objects(prop), key=lambda t: (str(t[0]), str(t[1]))):
                u, v = self.canonical.get(str(s), str(s)), self.canonical.get(str(o), str(o))
                if u not in nodes or v not in nodes or u == v:
                    continue
                if any((s, better, o) in self.graph for better in SUPERSEDED_BY.get(prop, ())):
                    continue
                self._edge(g, u, v, rel, self.support(s, prop, o), inferred=(s, prop, o) not in self.asserted)
        self._post_edges(g, nodes)
        self._source_edges(g, nodes)
        # A source nothing in the network points to (a translation that only supplies labels)
        # would float alone in every picture; it stays listed in Network.sources.
        g.remove_nodes_from([n for n, d in list(g.nodes(data=True)) if d["type"] == "source" and g.degree(n) == 0])

        sources = {n: self._source_info(URIRef(n)) for n, d in g.nodes(data=True) if d["type"] == "source"}
        for graphs in self._graphs_of.values():
            for name in graphs:
                src = self.source_of(name)
                if src and src not in sources and (URIRef(src), RDF.type, CG.SourceDocument) in self.asserted:
                    sources[src] = self._source_info(URIRef(src))
        g.graph["_canonical"] = dict(self.canonical)
        return Network(
            graph=g,
            sources=dict(sorted(sources.items())),
            data_date=self.data_date(),
            coopgraph=self.cg,
            relation_labels=self.relation_labels(),
        )

    def _edge(self, g: nx.MultiDiGraph, u: str, v: str, rel: str, graphs: set[Node], inferred: bool,
              key: str | None = None, **extra: Any) -> None:
        key = key or rel
        old = g.get_edge_data(u, v, key)
        if old is not None:  # the same relation reached again (through a sameAs twin): merge
            graphs = set(graphs) | {URIRef(e) for e in old["_evidence"]}
            inferred = inferred and old["inferred"]
        srcs = self.sources(graphs)
        g.add_edge(
            u, v, key=key, relation=rel, n_sources=len(srcs), sources=" ".join(srcs),
            inferred=inferred, _sources=srcs, _evidence=tuple(sorted(str(x) for x in graphs)), **extra,
        )

    def _post_edges(self, g: nx.MultiDiGraph, nodes: set[str]) -> None:
        """person → agency for each post held (org:holds + org:postIn, via the tenure)."""
        posts: dict[str, dict[str, Any]] = {}
        for person, post in sorted(self.graph.subject_objects(ORG.holds), key=lambda t: (str(t[0]), str(t[1]))):
            for agency in sorted(self.graph.objects(post, ORG.postIn), key=str):
                u, v = self.canonical.get(str(person), str(person)), self.canonical.get(str(agency), str(agency))
                if u not in nodes or v not in nodes:
                    continue
                graphs = self.support(person, ORG.holds, post) | self.support(post, ORG.postIn, agency)
                posts[str(post)] = {"iri": str(post), "_labels": self.labels(post)}
                self._edge(g, u, v, "org:holds", graphs, inferred=True, key=f"org:holds|{post}", _post=str(post))
        g.graph["_posts"] = posts

    def _source_edges(self, g: nx.MultiDiGraph, nodes: set[str]) -> None:
        """Reported items → the sources whose passages introduce them (state their type)."""
        for n, data in list(g.nodes(data=True)):
            if data["type"] not in REPORTED_KINDS:
                continue
            by_source: dict[str, set[Node]] = {}
            for t in self.asserted.objects(URIRef(n), RDF.type):
                for name in self._graphs_of.get((URIRef(n), RDF.type, t), ()):
                    src = self.source_of(name)
                    if src and src in nodes:
                        by_source.setdefault(src, set()).add(name)
            for src, graphs in sorted(by_source.items()):
                self._edge(g, n, src, "dcterms:source", graphs, inferred=False)

    def _source_info(self, doc: URIRef) -> SourceInfo:
        a = self.asserted
        publisher = a.value(doc, DCTERMS.publisher)
        return SourceInfo(
            iri=str(doc),
            title=str(a.value(doc, DCTERMS.title) or self.cg.label(doc)),
            publisher=self.cg.label(publisher, "en") if publisher is not None else "",
            language=str(a.value(doc, DCTERMS.language) or ""),
            url=str(a.value(doc, CG.url) or ""),
            date=self.first_literal(doc, (DCTERMS.issued, DCTERMS.date, DCTERMS.temporal)),
        )

    def data_date(self) -> str:
        """The latest date any fact carries, i.e. how recent the data is.

        Compared by first day, so a bare year ("2023") does not outrank a day within it;
        on a tie the more precise date wins.
        """
        best: tuple[date, int, str] | None = None
        for prop in _DATA_DATE_PROPERTIES:
            for o in self.asserted.objects(None, prop):
                if isinstance(o, Literal) and (bounds := date_bounds(str(o))):
                    text = str(o)[:10]
                    key = (bounds[0], len(text), text)
                    if best is None or key > best:
                        best = key
        return best[2] if best else ""


def iter_public(data: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """Attributes meant for files: no internal (``_``-prefixed) ones, tuples joined as text."""
    for key, value in data.items():
        if key.startswith("_"):
            continue
        if isinstance(value, tuple | list):
            value = " | ".join(map(str, value))
        yield key, value


def public_copy(g: nx.Graph) -> nx.Graph:
    """A copy of a view with only file-safe attributes (str, int, float, bool), for writers."""
    out = g.__class__()
    out.graph.update((k, v) for k, v in iter_public(g.graph) if isinstance(v, str | int | float | bool))
    for n, data in g.nodes(data=True):
        out.add_node(n, **dict(iter_public(data)))
    if g.is_multigraph():
        for u, v, k, data in g.edges(keys=True, data=True):
            out.add_edge(u, v, key=k, **dict(iter_public(data)))
    else:
        for u, v, data in g.edges(data=True):
            out.add_edge(u, v, **dict(iter_public(data)))
    return out
