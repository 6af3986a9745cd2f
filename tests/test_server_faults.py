"""The endpoint keeps serving through faults: disconnects, timeouts, overload, a replaced build.

Each test runs its own server (``make_server`` in conftest) over a private copy of the real
build, with limits small enough to trip quickly; every server is stopped by its fixture, every
wait is bounded. Hostile queries and clients are in test_server_hostile.py.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import struct
import threading
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

import pytest

from _server_support import alive, copy_build, http, q
from _support import ROOT
from coopgraph.serve.server import SparqlServer

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
# About 1e7 solutions to count: about a second on Oxigraph, with no row out before the end.
SLOW = ("SELECT (COUNT(*) AS ?n) WHERE { { SELECT ?a WHERE { ?a ?b ?c } LIMIT 1000 } "
        "{ SELECT ?d WHERE { ?d ?e ?f } LIMIT 1000 } { SELECT ?g WHERE { ?g ?h ?i } LIMIT 10 } }")


def count(url: str) -> int:
    r = http(url, q(COUNT))
    assert r.status == 200, r.text
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


def status(server: SparqlServer) -> dict:
    return http(server.url, "/status").json()  # type: ignore[return-value]


def wait_until(check: Callable[[], bool], seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()


def test_query_timeout_answers_503_and_the_server_goes_on(make_server) -> None:  # noqa: ANN001
    server = make_server(timeout=0.3, max_concurrent=2)
    start = time.monotonic()
    r = http(server.url, q(SLOW))
    assert r.status == 503 and "time limit" in r.text and r.headers["retry-after"] == "1"
    assert time.monotonic() - start < 1.5  # answered at the deadline, not when the query ended
    assert count(server.url) > 0
    assert status(server)["queries_running"] == 0  # the overrun query was stopped, not left running


def test_overload_answers_503_then_recovers(make_server) -> None:  # noqa: ANN001
    # Two queries that never end hold both slots for the whole second of their limit (a
    # slow_query_after as long as the limit keeps them in their slots).
    server = make_server(timeout=1.0, max_concurrent=2, queue_wait=0.1, slow_query_after=1.0)
    endless = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    hogs = [threading.Thread(target=http, args=(server.url, q(endless))) for _ in range(2)]
    for t in hogs:
        t.start()
    assert wait_until(lambda: status(server)["queries_running"] == 2, 5)
    r = http(server.url, q(COUNT))
    assert r.status == 503 and "too many queries" in r.text
    for t in hogs:
        t.join(10)
    assert wait_until(lambda: status(server)["queries_running"] == 0)
    assert count(server.url) > 0


def test_connection_cap(make_server) -> None:  # noqa: ANN001
    server = make_server(max_connections=2)
    host, port = server.httpd.server_address[:2]
    idle = [socket.create_connection((host, port), timeout=5) for _ in range(2)]  # hold both
    try:
        time.sleep(0.2)
        with socket.create_connection((host, port), timeout=5) as extra:
            extra.sendall(b"GET /status HTTP/1.1\r\nHost: x\r\n\r\n")
            assert extra.recv(100).startswith(b"HTTP/1.1 503")
    finally:
        for s in idle:
            s.close()
    assert wait_until(lambda: http(server.url, "/status").status == 200, 5)


def test_client_disconnect_mid_response(make_server) -> None:  # noqa: ANN001
    server = make_server(timeout=30, max_rows=200_000)
    big = "SELECT * WHERE { ?s ?p ?o { SELECT ?x WHERE { ?x ?y ?z } LIMIT 8 } }"  # ~40k rows, ~20 MB of XML
    host, port = server.httpd.server_address[:2]
    for _ in range(2):
        s = socket.create_connection((host, port), timeout=30)
        s.sendall(f"GET {q(big, format='xml')} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        assert s.recv(4096).startswith(b"HTTP/1.1 200")
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # reset, not FIN
        s.close()
    assert wait_until(lambda: status(server)["counters"].get("client_disconnects", 0) >= 2)
    assert wait_until(lambda: status(server)["queries_running"] == 0)
    assert count(server.url) > 0


# -- the build replaced underneath ------------------------------------------------------------


def _set_recorded_size(build: Path) -> None:
    """Make void.ttl record the current size of coopgraph.trig, as a real build would."""
    void = build / "void.ttl"
    size = (build / "coopgraph.trig").stat().st_size
    text = re.sub(r"(distribution/coopgraph-trig>\n(?:    [^\n]*\n)*?    dcat:byteSize )\d+",
                  lambda m: m.group(1) + str(size), void.read_text(encoding="utf-8"))
    void.write_text(text, encoding="utf-8")


def _variant(build: Path, where: Path) -> Path:
    """A complete build with one more triple, in one more named graph."""
    import pyoxigraph as ox

    variant = copy_build(build, where)
    with (variant / "coopgraph.trig").open("a", encoding="utf-8") as f:
        f.write('\n<urn:test:extra-graph> { <urn:test:s> <urn:test:p> "one more triple" . }\n')
    _set_recorded_size(variant)
    if (variant / "store").is_dir():  # the store every command reads says the same
        triple = (ox.NamedNode("urn:test:s"), ox.NamedNode("urn:test:p"), ox.Literal("one more triple"))
        store = ox.Store(str(variant / "store" / "main"))
        store.extend([ox.Quad(*triple, ox.NamedNode("urn:test:extra-graph")), ox.Quad(*triple, ox.DefaultGraph())])
        store.flush()
        del store
    return variant


def _swap(build: Path, replacement: Path) -> None:
    """Replace the build folder the way ``coopgraph build`` does: two renames."""
    old = build.with_name(build.name + ".old")
    build.rename(old)
    replacement.rename(build)
    shutil.rmtree(old)


def test_build_replaced_underneath_is_reloaded_atomically(make_server, tmp_path: Path) -> None:  # noqa: ANN001
    server = make_server(reload_interval=0.05)
    build = server.config.build_dir
    before = count(server.url)
    old_workers = server.worker_pids()
    seen: set[int] = set()
    stop = threading.Event()

    def hammer() -> None:  # queries all through the swap: each answer is one whole build
        for _ in range(2000):
            if stop.is_set():
                return
            seen.add(count(server.url))

    workers = [threading.Thread(target=hammer) for _ in range(3)]
    for w in workers:
        w.start()
    try:
        _swap(build, _variant(build, tmp_path / "variant"))
        assert wait_until(lambda: status(server)["reloads"] == 1), status(server)
        time.sleep(0.2)
    finally:
        stop.set()
        for w in workers:
            w.join(30)
    assert count(server.url) == before + 1
    assert seen <= {before, before + 1}, f"a response saw neither build: {seen - {before, before + 1}}"
    assert http(server.url, "/queries/partners").status == 200
    # The queries now run in the new build's workers; the old build's processes have ended.
    assert server.worker_pids()["zygote"] != old_workers["zygote"]
    old = old_workers["zygote"] + old_workers["idle"]
    assert wait_until(lambda: not [pid for pid in old if alive(pid)], 5)


@pytest.mark.parametrize("served", ["store", "build folder"])
def test_an_update_of_the_served_store_is_reloaded(served: str, real_build: Path, tmp_path: Path) -> None:
    """``update --store`` swaps the store folder only; a server on the store, or on the build
    folder holding it, answers from the updated store once the watcher sees the new manifest."""
    from conftest import coopgraph_home
    from coopgraph.build.store import update_store
    from coopgraph.serve.server import ServerConfig, SparqlServer

    folder = copy_build(real_build, tmp_path / "build")
    extra = tmp_path / "extra.trig"
    extra.write_text('<urn:test:extra-graph> { <urn:test:s> <urn:test:p> "one more triple" . }\n', encoding="utf-8")
    served_dir = folder / "store" if served == "store" else folder
    config = ServerConfig(build_dir=served_dir, port=0, queries_dir=ROOT / "queries", reload_interval=0.05)
    with SparqlServer(config) as server:
        before = count(server.url)
        ask = q('ASK { <urn:test:s> <urn:test:p> "one more triple" }')
        assert http(server.url, ask).json()["boolean"] is False
        with coopgraph_home(ROOT):  # the shapes the real build was made with, not the fixture ones
            update_store(folder / "store", [extra])
        assert wait_until(lambda: status(server)["reloads"] == 1), status(server)
        assert count(server.url) == before + 1
        assert http(server.url, ask).json()["boolean"] is True
        assert http(server.url, "/queries/partners").status == 200
        assert status(server)["last_reload_error"] is None


def test_a_store_between_the_two_renames_of_an_update_is_waited_for(make_server, tmp_path: Path) -> None:  # noqa: ANN001
    """Without its store a build folder is read from its published files; in the instant an
    update swaps the store there is none, and the server must wait rather than read those."""
    from coopgraph.build.outputs import temp_folder

    server = make_server(reload_interval=0)
    build = server.config.build_dir
    before = count(server.url)
    tmp = temp_folder(build / "store", "store")  # what a live update holds beside the store
    (build / "store").rename(tmp_path / "away")
    try:
        assert server.holder.check() is False
        assert status(server)["last_reload_error"] is None  # nothing was tried
    finally:
        (tmp_path / "away").rename(build / "store")
        shutil.rmtree(tmp)
    assert server.holder.check() is False  # the same store as before: nothing to reload
    assert count(server.url) == before


def test_half_written_build_is_not_served(make_server) -> None:  # noqa: ANN001
    """A coopgraph.trig cut at a statement boundary still parses: only the recorded size shows it."""
    server = make_server(reload_interval=0)
    build = server.config.build_dir
    before = count(server.url)
    full = (build / "coopgraph.trig").read_bytes()
    cut = full.rindex(b"\n}\n", 0, len(full) // 2) + 3
    (build / "coopgraph.trig").write_bytes(full[:cut])  # in place, as a careless copy would
    assert server.holder.check() is False
    assert "void.ttl records" in status(server)["last_reload_error"]
    assert count(server.url) == before
    (build / "coopgraph.trig").write_bytes(full)
    os.utime(build / "coopgraph.trig")
    assert server.holder.check() is True  # the complete file is taken again
    assert count(server.url) == before


def test_missing_build_keeps_the_old_graph(make_server) -> None:  # noqa: ANN001
    """Between the two renames of a rebuild there is no build; the server must not improvise one."""
    server = make_server(reload_interval=0)
    build = server.config.build_dir
    before = count(server.url)
    build.rename(build.with_name("away"))
    assert server.holder.check() is False
    assert count(server.url) == before
    build.with_name("away").rename(build)


def test_status_and_named_queries_survive_faults(make_server) -> None:  # noqa: ANN001
    server = make_server(timeout=0.3)
    assert http(server.url, q(SLOW)).status == 503
    # The timed-out query's worker was killed: the very next request is answered. A query about
    # one agency: cheap enough to stay inside the short limit on a loaded machine.
    params = {"agency": "https://w3id.org/coopgraph/id/org/sac", "lang": "vi"}
    r = http(server.url, "/queries/partners?" + urllib.parse.urlencode(params))
    assert r.status == 200, r.text
