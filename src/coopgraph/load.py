"""Parse data, ontology and shapes files, turning every syntax error into file:line:column.

rdflib's own parse errors rarely say where the problem is, so each file is first run through
pyoxigraph's parser (and :mod:`json` for JSON-LD), whose errors carry a location, and only then
parsed by rdflib, which the rest of the package works with.

JSON-LD is never parsed by rdflib: its parser fetches a remote ``@context`` from the web while
loading. pyoxigraph has no document loader, so a remote context is refused with the file and
line named, and rdflib gets the quads pyoxigraph read (as N-Quads). Loading is offline by
construction (see :mod:`coopgraph.offline`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, Graph, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.term import Node

from coopgraph.errors import InputError, UsageError
from coopgraph.namespaces import CG, RDF, bind_prefixes
from coopgraph.resources import resource_dir

# suffix -> (rdflib format, pyoxigraph format)
FORMATS: dict[str, tuple[str, ox.RdfFormat]] = {
    ".trig": ("trig", ox.RdfFormat.TRIG),
    ".ttl": ("turtle", ox.RdfFormat.TURTLE),
    ".nt": ("nt", ox.RdfFormat.N_TRIPLES),
    ".nq": ("nquads", ox.RdfFormat.N_QUADS),
    ".jsonld": ("json-ld", ox.RdfFormat.JSON_LD),
}

Origins = dict[Node, set[str]]

_OX_LOCATION = re.compile(r"^\s*Parser error at [^:]*:\s*")


def data_files() -> list[Path]:
    """The default data files: every RDF file in the data folder, sorted so loads are repeatable."""
    return _files(resource_dir("data"), FORMATS)


def _files(folder: Path, suffixes: Iterable[str]) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in suffixes)


def _format(path: Path) -> tuple[str, ox.RdfFormat]:
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        known = ", ".join(FORMATS)
        raise UsageError(f"{path}: unknown file type {path.suffix!r} (expected one of {known})") from None


def check_syntax(path: Path) -> list[ox.Quad] | None:
    """Raise :class:`InputError` with the location of the first syntax error in ``path``.

    Returns the quads pyoxigraph read for JSON-LD, which is loaded from them; other formats are
    only checked (rdflib reads the file itself), so their quads are not kept.
    """
    try:
        data = path.read_bytes()
    except OSError as e:
        raise InputError(path, 0, 0, e.strerror or str(e)) from None
    _, oxformat = _format(path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        column = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        raise InputError(path, line, column, "file is not valid UTF-8") from None
    if oxformat != ox.RdfFormat.JSON_LD:
        for _ in _parsed(path, oxformat, data):
            pass
        return None
    try:
        json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(path, e.lineno, e.colno, e.msg) from None
    return list(_parsed(path, oxformat, data))


def read_quads(path: Path) -> list[ox.Quad]:
    """The quads pyoxigraph reads from the file at ``path`` (its type from its suffix).

    An unknown suffix is a :class:`UsageError`; a missing file, a syntax error (with file, line
    and column) and a remote JSON-LD context, which pyoxigraph has no loader for, are
    :class:`InputError`.
    """
    oxformat = _format(path)[1]
    if not path.is_file():
        raise InputError(path, 0, 0, "no such file")
    return list(_parsed(path, oxformat))


def _parsed(path: Path, oxformat: ox.RdfFormat, data: bytes | None = None) -> Iterator[ox.Quad]:
    """pyoxigraph's quads of ``path`` (or of its ``data``, already read), errors located."""
    base = path.resolve().as_uri()
    try:
        if data is None:
            yield from ox.parse(path=str(path), format=oxformat, base_iri=base)
        else:
            yield from ox.parse(data, format=oxformat, base_iri=base)
    except SyntaxError as e:
        message = _OX_LOCATION.sub("", e.msg or str(e))
        if "LoadDocumentCallback" in message:  # pyoxigraph's word for "a remote context"
            text = (data if data is not None else path.read_bytes()).decode("utf-8", "replace")
            raise InputError(path, _remote_context_line(text), 1, "a remote JSON-LD @context is refused: "
                             "coopgraph never fetches documents while loading; put the context in the file") from None
        raise InputError(path, e.lineno or 0, e.offset or 0, message) from None


