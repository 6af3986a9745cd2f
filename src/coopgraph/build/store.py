"""The store build: a persistent pyoxigraph store with asserted and inferred graphs, kept up to date.

``coopgraph build --store DIR`` loads the data with pyoxigraph's parsers, validates it with
:mod:`coopgraph.shacl.engine`, reasons with :mod:`coopgraph.rules.engine` and writes an on-disk
store, so that ``coopgraph query NAME --store DIR`` opens it in milliseconds and re-parses and
re-reasons nothing. ``coopgraph update --store DIR FILE...`` adds or replaces sources.

A store folder holds three pyoxigraph stores, because three different views are needed and a
SPARQL query over an explicit list of tens of thousands of evidence graphs is far slower than
over the union of all graphs:

``main``
    what queries see, the same graphs as :attr:`coopgraph.CoopGraph.dataset`: the asserted
    evidence graphs, ``graph/inferred`` (exactly what :func:`coopgraph.rules.reason.reason` keeps),
    ``graph/ontology`` and ``graph/presentation``; its default graph is their RDF merge, each
    triple once (:mod:`coopgraph.build.defaultgraph`), as in the in-memory store, so a query sees the
    same dataset on either.
``validation``
    what the shapes see, as with pySHACL's ``ont_graph``: the asserted graphs plus the ontology
    triples pySHACL mixes in; never the inferred graph (a range axiom must not make a wrong
    value valid).
``closure``
    the rest of the OWL 2 RL closure, which reason.py drops as noise but later joins may need
    (``graph/ontology-closure``: the owlrl closure of the ontology alone, from which the rules
    are rebuilt without running owlrl; the default graph: data-level noise such as owl:sameAs
    between two literal values of a functional property).

Adding a source runs the rules semi-naively from its new triples only and re-validates the
nodes it mentions. Replacing a source (its graphs already exist) removes the old graphs and
rebuilds the inferred graph from the stored asserted data: deletions can invalidate any
consequence, and recomputing is simpler to trust than tracking support.
"""

from __future__ import annotations

import fcntl
import gc
import hashlib
import itertools
import json
import os
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox
from rdflib import Dataset, Graph, URIRef

from coopgraph import __version__, collector
from coopgraph.build import defaultgraph, presentation
from coopgraph.build.outputs import claim, remove_stale, replace_folder, temp_folder
from coopgraph.errors import CoopgraphError, InvalidData, UsageError
from coopgraph.namespaces import CG, INFERRED_GRAPH, ONTOLOGY_GRAPH, RDF
from coopgraph.progress import Progress
from coopgraph.rules import engine as fr
from coopgraph.shacl import engine as fv
from coopgraph.shacl.validate import ValidationReport, ValidationResult

INFERRED = ox.NamedNode(str(INFERRED_GRAPH))
ONTOLOGY = ox.NamedNode(str(ONTOLOGY_GRAPH))
ONTOLOGY_CLOSURE = ox.NamedNode("https://w3id.org/coopgraph/graph/ontology-closure")
#: 2: the default graph holds the merge of the named graphs (coopgraph.build.defaultgraph); 1: it was empty.
STORE_FORMAT = 2

Triple = fr.Triple

if TYPE_CHECKING:
    from coopgraph.graph import CoopGraph


@dataclass
class StoreResult:
    """What a store build or update did, for the CLI summary, tests and benchmarks."""

    store_dir: Path
    triples_asserted: int
    triples_inferred: int
    report: ValidationReport
    mode: str = "build"
    seconds: dict[str, float] = field(default_factory=dict)
    #: owlrl's inconsistency messages for the data, in its words (:func:`coopgraph.rules.engine.findings`)
    findings: list[str] = field(default_factory=list)
    #: what the store was written from, when :func:`build_store` was asked to keep it
    parts: StoreParts | None = field(default=None, repr=False)

    @property
    def conforms(self) -> bool:
        return self.report.conforms

    def summary(self) -> str:
        lines = [f"store: {self.store_dir}", f"mode: {self.mode}",
                 f"triples asserted: {self.triples_asserted}", f"triples inferred: {self.triples_inferred}",
                 f"conforms: {'yes' if self.conforms else 'no'}", self.report.summary()]
        lines += [f"{k}: {v:.2f}s" for k, v in self.seconds.items()]
        return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# helpers


