"""Load and fault run of ``coopgraph serve`` on loopback: mixed queries, then an attack mid-run.

The server runs as its own process (``python -m coopgraph serve``, its default limits unless
``--server-args`` says otherwise), so the clients' threads do not share its GIL. Well-behaved
clients (8 by default) send 2,000 requests each on one keep-alive connection. When half of
all requests are done, the attack starts: 4 copies of the issue's pathological query, sent at
once on their own connections, and 64 slow clients. Each slow client opens a connection and
sends one header line every 5 s for 30 s, opening a new connection when the server closes one.
Reported: the well-behaved clients' errors and latency (in all, during the attack, outside
it); when each pathological query was answered, and how; what the slow clients got; the
memory of the server's processes before, during and after. Nothing here runs in the test
suite: figures depend on the machine, so they are recorded in benchmarks/RESULTS-server.md
with the command that made them.

"Mixed" means this list, which each client walks from its own offset (it is printed too):
every named query of ``queries/`` by URL with its defaults; each named query with an ``iri``
parameter bound to three entities of the kind it takes; and two ad-hoc one-entity queries
for each of 40 entities spread over the kinds (agencies, people, meetings, agreements,
countries, strategies): the entity's statements, POSTed as ``application/sparql-query``, and
the statements pointing at it, POSTed form-encoded.
``--exclude NAME`` leaves a named query out of the mix, to show what it costs the others.

``--costs`` first measures what the worker processes cost, in this process and without HTTP:
the zygote's start, a fork, a worker's memory, and a query through a worker against the
same query run in-process.

    python benchmarks/load_server.py --build build --costs
    python benchmarks/load_server.py --build build --exclude person-posts
"""

from __future__ import annotations

import argparse
import itertools
import json
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

from coopgraph.query.library import QueryLibrary  # noqa: E402

PATHOLOGICAL = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
ACCEPT = {"Accept": "application/sparql-results+json, text/turtle;q=0.9"}
KINDS = {"agency": "cg:Agency", "person": "foaf:Person", "meeting": "cg:Meeting", "agreement": "cg:Agreement",
         "country": "cg:Country", "strategy": "cg:Strategy"}
PARAM_KINDS = {"agency": "agency", "entity": "agency", "actor": "agency", "from": "agency", "to": "agency",
               "person": "person", "personA": "person", "personB": "person", "meeting": "meeting",
               "agreement": "agreement", "instrument": "agreement", "country": "country", "strategy": "strategy"}
Request = tuple[str, str, str, bytes | None, dict[str, str]]  # label, method, path, body, headers


# -- the server and its processes -----------------------------------------------------------


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


def tree(root: int) -> list[int]:
    """``root`` and every live process below it."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] not in ("Z", "X"):
                parents[int(entry)] = int(fields[1])
    found, frontier = {root}, {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return sorted(found)


def _kib(path: str, key: str) -> int:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def memory(root: int) -> tuple[float, float, int]:
    """(PSS of the whole process tree, RSS of ``root``) in MiB, and how many processes there are.

    PSS counts a page shared by n processes as 1/n in each, so the sum is what the tree takes,
    whereas adding up RSS would count the workers' shared store once per worker."""
    pids = tree(root)
    pss = sum(_kib(f"/proc/{pid}/smaps_rollup", "Pss:") for pid in pids)
    return pss / 1024, _kib(f"/proc/{root}/status", "VmRSS:") / 1024, len(pids)


# -- the mix --------------------------------------------------------------------------------


def _sparql(port: int, text: str) -> list[dict]:
    conn = HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("POST", "/sparql", body=text.encode(), headers={"Content-Type": "application/sparql-query"})
    doc = json.loads(conn.getresponse().read())
    conn.close()
    return doc["results"]["bindings"]


def entities(port: int) -> dict[str, list[str]]:
    """The IRIs of each kind of entity, sorted, asked of the server itself."""
    found = {}
    for kind, cls in KINDS.items():
        rows = _sparql(port, f"SELECT DISTINCT ?e WHERE {{ ?e a {cls} }} ORDER BY ?e")
        found[kind] = [r["e"]["value"] for r in rows if r["e"]["type"] == "uri"]
    return found


