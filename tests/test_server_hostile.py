"""Hostile queries and hostile clients against a live endpoint (issue 13, findings 3 and 7).

Each test starts its own server (``make_server`` in conftest) over a private copy of the real
build, with limits small enough to trip in about a second, and attacks it over real sockets.
Then it checks what a user would: a clear status and message, the server still answering
correctly, no traceback, the build untouched, nothing fetched from the network, and the CPU
the attack took given back. ``coopgraph serve`` itself is attacked as a subprocess at the end.
"""

from __future__ import annotations

import hashlib
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

import coopgraph
from _server_support import alive, copy_build, free_port, http, proc_stat, q, wait_for_port
from _support import ROOT, error_lines, run_cli
from cdp_browser import Browser, require_chromium

# The query: about 1.6e11 solutions to count on this graph, and no row before the end,
# so only killing its process stops it.
PATHOLOGICAL = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
ENTITY = "/id/org/stameq"


def count(url: str) -> int:
    r = http(url, q(COUNT))
    assert r.status == 200, r.text
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


def wait_until(check, seconds: float = 10) -> bool:  # noqa: ANN001
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.02)
    return check()


def descendants(root: int) -> set[int]:
    """Every process below ``root`` (children, grandchildren, ...)."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (st := proc_stat(int(entry))) is not None:
            parents[int(entry)] = st[0]
    found, frontier = set(), {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def cpu_seconds(root: int) -> float:
    """CPU time used so far by ``root`` and every process below it."""
    ticks = sum(st[1] for pid in {root, *descendants(root)} if (st := proc_stat(pid)) is not None)
    return ticks / os.sysconf("SC_CLK_TCK")


def raw(url: str, data: bytes, timeout: float = 10) -> tuple[int, dict[str, str], bytes]:
    """Send bytes as they are on a fresh connection; the status, headers and body of the reply."""
    parsed = urllib.parse.urlsplit(url)
    with socket.create_connection((parsed.hostname, parsed.port), timeout=timeout) as s:
        s.sendall(data)
        return read_response(s)


def read_response(s: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """One response read off a socket (until its Content-Length, or the end)."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(65536)
        if not chunk:
            raise AssertionError(f"connection closed before a complete response head: {buf!r}")
        buf += chunk
    head, _, body = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = s.recv(65536)
        if not chunk:
            break
        body += chunk
    return int(lines[0].split()[1]), headers, body


def assert_safe_headers(status: int, headers: dict[str, str], html: bool = False) -> None:
    """Finding 7: what every response must carry, and what a page must carry too."""
    where = f"HTTP {status}"
    assert headers.get("x-content-type-options") == "nosniff", where
    assert headers.get("referrer-policy") == "no-referrer", where
    assert headers.get("x-frame-options") == "DENY", where
    assert headers.get("server") == f"coopgraph/{coopgraph.__version__}", (where, headers.get("server"))
    policy = headers.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in policy, where
    if html:
        assert "default-src 'none'" in policy and "unsafe-inline" not in policy, where
    else:
        assert policy == "default-src 'none'; frame-ancestors 'none'", where


# -- finding 3: queries that would run for hours ---------------------------------------------


