"""SPARQL 1.1 Protocol endpoint and linked-data pages over the built, reasoned graph.

Why the standard library (:class:`http.server.ThreadingHTTPServer`) and not a framework: the
endpoint is a handful of routes, must run wherever ``coopgraph`` is installed without another
dependency, and its safety rules are a few explicit lines here rather than settings spread over
an ASGI server and a framework. An ASGI server would not do the hard part better. Uvicorn, for
one, has an idle timeout between requests but no deadline for receiving a request (its issue
#157), and that deadline is what stops a client that trickles a header line every few seconds.
What ``http.server`` lacks is added below: a cap on connections, in all and per client address
(a thread blocked on a socket is cheap, so the caps are high); one deadline for a whole request
head and body, not a timeout per read, which a trickling client restarts with every byte; an
idle timeout on keep-alive connections; and security headers on every response, errors
included. It has no streaming helpers either, so results are rendered fully before the status
line is sent, and an error can still become a proper status code.

Queries run in worker processes (:mod:`coopgraph.serve.workers`), because Oxigraph cannot cancel a
running query and only ending its process stops it. The request thread hands the query to a
worker and waits until the deadline. At the deadline it kills the worker and answers 503, and
the slot is free at once: the next query gets a freshly forked worker, which takes about a
millisecond. An ad-hoc query still running after ``slow_query_after`` seconds gets the lowest
CPU priority and moves from one of the ``max_concurrent`` slots to one of the
``max_slow_queries`` slots. A few hostile queries then neither make short ones queue nor take
their CPU; named queries, the project's own, keep their slot and priority (see :class:`Executor`).
Workers also write the result in the negotiated format, so the server only relays bytes. A
query that crashes its worker (over its memory limit, or too deeply nested for the parser's
stack) costs that worker, not the server.

Every build is served as one immutable :class:`Snapshot` with its own workers. A watcher thread
notices when the build output is replaced (a rebuild, or ``update --store`` of the store served
or of the build folder's own) and loads the new one completely. It checks it
against the byte size the build recorded in ``void.ttl`` and starts its workers from the graph
just loaded, not from the folder, which may change again. Only then does it swap the
reference. A request keeps the snapshot it started with, workers included, so no response ever
mixes two builds or sees half of one. The old workers end when the last request using them is
done.
"""

from __future__ import annotations

import base64
import email.utils
import functools
import hashlib
import html
import http.client
import io
import ipaddress
import json
import math
import re
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from coopgraph import __version__
from coopgraph.errors import CoopgraphError, UsageError
from coopgraph.namespaces import ID
from coopgraph.query.labels import languages as label_languages
from coopgraph.query.labels import with_labels
from coopgraph.query.library import QueryLibrary, bound_query, oxigraph_store
from coopgraph.query.offline import keywords
from coopgraph.query.results import GRAPH_FORMATS, MEDIA_TYPES, write_triples
from coopgraph.serve import webui
from coopgraph.serve.service import service_description, void_description
from coopgraph.serve.workers import Job, WorkerError, WorkerPool

ID_BASE = str(ID)  # https://w3id.org/coopgraph/id/ is served under /id/
SERVER = f"coopgraph/{__version__}"  # the Server header: no Python version for scanners to match

# -- configuration --------------------------------------------------------------------------


@dataclass(frozen=True)
class ServerConfig:
    """Every limit in one place; the defaults are safe for a laptop on loopback."""

    build_dir: Path = Path("build")
    host: str = "127.0.0.1"
    port: int = 7878
    allow_public: bool = False  # binding to a non-loopback address needs this, on purpose
    # queries
    timeout: float = 10.0  # seconds a query may run; then its worker is killed and the client gets 503
    max_rows: int = 10_000  # SELECT rows / CONSTRUCT triples a response may carry
    max_request_bytes: int = 64 * 1024  # query text in a body or a URL
    max_concurrent: int = 4  # queries evaluated at once at normal CPU priority
    queue_wait: float = 2.0  # how long a query may wait for a slot before 503
    slow_query_after: float = 1.0  # seconds before a running ad-hoc query moves to a slow slot, at low priority
    max_slow_queries: int = 4  # ad-hoc queries in slow slots at once; 0 = a query keeps its slot to the end
    worker_memory_mib: int = 1024  # memory one query may take beyond the loaded graph; 0 = no limit
    worker_max_queries: int = 1000  # queries one worker answers before a fresh one replaces it
    # connections
    max_connections: int = 512  # open connections in all (a thread each); more get 503
    max_connections_per_client: int = 128  # open connections from one address; more get 429
    request_timeout: float = 10.0  # seconds from a request's first byte to the end of its body; then 408
    idle_timeout: float = 5.0  # seconds a connection may wait for its next request; then it is closed
    send_timeout: float = 60.0  # seconds to write one response to a client that reads slowly
    # ("*",) = reads from any origin, as public read-only endpoints allow (a browser client such
    # as YASGUI on another site); () = no CORS headers (`coopgraph serve --no-cors`)
    cors_origins: tuple[str, ...] = ("*",)
    reload_interval: float = 1.0  # seconds between checks of the build output; 0 = never
    queries_dir: Path | None = None  # named queries; None = the package's queries/ folder
    drafts_dir: Path | None = None  # review pages over this folder of drafts (coopgraph.serve.review); None = off

    def __post_init__(self) -> None:
        """Refuse a limit that cannot work, naming the ``coopgraph serve`` option that sets it."""
        seconds = {"timeout": "--timeout", "queue_wait": "queue_wait", "slow_query_after": "--slow-query-after",
                   "request_timeout": "--request-timeout", "idle_timeout": "--idle-timeout",
                   "send_timeout": "send_timeout"}
        for name, option in seconds.items():
            value = getattr(self, name)
            if not (value > 0 and math.isfinite(value)):
                raise UsageError(f"{option} must be a positive number of seconds, not {value:g}")
        counts = {"max_rows": "--max-rows", "max_request_bytes": "--max-request-bytes",
                  "max_concurrent": "--max-concurrent", "max_connections": "--max-connections",
                  "max_connections_per_client": "--max-connections-per-client",
                  "worker_max_queries": "worker_max_queries"}
        for name, option in counts.items():
            if getattr(self, name) < 1:
                raise UsageError(f"{option} must be at least 1, not {getattr(self, name)}")
        for name, option in {"max_slow_queries": "--max-slow-queries", "worker_memory_mib": "--worker-memory"}.items():
            if getattr(self, name) < 0:
                raise UsageError(f"{option} must be 0 or more, not {getattr(self, name)}")
        if not (self.reload_interval >= 0 and math.isfinite(self.reload_interval)):
            raise UsageError(f"--reload-interval must be 0 (never) or a positive number, not {self.reload_interval:g}")
        if not 0 <= self.port <= 65535:
            raise UsageError(f"--port must be between 0 and 65535, not {self.port}")


