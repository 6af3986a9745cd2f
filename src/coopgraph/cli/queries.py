"""``coopgraph queries`` and ``coopgraph query``: the query library on the command line.

Results go to stdout in the chosen format and nothing else does; timings and notes go to
stderr, so ``coopgraph query partners --format csv > partners.csv`` is always clean.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

from rdflib import URIRef

from coopgraph import collector
from coopgraph.cli.main import add_command, diag, open_from_args
from coopgraph.errors import UsageError
from coopgraph.query.labels import languages as label_languages
from coopgraph.query.library import ENGINES, NamedQuery, QueryLibrary, row_count, run, select_query
from coopgraph.query.results import FORMATS, write_to
from coopgraph.cli.stdio import RESULT_SUFFIXES, guess_format, output_path


def _cmd_queries(args: argparse.Namespace) -> int:
    library = QueryLibrary()
    if args.format == "json":
        import json

        doc = [
            {
                "name": q.name,
                "question": q.question,
                "form": q.form,
                "parameters": [
                    {"name": p.name, "type": p.type, "default": p.default, "description": p.description}
                    for p in q.parameters
                ],
                "columns": list(q.columns),
            }
            for q in library
        ]
        sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
        return 0
    width = max((len(n) for n in library.names()), default=0)
    for q in library:
        lines = textwrap.wrap(q.question, 100 - width - 2) or [""]
        print(f"{q.name.ljust(width)}  {lines[0]}")
        for more in lines[1:]:
            print(f"{'':{width}}  {more}")
        if args.verbose:
            for p in q.parameters:
                print(f"{'':{width}}    --param {p.name}=<{p.type}> (default {p.default}) {p.description}")
            if q.columns:
                print(f"{'':{width}}    columns: {', '.join(q.columns)}")
    return 0


def _params(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--param wants NAME=VALUE, got {pair!r}")
        out[key.strip()] = value
    return out


def _local_resolver(args: argparse.Namespace, query: NamedQuery, params: dict[str, str]) -> Callable[[str], URIRef] | None:
    """Names in ``--param`` for a remote run, resolved in the local build that was pushed.

    IRIs, CURIEs, ``id:org/sac`` and ``org/sac`` need no graph; a name does, and the endpoint's
    data is the build's (``--build``, default ``build`` when it exists). No build: None, and a
    name is then refused with a message that says so.
    """
    from coopgraph.namespaces import short_iri

    names = [v for k, v in params.items() if query.parameter(k).type == "iri" and str(v).strip()]
    if all(short_iri(str(v)) is not None for v in names):
        return None
    build = Path(args.build or "build")
    if not (build / "coopgraph.trig").is_file():
        return None
    import coopgraph
    from coopgraph.query.library import canonical

    graph = coopgraph.open(build_dir=build)
    return lambda text: canonical(graph, graph.resolve(text))


# one command, then the process ends: its streamed rows are made and written with the collector
# paused (coopgraph.collector), which a library streaming into a caller's loop must not do
@collector.paused()
def _cmd_query(args: argparse.Namespace) -> int:
    if sum(x is not None for x in (args.name, args.file, args.sparql)) != 1:
        raise UsageError("give a query NAME, --file FILE or --sparql TEXT (exactly one)")
    guess_format(args.output, args.format, RESULT_SUFFIXES)  # a bad output name fails before the query runs
    params = _params(args.param or [])
    query = select_query(args.name, sparql=args.sparql, file=args.file)
    for key in params:
        query.parameter(key)  # fail on a bad name before the graph is loaded
    langs = label_languages(args.lang)  # the label service's languages; a bad tag fails here
    row_count("--limit", args.limit), row_count("--offset", args.offset)  # and a bad page here
    if args.lang and any(p.name == "lang" for p in query.parameters):
        params.setdefault("lang", langs[0])  # a query's own ?lang takes the first
    if args.endpoint:
        from coopgraph.serve.remote import remote_run

        result = remote_run(args.endpoint, args.name, sparql=args.sparql, file=args.file, params=params,
                            timeout=args.timeout, languages=langs, default_graph=args.default_graph,
                            user=args.user, resolve=_local_resolver(args, query, params),
                            limit=args.limit, offset=args.offset)
    else:
        graph = open_from_args(args)
        # a built store is an Oxigraph store: it is queried as it is (graph.engine), no rdflib copy is made
        engine = args.engine
        # streamed: rows go to stdout as the engine computes them, never all held at once
        result = run(graph, args.name, sparql=args.sparql, file=args.file, params=params,
                     engine=engine, timeout=args.timeout, languages=langs, limit=args.limit, offset=args.offset,
                     stream=True)
    fmt = guess_format(args.output, args.format, RESULT_SUFFIXES) or ("turtle" if result.graph is not None else "table")
    target = output_path(args.output)
    if target is None:
        write_to(result, fmt, sys.stdout)
    else:
        from pathlib import Path

        path = Path(target)
        partial = path.with_name(path.name + ".partial")
        with partial.open("w", encoding="utf-8") as out:  # renamed when complete: no half-written result
            write_to(result, fmt, out)
        partial.replace(path)
        diag(f"wrote {target} ({fmt})")
    count = f"{len(result.graph)} triples" if result.graph is not None else (
        f"{result.streamed} rows" if result.kind == "SELECT" else f"answer {result.boolean}")
    diag(f"{count} in {result.seconds:.2f}s ({result.engine})")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``queries`` and ``query`` to the CLI (called by :func:`coopgraph.cli.main.registrars`)."""
    p = add_command(subparsers, "queries", "List the named queries and the question each answers.",
                    "coopgraph queries --verbose", _cmd_queries)
    p.add_argument("--verbose", "-v", action="store_true", help="also list parameters and columns")
    p.add_argument("--format", choices=("text", "json"), default="text")

    p = add_command(subparsers, "query", "Run a named query, a query file or SPARQL text over the reasoned graph.",
                    "coopgraph query partners --param agency=SAC --format csv", _cmd_query)
    p.add_argument("name", nargs="?", help="a named query (see `coopgraph queries`)")
    p.add_argument("--param", "-p", action="append", metavar="NAME=VALUE",
                   help="bind a parameter (repeatable); an empty VALUE unbinds it; IRIs accept names")
    p.add_argument("--file", "-f", metavar="FILE", help="run the SPARQL query in FILE (- reads standard input)")
    p.add_argument("--sparql", "-q", metavar="TEXT", help="run this SPARQL text")
    p.add_argument("--format", choices=FORMATS,
                   help="output format (default: from --output's extension, else table, or turtle for graphs)")
    p.add_argument("--output", "-o", metavar="FILE",
                   help="write the result to FILE (default, or -: standard output); .csv, .tsv, .json, .xml, "
                        ".md, .txt, .ttl, .nt, .jsonld, .rdf choose the format")
    p.add_argument("--lang", metavar="TAGS",
                   help="label languages in order, e.g. vi,en: each ?xLabel column shows ?x's label in the "
                        "first that has one, else in any language (default en)")
    p.add_argument("--limit", type=int, metavar="N",
                   help="print only N rows (of a CONSTRUCT: the triples of N solutions); the engine stops there")
    p.add_argument("--offset", type=int, metavar="N",
                   help="skip the first N rows (with --limit: one page; stable for queries with ORDER BY)")
    p.add_argument("--timeout", type=float, metavar="SECONDS", help="stop the query after SECONDS (exit 2)")
    p.add_argument("--engine", choices=ENGINES,
                   help="SPARQL engine (default: oxigraph; rdflib is the reference engine)")
    p.add_argument("--endpoint", metavar="URL",
                   help="run at this SPARQL endpoint instead (names in parameters are resolved in --build, "
                        "default build/)")
    p.add_argument("--default-graph", metavar="IRI",
                   help="with --endpoint: the graph to query as the default graph (default-graph-uri), for a "
                        "store push put the merged default graph in a named graph of (Virtuoso)")
    p.add_argument("--user", metavar="USER:PASSWORD", help="with --endpoint: HTTP basic or digest authentication")
    p.add_argument("--build", metavar="DIR", help="read a finished build (or a store folder) instead of the data files")
    p.add_argument("--data", metavar="FILE", nargs="+", help="data files (default: the data/ folder)")
    p.add_argument("--no-curation", action="store_true", help="leave out curator assertions")
    p.add_argument("--store", metavar="DIR", help="run on a store built by `coopgraph build --store` "
                   "(--build DIR opens a store folder too)")
