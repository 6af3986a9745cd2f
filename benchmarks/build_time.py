"""Time `coopgraph build` against `coopgraph build --reference` on the project's data, side by side.

The two commands run in turn (A B A B ...) after one warm-up each, as whole processes, so a
drift in the machine's speed hits both alike; the script prints each one's median wall time and
peak memory and the median of the pair-by-pair ratios. Then the commands a user runs on the
finished build (``describe``, ``query NAME``, ``stats``), each as a whole process, in turn.
Results go in benchmarks/RESULTS-build.md.

    python benchmarks/build_time.py --runs 5
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident MiB of one whole-process run (it must succeed)."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)  # the kernel's own accounting of that process
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            sys.exit(f"{' '.join(command)} failed: {err.read().decode(errors='replace')[-500:]}")
    return wall, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="counted runs of each command")
    args = parser.parse_args()
    exe = [sys.executable, "-m", "coopgraph", "build"]
    with tempfile.TemporaryDirectory() as tmp:
        fast = [*exe, "--out", str(Path(tmp) / "fast")]
        ref = [*exe, "--reference", "--out", str(Path(tmp) / "ref")]
        run(fast), run(ref)  # warm-up: caches, the compiled ontology
        walls: dict[str, list[float]] = {"fast": [], "reference": []}
        peaks: dict[str, list[float]] = {"fast": [], "reference": []}
        for _ in range(args.runs):
            for name, command in (("fast", fast), ("reference", ref)):
                wall, peak = run(command)
                walls[name].append(wall)
                peaks[name].append(peak)
        same = all((Path(tmp) / "fast" / p.name).read_bytes() == p.read_bytes()
                   for p in (Path(tmp) / "ref").iterdir() if p.is_file())
        built = str(Path(tmp) / "fast")
        reads = {" ".join(words): [sys.executable, "-m", "coopgraph", *words, "--build", built]
                 for words in (["describe", "STAMEQ"], ["query", "partners"], ["stats"])}
        for command in reads.values():
            run(command)  # warm-up
        read_walls: dict[str, list[float]] = {name: [] for name in reads}
        for _ in range(args.runs):
            for name, command in reads.items():
                read_walls[name].append(run(command)[0])
    ratios = [a / b for a, b in zip(walls["fast"], walls["reference"], strict=True)]
    print(f"runs: {args.runs} of each, alternating, after one warm-up each")
    for name, values in walls.items():
        print(f"{name:>9}: wall median {statistics.median(values):.2f} s "
              f"(min {min(values):.2f}, max {max(values):.2f}), peak memory median "
              f"{statistics.median(peaks[name]):.0f} MiB")
    print(f"fast/reference wall ratio, median of pairs: {statistics.median(ratios):.3f} "
          f"({1 / statistics.median(ratios):.1f}x faster)")
    print(f"outputs byte-identical: {'yes' if same else 'NO'}")
    for name, values in read_walls.items():
        print(f"coopgraph {name} --build B: wall median {statistics.median(values):.2f} s "
              f"(min {min(values):.2f}, max {max(values):.2f})")


if __name__ == "__main__":
    main()