def test_four_pathological_queries_are_stopped_and_free_their_slots(make_server, capfd) -> None:  # noqa: ANN001
    """Each gets 503 at its time limit and its process is killed: the CPU is free and the next
    requests are answered at once (before, every later request got 503 until a restart)."""
    log: list[str] = []
    others = descendants(os.getpid())  # processes of servers other tests left running
    server = make_server(log=log, timeout=1.0)
    expected = count(server.url)
    answers: list[tuple[int, str, float]] = []

    def attack() -> None:
        start = time.monotonic()
        r = http(server.url, q(PATHOLOGICAL), timeout=60)
        answers.append((r.status, r.text, time.monotonic() - start))

    attackers = [threading.Thread(target=attack) for _ in range(4)]
    for t in attackers:
        t.start()
    assert wait_until(lambda: http(server.url, "/status").json()["queries_running"] == 4, 5)
    ran_queries = descendants(os.getpid()) - others  # the four queries' processes, and their zygote
    for t in attackers:
        t.join(30)
    assert len(answers) == 4
    for status, text, seconds in answers:
        assert status == 503 and "exceeded the 1 s time limit" in text, text
        assert seconds < 1.0 + 0.75, f"answered after {seconds:.2f} s"  # at its limit, not when it ended
    before = cpu_seconds(os.getpid())
    time.sleep(1.0)
    used = cpu_seconds(os.getpid()) - before
    assert used < 0.25, f"{used:.2f} s of CPU in 1 s: the stopped queries are still running"
    start = time.monotonic()
    assert count(server.url) == expected
    assert time.monotonic() - start < 1.0
    follow_up: list[int] = []
    again = [threading.Thread(target=lambda: follow_up.append(http(server.url, q(COUNT)).status)) for _ in range(4)]
    for t in again:
        t.start()
    for t in again:
        t.join(20)
    assert follow_up == [200] * 4  # all four slots are free again
    assert http(server.url, "/queries").status == 200
    assert wait_until(lambda: len([pid for pid in ran_queries if not alive(pid)]) == 4, 5)
    gone = [pid for pid in ran_queries if not alive(pid)]
    assert len(gone) == 4, f"of {sorted(ran_queries)}, only {gone} ended"  # the four workers; the zygote stays
    assert server.worker_pids()["zygote"] == sorted(ran_queries - set(gone))
    assert http(server.url, "/status").json()["queries_stopped"] == 4
    assert all("and was stopped" in text for _, text, _ in answers)
    assert not [line for line in log if "Traceback" in line or "internal error" in line]
    assert "Traceback" not in capfd.readouterr().err


def test_long_queries_make_way_for_short_ones(make_server) -> None:  # noqa: ANN001
    """Past slow_query_after, a running query gets the lowest CPU priority and gives its slot to
    a slow slot: with both slots held by hostile queries, short queries still get through."""
    server = make_server(timeout=2.5, max_concurrent=2, max_slow_queries=2, slow_query_after=0.3, queue_wait=0.2)
    expected = count(server.url)
    hogs = [threading.Thread(target=http, args=(server.url, q(PATHOLOGICAL))) for _ in range(2)]
    for t in hogs:
        t.start()
    try:
        assert wait_until(lambda: http(server.url, "/status").json()["slow_queries_running"] == 2, 5)
        busy = server.worker_pids()["busy"]
        assert len(busy) == 2 and all(os.getpriority(os.PRIO_PROCESS, pid) == 19 for pid in busy)
        for _ in range(5):
            start = time.monotonic()
            assert count(server.url) == expected
            assert time.monotonic() - start < 0.5
    finally:
        for t in hogs:
            t.join(10)
    assert wait_until(lambda: http(server.url, "/status").json()["queries_running"] == 0, 5)
    assert wait_until(lambda: not [pid for pid in busy if alive(pid)], 5)  # a demoted worker is never reused


def test_named_queries_are_not_demoted(make_server, tmp_path: Path) -> None:  # noqa: ANN001
    """A named query is the project's own: however long it runs, it keeps its slot and its
    priority (demoted under load, a heavy one would starve into the time limit)."""
    library = tmp_path / "queries"
    library.mkdir()
    (library / "endless.rq").write_text(f"# Question: How long is forever?\n# Reasoning: none.\n{PATHOLOGICAL}\n")
    server = make_server(queries_dir=library, timeout=1.5, slow_query_after=0.3)
    answered: list[int] = []
    runner = threading.Thread(target=lambda: answered.append(http(server.url, "/queries/endless").status))
    runner.start()
    try:
        assert wait_until(lambda: len(server.worker_pids()["busy"]) == 1, 5)
        time.sleep(0.6)  # well past slow_query_after
        (busy,) = server.worker_pids()["busy"]
        assert os.getpriority(os.PRIO_PROCESS, busy) == 0
        assert http(server.url, "/status").json()["slow_queries_running"] == 0
    finally:
        runner.join(10)
    assert answered == [503]  # the time limit still holds


