"""Results and descriptions as a notebook wants them: typed columns, DataFrames, HTML.

Why typed by column and not by cell: the sources date things to the day, the month or only the
year, so one ``date`` column holds ``xsd:date``, ``xsd:gYearMonth`` and ``xsd:gYear`` values.
Turned into Python cell by cell that is a mix of ``datetime.date`` and strings, which pandas
cannot sort. Here each column gets one type: a column of years only holds integers; a column
of days only holds dates; a column that mixes precisions holds the date each value starts on,
with a ``<column>_precision`` column beside it (``day``, ``month``, ``year``), so nothing is
claimed more precisely than the source states it and the column still sorts.

The HTML forms (``_repr_html_``) are what Jupyter shows for a result or a description: the
same shortened names as the text table (:func:`coopgraph.query.results.display`), every value
escaped, links only to http(s) IRIs.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable, Sequence
from typing import Any

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from coopgraph.errors import UsageError
from coopgraph.namespaces import XSD

# datatype -> precision of a temporal literal
PRECISION = {XSD.dateTime: "time", XSD.date: "day", XSD.gYearMonth: "month", XSD.gYear: "year"}
_LEXICAL = re.compile(r"(-?\d{4,})(?:-(\d{2}))?(?:-(\d{2}))?")
HTML_ROWS = 50  # rows a notebook shows; the rest are counted, not drawn


def python_value(term: Node | None) -> Any:
    """One term as a Python value: IRIs and text as str, typed literals as int, Decimal, float,
    bool, date or datetime; a year (xsd:gYear) as an int. A year and month (xsd:gYearMonth)
    stays its text, "2019-05": alone it is no date (:func:`typed_records` types whole columns)."""
    if term is None:
        return None
    if isinstance(term, Literal):
        if term.datatype == XSD.gYear and (m := _LEXICAL.match(str(term))):
            return int(m.group(1))
        value = term.toPython()
        return str(term) if isinstance(value, Literal) else value
    return str(term)


def _start(term: Literal) -> dt.date | dt.datetime | None:
    """The first day (or instant) of a temporal literal's period; None if its text is malformed."""
    if term.datatype == XSD.dateTime:
        value = term.toPython()
        return value if isinstance(value, dt.datetime) else None
    m = _LEXICAL.match(str(term))
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1))
    except ValueError:  # a year before 1 or after 9999, a month 13: not a Python date
        return None


def _temporal_precisions(column: Sequence[Node | None]) -> set[str] | None:
    """The precisions of a column whose every bound value is a temporal literal, else None."""
    found: set[str] = set()
    for term in column:
        if term is None:
            continue
        if not isinstance(term, Literal) or term.datatype not in PRECISION or _start(term) is None:
            return None
        found.add(PRECISION[term.datatype])
    return found or None


def typed_columns(names: Sequence[str], rows: Sequence[Sequence[Node | None]]) -> tuple[list[str], list[list[Any]]]:
    """Column names and row values with one Python type per column (see the module's docstring)."""
    out_names: list[str] = []
    columns: list[list[Any]] = []
    for i, name in enumerate(names):
        column = [row[i] for row in rows]
        precisions = _temporal_precisions(column)
        if precisions is None or precisions == {"time"} or precisions == {"day"}:
            columns.append([python_value(t) for t in column])
            out_names.append(name)
        elif precisions == {"year"}:
            columns.append([python_value(t) for t in column])  # int years
            out_names.append(name)
        else:
            starts = [None if t is None else _start(t) for t in column]
            if "time" in precisions:  # instants and days together: all as datetimes
                starts = [s if s is None or isinstance(s, dt.datetime) else dt.datetime(s.year, s.month, s.day)
                          for s in starts]
            columns.append(starts)
            columns.append([None if t is None else PRECISION[t.datatype] for t in column])
            out_names += [name, f"{name}_precision"]
    return out_names, [list(r) for r in zip(*columns, strict=True)] if columns else [[] for _ in rows]


def records(names: Sequence[str], rows: Sequence[Sequence[Node | None]]) -> list[dict[str, Any]]:
    """Rows as dicts of typed Python values."""
    out_names, values = typed_columns(names, rows)
    return [dict(zip(out_names, row, strict=True)) for row in values]


