"""The label service: a projected ``?xLabel`` is filled with the display label of ``?x``.

The convention of the Wikidata Query Service's label service, without its ``SERVICE`` clause:
a query that projects ``?agencyLabel`` next to a variable ``?agency`` gets, for every row, the
label of ``?agency`` in the first of the requested languages that has one (``--lang vi,en``),
else its label in any language, else the IRI's text. The labels come from the build's label
table (``cg:displayLabel`` in the presentation graph, :mod:`coopgraph.presentation`), so a
query file states its question and nothing about how labels are looked up.

The query is rewritten before it runs: it becomes a sub-select, unchanged, and the outer query
looks the labels up for its rows. So labels are looked up once per result row, after any
grouping (counting first, labelling after, which is also what is fast), and a grouped query
needs no label in its GROUP BY. ``ORDER BY ?xLabel`` is moved to the outer query and sorts by
a key made once per row. Left alone: a query whose body binds ``?xLabel`` itself, one with no
``?x``, and any form other than SELECT. The rewrite reads the query with the grammar-faithful
lexer of :mod:`coopgraph.offline`, so strings, IRIs and comments can never be mistaken for
clauses.

The lookups keep to what Oxigraph plans as one-row lookups (docs/query-performance.md): each is
one triple pattern in an OPTIONAL, starting from a key that is always bound (``?x`` when bound,
else an IRI in no store), and a language is looked up only when the earlier ones found nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from coopgraph.errors import QueryError, UsageError
from coopgraph.namespaces import CG
from coopgraph.offline import blank_comments, tokens

#: The languages asked for when none are given.
DEFAULT_LANGUAGES = ("en",)
_UNBOUND = "<urn:x-coopgraph:unbound>"  # an IRI that is in no store: a lookup from it finds nothing
_LABEL = f"<{CG.displayLabel}>"
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


def _match(toks: Sequence[tuple[str, str, int]], i: int, open_: str, close: str) -> int:
    """Index of the token closing the bracket opened at ``toks[i]``."""
    depth = 0
    for j in range(i, len(toks)):
        if toks[j][0] == "punct":
            depth += toks[j][1] == open_
            depth -= toks[j][1] == close
            if depth == 0:
                return j
    raise QueryError(f"unbalanced {open_!r} in the query")


def with_labels(text: str, langs: Sequence[str] = DEFAULT_LANGUAGES) -> str:
    """``text`` with every projected ``?xLabel`` it does not bind itself filled by the service."""
    if _SUFFIX.lower() not in text.lower():
        return text  # nothing to do, and not worth lexing
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
            j = _match(toks, i, "(", ")")
            items.append(_Item(clean[offset:toks[j][2] + 1], toks[j - 1][1][1:], True))
            i = j
        elif value == "*":
            return text  # SELECT * projects no label variable by name
        i += 1
    if i < len(toks) and toks[i][1] != "{":
        i += 1  # WHERE
    if i >= len(toks) or toks[i][1] != "{":
        return text  # not a query this service understands; the engine will say what is wrong
    close = _match(toks, i, "{", "}")
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
    mentioned = _names(body) | _names(group) | _names(values)
    projected = {it.name for it in items}
    labelled = [it.name for it in items if not it.is_expression and it.name.endswith(_SUFFIX)
                and len(it.name) > len(_SUFFIX) and it.name not in mentioned
                and it.name[:-len(_SUFFIX)] in mentioned | projected]
    if not labelled:
        return text
    if grouped and any(k == "word" and v.upper() in _AGGREGATES for k, v, _ in order):
        raise QueryError("ORDER BY an aggregate cannot be combined with ?…Label columns: "
                         "project the aggregate (… AS ?n) and order by ?n")
    inner = [it.text for it in items if it.name not in labelled]
    for name in [n[:-len(_SUFFIX)] for n in labelled] + sorted(_names(order) - set(labelled)):
        if name in projected or name in labelled or f"?{name}" in inner:
            continue
        if grouped and name not in keys:
            if name in _names(order):
                continue  # not a group key: the original ORDER BY could not use it either
            raise QueryError(f"?{name}{_SUFFIX}: ?{name} is neither projected nor a GROUP BY key, "
                             "so it has no value to label")
        inner.append(f"?{name}")

    def span(part_toks: Sequence[tuple[str, str, int]]) -> str:
        return clean[part_toks[0][2]:part_toks[-1][2] + len(part_toks[-1][1])] if part_toks else ""

    lookups = [line for name in labelled for line in _lookup(name, langs)]
    order_text = span(order)
    for j, (kind, value, offset) in reversed(list(enumerate(order))):
        if kind == "var" and value[1:] in labelled and _plain_key(order, j):
            key = f"?_cg_sort_{value[1:-len(_SUFFIX)]}"
            lookups.append(f"BIND(CONCAT({value}, \" \") AS {key})")
            at = offset - order[0][2]
            order_text = order_text[:at] + key + order_text[at + len(value):]
    outer = " ".join(f"?{it.name}" for it in items)
    head = text[:toks[form][2]]
    sub = (f"SELECT {modifier} {' '.join(inner)} WHERE {span(body)}\n{span(group)} {span(values)}").rstrip()
    return (f"{head}SELECT {modifier} {outer} WHERE {{\n{{ {sub} }}\n" + "\n".join(lookups)
            + f"\n}}\n{order_text} {span(limit)}".rstrip() + "\n")


def _plain_key(order: Sequence[tuple[str, str, int]], j: int) -> bool:
    """True when ``order[j]`` is a whole sort key: ``?v``, ``ASC(?v)`` or ``DESC(?v)``."""
    prev, nxt = order[j - 1], order[j + 1] if j + 1 < len(order) else ("", "", 0)
    if prev[1] == "(":
        before = order[j - 2] if j >= 2 else ("", "", 0)
        return before[0] == "word" and before[1].upper() in ("ASC", "DESC") and nxt[1] == ")"
    return prev[1] in ("BY", ")") or prev[0] == "var" or prev[1].upper() == "BY"


def _lookup(name: str, langs: Sequence[str]) -> list[str]:
    """The patterns that bind ``?name`` (``?xLabel``) from the label table, for ``?x``."""
    base = name[:-len(_SUFFIX)]
    v = f"_cg_{base}"
    lines = [f"BIND(COALESCE(?{base}, {_UNBOUND}) AS ?{v}_k0)"]
    tags = [*langs, ""]  # "": the plain label, first of all its labels whatever their language
    for i, tag in enumerate(tags):
        if i:  # looked up only when the earlier languages gave nothing; otherwise from a key in no store
            lines.append(f"BIND(COALESCE(IF(BOUND(?{v}_l{i - 1}), ?{v}_none, ?{v}_k{i - 1}), {_UNBOUND}) AS ?{v}_k{i})")
        lines.append(f"OPTIONAL {{ ?{v}_k{i} {_LABEL} ?{v}_l{i} FILTER(LANG(?{v}_l{i}) = \"{tag}\") }}")
    found = ", ".join(f"STR(?{v}_l{i})" for i in range(len(tags)))
    lines.append(f"BIND(COALESCE({found}, STR(?{base})) AS ?{name})")
    return lines
