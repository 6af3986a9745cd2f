"""The label service's outer query in Python against the same outer query on the engine.

    coopgraph synth --triples 1000000 --seed 1 --out /tmp/p1m/synth.nq
    coopgraph build --data /tmp/p1m/synth.nq --store /tmp/p1m/store --allow-invalid
    python benchmarks/outer_bench.py --store /tmp/p1m/store --repeats 5 --out /tmp/outer.md

Each named query (whole graph, no parameters) runs through the API (``coopgraph.query.library.run``,
rows converted to rdflib terms as every caller gets them) in three ways, alternating in one
process, ``--repeats`` rounds:

- shipped: the engine runs the sub-select, and :mod:`coopgraph.query.outer` fills the labels,
  sorts, removes duplicates and pages, with the garbage collector paused while rows are made;
- collector running: the same, with :func:`coopgraph.collector.paused` a no-op;
- engine: the whole expanded text on Oxigraph (label functions and ORDER BY in the engine), as
  before the module, with the collector paused as shipped.

Every figure is the median of its runs. The script checks that the three give the same rows and
says whether they come in the same order (``up to ties``: rows
that tie on the text of every column the ORDER BY reads come in another order, as SPARQL allows).
"""

from __future__ import annotations

import argparse
import contextlib
import re
import statistics
import time
from pathlib import Path

import coopgraph
from coopgraph import collector
from coopgraph.query import library

#: The whole-graph SELECTs of the benchmark (partner-network is a CONSTRUCT: no label service).
WHOLE_GRAPH = ("agency-agreements", "partners", "timeline", "country-topics", "sources", "find")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", required=True)
    ap.add_argument("--queries", nargs="*", default=list(WHOLE_GRAPH))
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--out", help="write the Markdown table here too")
    args = ap.parse_args()
    graph = coopgraph.open(args.store)
    real_read, real_pause = library.read_outer, collector.paused
    modes = {
        "shipped": (real_read, real_pause),
        "collector running": (real_read, contextlib.nullcontext),
        "engine": (lambda text: None, real_pause),
    }
    lines = [f"medians of {args.repeats} alternating runs on {args.store}", "",
             "| query | rows | shipped | collector running | engine | engine / shipped | same order |",
             "|---|---|---|---|---|---|---|"]
    for name in args.queries:
        times: dict[str, list[float]] = {m: [] for m in modes}
        rows: dict[str, list[tuple]] = {}
        for _ in range(args.repeats):
            for mode, (read, pause) in modes.items():
                library.read_outer, collector.paused = read, pause
                start = time.perf_counter()
                rows[mode] = [tuple(r) for r in library.run(graph, name).rows]
                times[mode].append(time.perf_counter() - start)
        library.read_outer, collector.paused = real_read, real_pause
        base = sorted(map(repr, rows["engine"]))
        assert all(sorted(map(repr, r)) == base for r in rows.values()), f"{name}: the rows differ"
        med = {m: statistics.median(t) for m, t in times.items()}
        result = library.run(graph, name)
        order = library.select_query(name).text
        mentioned = set(re.findall(r"\?(\w+)", order[order.rindex("ORDER BY"):])) if "ORDER BY" in order else set()
        keys = [i for i, v in enumerate(result.vars) if v in mentioned]
        ties = all(a == b or [str(a[i]) for i in keys] == [str(b[i]) for i in keys]
                   for a, b in zip(rows["shipped"], rows["engine"]))
        same = "yes" if rows["shipped"] == rows["engine"] else "up to ties" if ties else "NO"
        lines.append(f"| {name} | {len(rows['engine'])} | {med['shipped']:.2f} s | {med['collector running']:.2f} s "
                     f"| {med['engine']:.2f} s | {med['engine'] / med['shipped']:.2f} "
                     f"| {same} |")
        print(lines[-1], flush=True)
    if args.out:
        Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
