"""SPARQL 1.1 Protocol endpoint and linked-data pages over the built, reasoned graph.

Why the standard library (:class:`http.server.ThreadingHTTPServer`) and not a framework: the
endpoint is a handful of routes, must run wherever ``coopgraph`` is installed without another
dependency, and its safety rules (request size, concurrency, timeouts) are a few explicit lines
here rather than settings spread over an ASGI server and a framework. The costs are known and
handled below: ``http.server`` starts one thread per connection with no bound (so the server caps
connections itself) and has no streaming helpers (results are rendered fully before the status
line is sent, so an error can still become a proper status code).

Queries run on :mod:`pyoxigraph`: an in-memory ``Store`` is loaded once per build from the same
:class:`~coopgraph.CoopGraph` dataset the embedded API uses (asserted evidence graphs, the
inferred graph and the ontology graph), with the default graph as the union, like rdflib's
``default_union``. Oxigraph releases the GIL while evaluating, so queries run in a small worker
pool and the request thread waits with a deadline. Oxigraph cannot cancel a running query, so a
timed-out query keeps its worker (and its concurrency slot) until it ends: overload then shows
as 503, never as unbounded CPU.

Every build is served as one immutable :class:`Snapshot`. A watcher thread notices when the build
output is replaced, loads the new one completely, checks it against the byte size the build
recorded in ``void.ttl``, and only then swaps the reference; a request keeps the snapshot it
started with, so no response ever mixes two builds or sees half of one.
"""

from __future__ import annotations

import html
import ipaddress
import json
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from coopgraph.errors import CoopgraphError, QueryError, QueryTimeout, ResultTooLarge, UsageError
from coopgraph.labels import languages as label_languages
from coopgraph.labels import with_labels
from coopgraph.namespaces import ID
from coopgraph.offline import NetworkRefused, keywords
from coopgraph.queries import QueryLibrary, oxigraph_store
from coopgraph.results import MEDIA_TYPES

ID_BASE = str(ID)  # https://w3id.org/coopgraph/id/ is served under /id/

# -- configuration --------------------------------------------------------------------------


@dataclass(frozen=True)
class ServerConfig:
    """Every limit in one place; the defaults are safe for a laptop on loopback."""

    build_dir: Path = Path("build")
    host: str = "127.0.0.1"
    port: int = 7878
    allow_public: bool = False  # binding to a non-loopback address needs this, on purpose
    timeout: float = 10.0  # seconds a query may run before the client gets 503
    max_rows: int = 10_000  # SELECT rows / CONSTRUCT triples a response may carry
    max_request_bytes: int = 64 * 1024  # query text in a body or a URL
    max_concurrent: int = 4  # queries evaluated at once (the worker pool size)
    queue_wait: float = 2.0  # how long a query may wait for a slot before 503
    max_connections: int = 64  # open connections (threads) before new ones get 503
    cors_origins: tuple[str, ...] = ()  # () = no CORS headers; ("*",) = any origin
    reload_interval: float = 1.0  # seconds between checks of the build output; 0 = never
    queries_dir: Path | None = None  # named queries; None = the package's queries/ folder


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
    (:func:`coopgraph.offline.checked`, called by :func:`coopgraph.queries.execute`), which the
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

# media type -> writer name in coopgraph.results (also the ?format= value); order = preference
RESULT_TYPES = {MEDIA_TYPES[f].split(";")[0]: f for f in ("json", "xml", "csv", "tsv")}
GRAPH_TYPES = {MEDIA_TYPES[f].split(";")[0]: f for f in ("turtle", "nt", "jsonld")}
ALL_TYPES = [*RESULT_TYPES, *GRAPH_TYPES]
_ALIASES = {"application/json": "application/sparql-results+json", "application/xml": "application/sparql-results+xml",
            "text/xml": "application/sparql-results+xml", "text/plain": "application/n-triples"}
_SHORT = {**{v: k for k, v in RESULT_TYPES.items()}, **{v: k for k, v in GRAPH_TYPES.items()},
          "ttl": "text/turtle", "ntriples": "application/n-triples", "json-ld": "application/ld+json"}


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
        wanted = _SHORT.get(format_param.lower(), _ALIASES.get(format_param.lower(), format_param.lower()))
        return wanted if wanted in offers else None
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


def _signature(build_dir: Path) -> tuple[int, int, int] | None:
    """Identity of the build's main file: a build swaps the folder, so inode and mtime change."""
    try:
        st = (build_dir / "coopgraph.trig").stat()
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


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
    """One build, fully loaded: the API object, its Oxigraph store, and the named queries."""

    graph: Any  # coopgraph.CoopGraph
    library: QueryLibrary
    signature: tuple[int, int, int] | None
    loaded_at: float
    quads: int


