"""Named SPARQL queries: read ``queries/*.rq``, bind parameters as RDF terms, run on either engine.

Each ``.rq`` file runs as it is in any SPARQL 1.1 engine: its parameters' defaults sit in one
``VALUES`` block (repeated where a branch needs the value itself). Binding a parameter replaces
only those blocks' rows, and each row is written from RDF term objects (an IRI checked for
forbidden characters, a literal escaped as in N-Triples), so user input can never become query
syntax; the tests try to break out of it.

Results come back as :class:`QueryResult` with rdflib terms in every cell whichever engine ran
the query, so the writers, the goldens and the two-engine comparison see one representation.
"""

from __future__ import annotations

import multiprocessing
import re
import time
import weakref
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from coopgraph import collector
from coopgraph.errors import QueryError, QueryTimeout, ResultTooLarge, UsageError
from coopgraph.query.labels import languages as label_languages
from coopgraph.query.labels import label_functions, with_labels
from coopgraph.query.outer import Solutions
from coopgraph.query.outer import read as read_outer
from coopgraph.query.outer import run as finish_outer
from coopgraph.query.notebook import python_value
from coopgraph.namespaces import PREFIXES, XSD
from coopgraph.query.offline import checked
from coopgraph.resources import resource_dir

ENGINES = ("rdflib", "oxigraph")
PARAM_TYPES = ("iri", "string", "date", "integer", "boolean")

# -- query files ------------------------------------------------------------------------------

_PARAM_LINE = re.compile(
    r"^#\s+\?(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s+(?P<type>[a-z]+)\s+default\s+"
    r"(?P<default>UNDEF|<[^>\s]*>|\"[^\"]*\"|\S+)\s*(?P<description>.*)$"
)
_SECTION = re.compile(r"^#\s*(?P<key>Question|Parameters|Columns|Notes|Reasoning)\s*:\s*(?P<rest>.*)$", re.I)
_VALUES_HEAD = re.compile(r"\bVALUES\s*\(\s*((?:\?[A-Za-z_][A-Za-z0-9_]*\s*)+)\)\s*\{", re.I)
_FORM = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.I)
_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_LANG_TAG = re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*")
_DATE = re.compile(r"-?\d{4}(-\d{2}(-\d{2})?)?")


@dataclass(frozen=True)
class Parameter:
    """One parameter as declared in a query's header: name, type, default and what it means."""

    name: str
    type: str
    default: str  # as written in the file: UNDEF, <iri>, "text", a number, true/false
    description: str = ""


@dataclass(frozen=True)
class NamedQuery:
    """A query file with its documented header, ready to be bound and run."""

    name: str
    path: Path | None
    text: str
    question: str
    parameters: tuple[Parameter, ...] = ()
    columns: tuple[str, ...] = ()
    notes: str = ""
    reasoning: str = ""

    @property
    def form(self) -> str:
        """SELECT, ASK, CONSTRUCT or DESCRIBE: the first query keyword outside comments."""
        m = _FORM.search(_strip_comments(self.text))
        return m.group(1).upper() if m else "SELECT"

    def parameter(self, name: str) -> Parameter:
        """The declared parameter ``name``; an unknown name lists the valid ones."""
        for p in self.parameters:
            if p.name == name:
                return p
        valid = ", ".join(p.name for p in self.parameters) or "(none)"
        raise UsageError(f"query {self.name!r} has no parameter {name!r}; valid parameters: {valid}")

    def bind(self, values: Mapping[str, Node | None]) -> str:
        """The query text with the parameter VALUES rows replaced by ``values`` (None = UNDEF).

        Parameters not in ``values`` keep their defaults. A query may repeat its parameter block
        (each copy declaring exactly the parameters) where a branch must start from the value
        itself, as inside a sub-select, which cannot see an outer binding: every copy is bound.
        Terms are written by :func:`sparql_term`, which escapes literals and rejects IRIs that
        could close the ``<...>``: no input reaches the query as anything but one RDF term.
        """
        for name in values:
            self.parameter(name)
        if not values:
            return self.text
        text = self.text
        # from the last block to the first, so that the earlier offsets stay valid
        for start, end, names in reversed(_values_blocks(text, [p.name for p in self.parameters])):
            row_terms = []
            defaults = _default_row(text[start:end], names)
            for name, default in zip(names, defaults, strict=True):
                if name in values:
                    term = values[name]
                    row_terms.append("UNDEF" if term is None else sparql_term(term))
                else:
                    row_terms.append(default)
            text = text[:start] + " ( " + " ".join(row_terms) + " ) " + text[end:]
        return text


def _strip_comments(text: str) -> str:
    """Drop ``#`` comments outside IRIs and strings (enough to find the query form)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c == "#":
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if c in "\"'<":
            j = _skip_token(text, i)
            out.append(text[i:j])
            i = j
            continue
        out.append(c)
        i += 1
    return "".join(out)


def _skip_token(text: str, i: int) -> int:
    """Index just past the string literal or IRI starting at ``text[i]`` (best effort)."""
    c = text[i]
    if c == "<":
        j = i + 1
        while j < len(text) and text[j] not in ">\n {}":
            j += 1
        return j + 1 if j < len(text) and text[j] == ">" else i + 1
    quote = text[i : i + 3] if text[i : i + 3] in ('"""', "'''") else c
    j = i + len(quote)
    while j < len(text):
        if text[j] == "\\":
            j += 2
            continue
        if text.startswith(quote, j):
            return j + len(quote)
        j += 1
    return len(text)


