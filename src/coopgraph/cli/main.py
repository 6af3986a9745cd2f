"""Command-line shell over :mod:`coopgraph`; every command is a thin call into the API.

Subcommands register themselves: each module listed in :data:`COMMAND_MODULES` that can be
imported and has ``register(subparsers)`` adds its own subparser, so features such as named
queries, export or the server plug in without editing this file.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from coopgraph import __version__
from coopgraph.errors import CoopgraphError, InvalidData, UsageError

if TYPE_CHECKING:
    from coopgraph.graph import CoopGraph

Register = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]

# Optional modules that may contribute subcommands; missing ones are simply skipped.
COMMAND_MODULES = (
    "coopgraph.cli.queries",  # queries, query
    "coopgraph.cli.export",  # export, path, rank
    "coopgraph.cli.brief",  # map, brief
    "coopgraph.cli.serve",  # serve, push
    "coopgraph.cli.scale",  # synth, update
    "coopgraph.cli.review",  # review
    "coopgraph.cli.merge",  # merge
    "coopgraph.cli.ingest",  # ingest
)

EXIT_CODES = """exit codes:
  0  success
  1  invalid data (SHACL violations)
  2  usage or input error (bad option, unknown name, unparsable file), or a remote store or
     endpoint that could not be reached or did not complete (push, query --endpoint)"""


def add_command(
    subparsers: argparse._SubParsersAction,
    name: str,
    summary: str,
    example: str,
    handler: Callable[[argparse.Namespace], int],
) -> argparse.ArgumentParser:
    """Create a subcommand whose --help ends with an example; for use by ``register`` functions."""
    parser = subparsers.add_parser(
        name,
        help=summary,
        description=summary,
        epilog=f"example:\n  {example}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        conflict_handler="resolve",  # a command may define --quiet itself (serve: no request log)
    )
    parser.set_defaults(handler=handler)
    parser.add_argument("--quiet", action="store_true", help="no progress, timings or notes on stderr (errors still)")
    return parser


def diag(message: str) -> None:
    """Diagnostics (progress, timings) go to stderr so stdout stays machine-readable; ``--quiet``
    silences them (errors are printed by :func:`main`, whatever ``--quiet`` says)."""
    from coopgraph.cli.stdio import Quiet

    if not Quiet.on:
        print(message, file=sys.stderr, flush=True)


def warn(message: str) -> None:
    """A warning on stderr, even with ``--quiet``: something the user must act on (a store that
    put the default graph elsewhere), which silencing progress and timings must not hide."""
    print(message, file=sys.stderr, flush=True)


def _open_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--build", metavar="DIR",
                        help="read a finished build (or a store folder) instead of the data files")
    parser.add_argument("--data", metavar="FILE", nargs="+", help="data files (default: the data/ folder)")
    parser.add_argument("--no-curation", action="store_true", help="leave out curator assertions")


def open_from_args(args: argparse.Namespace) -> CoopGraph:
    """Open the graph the way the common options ask; shared by every read-only command."""
    import coopgraph

    if getattr(args, "store", None):  # a store built by `coopgraph build --store` (coopgraph.build.store)
        from coopgraph.build.store import open_store

        if getattr(args, "no_curation", False):
            raise UsageError("--no-curation needs a build folder: a store keeps every graph and its reasoning")
        return open_store(args.store)
    build_dir = args.build
    if build_dir is None and args.data is None:
        # A read-only command should not re-validate and re-reason what `coopgraph build` already
        # wrote; the default build folder is used when it is newer than every input.
        from coopgraph.build.folder import DEFAULT_OUT, is_current

        if is_current(DEFAULT_OUT):
            build_dir = DEFAULT_OUT
        elif (Path(DEFAULT_OUT) / "coopgraph.trig").is_file():
            diag(f"coopgraph: {DEFAULT_OUT}/ is older than the data; reading the data files (run `coopgraph build`)")
        else:
            diag(f"coopgraph: no build in {DEFAULT_OUT}/; validating and reasoning the data files for this "
                 "command only (`coopgraph build` writes one that later commands reuse)")
    return coopgraph.open(
        build_dir=build_dir, data_paths=args.data, curation=not args.no_curation, progress=None
    )


# -- core commands --------------------------------------------------------------------------


def _cmd_build(args: argparse.Namespace) -> int:
    from coopgraph.build.folder import build

    if args.store:
        return _build_store(args)
    if args.allow_invalid:
        from coopgraph.errors import UsageError

        raise UsageError("--allow-invalid needs --store (a build folder is written only from valid data)")
    start = time.perf_counter()
    result = build(args.data, out_dir=args.out, curation=not args.no_curation, progress=diag,
                   reference=args.reference)
    sys.stdout.write(result.summary())
    diag(f"built in {time.perf_counter() - start:.2f}s")
    return 0


def _build_store(args: argparse.Namespace) -> int:
    from coopgraph.errors import UsageError
    from coopgraph.build.store import build_store

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


def _cmd_validate(args: argparse.Namespace) -> int:
    from coopgraph.load import load_dataset
    from coopgraph.shacl.validate import validate

    if args.paths and not args.alone:  # a new file, checked with the graph it joins
        from coopgraph.shacl.context import validate_files

        report = validate_files([Path(p) for p in args.paths], args.joins, reference=args.reference)
    else:
        origins: dict = {}
        data = load_dataset(args.paths or None, origins=origins)
        report = validate(data, origins=origins, reference=args.reference)
    render = {"text": report.to_text, "json": report.to_json, "turtle": report.to_turtle}[args.format]
    sys.stdout.write(render())
    return 0 if report.conforms else 1


def _cmd_describe(args: argparse.Namespace) -> int:
    graph = open_from_args(args)
    description = graph.describe(args.name, lang=args.lang)
    sys.stdout.write(description.to_json() if args.format == "json" else description.to_text())
    return 0


def _cmd_stats(args: argparse.Namespace) -> int:
    stats = open_from_args(args).stats()
    if args.format == "json":
        sys.stdout.write(json.dumps(stats, ensure_ascii=False, indent=2) + "\n")
        return 0
    for key, value in stats.items():
        if isinstance(value, dict):
            print(f"{key}:")
            for k, v in value.items():
                print(f"  {k}: {v}")
        elif isinstance(value, list):
            print(f"{key}: {len(value)}")
            for item in value:
                print(f"  {item}")
        else:
            print(f"{key}: {value}")
    return 0


def register_core(subparsers: argparse._SubParsersAction) -> None:
    """The commands every install has."""
    p = add_command(subparsers, "build", "Validate, reason, and write the store and the published files.",
                    "coopgraph build --out build", _cmd_build)
    p.add_argument("--out", default="build", metavar="DIR",
                   help="build folder (default: build): the published files, and in DIR/store the store "
                        "every command reads")
    p.add_argument("--data", metavar="FILE", nargs="+", help="data files (default: the data/ folder)")
    p.add_argument("--no-curation", action="store_true", help="leave out curator assertions")
    p.add_argument("--reference", action="store_true",
                   help="validate with pySHACL and reason with owlrl (the reference engines; same results, slower)")
    p.add_argument("--store", metavar="DIR",
                   help="write only the store, to DIR, without the published files (for large graphs)")
    p.add_argument("--allow-invalid", action="store_true",
                   help="with --store: write the store even if shapes are violated (exit 1)")

    p = add_command(subparsers, "validate", "Check data files against the SHACL shapes.",
                    "coopgraph validate data/*.trig --format json", _cmd_validate)
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help="data files, checked together with the data folder they join (default: the data/ "
                        "folder); - reads standard input (TriG, Turtle, N-Triples, N-Quads, or JSON-LD if it "
                        "starts with { or [)")
    p.add_argument("--format", choices=("text", "json", "turtle"), default="text")
    p.add_argument("--alone", action="store_true",
                   help="check the files by themselves, without the data they join (entities typed "
                        "elsewhere then fail)")
    p.add_argument("--joins", metavar="DIR",
                   help="the data folder the files join (default: the data/ folder build reads)")
    p.add_argument("--reference", action="store_true",
                   help="validate with pySHACL, the reference engine (same results, slower)")

    p = add_command(subparsers, "describe", "Show everything known about an entity, with sources.",
                    'coopgraph describe "Tong cuc Tieu chuan Do luong Chat luong" --lang en', _cmd_describe)
    p.add_argument("name", help="IRI, CURIE, kind/slug, or a name/abbreviation (diacritics optional)")
    p.add_argument("--lang", choices=("vi", "en", "zh"), help="language for labels")
    p.add_argument("--format", choices=("text", "json"), default="text")
    _open_options(p)

    p = add_command(subparsers, "stats", "Print headline numbers about the graph.",
                    "coopgraph stats --build build --format json", _cmd_stats)
    p.add_argument("--format", choices=("text", "json"), default="text")
    _open_options(p)


def registrars() -> list[Register]:
    """Core registration plus any optional module that offers ``register(subparsers)``."""
    found: list[Register] = [register_core]
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name == name:
                continue  # that feature is not installed: not an error
            _plugin_failed(name, e)
            continue
        except Exception as e:  # a broken optional module must not take the core commands down
            _plugin_failed(name, e)
            continue
        register = getattr(module, "register", None)
        if callable(register):
            found.append(_guarded(name, register))
    return found


def _plugin_failed(name: str, error: BaseException) -> None:
    warn(f"coopgraph: warning: commands from {name} unavailable: {type(error).__name__}: {error}")


def _guarded(name: str, register: Register) -> Register:
    def run(subparsers: argparse._SubParsersAction) -> None:
        try:
            register(subparsers)
        except Exception as e:
            _plugin_failed(name, e)

    return run


def make_parser() -> argparse.ArgumentParser:
    """The full parser; separate from :func:`main` so tests and docs can inspect it."""
    parser = argparse.ArgumentParser(
        prog="coopgraph",
        description="Build, check and explore the coopgraph knowledge graph of standards cooperation.",
        epilog=f"{EXIT_CODES}\n\nexample:\n  coopgraph build && coopgraph describe STAMEQ",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"coopgraph {__version__}")
    parser.add_argument("--quiet", action="store_true", dest="quiet_all", help="as --quiet after the command")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for register in registrars():
        register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code instead of exiting, so it can be called from tests."""
    parser = make_parser()
    args = parser.parse_args(argv)
    from coopgraph.cli.stdio import Quiet

    Quiet.on = bool(getattr(args, "quiet", False) or getattr(args, "quiet_all", False))
    try:
        return int(args.handler(args))
    except CoopgraphError as e:
        if isinstance(e, InvalidData) and e.report is not None:
            # The report first, so the one error line stays last (what scripts and tests read).
            sys.stderr.write(e.report.to_text())  # type: ignore[attr-defined]
        print(f"coopgraph: error: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("coopgraph: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as e:
        # A file or folder the system refused (full disk, read-only, a file in the way): the
        # user's environment, not a bug, so one line naming the path instead of a traceback.
        where = f"{e.filename}: " if e.filename else ""
        print(f"coopgraph: error: {where}{e.strerror or e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