def load_snapshot(build_dir: Path, queries_dir: Path | None = None) -> Snapshot:
    """Load a build, or raise if it is missing, changing while read, or not the size recorded.

    ``coopgraph.open`` would quietly build from the data files when the build is missing (for
    example in the instant between the two renames of a rebuild); a server must not do that.
    """
    import coopgraph

    before = _signature(build_dir)
    if before is None:
        raise UsageError(f"no build at {build_dir}: run `coopgraph build --out {build_dir}` first")
    graph = coopgraph.open(build_dir=build_dir)
    after = _signature(build_dir)
    if after != before:
        raise UsageError(f"{build_dir} changed while it was being read; will retry")
    recorded = _recorded_size(build_dir)
    if recorded is not None and recorded != before[2]:
        raise UsageError(
            f"{build_dir}/coopgraph.trig has {before[2]} bytes but void.ttl records {recorded}: incomplete build"
        )
    store = oxigraph_store(graph)  # built now, so the first query after a swap does not pay for it
    library = QueryLibrary(queries_dir)
    return Snapshot(graph=graph, library=library, signature=before, loaded_at=time.time(), quads=len(store))


class GraphHolder:
    """Holds the current snapshot and swaps in a new one only when it is complete."""

    def __init__(self, build_dir: Path, log: Callable[[str], None] | None = None,
                 queries_dir: Path | None = None) -> None:
        self.build_dir = Path(build_dir)
        self.queries_dir = queries_dir
        self._log = log or (lambda _m: None)
        self._snapshot = load_snapshot(self.build_dir, queries_dir)
        self._lock = threading.Lock()  # one reload at a time; readers never take it
        self.reloads = 0
        self.last_error: str | None = None

    @property
    def snapshot(self) -> Snapshot:
        """The snapshot to answer one request with; reading an attribute is atomic."""
        return self._snapshot

    def check(self) -> bool:
        """Reload if the build changed; keep the old graph on any failure. True if swapped."""
        with self._lock:
            current = _signature(self.build_dir)
            if current is None or current == self._snapshot.signature:
                return False
            try:
                fresh = load_snapshot(self.build_dir, self.queries_dir)
            except Exception as e:  # any failure keeps serving the previous build
                self.last_error = " ".join(str(e).split())
                self._log(f"reload skipped, still serving the previous build: {self.last_error}")
                return False
            self._snapshot = fresh
            self.reloads += 1
            self.last_error = None
            self._log(f"reloaded {self.build_dir} ({fresh.quads} quads)")
            return True

    def watch(self, interval: float, stop: threading.Event) -> None:
        """Poll the build output until ``stop`` is set (run in a daemon thread)."""
        while not stop.wait(interval):
            self.check()


# -- query execution ------------------------------------------------------------------------


@dataclass
class Reply:
    """A complete HTTP answer; built before anything is sent so errors keep their status."""

    status: int
    content_type: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


Job = Callable[[float], Any]  # deadline (time.monotonic) -> queries.QueryResult


class Executor:
    """Runs queries with a concurrency bound, a deadline and a result-size limit.

    The semaphore slot is released by the worker when the query really ends, not when the
    client stops waiting: a query that overran its time limit still occupies a slot, so runaway
    queries cannot pile up beyond ``max_concurrent``.
    """

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self._slots = threading.BoundedSemaphore(config.max_concurrent)
        self._running = 0  # queries holding a slot, including ones their client gave up on
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=config.max_concurrent, thread_name_prefix="sparql")

    @property
    def running(self) -> int:
        """How many queries are being evaluated now (shown on /status)."""
        return self._running

    def shutdown(self) -> None:
        """Stop accepting work; running queries finish on their own threads."""
        self._pool.shutdown(wait=False, cancel_futures=True)

    def run(self, job: Job, accept: str | None, format_param: str | None) -> Reply:
        """Evaluate ``job`` in a worker, within the deadline, and render it as negotiated."""
        if negotiate(accept, ALL_TYPES, format_param) is None:
            raise _not_acceptable()
        if not self._slots.acquire(timeout=self.config.queue_wait):
            raise HttpError(503, "too many queries at once; try again shortly", {"Retry-After": "1"})
        deadline = time.monotonic() + self.config.timeout
        with self._lock:
            self._running += 1
        try:
            future = self._pool.submit(self._evaluate, job, deadline)
        except RuntimeError:  # the pool is shut down
            self._done()
            raise HttpError(503, "the server is shutting down") from None
        try:
            result = future.result(timeout=self.config.timeout + 0.05)
        except FutureTimeout:
            raise _timeout(self.config) from None
        except QueryTimeout:
            raise _timeout(self.config) from None
        except ResultTooLarge as e:
            raise HttpError(422, f"{e} (the limit is {self.config.max_rows}); add LIMIT, or page with OFFSET") from None
        except UsageError as e:  # bad parameter value, unknown name
            raise HttpError(400, str(e)) from None
        except NetworkRefused as e:  # SERVICE: refused where the query runs
            raise HttpError(403, str(e)) from None
        except QueryError as e:  # syntax (with line and column) or evaluation error
            raise HttpError(400, str(e)) from None
        return render(result, accept, format_param)

    def _evaluate(self, job: Job, deadline: float) -> Any:
        try:
            return job(deadline)
        except Exception as e:
            # The traceback's frames hold the pyoxigraph result iterator, which may only be
            # freed on the thread that made it; the request thread would otherwise drop it.
            e.__traceback__ = e.__context__ = e.__cause__ = None
            raise e from None
        finally:
            self._done()

    def _done(self) -> None:
        with self._lock:
            self._running -= 1
        self._slots.release()