def _values_blocks(text: str, params: Sequence[str]) -> list[tuple[int, int, list[str]]]:
    """(start, end, variables) of the body of every VALUES block declaring exactly the parameters."""
    clean = _strip_comments_keep_offsets(text)
    blocks = []
    for m in _VALUES_HEAD.finditer(clean):
        names = [v.lstrip("?") for v in m.group(1).split()]
        if sorted(names) != sorted(params):
            continue
        start = m.end()
        i = start
        while i < len(text):
            c = clean[i]
            if c in "\"'<":
                i = _skip_token(text, i)
                continue
            if c == "}":
                blocks.append((start, i, names))
                break
            i += 1
    if not blocks:
        raise QueryError("the query has no VALUES block declaring its parameters " + " ".join(f"?{p}" for p in params))
    return blocks


def without_unbound_values(text: str, params: Sequence[str]) -> str:
    """``text`` without its parameter VALUES blocks whose one row is all UNDEF.

    Such a block is the identity of join (one solution binding nothing), so dropping it
    changes no answer on a conforming engine; Virtuoso 7.2 loses the bindings of a group with a
    BIND that is joined with it (agency-hierarchy gives no rows), so remote queries are sent
    without it.

    A parameter so left unset that the query then only copies (``BIND(?person AS ?personA)``)
    or tests (``BOUND(?person)``) is unbound everywhere, and the copy binds nothing: it is
    dropped too, because Virtuoso 7.2 joins the unbound copy as SQL NULL, with nothing
    (people-met gives no rows). A parameter that any other part of the query mentions, a
    triple pattern above all, keeps its BINDs.
    """
    if not params:
        return text
    clean = _strip_comments_keep_offsets(text)
    heads = {m.end(): m.start() for m in _VALUES_HEAD.finditer(clean)}
    unset: set[str] = set()
    for start, end, names in reversed(_values_blocks(text, params)):
        if all(term == "UNDEF" for term in _default_row(text[start:end], names)):
            text = text[:heads[start]] + " " + text[end + 1:]
            unset.update(names)
    for name in sorted(unset):
        text = _without_copies_of_unbound(text, name)
    return text


def _without_copies_of_unbound(text: str, name: str) -> str:
    """``text`` without its ``BIND(?name AS ?x)``, when ``?name`` occurs only in those and ``BOUND``."""
    clean = _strip_comments_keep_offsets(text)
    var = rf"[?$]{re.escape(name)}(?![A-Za-z0-9_])"
    mentions = re.compile(rf"(?<![A-Za-z0-9_]){var}")
    copies = list(re.finditer(rf"\bBIND\s*\(\s*{var}\s+AS\s+[?$][A-Za-z_][A-Za-z0-9_]*\s*\)", clean, re.I))
    tests = list(re.finditer(rf"\bBOUND\s*\(\s*{var}\s*\)", clean, re.I))
    if not copies or len(mentions.findall(clean)) != len(copies) + len(tests):
        return text
    for m in reversed(copies):
        text = text[:m.start()] + " " * (m.end() - m.start()) + text[m.end():]
    return text


def _strip_comments_keep_offsets(text: str) -> str:
    """Blank out comments with spaces so offsets stay those of ``text``."""
    out = list(text)
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "#":
            j = text.find("\n", i)
            j = n if j < 0 else j
            out[i:j] = " " * (j - i)
            i = j
        elif c in "\"'<":
            i = _skip_token(text, i)
        else:
            i += 1
    return "".join(out)


def _default_row(body: str, names: Sequence[str]) -> list[str]:
    """Split the single default row ``( a b c )`` of a VALUES block into its term texts."""
    inner = body.strip()
    if not (inner.startswith("(") and inner.endswith(")")):
        raise QueryError("the parameter VALUES block must hold exactly one row in parentheses")
    inner = inner[1:-1]
    terms, i = [], 0
    while i < len(inner):
        if inner[i].isspace():
            i += 1
            continue
        if inner[i] in "\"'<":
            j = _skip_token(inner, i)
            while j < len(inner) and not inner[j].isspace():  # @lang or ^^<datatype>
                j = _skip_token(inner, j) if inner[j] in "<\"'" else j + 1
        else:
            j = i
            while j < len(inner) and not inner[j].isspace():
                j += 1
        terms.append(inner[i:j])
        i = j
    if len(terms) != len(names):
        raise QueryError(f"the parameter VALUES row has {len(terms)} terms for {len(names)} variables")
    return terms


def parse_header(text: str) -> tuple[str, tuple[Parameter, ...], tuple[str, ...], str, str]:
    """Read question, parameters, columns, notes and reasoning from the opening comment block."""
    question: list[str] = []
    columns: list[str] = []
    notes: list[str] = []
    reasoning: list[str] = []
    params: list[Parameter] = []
    section = None
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line.startswith("#"):
            if line.strip():
                break
            continue
        m = _SECTION.match(line)
        if m:
            section = m.group("key").lower()
            rest = m.group("rest").strip()
            if rest:
                {"question": question, "columns": columns, "notes": notes, "reasoning": reasoning,
                 "parameters": []}[section].append(rest)
            continue
        body = line[1:].strip()
        if section == "parameters":
            pm = _PARAM_LINE.match(line)
            if pm:
                ptype = pm.group("type")
                if ptype not in PARAM_TYPES:
                    raise QueryError(f"parameter ?{pm.group('name')}: unknown type {ptype!r}")
                params.append(Parameter(pm.group("name"), ptype, pm.group("default"), pm.group("description")))
            elif body and params:
                last = params[-1]
                params[-1] = Parameter(last.name, last.type, last.default, f"{last.description} {body}".strip())
        elif section == "question" and body:
            question.append(body)
        elif section == "columns" and body:
            columns.append(body)
        elif section == "notes" and body:
            notes.append(body)
        elif section == "reasoning" and body:
            reasoning.append(body)
    cols = tuple(c.strip().lstrip("?") for c in re.split(r"[,\s]+", " ".join(columns)) if c.strip())
    return " ".join(question), tuple(params), cols, " ".join(notes), " ".join(reasoning)


