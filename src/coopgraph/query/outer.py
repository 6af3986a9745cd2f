"""The label service's outer query, evaluated in Python on the embedded engine.

:func:`coopgraph.query.labels.with_labels` turns a query into a sub-select, unchanged, and an
outer query that fills the ``?xLabel`` columns (with label functions, on the embedded engine),
orders, removes duplicates and pages. Oxigraph runs that outer part slowly at scale: each label
is a call from the engine into Python, and its ORDER BY compares terms by reading their strings
back from the store at every comparison. For the 67,936 rows of agency-agreements at 1M triples
the sub-select alone took 1.2 s on the engine and the whole text 4.4 s through the API.

So when the outer part is one this module can evaluate exactly, the engine runs the sub-select
alone and the rest is done here, by the same rules: labels by the same label functions, ORDER
BY by SPARQL's order (unbound, then IRIs by their text, then literals by value), DISTINCT on
the projected columns keeping the first row in that order, then OFFSET and LIMIT. Exactly
means: the outer query is the shape ``with_labels`` writes (plain projected variables, label
``BIND``s, sort keys that are variables, ``STR``, string constants and ``COALESCE`` of these),
and every sort key's literals are of one kind that SPARQL orders by value (strings, numbers, or
dates of one datatype without time zone). Anything else (a blank node or literals Oxigraph would
compare in its own way) returns None, and the caller runs the whole text on the engine, as before.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from itertools import islice
from typing import Any

import pyoxigraph as ox

from coopgraph import collector
from coopgraph.errors import QueryError
from coopgraph.query.labels import FUNCTION_PREFIX, closing, label_functions
from coopgraph.query.offline import blank_comments, tokens

_XSD = "http://www.w3.org/2001/XMLSchema#"
_STRING = {_XSD + "string"}
_NUMBERS = {_XSD + t for t in ("integer", "decimal", "double", "float", "int", "long", "short", "byte",
                               "nonNegativeInteger", "positiveInteger", "nonPositiveInteger",
                               "negativeInteger", "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte")}
#: Dates ordered by their text: a four-digit year and no time zone, so text order is time order.
_DATES = {_XSD + "date": re.compile(r"\d{4}-\d\d-\d\d"), _XSD + "gYear": re.compile(r"\d{4}"),
          _XSD + "gYearMonth": re.compile(r"\d{4}-\d\d"),
          _XSD + "dateTime": re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?")}

Token = tuple[str, str, int]
#: A sort key's expression: ("var", name) | ("str", expr) | ("const", text) | ("coalesce", [expr...]).
Expr = tuple[str, Any]


class Unorderable(Exception):
    """A sort key has values this module does not order exactly as the engine: run it there."""


@dataclass
class Outer:
    """What the outer query does, read back from the text ``with_labels`` wrote."""

    head: str  # the text before SELECT (PREFIX and BASE declarations)
    sub: str  # the sub-select: the question, run on the engine
    distinct: bool
    projected: list[str]
    labels: list[tuple[str, str, str]]  # (?name, label function IRI, ?base)
    suffixed: list[tuple[str, str]]  # (?key, ?label): BIND(CONCAT(?label, " ") AS ?key)
    order: list[tuple[Expr, bool]]  # (expression, descending)
    offset: int
    limit: int | None


class Solutions:
    """Rows as pyoxigraph gives them (``variables`` and an iterator of term lists), for
    :func:`coopgraph.query.library.from_oxigraph_result`."""

    def __init__(self, names: Sequence[str], rows: Iterator[list[Any]]) -> None:
        self.variables = [ox.Variable(n) for n in names]
        self._rows = rows

    def __iter__(self) -> Iterator[list[Any]]:
        return self._rows


@lru_cache(maxsize=256)  # a text asked again (the server, a notebook) is not read twice
def read(text: str) -> Outer | None:
    """The outer query of a ``with_labels(..., functions=True)`` text, else None (not to be
    changed: the same object is given for the same text)."""
    if FUNCTION_PREFIX not in text:
        return None
    clean = blank_comments(text)
    toks = [t for t in tokens(clean) if t[0] != "comment"]
    try:
        return _read(text, toks)
    except (IndexError, ValueError, QueryError):  # not our shape (or not balanced): the engine says
        return None


def _read(text: str, toks: Sequence[Token]) -> Outer | None:
    i = next(j for j, t in enumerate(toks) if t[0] == "word" and t[1].upper() == "SELECT")
    head = text[:toks[i][2]]
    i += 1
    distinct = toks[i][0] == "word" and toks[i][1].upper() == "DISTINCT"
    if distinct or (toks[i][0] == "word" and toks[i][1].upper() == "REDUCED"):
        i += 1
    projected = []
    while toks[i][0] == "var":
        projected.append(toks[i][1][1:])
        i += 1
    if not projected or toks[i][1].upper() != "WHERE" or toks[i + 1][1] != "{" or toks[i + 2][1] != "{":
        return None  # an expression in the projection (computed after the labels), or not our shape
    where_end = closing(toks, i + 1, "{", "}")
    sub_end = closing(toks, i + 2, "{", "}")
    sub = text[toks[i + 2][2] + 1:toks[sub_end][2]]
    labels, suffixed = [], []
    j = sub_end + 1
    while j < where_end:
        if toks[j][1].upper() != "BIND" or toks[j + 1][1] != "(":
            return None
        end = closing(toks, j + 1, "(", ")")
        part = [t[1] for t in toks[j + 2:end]]
        if len(part) == 6 and part[0].startswith("<" + FUNCTION_PREFIX) and part[1] == "(" and part[3] == ")" \
                and part[4].upper() == "AS" and part[2].startswith("?"):
            labels.append((part[5][1:], part[0][1:-1], part[2][1:]))
        elif len(part) == 8 and part[0].upper() == "CONCAT" and part[3] == "," and part[4] == '" "' \
                and part[6].upper() == "AS":
            suffixed.append((part[7][1:], part[2][1:]))
        else:
            return None
        j = end + 1
    order: list[tuple[Expr, bool]] = []
    offset, limit = 0, None
    j = where_end + 1
    if j < len(toks) and toks[j][1].upper() == "ORDER":
        j += 2  # ORDER BY
        while j < len(toks) and toks[j][1].upper() not in ("LIMIT", "OFFSET"):
            desc = toks[j][1].upper() == "DESC"
            if toks[j][0] == "word" and toks[j][1].upper() in ("ASC", "DESC"):
                end = closing(toks, j + 1, "(", ")")
                expr, k = _expr(toks, j + 2)
                if k != end:
                    return None
                j = end + 1
            else:
                expr, j = _expr(toks, j)
            if expr is None:
                return None
            order.append((expr, desc))
    while j < len(toks):
        word, number = toks[j][1].upper(), toks[j + 1]
        if word not in ("LIMIT", "OFFSET") or number[0] != "number":
            return None
        if word == "LIMIT":
            limit = int(number[1])
        else:
            offset = int(number[1])
        j += 2
    return Outer(head, sub, distinct, projected, labels, suffixed, order, offset, limit)


def _expr(toks: Sequence[Token], j: int) -> tuple[Expr | None, int]:
    """One sort expression from ``toks[j]``: a variable, a string, STR(e) or COALESCE(e, ...)."""
    kind, value, _ = toks[j]
    if kind == "var":
        return ("var", value[1:]), j + 1
    if kind == "string" and re.fullmatch(r'"[^"\\]*"', value):
        return ("const", value[1:-1]), j + 1
    if kind == "word" and value.upper() in ("STR", "COALESCE") and toks[j + 1][1] == "(":
        end = closing(toks, j + 1, "(", ")")
        args, k = [], j + 2
        while k < end:
            arg, k = _expr(toks, k)
            if arg is None:
                return None, end + 1
            args.append(arg)
            if toks[k][1] == ",":
                k += 1
            elif k != end:
                return None, end + 1
        if value.upper() == "STR":
            return (("str", args[0]) if len(args) == 1 else None), end + 1
        return ("coalesce", args), end + 1
    return None, j + 1


def run(outer: Outer, store: ox.Store, merged: bool, query: Callable[[str], Any]) -> Solutions | None:
    """Run the sub-select with ``query`` and finish it here; None when a sort key is unorderable."""
    with collector.paused():  # a million small objects for a large result: coopgraph.collector
        return _run(outer, store, merged, query)


def _run(outer: Outer, store: ox.Store, merged: bool, query: Callable[[str], Any]) -> Solutions | None:
    functions = label_functions(" ".join(f"<{iri}>" for _, iri, _ in outer.labels), store, merged)
    sols = query(outer.head + outer.sub)
    names = [v.value for v in sols.variables]
    at = {n: i for i, n in enumerate(names)}
    fills = [(functions[ox.NamedNode(iri)], at[base]) for _, iri, base in outer.labels]
    for name, _, _ in outer.labels:
        at[name] = len(at)
    for key, label in outer.suffixed:
        at[key] = len(at)
    suffix = [at[label] for _, label in outer.suffixed]
    picks = [at[n] if n in at else None for n in outer.projected]

    def full(sol: Any) -> list[Any]:
        row = list(sol)
        row += [None if row[i] is None else f(row[i]) for f, i in fills]
        row += [None if row[i] is None else ox.Literal(row[i].value + " ") for i in suffix]
        return row

    rows: Iterator[list[Any]] = (full(sol) for sol in sols)
    if outer.order:
        listed = list(rows)
        try:
            columns = [(_key([_value(expr, row, at) for row in listed]), desc) for expr, desc in outer.order]
        except Unorderable:
            return None
        if not any(desc for _, desc in columns):  # one sort on the keys together
            keyed = sorted(zip(zip(*(keys for keys, _ in columns)), range(len(listed))))
            listed = [listed[i] for _, i in keyed]
        else:  # stable sorts of the row numbers, the last key first: the same order
            order = list(range(len(listed)))
            for keys, desc in reversed(columns):
                order.sort(key=keys.__getitem__, reverse=desc)
            listed = [listed[i] for i in order]
        rows = iter(listed)
    out = ([None if i is None else row[i] for i in picks] for row in rows)
    if outer.distinct:
        out = _distinct(out)
    stop = None if outer.limit is None else outer.offset + outer.limit
    return Solutions(outer.projected, islice(out, outer.offset, stop))


def _distinct(rows: Iterator[list[Any]]) -> Iterator[list[Any]]:
    seen: set[tuple[Any, ...]] = set()
    for row in rows:
        key = tuple(row)
        if key not in seen:
            seen.add(key)
            yield row


def _value(expr: Expr, row: list[Any], at: dict[str, int]) -> Any:
    """``expr`` evaluated on ``row``: a term, a ``str`` for a simple literal that an expression
    made, or None for unbound or an error (as ORDER BY treats both)."""
    kind, arg = expr
    if kind == "var":
        return row[at[arg]] if arg in at else None
    if kind == "const":
        return arg
    if kind == "str":
        term = _value(arg, row, at)
        return term if term is None or isinstance(term, str) else None if isinstance(term, ox.BlankNode) else term.value
    for e in arg:  # coalesce
        term = _value(e, row, at)
        if term is not None:
            return term
    return None


def _key(values: list[Any]) -> list[tuple[int, Any]]:
    """Sort keys for one column of values in SPARQL's order; raises Unorderable if not exact here."""
    kinds: set[str] = set()
    known: dict[Any, tuple[int, Any]] = {}
    keys = []
    for t in values:
        if t is None:
            keys.append((0, ""))
        elif isinstance(t, str):
            kinds.add("string")
            keys.append((2, t))
        elif t in known:
            keys.append(known[t])
        else:
            key, kind = _term_key(t)
            if kind:  # IRIs come before every literal: no kind to keep apart
                kinds.add(kind)
            keys.append(known.setdefault(t, key))
        if len(kinds) > 1:
            raise Unorderable(", ".join(sorted(kinds)))
    return keys


def _term_key(t: Any) -> tuple[tuple[int, Any], str]:
    """One term's key and the kind of value it is compared as."""
    if isinstance(t, ox.NamedNode):
        return (1, t.value), ""
    if isinstance(t, ox.Literal) and not t.language:
        dtype = t.datatype.value
        if dtype in _STRING:
            return (2, t.value), "string"
        if dtype in _NUMBERS:
            return (2, _number(t.value, dtype)), "number"
        if dtype in _DATES and _DATES[dtype].fullmatch(t.value):
            return (2, t.value), dtype
        raise Unorderable(dtype)
    raise Unorderable(type(t).__name__)  # a blank node or a language-tagged string


def _number(text: str, dtype: str) -> int | Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise Unorderable(text) from None
    if not value.is_finite():
        raise Unorderable(text)  # INF and NaN: not worth their own order
    return int(value) if dtype not in (_XSD + "decimal", _XSD + "double", _XSD + "float") else value
