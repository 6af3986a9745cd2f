"""Results as a researcher uses them in a notebook: rows by position and name, one type per
column, a DataFrame of every result (raw SPARQL included), and the HTML Jupyter shows.

Over the real build (the data has dates to the day, the month and the year in one column),
so the typing is tested where it matters; pandas is a test dependency.
"""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from pathlib import Path

import pytest
from rdflib import RDF, Literal, URIRef

from _server_support import QUERIES_DIR
from coopgraph import namespaces
from coopgraph.query.library import QueryLibrary, QueryResult, Row

pd = pytest.importorskip("pandas")
LIBRARY = QueryLibrary(QUERIES_DIR)
SELECTS = [q.name for q in LIBRARY if q.form == "SELECT"]


@pytest.fixture(scope="module")
def answers(real_graph) -> dict[str, QueryResult]:  # noqa: ANN001
    return {name: real_graph.query(name) for name in SELECTS}


def test_rows_by_position_and_by_name(answers) -> None:  # noqa: ANN001
    result = answers["partners"]
    first = result[0]
    assert isinstance(first, Row)
    assert first[0] == first["agency"] == first.agency
    assert result[1:3] == result.rows[1:3]
    assert result["agency"] == [row[0] for row in result]
    with pytest.raises(IndexError):
        result[len(result)]


@pytest.mark.parametrize("name", SELECTS)
def test_every_column_of_every_named_query_has_one_type(answers, name: str) -> None:  # noqa: ANN001
    records = answers[name].records()
    columns = {key for record in records for key in record}
    for column in columns:
        types = {type(r[column]) for r in records if r.get(column) is not None}
        assert len(types) <= 1, (name, column, types)
        if types & {str}:  # text columns are never dates written as text
            values = [r[column] for r in records if r.get(column) is not None]
            assert not all(v[:4].isdigit() and len(v) in (4, 7, 10) and v[4:5] in ("", "-") for v in values), \
                (name, column, values[:5])


def test_a_date_column_of_days_months_and_years_sorts_as_dates(answers) -> None:  # noqa: ANN001
    result = answers["timeline"]
    kinds = {t.datatype for t in result["date"] if t is not None}
    assert {namespaces.XSD.date, namespaces.XSD.gYear} <= kinds  # the real data mixes precisions: the case to handle
    frame = result.to_dataframe()
    assert str(frame["date"].dtype).startswith("datetime64")
    ordered = frame.sort_values("date")  # what used to raise TypeError
    assert ordered["date"].is_monotonic_increasing
    assert set(frame["date_precision"].dropna()) <= {"day", "month", "year"}
    for term, (when, precision) in zip(result["date"], zip(frame["date"], frame["date_precision"], strict=True),
                                       strict=True):
        if term is None:
            assert pd.isna(when)
            continue
        year = int(str(term)[:4])
        assert when.year == year
        assert precision == {namespaces.XSD.date: "day", namespaces.XSD.gYearMonth: "month", namespaces.XSD.gYear: "year"}[term.datatype]
        if precision == "year":
            assert (when.month, when.day) == (1, 1)  # the year's first day, marked as a year


def test_a_column_of_years_holds_integers(real_graph) -> None:  # noqa: ANN001
    result = real_graph.sparql("SELECT ?y WHERE { VALUES ?y { '2019'^^xsd:gYear '2023'^^xsd:gYear } }")
    assert [r["y"] for r in result.records()] == [2019, 2023]
    assert str(result.to_dataframe()["y"].dtype) == "Int64"
    days = real_graph.sparql("SELECT ?d WHERE { VALUES ?d { '2019-05-04'^^xsd:date } }")
    assert days.records() == [{"d": dt.date(2019, 5, 4)}]


def test_raw_sparql_and_every_form_give_a_dataframe(real_graph) -> None:  # noqa: ANN001
    select = real_graph.sparql("SELECT ?a ?label WHERE { ?a a cg:Agency ; rdfs:label ?label } ORDER BY ?a ?label")
    frame = select.to_dataframe()
    assert list(frame.columns) == ["a", "label"] and len(frame) == len(select) > 0
    assert frame.iloc[0]["a"] == str(select[0].a)
    ask = real_graph.sparql("ASK { ?a a cg:Agency }")
    assert ask.askAnswer is True and ask.to_dataframe().to_dict("records") == [{"_askResult": True}]
    construct = real_graph.query("partner-network")
    triples = construct.to_dataframe()
    assert list(triples.columns) == ["subject", "predicate", "object"] and len(triples) == len(construct)
    agency = next(iter(real_graph.graph.subjects(RDF.type, URIRef("https://w3id.org/coopgraph/def#Agency"))))
    described = real_graph.sparql(f"DESCRIBE <{agency}>")
    assert set(described.to_dataframe()["subject"]) == {str(agency)}


class _Cells(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.links: list[str] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "a":
            self.links.append(dict(attrs)["href"])

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def test_results_show_as_an_escaped_html_table(answers) -> None:  # noqa: ANN001
    result = answers["partners"]
    cells = _Cells()
    cells.feed(result._repr_html_())
    assert cells.rows[0] == [f"?{v}" for v in result.vars]
    assert len(cells.rows) - 1 == min(len(result), 50)
    hostile = QueryResult("SELECT", vars=["x", "y"], rows=[
        Row([Literal("<script>alert(1)</script>"), URIRef("javascript:alert(1)")], ["x", "y"])])
    shown = hostile._repr_html_()
    assert "<script>" not in shown and "&lt;script&gt;" in shown
    links = _Cells()
    links.feed(shown)
    assert links.links == []  # a javascript: IRI is text, never a link


def test_descriptions_show_as_html_in_a_browser(real_graph, browser, tmp_path: Path) -> None:  # noqa: ANN001
    """What Jupyter would show, rendered by a real Chromium: one row per statement."""
    d = real_graph.describe("STAMEQ")
    page = tmp_path / "describe.html"
    page.write_text(f"<!doctype html><meta charset=utf-8><body>{d._repr_html_()}"
                    f"{real_graph.query('partners')._repr_html_()}</body>", encoding="utf-8")
    browser.open(page.as_uri())
    assert browser.js("document.querySelector('h3').textContent") == d.label
    assert browser.js("document.querySelectorAll('table')[0].querySelectorAll('tr').length") == len(d.statements)
    browser.screenshot(tmp_path / "describe.png")
