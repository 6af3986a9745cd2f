"""Paging and streaming at scale: one-entity queries, the first 1,000 rows of whole-graph queries,
and a whole listing streamed to a file, on a store built by ``coopgraph build --store``.

    coopgraph synth --triples 1000000 --seed 1 --out /tmp/synth.nq
    coopgraph build --data /tmp/synth.nq --store /tmp/store --allow-invalid
    python benchmarks/stream_bench.py --store /tmp/store --repeats 3

Every figure is a median of ``--repeats`` runs in this one run; each line shows the figures it
compares side by side. "first 1,000 rows" is the time from sending the query until 1,000 rows
have been converted to rdflib terms, read from a streamed result (QueryResult.stream); "whole"
is the same query with every row converted, as before streaming. The listing streamed to a file
is ``coopgraph query NAME --store S --format csv > FILE`` as a user runs it (whole process), and
next to it the same query written the old way in a child process (every row converted into a
list, the whole CSV text made, then written), with each process's peak memory (ru_maxrss).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
PY = sys.executable
WHOLE_GRAPH = ("agency-agreements", "partners", "timeline", "sources", "country-topics", "find", "partner-network")


def _median(values: list[float]) -> float:
    return statistics.median(values)


def _ms(s: float) -> str:
    return f"{s * 1000:.1f} ms" if s < 1 else f"{s:.2f} s"


def _child_old_way(store: str, name: str, out: str) -> None:
    """The pre-streaming path: all rows converted into a list, the whole text made, then written."""
    from coopgraph.build.store import open_store
    from coopgraph.query.library import run
    from coopgraph.query.results import write

    text = write(run(open_store(store), name), "csv")
    Path(out).write_text(text, encoding="utf-8")


def _timed_process(args: list[str], stdout_path: str) -> tuple[float, int]:
    """Wall time and peak RSS (KiB) of one child process writing its stdout to a file.

    The peak comes from GNU time (``%M``) around the child: ``ru_maxrss`` of a child forked
    from this process starts at this process's own peak (the loaded store), which hid the
    difference being measured.
    """
    env = {**os.environ, "COOPGRAPH_PROGRESS": "0", "PYTHONPATH": str(ROOT / "src")}
    with open(stdout_path, "wb") as out:
        start = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-f", "%M", PY, *args], stdout=out, stderr=subprocess.PIPE,
                              env=env, cwd=ROOT, check=False)
        seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed: {proc.stderr.decode()[-300:]}")
    return seconds, int(proc.stderr.decode().split()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", required=True)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--listing", default="agency-agreements", help="the whole listing streamed to a file")
    ap.add_argument("--child-old-way", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child_old_way:
        _child_old_way(*args.child_old_way)
        return

    from bench import bound_queries, pick_entities

    from coopgraph.build.store import open_store
    from coopgraph.query.library import run

    graph = open_store(args.store)
    triples = graph.manifest.get("triples_asserted", 0) + graph.manifest.get("triples_inferred", 0)
    lines = [f"store: {args.store} ({graph.manifest.get('triples_asserted')} asserted + "
             f"{graph.manifest.get('triples_inferred')} inferred = {triples} triples), repeats: {args.repeats}",
             "", "one-entity queries (API: bind, run, every row converted; wall time, median):", ""]
    for name, params in bound_queries(pick_entities(args.store)):
        if not params or name == "find":
            continue
        times, rows = [], 0
        for _ in range(args.repeats):
            start = time.perf_counter()
            r = run(graph, name, params=params)
            times.append(time.perf_counter() - start)
            rows = len(r)
        lines.append(f"- {name} ({', '.join(params)}): {_ms(_median(times))}, {rows} rows")
        print(lines[-1], file=sys.stderr, flush=True)

    lines += ["", "whole-graph queries (API, wall time from the call, median): first 1,000 rows streamed | "
              "the same query, every row converted | with limit=1000 (the engine pages):", ""]
    for name in WHOLE_GRAPH:
        params = {"text": "Ministry"} if name == "find" else {}
        first, whole, limited, rows = [], [], [], 0
        for _ in range(args.repeats):
            start = time.perf_counter()
            streamed = run(graph, name, params=params, stream=True)
            if streamed.kind == "SELECT":
                sum(1 for _ in itertools.islice(streamed.stream(), 1000))
            first.append(time.perf_counter() - start)
            start = time.perf_counter()
            r = run(graph, name, params=params)
            whole.append(time.perf_counter() - start)
            rows = len(r)
            start = time.perf_counter()
            run(graph, name, params=params, limit=1000)
            limited.append(time.perf_counter() - start)
        lines.append(f"- {name}{' (CONSTRUCT: whole result)' if r.kind != 'SELECT' else ''}: "
                     f"{_ms(_median(first))} | {_ms(_median(whole))} ({rows} rows) | {_ms(_median(limited))}")

    out = f"/tmp/stream-bench-{os.getpid()}.csv"
    streamed_runs = [_timed_process(["-m", "coopgraph", "query", args.listing, "--store", args.store,
                                     "--format", "csv"], out) for _ in range(args.repeats)]
    size = Path(out).stat().st_size
    rows = sum(1 for _ in open(out, encoding="utf-8", newline="")) - 1
    old_runs = [_timed_process([str(Path(__file__).resolve()), "--store", args.store, "--child-old-way",
                                args.store, args.listing, out + ".old"], "/dev/null") for _ in range(args.repeats)]
    same = Path(out).read_bytes() == Path(out + ".old").read_bytes()
    lines += ["", f"{args.listing} to a CSV file ({rows} rows, {size:,} bytes; files identical: {same}), "
              "whole process, median:", "",
              f"- streamed (`coopgraph query {args.listing} --store S --format csv > FILE`): "
              f"{_ms(_median([s for s, _ in streamed_runs]))}, peak {_median([m for _, m in streamed_runs]) / 1024:.0f} MiB",
              f"- rows listed, whole text made, then written (before streaming): "
              f"{_ms(_median([s for s, _ in old_runs]))}, peak {_median([m for _, m in old_runs]) / 1024:.0f} MiB"]
    for path in (out, out + ".old"):
        Path(path).unlink(missing_ok=True)
    print("\n".join(lines))
    print(json.dumps({"streamed": streamed_runs, "old": old_runs}), file=sys.stderr)


if __name__ == "__main__":
    main()
