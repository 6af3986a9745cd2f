"""``coopgraph merge DRAFT``: write a reviewed draft's accepted facts as a data file.

Thin on purpose: :func:`coopgraph.curate.merge.merge` does the work (checks, layout, validation in
context, the atomic write), so the browser's merge button and the tests run the same code.
"""

from __future__ import annotations

import argparse
import sys

from coopgraph.cli.main import add_command, diag


def _cmd_merge(args: argparse.Namespace) -> int:
    from coopgraph.curate.merge import merge

    result = merge(args.draft, args.data, with_text=not args.without_text, force=args.force,
                   dry_run=args.dry_run, reference=args.reference)
    for r in result.report.results:  # warnings and infos: worth reading, not a refusal
        diag(r.to_text())
    sys.stdout.write(result.summary())
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``merge`` (called by :func:`coopgraph.cli.main.registrars`)."""
    p = add_command(subparsers, "merge",
                    "Write a reviewed draft's accepted facts as data/{source-slug}.trig, if they conform.",
                    "coopgraph merge drafts/tcvn-2019-08-08-stameq-kpc-mou.trig --without-text", _cmd_merge)
    p.add_argument("draft", metavar="DRAFT", help="a reviewed draft file")
    p.add_argument("--data", metavar="DIR",
                   help="the data folder to write into and validate with (default: the data/ folder build reads)")
    p.add_argument("--without-text", action="store_true",
                   help="leave out the passages' words (cg:quote): keep facts, URL and locators only, as the "
                        "project's own data/ does for articles it does not own")
    p.add_argument("--force", action="store_true", help="replace an existing data file of the same source")
    p.add_argument("--dry-run", action="store_true", help="check and validate, write nothing")
    p.add_argument("--reference", action="store_true", help="validate with pySHACL (the reference engine)")
