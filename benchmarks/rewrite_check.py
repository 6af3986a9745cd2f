"""A rewritten named query against its previous text on one store: same rows, and their times.

    python benchmarks/rewrite_check.py --store /tmp/store --before e29e2f4 --repeats 1 \\
        country-topics meeting-commitments partner-network

The previous text is read from git (``git show REV:queries/NAME.rq``). Each query runs over the
whole graph and, where it has an entity parameter, for one entity of the synthetic graph
(benchmarks/bench.py's pick_entities); old and new alternate, wall time from the call, median.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", required=True)
    ap.add_argument("--before", required=True, metavar="REV", help="the git revision of the previous texts")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("names", nargs="+")
    args = ap.parse_args()

    from bench import pick_entities

    from coopgraph.build.store import open_store
    from coopgraph.query.library import QueryLibrary, run

    graph, library, entity = open_store(args.store), QueryLibrary(ROOT / "queries"), pick_entities(args.store)
    for name in args.names:
        old_text = subprocess.run(["git", "show", f"{args.before}:queries/{name}.rq"], cwd=ROOT, check=True,
                                  capture_output=True, text=True).stdout
        with tempfile.NamedTemporaryFile("w", suffix=".rq", delete=False) as f:
            f.write(old_text)
        declared = [p.name for p in library.get(name).parameters if p.type == "iri" and p.name in entity]
        for params in [{}, *({p: entity[p]} for p in declared)]:
            old_times, new_times = [], []
            for _ in range(args.repeats):
                t = time.perf_counter()
                old = run(graph, file=f.name, params=params)
                old_times.append(time.perf_counter() - t)
                t = time.perf_counter()
                new = run(graph, name, library=library, params=params)
                new_times.append(time.perf_counter() - t)
            same = (sorted(map(str, old.graph)) == sorted(map(str, new.graph)) if old.graph is not None
                    else [tuple(r) for r in old.rows] == [tuple(r) for r in new.rows])
            print(f"{name} ({', '.join(params) or 'whole graph'}): {len(old)} rows; before "
                  f"{statistics.median(old_times) * 1000:.1f} ms, after {statistics.median(new_times) * 1000:.1f} ms; "
                  f"same rows in the same order: {same}", flush=True)
        Path(f.name).unlink()


if __name__ == "__main__":
    main()
