"""Real triple stores: push a build over the Graph Store Protocol, run named queries remotely.

``push`` sends one HTTP ``PUT`` per named graph (SPARQL 1.1 Graph Store HTTP Protocol §5.3).
PUT replaces the graph, so a push is idempotent: running it again after a failure, or after a
rebuild, leaves each graph exactly as in the build, whatever state the store was left in. The
per-evidence graphs are what makes every fact traceable, so they are pushed as they are, never
merged. Graphs the store holds that the build does not are left alone (they may not be ours).

Remote queries reuse the query library unchanged: the same ``.rq`` text, bound the same way,
is sent over the SPARQL 1.1 Protocol, and the response is parsed by pyoxigraph into the same
:class:`~coopgraph.queries.QueryResult` the embedded engines return, so every output format and
every comparison works on either.
"""

from __future__ import annotations

import base64
import http.client
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from coopgraph.errors import QueryError, RemoteError, UsageError
from coopgraph.labels import DEFAULT_LANGUAGES, with_labels

DEFAULT = "default"  # how the default graph is named in reports and in --graph
USER_AGENT = "coopgraph"


class PushError(RemoteError):
    """A push stopped part-way; carries the report of what was and was not loaded (exit 3)."""

    def __init__(self, message: str, report: PushReport) -> None:
        super().__init__(message)
        self.report = report


@dataclass
class PushReport:
    """Which graphs reached the store, which failed (with why), and which were not tried."""

    endpoint: str
    loaded: list[tuple[str, int]] = field(default_factory=list)  # (graph, triples)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (graph, reason)
    not_attempted: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def complete(self) -> bool:
        return not self.failed and not self.not_attempted

    def to_text(self) -> str:
        """One line per graph, so a partial push can be read and re-run with confidence."""
        out = [f"loaded {g} ({n} triples)" for g, n in self.loaded]
        out += [f"FAILED {g}: {why}" for g, why in self.failed]
        out += [f"not loaded {g}" for g in self.not_attempted]
        total = len(self.loaded) + len(self.failed) + len(self.not_attempted)
        out.append(f"{len(self.loaded)} of {total} graphs loaded into {self.endpoint} in {self.seconds:.2f}s"
                   + ("" if self.complete else "; re-running the same push is safe (each PUT replaces its graph)"))
        return "\n".join(out) + "\n"


def graphs_of(graph: Any) -> dict[str, list[tuple[Any, Any, Any]]]:
    """Graph name (IRI, or ``default``) -> triples of a CoopGraph's dataset, names sorted.

    The dataset is what the embedded API and the server query (evidence graphs, the inferred
    graph and the ontology graph), so a store loaded with it answers the named queries alike.
    """
    found: dict[str, list[tuple[Any, Any, Any]]] = {}
    for s, p, o, g in graph.dataset.quads((None, None, None, None)):
        name = g.identifier if hasattr(g, "identifier") else g
        key = DEFAULT if name is None or name == DATASET_DEFAULT_GRAPH_ID else str(name)
        found.setdefault(key, []).append((s, p, o))
    return {k: found[k] for k in sorted(found, key=lambda k: (k != DEFAULT, k))}


