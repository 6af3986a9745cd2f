"""Streaming: result writers print rows as the engine computes them, never the whole text first.

Checked by counting, not timing: the rows come from a generator that records how far it has
been read, and the output records how far it had been read at each write.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from rdflib import Literal, URIRef

from _support import ROOT
from coopgraph.query.library import QueryLibrary, QueryResult, Row, run
from coopgraph.query.results import TABLE_WINDOW, TABULAR, write, write_to

LIBRARY = QueryLibrary(ROOT / "queries")
N = 5 * TABLE_WINDOW
VARS = ["x", "label"]


class Recording:
    """Rows made on demand; ``read`` says how many have been taken so far."""

    def __init__(self, n: int) -> None:
        self.n, self.read = n, 0

    def __iter__(self) -> Iterator[Row]:
        for i in range(self.n):
            self.read += 1
            yield Row([URIRef(f"https://example.org/{i}"), Literal(f"row {i}", lang="en")], VARS)


class Out(io.StringIO):
    """A text stream that notes how many rows had been read at each write."""

    def __init__(self, rows: Recording) -> None:
        super().__init__()
        self.rows, self.read_at_writes = rows, []

    def write(self, text: str) -> int:
        self.read_at_writes.append(self.rows.read)
        return super().write(text)


@pytest.mark.parametrize("fmt", TABULAR)
def test_writers_print_before_the_rows_are_exhausted(fmt: str) -> None:
    rows = Recording(N)
    out = Out(rows)
    write_to(QueryResult("SELECT", vars=VARS, pending=iter(rows)), fmt, out)
    first = out.read_at_writes[0]
    assert first < N, f"{fmt}: nothing was written until all {N} rows were read"
    assert first <= (TABLE_WINDOW if fmt == "table" else 0) + 256
    assert len(out.read_at_writes) > N // 256 // 2  # it kept writing as rows came, batch by batch
    # the streamed text is exactly the text of the same rows held in memory
    whole = QueryResult("SELECT", vars=VARS, rows=list(Recording(N)))
    assert out.getvalue() == write(whole, fmt)


def test_a_streamed_result_is_read_once_and_counted() -> None:
    rows = Recording(10)
    result = QueryResult("SELECT", vars=VARS, pending=iter(rows))
    assert rows.read == 0 and result.rows == []
    assert sum(1 for _ in result.stream()) == 10 and result.streamed == 10
    assert list(result.stream()) == []  # the rows are not kept


def test_the_engine_computes_rows_as_they_are_read(real_graph) -> None:  # noqa: ANN001
    result = run(real_graph, "agency-agreements", library=LIBRARY, engine="oxigraph", stream=True)
    assert result.pending is not None and result.rows == []
    rows = result.stream()
    next(rows)
    assert result.streamed == 1
    whole = run(real_graph, "agency-agreements", library=LIBRARY, engine="oxigraph")
    assert [tuple(r) for r in [*whole.rows[:1], *rows]] == [tuple(r) for r in whole.rows]
    for fmt in TABULAR:
        streamed = run(real_graph, "agency-agreements", library=LIBRARY, engine="oxigraph", stream=True)
        assert write(streamed, fmt) == write(whole, fmt), fmt


def test_a_streamed_result_still_reads_as_a_list(real_graph) -> None:  # noqa: ANN001
    result = run(real_graph, "agency-agreements", library=LIBRARY, engine="oxigraph", stream=True)
    whole = run(real_graph, "agency-agreements", library=LIBRARY, engine="oxigraph")
    assert len(result) == len(whole) and result.sorted_rows() == whole.sorted_rows()