def test_stopping_the_server_ends_running_queries(make_server) -> None:  # noqa: ANN001
    """Stop (Ctrl-C, SIGTERM) with a query running: its client hears 503, no process is left."""
    server = make_server(timeout=30)
    answered: list[tuple[int, str]] = []

    def running() -> None:
        r = http(server.url, q(PATHOLOGICAL))
        answered.append((r.status, r.text))

    client = threading.Thread(target=running)
    client.start()
    assert wait_until(lambda: len(server.worker_pids()["busy"]) == 1, 5)
    pids = server.worker_pids()
    start = time.monotonic()
    server.stop()
    client.join(10)
    assert time.monotonic() - start < 5
    assert answered == [(503, "the server is shutting down\n")]
    assert wait_until(lambda: not any(alive(p) for p in pids["zygote"] + pids["busy"] + pids["idle"]), 5)


def test_a_query_too_deep_for_the_parser_is_refused(make_server) -> None:  # noqa: ANN001
    """Ten thousand nested parentheses would overflow the query parser's stack (a crash of the
    process parsing it); the query is refused before any parser reads it, and the server goes on.
    (A worker that does crash costs only itself: see the memory-limit test below.)"""
    server = make_server()
    expected = count(server.url)
    deep = "SELECT * WHERE { FILTER(" + "(" * 10_000 + "1" + ")" * 10_000 + ") }"
    r = http(server.url, "/sparql", "POST", deep, {"Content-Type": "application/sparql-query"})
    assert r.status == 400 and "nests brackets more than 256 deep" in r.text, r.text
    assert count(server.url) == expected


def test_a_killed_zygote_is_replaced(make_server) -> None:  # noqa: ANN001
    server = make_server()
    expected = count(server.url)
    pids = server.worker_pids()
    for pid in pids["zygote"] + pids["idle"]:
        os.kill(pid, signal.SIGKILL)
    assert wait_until(lambda: not any(alive(p) for p in pids["zygote"] + pids["idle"]), 5)
    assert count(server.url) == expected
    assert server.worker_pids()["zygote"] != pids["zygote"]


def test_a_memory_hungry_query_is_stopped_by_its_memory_limit(make_server) -> None:  # noqa: ANN001
    """Sorting 30 million solutions needs gigabytes; with 200 MiB a query may take, it ends
    well before its time limit, and nothing else is disturbed."""
    server = make_server(timeout=20, worker_memory_mib=200)
    expected = count(server.url)
    start = time.monotonic()
    r = http(server.url, q("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?a ?d LIMIT 1"))
    assert r.status == 500 and "200 MiB" in r.text, r.text
    assert r.headers.get("x-content-type-options") == "nosniff"  # a crashed worker's answer too
    assert time.monotonic() - start < 15
    assert count(server.url) == expected


def _published(build: Path) -> tuple[dict[str, str], list[str]]:
    """A build's published files (bytes) and its store (statements: RocksDB writes its own logs
    whenever a store is opened, so the store's files are not what it says)."""
    import pyoxigraph as ox

    files = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(build.iterdir()) if p.is_file()}
    store = ox.Store.read_only(str(build / "store" / "main"))
    return files, sorted(str(q) for q in store.quads_for_pattern(None, None, None, None))