def parse_quads(paths: Iterable[str | Path], *, curation: bool = True,
                origins: dict[object, set[str]] | None = None) -> list[ox.Quad]:
    """All quads of the files, parsed by pyoxigraph; a syntax error names file, line and column.

    ``curation=False`` leaves out the curator assertions (:func:`without_curation`). ``origins``,
    when given, is filled with subject -> the files stating it, so that a validation report
    names the file to fix, as the reference report does.
    """
    from coopgraph.load import data_paths, display_path, read_quads

    quads: list[ox.Quad] = []
    for path in data_paths(paths):
        read = read_quads(path)
        if origins is not None:
            shown = display_path(path)
            for q in read:
                origins.setdefault(q.subject, set()).add(shown)
        quads.extend(read)
    return quads if curation else without_curation(quads)


_CURATOR_ASSERTION = ox.NamedNode(str(CG.CuratorAssertion))
_TYPE = ox.NamedNode(str(RDF.type))


def without_curation(quads: list[ox.Quad]) -> list[ox.Quad]:
    """``quads`` without the curator assertions: what the sources alone state (``--no-curation``).

    A curator graph is one typed cg:CuratorAssertion anywhere; its quads go, and so does its
    description (every triple whose subject is its name), as :func:`coopgraph.load.drop_curation`
    does for an rdflib dataset.
    """
    curated = {q.subject for q in quads if q.predicate == _TYPE and q.object == _CURATOR_ASSERTION}
    if not curated:
        return quads
    return [q for q in quads if q.graph_name not in curated and q.subject not in curated]


def _triple(q: ox.Quad) -> Triple:
    return (q.subject, q.predicate, q.object)


def _files_digest(kind: str) -> str:
    from coopgraph.resources import resource_dir

    h = hashlib.sha256()
    for path in sorted(resource_dir(kind).glob("*.ttl")):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


LITERAL_SUBJECTS = "closure-literal-subjects.jsonl"
#: Every name a store folder holds: what a store written before markers existed may contain.
STORE_NAMES = frozenset({"main", "closure", "validation", "manifest.json", "validation.json", LITERAL_SUBJECTS})
#: The pyoxigraph stores of a store folder.
STORE_PARTS = ("main", "validation", "closure")


def _save_closure(closure: ox.Store, folder: Path, ontology_closure: set[Triple], noise: set[Triple],
                  append: bool = False) -> None:
    """Store the non-query part of the closure; RDF cannot have literal subjects, so the triples
    that do (``"2019-01-15"^^xsd:date owl:sameAs "2020-01-16"^^xsd:date``) go to a JSON-lines file."""
    closure.bulk_extend(ox.Quad(*x, ONTOLOGY_CLOSURE) for x in ontology_closure
                        if not isinstance(x[0], ox.Literal))
    closure.bulk_extend(ox.Quad(*x, ox.DefaultGraph()) for x in noise if not isinstance(x[0], ox.Literal))
    lines = [json.dumps([fr.encode_term(t) for t in x], ensure_ascii=False) + "\n"
             for x in (*ontology_closure, *noise) if isinstance(x[0], ox.Literal)]
    with open(folder / LITERAL_SUBJECTS, "a" if append else "w", encoding="utf-8") as f:
        f.writelines(sorted(lines))


def _literal_subjects(folder: Path) -> set[Triple]:
    path = folder / LITERAL_SUBJECTS
    if not path.is_file():
        return set()
    with open(path, encoding="utf-8") as f:
        return {tuple(fr.decode_term(x) for x in json.loads(line)) for line in f}  # type: ignore[misc]


