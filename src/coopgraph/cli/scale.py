"""CLI for the scale path: ``synth`` (synthetic graphs) and ``update`` (incremental store updates).

Registered through :data:`coopgraph.cli.main.COMMAND_MODULES`. ``build --store`` and
``query --store`` are options of those commands, in the modules that own them.
"""

from __future__ import annotations

import argparse
import sys
import time

from coopgraph.cli.main import add_command, diag


def _cmd_synth(args: argparse.Namespace) -> int:
    from coopgraph.progress import Progress
    from coopgraph.build.synth import manifest_path, write

    start = time.perf_counter()
    with Progress("synth", total=args.triples) as bar:
        result = write(args.out, args.triples, seed=args.seed, violations=args.violations, progress=bar.update)
    diag(f"{result.triples} triples in {result.graphs} graphs written to {args.out} "
         f"in {time.perf_counter() - start:.2f}s")
    if args.violations:
        diag(f"{len(result.violations)} injected violations listed in {manifest_path(args.out)}")
    return 0


def _cmd_update(args: argparse.Namespace) -> int:
    from coopgraph.build.store import update_store

    from coopgraph.errors import InvalidData

    try:
        result = update_store(args.store, args.files, allow_invalid=args.allow_invalid)
    except InvalidData as e:
        raise InvalidData(f"{e}; the store is unchanged (--allow-invalid writes it anyway)", e.report) from None
    sys.stdout.write(result.summary())
    if not result.conforms:
        sys.stderr.write(result.report.to_text())
        return 1
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``synth`` and ``update``."""
    p = add_command(subparsers, "synth", "Write a synthetic graph of the coopgraph model (for benchmarks and tests).",
                    "coopgraph synth --triples 100000 --seed 1 --out /tmp/synth.nq --violations 6", _cmd_synth)
    p.add_argument("--triples", type=int, required=True, metavar="N", help="about how many triples")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="random seed (same seed, same bytes)")
    p.add_argument("--out", required=True, metavar="FILE", help="output file, .nq or .trig")
    p.add_argument("--violations", type=int, default=0, metavar="K",
                   help="inject K known SHACL violations; their list goes to FILE.violations.json")

    p = add_command(subparsers, "update", "Add or replace sources in a built store (incremental; all or nothing).",
                    "coopgraph update --store build/store data/new-source.trig", _cmd_update)
    p.add_argument("files", nargs="+", metavar="FILE", help="source files (.trig, .nq, ...)")
    p.add_argument("--store", required=True, metavar="DIR", help="a store made by `coopgraph build --store`")
    p.add_argument("--allow-invalid", action="store_true",
                   help="write the update even if shapes are violated (exit 1); without it such data is refused "
                        "and the store is left as it was")
