"""Writers for query results: the W3C SPARQL 1.1 results formats, a text table and Markdown.

JSON, XML, CSV and TSV follow the W3C Recommendations to the letter (CSV lines end in CRLF,
TSV writes terms in SPARQL syntax, XML uses the results namespace), because researchers feed
them to other tools; the tests read them back with pyoxigraph's independent parser. The table
and Markdown forms are for reading: IRIs shortened with the project prefixes, literals bare.
CONSTRUCT/DESCRIBE graphs go out through the project's deterministic RDF writers.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Callable, Iterator
from typing import TextIO
from xml.sax.saxutils import escape, quoteattr

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from coopgraph.errors import UsageError
from coopgraph.namespaces import XSD
from coopgraph.query.library import QueryResult, sparql_term_any

TABULAR = ("table", "csv", "tsv", "json", "xml", "markdown")
GRAPH_FORMATS = ("turtle", "nt", "jsonld", "rdfxml")
FORMATS = TABULAR + GRAPH_FORMATS
MEDIA_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv; charset=utf-8",
    "tsv": "text/tab-separated-values; charset=utf-8",
    "table": "text/plain; charset=utf-8",
    "markdown": "text/markdown; charset=utf-8",
    "turtle": "text/turtle",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}

# Display-only prefixes for entity IRIs (the data's own CURIE style, e.g. org:... is taken by
# W3C ORG, so entity IRIs are shown as id:org/sac).
DISPLAY_PREFIXES = {"id": "https://w3id.org/coopgraph/id/"}
TABLE_CELL_WIDTH = 80


def _memo(render: Callable[[Node], str]) -> Callable[[Node], str]:
    """``render`` with each distinct term rendered once: results repeat their terms.

    A literal's key is its lexical form, language tag and datatype as written: rdflib's Literal
    equality ignores the tag's case ("a"@EN == "a"@en), and the writers must keep each term's
    own form.
    """
    rendered: dict[object, str] = {}

    def once(term: Node) -> str:
        key = (str(term), term.language, term.datatype) if isinstance(term, Literal) else term
        text = rendered.get(key)
        if text is None:
            text = rendered[key] = render(term)
        return text

    return once


def _json_term(term: Node) -> dict[str, str]:
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    if isinstance(term, Literal):
        out = {"type": "literal", "value": str(term)}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype and term.datatype != XSD.string:
            out["datatype"] = str(term.datatype)
        return out
    raise TypeError(f"not an RDF term: {term!r}")


def json_chunks(result: QueryResult) -> Iterator[str]:
    """application/sparql-results+json (W3C SPARQL 1.1 Query Results JSON Format), row by row.

    The text is exactly ``json.dumps(doc, ensure_ascii=False, indent=2)``, written row by row:
    with ``indent`` the json module falls back to its pure-Python encoder (a 23,186-row timeline:
    0.59 s that way, 0.19 s here, side by side). Here each distinct term is rendered once
    (results repeat their terms) and only strings go through the C encoder.
    """
    if result.kind == "ASK":
        yield json.dumps({"head": {}, "boolean": bool(result.boolean)}, ensure_ascii=False, indent=2) + "\n"
        return
    _need_rows(result, "json")
    dump = json.JSONEncoder(ensure_ascii=False).encode

    @_memo
    def term(t: Node) -> str:
        return "{\n" + ",\n".join(f"          {dump(k)}: {dump(v)}" for k, v in _json_term(t).items()) + "\n        }"

    keys = [f"        {dump(v)}: " for v in result.vars]
    head = ",\n".join(f"      {dump(v)}" for v in result.vars)
    yield ('{\n  "head": {\n    "vars": ' + ("[\n" + head + "\n    ]" if head else "[]")
           + '\n  },\n  "results": {\n    "bindings": ')
    first = True
    for row in result.stream():
        cells = [key + term(t) for key, t in zip(keys, row, strict=True) if t is not None]
        yield ("[\n" if first else ",\n") + ("      {\n" + ",\n".join(cells) + "\n      }" if cells else "      {}")
        first = False
    yield ("[]" if first else "\n    ]") + "\n  }\n}\n"


def to_json(result: QueryResult) -> str:
    """The whole :func:`json_chunks` text."""
    return "".join(json_chunks(result))


def _xml_term(term: Node) -> str:
    if isinstance(term, URIRef):
        return f"<uri>{escape(str(term))}</uri>"
    if isinstance(term, BNode):
        return f"<bnode>{escape(str(term))}</bnode>"
    if isinstance(term, Literal):
        attr = ""
        if term.language:
            attr = f" xml:lang={quoteattr(term.language)}"
        elif term.datatype and term.datatype != XSD.string:
            attr = f" datatype={quoteattr(str(term.datatype))}"
        return f"<literal{attr}>{escape(str(term))}</literal>"
    raise TypeError(f"not an RDF term: {term!r}")


def xml_chunks(result: QueryResult) -> Iterator[str]:
    """application/sparql-results+xml (W3C SPARQL Query Results XML Format, 2nd edition), row by row."""
    yield '<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n'
    if result.kind == "ASK":
        yield f"  <head/>\n  <boolean>{'true' if result.boolean else 'false'}</boolean>\n</sparql>\n"
        return
    _need_rows(result, "xml")
    yield "".join(["  <head>\n", *(f"    <variable name={quoteattr(v)}/>\n" for v in result.vars),
                   "  </head>\n  <results>\n"])
    opens = [f"      <binding name={quoteattr(v)}>" for v in result.vars]
    term = _memo(_xml_term)
    for row in result.stream():
        yield "".join(["    <result>\n", *(f"{start}{term(t)}</binding>\n" for start, t in zip(opens, row, strict=True)
                                           if t is not None), "    </result>\n"])
    yield "  </results>\n</sparql>\n"


def to_xml(result: QueryResult) -> str:
    """The whole :func:`xml_chunks` text."""
    return "".join(xml_chunks(result))


def _csv_value(term: Node | None) -> str:
    if term is None:
        return ""
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


# ASK in CSV/TSV: the W3C note defines SELECT only, the Protocol allows both; this is Jena's
# form (one column, _askResult), which clients such as SPARQLWrapper and pandas read as is.
ASK_COLUMN = "_askResult"


def csv_chunks(result: QueryResult) -> Iterator[str]:
    """text/csv per W3C SPARQL 1.1 Query Results CSV: values only, CRLF line ends, RFC 4180 quoting."""
    if result.kind == "ASK":
        yield f"{ASK_COLUMN}\r\n{'true' if result.boolean else 'false'}\r\n"
        return
    _need_rows(result, "csv")
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)

    def line(values: list[str]) -> str:
        writer.writerow(values)
        text = buf.getvalue()
        buf.seek(0)
        buf.truncate()
        return text

    yield line(result.vars)
    for row in result.stream():
        yield line([_csv_value(t) for t in row])


def to_csv(result: QueryResult) -> str:
    """The whole :func:`csv_chunks` text."""
    return "".join(csv_chunks(result))


def tsv_chunks(result: QueryResult) -> Iterator[str]:
    """text/tab-separated-values per W3C SPARQL 1.1 Query Results TSV: terms in SPARQL syntax."""
    if result.kind == "ASK":
        yield f"?{ASK_COLUMN}\n{'true' if result.boolean else 'false'}\n"
        return
    _need_rows(result, "tsv")
    yield "\t".join(f"?{v}" for v in result.vars) + "\n"
    term = _memo(sparql_term_any)
    for row in result.stream():
        yield "\t".join("" if t is None else term(t) for t in row) + "\n"


def to_tsv(result: QueryResult) -> str:
    """The whole :func:`tsv_chunks` text."""
    return "".join(tsv_chunks(result))


def display(term: Node | None, width: int | None = TABLE_CELL_WIDTH) -> str:
    """A term for reading: CURIE or <iri>, bare literal text, one line, cut at ``width``."""
    from coopgraph.namespaces import curie

    if term is None:
        text = ""
    elif isinstance(term, URIRef):
        iri = str(term)
        text = curie(iri) or ""
        if not text:
            for prefix, ns in DISPLAY_PREFIXES.items():
                if iri.startswith(ns) and len(iri) > len(ns):
                    text = f"{prefix}:{iri[len(ns):]}"
                    break
        text = text or f"<{iri}>"
    elif isinstance(term, BNode):
        text = f"_:{term}"
    else:
        text = str(term)
    text = " ".join(text.split())
    if width and len(text) > width:
        text = text[: width - 1] + "…"
    return text


#: A text table's columns are as wide as the widest cell of its first this-many rows; a later,
#: wider cell widens its own line only. So a table starts printing after that many rows instead
#: of after the last, and a table of up to that many rows is aligned throughout.
TABLE_WINDOW = 1000


def table_chunks(result: QueryResult, width: int | None = TABLE_CELL_WIDTH) -> Iterator[str]:
    """Aligned plain-text columns; cells longer than ``width`` are cut with an ellipsis."""
    if result.kind == "ASK":
        yield ("yes" if result.boolean else "no") + "\n"
        return
    _need_rows(result, "table")
    header = [f"?{v}" for v in result.vars]
    shown = _memo(lambda t: display(t, width))
    rows = result.stream()
    window = [["" if t is None else shown(t) for t in row] for row in itertools.islice(rows, TABLE_WINDOW)]
    widths = [max([len(h)] + [len(r[i]) for r in window]) for i, h in enumerate(header)]

    def line(values: list[str]) -> str:
        return "  ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip() + "\n"

    yield line(header) + "  ".join("-" * w for w in widths) + "\n"
    yield "".join(line(r) for r in window)
    count = len(window)
    del window
    for row in rows:
        count += 1
        yield line(["" if t is None else shown(t) for t in row])
    yield f"({count} row{'s' if count != 1 else ''})\n"


def to_table(result: QueryResult, width: int | None = TABLE_CELL_WIDTH) -> str:
    """The whole :func:`table_chunks` text."""
    return "".join(table_chunks(result, width))


def markdown_chunks(result: QueryResult) -> Iterator[str]:
    """A GitHub-flavoured Markdown table (pipes escaped), for notes and issues."""
    if result.kind == "ASK":
        yield ("yes" if result.boolean else "no") + "\n"
        return
    _need_rows(result, "markdown")

    def cell(t: Node | None) -> str:
        return display(t, None).replace("\\", "\\\\").replace("|", "\\|")

    yield "| " + " | ".join(result.vars) + " |\n" + "|" + "|".join("---" for _ in result.vars) + "|\n"
    for row in result.stream():
        yield "| " + " | ".join(cell(t) for t in row) + " |\n"


def to_markdown(result: QueryResult) -> str:
    """The whole :func:`markdown_chunks` text."""
    return "".join(markdown_chunks(result))


def _need_rows(result: QueryResult, fmt: str) -> None:
    if result.kind in ("CONSTRUCT", "DESCRIBE"):
        raise UsageError(f"{result.kind} results are a graph: use --format {'|'.join(GRAPH_FORMATS)}, not {fmt}")


def write_triples(triples: list, fmt: str) -> str:
    """Triples in one of :data:`GRAPH_FORMATS`: the one writer table for graph answers
    (CONSTRUCT/DESCRIBE results, entity pages, the endpoint's own descriptions)."""
    from coopgraph.serialize import to_jsonld, to_ntriples, to_rdfxml, to_turtle

    writers = {"turtle": to_turtle, "nt": to_ntriples, "jsonld": to_jsonld, "rdfxml": to_rdfxml}
    return writers[fmt](triples)


def chunks(result: QueryResult, fmt: str) -> Iterator[str]:
    """``result`` in ``fmt``, piece by piece as its rows are read: a streamed result
    (:meth:`QueryResult.stream`) is written as the engine computes it. A format that does not
    fit the query form is a usage error, raised before the first piece."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}; valid formats: {', '.join(FORMATS)}")
    if fmt in GRAPH_FORMATS:
        if result.graph is None:
            raise UsageError(f"{result.kind} results are not a graph: use --format {'|'.join(TABULAR)}")
        return iter([write_triples(list(result.graph), fmt)])
    if result.graph is not None:
        _need_rows(result, fmt)
    writer = {"json": json_chunks, "xml": xml_chunks, "csv": csv_chunks, "tsv": tsv_chunks, "table": table_chunks,
              "markdown": markdown_chunks}[fmt]
    pieces = writer(result)
    first = next(pieces, "")  # the writer's own checks (ASK as CSV, ...) raise here, before any output
    return itertools.chain([first], pieces)


def write(result: QueryResult, fmt: str) -> str:
    """Render ``result`` in ``fmt`` as one text (see :func:`chunks`)."""
    return "".join(chunks(result, fmt))


def write_to(result: QueryResult, fmt: str, out: TextIO, batch: int = 256) -> None:
    """Write ``result`` in ``fmt`` to ``out`` as it is computed, ``batch`` pieces (rows) at a time.

    Only a batch of text is held at once, never the whole output: a 68,000-row listing starts
    printing after its first rows and takes the memory of a few hundred.
    """
    pending: list[str] = []
    for piece in chunks(result, fmt):
        pending.append(piece)
        if len(pending) >= batch:
            out.write("".join(pending))
            pending.clear()
    out.write("".join(pending))