def test_hostile_queries_fetch_nothing_and_lose_nothing(make_server, capfd) -> None:  # noqa: ANN001
    """Federation, LOAD, FROM, updates and the expensive queries above, all at one server: each
    gets a clear refusal, no address is contacted, the build is byte for byte what it was."""
    log: list[str] = []
    server = make_server(log=log, timeout=1.0, max_rows=100)
    build = server.config.build_dir
    files_before = _published(build)
    expected = count(server.url)
    canary = socket.create_server(("127.0.0.1", 0))
    canary.settimeout(0)
    there = f"http://127.0.0.1:{canary.getsockname()[1]}"
    cases = [
        (f"SELECT * WHERE {{ SERVICE <{there}/sparql> {{ ?s ?p ?o }} }}", 403, "SERVICE"),
        (f"LOAD <{there}/data.ttl>", 403, "read-only"),
        (f"INSERT DATA {{ <{there}/a> <{there}/b> <{there}/c> }}", 403, "read-only"),
        (f"SELECT * FROM <{there}/g.ttl> WHERE {{ ?s ?p ?o }} LIMIT 1", 200, ""),  # a graph name, not fetched
        (f"DESCRIBE <{there}/x>", 200, ""),
        ("SELECT * WHERE { ?s ?p ?o }", 422, "LIMIT"),
        (PATHOLOGICAL, 503, "time limit"),
        ("SELECT * WHERE { FILTER(" + "(" * 10_000 + "1" + ")" * 10_000 + ") }", 400, "nests brackets"),
    ]
    try:
        for text, status, words in cases:
            r = http(server.url, "/sparql", "POST", text, {"Content-Type": "application/sparql-query"})
            assert r.status == status and words in r.text, (text[:80], r.status, r.text)
            assert len(r.text.splitlines()) <= 1 or status == 200  # one line, no traceback
        with pytest.raises(BlockingIOError):
            canary.accept()  # nobody called
    finally:
        canary.close()
    assert count(server.url) == expected
    assert _published(build) == files_before
    assert not [line for line in log if "Traceback" in line]
    assert "Traceback" not in capfd.readouterr().err


# -- finding 3: clients that send slowly, or not at all -------------------------------------


def test_sixty_four_slow_clients_do_not_lock_out_others(make_server) -> None:  # noqa: ANN001
    """The issue's attack: 64 connections, each in the middle of a request head. With the
    default limits, everyone else is still served at once (before: 503 for 30 s)."""
    server = make_server()
    host, port = server.httpd.server_address[:2]
    threads = threading.active_count()
    slow = []
    try:
        for i in range(64):
            s = socket.create_connection((host, port), timeout=5)
            s.sendall(f"GET /status HTTP/1.1\r\nHost: x\r\nX-Slow: {i}\r\n".encode())
            slow.append(s)
        assert wait_until(lambda: threading.active_count() >= threads + 64, 5)  # a handler thread each
        for _ in range(8):
            start = time.monotonic()
            assert count(server.url) > 0
            assert time.monotonic() - start < 1.0
    finally:
        for s in slow:
            s.close()


def trickle(s: socket.socket, lines: Iterator[bytes], every: float) -> tuple[bytes, float]:
    """Send a line every ``every`` seconds until the server answers; its answer and when."""
    start = time.monotonic()
    for line in lines:
        try:
            s.sendall(line)
        except OSError:
            break
        if select.select([s], [], [], every)[0]:
            break
    got = b""
    s.settimeout(5)
    try:
        while chunk := s.recv(65536):
            got += chunk
    except OSError:
        pass
    return got, time.monotonic() - start


def test_a_trickled_request_head_gets_408_at_its_deadline(make_server) -> None:  # noqa: ANN001
    """One header line every 0.2 s: every read succeeds, so only a deadline for the whole head
    stops it. 408 comes at the deadline, with the usual headers, and the connection closes."""
    server = make_server(request_timeout=1.0)
    host, port = server.httpd.server_address[:2]
    with socket.create_connection((host, port), timeout=10) as s:
        s.sendall(b"GET /status HTTP/1.1\r\n")
        got, seconds = trickle(s, (f"X-Slow-{i}: 1\r\n".encode() for i in range(50)), 0.2)
    assert got.startswith(b"HTTP/1.1 408 "), got[:200]
    assert 0.9 < seconds < 2.0, seconds
    head = got.decode("latin-1").split("\r\n\r\n")[0].lower()
    assert "connection: close" in head and "x-content-type-options: nosniff" in head
    assert b"did not arrive within 1 s" in got
    assert count(server.url) > 0


def test_a_trickled_body_gets_408_at_the_same_deadline(make_server) -> None:  # noqa: ANN001
    server = make_server(request_timeout=1.0)
    host, port = server.httpd.server_address[:2]
    with socket.create_connection((host, port), timeout=10) as s:
        s.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                  b"Content-Length: 200\r\n\r\nASK")
        got, seconds = trickle(s, (b" " for _ in range(100)), 0.2)
    assert got.startswith(b"HTTP/1.1 408 "), got[:200]
    assert 0.9 < seconds < 2.0, seconds