def load_query(path: Path) -> NamedQuery:
    """Read one ``.rq`` file; its name is the file name without the suffix."""
    text = path.read_text(encoding="utf-8")
    question, params, columns, notes, reasoning = parse_header(text)
    return NamedQuery(path.stem, path, text, question, params, columns, notes, reasoning)


def query_dir() -> Path:
    """The folder of named queries (the repo's ``queries/``, or the installed copy)."""
    return resource_dir("queries")


class QueryLibrary:
    """The named queries of one folder, each file read once, when first asked for.

    Running one query by name reads one file: reading all 28 cost 2 ms a run, a sixth of a
    one-entity query's time at 1M triples.
    """

    def __init__(self, directory: str | Path | None = None) -> None:
        self.directory = Path(directory) if directory is not None else query_dir()
        files = sorted(self.directory.glob("*.rq")) if self.directory.is_dir() else []
        self._files = {p.stem: p for p in files}
        self._queries: dict[str, NamedQuery] = {}

    def names(self) -> list[str]:
        """Query names, sorted."""
        return sorted(self._files)

    def __iter__(self) -> Iterator[NamedQuery]:
        return iter(self.get(n) for n in self.names())

    def __len__(self) -> int:
        return len(self._files)

    def get(self, name: str) -> NamedQuery:
        """The query ``name``; an unknown name lists every valid one."""
        found = self._queries.get(name)
        if found is None:
            path = self._files.get(name)
            if path is None:
                valid = ", ".join(self.names()) or "(none)"
                raise UsageError(f"unknown query {name!r}; valid queries: {valid}")
            found = self._queries[name] = load_query(path)
        return found


# -- terms ------------------------------------------------------------------------------------

_ESC = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def _escape(text: str) -> str:
    return "".join(_ESC.get(c) or (f"\\u{ord(c):04X}" if ord(c) < 0x20 or ord(c) == 0x7F else c) for c in text)


def sparql_term(term: Node) -> str:
    """One RDF term in SPARQL syntax; the only way a bound value enters query text.

    Literals are escaped like N-Triples (quotes, backslashes, control characters), language
    tags and datatypes are checked, and an IRI with a character that could end the ``<...>``
    is refused, so the result is always exactly one term.
    """
    if isinstance(term, URIRef):
        if _IRI_FORBIDDEN.search(str(term)):
            raise UsageError(f"not a valid IRI: {str(term)!r}")
        return f"<{term}>"
    if isinstance(term, Literal):
        text = f'"{_escape(str(term))}"'
        if term.language:
            if not _LANG_TAG.fullmatch(term.language):
                raise UsageError(f"not a valid language tag: {term.language!r}")
            return f"{text}@{term.language}"
        if term.datatype and term.datatype != XSD.string:
            return text + "^^" + sparql_term(URIRef(term.datatype))
        return text
    raise UsageError(f"cannot bind {term!r}: only IRIs and literals can be parameters")


def to_term(param: Parameter, value: Any, resolve: Any = None) -> Node | None:
    """Turn a Python or command-line value into the RDF term the parameter's type calls for.

    ``iri`` values may be IRIs, CURIEs or names; ``resolve`` (CoopGraph.resolve) finds the
    entity the way ``describe`` does. ``None`` or an empty string unbinds the parameter (UNDEF).
    """
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    if isinstance(value, (URIRef, Literal)) and not (param.type == "iri" and isinstance(value, Literal)):
        return value
    kind = param.type
    if kind == "iri":
        text = str(value)
        if resolve is not None:
            return URIRef(resolve(text))
        from coopgraph.namespaces import short_iri

        iri = short_iri(text)
        if iri is not None:
            return iri
        raise UsageError(f"?{param.name}: {text!r} is not an IRI, a CURIE (id:org/sac) or kind/slug (org/sac); "
                         "a name needs the build it is in (--build DIR)")
    if kind == "string":
        return Literal(str(value))
    if kind == "date":
        text = value.isoformat() if isinstance(value, (date, datetime)) else str(value).strip()
        if isinstance(value, datetime):
            text = value.date().isoformat()
        if not _DATE.fullmatch(text):
            raise UsageError(f"?{param.name}: {text!r} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)")
        dtype = {1: XSD.gYear, 2: XSD.gYearMonth, 3: XSD.date}[text.lstrip("-").count("-") + 1]
        return Literal(text, datatype=dtype)
    if kind == "integer":
        try:
            return Literal(int(str(value)), datatype=XSD.integer)
        except ValueError:
            raise UsageError(f"?{param.name}: {value!r} is not an integer") from None
    if kind == "boolean":
        text = str(value).lower()
        if text not in ("true", "false", "1", "0", "yes", "no"):
            raise UsageError(f"?{param.name}: {value!r} is not a boolean (true/false)")
        return Literal(text in ("true", "1", "yes"), datatype=XSD.boolean)
    raise UsageError(f"?{param.name}: unknown parameter type {kind!r}")