def _timeout(config: ServerConfig) -> HttpError:
    return HttpError(503, f"the query exceeded the {config.timeout:g} s time limit", {"Retry-After": "1"})


def _not_acceptable() -> HttpError:
    return HttpError(406, "none of the requested media types can be produced; offered: " + ", ".join(ALL_TYPES))


def render(result: Any, accept: str | None, format_param: str | None) -> Reply:
    """Serialise a query result in the negotiated format with the project's result writers."""
    from coopgraph.results import write

    table = GRAPH_TYPES if result.graph is not None else RESULT_TYPES
    offers = [m for m in table if not (result.kind == "ASK" and table[m] in ("csv", "tsv"))]
    media = negotiate(accept, offers, format_param)
    if media is None:
        raise _not_acceptable()
    return Reply(200, _content_type(media), write(result, table[media]).encode("utf-8"))


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


def _link(iri: str, text: str | None = None) -> str:
    href = local_path(iri) or iri
    return f'<a href="{html.escape(href)}">{html.escape(text or iri)}</a>'


def describe_html(graph: Any, iri: str) -> str:
    """An entity page from :meth:`CoopGraph.describe`: statements, status and their evidence."""
    d = graph.describe(iri)
    rows = []
    for st in d.statements:
        value = html.escape(st.node_label) if st.is_literal else _link(st.node, st.node_label)
        pred = _link(st.predicate, st.predicate_label)
        if st.direction == "in":
            pred, value = f"is {pred} of", value
        evidence = "".join(
            f"<div class=ev>{html.escape(ev.to_text()).replace(chr(10), '<br>')}</div>" for ev in st.evidence
        )
        rows.append(f"<tr class={st.status}><td>{pred}</td><td>{value}</td><td>{st.status}</td><td>{evidence}</td></tr>")
    types = ", ".join(html.escape(t) for t in d.types)
    title = html.escape(d.label)
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{title} · coopgraph</title><link rel=icon href='data:,'>"
        '<link rel=alternate type="text/turtle" href="?format=turtle">'
        '<link rel=alternate type="application/ld+json" href="?format=jsonld">'
        "<style>body{font:15px/1.4 system-ui,sans-serif;margin:1.5em;max-width:70em}"
        "table{border-collapse:collapse}td{border-top:1px solid #ddd;padding:.3em .6em;vertical-align:top}"
        "tr.inferred td{color:#555;font-style:italic}.ev{font-size:85%;color:#444}</style></head><body>"
        f"<p><a href='/'>coopgraph</a></p><h1>{title}</h1><p><code>{html.escape(d.entity)}</code></p>"
        f"<p>types: {types}</p><p>also as <a href='?format=turtle'>Turtle</a>, "
        "<a href='?format=jsonld'>JSON-LD</a>, <a href='?format=nt'>N-Triples</a></p>"
        f"<table><tbody>{''.join(rows)}</tbody></table></body></html>\n"
    )


# -- HTTP -----------------------------------------------------------------------------------

PAGE_TYPES = ["text/html", *GRAPH_TYPES]


def _index_html(library: Any) -> str:
    """The query page with the named queries inlined as JSON: no request, no CDN, works offline."""
    named = [
        {"name": q.name, "question": q.question, "form": q.form, "text": q.text,
         "parameters": [{"name": p.name, "type": p.type, "default": p.default, "description": p.description}
                        for p in q.parameters]}
        for q in library
    ]
    data = json.dumps(named, ensure_ascii=False).replace("</", "<\\/")
    return INDEX_TEMPLATE.read_text(encoding="utf-8").replace("/*NAMED_QUERIES*/[]", data)


