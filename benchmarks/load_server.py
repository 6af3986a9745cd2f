"""Bounded load test of ``coopgraph serve`` on loopback: throughput, p50/p99 latency, errors.

Starts the server as its own process (so the clients' threads do not share its GIL), sends a
fixed number of requests from a fixed number of client threads, each on one keep-alive
connection, cycling through every named query (half by URL, half as SPARQL text POSTed to
/sparql), then stops the server. Nothing here runs in the test suite: figures depend on the
machine, so they are recorded in benchmarks/RESULTS-server.md with the command that made them.

    python benchmarks/load_server.py --build build --clients 8 --requests 4000
"""

from __future__ import annotations

import argparse
import itertools
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from coopgraph.queries import QueryLibrary  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(build: Path, port: int, extra: list[str]) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen([sys.executable, "-m", "coopgraph", "serve", "--build", str(build), "--port", str(port),
                             "--quiet", "--no-reload", *extra], env=env, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {proc.stderr.read().decode() if proc.stderr else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("server did not start within 120 s")


def requests(library: QueryLibrary) -> list[tuple[str, str, str, bytes | None, dict[str, str]]]:
    """(label, method, path, body, headers) for every named query, by URL and as POSTed text."""
    accept = {"Accept": "application/sparql-results+json, text/turtle;q=0.9"}
    mix = []
    for q in library:
        mix.append((f"GET /queries/{q.name}", "GET", f"/queries/{q.name}", None, accept))
        mix.append((f"POST {q.name}", "POST", "/sparql", urllib.parse.urlencode({"query": q.text}).encode(),
                    {**accept, "Content-Type": "application/x-www-form-urlencoded"}))
    return mix


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", default="build", type=Path, help="build folder to serve (default build)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client threads (default 8)")
    parser.add_argument("--requests", type=int, default=4000, help="total requests (default 4000)")
    parser.add_argument("--server-args", default="", help="extra `coopgraph serve` options, quoted")
    args = parser.parse_args()

    mix = requests(QueryLibrary(ROOT / "queries"))
    port = free_port()
    server = start_server(args.build, port, args.server_args.split())
    work = itertools.islice(itertools.cycle(mix), args.requests)
    lock = threading.Lock()
    latencies: list[float] = []
    per_label: dict[str, list[float]] = {}
    errors: Counter[str] = Counter()

    def client() -> None:
        conn = HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                item = next(work, None)
            if item is None:
                break
            label, method, path, body, headers = item
            start = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
                outcome = f"HTTP {response.status}"
            except OSError as e:
                conn.close()
                conn = HTTPConnection("127.0.0.1", port, timeout=60)
                ok, outcome = False, type(e).__name__
            elapsed = time.perf_counter() - start
            with lock:
                latencies.append(elapsed)
                per_label.setdefault(label, []).append(elapsed)
                if not ok:
                    errors[f"{label}: {outcome}"] += 1
        conn.close()

    try:
        # one warm-up pass so the first-request costs do not count
        warm = HTTPConnection("127.0.0.1", port, timeout=60)
        for _, method, path, body, headers in mix:
            warm.request(method, path, body=body, headers=headers)
            warm.getresponse().read()
        warm.close()
        threads = [threading.Thread(target=client) for _ in range(args.clients)]
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - start
    finally:
        server.terminate()
        server.wait(10)

    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000

    print(f"requests: {len(latencies)} from {args.clients} clients, {len(mix)} distinct requests "
          f"({len(mix) // 2} named queries, by URL and as POSTed text)")
    print(f"wall time: {wall:.2f} s")
    print(f"throughput: {len(latencies) / wall:.1f} requests/s")
    print(f"latency: p50 {pct(0.50):.1f} ms, p90 {pct(0.90):.1f} ms, p99 {pct(0.99):.1f} ms, "
          f"max {ordered[-1] * 1000:.1f} ms, mean {statistics.fmean(ordered) * 1000:.1f} ms")
    print(f"errors: {sum(errors.values())}")
    for what, n in errors.most_common():
        print(f"  {n} x {what}")
    print("slowest requests by median latency:")
    medians = sorted(((statistics.median(v) * 1000, k) for k, v in per_label.items()), reverse=True)
    for ms, label in medians[:5]:
        print(f"  {ms:8.1f} ms  {label}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