def test_a_head_cut_off_by_the_client_is_not_answered(make_server) -> None:  # noqa: ANN001
    """The standard library's header parser takes the end of input for the end of the head; a
    request whose client went away halfway through its head must not be run."""
    server = make_server()
    host, port = server.httpd.server_address[:2]
    with socket.create_connection((host, port), timeout=10) as s:
        s.sendall(b"GET /status HTTP/1.1\r\nHost: x\r\nX-Half: 1\r\n")
        s.shutdown(socket.SHUT_WR)  # and nothing more
        assert s.recv(100) == b""
    assert wait_until(lambda: server.counters.get("incomplete_requests") == 1, 5)
    with socket.create_connection((host, port), timeout=10) as s:  # a complete head, then the same close
        s.sendall(b"GET /status HTTP/1.1\r\nHost: x\r\n\r\n")
        s.shutdown(socket.SHUT_WR)
        assert read_response(s)[0] == 200


def test_idle_connections_are_closed_without_an_answer(make_server) -> None:  # noqa: ANN001
    """Keep-alive between requests, and a connection that never sends: closed after
    idle_timeout, silently (a 408 there would confuse a client about to reuse it)."""
    server = make_server(idle_timeout=0.5)
    host, port = server.httpd.server_address[:2]
    with socket.create_connection((host, port), timeout=10) as s:
        s.sendall(b"GET /status HTTP/1.1\r\nHost: x\r\n\r\n")
        status, _, _ = read_response(s)
        assert status == 200
        start = time.monotonic()
        assert s.recv(100) == b""  # closed, nothing sent
        assert 0.4 < time.monotonic() - start < 1.5
    with socket.create_connection((host, port), timeout=10) as s:
        start = time.monotonic()
        assert s.recv(100) == b""
        assert 0.4 < time.monotonic() - start < 1.5
    assert http(server.url, "/status").json()["counters"]["idle_closed"] == 2


def test_connections_per_client_are_capped(make_server) -> None:  # noqa: ANN001
    server = make_server(max_connections_per_client=3)
    host, port = server.httpd.server_address[:2]
    held = [socket.create_connection((host, port), timeout=5) for _ in range(3)]
    try:
        assert wait_until(lambda: server.httpd.open_connections == 3, 5)
        with socket.create_connection((host, port), timeout=5) as extra:
            status, headers, body = read_response(extra)
        assert status == 429 and b"too many connections from 127.0.0.1" in body
        assert headers["retry-after"] == "1"
        assert_safe_headers(status, headers)
    finally:
        for s in held:
            s.close()
    assert wait_until(lambda: http(server.url, "/status").status == 200, 5)


# -- finding 7: security headers ------------------------------------------------------------


def test_pages_and_errors_carry_security_headers(sparql_server) -> None:  # noqa: ANN001
    """The finding as reported: the page, an entity page and an error, on the default server."""
    for path, html in (("/", True), ("/plain", True), (ENTITY, True), ("/nowhere", False)):
        r = http(sparql_server.url, path, headers={"Accept": "text/html"})
        assert "python" not in r.headers.get("server", "").lower()
        assert_safe_headers(r.status, r.headers, html)


