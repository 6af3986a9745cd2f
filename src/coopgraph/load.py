"""Read data, ontology and shapes files: one reader for every command, errors as file:line:column.

Every file goes through :func:`read_quads`: its bytes are checked first (:func:`read_text`:
a folder, UTF-8, JSON depth), then pyoxigraph parses them, whose errors carry a location.
``validate`` and ``build`` get rdflib terms made from those quads (:func:`rdflib_quads`),
``build --store`` and ``update`` the quads themselves, so all of them accept and refuse the
same files with the same message; rdflib's parsers, whose errors rarely say where, never run.

JSON-LD needs no document loader that way either: rdflib's JSON-LD parser fetches a remote
``@context`` from the web, pyoxigraph has no loader, so a remote context is refused with the
file and line named. Loading is offline by construction (see :mod:`coopgraph.query.offline`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef
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


def data_files(folder: str | Path | None = None) -> list[Path]:
    """The default data files: every RDF file in the data folder (or ``folder``), sorted so
    loads are repeatable."""
    return _files(resource_dir("data") if folder is None else Path(folder), FORMATS)


def data_paths(paths: Iterable[str | Path] | None) -> list[Path]:
    """The files to load: ``paths``, or by default :func:`data_files`; none at all is refused.

    A build of nothing would replace a good build with an empty one, so an empty data folder
    (or an empty list) is a :class:`UsageError`, not an empty graph.
    """
    files = [Path(p) for p in paths] if paths is not None else data_files()
    if not files:
        where = "no data files to read" if paths is not None else f"no data files in {resource_dir('data')}"
        raise UsageError(f"{where} (expected {', '.join(FORMATS)} files)")
    return files


def _files(folder: Path, suffixes: Iterable[str]) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in suffixes)


def _format(path: Path) -> tuple[str, ox.RdfFormat]:
    from coopgraph.cli.stdio import is_stdio, stdin_bytes

    if is_stdio(path):  # no extension to go by: JSON-LD if it opens like JSON, else TriG, which
        # also reads Turtle, N-Triples and N-Quads
        start = stdin_bytes().lstrip(_BOM).lstrip()[:1]
        return FORMATS[".jsonld"] if start in (b"{", b"[") else FORMATS[".trig"]
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        known = ", ".join(FORMATS)
        raise UsageError(f"{path}: unknown file type {path.suffix!r} (expected one of {known})") from None


#: Deepest JSON nesting accepted. Python's json module fails (RecursionError) near 1,000 levels
#: and pyoxigraph's JSON-LD parser overflows the C stack (a segfault, exit 139) between 3,000
#: and 4,000 on the main thread's 8 MiB stack, less on a worker thread's. Real JSON-LD nests a
#: few dozen levels at most, so a document past this bound is refused before either parser runs.
MAX_JSON_DEPTH = 256

#: pyoxigraph's parsers buffer one token at a time and refuse a token (a literal, an IRI) past
#: this size with a MemoryError; the file is refused with its line instead.
MAX_TOKEN_BYTES = 16 * 1024 * 1024

_BOM = b"\xef\xbb\xbf"


def read_text(path: Path) -> bytes:
    """The bytes of a data file, checked before any RDF parser sees them.

    This is the one place every command's input goes through, so ``validate``, ``build``,
    ``build --store`` and ``update`` accept and refuse exactly the same files. A folder, a
    missing or unreadable file, bytes that are not UTF-8, malformed JSON and JSON nested deeper
    than :data:`MAX_JSON_DEPTH` are :class:`InputError` with the file (and line where there is
    one). A leading UTF-8 byte order mark, which Windows editors write, is dropped: it is not
    part of the RDF, and line and column numbers then match what an editor shows.
    """
    from coopgraph.cli.stdio import is_stdio, stdin_bytes

    if path.is_dir():
        raise InputError(path, 0, 0, f"is a folder, not a data file: give its files, for example {path}/*.trig")
    oxformat = _format(path)[1]
    try:
        data = stdin_bytes() if is_stdio(path) else path.read_bytes()
    except FileNotFoundError:
        raise InputError(path, 0, 0, "no such file") from None
    except OSError as e:
        raise InputError(path, 0, 0, f"cannot read: {e.strerror or e}") from None
    if data.startswith(_BOM):
        data = data[len(_BOM):]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        column = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        raise InputError(path, line, column, "file is not valid UTF-8") from None
    if oxformat == ox.RdfFormat.JSON_LD:
        _check_json(path, text)
    return data


def _check_json(path: Path, text: str) -> None:
    """Refuse malformed or too deeply nested JSON with its line, before a recursive parser runs."""
    deepest = json_depth(text)
    if deepest is not None:
        line, column = _position(text, deepest)
        raise InputError(path, line, column, f"JSON nested more than {MAX_JSON_DEPTH} levels deep "
                         "(coopgraph data needs a few dozen at most)")
    try:
        json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(path, e.lineno, e.colno, e.msg) from None


def json_depth(text: str, limit: int = MAX_JSON_DEPTH) -> int | None:
    """The offset of the first ``[`` or ``{`` nested deeper than ``limit`` in ``text``, or None.

    A linear scan that skips strings, so a bracket inside a string does not count; it does not
    check the rest of the syntax (:func:`json.loads` does, once the depth is known to be safe).
    """
    depth = 0
    i, n = 0, len(text)
    brackets = re.compile(r'["\[\]{}]')
    while True:
        m = brackets.search(text, i)
        if m is None:
            return None
        c, i = m.group(), m.end()
        if c == '"':
            end = _STRING_END.search(text, i)
            if end is None:
                return None  # unterminated: json.loads reports it with its line
            i = end.end()
        elif c in "[{":
            depth += 1
            if depth > limit:
                return m.start()
        else:
            depth -= 1
        if i >= n:
            return None


_STRING_END = re.compile(r'(?:[^"\\]|\\.)*"', re.DOTALL)


def _position(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of ``offset`` in ``text``."""
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def check_syntax(path: Path) -> None:
    """Raise :class:`InputError` with the location of the first error in ``path`` (see :func:`read_quads`)."""
    read_quads(path)


def read_quads(path: Path) -> list[ox.Quad]:
    """The quads pyoxigraph reads from the file at ``path`` (its type from its suffix).

    The one reader of data files for every command (see :func:`read_text` for what is checked
    before parsing). An unknown suffix is a :class:`UsageError`; everything else wrong with the
    file, including a syntax error (with file, line and column), a remote JSON-LD context, a
    token past :data:`MAX_TOKEN_BYTES` and a file that holds no triples at all (an empty file
    would otherwise silently make an empty build), is an :class:`InputError`.
    """
    data = read_text(path)
    oxformat = _format(path)[1]
    quads = list(_parsed(path, oxformat, data))
    if not quads:
        raise InputError(path, 0, 0, "holds no triples (an empty or comment-only file); "
                         "leave it out, or check that it was saved")
    # refused here, where the file is known, so that every command says the same (the store
    # build and the rdflib view alike): RDF 1.2 triple terms stand as a subject or an object
    term = next((t for q in quads for t in (q.subject, q.object) if isinstance(t, ox.Triple)), None)
    if term is not None:
        raise InputError(path, 0, 0, f"holds an RDF 1.2 triple term ({term}), which coopgraph does not support")
    return quads


def _parsed(path: Path, oxformat: ox.RdfFormat, data: bytes) -> Iterator[ox.Quad]:
    """pyoxigraph's quads of ``data`` (the bytes of ``path``), errors located."""
    base = path.resolve().as_uri() if str(path) != "-" else Path.cwd().resolve().as_uri() + "/"
    try:
        yield from ox.parse(data, format=oxformat, base_iri=base)
    except SyntaxError as e:
        message = _OX_LOCATION.sub("", e.msg or str(e))
        if "LoadDocumentCallback" in message:  # pyoxigraph's word for "a remote context"
            text = data.decode("utf-8", "replace")
            raise InputError(path, _remote_context_line(text), 1, "a remote JSON-LD @context is refused: "
                             "coopgraph never fetches documents while loading; put the context in the file") from None
        line, column = e.lineno or 0, e.offset or 0
        if not line and oxformat == ox.RdfFormat.JSON_LD:
            line, column = _json_keyword_position(data.decode("utf-8", "replace"), message)
        raise InputError(path, line, column, message) from None
    except MemoryError:  # pyoxigraph's limit on one token, not the machine running out
        line = _long_line(data)
        raise InputError(path, line, 1 if line else 0, f"a literal or IRI is longer than {MAX_TOKEN_BYTES // 2**20} MiB, "
                         "more than the parser accepts; split it or leave it out") from None


def _json_keyword_position(text: str, message: str) -> tuple[int, int]:
    """Where a JSON-LD error such as "@id value must be a string" is: pyoxigraph gives no location
    for them, so the first ``"@id":`` not followed by a string is taken (0, 0 if none is found)."""
    m = re.match(r"(@\w+) value must be", message)
    found = m and re.search(r'"' + re.escape(m.group(1)) + r'"\s*:\s*(?!["\s])', text)
    return _position(text, found.start()) if found else (0, 0)


def _long_line(data: bytes) -> int:
    """The first line longer than :data:`MAX_TOKEN_BYTES` (0 if the long token spans lines)."""
    start = 0
    for number, end in enumerate(_line_ends(data), start=1):
        if end - start > MAX_TOKEN_BYTES:
            return number
        start = end + 1
    return 0


def _line_ends(data: bytes) -> Iterator[int]:
    i = data.find(b"\n")
    while i != -1:
        yield i
        i = data.find(b"\n", i + 1)
    yield len(data)


_CONTEXT_REFERENCE = re.compile(r'"@(?:context|import)"\s*:\s*(?:\[[^\]]*?)?"')


def _remote_context_line(text: str) -> int:
    """The line of the first ``@context``/``@import`` given as a string (a reference, not inline)."""
    m = _CONTEXT_REFERENCE.search(text)
    return text.count("\n", 0, m.start()) + 1 if m else 1


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def rdflib_quads(path: Path, quads: Iterable[ox.Quad]) -> Iterator[tuple[Node, Node, Node, Node]]:
    """pyoxigraph quads of one file as rdflib terms, the graph name last (the default graph's id).

    Terms come out as rdflib's own parsers make them (a plain string has no datatype), and each
    blank node label gets a fresh blank node per file, as parsing the file with rdflib does.
    """
    blank: dict[str, BNode] = {}

    def term(t: object) -> Node:
        if isinstance(t, ox.NamedNode):
            return URIRef(t.value)
        if isinstance(t, ox.BlankNode):
            return blank.setdefault(t.value, BNode())
        if isinstance(t, ox.Literal):
            if t.language:
                return Literal(t.value, lang=t.language)
            datatype = t.datatype.value
            return Literal(t.value, datatype=None if datatype in (_XSD_STRING, _LANG_STRING) else URIRef(datatype))
        if isinstance(t, ox.DefaultGraph):
            return DATASET_DEFAULT_GRAPH_ID
        raise TypeError(f"not an RDF term of coopgraph's: {t!r} ({path}; read_quads refuses triple terms)")

    for q in quads:
        yield term(q.subject), term(q.predicate), term(q.object), term(q.graph_name)


def parse_file(path: Path, into: Dataset | Graph) -> None:
    """Read ``path`` with :func:`read_quads` (the reader every command shares) into ``into``.

    A Dataset keeps the file's named graphs; a Graph gets every triple. rdflib's own parsers are
    not used: they would accept and refuse other files than ``build --store`` does.
    """
    quads = read_quads(path)
    if not isinstance(into, Dataset):
        for s, p, o, _ in rdflib_quads(path, quads):
            into.add((s, p, o))
        return
    graphs: dict[Node, Graph] = {}
    for s, p, o, g in rdflib_quads(path, quads):
        if g not in graphs:
            graphs[g] = into.graph(g)
        graphs[g].add((s, p, o))


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
    files = data_paths(paths)
    dataset = Dataset(default_union=True)
    bind_prefixes(dataset)
    for path in files:
        graphs: dict[Node, Graph] = {}
        shown = _display_path(path)
        for s, p, o, g in rdflib_quads(path, read_quads(path)):
            if g not in graphs:
                graphs[g] = dataset.graph(g)
            graphs[g].add((s, p, o))
            if origins is not None:
                origins.setdefault(s, set()).add(shown)
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


def display_path(path: str | Path) -> str:
    """A path as reports show it (see :func:`_display_path`)."""
    return _display_path(Path(path))


def _display_path(path: Path) -> str:
    """The path as the user would type it: relative to the working folder when inside it, so
    reports name files the same way on every checkout (and builds stay byte-identical)."""
    if str(path) == "-":
        return "<stdin>"
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
