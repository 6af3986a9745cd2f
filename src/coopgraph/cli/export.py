"""The ``export``, ``path`` and ``rank`` commands (registered through :func:`coopgraph.export.register`)."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from typing import TYPE_CHECKING

from coopgraph.cli.main import add_command, diag, open_from_args
from coopgraph.export.kinds import KINDS

if TYPE_CHECKING:
    from coopgraph.export.network import ViewOptions

LANGS = ("en", "vi", "zh")


def _open_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--build", metavar="DIR",
                        help="read a finished build (or a store folder) instead of the data files")
    parser.add_argument("--data", metavar="FILE", nargs="+", help="data files (default: the data/ folder)")
    parser.add_argument("--no-curation", action="store_true", help="leave out curator assertions")


def _view_options(parser: argparse.ArgumentParser, focus: bool = True) -> None:
    if focus:
        parser.add_argument("--focus", metavar="ENTITY", help="centre on an entity (name in any language, IRI, CURIE)")
        parser.add_argument("--depth", type=int, default=1, metavar="N", help="steps around --focus (default: 1)")
    parser.add_argument("--types", nargs="+", metavar="TYPE",
                        help=f"node types to keep: {', '.join(KINDS)} (space- or comma-separated)")
    parser.add_argument("--period", metavar="FROM..TO", help="dated things within the period, e.g. 2019..2023")
    parser.add_argument("--lang", choices=LANGS, default="en", help="label language (default: en)")
    parser.add_argument("--actors", action="store_true",
                        help="agencies only, joined when they share a meeting or an agreement")


def options_from_args(args: argparse.Namespace, default_types: tuple[str, ...] | None = None) -> ViewOptions:
    """ViewOptions from parsed arguments; bad --types/--period raise UsageError (exit 2)."""
    from coopgraph.export.network import Period, ViewOptions, parse_types

    types = parse_types(args.types) if args.types else default_types
    return ViewOptions(
        focus=getattr(args, "focus", None),
        depth=getattr(args, "depth", 1),
        types=None if args.actors and not args.types else types,
        period=Period.parse(args.period) if args.period else None,
        lang=args.lang,
        actors=args.actors,
    )


# -o extension -> format, when --format is not given (the timelines need --format)
EXPORT_SUFFIXES = {".graphml": "graphml", ".gexf": "gexf", ".dot": "dot", ".gv": "dot", ".cyjs": "cytoscape",
                   ".csv": "csv", ".svg": "svg", ".png": "png", ".pdf": "pdf", ".html": "html"}


def _cmd_export(args: argparse.Namespace) -> int:
    from coopgraph.export import get_exporter, make_view

    from coopgraph.errors import UsageError
    from coopgraph.cli.stdio import guess_format, output_path

    fmt = guess_format(args.output, args.format, EXPORT_SUFFIXES)
    if fmt is None:
        raise UsageError("give --format, or -o NAME with an extension that names one "
                         f"({', '.join(sorted(EXPORT_SUFFIXES))})")
    exporter = get_exporter(fmt)
    options = options_from_args(args, exporter.default_types)  # validate options before loading data
    args.output = output_path(args.output)  # `-o -`: standard output
    if args.output is not None:
        from pathlib import Path

        from coopgraph.export.base import check_writable

        check_writable(Path(args.output))
    from coopgraph.export.network import Network

    network = Network.from_coopgraph(open_from_args(args))
    view = make_view(network, options)
    written = exporter.export(view, args.output)
    for path in written:
        diag(f"wrote {path} ({view.graph.number_of_nodes()} nodes, {view.graph.number_of_edges()} links)")
    return 0


def _cmd_path(args: argparse.Namespace) -> int:
    from coopgraph.export.measures import shortest_path

    options = options_from_args(args)
    from coopgraph.export.network import Network

    network = Network.from_coopgraph(open_from_args(args))
    path = shortest_path(network, args.source, args.target, options)
    if args.format == "json":
        sys.stdout.write(json.dumps(path.to_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(path.to_text(options.lang))
    return 0


def _cmd_rank(args: argparse.Namespace) -> int:
    from coopgraph.export.measures import rank, rank_table

    options = options_from_args(args)
    from coopgraph.export.network import Network

    network = Network.from_coopgraph(open_from_args(args))
    rows = rank(network, options)
    if args.top:
        rows = rows[: args.top]
    if args.format == "json":
        sys.stdout.write(json.dumps([r.__dict__ for r in rows], ensure_ascii=False, indent=2) + "\n")
    elif args.format == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0].__dict__) if rows else ["node"],
                                lineterminator="\n")
        writer.writeheader()
        writer.writerows(r.__dict__ for r in rows)
    else:
        sys.stdout.write(rank_table(rows, options.lang))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``export``, ``path`` and ``rank`` to the CLI."""
    from coopgraph.export import FORMATS

    p = add_command(
        subparsers, "export",
        "Export the network: files for Gephi/Cytoscape/yEd, pictures, a timeline or an offline web page.",
        'coopgraph export --format png -o samr.png --focus SAMR --depth 2 --lang vi', _cmd_export,
    )
    p.add_argument("--format", choices=list(FORMATS), help="output format (default: from -o's extension)")
    p.add_argument("-o", "--output", metavar="PATH",
                   help="output file (csv: a folder, or NAME.csv); default, or -: standard output")
    _view_options(p)
    _open_options(p)

    p = add_command(subparsers, "path", "Show the shortest connection between two entities, in words.",
                    'coopgraph path "Bò Thuần" STAMEQ', _cmd_path)
    p.add_argument("source", help="first entity (name in any language, IRI, CURIE)")
    p.add_argument("target", help="second entity")
    p.add_argument("--format", choices=("text", "json"), default="text")
    _view_options(p, focus=False)
    _open_options(p)

    p = add_command(subparsers, "rank", "Rank actors by degree and betweenness, with their community.",
                    "coopgraph rank --top 10", _cmd_rank)
    p.add_argument("--top", type=int, metavar="N", help="show only the first N")
    p.add_argument("--format", choices=("text", "json", "csv"), default="text")
    _view_options(p, focus=False)
    _open_options(p)