def canonical(graph: Any, iri: URIRef) -> URIRef:
    """The alphabetically first IRI of ``iri``'s owl:sameAs cluster.

    Whole-graph queries keep one row per cluster under that IRI (Bò Thuần and Pu Chun are one
    person), so a parameter naming another member of the cluster is mapped to it first.
    """
    first = getattr(graph, "canonical", None)  # CoopGraph.canonical, in memory or on a store
    return first(iri) if callable(first) else iri


def from_oxigraph(term: Any) -> Node | None:
    """A pyoxigraph term as the equivalent rdflib term (None stays None)."""
    import pyoxigraph as ox

    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        dtype = term.datatype.value
        return Literal(term.value, datatype=None if dtype == str(XSD.string) else URIRef(dtype))
    raise QueryError(f"unsupported term in results: {term!r}")


def to_oxigraph(term: Node) -> Any:
    """An rdflib term as the equivalent pyoxigraph term (the conversion coopgraph's engines use)."""
    from coopgraph.rules.engine import to_ox

    try:
        return to_ox(term)
    except TypeError:
        raise QueryError(f"unsupported term: {term!r}") from None


# -- results ----------------------------------------------------------------------------------


class Row(tuple):
    """One solution: a tuple of rdflib terms (None when unbound) that also reads by name."""

    _vars: tuple[str, ...] = ()

    def __new__(cls, values: Sequence[Node | None], variables: Sequence[str]) -> Row:
        row = super().__new__(cls, values)
        row._vars = tuple(variables)
        return row

    def __getnewargs__(self) -> tuple[tuple[Node | None, ...], tuple[str, ...]]:
        return (tuple(self), self._vars)

    def __getattr__(self, name: str) -> Node | None:
        try:
            return self[self._vars.index(name)]
        except ValueError:
            raise AttributeError(name) from None

    def __getitem__(self, key: Any) -> Any:  # type: ignore[override]
        if isinstance(key, str):
            return tuple.__getitem__(self, self._vars.index(key))
        return tuple.__getitem__(self, key)

    def asdict(self) -> dict[str, Node | None]:
        """Variable -> term."""
        return dict(zip(self._vars, self, strict=True))

    def values(self) -> dict[str, Any]:
        """Variable -> plain Python value: str for IRIs and text, int, date, bool, ... ."""
        return {v: python_value(t) for v, t in zip(self._vars, self, strict=True)}


@dataclass
class QueryResult:
    """What a query returned: rows (SELECT), a boolean (ASK) or a graph (CONSTRUCT/DESCRIBE)."""

    kind: str
    vars: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    boolean: bool | None = None
    graph: Graph | None = None
    #: The text the engine ran; on the embedded Oxigraph engine its labels are calls of the label
    #: functions (:func:`coopgraph.query.labels.label_functions`), which only it knows;
    #: :func:`bound_query` gives the standard text for any other store.
    query: str = ""
    engine: str = "rdflib"
    seconds: float = 0.0
    #: A streamed result's rows, not yet read: computed by the engine as they are pulled
    #: (:meth:`stream`), so a writer prints the first rows before the last are computed and no
    #: list of them is ever held. None: every row is in :attr:`rows`.
    pending: Iterator[Row] | None = field(default=None, repr=False, compare=False)
    #: How many rows :meth:`stream` has given so far (all of :attr:`rows` for a result in memory).
    streamed: int = 0

    def stream(self) -> Iterator[Row]:
        """The rows, each once, as the engine computes them (a result in memory: its list).

        A streamed result can be read only once: the rows are not kept. ``seconds`` is updated
        when the last row has been read, so it counts the whole computation.
        """
        if self.pending is None:
            self.streamed = len(self.rows)
            yield from self.rows
            return
        pending, self.pending = self.pending, None
        for row in pending:
            self.streamed += 1
            yield row

    def _read(self) -> list[Row]:
        """All rows as a list: a streamed result not yet read is read now (and kept)."""
        if self.pending is not None:
            self.rows = list(self.stream())
        return self.rows

    def __iter__(self) -> Iterator[Row]:
        if self.graph is not None:
            return iter(self.graph)  # type: ignore[return-value] - a graph's triples, as rdflib's results iterate
        return iter(self._read())

    def __getitem__(self, key: int | slice | str) -> Any:
        """``result[0]`` is the first row (a :class:`Row`, itself indexable by position and name),
        ``result[1:3]`` a list of rows, ``result["date"]`` one column's terms."""
        if isinstance(key, str):
            return self.column(key)
        return self.rows[key]

    @property
    def askAnswer(self) -> bool | None:  # noqa: N802 - rdflib's name, so code written for rdflib's Result runs
        """The ASK answer (None for other forms)."""
        return self.boolean if self.kind == "ASK" else None

    @property
    def type(self) -> str:
        """The query form, under rdflib's name for it."""
        return self.kind

    def __len__(self) -> int:
        self._read()
        if self.kind == "ASK":
            return 1
        if self.graph is not None:
            return len(self.graph)
        return len(self.rows)

    def __bool__(self) -> bool:
        return bool(self.boolean) if self.kind == "ASK" else len(self) > 0

    def records(self) -> list[dict[str, Any]]:
        """Rows as dicts of Python values, one type per column (see :mod:`coopgraph.query.notebook`:
        a date column that mixes days and years holds dates plus a ``<column>_precision``)."""
        from coopgraph.query.notebook import records

        return records(self.vars, self._read())

    def column(self, name: str) -> list[Node | None]:
        """All values of one variable."""
        i = self.vars.index(name)
        return [r[i] for r in self._read()]

    def sorted_rows(self) -> list[tuple[str, ...]]:
        """Rows as N-Triples-like strings, sorted: the engine-independent form used by goldens."""
        return sorted(tuple("" if t is None else sparql_term_any(t) for t in r) for r in self._read())

    def to_dataframe(self) -> Any:
        """A pandas DataFrame (pandas is the optional ``pandas`` extra): typed columns for SELECT,
        one ``_askResult`` row for ASK, subject/predicate/object for CONSTRUCT and DESCRIBE."""
        from coopgraph.query.notebook import dataframe

        return dataframe(self)

    def _repr_html_(self) -> str:
        """Jupyter's view: an HTML table of the first rows."""
        from coopgraph.query.notebook import result_html

        return result_html(self)