_CONTEXT_REFERENCE = re.compile(r'"@(?:context|import)"\s*:\s*(?:\[[^\]]*?)?"')


def _remote_context_line(text: str) -> int:
    """The line of the first ``@context``/``@import`` given as a string (a reference, not inline)."""
    m = _CONTEXT_REFERENCE.search(text)
    return text.count("\n", 0, m.start()) + 1 if m else 1


def _rdflib_error(path: Path, error: Exception) -> InputError:
    """Fallback for errors only rdflib detects (mostly JSON-LD semantics); guess a line if it gives one."""
    text = str(error)
    m = re.search(r"line (\d+)", text)
    return InputError(path, int(m.group(1)) if m else 1, 1, text or type(error).__name__)


def parse_file(path: Path, into: Dataset | Graph) -> None:
    """Check ``path`` then parse it with rdflib into ``into``."""
    fmt, oxformat = _format(path)
    if oxformat == ox.RdfFormat.JSON_LD:
        quads = check_syntax(path) or []  # JSON errors with their line; a remote context refused
        into.parse(data=ox.serialize(quads, format=ox.RdfFormat.N_QUADS).decode("utf-8"), format="nquads")
        return
    check_syntax(path)
    try:
        into.parse(path, format=fmt, publicID=path.resolve().as_uri())
    except InputError:
        raise
    except Exception as e:  # rdflib raises many unrelated types
        raise _rdflib_error(path, e) from None


def load_dataset(
    paths: Iterable[str | Path] | None = None,
    *,
    curation: bool = True,
    origins: Origins | None = None,
) -> Dataset:
    """Load data files into one Dataset, keeping each named graph (the evidence of its facts).

    ``default_union`` is on so SPARQL over the Dataset sees all graphs at once, which is what
    every query here wants. With ``curation=False`` every graph typed cg:CuratorAssertion is
    dropped, so results can be checked against sources alone. If ``origins`` is given it is
    filled with subject -> data files, so validation reports can say where to fix a problem.
    """
    files = [Path(p) for p in paths] if paths is not None else data_files()
    dataset = Dataset(default_union=True)
    bind_prefixes(dataset)
    for path in files:
        if not path.is_file():
            raise InputError(path, 0, 0, "no such file")
        part = Dataset()
        parse_file(path, part)
        graphs: dict[Node, Graph] = {}
        for s, p, o, g in part.quads((None, None, None, None)):
            name = g or DATASET_DEFAULT_GRAPH_ID
            if name not in graphs:
                graphs[name] = dataset.graph(name)
            graphs[name].add((s, p, o))
            if origins is not None:
                origins.setdefault(s, set()).add(_display_path(path))
    if not curation:
        drop_curation(dataset)
    return dataset


def curator_graphs(dataset: Dataset) -> set[URIRef]:
    """Names of graphs holding curator assertions (typed cg:CuratorAssertion anywhere)."""
    return {s for s in dataset.subjects(RDF.type, CG.CuratorAssertion) if isinstance(s, URIRef)}


def drop_curation(dataset: Dataset) -> None:
    """Remove curator graphs and their descriptions, leaving only what sources state."""
    for name in curator_graphs(dataset):
        dataset.remove_graph(dataset.graph(name))
        for graph in list(dataset.graphs()):
            graph.remove((name, None, None))


def _load_folder(kind: str, required: bool = False) -> Graph:
    graph = Graph()
    bind_prefixes(graph)
    files = _files(resource_dir(kind), {".ttl"})
    if required and not files:
        raise InputError(resource_dir(kind), 0, 0, f"no {kind} files (*.ttl) found; is COOPGRAPH_HOME right?")
    for path in files:
        parse_file(path, graph)
    return graph


def load_ontology() -> Graph:
    """The ontology and its SKOS vocabularies as one graph: reasoning and SHACL need both."""
    return _load_folder("ontology", required=True)


def load_shapes() -> Graph:
    """All SHACL shapes; empty when the shapes folder does not exist yet."""
    return _load_folder("shapes")


def _display_path(path: Path) -> str:
    """The path as the user would type it: relative to the working folder when inside it, so
    reports name files the same way on every checkout (and builds stay byte-identical)."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