def spread(items: list[str], n: int) -> list[str]:
    """``n`` items evenly spaced through ``items`` (all of them if there are fewer)."""
    if len(items) <= n:
        return items
    return [items[i * len(items) // n] for i in range(n)]


def mix(library: QueryLibrary, found: dict[str, list[str]], exclude: set[str]) -> tuple[list[Request], str]:
    """The requests every client walks through, and a line saying what they are."""
    out: list[Request] = []
    bound = 0
    for q in library:
        if q.name in exclude:
            continue
        out.append((f"named {q.name}", "GET", f"/queries/{q.name}", None, ACCEPT))
        iri = [p for p in q.parameters if p.type == "iri" and PARAM_KINDS.get(p.name) in found]
        for i in range(3):
            params = {}
            for j, p in enumerate(iri):
                pool = spread(found[PARAM_KINDS[p.name]], 3 + len(iri))
                if pool:
                    params[p.name] = pool[(i + j) % len(pool)]
            if params:
                out.append((f"named {q.name} (one entity)", "GET",
                            f"/queries/{q.name}?" + urllib.parse.urlencode(params), None, ACCEPT))
                bound += 1
    picked = sorted({e for kind in found for e in spread(found[kind], 40 // len(found) + 1)})[:40]
    for e in picked:
        out.append(("ad-hoc statements of an entity", "POST", "/sparql", f"SELECT ?p ?o WHERE {{ <{e}> ?p ?o }}".encode(),
                    {**ACCEPT, "Content-Type": "application/sparql-query"}))
        out.append(("ad-hoc statements about an entity", "POST", "/sparql",
                    urllib.parse.urlencode({"query": f"SELECT ?s ?p WHERE {{ ?s ?p <{e}> }} LIMIT 200"}).encode(),
                    {**ACCEPT, "Content-Type": "application/x-www-form-urlencoded"}))
    named = sum(1 for q in library if q.name not in exclude)
    line = (f"{len(out)} distinct requests: {named} named queries by URL with their defaults, {bound} bound to one "
            f"entity, {2 * len(picked)} ad-hoc one-entity queries ({len(picked)} entities)"
            + (f"; left out: {', '.join(sorted(exclude))}" if exclude else ""))
    return out, line


# -- the attack -----------------------------------------------------------------------------


def pathological(port: int, results: list[tuple[int | str, float, str]]) -> None:
    start = time.perf_counter()
    try:
        conn = HTTPConnection("127.0.0.1", port, timeout=120)
        conn.request("GET", "/sparql?" + urllib.parse.urlencode({"query": PATHOLOGICAL}))
        r = conn.getresponse()
        text = r.read().decode().strip()
        results.append((r.status, time.perf_counter() - start, text))
    except OSError as e:
        results.append((type(e).__name__, time.perf_counter() - start, ""))


def slow_client(port: int, seconds: float, every: float, outcomes: Counter[str], lock: threading.Lock) -> None:
    """Trickle a request head, a line every ``every`` seconds, for ``seconds``; reconnect when cut."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=every + 5)
        except OSError as e:
            with lock:
                outcomes[f"connect failed: {type(e).__name__}"] += 1
            time.sleep(every)
            continue
        opened = time.monotonic()
        outcome = "still open at the end"
        try:
            s.sendall(b"GET /status HTTP/1.1\r\nHost: x\r\n")
            for i in itertools.count():
                s.settimeout(max(0.01, min(every, end - time.monotonic())))
                try:
                    got = s.recv(100)
                except TimeoutError:
                    got = None
                if got is not None:
                    status = got.split(b" ", 2)[1].decode() if got.startswith(b"HTTP/") else "closed"
                    outcome = f"{status} after {round(time.monotonic() - opened)} s"
                    break
                if time.monotonic() >= end:
                    break
                s.sendall(f"X-Slow-{i}: 1\r\n".encode())
        except OSError as e:
            outcome = f"{type(e).__name__} after {round(time.monotonic() - opened)} s"
        finally:
            s.close()
        with lock:
            outcomes[outcome] += 1


# -- worker costs ---------------------------------------------------------------------------


def measure_costs(build: Path) -> list[str]:
    """What the worker processes cost, measured without HTTP in this process."""
    import coopgraph
    from coopgraph.serve.server import nquads
    from coopgraph.serve.workers import Job, WorkerPool, answer

    graph = coopgraph.open(build_dir=build)
    start = time.perf_counter()
    dump = nquads(graph)
    dump_s = time.perf_counter() - start
    import pyoxigraph as ox

    store = ox.Store()
    store.load(dump, format=ox.RdfFormat.N_QUADS)
    start = time.perf_counter()
    pool = WorkerPool(lambda: dump, len(store), first_dump=dump)
    zygote_s = time.perf_counter() - start
    lines = [f"snapshot dump: {len(store)} quads, {len(dump) / 2**20:.1f} MiB of N-Quads in {dump_s * 1000:.0f} ms",
             f"zygote start (interpreter, imports, load, priming): {zygote_s * 1000:.0f} ms"]
    try:
        forks, workers = [], []
        for _ in range(20):
            start = time.perf_counter()
            workers.append(pool.checkout())  # none idle: each is a fork
            forks.append(time.perf_counter() - start)
        for w in workers:
            pool.checkin(w)
        lines.append(f"fork a worker: median {statistics.median(forks) * 1000:.2f} ms, "
                     f"max {max(forks) * 1000:.2f} ms (20 forks)")

        class Local:
            oxigraph = store

        def through(job: Job, n: int) -> tuple[float, float]:
            """Medians of the job through a worker and in-process, alternated so drift hits both."""
            worker = pool.checkout()
            times, local = [], []
            for _ in range(n):
                t = time.perf_counter()
                worker.ask(Job(job.text, job.formats, job.max_rows, time.monotonic() + 60))
                worker.ready(60)
                worker.answer()
                times.append(time.perf_counter() - t)
                t = time.perf_counter()
                answer(Local(), Job(job.text, job.formats, job.max_rows, time.monotonic() + 60))
                local.append(time.perf_counter() - t)
            pool.checkin(worker)
            return statistics.median(times), statistics.median(local)

        import gc

        gc.freeze()  # as the zygote does: the collector then skips the graph loaded above, in both runs
        small = Job("ASK { ?s ?p ?o }", {"ASK": "json"}, 10_000, 0)
        big = Job("SELECT * WHERE { ?s ?p ?o } LIMIT 5000", {"SELECT": "json"}, 10_000, 0)
        for label, job in (("ASK, 60 bytes of JSON", small), ("5,000 rows, about 2 MB of JSON", big)):
            w, local = through(job, 100)
            lines.append(f"query {label}: {w * 1000:.2f} ms through a worker, {local * 1000:.2f} ms in-process "
                         f"(the difference, IPC and hand-off: {(w - local) * 1000:.2f} ms; medians of 100)")
        pids = pool.pids()
        worker, zygote = pids["idle"][0], pids["zygote"][0]
        uss = (_kib(f"/proc/{worker}/smaps_rollup", "Private_Clean:") +
               _kib(f"/proc/{worker}/smaps_rollup", "Private_Dirty:")) / 1024
        zygote_rss = _kib(f"/proc/{zygote}/status", "VmRSS:") / 1024
        worker_rss = _kib(f"/proc/{worker}/status", "VmRSS:") / 1024
        lines.append(f"memory: zygote RSS {zygote_rss:.0f} MiB; a worker after 200 queries: RSS {worker_rss:.0f} MiB, "
                     f"of which its own (USS) {uss:.1f} MiB, the rest shared with the zygote")
    finally:
        pool.close()
    return lines


# -- the run --------------------------------------------------------------------------------


def pct(ordered: list[float], p: float) -> float:
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000 if ordered else float("nan")


def summary(values: list[float]) -> str:
    ordered = sorted(values)
    if not ordered:
        return "none"
    return (f"p50 {pct(ordered, 0.50):.1f} ms, p90 {pct(ordered, 0.90):.1f} ms, p99 {pct(ordered, 0.99):.1f} ms, "
            f"max {ordered[-1] * 1000:.1f} ms ({len(ordered)} requests)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", default="build", type=Path, help="build folder to serve (default build)")
    parser.add_argument("--clients", type=int, default=8, help="well-behaved client threads (default 8)")
    parser.add_argument("--per-client", type=int, default=2000, help="requests per client (default 2000)")
    parser.add_argument("--pathological", type=int, default=4, help="pathological queries mid-run (default 4)")
    parser.add_argument("--slow-clients", type=int, default=64, help="slow clients mid-run (default 64)")
    parser.add_argument("--slow-seconds", type=float, default=30, help="how long they go on (default 30)")
    parser.add_argument("--slow-every", type=float, default=5, help="seconds between their header lines (default 5)")
    parser.add_argument("--exclude", action="append", default=[], metavar="NAME", help="leave a named query out")
    parser.add_argument("--costs", action="store_true", help="first measure what the worker processes cost")
    parser.add_argument("--server-args", default="", help="extra `coopgraph serve` options, quoted")
    args = parser.parse_args()

    if args.costs:
        print("worker costs (in-process, no HTTP):")
        for line in measure_costs(args.build):
            print(f"  {line}")
    load = os.getloadavg()
    port = free_port()
    server = start_server(args.build, port, args.server_args.split())
    lock = threading.Lock()
    records: list[tuple[float, float, str, bool]] = []  # start, latency, label, ok
    errors: Counter[str] = Counter()
    attack_window: list[float] = []
    attack_results: list[tuple[int | str, float, str]] = []
    slow_outcomes: Counter[str] = Counter()
    mem: dict[str, tuple[float, float, int]] = {}
    peak = [0.0]
    total = args.clients * args.per_client
    half, quarter = threading.Event(), threading.Event()
    try:
        requests, described = mix(QueryLibrary(ROOT / "queries"), entities(port), set(args.exclude))
        warm = HTTPConnection("127.0.0.1", port, timeout=60)  # one pass: first-request costs do not count
        for _, method, path, body, headers in requests:
            warm.request(method, path, body=body, headers=headers)
            warm.getresponse().read()
        warm.close()
        mem["before"] = memory(server.pid)

        def client(offset: int) -> None:
            conn = HTTPConnection("127.0.0.1", port, timeout=60)
            for i in range(args.per_client):
                label, method, path, body, headers = requests[(offset + i) % len(requests)]
                start = time.perf_counter()
                try:
                    conn.request(method, path, body=body, headers=headers)
                    response = conn.getresponse()
                    response.read()
                    ok, outcome = response.status == 200, f"HTTP {response.status}"
                    if response.will_close:
                        conn.close()
                        conn = HTTPConnection("127.0.0.1", port, timeout=60)
                except OSError as e:
                    conn.close()
                    conn = HTTPConnection("127.0.0.1", port, timeout=60)
                    ok, outcome = False, type(e).__name__
                elapsed = time.perf_counter() - start
                with lock:
                    records.append((start, elapsed, label, ok))
                    if not ok:
                        errors[f"{label}: {outcome}"] += 1
                    if len(records) >= total // 4:
                        quarter.set()
                    if len(records) >= total // 2:
                        half.set()
            conn.close()

        def sample() -> None:
            while not done.is_set():
                peak[0] = max(peak[0], memory(server.pid)[0])
                done.wait(1)

        done = threading.Event()
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        clients = [threading.Thread(target=client, args=(i * len(requests) // args.clients,))
                   for i in range(args.clients)]
        wall = time.perf_counter()
        for t in clients:
            t.start()
        quarter.wait()
        mem["a quarter in"] = memory(server.pid)
        half.wait()
        attack_window.append(time.perf_counter())
        attackers = [threading.Thread(target=pathological, args=(port, attack_results)) for _ in range(args.pathological)]
        attackers += [threading.Thread(target=slow_client, args=(port, args.slow_seconds, args.slow_every,
                                                                 slow_outcomes, lock))
                      for _ in range(args.slow_clients)]
        for t in attackers:
            t.start()
        time.sleep(min(5, args.slow_seconds / 2))
        mem["during"] = memory(server.pid)
        for t in attackers:
            t.join()
        attack_window.append(time.perf_counter())
        for t in clients:
            t.join()
        wall = time.perf_counter() - wall
        done.set()
        time.sleep(1)  # the last worker recycling settles
        mem["after"] = memory(server.pid)
        conn = HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("GET", "/status")
        status = json.loads(conn.getresponse().read())
        conn.close()
    finally:
        server.terminate()
        server.wait(30)

    latencies = [r[1] for r in records]
    during = [r[1] for r in records if attack_window[0] <= r[0] <= attack_window[1]]
    outside = [r[1] for r in records if not attack_window[0] <= r[0] <= attack_window[1]]
    print(f"machine load (1-minute average) at the start {load[0]:.2f}, at the end {os.getloadavg()[0]:.2f}; "
          f"{os.cpu_count()} CPUs")
    print(f"mix: {described}")
    print(f"well-behaved: {len(records)} requests from {args.clients} clients in {wall:.1f} s "
          f"({len(records) / wall:.1f} requests/s); errors: {sum(errors.values())}")
    for what, n in errors.most_common():
        print(f"  {n} x {what}")
    print(f"latency, all: {summary(latencies)}")
    print(f"latency, during the attack ({attack_window[1] - attack_window[0]:.1f} s): {summary(during)}")
    print(f"latency, outside it: {summary(outside)}")
    p99 = pct(sorted(latencies), 0.99)
    print(f"p99 under 250 ms: {'yes' if p99 < 250 else 'no'} ({p99:.1f} ms)")
    print("slowest requests by median latency (p99):")
    by_label: dict[str, list[float]] = {}
    for _, latency, label, _ in records:
        by_label.setdefault(label, []).append(latency)
    for ms, label in sorted(((statistics.median(v) * 1000, k) for k, v in by_label.items()), reverse=True)[:6]:
        print(f"  {ms:8.1f} ms ({pct(sorted(by_label[label]), 0.99):.0f})  {label} ({len(by_label[label])} requests)")
    limit = status["limits"]["timeout"]
    print(f"pathological queries (limit {limit:g} s): " + ", ".join(
        f"{s} after {t:.2f} s" for s, t, _ in sorted(attack_results, key=lambda r: r[1])))
    stopped = all(s == 503 and t < limit + 0.5 for s, t, _ in attack_results)
    print(f"  all stopped within the limit (+0.5 s): {'yes' if stopped else 'no'}; "
          f"answer: {attack_results[0][2] if attack_results else '-'}")
    print(f"  the server killed {status['queries_stopped']} queries, each this long after it started in its "
          f"worker: {', '.join(f'{t:.2f} s' for t in status['stopped_after_seconds'])}")
    print(f"slow clients: {args.slow_clients} for {args.slow_seconds:g} s, a header line every {args.slow_every:g} s: "
          + ", ".join(f"{n} x {what}" for what, n in slow_outcomes.most_common()))
    for when in ("before", "a quarter in", "during", "after"):
        pss, rss, n = mem[when]
        print(f"memory {when}: {pss:.0f} MiB PSS in {n} processes (server process RSS {rss:.0f} MiB)")
    print(f"memory peak (1 s samples): {peak[0]:.0f} MiB PSS")
    print(f"server counters: {json.dumps(status['counters'], sort_keys=True)}")
    return 1 if errors or not stopped else 0


if __name__ == "__main__":
    sys.exit(main())