def check_bind(host: str, allow_public: bool) -> None:
    """Refuse a non-loopback bind unless asked for explicitly: the default must not leak data."""
    if allow_public:
        return
    try:
        infos = socket.getaddrinfo(host, None)
    except socket.gaierror as e:
        raise UsageError(f"cannot resolve host {host!r}: {e.strerror}") from None
    for info in infos:
        address = info[4][0].split("%", 1)[0]
        if not ipaddress.ip_address(address).is_loopback:
            raise UsageError(
                f"{host} ({address}) is not a loopback address; pass --public to serve beyond this machine"
            )


# -- refusals -------------------------------------------------------------------------------


class HttpError(CoopgraphError):
    """An error that maps to one HTTP status; the message is the response body."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


_UPDATE_KEYWORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
_PROLOGUE = {"BASE", "PREFIX"}


def check_read_only(query: str) -> None:
    """Raise 403 for SPARQL Update and LOAD: the endpoint reads, and never fetches.

    Oxigraph's query parser rejects updates anyway, but with a syntax error; users deserve to
    hear that the endpoint is read-only. SERVICE is refused where every query runs
    (:func:`coopgraph.query.offline.checked`, called by :func:`coopgraph.query.library.execute`), which the
    executor answers with 403.
    """
    first = None
    for word in keywords(query):
        if first is None and word not in _PROLOGUE:
            first = word
        if word == "LOAD":
            raise HttpError(403, "LOAD is refused: this endpoint is read-only and does not fetch documents")
    if first in _UPDATE_KEYWORDS:
        raise HttpError(403, f"SPARQL Update ({first}) is refused: this endpoint is read-only")


# -- content negotiation --------------------------------------------------------------------

# media type -> writer name in coopgraph.query.results (also the ?format= value); order = preference
RESULT_TYPES = {MEDIA_TYPES[f].split(";")[0]: f for f in ("json", "xml", "csv", "tsv")}
GRAPH_TYPES = {MEDIA_TYPES[f].split(";")[0]: f for f in GRAPH_FORMATS}
ALL_TYPES = [*RESULT_TYPES, *GRAPH_TYPES]
_ALIASES = {"application/json": "application/sparql-results+json", "application/xml": "application/sparql-results+xml",
            "text/xml": "application/sparql-results+xml", "text/plain": "application/n-triples",
            "application/turtle": "text/turtle", "application/x-turtle": "text/turtle", "text/n3": "text/turtle",
            "text/rdf+n3": "text/turtle", "application/n3": "text/turtle", "application/x-json+ld": "application/ld+json"}
# ?format= (also output= and results=, which SPARQLWrapper sends too) -> the media types it may
# mean, in order: "json" is SPARQL JSON for rows and JSON-LD for a graph, "xml" SPARQL XML or
# RDF/XML, as Virtuoso, Fuseki and SPARQLWrapper (whose ?format= is its return format) read them.
_FORMAT_VALUES = {
    "json": ["application/sparql-results+json", "application/ld+json"],
    "xml": ["application/sparql-results+xml", "application/rdf+xml"],
    "csv": ["text/csv"], "tsv": ["text/tab-separated-values"],
    "turtle": ["text/turtle"], "ttl": ["text/turtle"], "n3": ["text/turtle"],
    "nt": ["application/n-triples"], "ntriples": ["application/n-triples"], "n-triples": ["application/n-triples"],
    "jsonld": ["application/ld+json"], "json-ld": ["application/ld+json"],
    "rdfxml": ["application/rdf+xml"], "rdf+xml": ["application/rdf+xml"], "rdf": ["application/rdf+xml"],
    "html": ["text/html"],
}


def _accept_ranges(accept: str) -> list[tuple[str, float]]:
    """Parse an Accept header into (range, q); malformed parts are ignored, not fatal."""
    ranges = []
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media:
            continue
        q = 1.0
        for f in fields[1:]:
            if f.lower().startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        ranges.append((_ALIASES.get(media, media), q))
    return ranges


def negotiate(accept: str | None, offers: list[str], format_param: str | None = None) -> str | None:
    """Pick the offered media type the client prefers; None means 406.

    ``format_param`` (``?format=csv``) wins over the header: browsers cannot set Accept on a link.
    Ties go to the order of ``offers`` (the server's preference), so ``*/*`` gets JSON or Turtle.
    """
    if format_param:
        value = format_param.strip().lower()
        wanted = _FORMAT_VALUES.get(value) or [_ALIASES.get(value, value)]
        return next((m for m in wanted if m in offers), None)
    if not accept or not accept.strip():
        return offers[0]
    best: tuple[float, int, int] | None = None
    chosen = None
    for rank, offer in enumerate(offers):
        main = offer.split("/")[0]
        for media, q in _accept_ranges(accept):
            specificity = 2 if media == offer else 1 if media == f"{main}/*" else 0 if media == "*/*" else -1
            if specificity < 0 or q <= 0:
                continue
            key = (q, specificity, -rank)
            if best is None or key > best:
                best, chosen = key, offer
    return chosen


# -- snapshots and reloading ----------------------------------------------------------------


Signature = tuple[tuple[int, int, int], ...]


def _signature(folder: Path) -> Signature | None:
    """Identity of what is served, or None while there is nothing to serve (mid-swap, or missing).

    A build folder: its ``coopgraph.trig`` (first) and its store's ``manifest.json``; a store
    folder: its ``manifest.json``. ``build`` swaps the whole folder and ``update --store`` swaps
    the store's, so an inode, mtime or size changes whichever of the two ran.
    """
    from coopgraph.build.folder import STORE
    from coopgraph.build.outputs import being_replaced

    trig = folder / "coopgraph.trig"
    files = (trig, folder / STORE / "manifest.json") if trig.is_file() else (folder / "manifest.json",)
    marks = []
    for i, f in enumerate(files):
        try:
            st = f.stat()
        except OSError:
            if i == 0 or being_replaced(folder / STORE):
                return None  # nothing yet, or an update between its two renames: wait for it
            continue  # a build folder made with --reference has no store
        marks.append((st.st_ino, st.st_mtime_ns, st.st_size))
    return tuple(marks)


def _recorded_size(build_dir: Path) -> int | None:
    """The byte size of coopgraph.trig as void.ttl records it, or None if there is no record."""
    try:
        text = (build_dir / "void.ttl").read_text(encoding="utf-8")
    except OSError:
        return None
    g = ox.Store()
    try:
        g.load(text.encode("utf-8"), format=ox.RdfFormat.TURTLE, base_iri=build_dir.resolve().as_uri() + "/")
    except SyntaxError:
        return None
    rows = list(g.query(
        "PREFIX dcat: <http://www.w3.org/ns/dcat#> SELECT ?size WHERE { "
        "?d dcat:downloadURL ?u ; dcat:byteSize ?size . FILTER(STRENDS(STR(?u), '/coopgraph.trig')) }"
    ))
    return int(rows[0]["size"].value) if rows else None


@dataclass(frozen=True)
class Snapshot:
    """One build, fully loaded: the API object, the named queries, and the workers queries run in."""

    graph: Any  # coopgraph.CoopGraph
    library: QueryLibrary
    signature: Signature | None
    loaded_at: float
    quads: int
    pool: WorkerPool | None = None  # None when loaded without workers (load_snapshot(workers=None))


PoolFactory = Callable[[Any, bytes, int], WorkerPool]  # (graph, its N-Quads, quad count) -> started pool


def nquads(graph: Any) -> bytes:
    """The graph's dataset as N-Quads, through an Oxigraph store that is not kept."""
    return oxigraph_store(graph, cache=False).dump(format=ox.RdfFormat.N_QUADS)


def load_snapshot(build_dir: Path, queries_dir: Path | None = None, workers: PoolFactory | None = None) -> Snapshot:
    """Load a build folder or a store, or raise if it is missing, changing while read, or not the size recorded.

    ``coopgraph.open`` would quietly build from the data files when the build is missing (for
    example in the instant between the two renames of a rebuild); a server must not do that.
    ``workers`` starts the worker pool from the loaded graph, last, so that nothing is left
    running when an earlier step fails.
    """
    import coopgraph

    before = _signature(build_dir)
    if before is None:
        raise UsageError(f"no build at {build_dir}: run `coopgraph build --out {build_dir}` "
                         f"(or `--store {build_dir}`) first")
    graph = coopgraph.open(build_dir=build_dir)
    after = _signature(build_dir)
    if after != before:
        raise UsageError(f"{build_dir} changed while it was being read; will retry")
    if (build_dir / "coopgraph.trig").is_file():  # a store records no size: it is swapped in whole
        recorded, size = _recorded_size(build_dir), before[0][2]
        if recorded is not None and recorded != size:
            raise UsageError(
                f"{build_dir}/coopgraph.trig has {size} bytes but void.ttl records {recorded}: incomplete build"
            )
    library = QueryLibrary(queries_dir)
    list(library)  # every file read now: a snapshot answers with the texts it was loaded with
    store = oxigraph_store(graph, cache=False)  # only to count and dump: queries run in the workers
    quads = len(store)
    pool = workers(graph, store.dump(format=ox.RdfFormat.N_QUADS), quads) if workers is not None else None
    del store
    return Snapshot(graph=graph, library=library, signature=before, loaded_at=time.time(), quads=quads, pool=pool)


class GraphHolder:
    """Holds the current snapshot and swaps in a new one only when it is complete."""

    def __init__(self, build_dir: Path, log: Callable[[str], None] | None = None,
                 queries_dir: Path | None = None, workers: PoolFactory | None = None) -> None:
        self.build_dir = Path(build_dir)
        self.queries_dir = queries_dir
        self._log = log or (lambda _m: None)
        self._workers = workers
        self._snapshot = load_snapshot(self.build_dir, queries_dir, workers)
        self._lock = threading.Lock()  # one reload at a time; readers never take it
        self._swap = threading.Lock()  # the swap itself, and a request taking the snapshot
        self._closed = False
        self.reloads = 0
        self.last_error: str | None = None

    @property
    def snapshot(self) -> Snapshot:
        """The current snapshot; reading an attribute is atomic."""
        return self._snapshot

    @contextmanager
    def use(self) -> Iterator[Snapshot]:
        """The snapshot one request is answered with, kept (its workers too) until the request ends."""
        with self._swap:
            snapshot = self._snapshot
            if snapshot.pool is not None:
                snapshot.pool.enter()
        try:
            yield snapshot
        finally:
            if snapshot.pool is not None:
                snapshot.pool.leave()

    def check(self) -> bool:
        """Reload if the build changed; keep the old graph on any failure. True if swapped."""
        with self._lock:
            current = _signature(self.build_dir)
            if self._closed or current is None or current == self._snapshot.signature:
                return False
            try:
                fresh = load_snapshot(self.build_dir, self.queries_dir, self._workers)
            except Exception as e:  # any failure keeps serving the previous build
                self.last_error = " ".join(str(e).split())
                self._log(f"reload skipped, still serving the previous build: {self.last_error}")
                return False
            with self._swap:
                old, self._snapshot = self._snapshot, fresh
            if old.pool is not None:
                old.pool.retire()  # its workers end when the last request using them is done
            self.reloads += 1
            self.last_error = None
            self._log(f"reloaded {self.build_dir} ({fresh.quads} quads)")
            return True

    def watch(self, interval: float, stop: threading.Event) -> None:
        """Poll the build output until ``stop`` is set (run in a daemon thread)."""
        while not stop.wait(interval):
            self.check()

    def close(self) -> None:
        """End the workers; after a reload in progress, which is waited for."""
        with self._lock:
            self._closed = True
            pool = self._snapshot.pool
        if pool is not None:
            pool.close()


# -- query execution ------------------------------------------------------------------------


@dataclass
class Reply:
    """A complete HTTP answer; built before anything is sent so errors keep their status."""

    status: int
    content_type: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


GRACE = 0.05  # seconds past the deadline for a worker that stops by itself (between rows) to answer


class Executor:
    """Runs each query in a worker process, within the concurrency bounds and the time limit.

    A query takes one of ``max_concurrent`` slots (or waits ``queue_wait`` for one, then 503).
    An ad-hoc query (text sent to /sparql) still running after ``slow_query_after`` seconds gets
    the lowest CPU priority for its worker and, if one of ``max_slow_queries`` slow slots is free,
    moves there and gives its slot back. Named queries are the project's own, with parameters
    bound as terms, and are never demoted: under a sustained load the lowest priority means
    almost no CPU, and a heavy named query (person-posts takes half a second alone) would then
    run into the time limit. At the deadline the worker is killed, and waited for, before the
    client hears 503: the slot and the CPU are free when the answer arrives.
    """

    def __init__(self, config: ServerConfig, log: Callable[[str], None] | None = None) -> None:
        self.config = config
        self._log = log or (lambda _m: None)
        self._slots = threading.BoundedSemaphore(config.max_concurrent)
        self._slow = threading.BoundedSemaphore(config.max_slow_queries) if config.max_slow_queries else None
        self._lock = threading.Lock()
        self.running = 0  # queries in a worker now (shown on /status)
        self.slow_running = 0  # of which in slow slots
        self.stopped = 0  # queries killed at the time limit since the start
        self.stopped_after: list[float] = []  # seconds from start to killed, of the last ten

    def _add(self, running: int, slow: int) -> None:
        with self._lock:
            self.running += running
            self.slow_running += slow

    def run(self, pool: WorkerPool | None, text: str, accept: str | None, format_param: str | None,
            demote: bool = True) -> Reply:
        """Evaluate ``text`` in a worker of ``pool``, within the deadline, in the negotiated format.

        ``demote=False`` (named queries) keeps the query in its slot at normal priority.
        """
        media = result_media(accept, format_param)
        if pool is None:
            raise HttpError(503, "this server was started without query workers")
        if not self._slots.acquire(timeout=self.config.queue_wait):
            raise HttpError(503, "too many queries at once; try again shortly", {"Retry-After": "1"})
        lane = [self._slots]
        self._add(1, 0)
        try:
            formats = {kind: _writer(m) for kind, m in media.items()}
            answer = self._evaluate(pool, text, formats, lane, demote)
        finally:
            lane[0].release()
            self._add(-1, -1 if lane[0] is self._slow else 0)
        status, what, value = answer
        if status == "ok":
            return Reply(200, _content_type(media[what] or ""), value)
        raise self._refusal(what, value)

    def _evaluate(self, pool: WorkerPool, text: str, formats: dict[str, str | None],
                  lane: list[threading.BoundedSemaphore], demote: bool) -> tuple[str, str, Any]:
        try:
            worker = pool.checkout()
        except WorkerError as e:
            raise HttpError(503, f"no query worker is available: {e}", {"Retry-After": "1"}) from None
        deadline = time.monotonic() + self.config.timeout
        try:
            worker.ask(Job(text, formats, self.config.max_rows, deadline))
        except OSError:  # it ended between two queries
            pool.discard(worker)
            raise HttpError(503, "the query worker ended; try again", {"Retry-After": "1"}) from None
        started, hard = time.monotonic(), deadline + GRACE
        slow_at = started + self.config.slow_query_after
        if demote and slow_at < hard and not worker.ready(slow_at - time.monotonic()):
            worker.lower_priority()
            if self._slow is not None and self._slow.acquire(blocking=False):
                lane[0].release()
                lane[0] = self._slow
                self._add(0, 1)
        if not worker.ready(hard - time.monotonic()):
            gone = pool.discard(worker)
            after = time.monotonic() - started
            with self._lock:
                self.stopped += 1
                self.stopped_after = [*self.stopped_after[-9:], round(after, 3)]
            self._log(f"query stopped at the {self.config.timeout:g} s limit, after {after:.2f} s "
                      f"(worker {worker.pid} {'killed' if gone else 'still ending'})")
            raise _timeout(self.config)
        try:
            answer = worker.answer()
        except (EOFError, OSError):
            pool.discard(worker)
            if pool.closed:
                raise HttpError(503, "the server is shutting down") from None
            limit = f"the {self.config.worker_memory_mib} MiB a query may use" if self.config.worker_memory_mib \
                else "the memory available"
            raise HttpError(500, f"the query process ended without an answer: the query needed more than {limit}, "
                                 "or crashed the engine (for example, nested too deeply)") from None
        pool.checkin(worker)
        return answer

    def _refusal(self, what: str, message: str) -> HttpError:
        """The HTTP error for a worker's error answer."""
        if what == "timeout":
            return _timeout(self.config)
        if what == "too_large":
            return HttpError(422, f"{message} (the limit is {self.config.max_rows}); add LIMIT, or page with OFFSET")
        if what == "refused":  # SERVICE: refused where the query runs
            return HttpError(403, message)
        if what in ("usage", "query"):  # bad parameter value; syntax (with line and column) or evaluation error
            return HttpError(400, message)
        if what == "not_acceptable":
            return _not_acceptable()
        if what == "memory":
            return HttpError(500, f"the query needed more than the {self.config.worker_memory_mib} MiB a query may use")
        self._log(f"internal error in a query worker: {message}")
        return HttpError(500, "internal server error")


def _timeout(config: ServerConfig) -> HttpError:
    return HttpError(503, f"the query exceeded the {config.timeout:g} s time limit and was stopped",
                     {"Retry-After": "1"})


def _not_acceptable() -> HttpError:
    return HttpError(406, "none of the requested media types can be produced; offered: " + ", ".join(ALL_TYPES))


def result_media(accept: str | None, format_param: str | None) -> dict[str, str | None]:
    """The media type each kind of result (SELECT, ASK, GRAPH) would be sent as; None = 406.

    Decided before the query runs, since only the worker learns the kind; a request that
    accepts no kind at all is refused at once, before it takes a slot.
    """
    if negotiate(accept, ALL_TYPES, format_param) is None:
        raise _not_acceptable()
    rows = list(RESULT_TYPES)
    return {"SELECT": negotiate(accept, rows, format_param), "ASK": negotiate(accept, rows, format_param),
            "GRAPH": negotiate(accept, list(GRAPH_TYPES), format_param)}


def _writer(media: str | None) -> str | None:
    """The coopgraph.query.results writer of a negotiated media type."""
    if media is None:
        return None
    return RESULT_TYPES.get(media) or GRAPH_TYPES[media]


_HOST = re.compile(r"[A-Za-z0-9.-]{1,253}(:\d{1,5})?|\[[0-9A-Fa-f:.]{2,45}\](:\d{1,5})?")


def _format_param(params: dict[str, list[str]]) -> str | None:
    """The result format a request names: ``format``, or ``output``/``results`` (other endpoints' names)."""
    for name in ("format", "output", "results"):
        if params.get(name):
            return params[name][0]
    return None


def _content_type(media: str) -> str:
    return f"{media}; charset=utf-8" if media.startswith("text/") else media


# -- linked data ----------------------------------------------------------------------------


def entity_triples(graph: Any, iri: str) -> set[tuple[Any, Any, Any]]:
    """Triples with the entity as subject or object, over asserted, inferred and ontology graphs."""
    from rdflib import URIRef

    node = URIRef(iri)
    ds = graph.dataset  # default_union: every graph at once
    return {(s, p, o) for s, p, o in ds.triples((node, None, None))} | {
        (s, p, o) for s, p, o in ds.triples((None, None, node))
    }


def local_path(iri: str) -> str | None:
    """The server path of an entity IRI (https://w3id.org/coopgraph/id/x -> /id/x), else None."""
    if iri.startswith(ID_BASE) and len(iri) > len(ID_BASE):
        return "/id/" + iri[len(ID_BASE):]
    return None


ENTITY_STYLE = ("body{font:15px/1.4 system-ui,sans-serif;margin:1.5em;max-width:70em}"
                "table{border-collapse:collapse}td{border-top:1px solid #ddd;padding:.3em .6em;vertical-align:top}"
                "tr.inferred td{color:#555;font-style:italic}.ev{font-size:85%;color:#444}")


def describe_html(graph: Any, iri: str) -> str:
    """An entity page from :meth:`CoopGraph.describe`: statements, status and their evidence."""
    from coopgraph.links import web_href
    from coopgraph.query.notebook import description_rows

    d = graph.describe(iri)
    rows = [description_rows(d, lambda target: local_path(target) or web_href(target))]
    types = ", ".join(html.escape(t) for t in d.types)
    title = html.escape(d.label)
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{title} · coopgraph</title><link rel=icon href='data:,'>"
        '<link rel=alternate type="text/turtle" href="?format=turtle">'
        '<link rel=alternate type="application/ld+json" href="?format=jsonld">'
        f"<style>{ENTITY_STYLE}</style></head><body>"
        f"<p><a href='/'>coopgraph</a></p><h1>{title}</h1><p><code>{html.escape(d.entity)}</code></p>"
        f"<p>types: {types}</p><p>also as <a href='?format=turtle'>Turtle</a>, "
        "<a href='?format=jsonld'>JSON-LD</a>, <a href='?format=nt'>N-Triples</a></p>"
        f"<table><tbody>{''.join(rows)}</tbody></table></body></html>\n"
    )


