"""Exceptions that carry their own exit code, so the CLI never has to guess one."""

from __future__ import annotations

from pathlib import Path


class CoopgraphError(Exception):
    """Root of all coopgraph errors; the CLI turns any of them into one stderr line."""

    exit_code: int = 1


class InputError(CoopgraphError):
    """A data, ontology or shapes file cannot be read or parsed."""

    exit_code = 2

    def __init__(self, file: str | Path, line: int, column: int, message: str) -> None:
        self.file = "<stdin>" if str(file) == "-" else str(file)  # `-`: standard input (coopgraph.cli.stdio)
        self.line = line
        self.column = column
        self.message = " ".join(str(message).split())
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


class UsageError(CoopgraphError):
    """The caller asked for something that cannot be done (unknown name, bad option)."""

    exit_code = 2


class InvalidData(CoopgraphError):
    """The data parsed but does not conform to the shapes; carries the report."""

    exit_code = 1

    def __init__(self, message: str, report: object | None = None) -> None:
        self.report = report
        super().__init__(message)


class QueryError(CoopgraphError):
    """A SPARQL query is malformed or failed to run."""

    exit_code = 2


class QueryTimeout(QueryError):
    """A query ran past its time limit (the server answers 503, like other SPARQL servers)."""


class ResultTooLarge(QueryError):
    """A query's result exceeds the configured row limit; the caller should page with LIMIT."""


class RemoteError(QueryError):
    """A remote store or SPARQL endpoint could not be reached, or did not answer in time or in full.

    Exit code 2, as every request that could not be done (the README's codes: 1 is reserved for
    invalid data); the message says what was reached and, for a push, how many graphs are in.
    """

    exit_code = 2
