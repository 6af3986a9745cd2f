"""Graph measures on the network: the shortest connection in words, actor rankings, communities.

Measures run on the undirected network (cooperation ties have no direction that matters for
"how connected"), without source documents unless asked for: two agencies reported in the same
news article are not thereby connected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from coopgraph.errors import UsageError
from coopgraph.export.network import KIND_LABELS, RELATIONS, Network, ViewOptions, curie

ACTOR_KINDS = ("agency", "person")
_ORDER = {curie(p): i for i, p in enumerate(RELATIONS)}


def measure_options(options: ViewOptions) -> ViewOptions:
    """The options measures use: as given, but without source nodes unless types ask for them."""
    if options.types is None and not options.actors:
        from dataclasses import replace

        from coopgraph.export.network import KINDS

        return replace(options, types=tuple(k for k in KINDS if k != "source"))
    return options


def undirected(g: nx.Graph) -> nx.Graph:
    """Simple undirected graph; parallel edges merged, weights summed (actor view) or counted."""
    out = nx.Graph()
    out.add_nodes_from(g.nodes(data=True))
    for u, v, d in g.edges(data=True):
        if u == v:
            continue
        w = d.get("weight", 1)
        if out.has_edge(u, v):
            out[u][v]["weight"] += w
        else:
            out.add_edge(u, v, weight=w)
    return out


# -- path ------------------------------------------------------------------------------------


@dataclass
class Step:
    """One hop of a path: the relation read in the direction of travel, and where it leads."""

    relation: str
    words: str
    node: str
    label: str
    kind: str
    date: str = ""
    n_sources: int = 0


@dataclass
class Path:
    """A shortest connection between two entities."""

    start: str
    start_label: str
    start_kind: str
    steps: list[Step] = field(default_factory=list)

    def to_text(self, lang: str = "en") -> str:
        """The path in words, one step a line."""
        first = f"{self.start_label} ({_kind(self.start_kind, lang)})"
        lines = [first]
        for s in self.steps:
            what = _kind(s.kind, lang) + (f", {s.date}" if s.date else "")
            src = f"  [{s.n_sources} source{'s' if s.n_sources != 1 else ''}]" if s.n_sources else ""
            lines.append(f"  — {s.words} → {s.label} ({what}){src}")
        n = len(self.steps)
        lines.append(f"{n} step{'s' if n != 1 else ''}")
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "label": self.start_label, "type": self.start_kind,
                "steps": [s.__dict__ for s in self.steps]}


def _kind(kind: str, lang: str) -> str:
    return KIND_LABELS.get(kind, {}).get(lang) or KIND_LABELS.get(kind, {}).get("en") or kind


def _step_words(network: Network, data: dict[str, Any], forward: bool, lang: str) -> str:
    rel = data["relation"]
    label = data.get("label") or network.relation_label(rel, lang)
    post = data.get("post")
    if post:
        return f"holds the post “{post}” in" if forward else f"has the post “{post}”, held by"
    if rel == "cg:cooperationPartner":
        via = data.get("via", "")
        return f"{label} ×{data.get('weight', 1)} ({via})" if via else label
    if forward:
        return label
    inverse = network.relation_labels.get(f"^{rel}")
    if inverse:
        return inverse.get(lang) or inverse.get("en") or inverse.get("") or f"is “{label}” of"
    return f"is “{label}” of"


def shortest_path(network: Network, a: str, b: str, options: ViewOptions | None = None) -> Path:
    """The shortest connection from ``a`` to ``b`` (names resolved like ``describe`` does)."""
    options = measure_options(options or ViewOptions())
    src, dst = network.resolve(a), network.resolve(b)
    g = network.view(options)
    for iri, name in ((src, a), (dst, b)):
        if iri not in g:
            why = options.describe() or "the network"
            raise UsageError(f"{name!r} is not a node of {why} (nodes are agencies, people, meetings, ...)")
    simple = undirected(g)
    try:
        nodes = nx.shortest_path(simple, src, dst)
    except nx.NetworkXNoPath:
        raise UsageError(f"no connection between {g.nodes[src]['label']!r} and {g.nodes[dst]['label']!r}"
                         + (f" in this view ({options.describe()})" if options.describe() else "")) from None
    lang = options.lang
    path = Path(src, g.nodes[src]["label"], g.nodes[src]["type"])
    for u, v in zip(nodes, nodes[1:], strict=False):
        candidates = [(d, True) for d in g.get_edge_data(u, v, default={}).values()]
        if g.is_directed():
            candidates += [(d, False) for d in g.get_edge_data(v, u, default={}).values()]
        candidates.sort(key=lambda c: (_ORDER.get(c[0]["relation"], 99), not c[1]))
        words = []
        for d, forward in candidates:
            w = _step_words(network, d, forward, lang)
            if w not in words:
                words.append(w)
        best = candidates[0][0]
        node = g.nodes[v]
        path.steps.append(Step(
            relation=best["relation"], words=" / ".join(words), node=v, label=node["label"], kind=node["type"],
            date=node.get("date", ""), n_sources=max(d.get("n_sources", 0) for d, _ in candidates),
        ))
    return path


# -- ranking and communities -----------------------------------------------------------------


@dataclass
class Rank:
    """One actor's position in the network."""

    node: str
    label: str
    kind: str
    degree: int
    betweenness: float
    community: int


def communities(g: nx.Graph) -> list[set[str]]:
    """Groups of densely tied nodes (greedy modularity: deterministic, no extra dependency)."""
    if g.number_of_edges() == 0:
        return [{n} for n in sorted(g.nodes)]
    found = nx.community.greedy_modularity_communities(g, weight="weight")
    return sorted((set(c) for c in found), key=lambda c: (-len(c), min(c)))


def rank(network: Network, options: ViewOptions | None = None) -> list[Rank]:
    """Actors (agencies, people) by degree then betweenness, with their community number.

    Measured on the whole (undirected) view so that a person's ties through meetings count;
    only actors are listed. In the actor-only view (``--actors``) degree is the number of
    distinct partner agencies.
    """
    options = measure_options(options or ViewOptions())
    g = network.view(options)
    simple = undirected(g)
    if simple.number_of_nodes() == 0:
        raise UsageError(f"the view is empty ({options.describe() or 'the data'}): nothing to rank")
    betweenness = nx.betweenness_centrality(simple, normalized=True)
    member = {n: i + 1 for i, c in enumerate(communities(simple)) for n in c}
    rows = [
        Rank(n, d["label"], d["type"], simple.degree(n), round(betweenness[n], 4), member.get(n, 0))
        for n, d in simple.nodes(data=True) if d["type"] in ACTOR_KINDS
    ]
    rows.sort(key=lambda r: (-r.degree, -r.betweenness, r.label))
    return rows


def rank_table(rows: list[Rank], lang: str = "en") -> str:
    """Rows as an aligned text table."""
    header = ("#", "name", "type", "degree", "betweenness", "community")
    body = [(str(i), r.label, _kind(r.kind, lang), str(r.degree), f"{r.betweenness:.4f}", str(r.community))
            for i, r in enumerate(rows, 1)]
    widths = [max(len(x) for x in col) for col in zip(header, *body, strict=False)]
    def fmt(row: tuple[str, ...]) -> str:
        return "  ".join(c.ljust(w) if i in (1, 2) else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths,
                                                                                              strict=True))).rstrip()
    return "\n".join([fmt(header), *(fmt(r) for r in body)]) + "\n"