# -- HTTP -----------------------------------------------------------------------------------

# On every response. nosniff: a browser takes the declared type, never guesses HTML from a
# result; no-referrer: a query in a URL is not passed on to the sites a page links to;
# DENY with frame-ancestors: no page can be framed by another site (clickjacking).
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"}
API_POLICY = "default-src 'none'; frame-ancestors 'none'"  # non-HTML answers: nothing in them may load or run


def _source_hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode("ascii") + "'"


def page_policy(scripts: tuple[str, ...] = (), styles: tuple[str, ...] = ()) -> str:
    """The Content-Security-Policy of a page whose only code is the given inline scripts and styles.

    By hash, not 'unsafe-inline': the page's own script and style run, and anything else that
    got into a page (markup from the data that escaping missed) would not. The hashes are taken
    from the templates, never from a rendered page. ``connect-src 'self'``: the query page's
    fetch() reaches this server only.
    """
    script = " ".join(map(_source_hash, scripts)) or "'none'"
    style = " ".join(map(_source_hash, styles)) or "'none'"
    return (f"default-src 'none'; script-src {script}; style-src {style}; connect-src 'self'; "
            "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


ENTITY_POLICY = page_policy(styles=(ENTITY_STYLE,))  # the entity page: its style, no script
PAGE_TYPES = ["text/html", *GRAPH_TYPES]
INDEX_TEMPLATE = Path(__file__).resolve().parent / "web" / "index.html"
# The template's inline code: elements without attributes (the JSON data block has a type and is
# never run, so the policy need not allow it).
_INLINE = re.compile(r"<(script|style)>(.*?)</\1>", re.S)


@functools.lru_cache(maxsize=2)
def index_policy(template: str) -> str:
    """The policy of the query page, from the template's own inline script and style."""
    found = _INLINE.findall(template)
    return page_policy(tuple(c for t, c in found if t == "script"), tuple(c for t, c in found if t == "style"))


def _index_html(library: Any) -> Reply:
    """The query page with the named queries inlined as JSON: no request, no CDN, works offline."""
    named = [
        {"name": q.name, "question": q.question, "form": q.form, "text": q.text,
         "parameters": [{"name": p.name, "type": p.type, "default": p.default, "description": p.description}
                        for p in q.parameters]}
        for q in library
    ]
    data = json.dumps(named, ensure_ascii=False).replace("</", "<\\/")
    template = INDEX_TEMPLATE.read_text(encoding="utf-8")
    page = template.replace("/*NAMED_QUERIES*/[]", data)
    return Reply(200, "text/html; charset=utf-8", page.encode("utf-8"),
                 {"Content-Security-Policy": index_policy(template)})


def refusal(status: int, message: str) -> bytes:
    """A whole response written without a handler: for a connection refused as it is accepted."""
    body = (message + "\n").encode("utf-8")
    headers = {"Server": SERVER, "Date": email.utils.formatdate(usegmt=True),
               "Content-Type": "text/plain; charset=utf-8", "Content-Length": str(len(body)),
               "Retry-After": "1", "Connection": "close", **SECURITY_HEADERS, "Content-Security-Policy": API_POLICY}
    head = f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return (head + "\r\n").encode("latin-1") + body


class _DeadlineReader(io.RawIOBase):
    """Reads a socket against one deadline for a whole stretch of reading.

    A socket timeout starts again with every byte received, so a client that sends a header
    line every few seconds never trips it. This deadline is set once per stretch (the wait for
    the next request, then the request's head and body) and only runs out.
    """

    def __init__(self, sock: socket.socket) -> None:
        super().__init__()
        self._sock = sock
        self.deadline = time.monotonic()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the read deadline passed")
        self._sock.settimeout(left)
        return self._sock.recv_into(buffer)


class _LineReader(io.BufferedReader):
    """A buffered reader that remembers the last line read.

    The standard library's header parser stops at the end of input as it stops at the blank
    line that ends a head; only the last line tells a complete head from one cut off.
    """

    last_line = b""

    def readline(self, size: int | None = -1) -> bytes:
        self.last_line = super().readline(size)
        return self.last_line


_CLOSE_AFTER = {408, 411, 413, 414, 431}  # the rest of such a request is unread: the connection cannot go on
LINGER_SECONDS = 1.0  # how long to read what a refused client still sends, so it gets the answer
LINGER_BYTES = 64 * 1024


class Handler(BaseHTTPRequestHandler):
    """Routes: ``/``, ``/sparql``, ``/queries[/NAME]``, ``/id/...``, ``/status``."""

    server: CoopgraphHTTPServer
    protocol_version = "HTTP/1.1"  # keep-alive; every reply carries Content-Length
    timeout = None  # the deadlines of handle_one_request replace a timeout per read

    # -- plumbing ----------------------------------------------------------------------------

    def setup(self) -> None:
        super().setup()
        self.rfile.close()  # the makefile() reader, replaced by one that keeps a deadline
        self._reader = _DeadlineReader(self.connection)
        self.rfile = _LineReader(self._reader)
        self._responded = False
        self._linger = False

    def version_string(self) -> str:
        return SERVER

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        self.server.app.log(f"{self.address_string()} {format % args}")

    def handle_one_request(self) -> None:
        """Read one request against the idle timeout, then the request deadline, and answer it.

        The standard library's version has only the socket timeout and closes a late request
        silently; here a request that started but did not arrive in time gets 408 (RFC 9110
        15.5.9), and a connection that sent nothing is simply closed.
        """
        config = self.server.app.config
        self._responded = self._linger = False
        self.command, self.request_version, self.requestline = "", "HTTP/1.1", ""  # until parsed
        self.headers = http.client.HTTPMessage()
        self._reader.deadline = time.monotonic() + config.idle_timeout
        try:
            if not self.rfile.peek(1):  # the client closed the connection
                self.close_connection = True
                return
        except OSError as e:  # TimeoutError (idle) or a reset
            if isinstance(e, TimeoutError):
                self.server.app.count("idle_closed")
            self.close_connection = True
            return
        self._reader.deadline = time.monotonic() + config.request_timeout
        try:
            self.raw_requestline = self.rfile.readline(65537)
            if len(self.raw_requestline) > 65536:
                self.send_error(HTTPStatus.REQUEST_URI_TOO_LONG, "the request line is longer than 65536 bytes")
                return
            if not self.parse_request():  # it has answered (send_error)
                return
            method = getattr(self, "do_" + self.command, None)
            if method is None:
                self.send_error(HTTPStatus.NOT_IMPLEMENTED, f"unsupported method {self.command!r}")
                return
            method()
        except TimeoutError:
            self.close_connection = True
            if not self._responded:
                self._error(HttpError(408, f"the request did not arrive within {config.request_timeout:g} s"))
        except OSError:  # reset while reading the head
            self.close_connection = True
        finally:
            if self._linger:
                self._drain()

    def parse_request(self) -> bool:
        """The standard library's parsing, without HTTP/0.9 (a response with no status line and
        no headers, so none of the limits or security headers could be stated), and without
        answering a head cut off by the client closing: that request was never made."""
        if not super().parse_request():
            return False
        if self.rfile.last_line not in (b"\r\n", b"\n"):
            self.server.app.count("incomplete_requests")
            self.close_connection = True
            return False
        if self.request_version == "HTTP/0.9":
            self.send_error(HTTPStatus.HTTP_VERSION_NOT_SUPPORTED, "HTTP/0.9 is not supported; use HTTP/1.1")
            return False
        return True

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """The standard library's own refusals (a malformed request line, an unsupported version,
        too many or too long headers), answered like every other error."""
        self.close_connection = True
        self._error(HttpError(int(code), message or HTTPStatus(code).phrase))

    def _drain(self) -> None:
        """Before closing after a refusal, read (briefly) what the client still sends.

        Closing a socket with unread input resets the connection, and a reset can destroy the
        answer before the client reads it.
        """
        try:
            self.connection.shutdown(socket.SHUT_WR)
            deadline, left = time.monotonic() + LINGER_SECONDS, LINGER_BYTES
            while left > 0 and (wait := deadline - time.monotonic()) > 0:
                self.connection.settimeout(wait)
                chunk = self.connection.recv(min(left, 16384))
                if not chunk:
                    break
                left -= len(chunk)
        except OSError:
            pass

    def _send(self, reply: Reply) -> None:
        """Send a complete reply; a client that went away is counted, not an error."""
        self._responded = True
        if self.request_version == "HTTP/0.9":  # a head not (fully) parsed: answer in HTTP/1.1, status line and all
            self.request_version = "HTTP/1.1"
        headers = {"Content-Type": reply.content_type, "Content-Length": str(len(reply.body)),
                   **SECURITY_HEADERS, "Content-Security-Policy": API_POLICY, **self._cors_headers(), **reply.headers}
        if self.close_connection:
            headers["Connection"] = "close"
        try:
            self.connection.settimeout(self.server.app.config.send_timeout)  # sendall: for the whole write
            self.send_response(reply.status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(reply.body)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, TimeoutError) as e:
            self.server.app.count("client_disconnects")
            self.server.app.log(f"client went away mid-response: {type(e).__name__}")
            self.close_connection = True

    def _error(self, e: HttpError) -> None:
        if e.status in _CLOSE_AFTER:
            self.close_connection = True
        self._linger = self.close_connection
        self.server.app.count(f"status_{e.status}")
        self._send(Reply(e.status, "text/plain; charset=utf-8", (e.message + "\n").encode("utf-8"), e.headers))

    def _cors_headers(self) -> dict[str, str]:
        """CORS for reads of the public graph; never for the review pages (--drafts), whose drafts
        are the curator's and must not be readable by another site's script."""
        origins = self.server.app.config.cors_origins
        origin = self.headers.get("Origin") if self.headers is not None else None
        if not origins or not origin:
            return {}
        review = self.server.app.review
        if review is not None and review.handles(urllib.parse.unquote(self.path.partition("?")[0])):
            return {}
        if "*" in origins:
            return {"Access-Control-Allow-Origin": "*"}
        if origin in origins:
            return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
        return {}

    def _dispatch(self) -> None:
        try:
            with self.server.app.holder.use() as snapshot:  # one build, workers included, for the whole request
                self._send(self._route(snapshot))
        except HttpError as e:
            self._error(e)
        except CoopgraphError as e:
            self._error(HttpError(400, str(e)))
        except Exception as e:  # a bug must not take the connection thread down silently
            self.server.app.log(f"internal error: {type(e).__name__}: {e}")
            self._error(HttpError(500, "internal server error"))

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        self._dispatch()

    do_HEAD = do_GET  # noqa: N815

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        self._dispatch()

    def do_OPTIONS(self) -> None:  # noqa: N802 - stdlib name
        """CORS preflight: allowed origins get the methods and headers a SPARQL client sends."""
        headers = {"Allow": "GET, HEAD, POST, OPTIONS"}
        if self._cors_headers():
            headers |= {"Access-Control-Allow-Methods": "GET, POST, OPTIONS",
                        "Access-Control-Allow-Headers": "Content-Type, Accept", "Access-Control-Max-Age": "600"}
        self._send(Reply(204, "text/plain", b"", headers))

    def do_PUT(self) -> None:  # noqa: N802 - stdlib name
        self._read_only()

    do_DELETE = do_PATCH = do_PUT  # noqa: N815

    def _read_only(self) -> None:
        self._error(HttpError(405, "this endpoint is read-only", {"Allow": "GET, HEAD, POST, OPTIONS"}))

    # -- request parsing ---------------------------------------------------------------------

    def _params(self) -> tuple[str, dict[str, list[str]]]:
        """Path and query-string parameters; an over-long URL is refused before parsing."""
        path, _, query = self.path.partition("?")
        if len(query) > self.server.app.config.max_request_bytes:
            raise HttpError(414, f"the URL is longer than {self.server.app.config.max_request_bytes} bytes; use POST")
        return urllib.parse.unquote(path), urllib.parse.parse_qs(query, keep_blank_values=True)

    def _body(self) -> bytes:
        """The request body, within the request deadline; refused before reading if its size is
        unknown (411) or too big (413)."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            raise HttpError(411, "chunked request bodies are not accepted; send Content-Length")
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            raise HttpError(411, "a POST needs a Content-Length header") from None
        limit = self.server.app.config.max_request_bytes
        if length > limit:
            raise HttpError(413, f"the request body has {length} bytes; the limit is {limit}")
        if length < 0:
            self.close_connection = True
            raise HttpError(400, f"Content-Length {length} is negative")
        try:
            body = self.rfile.read(length) if length else b""
        except TimeoutError:
            raise HttpError(408, f"the request body did not arrive within {self.server.app.config.request_timeout:g} s"
                            ) from None
        except OSError:
            self.close_connection = True
            raise HttpError(400, "the connection broke while the request body was read") from None
        if len(body) < length:
            self.close_connection = True
            raise HttpError(400, f"the request body ended after {len(body)} of its {length} bytes")
        return body

    def _sparql_request(self, params: dict[str, list[str]]) -> tuple[str, dict[str, list[str]]]:
        """The query text from GET, form POST or direct POST, per SPARQL 1.1 Protocol §2.1, and
        the request's parameters (a form's fields included: ``format`` may come in the body)."""
        if "update" in params:
            raise HttpError(403, "SPARQL Update is refused: this endpoint is read-only")
        if self.command == "POST":
            media = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
            body = self._body()
            if media == "application/sparql-update":
                raise HttpError(403, "SPARQL Update is refused: this endpoint is read-only")
            if media == "application/x-www-form-urlencoded":
                form = urllib.parse.parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
                if "update" in form:
                    raise HttpError(403, "SPARQL Update is refused: this endpoint is read-only")
                params = {**params, **form}
            elif media == "application/sparql-query":
                if "query" in params:
                    raise HttpError(400, "a direct POST carries the query in the body, not also in the URL")
                try:
                    return body.decode("utf-8"), params
                except UnicodeDecodeError:
                    raise HttpError(400, "the query is not valid UTF-8") from None
            else:
                raise HttpError(415, "POST application/sparql-query or application/x-www-form-urlencoded")
        queries = params.get("query", [])
        if len(queries) != 1:
            raise HttpError(400, "give exactly one query parameter")
        if params.get("default-graph-uri") or params.get("named-graph-uri"):
            raise HttpError(400, "default-graph-uri and named-graph-uri are not supported: the default "
                                 "graph is the union of all graphs; use GRAPH in the query")
        return queries[0], params

    # -- routes ------------------------------------------------------------------------------

    def _route(self, snapshot: Snapshot) -> Reply:
        app = self.server.app
        path, params = self._params()
        accept = self.headers.get("Accept")
        fmt = _format_param(params)
        if app.review is not None and app.review.handles(path):  # coopgraph serve --drafts DIR
            return app.review.route(self._review_request(path, params), snapshot.graph)
        if self.command == "POST" and path != "/sparql":
            raise HttpError(405, "POST is only for /sparql", {"Allow": "GET, HEAD"})
        if path == "/sparql":
            if self.command != "POST" and "query" not in params and "update" not in params:
                if negotiate(accept, [*GRAPH_TYPES, "text/html"], fmt) is None:  # it wanted results
                    raise HttpError(400, "give one query parameter; without one, /sparql answers with its Service "
                                         "Description in " + ", ".join(GRAPH_TYPES))
                return self._described(accept, fmt, service_description(self._base_url() + "/sparql", snapshot.quads),
                                       html="/")  # a browser that opens /sparql gets the query page
            text, params = self._sparql_request(params)
            fmt = _format_param(params)
            check_read_only(text)
            # the library's conventions hold here too: the project prefixes are declared and a
            # projected ?xLabel is filled (coopgraph.query.labels), in the languages of ?lang=vi,en
            langs = label_languages((params.get("lang") or [None])[-1])
            text = with_labels(text, langs)
            return app.executor.run(snapshot.pool, text, accept, fmt)
        if path in ("/", "/index.html"):  # YASGUI (coopgraph.serve.webui)
            return Reply(200, "text/html; charset=utf-8", webui.query_page(snapshot.library),
                         {"Content-Security-Policy": webui.PAGE_POLICY})
        if path == "/plain":  # the page without the editor: named queries with their parameters
            return _index_html(snapshot.library)
        if path.startswith("/web/") and (found := webui.static_file(path.removeprefix("/web/"))) is not None:
            return Reply(200, found[0], found[1], {"Cache-Control": "public, max-age=3600"})
        if path == "/queries":
            return Reply(200, "application/json", json.dumps(
                [{"name": q.name, "question": q.question, "form": q.form,
                  "parameters": [p.name for p in q.parameters], "text": f"/queries/{q.name}.rq"}
                 for q in snapshot.library],
                ensure_ascii=False, indent=2).encode("utf-8"))
        if path.startswith("/queries/"):
            return self._named(snapshot, path.removeprefix("/queries/"), params, accept, fmt)
        if path.startswith("/id/"):
            return self._entity(snapshot, ID_BASE + path.removeprefix("/id/"), accept, fmt)
        if path == "/.well-known/void":
            return self._described(accept, fmt, void_description(
                app.config.build_dir, self._base_url() + "/sparql", snapshot.signature))
        if path == "/status":
            return Reply(200, "application/json", json.dumps(app.status(), indent=2).encode("utf-8"))
        raise HttpError(404, f"nothing at {path}; try / or /sparql")

    def _review_request(self, path: str, params: dict[str, list[str]]) -> Any:
        from coopgraph.serve.review import Request

        host, port = self.server.server_address[:2]
        return Request(self.command, path, self.headers, self._body, str(host), int(port), params)

    def _named(self, snapshot: Snapshot, name: str, params: dict[str, list[str]],
               accept: str | None, fmt: str | None) -> Reply:
        if name.endswith(".rq") and name[:-3] in snapshot.library.names():  # the text, for any client
            text = webui.declared(snapshot.library.get(name[:-3]).text)
            return Reply(200, "application/sparql-query; charset=utf-8", text.encode("utf-8"))
        if name not in snapshot.library.names():
            raise HttpError(404, f"no named query {name!r}; see /queries")
        values = {k: v[-1] for k, v in params.items() if k not in ("format", "output", "results")}
        page = {k: values.pop(k, None) for k in ("limit", "offset")}  # ?limit=&offset=: one page, paged by the engine
        # Bound here, where the graph resolves names (a bad value is a 400 before a slot is
        # taken); run in a worker, on the same snapshot's store, on Oxigraph, so its labels are
        # filled by the label functions. ``lang`` is the label languages.
        text = bound_query(snapshot.graph, name, params=values, library=snapshot.library, functions=True, **page)
        return self.server.app.executor.run(snapshot.pool, text, accept, fmt, demote=False)

    def _entity(self, snapshot: Snapshot, iri: str, accept: str | None, fmt: str | None) -> Reply:
        triples = entity_triples(snapshot.graph, iri)
        if not triples:
            raise HttpError(404, f"no entity <{iri}> in this graph")
        media = negotiate(accept, PAGE_TYPES, fmt)
        if media is None:
            raise HttpError(406, "entities are served as " + ", ".join(PAGE_TYPES))
        headers = {"Vary": "Accept"}
        if media == "text/html":
            return Reply(200, "text/html; charset=utf-8", describe_html(snapshot.graph, iri).encode("utf-8"),
                         {**headers, "Content-Security-Policy": ENTITY_POLICY})
        return Reply(200, _content_type(media), write_triples(list(triples), GRAPH_TYPES[media]).encode("utf-8"),
                     headers)

    def _described(self, accept: str | None, fmt: str | None, triples: list, html: str | None = None) -> Reply:
        """A description of the endpoint (Service Description, VoID), negotiated as any graph;
        a browser asking for HTML is sent to ``html`` if given."""
        media = negotiate(accept, [*GRAPH_TYPES, *(["text/html"] if html else [])], fmt)
        if media is None:
            raise HttpError(406, "served as " + ", ".join(GRAPH_TYPES))
        if media == "text/html":
            return Reply(303, "text/plain", b"", {"Location": html or "/", "Vary": "Accept"})
        body = write_triples(triples, GRAPH_TYPES[media]).encode("utf-8")
        return Reply(200, _content_type(media), body, {"Vary": "Accept"})

    def _base_url(self) -> str:
        """This server's URL as the client addressed it (its Host header, if well-formed)."""
        host = self.headers.get("Host", "")
        return f"http://{host}" if _HOST.fullmatch(host) else self.server.app.url