INDEX_TEMPLATE = Path(__file__).resolve().parent / "web" / "index.html"


class Handler(BaseHTTPRequestHandler):
    """Routes: ``/``, ``/sparql``, ``/queries[/NAME]``, ``/id/...``, ``/status``."""

    server: CoopgraphHTTPServer
    protocol_version = "HTTP/1.1"  # keep-alive; every reply carries Content-Length
    server_version = "coopgraph"
    timeout = 30  # seconds a silent client may hold a connection (and a thread)

    # -- plumbing ----------------------------------------------------------------------------

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        self.server.app.log(f"{self.address_string()} {format % args}")

    def _send(self, reply: Reply) -> None:
        """Send a complete reply; a client that went away is counted, not an error."""
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            for key, value in {**self._cors_headers(), **reply.headers}.items():
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
        if e.status >= 500 or e.status in (413, 414):
            self.close_connection = e.status in (413, 414)
        self.server.app.count(f"status_{e.status}")
        self._send(Reply(e.status, "text/plain; charset=utf-8", (e.message + "\n").encode("utf-8"), e.headers))

    def _cors_headers(self) -> dict[str, str]:
        origins = self.server.app.config.cors_origins
        origin = self.headers.get("Origin")
        if not origins or not origin:
            return {}
        if "*" in origins:
            return {"Access-Control-Allow-Origin": "*"}
        if origin in origins:
            return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
        return {}

    def _dispatch(self) -> None:
        try:
            self._send(self._route())
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
        """The request body, refused with 411/413 before reading when its size is unknown or too big."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            raise HttpError(411, "chunked request bodies are not accepted; send Content-Length")
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            raise HttpError(411, "a POST needs a Content-Length header") from None
        limit = self.server.app.config.max_request_bytes
        if length > limit:
            raise HttpError(413, f"the request body has {length} bytes; the limit is {limit}")
        return self.rfile.read(length) if length > 0 else b""

    def _sparql_request(self, params: dict[str, list[str]]) -> str:
        """The query text from GET, form POST or direct POST, per SPARQL 1.1 Protocol §2.1."""
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
                    return body.decode("utf-8")
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
        return queries[0]

    # -- routes ------------------------------------------------------------------------------

    def _route(self) -> Reply:
        app = self.server.app
        path, params = self._params()
        snapshot = app.holder.snapshot  # one build for the whole request
        accept = self.headers.get("Accept")
        fmt = (params.get("format") or [None])[0]
        if self.command == "POST" and path != "/sparql":
            raise HttpError(405, "POST is only for /sparql", {"Allow": "GET, HEAD"})
        if path == "/sparql":
            bare = self.command != "POST" and "query" not in params and "update" not in params
            if bare and negotiate(accept, ["text/html", "application/sparql-results+json"]) == "text/html":
                return Reply(303, "text/plain", b"", {"Location": "/"})  # a browser opened /sparql
            text = self._sparql_request(params)
            check_read_only(text)
            # the library's conventions hold here too: the project prefixes are declared and a
            # projected ?xLabel is filled (coopgraph.labels), in the languages of ?lang=vi,en
            langs = label_languages((params.get("lang") or [None])[-1])
            text = with_labels(text, langs)
            return app.executor.run(lambda deadline: _run_text(snapshot, text, app.config, deadline), accept, fmt)
        if path in ("/", "/index.html"):
            return Reply(200, "text/html; charset=utf-8", _index_html(snapshot.library).encode("utf-8"))
        if path == "/queries":
            return Reply(200, "application/json", json.dumps(
                [{"name": q.name, "question": q.question, "form": q.form,
                  "parameters": [p.name for p in q.parameters]} for q in snapshot.library],
                ensure_ascii=False, indent=2).encode("utf-8"))
        if path.startswith("/queries/"):
            return self._named(snapshot, path.removeprefix("/queries/"), params, accept, fmt)
        if path.startswith("/id/"):
            return self._entity(snapshot, ID_BASE + path.removeprefix("/id/"), accept, fmt)
        if path == "/status":
            return Reply(200, "application/json", json.dumps(app.status(), indent=2).encode("utf-8"))
        raise HttpError(404, f"nothing at {path}; try / or /sparql")

    def _named(self, snapshot: Snapshot, name: str, params: dict[str, list[str]],
               accept: str | None, fmt: str | None) -> Reply:
        app = self.server.app
        if name not in snapshot.library.names():
            raise HttpError(404, f"no named query {name!r}; see /queries")
        values = {k: v[-1] for k, v in params.items() if k != "format"}
        query = snapshot.library.get(name)
        for key in values:
            if key != "lang":  # lang: the label languages (vi,en), which run() takes for any query
                query.parameter(key)  # unknown parameter -> UsageError -> 400, before a slot is taken

        def job(deadline: float) -> Any:
            from coopgraph.queries import run

            return run(snapshot.graph, name, params=values, engine="oxigraph", library=snapshot.library,
                       max_rows=app.config.max_rows, deadline=deadline)

        return app.executor.run(job, accept, fmt)

    def _entity(self, snapshot: Snapshot, iri: str, accept: str | None, fmt: str | None) -> Reply:
        triples = entity_triples(snapshot.graph, iri)
        if not triples:
            raise HttpError(404, f"no entity <{iri}> in this graph")
        media = negotiate(accept, PAGE_TYPES, fmt)
        if media is None:
            raise HttpError(406, "entities are served as " + ", ".join(PAGE_TYPES))
        headers = {"Vary": "Accept"}
        if media == "text/html":
            return Reply(200, "text/html; charset=utf-8", describe_html(snapshot.graph, iri).encode("utf-8"), headers)
        from coopgraph.serialize import to_jsonld, to_ntriples, to_turtle

        writer = {"turtle": to_turtle, "nt": to_ntriples, "jsonld": to_jsonld}[GRAPH_TYPES[media]]
        return Reply(200, _content_type(media), writer(triples).encode("utf-8"), headers)


def _run_text(snapshot: Snapshot, text: str, config: ServerConfig, deadline: float) -> Any:
    from coopgraph.queries import execute

    return execute(snapshot.graph, text, engine="oxigraph", max_rows=config.max_rows, deadline=deadline)


class CoopgraphHTTPServer(ThreadingHTTPServer):
    """ThreadingHTTPServer with a cap on open connections (it has none of its own)."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], app: SparqlServer) -> None:
        self.app = app
        self._connections = threading.BoundedSemaphore(app.config.max_connections)
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._connections.acquire(blocking=False):
            self.app.count("status_503")
            try:
                request.settimeout(1)
                request.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
                                b"Retry-After: 1\r\nConnection: close\r\nContent-Length: 22\r\n\r\n"
                                b"too many connections\r\n")
            except OSError:
                pass
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._connections.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._connections.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Connection errors are the client's business; log one line instead of a traceback."""
        import sys

        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            self.app.count("client_disconnects")
            self.app.log(f"{client_address[0]} connection error: {type(error).__name__}")
        else:
            super().handle_error(request, client_address)