def sparql_term_any(term: Node) -> str:
    """Like :func:`sparql_term` but also writes blank nodes (for display and sorting only)."""
    if isinstance(term, BNode):
        return f"_:{term}"
    return sparql_term(term)


# -- running ----------------------------------------------------------------------------------

# Weak keys: a long-running server swaps CoopGraph objects on reload, and an old graph's store
# must go with it rather than stay cached for the life of the process.
_oxigraph_stores: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


def oxigraph_store(graph: Any, cache: bool = True) -> Any:
    """The CoopGraph's dataset copied into a pyoxigraph Store, once per CoopGraph object.

    ``cache=False`` makes a store that is not kept: the server dumps one for its query workers
    and has no use for it afterwards.
    """
    import pyoxigraph as ox

    built = getattr(graph, "oxigraph", None)
    if isinstance(built, ox.Store):  # an on-disk store (CoopGraph.from_store)
        return built
    cached = _oxigraph_stores.get(graph)
    if cached is not None:
        return cached
    from coopgraph.build import defaultgraph

    store = ox.Store()
    quads = []
    for s, p, o, g in graph.dataset.quads((None, None, None, None)):
        name = g.identifier if hasattr(g, "identifier") else g
        gname = ox.DefaultGraph() if name is None or str(name) == "urn:x-rdflib:default" else to_oxigraph(name)
        quads.append(ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), gname))
    store.extend(quads)
    # The default graph is the RDF merge of all graphs, each triple once (docs/model.md), as in
    # rdflib's union default graph; Oxigraph's own union repeats a triple once per graph stating it.
    store.extend(list(defaultgraph.copies(quads)))
    if cache:
        _oxigraph_stores[graph] = store
    return store


def has_merged_default(store: Any) -> bool:
    """Whether ``store``'s default graph holds the merge of its graphs (:mod:`coopgraph.build.defaultgraph`).

    Every store coopgraph makes does, in memory or on disk; one written before (an on-disk
    store of format 1, whose default graph is empty) is queried with Oxigraph's union instead.
    """
    from coopgraph.build import defaultgraph

    return defaultgraph.has_merge(store)


def syntax_check(text: str, engine: str = "rdflib") -> None:
    """Raise :class:`QueryError` naming line and column of the first syntax error.

    Both parsers read the query: Oxigraph's reports where parsing finally failed (sometimes the
    end of the text), rdflib's where the failing construct began. When both object, the earlier
    position is the one a reader should look at. Oxigraph's parser is the stricter (it also
    checks prefixes), so its objection stands for rdflib too; a query only rdflib's parser
    rejects is still run on Oxigraph.
    """
    errors: dict[str, tuple[int, int, str]] = {}
    import pyoxigraph as ox

    try:
        ox.Store().query(text, prefixes=PREFIXES)
    except SyntaxError as e:
        m = re.match(r"error at (\d+):(\d+): (.*)", str(e), re.S)
        errors["oxigraph"] = (int(m.group(1)), int(m.group(2)), m.group(3)) if m else (0, 0, str(e))
    if engine == "oxigraph" and not errors:
        return  # Oxigraph accepts it and runs it; rdflib's parser (80 ms to import) has nothing to add
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        parseQuery(_with_prefixes(text))
    except Exception as e:  # pyparsing.ParseException
        line, col = getattr(e, "lineno", None), getattr(e, "col", None)
        message = str(getattr(e, "msg", e))
        errors["rdflib"] = (max(line - 1, 1), col, message) if line is not None else (0, 0, message)
    if not errors or (engine == "oxigraph" and "oxigraph" not in errors):
        return
    located = [err for err in errors.values() if err[0] > 0]
    line, col, message = min(located) if located else errors[engine]
    message = " ".join(message.split())
    if "Prefix not found" in message:
        message = "undeclared prefix (declare it with PREFIX)"
    if len(message) > 200:
        message = message[:199] + "…"
    where = f" at line {line}, column {col}" if line else ""
    raise QueryError(f"syntax error{where}: {message}")


