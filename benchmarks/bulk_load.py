"""How large one call of pyoxigraph's on-disk bulk loader should be: time and memory by call size.

The store build writes the asserted quads and their default-graph copies with
``coopgraph.build.store.bulk_load``, in calls of at most ``BULK_LOAD_QUADS`` quads (and as many copies). This script
writes the same quads (those of an N-Quads file and their copies) into a fresh on-disk store in
calls of each given size, each size in its own process, the sizes in turn (A B A B ...), and
prints each one's median wall time and the median of the extra memory the calls took (the peak
resident memory while loading, sampled every 20 ms, minus the resident memory before it).
Results go in benchmarks/RESULTS-build.md.

    python benchmarks/bulk_load.py DATA.nq --sizes 250000 2000000 --runs 2
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path


def _resident_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def one(data: str, size: int, folder: str) -> dict[str, float]:
    """Load ``data`` and its default-graph copies into a new store at ``folder`` in calls of ``size``."""
    import pyoxigraph as ox

    from coopgraph.build.store import bulk_load, parse_quads

    quads = parse_quads([data])
    before, peak = _resident_mib(), [0.0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _resident_mib())
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    store = ox.Store(folder)
    start = time.perf_counter()
    bulk_load(store, quads, size)  # the build's own loader: the quads and their copies in the merge
    store.flush()
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    return {"seconds": wall, "extra_mib": peak[0] - before, "quads": 2 * len(quads)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", help="an N-Quads file (e.g. one benchmarks/bench.py generated)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[250_000, 2_000_000])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # a child process: one size
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.data, args.one, args.folder)))
        return
    found: dict[int, list[dict[str, float]]] = {size: [] for size in args.sizes}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.runs):
            for size in args.sizes:
                folder = Path(tmp) / f"store-{size}"
                shutil.rmtree(folder, ignore_errors=True)
                out = subprocess.run([sys.executable, __file__, args.data, "--one", str(size), "--folder", str(folder)],
                                     check=True, capture_output=True, text=True).stdout
                found[size].append(json.loads(out))
    print(f"runs: {args.runs} of each size, alternating; {found[args.sizes[0]][0]['quads']:,} quads")
    for size, runs in found.items():
        secs = [r["seconds"] for r in runs]
        extra = [r["extra_mib"] for r in runs]
        print(f"calls of {size:>9,} quads: wall median {statistics.median(secs):.2f} s "
              f"(runs {', '.join(f'{s:.2f}' for s in secs)}); extra memory median {statistics.median(extra):.0f} MiB")


if __name__ == "__main__":
    main()
