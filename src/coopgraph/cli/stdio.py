"""Unix conventions every command shares: ``-`` for standard input and output, formats guessed
from a file's extension (an explicit ``--format`` wins), and ``--quiet``.

Why one module: rdfpipe, riot and sqlite-utils users pipe files through commands
(``curl ... | coopgraph validate -``, ``coopgraph export --format dot -o - | dot -Tsvg``), and
each command honouring ``-`` in its own way would be the same rule written many times.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path

from coopgraph.errors import UsageError

STDIO = "-"
STDIN_NAME = "<stdin>"  # how messages name standard input
_stdin: bytes | None = None


def is_stdio(path: str | Path | None) -> bool:
    """True for ``-``: standard input where a file is read, standard output where one is written."""
    return path is not None and str(path) == STDIO


def stdin_bytes() -> bytes:
    """Everything on standard input, read once: several steps (checks, parse) may ask for it."""
    global _stdin
    if _stdin is None:
        _stdin = sys.stdin.buffer.read()
    return _stdin


def output_path(value: str | Path | None) -> str | Path | None:
    """An output option's value with ``-`` turned into None, which every writer takes as stdout."""
    return None if is_stdio(value) else value


# file extension -> coopgraph.query.results format (query output)
RESULT_SUFFIXES = {
    ".json": "json", ".srj": "json", ".xml": "xml", ".srx": "xml", ".csv": "csv", ".tsv": "tsv",
    ".md": "markdown", ".txt": "table", ".ttl": "turtle", ".nt": "nt", ".jsonld": "jsonld",
    ".rdf": "rdfxml", ".owl": "rdfxml",
}


def guess_format(path: str | Path | None, explicit: str | None, suffixes: Mapping[str, str],
                 what: str = "output") -> str | None:
    """The format to write ``path`` in: ``explicit`` if given, else the one its extension names.

    None when there is nothing to guess from (no path, or ``-``); a path whose extension names
    no format is a usage error that lists the extensions known, so nothing is written in a
    format the name does not promise.
    """
    if explicit or path is None or is_stdio(path):
        return explicit
    suffix = Path(path).suffix.lower()
    if suffix in suffixes:
        return suffixes[suffix]
    known = ", ".join(sorted(suffixes))
    raise UsageError(f"cannot tell the {what} format from {Path(path).name!r}: give --format, "
                     f"or a name ending in one of {known}")


class Quiet:
    """Whether diagnostics (progress, timings, notes) are silenced for this run (``--quiet``);
    errors are never silenced."""

    on = False
