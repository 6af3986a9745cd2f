"""The label service: a projected ``?xLabel`` is filled with the display label of ``?x``.

The convention of the Wikidata Query Service's label service, without its ``SERVICE`` clause:
a query that projects ``?agencyLabel`` next to a variable ``?agency`` gets, for every row, the
label of ``?agency`` in the first of the requested languages that has one (``--lang vi,en``),
else its label in any language, else the IRI's text. The labels come from the build's label
table (``cg:displayLabel`` in the presentation graph, :mod:`coopgraph.build.presentation`), so a
query file states its question and nothing about how labels are looked up.

The query is rewritten before it runs: it becomes a sub-select, unchanged, and the outer query
looks the labels up for its rows. So labels are looked up once per result row, after any
grouping (counting first, labelling after, which is also what is fast), and a grouped query
needs no label in its GROUP BY. ``ORDER BY ?xLabel`` is moved to the outer query and sorts by
a key made once per row. Left alone: a query whose body binds ``?xLabel`` itself, one with no
``?x``, and any form other than SELECT. The rewrite reads the query with the grammar-faithful
lexer of :mod:`coopgraph.query.offline`, so strings, IRIs and comments can never be mistaken for
clauses.

A literal that a reader wants in a language, not a label (a commitment's text, a title or a
place as a source wrote it), is read from its table in the same way: ``OPTIONAL { ?commitment
cg:displayText ?text }``, an OPTIONAL of that one triple pattern whose object variable the
body uses nowhere else, leaves the body and fills ``?text`` in the requested languages, else
in any (never with an IRI). The tables are ``cg:displayLabel``, ``cg:displayText``,
``cg:displayTitle`` and ``cg:displayPlace`` (:data:`TABLES`). So a query says which literal
it shows and never how a language is chosen. A projected expression over such columns, as
``(COALESCE(?placeName, ?placeStated) AS ?placeLabel)``, is computed after them, in the outer
query.

The lookups keep to what Oxigraph plans as one-row lookups (docs/query-performance.md): each is
one triple pattern in an OPTIONAL, starting from a key that is always bound (``?x`` when bound,
else an IRI in no store), and a language is looked up only when the earlier ones found nothing.
That text is standard SPARQL, sent to other stores and run by rdflib. The embedded Oxigraph
engine runs each column as one call of a label function instead (:func:`label_functions`),
which reads the same table by the same rule without the lookups' cost of planning.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from coopgraph.errors import QueryError, UsageError
from coopgraph.namespaces import CG
from coopgraph.query.offline import blank_comments, tokens

if TYPE_CHECKING:
    import pyoxigraph as ox

#: What a label function of the embedded engine is: a term to its label, or None (unbound).
LabelFunction = Callable[["ox.NamedNode | ox.BlankNode | ox.Literal"], "ox.Literal | None"]

#: The languages asked for when none are given.
DEFAULT_LANGUAGES = ("en",)
_UNBOUND = "<urn:x-coopgraph:unbound>"  # an IRI that is in no store: a lookup from it finds nothing
_LABEL = f"<{CG.displayLabel}>"
#: The language tables of the presentation graph a query may read with an explicit lookup.
TABLES = {str(CG[t]) for t in ("displayLabel", "displayText", "displayTitle", "displayPlace")}
_LANG_TAG = re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*")
_AGGREGATES = {"COUNT", "SUM", "MIN", "MAX", "AVG", "SAMPLE", "GROUP_CONCAT"}
_SUFFIX = "Label"


def languages(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """The requested label languages, in order: ``"vi,en"`` or ``["vi", "en"]``; None: English."""
    if value is None:
        return DEFAULT_LANGUAGES
    parts = value.split(",") if isinstance(value, str) else list(value)
    tags = tuple(dict.fromkeys(p.strip().lower() for p in parts if p.strip()))
    for tag in tags:
        if not _LANG_TAG.fullmatch(tag):
            raise UsageError(f"not a language tag: {tag!r} (give tags such as vi or en, comma-separated)")
    return tags or DEFAULT_LANGUAGES


@dataclass(frozen=True)
class _Item:
    """One projected item: a variable (``name``) or ``(expression AS ?alias)``."""

    text: str
    name: str
    is_expression: bool


def _names(toks: Iterable[tuple[str, str, int]]) -> set[str]:
    return {v[1:] for k, v, _ in toks if k == "var"}


def closing(toks: Sequence[tuple[str, str, int]], i: int, open_: str, close: str) -> int:
    """Index of the token closing the bracket opened at ``toks[i]`` (tokens of
    :func:`coopgraph.query.offline.tokens`); also what :mod:`coopgraph.query.outer` reads with."""
    depth = 0
    for j in range(i, len(toks)):
        if toks[j][0] == "punct":
            depth += toks[j][1] == open_
            depth -= toks[j][1] == close
            if depth == 0:
                return j
    raise QueryError(f"unbalanced {open_!r} in the query")


def with_labels(text: str, langs: Sequence[str] = DEFAULT_LANGUAGES, *, functions: bool = False) -> str:
    """``text`` with every projected ``?xLabel`` it does not bind itself filled by the service.

    ``functions``: each column is filled by one call of a label function (:func:`label_functions`)
    instead of its lookups in standard SPARQL; only the embedded Oxigraph engine runs that text.
    """
    lowered = text.lower()
    if _SUFFIX.lower() not in lowered and "display" not in lowered:
        return text  # no ?xLabel and no language table: nothing to do, and not worth lexing
    clean = blank_comments(text)
    toks = [t for t in tokens(clean) if t[0] != "comment"]
    form = next((i for i, (k, v, _) in enumerate(toks)
                 if k == "word" and v.upper() in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")), None)
    if form is None or toks[form][1].upper() != "SELECT":
        return text
    i = form + 1
    modifier = ""
    if i < len(toks) and toks[i][0] == "word" and toks[i][1].upper() in ("DISTINCT", "REDUCED"):
        modifier, i = toks[i][1].upper(), i + 1
    items: list[_Item] = []
    while i < len(toks) and not (toks[i][0] == "word" and toks[i][1].upper() == "WHERE") and toks[i][1] != "{":
        kind, value, offset = toks[i]
        if kind == "var":
            items.append(_Item(value, value[1:], False))
        elif value == "(":
            j = closing(toks, i, "(", ")")
            items.append(_Item(clean[offset:toks[j][2] + 1], toks[j - 1][1][1:], True))
            i = j
        elif value == "*":
            return text  # SELECT * projects no label variable by name
        i += 1
    if i < len(toks) and toks[i][1] != "{":
        i += 1  # WHERE
    if i >= len(toks) or toks[i][1] != "{":
        return text  # not a query this service understands; the engine will say what is wrong
    close = closing(toks, i, "{", "}")
    body, tail = toks[i:close + 1], toks[close + 1:]
    # the solution modifiers: GROUP BY and HAVING stay with the question, ORDER BY, LIMIT and
    # OFFSET move out (they must come after the labels), a trailing VALUES stays inside
    starts: dict[str, int] = {}
    depth = 0
    for j, (kind, value, offset) in enumerate(tail):
        if kind == "punct" and value in "({":
            depth += 1
        elif kind == "punct" and value in ")}":
            depth -= 1
        elif kind == "word" and depth == 0 and value.upper() in ("ORDER", "LIMIT", "OFFSET", "VALUES"):
            starts.setdefault("LIMIT" if value.upper() == "OFFSET" else value.upper(), j)
    end = len(tail)

    def part(first: str, *later: str) -> list[tuple[str, str, int]]:
        if first not in starts:
            return []
        stop = min([starts[w] for w in later if w in starts] + [end])
        return tail[starts[first]:stop]

    order, limit, values = part("ORDER", "LIMIT", "VALUES"), part("LIMIT", "VALUES"), part("VALUES")
    group = tail[:min([*starts.values(), end])]
    grouped = bool(group) or any(k == "word" and v.upper() in _AGGREGATES
                                 for it in items if it.is_expression for k, v, _ in tokens(it.text))
    keys = _names(group)
    cuts, looked_up = _explicit_lookups(body, _names(group) | _names(values))
    kept = [t for t in body if not any(a <= t[2] < b for a, b in cuts)]
    mentioned = _names(kept) | _names(group) | _names(values)
    projected = {it.name for it in items}
    filled: dict[str, tuple[str, str, bool]] = {  # ?name -> (?base, table, falls back to the IRI)
        it.name: (it.name[:-len(_SUFFIX)], _LABEL, True) for it in items
        if not it.is_expression and it.name.endswith(_SUFFIX) and len(it.name) > len(_SUFFIX)
        and it.name not in mentioned and it.name[:-len(_SUFFIX)] in mentioned | projected}
    filled.update({name: (base, table, False) for name, (base, table) in looked_up.items()
                   if name not in filled and base in mentioned})
    if not filled:
        return text
    if grouped and any(k == "word" and v.upper() in _AGGREGATES for k, v, _ in order):
        raise QueryError("ORDER BY an aggregate cannot be combined with ?…Label columns: "
                         "project the aggregate (… AS ?n) and order by ?n")
    # a projected expression over filled columns is computed after them, in the outer query
    late = {it.name for it in items if it.is_expression and _names(tokens(it.text)) & set(filled)
            and not any(k == "word" and v.upper() in _AGGREGATES for k, v, _ in tokens(it.text))}
    needed = [filled[n][0] for n in filled]
    needed += sorted({v for it in items if it.name in late for v in _names(tokens(it.text))} - set(filled)
                     - {it.name for it in items if it.name in late})
    inner = [it.text for it in items if it.name not in filled and it.name not in late]
    for name in needed + sorted(_names(order) - set(filled) - late):
        if name in projected and name not in late or name in filled or f"?{name}" in inner:
            continue
        if grouped and name not in keys:
            if name in _names(order):
                continue  # not a group key: the original ORDER BY could not use it either
            raise QueryError(f"?{name}{_SUFFIX}: ?{name} is neither projected nor a GROUP BY key, "
                             "so it has no value to label")
        inner.append(f"?{name}")

    def span(part_toks: Sequence[tuple[str, str, int]]) -> str:
        return clean[part_toks[0][2]:part_toks[-1][2] + len(part_toks[-1][1])] if part_toks else ""

    body_text = span(body)
    for a, b in sorted(cuts, reverse=True):  # the explicit lookups leave the question's body
        a, b = a - body[0][2], b - body[0][2]
        body_text = body_text[:a] + " " * (b - a) + body_text[b:]
    lookups = [line for name, (base, table, iri) in filled.items()
               for line in _lookup(name, base, table, langs, iri, functions)]
    order_text = span(order)
    for j, (kind, value, offset) in reversed(list(enumerate(order))):
        if kind == "var" and value[1:] in filled and _plain_key(order, j):
            key = f"?_cg_sort_{value[1:]}"
            lookups.append(f"BIND(CONCAT({value}, \" \") AS {key})")
            at = offset - order[0][2]
            order_text = order_text[:at] + key + order_text[at + len(value):]
    outer = " ".join(it.text if it.name in late else f"?{it.name}" for it in items)
    head = text[:toks[form][2]]
    sub = (f"SELECT {modifier} {' '.join(inner)} WHERE {body_text}\n{span(group)} {span(values)}").rstrip()
    return (f"{head}SELECT {modifier} {outer} WHERE {{\n{{ {sub} }}\n" + "\n".join(lookups)
            + f"\n}}\n{order_text} {span(limit)}".rstrip() + "\n")


def _explicit_lookups(body: Sequence[tuple[str, str, int]], elsewhere: set[str]
                      ) -> tuple[list[tuple[int, int]], dict[str, tuple[str, str]]]:
    """The ``OPTIONAL { ?x cg:displayText ?text }`` groups of the top of ``body``.

    Each is an OPTIONAL of one triple pattern whose predicate is a language table
    (:data:`TABLES`) and whose object is a variable used nowhere else in the query's body,
    grouping or VALUES: the service fills that variable like a label, in the requested
    languages, else in any (but never with an IRI). Returns their character spans and, per
    variable, its subject variable and table.
    """
    found: dict[str, tuple[str, str]] = {}
    spans: list[tuple[int, int]] = []
    depth = 0
    for j, (kind, value, offset) in enumerate(body):
        if kind == "punct" and value in "({":
            depth += 1
        elif kind == "punct" and value in ")}":
            depth -= 1
        if not (depth == 1 and kind == "word" and value.upper() == "OPTIONAL"):
            continue
        group = body[j + 1:j + 7]
        shape = [(k, v) for k, v, _ in group]
        if len(shape) >= 5 and shape[0] == ("punct", "{") and shape[1][0] == "var" and shape[3][0] == "var":
            stop = 4 if shape[4] == ("punct", "}") else 5 if shape[4] == ("punct", ".") else None
            table = _table(shape[2])
            if stop is None or table is None or len(shape) <= stop or shape[stop] != ("punct", "}"):
                continue
            name = shape[3][1][1:]
            others = [t for t in body if t[0] == "var" and t[1][1:] == name]
            if name in elsewhere or name in found or len(others) != 1 or shape[1][1] == shape[3][1]:
                continue
            found[name] = (shape[1][1][1:], table)
            spans.append((offset, group[stop][2] + 1))
    return spans, found


def _table(token: tuple[str, str]) -> str | None:
    """The language table a predicate token names (``cg:displayText`` or its full IRI), else None."""
    kind, value = token
    iri = value[1:-1] if kind == "iri" else str(CG) + value[3:] if kind == "pname" and value.startswith("cg:") else ""
    return f"<{iri}>" if iri in TABLES else None


def _plain_key(order: Sequence[tuple[str, str, int]], j: int) -> bool:
    """True when ``order[j]`` is a whole sort key: ``?v``, ``ASC(?v)`` or ``DESC(?v)``."""
    prev, nxt = order[j - 1], order[j + 1] if j + 1 < len(order) else ("", "", 0)
    if prev[1] == "(":
        before = order[j - 2] if j >= 2 else ("", "", 0)
        return before[0] == "word" and before[1].upper() in ("ASC", "DESC") and nxt[1] == ")"
    return prev[1] in ("BY", ")") or prev[0] == "var" or prev[1].upper() == "BY"


def _lookup(name: str, base: str, table: str, langs: Sequence[str], iri: bool, functions: bool = False) -> list[str]:
    """The patterns that bind ``?name`` from ``table`` for ``?base``: the first requested language
    that has a value, else the plain value; else (``iri``, a label) the IRI's text.

    ``functions``: the same rule as one call of the label function named for it (:func:`label_functions`).
    """
    if functions:
        return [f"BIND({_function_iri(table, langs, iri)}(?{base}) AS ?{name})"]
    v = f"_cg_{name}"
    lines = [f"BIND(COALESCE(?{base}, {_UNBOUND}) AS ?{v}_k0)"]
    tags = [*langs, ""]  # "": the plain value, first of all its values whatever their language
    for i, tag in enumerate(tags):
        if i:  # looked up only when the earlier languages gave nothing; otherwise from a key in no store
            lines.append(f"BIND(COALESCE(IF(BOUND(?{v}_l{i - 1}), ?{v}_none, ?{v}_k{i - 1}), {_UNBOUND}) AS ?{v}_k{i})")
        lines.append(f"OPTIONAL {{ ?{v}_k{i} {table} ?{v}_l{i} FILTER(LANG(?{v}_l{i}) = \"{tag}\") }}")
    found = ", ".join([f"STR(?{v}_l{i})" for i in range(len(tags))] + ([f"STR(?{base})"] if iri else []))
    lines.append(f"BIND(COALESCE({found}) AS ?{name})")
    return lines


# -- the label functions of the embedded engine ---------------------------------------------------
#
# Oxigraph plans a query before it reads anything, and the lookups above (two OPTIONALs and
# three BINDs a column) make the plan grow faster than the text: person-posts, six columns,
# took 7.4 ms to plan on an empty store (0.6 ms with these functions, 0.3 ms for its question
# alone), most of its time at 1M triples. On the embedded engine each column is one call of a
# Python function instead (``custom_functions``), which reads the same table by the same rule;
# the goldens compare it with rdflib, which runs the lookups above, on every named query.

#: The IRIs of the label functions: ``urn:x-coopgraph:label:<table>:<1 if the IRI is the last
#: resort>:<languages>``, e.g. ``urn:x-coopgraph:label:displayLabel:1:vi,en``.
FUNCTION_PREFIX = "urn:x-coopgraph:label:"
_FUNCTION = re.compile(r"<(urn:x-coopgraph:label:(display[A-Za-z]+):([01]):([^>]*))>")


def _function_iri(table: str, langs: Sequence[str], iri: bool) -> str:
    return f"<{FUNCTION_PREFIX}{table[1:-1].rsplit('#', 1)[1]}:{int(iri)}:{','.join(langs)}>"


def label_functions(text: str, store: ox.Store, merged: bool = True) -> dict[ox.NamedNode, LabelFunction]:
    """The label functions ``text`` calls, reading ``store``'s table, for ``custom_functions``.

    Each returns, for a term, its value in the table in the first of the languages that has
    one, else its plain value, else (a label) the term's text; None (unbound) otherwise. Values
    are read once per term and query. ``merged``: the table is read from the default graph
    (the merge); else from every graph (an old store queried with the union).
    """
    out: dict[ox.NamedNode, LabelFunction] = {}
    if FUNCTION_PREFIX not in text:
        return out  # most texts call none: not worth the scan
    import pyoxigraph as ox

    graph = ox.DefaultGraph() if merged else None
    for iri, local, fallback, langs in set(_FUNCTION.findall(text)):
        out[ox.NamedNode(iri)] = _label_function(store, ox.NamedNode(str(CG[local])), graph,
                                                 [*filter(None, langs.split(",")), ""], fallback == "1")
    return out


def _label_function(store: ox.Store, table: ox.NamedNode, graph: ox.DefaultGraph | None, tags: list[str],
                    iri: bool) -> LabelFunction:
    import pyoxigraph as ox

    found: dict[ox.NamedNode | ox.BlankNode | ox.Literal, ox.Literal | None] = {}

    def label(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> ox.Literal | None:
        if term in found:
            return found[term]
        value = None
        if not isinstance(term, ox.Literal):
            by_tag = {q.object.language or "": q.object.value for q in store.quads_for_pattern(term, table, None, graph)
                      if isinstance(q.object, ox.Literal)}
            value = next((ox.Literal(by_tag[t]) for t in tags if t in by_tag), None)
        if value is None and iri and not isinstance(term, ox.BlankNode):  # STR() of a blank node is an error
            value = ox.Literal(term.value)
        found[term] = value
        return value

    return label