def row_count(name: str, value: int | str | None) -> int | None:
    """A row count (``limit``, ``offset``) given as a number or as text (a CLI option, a URL
    parameter), checked once for every entry point; None or empty text stays None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    number = -1
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    if number < 0:
        raise UsageError(f"{name} must be a whole number of rows, 0 or more; got {value!r}")
    return number


def paged(text: str, limit: int | str | None = None, offset: int | str | None = None) -> str:
    """``text`` answering only ``limit`` solutions after the first ``offset``, in SPARQL itself.

    The page is the outer query's ``LIMIT``/``OFFSET``, so the engine pages: it stops computing
    once the page is full, and skipped rows are never turned into Python terms. A query that has
    its own ``LIMIT``/``OFFSET`` keeps its window and the page is taken inside it (offset 10 of
    ``LIMIT 100`` is rows 10 to 99 of those 100). A page is stable only if the query has an
    ``ORDER BY``, as every named query does. ASK has no rows to page: asking is a usage error.
    Applied after the label service (:func:`coopgraph.query.labels.with_labels`), which moves the
    solution modifiers to the query it writes around the question.
    """
    limit, offset = row_count("limit", limit), row_count("offset", offset)
    if limit is None and offset is None:
        return text
    from coopgraph.query.offline import tokens

    toks = [t for t in tokens(text) if t[0] != "comment"]
    form = next((i for i, (k, v, _) in enumerate(toks)
                 if k == "word" and v.upper() in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")), None)
    if form is None:
        raise QueryError("not a SPARQL query: no SELECT, ASK, CONSTRUCT or DESCRIBE")
    if toks[form][1].upper() == "ASK":
        raise UsageError("limit and offset page the rows of SELECT, CONSTRUCT and DESCRIBE queries; ASK has none")
    depth, values_at = 0, len(text)
    own: dict[str, tuple[int, int, int]] = {}  # LIMIT/OFFSET -> (start, end, value) of the outer query's own
    for j in range(form, len(toks)):
        kind, value, at = toks[j]
        if kind == "punct" and value in "({":
            depth += 1
        elif kind == "punct" and value in ")}":
            depth -= 1
        elif depth == 0 and kind == "word" and value.upper() == "VALUES":
            values_at = at  # the trailing VALUES comes after the solution modifiers
            break
        elif depth == 0 and kind == "word" and value.upper() in ("LIMIT", "OFFSET") and j + 1 < len(toks) \
                and toks[j + 1][0] == "number":
            number = toks[j + 1]
            own[value.upper()] = (at, number[2] + len(number[1]), int(number[1]))
    skip = (own["OFFSET"][2] if "OFFSET" in own else 0) + (offset or 0)
    size = limit
    if "LIMIT" in own:
        left = max(own["LIMIT"][2] - (offset or 0), 0)
        size = left if limit is None else min(left, limit)
    for start, end, _ in sorted(own.values(), reverse=True):
        text = text[:start] + " " * (end - start) + text[end:]
    modifiers = (f" LIMIT {size}" if size is not None else "") + (f" OFFSET {skip}" if skip else "")
    return f"{text[:values_at].rstrip()}\n{modifiers.strip()}\n{text[values_at:]}"


def _with_prefixes(text: str) -> str:
    """Predeclare the project prefixes on one extra first line (rdflib's parser has no option)."""
    return " ".join(f"PREFIX {p}: <{ns}>" for p, ns in PREFIXES.items()) + "\n" + text


def _failing_as_query_errors(items: Any) -> Iterator[Any]:
    """Oxigraph computes solutions as they are pulled, so evaluation errors surface here."""
    try:
        yield from items
    except (OSError, RuntimeError, ValueError, TypeError) as e:
        raise QueryError(f"query failed (oxigraph): {e}") from None


def _bounded(items: Iterator[Any], max_rows: int | None, deadline: float | None) -> Iterator[Any]:
    """Yield from a lazy Oxigraph result, stopping at the row limit or the deadline.

    Oxigraph computes solutions as they are pulled, so checking between rows bounds both the
    memory a huge result takes and the time a query spends producing it (the server's limits).
    """
    for count, item in enumerate(items, 1):
        if max_rows is not None and count > max_rows:
            raise ResultTooLarge(f"the result has more than {max_rows} rows")
        if deadline is not None and time.monotonic() > deadline:
            raise QueryTimeout("the query ran past its time limit")
        yield item


def from_oxigraph_result(out: Any, max_rows: int | None = None, deadline: float | None = None,
                         stream: bool = False) -> QueryResult:
    """Turn what pyoxigraph returns (a local query, or parsed remote results) into a QueryResult.

    Shared by the embedded engine and by remote queries (:mod:`coopgraph.serve.remote`), so a result
    read from an endpoint has exactly the representation of one computed here. With ``stream``
    the rows of a SELECT are converted as they are pulled (:meth:`QueryResult.stream`).
    """
    import pyoxigraph as ox

    if isinstance(out, ox.QueryBoolean):
        return QueryResult("ASK", boolean=bool(out))
    # Results repeat their terms (a country on every row of its pairs, an agency in every link);
    # converting each distinct term once halves the time a large result takes to reach Python.
    cache: dict[Any, Node | None] = {None: None}

    def convert(term: Any) -> Node | None:
        if term in cache:
            return cache[term]
        value = cache[term] = from_oxigraph(term)
        return value

    if isinstance(out, (ox.QuerySolutions, Solutions)):
        names = [v.value for v in out.variables]
        rows = (Row([convert(x) for x in sol], names) for sol in _bounded(_failing_as_query_errors(out), max_rows,
                                                                           deadline))
        if stream:
            return QueryResult("SELECT", vars=names, pending=rows)
        with collector.paused():
            return QueryResult("SELECT", vars=names, rows=list(rows))
    # QueryTriples, or triples parsed from a remote CONSTRUCT/DESCRIBE response. A result is one
    # graph, so it needs no context-aware store: SimpleMemory adds a triple in half the time of
    # rdflib's default store (partner-network at 1M, 36,516 triples: 338 → 184 ms).
    g = Graph(store="SimpleMemory")
    for t in _bounded(iter(out), max_rows, deadline):
        g.add((convert(t.subject), convert(t.predicate), convert(t.object)))
    return QueryResult("CONSTRUCT", graph=g)


def from_rdflib_result(out: Any) -> QueryResult:
    """An rdflib query result as a :class:`QueryResult` (rows, boolean or graph)."""
    if out.type == "ASK":
        return QueryResult("ASK", boolean=bool(out.askAnswer))
    if out.type in ("CONSTRUCT", "DESCRIBE"):
        g = Graph()
        for t in out.graph:
            g.add(t)
        return QueryResult(out.type, graph=g)
    names = [str(v) for v in out.vars]
    rows = [Row([b.get(v) for v in out.vars], names) for b in out.bindings]
    # rdflib answers a grouped query over no solutions with one all-unbound row, where the spec
    # (and Oxigraph) give none; such a row carries nothing, so it is dropped.
    rows = [r for r in rows if any(t is not None for t in r)]
    return QueryResult("SELECT", vars=names, rows=rows)


def oxigraph_query(store: Any, text: str) -> Any:
    """Run ``text`` on a pyoxigraph ``store`` as the API does; the engine's raw answer.

    The default graph is the store's own merge where it holds one (else Oxigraph's union: an
    old store), and the label functions fill the labels of a text made with ``functions=True``.
    """
    merged = has_merged_default(store)
    outer = read_outer(text)
    if outer is not None:  # the label service's outer query, finished in Python (coopgraph.query.outer)
        done = finish_outer(outer, store, merged, lambda sub: store.query(
            sub, prefixes=PREFIXES, use_default_graph_as_union=not merged))
        if done is not None:
            return done
    return store.query(text, prefixes=PREFIXES, use_default_graph_as_union=not merged,
                       custom_functions=label_functions(text, store, merged))


def _execute(
    graph: Any, text: str, engine: str, max_rows: int | None = None, deadline: float | None = None,
    stream: bool = False,
) -> QueryResult:
    start = time.perf_counter()
    if engine == "oxigraph":
        try:
            out = oxigraph_query(oxigraph_store(graph), text)
            result = from_oxigraph_result(out, max_rows, deadline, stream=stream)
        except SyntaxError as e:
            syntax_check(text, engine)  # the located message, from both parsers
            raise QueryError(f"syntax error: {e}") from None
        except (OSError, RuntimeError, ValueError, TypeError) as e:
            raise QueryError(f"query failed (oxigraph): {e}") from None
    elif engine == "rdflib":
        try:
            result = from_rdflib_result(graph.dataset.query(text, initNs=PREFIXES))
        except QueryError:
            raise
        except Exception as e:  # rdflib raises many unrelated types during evaluation
            raise QueryError(f"query failed (rdflib): {' '.join(str(e).split())}") from None
    else:
        raise UsageError(f"unknown engine {engine!r}; valid engines: {', '.join(ENGINES)}")
    result.query = text
    result.engine = engine
    result.seconds = time.perf_counter() - start
    if result.pending is not None:
        result.pending = _timing(result, result.pending, start)
    return result


def _timing(result: QueryResult, rows: Iterator[Row], start: float) -> Iterator[Row]:
    """``rows``, setting ``result.seconds`` to the whole computation once the last is read."""
    yield from rows
    result.seconds = time.perf_counter() - start


def _child(conn: Any, graph: Any, text: str, engine: str) -> None:  # pragma: no cover - runs forked
    try:
        conn.send(("ok", _execute(graph, text, engine)))
    except BaseException as e:  # noqa: BLE001 - everything must reach the parent
        conn.send(("error", e))
    finally:
        conn.close()


def engine_of(graph: Any, engine: str | None = None) -> str:
    """The engine a query on ``graph`` runs on: ``engine``, else the graph's own (Oxigraph for a
    store, else rdflib)."""
    return engine or getattr(graph, "engine", "rdflib")


def execute(
    graph: Any,
    text: str,
    engine: str | None = None,
    timeout: float | None = None,
    max_rows: int | None = None,
    deadline: float | None = None,
    stream: bool = False,
) -> QueryResult:
    """Check syntax, then run ``text`` over ``graph.dataset`` on ``engine``, within ``timeout``.

    ``engine`` None: the graph's own (``CoopGraph.engine``: Oxigraph for a store, else rdflib).

    ``stream``: the rows of a SELECT on Oxigraph are computed as they are read
    (:meth:`QueryResult.stream`), so a writer can print them at once. rdflib computes all rows
    first, and a query run with a timeout comes back whole from its process.

    Neither engine can be interrupted from Python mid-query, so with a timeout the query runs in
    a forked child that is killed when time is up; the built graph is shared by the fork, not
    rebuilt. A threaded caller (the server) must not fork: it passes ``deadline`` (a
    :func:`time.monotonic` value) and ``max_rows`` instead, which the oxigraph engine checks
    between result rows, raising :class:`QueryTimeout` / :class:`ResultTooLarge`.
    """
    engine = engine_of(graph, engine)
    if engine not in ENGINES:
        raise UsageError(f"unknown engine {engine!r}; valid engines: {', '.join(ENGINES)}")
    text = checked(text, engine)  # before any run on Oxigraph, which would fetch a SERVICE
    if engine == "oxigraph":
        # Oxigraph's own parse is the check (a query that fails it is explained by syntax_check):
        # parsing and planning are most of a one-entity query's time (person-posts at 1M: 7.3 of
        # 7.4 ms), which a check on an empty store spent twice
        oxigraph_store(graph)  # build before forking, so the child does not redo it
    else:
        syntax_check(text, engine)
    if not timeout:
        return _execute(graph, text, engine, max_rows, deadline, stream)
    if timeout < 0:
        raise UsageError("--timeout must be positive")
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, graph, text, engine), daemon=True)
    proc.start()
    child.close()
    try:
        if not parent.poll(timeout):
            raise QueryError(f"query stopped after the {timeout:g}s timeout (--timeout); "
                             "narrow it with parameters or raise the limit")
        status, payload = parent.recv()
    except EOFError:
        raise QueryError("query process ended without a result") from None
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join(1)
        parent.close()
    if status == "error":
        raise payload
    return payload


