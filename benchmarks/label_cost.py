"""Where a whole-graph query's time goes on the embedded engine: its question, its label columns, its sort.

    coopgraph synth --triples 1000000 --seed 1 --out /tmp/synth.nq
    coopgraph build --data /tmp/synth.nq --store /tmp/store --allow-invalid
    python benchmarks/label_cost.py --store /tmp/store --query agency-agreements --repeats 3

The text the API runs (labels filled by the label service, :mod:`coopgraph.query.labels`) is cut
into what it adds up from, and each part is run on the same store, alternating, ``--repeats``
rounds; every figure is the median of its runs, with every row read from the engine (not
converted to rdflib). The parts:

- the question: the label service's sub-select alone (the query as its file states it, no labels,
  no sort);
- with labels: the question and one ``BIND`` of a label function per ``?xLabel`` column;
- with labels, STR for the function: the same ``BIND``s computing ``STR(?x)`` instead, which
  never leaves the engine: what the ``BIND``s cost apart from the Python calls;
- with labels and sort keys: and the keys the service sorts by (rule 10 of
  docs/query-performance.md), without the ORDER BY;
- the whole text: and its ORDER BY.

Every part gives the same number of rows, which the script checks.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time

from coopgraph.query.labels import FUNCTION_PREFIX

_FUNCTION_BIND = re.compile(rf"BIND\((<{re.escape(FUNCTION_PREFIX)}[^>]+>)\((\?\w+)\) AS (\?\w+)\)")
_SORT_KEY = re.compile(r'BIND\(CONCAT\(\?\w+, " "\) AS \?_cg_sort_\w+\)\n')
#: The part beside the others, not one more step of them: no "added" figure, not the next base.
_ASIDE = "with labels, STR for the function"


def parts(text: str) -> dict[str, str]:
    """The expanded ``text`` (``bound_query(..., functions=True)``) cut into its cumulative parts.

    Raises ValueError for a text the label service left alone (no ``?xLabel`` column).
    """
    if "{ SELECT" not in text or not _FUNCTION_BIND.search(text):
        raise ValueError("the label service filled no ?xLabel column in this query: nothing to cut")
    start = text.index("{ SELECT")
    first_bind = text.index("\nBIND(", start)
    sub_end = text.rindex("}", start, first_bind)
    question = text[start + 1:sub_end].strip()
    head = text.rsplit("ORDER BY", 1)[0]
    labels = _SORT_KEY.sub("", head)
    return {
        "the question": question,
        "with labels": labels,
        _ASIDE: _FUNCTION_BIND.sub(r"BIND(STR(\2) AS \3)", labels),
        "with labels and sort keys": head,
        "the whole text": text,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--store", required=True, help="a store folder (coopgraph build --store)")
    ap.add_argument("--query", default="agency-agreements", help="a named query, run over the whole graph")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)

    import coopgraph
    from coopgraph.query.library import bound_query, oxigraph_query, oxigraph_store

    graph = coopgraph.open(args.store)
    store = oxigraph_store(graph)
    try:
        texts = parts(bound_query(graph, args.query, functions=True))
    except ValueError as e:
        print(f"{args.query}: {e}", file=sys.stderr)
        return 2
    times: dict[str, list[float]] = {name: [] for name in texts}
    rows: dict[str, int] = {}
    for _ in range(args.repeats):
        for name, text in texts.items():
            t = time.perf_counter()
            rows[name] = sum(1 for _ in oxigraph_query(store, text))
            times[name].append(time.perf_counter() - t)
    if len(set(rows.values())) != 1:
        print(f"the parts gave different row counts: {rows}", file=sys.stderr)
        return 1
    print(f"{args.query}, whole graph, {next(iter(rows.values())):,} rows; medians of {args.repeats} "
          f"alternating runs on {args.store}\n")
    print("| part | median | added by this part |\n|---|---|---|")
    before = None
    for name, values in times.items():
        m = statistics.median(values)
        added = "" if before is None or name == _ASIDE else f"{m - before:+.2f} s"
        print(f"| {name} | {m:.2f} s | {added} |")
        if name != _ASIDE:
            before = m
    return 0


if __name__ == "__main__":
    sys.exit(main())
