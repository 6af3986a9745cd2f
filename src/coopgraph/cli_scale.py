"""CLI for the scale path: ``synth``, ``update``, and ``--store`` on ``build`` and ``query``.

Registered through :data:`coopgraph.cli.COMMAND_MODULES`. ``build`` and ``query`` belong to
other modules; rather than editing them, :func:`register` adds a ``--store DIR`` option to their
parsers and wraps their handlers: with ``--store`` the fast path runs, without it nothing changes.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from coopgraph.cli import add_command, diag


def _cmd_synth(args: argparse.Namespace) -> int:
    from coopgraph.progress import Progress
    from coopgraph.synth import manifest_path, write

    start = time.perf_counter()
    with Progress("synth", total=args.triples) as bar:
        result = write(args.out, args.triples, seed=args.seed, violations=args.violations, progress=bar.update)
    diag(f"{result.triples} triples in {result.graphs} graphs written to {args.out} "
         f"in {time.perf_counter() - start:.2f}s")
    if args.violations:
        diag(f"{len(result.violations)} injected violations listed in {manifest_path(args.out)}")
    return 0


def _cmd_update(args: argparse.Namespace) -> int:
    from coopgraph.fastbuild import update_store

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


def _build_with_store(original: Any) -> Any:
    def handler(args: argparse.Namespace) -> int:
        if not getattr(args, "store", None):
            return original(args)
        from coopgraph.errors import UsageError
        from coopgraph.fastbuild import build_store

        if args.no_curation:
            raise UsageError("--no-curation is not supported with --store (the store keeps every graph)")
        if args.reference:
            raise UsageError("--reference is not supported with --store (run `coopgraph build --reference` "
                             "for the reference engines' outputs)")
        start = time.perf_counter()
        result = build_store(args.data, args.store, allow_invalid=args.allow_invalid)
        sys.stdout.write(result.summary())
        diag(f"built store in {time.perf_counter() - start:.2f}s")
        return 0 if result.conforms else 1

    return handler


def _query_with_store(original: Any) -> Any:
    def handler(args: argparse.Namespace) -> int:
        if getattr(args, "store", None):
            args.engine = "oxigraph"  # a built store is an Oxigraph store; no rdflib copy is made
        return original(args)

    return handler


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``synth`` and ``update``; extend ``build`` and ``query`` with ``--store``."""
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

    build = subparsers.choices.get("build")
    if build is not None:
        build.add_argument("--store", metavar="DIR",
                           help="fast path: write a persistent Oxigraph store to DIR instead of files")
        build.add_argument("--allow-invalid", action="store_true",
                           help="with --store: write the store even if shapes are violated (exit 1)")
        build.set_defaults(handler=_build_with_store(build.get_default("handler")))
    query = subparsers.choices.get("query")
    if query is not None:
        query.add_argument("--store", metavar="DIR", help="run on a store built by `coopgraph build --store`")
        query.set_defaults(handler=_query_with_store(query.get_default("handler")))
