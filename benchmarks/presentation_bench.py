"""Measure the presentation graph and the label service on a built store (issue 14, item 4).

    python benchmarks/presentation_bench.py compute STORE          # the whole-graph tables, twice
    python benchmarks/presentation_bench.py update STORE SOURCE    # update --store on a copy
    python benchmarks/presentation_bench.py queries STORE QUERIES OUT.json   # every named query

``STORE`` is a folder written by ``coopgraph build --store`` (``bench.py`` builds the 1M one as
``store-1000000`` in its work folder, and writes the ~100-triple extra source as
``extra-1000000.nq``). ``queries`` runs the files of ``QUERIES`` with the coopgraph that is first
on ``PYTHONPATH``, so two trees (before and after a change to the queries) can be timed side by
side on the same store: each query bound to one entity and over the whole graph as ``bench.py``
picks them, through the Python API (median of 3) and in the engine alone up to its first 1,000
rows. ``update`` copies the store first and checks that the presentation graph it leaves equals
a full recomputation. Nothing is estimated: each figure printed was measured in that run.
"""

from __future__ import annotations

import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))


def compute(store_dir: str) -> None:
    """Time presentation.compute over the whole store (what the build's presentation step does)."""
    import pyoxigraph as ox

    from coopgraph.build import presentation

    store = ox.Store.read_only(str(Path(store_dir) / "main"))
    for _ in range(2):
        t = time.perf_counter()
        quads = presentation.compute(store)
        print(json.dumps({"stage": "presentation compute", "quads": len(quads),
                          "seconds": round(time.perf_counter() - t, 2)}), flush=True)


def update(store_dir: str, source: str) -> None:
    """update_store with one source on a copy of the store; the presentation step timed apart."""
    import pyoxigraph as ox

    from coopgraph.build import store as storebuild, presentation

    work = Path(tempfile.mkdtemp(prefix="presentation-bench-"))
    copy = work / "store"
    shutil.copytree(store_dir, copy)
    real = presentation.refresh
    spent: dict[str, float] = {}

    def timed(store: ox.Store, touched: Any = None) -> int:
        t = time.perf_counter()
        n = real(store, touched)
        spent["presentation seconds"], spent["presentation quads written"] = time.perf_counter() - t, n
        return n

    storebuild.presentation.refresh = timed  # type: ignore[assignment]
    t = time.perf_counter()
    result = storebuild.update_store(copy, [source])
    total = time.perf_counter() - t
    print(json.dumps({"stage": "update", "seconds": round(total, 3), "mode": result.mode,
                      **{k: round(v, 3) for k, v in spent.items()},
                      **{f"in:{k}": round(v, 3) for k, v in result.seconds.items()}}), flush=True)
    store = ox.Store(str(copy / "main"))
    stored = set(store.quads_for_pattern(None, None, None, presentation.GRAPH))
    print(json.dumps({"stage": "update equals a full recomputation",
                      "equal": stored == presentation.compute(store), "quads": len(stored)}), flush=True)
    del store
    shutil.rmtree(work, ignore_errors=True)


def queries(store_dir: str, queries_dir: str, out: str) -> None:
    """Every named query of ``queries_dir`` on the store, bound as bench.py binds them."""
    import pyoxigraph as ox

    import bench
    from coopgraph.build.store import open_store
    from coopgraph.query.labels import label_functions
    from coopgraph.query.library import PREFIXES, QueryLibrary, run

    library = QueryLibrary(Path(queries_dir))
    bound = bench.bound_queries(bench.pick_entities(store_dir))
    graph = open_store(store_dir)
    results: dict[str, dict[str, Any]] = {}
    for name, params in bound:
        label = bench._qlabel(name, params)
        times: list[float] = []
        first: list[float] = []
        rows = 0
        for _ in range(3):
            r = run(graph, name, params=params, engine="oxigraph", timeout=120, library=library)
            times.append(r.seconds)
            rows = len(r)
            t = time.perf_counter()
            answer = graph.oxigraph.query(r.query, prefixes=PREFIXES, use_default_graph_as_union=True,
                                          custom_functions=label_functions(r.query, graph.oxigraph))
            if not isinstance(answer, ox.QueryBoolean):
                for i, _ in enumerate(answer):
                    if i == 999:
                        break
            first.append(time.perf_counter() - t)
            if r.seconds > 10:  # one run of a slow query says enough
                break
        results[label] = {"api_ms": round(1000 * statistics.median(times), 1),
                          "first1000_ms": round(1000 * statistics.median(first), 1), "rows": rows}
        print(label, json.dumps(results[label]), flush=True)
    Path(out).write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    command, *args = sys.argv[1:] or ["help"]
    commands = {"compute": compute, "update": update, "queries": queries}
    if command not in commands:
        sys.exit(__doc__)
    commands[command](*args)