def dataframe(result: Any) -> Any:
    """A pandas DataFrame of any result: SELECT rows (typed columns), an ASK answer (one row,
    column ``_askResult``, as in the CSV form), a graph's triples (subject, predicate, object)."""
    try:
        import pandas as pd
    except ImportError:
        raise UsageError("to_dataframe() needs pandas: pip install 'coopgraph[pandas]'") from None
    if result.kind == "ASK":
        return pd.DataFrame({"_askResult": [bool(result.boolean)]})
    if result.graph is not None:
        names, rows = ["subject", "predicate", "object"], sorted(result.graph, key=lambda t: tuple(map(str, t)))
    else:
        names, rows = list(result.vars), list(result.rows)
    out_names, values = typed_columns(names, rows)
    frame = pd.DataFrame.from_records(values, columns=out_names)
    for name in out_names:
        sample = next((v for v in frame[name] if v is not None), None)
        if isinstance(sample, (dt.date, dt.datetime)):
            frame[name] = pd.to_datetime(frame[name])  # datetime64: sorts, filters, resamples
        elif isinstance(sample, bool):
            frame[name] = frame[name].astype("boolean")
        elif isinstance(sample, int) and all(v is None or isinstance(v, int) for v in frame[name]):
            frame[name] = frame[name].astype("Int64")  # integers with gaps stay integers
        elif name.endswith("_precision") and name.removesuffix("_precision") in out_names:
            frame[name] = frame[name].astype("category")
    return frame


# -- HTML -----------------------------------------------------------------------------------------


def _href(iri: str) -> str | None:
    from coopgraph.links import web_href

    return web_href(iri)


def term_html(term: Node | None, link: Callable[[str], str | None] = _href) -> str:
    """One term as escaped HTML: an IRI shortened (and linked if ``link`` gives an address)."""
    from coopgraph.query.results import display

    if term is None:
        return ""
    text = html.escape(display(term, None))
    if isinstance(term, URIRef):
        href = link(str(term))
        return f'<a href="{html.escape(href)}" title="{html.escape(str(term))}">{text}</a>' if href else text
    if isinstance(term, Literal) and (term.language or term.datatype):
        tag = f"@{term.language}" if term.language else display(URIRef(term.datatype), None)
        return f'<span title="{html.escape(tag)}">{text}</span>'
    if isinstance(term, BNode):
        return text
    return text


def result_html(result: Any, limit: int = HTML_ROWS) -> str:
    """A result as an HTML table (what Jupyter shows): the first ``limit`` rows and the count."""
    if result.kind == "ASK":
        return f"<p><b>{'yes' if result.boolean else 'no'}</b> (ASK)</p>"
    if result.graph is not None:
        names, rows = ["subject", "predicate", "object"], sorted(result.graph, key=lambda t: tuple(map(str, t)))
        what = "triple"
    else:
        names, rows, what = list(result.vars), list(result.rows), "row"
    head = "".join(f"<th>?{html.escape(n)}</th>" for n in names)
    body = "".join("<tr>" + "".join(f"<td>{term_html(t)}</td>" for t in row) + "</tr>" for row in rows[:limit])
    more = f", the first {limit} shown" if len(rows) > limit else ""
    return (f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
            f"<p>{len(rows)} {what}{'' if len(rows) == 1 else 's'}{more}</p>")


def description_rows(d: Any, link: Callable[[str], str | None] = _href) -> str:
    """The statements of a :class:`~coopgraph.graph.Description` as HTML table rows, with their
    status and evidence: the one renderer of the entity page and of the notebook view."""
    rows = []
    for st in d.statements:
        value = html.escape(st.node_label) if st.is_literal else _linked(st.node, st.node_label, link)
        pred = _linked(st.predicate, st.predicate_label, link)
        if st.direction == "in":
            pred = f"is {pred} of"
        evidence = "".join(
            f"<div class=ev>{html.escape(ev.to_text()).replace(chr(10), '<br>')}</div>" for ev in st.evidence
        )
        rows.append(f"<tr class={st.status}><td>{pred}</td><td>{value}</td><td>{st.status}</td><td>{evidence}</td></tr>")
    return "".join(rows)


def _linked(iri: str, text: str | None, link: Callable[[str], str | None]) -> str:
    href = link(iri)
    if href is None:
        return html.escape(text or iri)
    return f'<a href="{html.escape(href)}">{html.escape(text or iri)}</a>'


def description_html(d: Any) -> str:
    """A description as Jupyter shows it: title, IRI, types, then the statement table."""
    types = ", ".join(html.escape(t) for t in d.types)
    return (f"<h3>{html.escape(d.label)}</h3><p><code>{html.escape(d.entity)}</code></p><p>types: {types}</p>"
            f"<table><tbody>{description_rows(d)}</tbody></table>")