def select_query(
    name: str | None = None,
    *,
    sparql: str | None = None,
    file: str | Path | None = None,
    library: QueryLibrary | None = None,
) -> NamedQuery:
    """The query meant by exactly one of a library name, SPARQL text or a file."""
    if sum(x is not None for x in (name, sparql, file)) != 1:
        raise UsageError("give exactly one of a query name, --sparql text or --file")
    if name is not None:
        return (library or QueryLibrary()).get(name)
    if file is not None:
        from coopgraph.cli.stdio import is_stdio, stdin_bytes

        if is_stdio(file):  # `--file -`: the query on standard input
            try:
                text = stdin_bytes().decode("utf-8")
            except UnicodeDecodeError as e:
                raise UsageError(f"<stdin>: the query is not valid UTF-8 (byte {e.start})") from None
            question, declared, columns, notes, reasoning = parse_header(text)
            return NamedQuery("stdin", None, text, question, declared, columns, notes, reasoning)
        path = Path(file)
        try:
            return load_query(path)
        except OSError as e:
            raise UsageError(f"cannot read {path}: {e.strerror or e}") from None
    assert sparql is not None
    question, declared, columns, notes, reasoning = parse_header(sparql)
    return NamedQuery("sparql", None, sparql, question, declared, columns, notes, reasoning)


