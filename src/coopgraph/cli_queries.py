"""``coopgraph queries`` and ``coopgraph query``: the query library on the command line.

Results go to stdout in the chosen format and nothing else does; timings and notes go to
stderr, so ``coopgraph query partners --format csv > partners.csv`` is always clean.
"""

from __future__ import annotations

import argparse
import sys
import textwrap

from coopgraph.cli import add_command, diag, open_from_args
from coopgraph.errors import UsageError
from coopgraph.labels import languages as label_languages
from coopgraph.queries import ENGINES, QueryLibrary, run, select_query
from coopgraph.results import FORMATS, write
from coopgraph.stdio import RESULT_SUFFIXES, guess_format, output_path


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


def _cmd_query(args: argparse.Namespace) -> int:
    if sum(x is not None for x in (args.name, args.file, args.sparql)) != 1:
        raise UsageError("give a query NAME, --file FILE or --sparql TEXT (exactly one)")
    guess_format(args.output, args.format, RESULT_SUFFIXES)  # a bad output name fails before the query runs
    params = _params(args.param or [])
    query = select_query(args.name, sparql=args.sparql, file=args.file)
    for key in params:
        query.parameter(key)  # fail on a bad name before the graph is loaded
    langs = label_languages(args.lang)  # the label service's languages; a bad tag fails here
    if args.lang and any(p.name == "lang" for p in query.parameters):
        params.setdefault("lang", langs[0])  # a query's own ?lang takes the first
    if args.endpoint:
        from coopgraph.store import remote_run

        result = remote_run(args.endpoint, args.name, sparql=args.sparql, file=args.file, params=params,
                            timeout=args.timeout, languages=langs)
    else:
        graph = open_from_args(args)
        # a built store is an Oxigraph store: it is queried as it is, no rdflib copy is made
        engine = "oxigraph" if args.store else args.engine
        result = run(graph, args.name, sparql=args.sparql, file=args.file, params=params,
                     engine=engine, timeout=args.timeout, languages=langs)
    fmt = guess_format(args.output, args.format, RESULT_SUFFIXES) or ("turtle" if result.graph is not None else "table")
    text = write(result, fmt)
    target = output_path(args.output)
    if target is None:
        sys.stdout.write(text)
    else:
        from pathlib import Path

        Path(target).write_text(text, encoding="utf-8")
        diag(f"wrote {target} ({fmt})")
    count = f"{len(result.graph)} triples" if result.graph is not None else (
        f"{len(result.rows)} rows" if result.kind == "SELECT" else f"answer {result.boolean}")
    diag(f"{count} in {result.seconds:.2f}s ({result.engine})")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``queries`` and ``query`` to the CLI (called by :func:`coopgraph.cli.registrars`)."""
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
    p.add_argument("--timeout", type=float, metavar="SECONDS", help="stop the query after SECONDS (exit 2)")
    p.add_argument("--engine", choices=ENGINES, default="rdflib", help="SPARQL engine (default rdflib)")
    p.add_argument("--endpoint", metavar="URL",
                   help="run at this SPARQL endpoint instead (IRI parameters then need IRIs or CURIEs)")
    p.add_argument("--build", metavar="DIR", help="read a finished build instead of the data files")
    p.add_argument("--data", metavar="FILE", nargs="+", help="data files (default: the data/ folder)")
    p.add_argument("--no-curation", action="store_true", help="leave out curator assertions")
    p.add_argument("--store", metavar="DIR", help="run on a store built by `coopgraph build --store`")
