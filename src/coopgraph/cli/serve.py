"""``coopgraph serve`` and ``coopgraph push``: the graph over HTTP, and into real triple stores.

Thin on purpose: options become a :class:`~coopgraph.serve.server.ServerConfig` or a call to
:func:`coopgraph.serve.remote.push`; all behaviour lives in those modules, where the tests reach it.
``coopgraph query NAME --endpoint URL`` is an option of ``query`` (see :mod:`coopgraph.cli.queries`).
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from coopgraph.cli.main import add_command, diag, warn
from coopgraph.errors import UsageError


def _cmd_serve(args: argparse.Namespace) -> int:
    from coopgraph.serve.server import ServerConfig, SparqlServer

    config = ServerConfig(
        build_dir=Path(args.build), host=args.host, port=args.port, allow_public=args.public,
        timeout=args.timeout, max_rows=args.max_rows, max_request_bytes=args.max_request_bytes,
        max_concurrent=args.max_concurrent, slow_query_after=args.slow_query_after,
        max_slow_queries=args.max_slow_queries, worker_memory_mib=args.worker_memory,
        max_connections=args.max_connections, max_connections_per_client=args.max_connections_per_client,
        request_timeout=args.request_timeout, idle_timeout=args.idle_timeout,
        cors_origins=() if args.no_cors else tuple(args.cors or ("*",)),
        reload_interval=0 if args.no_reload else args.reload_interval,
        drafts_dir=Path(args.drafts) if args.drafts else None,
    )
    server = SparqlServer(config, log=None if args.quiet else diag)  # a taken port: UsageError, exit 2
    # SIGTERM (a service manager, `kill`) stops as cleanly as Ctrl-C: the worker processes end too.
    previous = signal.signal(signal.SIGTERM, lambda _signum, _frame: server.request_stop())
    diag(f"serving {config.build_dir} ({server.holder.snapshot.quads} quads) at {server.url}/ "
         f"(SPARQL endpoint {server.url}/sparql); Ctrl-C stops")
    if config.drafts_dir is not None:
        diag(f"reviewing the drafts in {config.drafts_dir} at {server.url}/review")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
    diag("stopped")
    return 0


def _cmd_push(args: argparse.Namespace) -> int:
    import coopgraph
    from coopgraph.serve.remote import PushError, push

    build = Path(args.build)
    if not (build / "coopgraph.trig").is_file():
        raise UsageError(f"no build at {build}: run `coopgraph build --out {build}` first")
    graph = coopgraph.open(build_dir=build)
    try:
        report = push(graph, args.endpoint, only=[_graph_name(g) for g in args.graph or ()] or None,
                      timeout=args.timeout, user=args.user, progress=None if args.quiet else diag)
    except PushError as e:
        sys.stdout.write(e.report.to_text(quiet=args.quiet))
        raise
    sys.stdout.write(report.to_text(quiet=args.quiet))
    if report.warning:
        warn(report.warning)  # even with --quiet: without it the named queries find nothing
    return 0


def _graph_name(text: str) -> str:
    """A ``--graph`` value as the graph's IRI: ``default``, an IRI, or a short form (``id:evidence/...``)."""
    from coopgraph.namespaces import short_iri
    from coopgraph.serve.remote import DEFAULT

    if text == DEFAULT:
        return text
    iri = short_iri(text)
    return str(iri) if iri is not None else text


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``serve`` and ``push`` (called by :func:`coopgraph.cli.main.registrars`)."""
    p = add_command(subparsers, "serve", "Serve the built graph: SPARQL 1.1 endpoint, query page, entity pages.",
                    "coopgraph serve --build build --port 7878", _cmd_serve)
    p.add_argument("--build", default="build", metavar="DIR", help="build folder, or store (`build --store`), to serve (default: build)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=7878, help="port (default 7878; 0 picks a free one)")
    p.add_argument("--public", action="store_true", help="allow binding to a non-loopback address")
    p.add_argument("--timeout", type=float, default=10.0, metavar="SECONDS", help="per-query time limit (default 10)")
    p.add_argument("--max-rows", type=int, default=10_000, metavar="N", help="result size limit (default 10000)")
    p.add_argument("--max-request-bytes", type=int, default=64 * 1024, metavar="N",
                   help="largest query accepted (default 65536)")
    p.add_argument("--max-concurrent", type=int, default=4, metavar="N", help="queries run at once (default 4)")
    p.add_argument("--slow-query-after", type=float, default=1.0, metavar="SECONDS",
                   help="an ad-hoc query still running after this long runs at the lowest CPU priority and "
                        "leaves its slot to others (default 1; named queries are not demoted)")
    p.add_argument("--max-slow-queries", type=int, default=4, metavar="N",
                   help="slow ad-hoc queries at once outside the --max-concurrent slots (default 4; 0: none)")
    p.add_argument("--worker-memory", type=int, default=1024, metavar="MIB",
                   help="memory one query may take, beyond the loaded graph (default 1024; 0: no limit)")
    p.add_argument("--max-connections", type=int, default=512, metavar="N",
                   help="open connections in all; more get 503 (default 512)")
    p.add_argument("--max-connections-per-client", type=int, default=128, metavar="N",
                   help="open connections from one address; more get 429 (default 128)")
    p.add_argument("--request-timeout", type=float, default=10.0, metavar="SECONDS",
                   help="time for a whole request to arrive, head and body; then 408 (default 10)")
    p.add_argument("--idle-timeout", type=float, default=5.0, metavar="SECONDS",
                   help="how long a connection may wait for its next request (default 5)")
    p.add_argument("--cors", action="append", metavar="ORIGIN",
                   help="allow cross-origin reads only from ORIGIN (repeatable; default: any origin, '*')")
    p.add_argument("--no-cors", action="store_true",
                   help="no cross-origin reads: a page on another site cannot query this endpoint")
    p.add_argument("--reload-interval", type=float, default=1.0, metavar="SECONDS",
                   help="how often to check the build, or its store, for a rebuild or an `update --store` (default 1)")
    p.add_argument("--no-reload", action="store_true", help="never reload the build")
    p.add_argument("--quiet", action="store_true", help="no request log on stderr")
    p.add_argument("--drafts", metavar="DIR",
                   help="also serve review pages for the drafts in DIR at /review (decisions are saved to them)")

    p = add_command(subparsers, "push", "Load the build, graph by graph, into a SPARQL Graph Store Protocol endpoint.",
                    "coopgraph push --endpoint http://localhost:7878/store", _cmd_push)
    p.add_argument("--endpoint", required=True, metavar="URL", help="the store's Graph Store Protocol URL")
    p.add_argument("--graph", action="append", metavar="IRI",
                   help="push only this graph (repeatable): an IRI, a short form as results print it "
                        "(id:evidence/...), or 'default', the merged default graph")
    p.add_argument("--build", default="build", metavar="DIR", help="build folder to push (default: build)")
    p.add_argument("--user", metavar="USER:PASSWORD",
                   help="HTTP basic or digest authentication, as the store asks (Virtuoso's "
                        "/sparql-graph-crud-auth: digest)")
    p.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS", help="time limit for each graph's whole request (default 60)")
    p.add_argument("--quiet", action="store_true",
                   help="no progress on stderr; on stdout only failures and the summary line")