class _Deadline:
    """Shuts down the sockets of one request when its time is up.

    urllib's ``timeout`` bounds each socket operation, not the request: a server that sends a
    byte every few seconds holds a request for ever. A timer shutting the socket down makes any
    read or write still waiting fail at once, whatever phase the exchange is in.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)

    def opener(self) -> urllib.request.OpenerDirector:
        """An opener whose HTTP and HTTPS connections report their socket to this deadline."""
        deadline = self

        def watched(base: type) -> type:
            class Handler(base):  # type: ignore[misc, valid-type]
                def do_open(self, http_class: type, req: Any, **kwargs: Any) -> Any:
                    class Connection(http_class):  # type: ignore[misc, valid-type]
                        def connect(self) -> None:
                            super().connect()
                            deadline.watch(self.sock)

                    return super().do_open(Connection, req, **kwargs)

            return Handler

        return urllib.request.build_opener(watched(urllib.request.HTTPHandler),
                                           watched(urllib.request.HTTPSHandler))


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed


def _request(url: str, method: str, body: bytes | None, headers: Mapping[str, str], timeout: float) -> bytes:
    """One HTTP exchange, all of it within ``timeout`` seconds; any failure is one readable line.

    An answer from the store (an HTTP error status) is a :class:`QueryError` for a 4xx (the
    request was wrong) and a :class:`RemoteError` for a 5xx; no answer, or none in time, is a
    :class:`RemoteError`.
    """
    request = urllib.request.Request(url, data=body, method=method, headers={"User-Agent": USER_AGENT, **headers})
    deadline = _Deadline(timeout)
    try:
        with deadline, deadline.opener().open(request, timeout=timeout) as response:
            return response.read()
    except urllib.error.HTTPError as e:
        detail = " ".join(e.read(500).decode("utf-8", "replace").split()) if not deadline.expired else ""
        error = RemoteError if e.code >= 500 else QueryError
        raise error(f"HTTP {e.code} {e.reason} from {url}" + (f": {detail}" if detail else "")) from None
    except (OSError, http.client.HTTPException) as e:  # URLError, timeouts, resets, a cut-off answer
        if deadline.expired:
            raise RemoteError(f"no complete answer from {url} within {timeout:g} s (--timeout)") from None
        if isinstance(e, urllib.error.URLError):
            raise RemoteError(f"cannot reach {url}: {e.reason}") from None
        raise RemoteError(f"no answer from {url}: {type(e).__name__}") from None


def _auth_headers(user: str | None) -> dict[str, str]:
    """HTTP basic auth from ``USER:PASSWORD`` (stores such as GraphDB and Fuseki often want it)."""
    if not user:
        return {}
    return {"Authorization": "Basic " + base64.b64encode(user.encode("utf-8")).decode("ascii")}


def graph_url(endpoint: str, name: str) -> str:
    """The GSP URL of one graph: ``?default`` or ``?graph=<encoded IRI>`` (indirect identification)."""
    sep = "&" if "?" in endpoint else "?"
    if name == DEFAULT:
        return f"{endpoint}{sep}default"
    return f"{endpoint}{sep}graph={urllib.parse.quote(name, safe='')}"


def push(
    graph: Any,
    endpoint: str,
    only: Iterable[str] | None = None,
    timeout: float = 60.0,
    user: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> PushReport:
    """PUT every graph of ``graph`` (or only the IRIs in ``only``) to a GSP ``endpoint``.

    Stops at the first failure, since a store that refused one graph usually refuses the next,
    and raises :class:`PushError` with the report; re-running is safe because PUT replaces.
    """
    from coopgraph.serialize import to_ntriples

    graphs = graphs_of(graph)
    names = list(graphs)
    if only:
        wanted = list(dict.fromkeys(only))
        unknown = [n for n in wanted if n not in graphs]
        if unknown:
            raise UsageError(f"not a graph of this build: {', '.join(unknown)} ({len(graphs)} graphs; "
                             "use a graph IRI, or 'default')")
        names = wanted
    report = PushReport(endpoint=endpoint)
    start = time.perf_counter()
    headers = {"Content-Type": "application/n-triples; charset=utf-8", **_auth_headers(user)}
    for i, name in enumerate(names):
        body = to_ntriples(graphs[name]).encode("utf-8")
        try:
            _request(graph_url(endpoint, name), "PUT", body, headers, timeout)
        except QueryError as e:
            report.failed.append((name, str(e)))
            report.not_attempted = names[i + 1:]
            break
        report.loaded.append((name, len(graphs[name])))
        if progress:
            progress(f"loaded {name} ({len(graphs[name])} triples)")
    report.seconds = time.perf_counter() - start
    if not report.complete:
        done, total = len(report.loaded), len(names)
        raise PushError(f"push stopped: {report.failed[0][1]}; {done} of {total} graphs are now in the store, "
                        f"{total - done} are not (re-running the same push is safe)", report)
    return report


# -- remote queries -------------------------------------------------------------------------

_ACCEPT_ROWS = "application/sparql-results+json"
_ACCEPT_GRAPH = "application/n-triples"


def remote_query(endpoint: str, text: str, timeout: float | None = None, user: str | None = None) -> Any:
    """Run SPARQL ``text`` at a SPARQL 1.1 Protocol ``endpoint``; return a QueryResult.

    The project prefixes are predeclared, as the embedded engines do, so the same text works.
    """
    import pyoxigraph as ox

    from coopgraph.queries import NamedQuery, _with_prefixes, from_oxigraph_result

    form = NamedQuery("remote", None, text, "").form
    graph_form = form in ("CONSTRUCT", "DESCRIBE")
    headers = {"Content-Type": "application/sparql-query; charset=utf-8",
               "Accept": _ACCEPT_GRAPH if graph_form else _ACCEPT_ROWS, **_auth_headers(user)}
    start = time.perf_counter()
    body = _request(endpoint, "POST", _with_prefixes(text).encode("utf-8"), headers, timeout or 300.0)
    try:
        if graph_form:
            out = ox.parse(body, format=ox.RdfFormat.N_TRIPLES)
        else:
            out = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
        result = from_oxigraph_result(out)
    except SyntaxError as e:
        raise QueryError(f"{endpoint} sent a response that is not {headers['Accept']}: {e}") from None
    if graph_form:
        result.kind = form
    result.query = text
    result.engine = endpoint
    result.seconds = time.perf_counter() - start
    return result


def remote_run(
    endpoint: str,
    name: str | None = None,
    *,
    sparql: str | None = None,
    file: str | Path | None = None,
    params: Mapping[str, Any] | None = None,
    timeout: float | None = None,
    user: str | None = None,
    languages: Sequence[str] = DEFAULT_LANGUAGES,
    limit: int | str | None = None,
    offset: int | str | None = None,
) -> Any:
    """A named query (or text, or file) with parameters bound, run at ``endpoint``; ``limit``
    and ``offset`` page it in the query sent (:func:`coopgraph.queries.paged`).

    ``iri`` parameters must be IRIs or CURIEs here: resolving a name needs the local graph,
    which a remote run does not load. ``?xLabel`` columns are filled as locally
    (:mod:`coopgraph.labels`), from the endpoint's presentation graph.
    """
    from coopgraph.queries import paged, select_query, to_term

    query = select_query(name, sparql=sparql, file=file)
    bound = {key: to_term(query.parameter(key), value) for key, value in (params or {}).items()}
    text = paged(with_labels(query.bind(bound), languages), limit, offset)
    return remote_query(endpoint, text, timeout=timeout, user=user)
