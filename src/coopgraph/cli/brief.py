"""The ``map`` and ``brief`` commands: the two answers a policy officer is asked for most.

"Show me everyone we cooperate with, country by country, on a map" (:mod:`coopgraph.export.coopmap`)
and "give me a one-page brief on agency X before the meeting" (:mod:`coopgraph.export.brief`). Both are
thin shells over the API functions the tests call, so what the command writes is what is tested.
"""

from __future__ import annotations

import argparse

from coopgraph.cli.main import add_command, diag, open_from_args
from coopgraph.cli.export import LANGS, _open_options


def _cmd_map(args: argparse.Namespace) -> int:
    from pathlib import Path

    from coopgraph.export import coopmap
    from coopgraph.export.base import check_writable

    coopmap._period_bounds(args.period)  # a bad --period fails before the data is loaded
    if args.output is not None:
        check_writable(Path(args.output))
    cmap = coopmap.cooperation_map(open_from_args(args), args.country, args.period, args.lang)
    for path in coopmap.export(cmap, args.format, args.output):
        diag(f"wrote {path} ({len(cmap.items)} items, {len(cmap.countries)} countries)")
    for country in cmap.unplaced:
        diag(f"not on the map: {country.label} (no Natural Earth country is named {country.english!r})")
    return 0


def _cmd_brief(args: argparse.Namespace) -> int:
    from pathlib import Path

    from coopgraph.export import brief
    from coopgraph.export.base import check_writable

    if args.output is not None:
        check_writable(Path(args.output))
    result = brief.brief(open_from_args(args), args.agency, args.lang)
    for path in brief.export(result, args.format, args.output):
        diag(f"wrote {path} ({len(result.citations)} sources)")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``map`` and ``brief`` to the CLI."""
    from coopgraph.export import BRIEF_FORMATS, MAP_FORMATS

    p = add_command(
        subparsers, "map",
        "Draw a cooperation map: countries coloured by agreements, meetings and commitments with a "
        "country, links between them (A4 SVG/PNG/PDF or an offline HTML page).",
        "coopgraph map Vietnam --period 2019..2023 --format pdf -o vietnam-map.pdf", _cmd_map,
    )
    p.add_argument("country", nargs="?", help="the chosen country (name in any language, IRI); default: every country")
    p.add_argument("--format", choices=MAP_FORMATS, default="svg", help="output format (default: svg)")
    p.add_argument("-o", "--output", metavar="FILE", help="output file; default: stdout (svg, html)")
    p.add_argument("--period", metavar="FROM..TO", help="items dated within the period, e.g. 2019..2023")
    p.add_argument("--lang", choices=LANGS, default="en", help="label language (default: en)")
    _open_options(p)

    p = add_command(
        subparsers, "brief",
        "Write a one- or two-page brief on an agency: names, parent body, country, partners, "
        "agreements, commitments, timeline, people, numbered sources.",
        "coopgraph brief SAMR --format pdf --lang vi -o samr.pdf", _cmd_brief,
    )
    p.add_argument("agency", help="the agency (name in any language, abbreviation, IRI)")
    p.add_argument("--format", choices=BRIEF_FORMATS, default="md", help="output format (default: md)")
    p.add_argument("-o", "--output", metavar="FILE", help="output file; default: stdout (md, html)")
    p.add_argument("--lang", choices=LANGS, default="en", help="language of labels and headings (default: en)")
    _open_options(p)