def _requests(url: str) -> list[tuple[str, bytes]]:
    big = "x" * 70_000
    return [
        ("query page", b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
        ("HEAD", b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n"),
        ("entity page", f"GET {ENTITY} HTTP/1.1\r\nHost: x\r\nAccept: text/html\r\n\r\n".encode()),
        ("entity turtle", f"GET {ENTITY} HTTP/1.1\r\nHost: x\r\nAccept: text/turtle\r\n\r\n".encode()),
        ("results", f"GET {q(COUNT)} HTTP/1.1\r\nHost: x\r\n\r\n".encode()),
        ("named query", b"GET /queries/partners?agency=SAC HTTP/1.1\r\nHost: x\r\n\r\n"),
        ("listing", b"GET /queries HTTP/1.1\r\nHost: x\r\n\r\n"),
        ("status", b"GET /status HTTP/1.1\r\nHost: x\r\n\r\n"),
        ("preflight", b"OPTIONS /sparql HTTP/1.1\r\nHost: x\r\nOrigin: http://a.example\r\n\r\n"),
        ("303", b"GET /sparql HTTP/1.1\r\nHost: x\r\nAccept: text/html\r\n\r\n"),
        ("400 syntax", f"GET {q('SELECT * WHERE {')} HTTP/1.1\r\nHost: x\r\n\r\n".encode()),
        ("403", f"GET {q('CLEAR ALL')} HTTP/1.1\r\nHost: x\r\n\r\n".encode()),
        ("404", b"GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n"),
        ("405", b"PUT /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"),
        ("406", f"GET {q(COUNT)} HTTP/1.1\r\nHost: x\r\nAccept: image/png\r\n\r\n".encode()),
        ("411", b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n"),
        ("413", b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                b"Content-Length: 999999\r\n\r\n"),
        ("414", f"GET /sparql?query={big} HTTP/1.1\r\nHost: x\r\n\r\n".encode()),
        ("415", b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nASK"),
        ("422", f"GET {q('SELECT * WHERE { ?s ?p ?o }')} HTTP/1.1\r\nHost: x\r\n\r\n".encode()),
        ("503 time limit", f"GET {q(PATHOLOGICAL)} HTTP/1.1\r\nHost: x\r\n\r\n".encode()),
        ("400 too deep", f"GET {q('ASK { FILTER(' + '(' * 10_000 + '1' + ')' * 10_000 + ') }')} HTTP/1.1\r\n"
                         "Host: x\r\n\r\n".encode()),
        ("malformed request line", b"HELLO\r\n\r\n"),
        ("unsupported version", b"GET / HTTP/2.0\r\nHost: x\r\n\r\n"),
        ("too many headers", b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(120)) + b"\r\n"),
        ("unknown method", b"BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n"),
        ("HTTP/0.9", b"GET /\r\n\r\n"),
        ("408", b"GET / HTTP/1.1\r\nHost: x\r\n"),  # never finished
    ]


EXPECTED = {"query page": 200, "HEAD": 200, "entity page": 200, "entity turtle": 200, "results": 200,
            "named query": 200, "listing": 200, "status": 200, "preflight": 204, "303": 303, "400 syntax": 400,
            "403": 403, "404": 404, "405": 405, "406": 406, "411": 411, "413": 413, "414": 414, "415": 415,
            "422": 422, "503 time limit": 503, "400 too deep": 400, "malformed request line": 400,
            "unsupported version": 505, "too many headers": 431, "unknown method": 501, "HTTP/0.9": 505, "408": 408}


def test_every_kind_of_response_carries_the_security_headers(make_server) -> None:  # noqa: ANN001
    server = make_server(timeout=0.5, max_rows=100, request_timeout=0.5)
    requests = _requests(server.url)
    assert [label for label, _ in requests] == list(EXPECTED)
    for label, data in requests:
        if label == "HEAD":
            with socket.create_connection(server.httpd.server_address[:2], timeout=10) as s:
                s.sendall(data)
                head = s.recv(65536).decode("latin-1").split("\r\n\r\n")[0].split("\r\n")
            status = int(head[0].split()[1])
            headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in head[1:])}
        else:
            status, headers, body = raw(server.url, data)
        assert status == EXPECTED[label], (label, status)
        html = headers.get("content-type", "").startswith("text/html")
        assert html == (label in ("query page", "HEAD", "entity page")), label
        assert_safe_headers(status, headers, html)
    full = make_server(max_connections=1)  # and the refusal written before any handler runs
    holder = socket.create_connection(full.httpd.server_address[:2], timeout=5)
    try:
        assert wait_until(lambda: full.httpd.open_connections == 1, 5)
        with socket.create_connection(full.httpd.server_address[:2], timeout=5) as extra:
            status, headers, _ = read_response(extra)
        assert status == 503
        assert_safe_headers(status, headers)
    finally:
        holder.close()


def test_pages_work_in_chromium_under_their_policy(sparql_server, real_graph) -> None:  # noqa: ANN001
    """The policy allows what the pages need and nothing more: the query page runs a query, the
    entity page has its style, and a script injected into a page does not run."""
    binary = require_chromium()
    browser = Browser(binary)
    try:
        browser.open(sparql_server.url + "/plain")  # the YASGUI page at / is tested in test_query_page.py
        assert browser.js("document.querySelectorAll('#named option').length") > 1  # the inline script ran
        assert browser.js("getComputedStyle(document.getElementById('error')).color") == "rgb(170, 0, 0)"
        browser.js("document.getElementById('query').value = 'ASK { ?s ?p ?o }'")
        browser.js("document.getElementById('run').click()")  # fetch() to /sparql: connect-src 'self'
        assert browser.wait_for("document.body.dataset.state", "done", timeout=20) == "done"
        assert browser.errors == []
        browser.js("(() => { const s = document.createElement('script'); s.textContent = 'window.injected = 1';"
                   " document.head.appendChild(s); })()")
        assert browser.js("window.injected === undefined")
        assert any("Content Security Policy" in e for e in browser.errors), browser.errors
        browser.errors.clear()
        browser.open(sparql_server.url + ENTITY)
        assert browser.js("getComputedStyle(document.body).maxWidth") != "none"  # the inline style applies
        assert browser.js("document.querySelectorAll('table tr').length") > 0
        assert browser.errors == []
    finally:
        browser.close()


# -- the CLI: `coopgraph serve` as a user runs it --------------------------------------------


def _serve(build: Path, port: int, *options: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.Popen([sys.executable, "-m", "coopgraph", "serve", "--build", str(build), "--port", str(port),
                             "--no-reload", *options], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def test_serve_under_attack_then_stopped_leaves_nothing_behind(real_build: Path, tmp_path: Path) -> None:
    build = copy_build(real_build, tmp_path / "build")
    port = free_port()
    proc = _serve(build, port, "--timeout", "1", "--request-timeout", "1", "--max-connections-per-client", "40")
    try:
        wait_for_port(port, proc, 60)
        url = f"http://127.0.0.1:{port}"
        expected = count(url)
        slow = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(30)]
        for s in slow:
            s.sendall(b"GET /status HTTP/1.1\r\n")
        r = http(url, q(PATHOLOGICAL))
        assert r.status == 503 and "time limit" in r.text
        assert count(url) == expected  # while 30 slow clients wait for their 408
        workers = descendants(proc.pid)
        assert workers  # the zygote and its workers
        answers = [s.recv(200) for s in slow]
        assert all(a.startswith(b"HTTP/1.1 408") for a in answers)
        for s in slow:
            s.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "Traceback" not in out
    assert wait_until(lambda: not any(alive(pid) for pid in workers), 5), [p for p in workers if alive(p)]


@pytest.mark.parametrize(("option", "value", "message"), [
    ("--request-timeout", "0", "--request-timeout must be a positive number of seconds"),
    ("--idle-timeout", "-1", "--idle-timeout must be a positive number of seconds"),
    ("--timeout", "nan", "--timeout must be a positive number of seconds"),
    ("--max-connections", "0", "--max-connections must be at least 1"),
    ("--max-slow-queries", "-1", "--max-slow-queries must be 0 or more"),
])
def test_serve_refuses_a_limit_that_cannot_work(real_build: Path, option: str, value: str, message: str) -> None:
    result = run_cli("serve", "--build", str(real_build), "--port", "0", option, value)
    assert result.returncode == 2
    assert error_lines(result.stderr) == [f"coopgraph: error: {message}, not {value}"]


def test_serve_on_a_port_in_use_is_one_line(real_build: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = run_cli("serve", "--build", str(real_build), "--port", str(port))
    assert result.returncode == 2
    assert error_lines(result.stderr) == [
        f"coopgraph: error: cannot listen on 127.0.0.1:{port}: Address already in use"]
