"""coopgraph never reaches the network by itself: no federated query, no remote document.

Two engines could fetch on a query's behalf. Oxigraph evaluates ``SERVICE <url>`` by making the
HTTP request, and has no option to turn that off; rdflib does the same, and also loads the IRI
of every ``FROM``/``FROM NAMED`` clause from the web (or from a local file). A query that can
do either is refused by :func:`checked` before any engine sees it (the embedded API, the
CLI and the endpoint all call it), with :class:`NetworkRefused`, which the endpoint answers
with 403.

The decision rests on the parsed query, not on text matching alone:

- The words an engine would need (``SERVICE``; ``FROM`` on rdflib) cannot be spelled without
  their letters, so a query whose text, with SPARQL's ``\\u``/``\\U`` escapes undone, does not
  contain them is safe, and is not parsed again (the common case, and free).
- Comments are blanked (replaced by spaces, so positions in error messages stay right) in the
  text the engine is given, so a word in a comment cannot matter, wherever a reader thinks the
  comment starts; then the same test runs on what is left.
- Otherwise two independent readings of that text must both find no such clause: rdflib's
  parser, whose algebra is searched for a ``SERVICE`` pattern (and a dataset clause, on rdflib),
  and a lexer that follows the SPARQL grammar's terminals (strings, IRIs, prefixed names with
  their ``\\#`` escapes) to find bare keywords. Neither is trusted alone: the tests hold a
  query that the lexer misreads (``?a<'>'`` taken for an IRI) and one rdflib cannot parse. If
  rdflib cannot parse a query that mentions ``SERVICE``, or the query is longer than
  :data:`MAX_CHECKED` (rdflib's parser takes about a second for 8 KiB, holding the
  interpreter), it is refused: what cannot be checked is not run.

Loading is offline by construction: JSON-LD is parsed by pyoxigraph (see
:func:`coopgraph.load.parse_file`), which has no document loader and rejects a remote
``@context``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from coopgraph.errors import QueryError
from coopgraph.namespaces import PREFIXES


class NetworkRefused(QueryError):
    """A query would make an engine fetch from the network (the endpoint answers 403)."""


# The lexer: strings, IRIs, comments, variables and prefixed names are consumed whole, so that
# only real keywords are left ("SERVICE" inside a literal or in ex:SERVICE is harmless). Each
# alternative follows the SPARQL 1.1 grammar's terminal of the same name (section 19.8), except
# that a prefix stops at '.' and '-' (a.b:c reads as a, ., b:c: the local name, where escapes
# live, is read the same) and a word takes a whole run of name characters after its letter
# (numbers are their own tokens, so 1SERVICE reads as 1, SERVICE, as Oxigraph reads it): with
# those two, no position is scanned twice, so a 64 KiB query is read in linear time (a1a1...
# took 11 s for 32 KiB when a prefix could span dots and a word stopped at digits).
_PN_CHAR = r"\w\u00B7\u0300-\u036F\u203F\u2040"
_TOKENS = re.compile(
    rf"""
    (?P<string>'''(?:(?:'|'')?(?:[^'\\]|\\.))*'''
             |\"\"\"(?:(?:"|"")?(?:[^"\\]|\\.))*\"\"\"
             |'(?:[^'\\\n\r]|\\.)*'
             |"(?:[^"\\\n\r]|\\.)*")
  | (?P<iri><[^<>"{{}}|^`\\\x00-\x20]*>)
  | (?P<comment>\#[^\n\r]*)
  | (?P<var>[?$][{_PN_CHAR}]+)
  | (?P<pname>(?:[^\W\d][{_PN_CHAR}]*)?:(?:[{_PN_CHAR}.:-]|%[0-9A-Fa-f]{{2}}|\\[_~.\-!$&'()*+,;=/?\#@%])*)
  | (?P<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<word>[^\W\d_][{_PN_CHAR}]*)
    """,
    re.S | re.X,
)
_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def keywords(query: str) -> Iterator[str]:
    """The query's bare words, upper-cased, outside strings, IRIs, comments and names."""
    for m in _TOKENS.finditer(query):
        if m.lastgroup == "word" and m.group().isascii() and m.group().isalpha():
            yield m.group().upper()


def tokens(query: str) -> Iterator[tuple[str, str, int]]:
    """Every token of ``query`` as (kind, text, offset), comments included, whitespace left out.

    The kinds are those of the lexer (string, iri, comment, var, pname, number, word) and
    ``punct`` for any other character, one at a time: enough to find clauses and match braces
    (the label service, :mod:`coopgraph.query.labels`, rewrites queries with it).
    """
    last = 0
    for m in _TOKENS.finditer(query):
        for i in range(last, m.start()):
            if not query[i].isspace():
                yield "punct", query[i], i
        yield m.lastgroup or "", m.group(), m.start()
        last = m.end()
    for i in range(last, len(query)):
        if not query[i].isspace():
            yield "punct", query[i], i


def _unescaped(text: str) -> str:
    """``text`` with SPARQL codepoint escapes undone, repeatedly (an escaped escape included)."""

    def one(m: re.Match[str]) -> str:
        code = int(m.group(1) or m.group(2), 16)
        return chr(code) if code <= 0x10FFFF else m.group()

    for _ in range(16):
        done = _CODEPOINT.sub(one, text)
        if done == text:
            return text
        text = done
    raise NetworkRefused("the query nests codepoint escapes too deeply to be checked")


def _algebra_nodes(node: Any) -> Iterator[Any]:
    """Every node of an rdflib algebra tree (CompValues are dicts; patterns nest in lists)."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            yield item
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)


#: The longest query that rdflib's parser is asked to read when it mentions SERVICE (characters).
MAX_CHECKED = 8192


def blank_comments(text: str) -> str:
    """``text`` with every comment replaced by spaces (line and column of the rest unchanged)."""
    parts, last = [], 0
    for m in _TOKENS.finditer(text):
        if m.lastgroup == "comment":
            parts += [text[last:m.start()], " " * (m.end() - m.start())]
            last = m.end()
    return "".join(parts) + text[last:] if parts else text


#: Deepest bracket nesting a query may have. Oxigraph's parser recurses once per level and
#: overflows the stack (a segfault that ends the whole process) between 4,000 and 6,000 levels
#: on the main thread, sooner on a smaller stack; rdflib's raises RecursionError far sooner.
#: Real queries nest a dozen levels.
MAX_NESTING = 256

_OPEN, _CLOSE = set("({["), set(")}]")


def check_nesting(text: str) -> None:
    """Raise :class:`QueryError` for a query nested deeper than :data:`MAX_NESTING` brackets.

    Brackets inside strings, IRIs and comments do not count. Linear in the text, and cheap: a
    bracket can only nest that deep in a text at least twice as long, so shorter texts are
    passed without a scan.
    """
    if len(text) <= 2 * MAX_NESTING:
        return
    depth = 0
    for kind, value, offset in tokens(text):
        if kind != "punct":
            continue
        if value in _OPEN:
            depth += 1
            if depth > MAX_NESTING:
                line = text.count("\n", 0, offset) + 1
                raise QueryError(f"the query nests brackets more than {MAX_NESTING} deep (line {line}); "
                                 "the SPARQL parser cannot read it safely")
        elif value in _CLOSE:
            depth = max(depth - 1, 0)


def checked(text: str, engine: str = "oxigraph") -> str:
    """The text to run on ``engine``: ``text`` with comments blanked, once shown to fetch nothing.

    Raises :class:`NetworkRefused` if running it could fetch anything. ``SERVICE`` is refused on
    every engine; ``FROM``/``FROM NAMED`` only on rdflib, which would load them (Oxigraph reads
    them as names of the store's own graphs).
    """
    check_nesting(text)
    words = {"service"} | ({"from"} if engine == "rdflib" else set())
    if not _mentioned(text, words):
        return text
    text = blank_comments(text)
    mentioned = _mentioned(text, words)
    if not mentioned:
        return text
    bare = set(keywords(text)) | set(keywords(_unescaped(text)))
    if "SERVICE" in bare:
        raise _service_refused()
    if "FROM" in bare and "from" in mentioned:
        raise _from_refused()
    if "service" in mentioned and len(text) > MAX_CHECKED:
        raise NetworkRefused(f"the query mentions SERVICE in a string or a name and is longer than {MAX_CHECKED} "
                             "characters, too long for coopgraph's check of federated queries; shorten it")
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        parsed = translateQuery(parseQuery(text), initNs=PREFIXES)
    except Exception:  # pyparsing and rdflib raise many types (RecursionError too) for what they cannot read
        if "service" in mentioned:
            raise NetworkRefused("the query mentions SERVICE and coopgraph's check could not parse it, so it is "
                                 "not run (federated queries are refused)") from None
        return text  # only FROM was mentioned: rdflib, which would load it, cannot parse it either
    if any(getattr(n, "name", None) == "ServiceGraphPattern" for n in _algebra_nodes(parsed.algebra)):
        raise _service_refused()
    if "from" in mentioned and parsed.algebra.get("datasetClause"):
        raise _from_refused()
    return text


def _mentioned(text: str, words: set[str]) -> set[str]:
    folded = _unescaped(text).casefold()
    return {w for w in words if w in folded}


def _service_refused() -> NetworkRefused:
    return NetworkRefused("SERVICE (federated query) is refused: coopgraph does not fetch from other endpoints")


def _from_refused() -> NetworkRefused:
    return NetworkRefused("FROM and FROM NAMED are refused on the rdflib engine, which would fetch them; "
                          "use GRAPH, or the oxigraph engine")