class CoopgraphHTTPServer(ThreadingHTTPServer):
    """ThreadingHTTPServer with caps on open connections, in all and per client address."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = 128  # the listen backlog: a burst of connections waits instead of being dropped

    def __init__(self, address: tuple[str, int], app: SparqlServer) -> None:
        self.app = app
        self.open_connections = 0
        self._per_client: dict[str, int] = {}
        self._count_lock = threading.Lock()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        client, config = client_address[0], self.app.config
        with self._count_lock:
            if self.open_connections >= config.max_connections:
                refused: tuple[int, str] | None = (503, "too many connections; try again shortly")
            elif self._per_client.get(client, 0) >= config.max_connections_per_client:
                refused = (429, f"too many connections from {client} (the limit is "
                                f"{config.max_connections_per_client}); close some and try again")
            else:
                refused = None
                self.open_connections += 1
                self._per_client[client] = self._per_client.get(client, 0) + 1
        if refused is not None:
            self.app.count(f"status_{refused[0]}")
            try:
                request.settimeout(1)
                request.sendall(refusal(*refused))
            except OSError:
                pass
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._release(client)
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._release(client_address[0])

    def _release(self, client: str) -> None:
        with self._count_lock:
            self.open_connections -= 1
            left = self._per_client.get(client, 1) - 1
            if left:
                self._per_client[client] = left
            else:
                self._per_client.pop(client, None)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Connection errors are the client's business; log one line instead of a traceback."""
        import sys

        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            self.app.count("client_disconnects")
            self.app.log(f"{client_address[0]} connection error: {type(error).__name__}")
        else:
            self.app.log(f"{client_address[0]} internal error: {type(error).__name__}: {error}")