def _timed(seconds: dict[str, float], step: str, start: float) -> float:
    now = time.perf_counter()
    seconds[step] = round(now - start, 3)
    return now


def _report_to_json(report: ValidationReport) -> str:
    return report.to_json()


def _report_from_json(text: str) -> ValidationReport:
    doc = json.loads(text)
    return ValidationReport([ValidationResult(**{**r, "files": tuple(r.get("files", ()))}) for r in doc["results"]])


# ---------------------------------------------------------------------------------------------
# full build

#: From this many quads, validation runs in a second process while this one reasons and writes.
#: Below it, starting a Python process (about half a second) costs more than the overlap saves.
PARALLEL_FROM = 100_000


def _validate_into(folder: Path, quads: list[ox.Quad], ontology_graph: object,
                   progress: Callable[[int], None] | None = None, consume: bool = False,
                   origins: dict[object, set[str]] | None = None) -> ValidationReport:
    """Validate in an in-memory store, then write the on-disk view that updates re-validate.

    The on-disk store answers the validator's many small lookups about four times slower than
    the in-memory one (43 s against 11.5 s at 1M triples), so validation never runs on it.
    With ``consume``, ``quads`` is emptied once stored, so that its Python objects are freed.
    """
    memory = ox.Store()
    memory.bulk_extend(quads)
    if consume:
        quads.clear()
    fv.load_view(memory, ontology_graph)  # type: ignore[arg-type]
    report = fv.validate_store(memory, progress=progress, origins=origins)  # type: ignore[arg-type]
    disk = ox.Store(str(folder / "validation"))
    disk.bulk_extend(memory.quads_for_pattern(None, None, None, None))
    disk.flush()
    return report


@collector.paused()  # millions of tuples that stay alive: coopgraph.collector
def _validation_worker(files: list[str], folder: str, shapes_done: Any, curation: bool = True,
                       locate: bool = False) -> None:
    """The second process of a large build: validate, write ``validation`` and its report."""
    from coopgraph.load import load_ontology

    out = Path(folder)
    try:
        def progress(i: int) -> None:
            shapes_done.value = i

        start = time.perf_counter()
        origins: dict[object, set[str]] | None = {} if locate else None
        quads = parse_quads(files, curation=curation, origins=origins)
        report = _validate_into(out, quads, load_ontology(), progress, consume=True, origins=origins)
        (out / "validation.json").write_text(_report_to_json(report), encoding="utf-8")
        (out / "validation.seconds").write_text(f"{time.perf_counter() - start:.3f}\n", encoding="utf-8")
    except BaseException as e:  # noqa: BLE001 - reported to the parent, which raises it
        (out / "validation.error").write_text(f"{type(e).__name__}: {e}", encoding="utf-8")
        raise SystemExit(1) from None


class _Validation:
    """Validation of a large build, running in a second process (spawned: no forked store)."""

    def __init__(self, files: list[Path], folder: Path, curation: bool = True, locate: bool = False) -> None:
        import multiprocessing

        ctx = multiprocessing.get_context("spawn")
        self.folder = folder
        self.done = ctx.Value("i", 0)
        # the child draws nothing: it reports its progress through ``done``, drawn by result()
        self.proc = ctx.Process(target=_validation_worker, args=([str(f) for f in files], str(folder), self.done, curation, locate),
                                name="coopgraph-validate", daemon=True)
        self.proc.start()

    def result(self) -> ValidationReport:
        with Progress("validate (second process)", unit="shapes") as bar:
            while self.proc.is_alive():
                self.proc.join(0.1)
                bar.update(self.done.value)
        error = self.folder / "validation.error"
        if self.proc.exitcode != 0 or error.is_file():
            detail = error.read_text(encoding="utf-8") if error.is_file() else f"exit code {self.proc.exitcode}"
            kind = fv.UnsupportedShape if detail.startswith("UnsupportedShape:") else CoopgraphError
            raise kind(f"validation failed in its process: {detail}")
        return _report_from_json((self.folder / "validation.json").read_text(encoding="utf-8"))

    def stop(self) -> None:
        if self.proc.is_alive():
            self.proc.terminate()
            self.proc.join()


