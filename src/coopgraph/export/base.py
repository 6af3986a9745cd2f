"""The one small base class every export format implements, and the safe way to write files.

Each format only turns a :class:`View` into bytes; where the bytes go (a file, several files,
stdout), how a half-written file is avoided and how an unwritable path is reported is decided
here once, so every format fails the same, clear way.
"""

from __future__ import annotations

import os
import sys
import tempfile
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, ClassVar

import networkx as nx

from coopgraph.errors import UsageError
from coopgraph.export.network import KINDS, Network, ViewOptions


class EmptyView(UsageError):
    """The options leave nothing to show; writing an empty picture would hide that."""


@dataclass
class View:
    """One view of the network, ready to export: the graph plus what it was cut from."""

    graph: nx.MultiDiGraph | nx.MultiGraph
    network: Network
    options: ViewOptions

    @property
    def title(self) -> str:
        return str(self.graph.graph.get("title", "coopgraph"))

    @property
    def data_date(self) -> str:
        return self.network.data_date

    @property
    def lang(self) -> str:
        return self.options.lang

    def kinds(self) -> list[str]:
        """Node kinds present, in legend order."""
        present = {d["type"] for _, d in self.graph.nodes(data=True)}
        return [k for k in KINDS if k in present]

    def subtitle(self) -> str:
        """"Data as of …, N nodes, M links, K sources": what a reader of a picture must know."""
        words = {
            "en": ("data as of", "nodes", "links", "sources"),
            "vi": ("dữ liệu đến", "nút", "liên kết", "nguồn"),
            "zh": ("数据截至", "节点", "连接", "来源"),
        }.get(self.lang, ("data as of", "nodes", "links", "sources"))
        n_sources = len({s for _, d in self.graph.nodes(data=True) for s in d.get("_sources", ())})
        parts = [
            f"{words[0]} {self.data_date}" if self.data_date else "",
            f"{self.graph.number_of_nodes()} {words[1]}",
            f"{self.graph.number_of_edges()} {words[2]}",
            f"{n_sources} {words[3]}",
        ]
        return " · ".join(p for p in parts if p)


def make_view(network: Network, options: ViewOptions) -> View:
    """Cut a view and refuse an empty one, saying which options emptied it."""
    graph = network.view(options)
    if graph.number_of_nodes() == 0:
        why = options.describe() or "the data"
        raise EmptyView(f"the view is empty ({why}): nothing to export, no file written")
    return View(graph=graph, network=network, options=options)


class Exporter(ABC):
    """A file format. Subclasses set the class attributes and implement :meth:`render`."""

    name: ClassVar[str]
    suffix: ClassVar[str]
    media_type: ClassVar[str]
    binary: ClassVar[bool] = False
    summary: ClassVar[str] = ""
    # Node types shown when the user gives no --types (None = all); pictures leave sources out
    # of the drawing and cite them underneath instead.
    default_types: ClassVar[tuple[str, ...] | None] = None

    @abstractmethod
    def render(self, view: View) -> bytes:
        """The file's content for this view."""

    def outputs(self, view: View, path: Path | None) -> dict[Path | None, bytes]:
        """Where each produced file goes (``None`` = stdout); formats with several files override."""
        return {path: self.render(view)}

    def export(self, view: View, path: str | Path | None, stdout: BinaryIO | None = None) -> list[Path]:
        """Render and write; returns the files written (none for stdout)."""
        target = Path(path) if path is not None else None
        if target is None and self.binary and (stdout or sys.stdout.buffer).isatty():
            raise UsageError(f"{self.name} output is binary; give -o FILE{self.suffix}")
        if target is not None:
            check_writable(target)
        files = self.outputs(view, target)
        written: list[Path] = []
        for out, content in files.items():
            if out is None:
                stream = stdout or sys.stdout.buffer
                stream.write(content)
                stream.flush()
            else:
                write_file(out, content)
                written.append(out)
        return written


def check_writable(path: Path) -> None:
    """Fail before any work is done when the output cannot be written, with the reason."""
    if path.is_dir() and path.suffix:
        raise UsageError(f"cannot write {path}: it is a directory")
    parent = path if path.is_dir() else path.parent
    existing = parent
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise UsageError(f"cannot write {path}: {existing} is not a directory")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f"cannot write {path}: permission denied in {existing}")
    if path.exists() and not path.is_dir() and not os.access(path, os.W_OK):
        raise UsageError(f"cannot write {path}: permission denied")


def write_file(path: Path, content: bytes) -> None:
    """Write via a temporary file and a rename, so a failure never leaves a truncated file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(content)
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as e:
        raise UsageError(f"cannot write {path}: {e.strerror or e}") from None