class SparqlServer:
    """The endpoint: snapshot holder, query executor, HTTP server and build watcher.

    Use as a context manager in tests (``with SparqlServer(config) as s: s.url``) or call
    :meth:`serve_forever` from the CLI.
    """

    def __init__(self, config: ServerConfig, log: Callable[[str], None] | None = None) -> None:
        check_bind(config.host, config.allow_public)
        self.config = config
        self.review: Any = None  # the review pages (coopgraph.serve.review), with --drafts only
        if config.drafts_dir is not None:
            from coopgraph.serve.review import ReviewSite

            self.review = ReviewSite(config.drafts_dir)  # refuses a missing folder before binding
        self._log = log
        self.counters: dict[str, int] = {}
        self._counter_lock = threading.Lock()
        self.executor = Executor(config, self.log)
        try:
            self.httpd = CoopgraphHTTPServer((config.host, config.port), self)
        except OSError as e:
            raise UsageError(f"cannot listen on {config.host}:{config.port}: {e.strerror or e}") from None
        try:
            self.holder = GraphHolder(config.build_dir, self.log, config.queries_dir, self._workers)
        except BaseException:
            self.httpd.server_close()
            raise
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def _workers(self, graph: Any, dump: bytes, quads: int) -> WorkerPool:
        return WorkerPool(lambda: nquads(graph), quads, log=self.log, max_jobs=self.config.worker_max_queries,
                          memory_mib=self.config.worker_memory_mib, first_dump=dump)

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:7878``."""
        host, port = self.httpd.server_address[:2]
        return f"http://[{host}]:{port}" if ":" in str(host) else f"http://{host}:{port}"

    def log(self, message: str) -> None:
        """One line per event to the configured sink (stderr in the CLI, nothing in tests)."""
        if self._log:
            self._log(message)

    def count(self, key: str) -> None:
        """Bump a counter shown on /status (disconnects, refusals by status)."""
        with self._counter_lock:
            self.counters[key] = self.counters.get(key, 0) + 1

    def worker_pids(self) -> dict[str, list[int]]:
        """Process ids of the current snapshot's zygote and of its idle and busy workers."""
        pool = self.holder.snapshot.pool
        return pool.pids() if pool is not None else {"zygote": [], "idle": [], "busy": []}

    def status(self) -> dict[str, Any]:
        """What /status reports: the build being served, the counters, the limits."""
        snap = self.holder.snapshot
        pids = self.worker_pids()
        c = self.config
        return {"build": str(c.build_dir), "quads": snap.quads, "loaded_at": snap.loaded_at,
                "reloads": self.holder.reloads, "last_reload_error": self.holder.last_error,
                "named_queries": snap.library.names(), "counters": dict(self.counters),
                "queries_running": self.executor.running, "slow_queries_running": self.executor.slow_running,
                "queries_stopped": self.executor.stopped, "stopped_after_seconds": self.executor.stopped_after,
                "workers": {"idle": len(pids["idle"]), "busy": len(pids["busy"])},
                "connections": self.httpd.open_connections,
                "limits": {"timeout": c.timeout, "max_rows": c.max_rows, "max_request_bytes": c.max_request_bytes,
                           "max_concurrent": c.max_concurrent, "slow_query_after": c.slow_query_after,
                           "max_slow_queries": c.max_slow_queries, "worker_memory_mib": c.worker_memory_mib,
                           "max_connections": c.max_connections,
                           "max_connections_per_client": c.max_connections_per_client,
                           "request_timeout": c.request_timeout, "idle_timeout": c.idle_timeout}}

    def start(self) -> SparqlServer:
        """Serve and watch in background threads; returns at once."""
        self._threads = [threading.Thread(target=self.httpd.serve_forever, name="http", daemon=True)]
        if self.config.reload_interval > 0:
            self._threads.append(threading.Thread(
                target=self.holder.watch, args=(self.config.reload_interval, self._stop), name="watch", daemon=True))
        for t in self._threads:
            t.start()
        return self

    def request_stop(self) -> None:
        """Make :meth:`serve_forever` return (from a signal handler, for example)."""
        self._stop.set()

    def stop(self) -> None:
        """Stop serving and watching, and end every worker process."""
        self._stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        for t in self._threads:
            t.join(timeout=5)
        self.holder.close()

    def serve_forever(self) -> None:
        """Block until interrupted (Ctrl-C) or asked to stop, then stop cleanly."""
        self.start()
        try:
            while not self._stop.wait(3600):
                pass
        finally:
            self.stop()

    def __enter__(self) -> SparqlServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