@collector.paused()  # millions of tuples that stay alive: coopgraph.collector
def build_store(
    data_paths: Iterable[str | Path] | None,
    store_dir: str | Path,
    *,
    allow_invalid: bool = False,
    progress: bool = True,
    curation: bool = True,
    keep: bool = False,
    locate: bool = False,
) -> StoreResult:
    """Load, validate, reason and write a store folder (replacing ``store_dir`` on success).

    ``curation=False`` builds from what the sources alone state (:func:`without_curation`);
    ``keep`` returns what the store was written from (:class:`StoreParts`) in ``parts``;
    ``locate`` names in each validation result the files stating its focus node, as the
    published report does (a store's own report, which updates keep in step, names none).

    For a large graph, validation (and writing its on-disk view) runs in a second process while
    this one reasons and writes the main store: on two cores that overlaps the two longest steps.
    """
    from coopgraph.load import data_paths as files_to_read
    from coopgraph.load import load_ontology

    files = files_to_read(data_paths)  # none at all is refused, naming the folder it looked in
    target = claim(store_dir, "store", STORE_NAMES, files, "manifest.json")
    tmp = temp_folder(target, "store")
    seconds: dict[str, float] = {}
    validation: _Validation | None = None
    try:
        t = time.perf_counter()
        origins: dict[object, set[str]] | None = {} if locate else None
        quads = parse_quads(files, curation=curation, origins=origins)
        if len(quads) >= PARALLEL_FROM and (os.cpu_count() or 1) > 1:
            origins = None  # the second process reads the files itself
            validation = _Validation(files, tmp, curation, locate)
        asserted = {_triple(q) for q in quads}
        n_asserted = len(asserted)
        rules = fr.project_rules()
        t = _timed(seconds, "load", t)

        report: ValidationReport | None = None
        if validation is None:
            with Progress("validate", unit="shapes") as bar:
                report = _validate_into(tmp, quads, load_ontology(), bar.update, origins=origins)
            t = _timed(seconds, "validate", t)
            _refuse_invalid(report, allow_invalid)

        # The asserted quads go to disk before reasoning, so that their Python objects are freed
        # before the reasoner's indexes grow (peak memory at 1M triples).
        main = ox.Store(str(tmp / "main"))
        bulk_load(main, quads)  # and their copies in the merge (build.defaultgraph)
        kept = list(quads) if keep else []
        quads.clear()
        t = _timed(seconds, "write asserted", t)

        with Progress("reason", unit="triples derived") as bar:
            result = fr.reason_triples(asserted, rules, progress=lambda _r, n: bar.update(n))
        del asserted
        t = _timed(seconds, "reason", t)

        for name, triples in ((INFERRED, result.inferred), (ONTOLOGY, rules.ontology)):
            bulk_load(main, triples, graph=name)
        presentation.refresh(main, merged=True)  # labels, dates, first IRIs for display: graph/presentation
        closure = ox.Store(str(tmp / "closure"))
        _save_closure(closure, tmp, rules.ontology_closure, result.noise - rules.ontology_closure)
        for st in (main, closure):
            st.flush()
        del closure
        t = _timed(seconds, "write", t)
        # A freshly written store is many overlapping files; queries on it ran about twice as
        # slow (timeline at 1M: 3.6 s, against 1.8 s after this 1.5 s compaction).
        main.optimize()
        del main
        t = _timed(seconds, "compact", t)

        if validation is not None:
            report = validation.result()
            t = _timed(seconds, "validate (overlapped; waited)", t)
            own = tmp / "validation.seconds"
            seconds["validate (second process: parse, validate, write its view)"] = float(own.read_text())
            own.unlink()
            _refuse_invalid(report, allow_invalid)
        assert report is not None
        manifest = {
            "format": STORE_FORMAT, "coopgraph": __version__, "pyoxigraph": getattr(ox, "__version__", ""),
            "ontology": _files_digest("ontology"), "shapes": _files_digest("shapes"),
            "files": [str(p.resolve()) for p in files],
            "triples_asserted": n_asserted, "triples_inferred": len(result.inferred), "seconds": seconds,
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
        (tmp / "validation.json").write_text(_report_to_json(report), encoding="utf-8")
        gc.collect()
        replace_folder(tmp, target, "store", STORE_NAMES, "manifest.json")
    except BaseException:
        if validation is not None:
            validation.stop()
        gc.collect()
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return StoreResult(target, manifest["triples_asserted"], len(result.inferred), report, "build", seconds,
                       result.findings, StoreParts(kept, result.inferred, rules.ontology) if keep else None)



#: The most quads one call of the on-disk bulk loader is given. The loader holds what a call is
#: given in memory: alone, 2M quads took 11.7 s in calls of 250,000 (265 MiB more memory) and in
#: one call (1,028 MiB more), 13.6 s in calls of 1M (674 MiB; benchmarks/bulk_load.py). In the
#: 1M build, calls of 250,000 took the main process's peak from 2.02 to 1.41 GB (the process
#: tree's from 3.24 to 2.47 GB) for 2 to 4 s more wall time (RESULTS-build.md).
BULK_LOAD_QUADS = 250_000


def bulk_load(store: ox.Store, items: Iterable[ox.Quad] | Iterable[Triple], size: int | None = None,
              graph: ox.NamedNode | None = None) -> None:
    """Write quads (or, with ``graph``, triples into that graph) and their copies in the merge.

    To an on-disk ``store``, in calls of at most ``size`` (:data:`BULK_LOAD_QUADS`) each
    (:func:`coopgraph.build.defaultgraph.bulk_write`).
    """
    it = iter(items)
    while chunk := list(itertools.islice(it, size or BULK_LOAD_QUADS)):
        if graph is None:
            defaultgraph.bulk_write(store, quads=chunk)
        else:
            defaultgraph.bulk_write(store, triples=chunk, graph=graph)


def _refuse_invalid(report: ValidationReport, allow_invalid: bool, before: int = 0) -> None:
    """Raise InvalidData for a report with violations; ``before`` says how many were there already."""
    if not report.conforms and not allow_invalid:
        already = f", {before} of them in the store before" if before else ""
        raise InvalidData(f"data does not conform to the shapes ({report.count('Violation')} violation(s){already})",
                          report)


# ---------------------------------------------------------------------------------------------
# opening a built store for queries


def is_store(path: str | Path) -> bool:
    """Whether ``path`` is a store folder (or one whose swap was cut short and can be put back)."""
    folder = Path(path)
    if not folder.exists():
        remove_stale(folder.expanduser().resolve())  # a build or update killed between the two renames
    return (folder / "manifest.json").is_file() and (folder / "main").is_dir()


def open_store(store_dir: str | Path) -> CoopGraph:
    """Open a built store, read-only, as the API object (:meth:`coopgraph.CoopGraph.from_store`).

    Named queries run on the store as it is: no re-parsing, no re-reasoning, no copy.
    """
    from coopgraph.graph import CoopGraph

    folder = Path(store_dir)
    if not is_store(folder):
        raise UsageError(f"{folder} is not a coopgraph store (no manifest.json); build one with "
                         "`coopgraph build --store DIR`")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return CoopGraph.from_store(ox.Store.read_only(str(folder / "main")), folder, manifest)


@dataclass
class StoreParts:
    """What a store is written from: the asserted quads, the inferred and the ontology triples.

    Kept by :func:`build_store` when asked (``keep=True``), so the published files are written
    from the statements as parsed: a store keeps a literal by its value (``"3"^^xsd:positiveInteger``
    comes back as ``"3"^^xsd:integer``), and a published file must say what its source said.
    """

    quads: list[ox.Quad]
    inferred: set[Triple]
    ontology: set[Triple]

    def to_rdflib(self) -> tuple[Dataset, Graph, Graph]:
        """The asserted evidence graphs, the inferred graph and the ontology as rdflib objects."""
        from coopgraph.query.library import from_oxigraph

        dataset, inferred, ontology = Dataset(default_union=True), Graph(), Graph()
        graphs: dict[object, Graph] = {}
        for q in self.quads:
            target = graphs.get(q.graph_name)
            if target is None:
                name = getattr(q.graph_name, "value", None)
                target = graphs[q.graph_name] = dataset.graph(URIRef(name)) if name else dataset.default_graph
            target.add((from_oxigraph(q.subject), from_oxigraph(q.predicate), from_oxigraph(q.object)))
        for triples, graph in ((self.inferred, inferred), (self.ontology, ontology)):
            for t in triples:
                graph.add((from_oxigraph(t[0]), from_oxigraph(t[1]), from_oxigraph(t[2])))
        return dataset, inferred, ontology


def read_parts(store: ox.Store) -> tuple[Dataset, Graph, Graph]:
    """A store's asserted evidence graphs, inferred graph and ontology, as rdflib objects.

    The rdflib view of :class:`CoopGraph` over a store. The default graph (the merge of the
    others) and the presentation graph (derived) are left out.
    """
    from coopgraph.namespaces import PRESENTATION_GRAPH

    parts = StoreParts([], set(), set())
    special = {str(INFERRED_GRAPH): parts.inferred, str(ONTOLOGY_GRAPH): parts.ontology}
    for q in store.quads_for_pattern(None, None, None, None):
        name = getattr(q.graph_name, "value", None)
        if name is None or name == str(PRESENTATION_GRAPH):
            continue
        target = special.get(name)
        if target is None:
            parts.quads.append(q)
        else:
            target.add((q.subject, q.predicate, q.object))
    return parts.to_rdflib()


# ---------------------------------------------------------------------------------------------
# incremental update


def _stores(store_dir: Path) -> tuple[ox.Store, ox.Store, ox.Store, dict]:
    manifest_path = store_dir / "manifest.json"
    if not manifest_path.is_file():
        raise UsageError(f"{store_dir} is not a coopgraph store (no manifest.json)")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if manifest.get("ontology") != _files_digest("ontology") or manifest.get("shapes") != _files_digest("shapes"):
        raise UsageError("the ontology or the shapes changed since the store was built: rebuild it "
                         "(`coopgraph build --store DIR`)")
    return (ox.Store(str(store_dir / "main")), ox.Store(str(store_dir / "validation")),
            ox.Store(str(store_dir / "closure")), manifest)


def _rules_from_stores(main: ox.Store, closure: ox.Store, folder: Path) -> fr.Rules:
    ontology = {_triple(q) for q in main.quads_for_pattern(None, None, None, ONTOLOGY)}
    onto_closure = {_triple(q) for q in closure.quads_for_pattern(None, None, None, ONTOLOGY_CLOSURE)}
    onto_closure |= ontology  # literal-subject triples of the ontology closure are only noise for rules
    return fr.rules_from_closure(ontology, onto_closure)


def _focus_of(triples: Iterable[Triple]) -> set[fr.Term]:
    return {x for t in triples for x in (t[0], t[2]) if not isinstance(x, ox.Literal)}


def _lock(target: Path) -> int:
    """Hold an exclusive lock on the store folder, so two updates never start from one state.

    The lock is on the folder itself (no lock file is left anywhere); since an update swaps in a
    new folder, a waiter that wakes up on the replaced one locks again on what is now there.
    """
    while True:
        fd = os.open(target, os.O_RDONLY)
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            if os.stat(target).st_ino == os.fstat(fd).st_ino:
                return fd
        except FileNotFoundError:
            pass
        os.close(fd)


def _copy_store(source: Path, copy: Path) -> None:
    """Copy a store folder: its three stores as consistent snapshots, and its other files."""
    for part in STORE_PARTS:
        # a RocksDB checkpoint: the immutable table files are hard-linked, so this is cheap
        ox.Store.read_only(str(source / part)).backup(str(copy / part))
    for item in source.iterdir():
        if item.name not in STORE_PARTS and item.is_file():
            shutil.copy2(item, copy / item.name)


def update_store(store_dir: str | Path, paths: Iterable[str | Path], *, allow_invalid: bool = False) -> StoreResult:
    """Add sources to a built store, or replace them if their graphs are already there.

    All or nothing: the files are read first, then the update is applied to a copy of the
    store, which is swapped in (as ``build --store`` swaps in a new store) only once it is
    complete and the data conforms to the shapes. Data that does not conform is refused with
    :class:`InvalidData` and nothing changes, as ``build --store`` refuses it, unless
    ``allow_invalid``. A kill at any moment leaves the store as it was before or as it is after;
    which one is recorded in ``manifest.json`` (its ``updates`` list).
    """
    files = [Path(p) for p in paths]
    shown = Path(store_dir)
    target = claim(store_dir, "store", STORE_NAMES, files, "manifest.json")
    if not (target / "manifest.json").is_file():
        raise UsageError(f"{shown} is not a coopgraph store (no manifest.json); build one with "
                         "`coopgraph build --store DIR`")
    quads = parse_quads(files)  # bad input fails here, before anything is copied or written
    fd = _lock(target)
    try:
        tmp = temp_folder(target, "store")
        try:
            t = time.perf_counter()
            before = _report_from_json((target / "validation.json").read_text(encoding="utf-8")).count("Violation")
            _copy_store(target, tmp)
            copied = time.perf_counter() - t
            result = _apply_update(tmp, quads, files)
            gc.collect()  # the copy's stores are closed before the folder is renamed
            _refuse_invalid(result.report, allow_invalid, before)
            t = time.perf_counter()
            replace_folder(tmp, target, "store", STORE_NAMES, "manifest.json")
            result.seconds = {"copy": round(copied, 3), **result.seconds, "swap": round(time.perf_counter() - t, 3)}
        except BaseException:
            gc.collect()
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    finally:
        os.close(fd)  # the lock goes with the descriptor, whatever happened
    result.store_dir = target
    return result


def _apply_update(store_dir: Path, quads: list[ox.Quad], paths: list[Path]) -> StoreResult:
    """Apply parsed quads to the store folder ``store_dir`` in place (a copy: see update_store)."""
    seconds: dict[str, float] = {}
    t = time.perf_counter()
    main, validation, closure, manifest = _stores(store_dir)
    graphs = {q.graph_name for q in quads if not isinstance(q.graph_name, ox.DefaultGraph)}
    existing = {g for g in graphs if main.contains_named_graph(g)}
    rules = _rules_from_stores(main, closure, store_dir)
    t = _timed(seconds, "load", t)
    if existing:
        for g in existing:
            main.remove_graph(g)
            validation.remove_graph(g)
        main.extend(quads)
        validation.extend(quads)
        asserted = {_triple(q) for q in validation.quads_for_pattern(None, None, None, None)
                    if q.graph_name != fv.INOCULATED_GRAPH}
        report = fv.validate_store(validation)
        t = _timed(seconds, "validate", t)
        result = fr.reason_triples(asserted, rules)
        main.clear_graph(INFERRED)
        main.extend(ox.Quad(*x, INFERRED) for x in result.inferred)
        closure.clear_graph(ox.DefaultGraph())
        _save_closure(closure, store_dir, set(), result.noise - rules.ontology_closure)
        _save_closure(closure, store_dir, {x for x in rules.ontology_closure if isinstance(x[0], ox.Literal)},
                      set(), append=True)
        n_inferred, mode = len(result.inferred), "replace"
        manifest["triples_asserted"] = len(asserted)
        t = _timed(seconds, "reason", t)
    else:
        incoming = {_triple(q) for q in quads}
        was_inferred = {x for x in incoming if next(iter(main.quads_for_pattern(*x, INFERRED)), None) is not None}
        was_asserted = {x for x in incoming if any(q.graph_name not in (INFERRED, ONTOLOGY)
                                                   and not isinstance(q.graph_name, ox.DefaultGraph)
                                                   for q in main.quads_for_pattern(*x, None))}
        new = {x for x in incoming - was_asserted
               if x in was_inferred or next(iter(main.quads_for_pattern(*x, None)), None) is None}
        main.extend(quads)
        main.extend(list(defaultgraph.copies(quads)))
        validation.extend(quads)
        focus = _focus_of(incoming - was_asserted)
        old = _report_from_json((store_dir / "validation.json").read_text(encoding="utf-8"))
        names = {fv._name(x) for x in focus}
        fresh = fv.validate_store(validation, focus=focus)
        report = ValidationReport(sorted([r for r in old.results if r.focus not in names] + fresh.results,
                                         key=lambda r: (fv._SEVERITY_ORDER.get(r.severity, 9), r)))
        t = _timed(seconds, "validate", t)
        for x in incoming - was_asserted:  # asserted now: a full rebuild would not list them as inferred
            main.remove(ox.Quad(*x, INFERRED))
            closure.remove(ox.Quad(*x, ox.DefaultGraph()))
        keep, noise = fr.reason_delta([main, closure], new, rules, extra=_literal_subjects(store_dir))
        main.extend(ox.Quad(*x, INFERRED) for x in keep)
        main.extend(ox.Quad(*x, defaultgraph.DEFAULT) for x in keep)
        _save_closure(closure, store_dir, set(), noise, append=True)
        n_inferred = manifest.get("triples_inferred", 0) + len(keep) - len(was_inferred - was_asserted)
        manifest["triples_asserted"] = manifest.get("triples_asserted", 0) + len(incoming - was_asserted)
        mode = "add"
        t = _timed(seconds, "reason", t)
    # the default graph is the merge of the graphs (coopgraph.build.defaultgraph): an added source's
    # triples were merged as they were written; replaced graphs, or a store written before the
    # merge was stored (format 1), have it made anew, before the presentation graph, which reads it
    if existing or manifest.get("format", 1) < 2:
        defaultgraph.rebuild(main)
        manifest["format"] = STORE_FORMAT
    presentation.refresh(main, None if existing else [*quads, *keep], merged=True)
    for st in (main, validation, closure):
        st.flush()
    manifest["files"] = sorted(set(manifest["files"]) | {str(Path(p).resolve()) for p in paths})
    manifest.setdefault("updates", []).append(
        {"files": [str(Path(p).resolve()) for p in paths], "mode": mode,
         "triples_asserted": manifest["triples_asserted"], "triples_inferred": n_inferred})
    manifest["triples_inferred"] = n_inferred
    (store_dir / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    (store_dir / "validation.json").write_text(_report_to_json(report), encoding="utf-8")
    _timed(seconds, "write", t)
    return StoreResult(store_dir, manifest["triples_asserted"], n_inferred, report, mode, seconds)


def store_quads(store_dir: str | Path, graph: ox.NamedNode | None = None) -> Iterator[ox.Quad]:
    """Quads of the main store (one graph or all), for tests and exports."""
    store = ox.Store.read_only(str(Path(store_dir) / "main"))
    yield from store.quads_for_pattern(None, None, None, graph)