def run(
    graph: Any,
    name: str | None = None,
    /,
    *,
    sparql: str | None = None,
    file: str | Path | None = None,
    params: Mapping[str, Any] | None = None,
    engine: str | None = None,
    timeout: float | None = None,
    library: QueryLibrary | None = None,
    max_rows: int | None = None,
    deadline: float | None = None,
    languages: str | Sequence[str] | None = None,
    limit: int | str | None = None,
    offset: int | str | None = None,
    stream: bool = False,
    **kwparams: Any,
) -> QueryResult:
    """Run a named query (or ad-hoc ``sparql`` text, or a ``file``) with parameters bound.

    Parameters may be given as ``params`` or keywords (``agency="SAC"``). ``iri`` parameters
    accept names and abbreviations, resolved by ``graph.resolve``. A query given as text or
    file can be bound too, if its header declares parameters.

    ``languages`` (``"vi,en"``) are the label languages of the label service
    (:mod:`coopgraph.query.labels`), which fills every projected ``?xLabel``; default English. A
    ``lang`` value is taken for them too, and binds ``?lang`` where the query declares it.

    ``limit`` and ``offset`` return one page of the rows (:func:`paged`): the engine computes
    only that page. ``stream``: see :func:`execute`.
    """
    text = bound_query(graph, name, sparql=sparql, file=file, params={**(params or {}), **kwparams},
                       library=library, languages=languages, limit=limit, offset=offset,
                       functions=engine_of(graph, engine) == "oxigraph")
    return execute(graph, text, engine=engine, timeout=timeout, max_rows=max_rows, deadline=deadline,
                   stream=stream)


def bound_query(
    graph: Any,
    name: str | None = None,
    /,
    *,
    sparql: str | None = None,
    file: str | Path | None = None,
    params: Mapping[str, Any] | None = None,
    library: QueryLibrary | None = None,
    languages: str | Sequence[str] | None = None,
    limit: int | str | None = None,
    offset: int | str | None = None,
    functions: bool = False,
) -> str:
    """The text :func:`run` executes: parameters bound, names resolved on ``graph``, labels filled,
    and the page of ``limit`` rows after ``offset`` cut in the query (:func:`paged`).

    ``functions``: labels are filled by the embedded engine's label functions
    (:func:`coopgraph.query.labels.label_functions`), which only it runs; without, the text is
    standard SPARQL that any store answers.

    Separate so that the server can bind where the graph is and run the text where a query can
    be stopped (:mod:`coopgraph.serve.workers`).
    """
    values = dict(params or {})
    query = select_query(name, sparql=sparql, file=file, library=library)
    if "lang" in values and not any(p.name == "lang" for p in query.parameters):
        requested = values.pop("lang")
        languages = languages if languages is not None else requested
    elif values.get("lang") and isinstance(values["lang"], str):
        languages = languages if languages is not None else values["lang"]
        values["lang"] = values["lang"].split(",")[0].strip()  # ?lang takes the first of "vi,en"
    langs = label_languages(languages)
    for key in values:
        query.parameter(key)
    resolve = getattr(graph, "resolve", None)
    bound: dict[str, Node | None] = {}
    for key, value in values.items():
        param = query.parameter(key)
        term = to_term(param, value, resolve)
        bound[key] = canonical(graph, term) if isinstance(term, URIRef) else term
    return paged(with_labels(query.bind(bound), langs, functions=functions), limit, offset)
