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
import json
from collections.abc import Callable
from xml.sax.saxutils import escape, quoteattr

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from coopgraph.errors import UsageError
from coopgraph.namespaces import XSD
from coopgraph.queries import QueryResult, sparql_term_any

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


def to_json(result: QueryResult) -> str:
    """application/sparql-results+json (W3C SPARQL 1.1 Query Results JSON Format).

    The text is exactly ``json.dumps(doc, ensure_ascii=False, indent=2)``, written row by row:
    with ``indent`` the json module falls back to its pure-Python encoder (a 23,186-row timeline:
    0.59 s that way, 0.19 s here, side by side). Here each distinct term is rendered once
    (results repeat their terms) and only strings go through the C encoder.
    """
    if result.kind == "ASK":
        return json.dumps({"head": {}, "boolean": bool(result.boolean)}, ensure_ascii=False, indent=2) + "\n"
    _need_rows(result, "json")
    dump = json.JSONEncoder(ensure_ascii=False).encode

    @_memo
    def term(t: Node) -> str:
        return "{\n" + ",\n".join(f"          {dump(k)}: {dump(v)}" for k, v in _json_term(t).items()) + "\n        }"

    keys = [f"        {dump(v)}: " for v in result.vars]
    rows = []
    for row in result.rows:
        cells = [key + term(t) for key, t in zip(keys, row, strict=True) if t is not None]
        rows.append("      {\n" + ",\n".join(cells) + "\n      }" if cells else "      {}")
    head = ",\n".join(f"      {dump(v)}" for v in result.vars)
    out = ['{\n  "head": {\n    "vars": ', "[\n" + head + "\n    ]" if head else "[]", '\n  },\n  "results": {\n',
           '    "bindings": ', "[\n" + ",\n".join(rows) + "\n    ]" if rows else "[]", "\n  }\n}\n"]
    return "".join(out)


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


def to_xml(result: QueryResult) -> str:
    """application/sparql-results+xml (W3C SPARQL Query Results XML Format, 2nd edition)."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>', '<sparql xmlns="http://www.w3.org/2005/sparql-results#">']
    if result.kind == "ASK":
        out += ["  <head/>", f"  <boolean>{'true' if result.boolean else 'false'}</boolean>", "</sparql>"]
        return "\n".join(out) + "\n"
    _need_rows(result, "xml")
    out.append("  <head>")
    out += [f"    <variable name={quoteattr(v)}/>" for v in result.vars]
    out += ["  </head>", "  <results>"]
    opens = [f"      <binding name={quoteattr(v)}>" for v in result.vars]
    term = _memo(_xml_term)
    for row in result.rows:
        out.append("    <result>")
        for start, t in zip(opens, row, strict=True):
            if t is not None:
                out.append(f"{start}{term(t)}</binding>")
        out.append("    </result>")
    out += ["  </results>", "</sparql>"]
    return "\n".join(out) + "\n"


def _csv_value(term: Node | None) -> str:
    if term is None:
        return ""
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


# ASK in CSV/TSV: the W3C note defines SELECT only, the Protocol allows both; this is Jena's
# form (one column, _askResult), which clients such as SPARQLWrapper and pandas read as is.
ASK_COLUMN = "_askResult"


def to_csv(result: QueryResult) -> str:
    """text/csv per W3C SPARQL 1.1 Query Results CSV: values only, CRLF line ends, RFC 4180 quoting."""
    if result.kind == "ASK":
        return f"{ASK_COLUMN}\r\n{'true' if result.boolean else 'false'}\r\n"
    _need_rows(result, "csv")
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(result.vars)
    for row in result.rows:
        writer.writerow([_csv_value(t) for t in row])
    return buf.getvalue()


def to_tsv(result: QueryResult) -> str:
    """text/tab-separated-values per W3C SPARQL 1.1 Query Results TSV: terms in SPARQL syntax."""
    if result.kind == "ASK":
        return f"?{ASK_COLUMN}\n{'true' if result.boolean else 'false'}\n"
    _need_rows(result, "tsv")
    lines = ["\t".join(f"?{v}" for v in result.vars)]
    term = _memo(sparql_term_any)
    for row in result.rows:
        lines.append("\t".join("" if t is None else term(t) for t in row))
    return "\n".join(lines) + "\n"


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


def to_table(result: QueryResult, width: int | None = TABLE_CELL_WIDTH) -> str:
    """Aligned plain-text columns; cells longer than ``width`` are cut with an ellipsis."""
    if result.kind == "ASK":
        return ("yes" if result.boolean else "no") + "\n"
    _need_rows(result, "table")
    header = [f"?{v}" for v in result.vars]
    shown = _memo(lambda t: display(t, width))
    cells = [["" if t is None else shown(t) for t in row] for row in result.rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(header)]

    def line(values: list[str]) -> str:
        return "  ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()

    out = [line(header), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in cells]
    out.append(f"({len(result.rows)} row{'s' if len(result.rows) != 1 else ''})")
    return "\n".join(out) + "\n"


def to_markdown(result: QueryResult) -> str:
    """A GitHub-flavoured Markdown table (pipes escaped), for notes and issues."""
    if result.kind == "ASK":
        return ("yes" if result.boolean else "no") + "\n"
    _need_rows(result, "markdown")

    def cell(t: Node | None) -> str:
        return display(t, None).replace("\\", "\\\\").replace("|", "\\|")

    out = ["| " + " | ".join(result.vars) + " |", "|" + "|".join("---" for _ in result.vars) + "|"]
    out += ["| " + " | ".join(cell(t) for t in row) + " |" for row in result.rows]
    return "\n".join(out) + "\n"


def _need_rows(result: QueryResult, fmt: str) -> None:
    if result.kind in ("CONSTRUCT", "DESCRIBE"):
        raise UsageError(f"{result.kind} results are a graph: use --format {'|'.join(GRAPH_FORMATS)}, not {fmt}")


def write_triples(triples: list, fmt: str) -> str:
    """Triples in one of :data:`GRAPH_FORMATS`: the one writer table for graph answers
    (CONSTRUCT/DESCRIBE results, entity pages, the endpoint's own descriptions)."""
    from coopgraph.serialize import to_jsonld, to_ntriples, to_rdfxml, to_turtle

    writers = {"turtle": to_turtle, "nt": to_ntriples, "jsonld": to_jsonld, "rdfxml": to_rdfxml}
    return writers[fmt](triples)


def write(result: QueryResult, fmt: str) -> str:
    """Render ``result`` in ``fmt``; a format that does not fit the query form is a usage error."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}; valid formats: {', '.join(FORMATS)}")
    if fmt in GRAPH_FORMATS:
        if result.graph is None:
            raise UsageError(f"{result.kind} results are not a graph: use --format {'|'.join(TABULAR)}")
        return write_triples(list(result.graph), fmt)
    if result.graph is not None:
        _need_rows(result, fmt)
    writer = {"json": to_json, "xml": to_xml, "csv": to_csv, "tsv": to_tsv, "table": to_table,
              "markdown": to_markdown}[fmt]
    return writer(result)