class SparqlServer:
    """The endpoint: snapshot holder, query executor, HTTP server and build watcher.

    Use as a context manager in tests (``with SparqlServer(config) as s: s.url``) or call
    :meth:`serve_forever` from the CLI.
    """

    def __init__(self, config: ServerConfig, log: Callable[[str], None] | None = None) -> None:
        check_bind(config.host, config.allow_public)
        self.config = config
        self._log = log
        self.counters: dict[str, int] = {}
        self._counter_lock = threading.Lock()
        self.holder = GraphHolder(config.build_dir, self.log, config.queries_dir)
        self.executor = Executor(config)
        self.httpd = CoopgraphHTTPServer((config.host, config.port), self)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

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

    def status(self) -> dict[str, Any]:
        """What /status reports: the build being served and the counters."""
        snap = self.holder.snapshot
        return {"build": str(self.config.build_dir), "quads": snap.quads, "loaded_at": snap.loaded_at,
                "reloads": self.holder.reloads, "last_reload_error": self.holder.last_error,
                "named_queries": snap.library.names(), "counters": dict(self.counters),
                "queries_running": self.executor.running,
                "limits": {"timeout": self.config.timeout, "max_rows": self.config.max_rows,
                           "max_request_bytes": self.config.max_request_bytes,
                           "max_concurrent": self.config.max_concurrent}}

    def start(self) -> SparqlServer:
        """Serve and watch in background threads; returns at once."""
        self._threads = [threading.Thread(target=self.httpd.serve_forever, name="http", daemon=True)]
        if self.config.reload_interval > 0:
            self._threads.append(threading.Thread(
                target=self.holder.watch, args=(self.config.reload_interval, self._stop), name="watch", daemon=True))
        for t in self._threads:
            t.start()
        return self

    def stop(self) -> None:
        """Stop serving and watching; running queries end on their own (their threads are daemons)."""
        self._stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.executor.shutdown()
        for t in self._threads:
            t.join(timeout=5)

    def serve_forever(self) -> None:
        """Block until interrupted (Ctrl-C), then stop cleanly."""
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
