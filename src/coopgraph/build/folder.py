"""Build a build folder: the store every command reads, and the published files beside it.

Every output is written by the deterministic writers in :mod:`coopgraph.serialize`, so the same
input always gives byte-identical files. Outputs are written to a temporary folder beside the
target and swapped in only when all of them exist, so a failed build (bad syntax, invalid
data, a crash) never leaves a half-written or mixed output folder behind.
"""

from __future__ import annotations

import os
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from coopgraph import __version__
from coopgraph.errors import InvalidData
from coopgraph.load import data_files, load_dataset, load_ontology, load_shapes
from coopgraph.load import data_paths as data_paths_to_read
from coopgraph.resources import resource_dir
from coopgraph.build.outputs import claim, replace_folder, temp_folder
from coopgraph.namespaces import CG, DCAT, DCTERMS, ID, INFERRED_GRAPH, ONTOLOGY, OWL, RDF, VOID, XSD, curie, slugify
from coopgraph.rules.reason import reason
from coopgraph.build import ontology_doc
from coopgraph.serialize import to_jsonld, to_ntriples, to_trig, to_turtle
from coopgraph.shacl.validate import ValidationReport, validate

Progress = Callable[[str], None]

DEFAULT_OUT = "build"
DATASET_IRI = ID["dataset/coopgraph"]
#: Where the files of a build are published: void.ttl names each by an absolute IRI under it, so
#: every tool reads it alike (a relative IRI with no @base is refused by Oxigraph and made a
#: file path of the reading machine by rdflib).
DOWNLOAD_BASE = "https://w3id.org/coopgraph/download/"
LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")

# file name -> (media type, description); void.ttl describes all the others.
OUTPUTS: dict[str, tuple[str, str]] = {
    "coopgraph.ttl": ("text/turtle", "Asserted data, all graphs merged"),
    "coopgraph-inferred.ttl": ("text/turtle", "Triples inferred by OWL 2 RL reasoning only"),
    "coopgraph-closure.nt": ("application/n-triples", "Asserted and inferred triples"),
    "coopgraph.jsonld": ("application/ld+json", "Asserted data as JSON-LD"),
    "coopgraph.trig": ("application/trig", "Asserted data in per-evidence named graphs, plus the inferred graph"),
    "ontology.ttl": ("text/turtle", "Ontology and SKOS vocabularies"),
    "ontology.html": ("text/html", "Ontology documentation: every term with its labels and comments (works offline)"),
    "validation.txt": ("text/plain", "SHACL validation report"),
    "validation.ttl": ("text/turtle", "SHACL validation report"),
}

#: The build's store, which every command reads (the published files beside it say the same statements).
STORE = "store"
#: Every name a build folder holds: what a folder written before markers existed may contain.
BUILD_NAMES = frozenset({*OUTPUTS, "void.ttl", STORE})


@dataclass
class BuildResult:
    """What a build produced, for the CLI summary and for callers that check numbers."""

    out_dir: Path | None
    triples_asserted: int
    triples_inferred: int
    entities_per_class: dict[str, int]
    sources: int
    conforms: bool
    report: ValidationReport
    findings: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    dataset: Dataset | None = field(default=None, repr=False)
    inferred: Graph | None = field(default=None, repr=False)
    ontology: Graph | None = field(default=None, repr=False)

    def summary(self) -> str:
        lines = [
            f"triples asserted: {self.triples_asserted}",
            f"triples inferred: {self.triples_inferred}",
            f"sources: {self.sources}",
            f"conforms: {'yes' if self.conforms else 'no'}",
            "entities per class:",
            *(f"  {cls}: {n}" for cls, n in self.entities_per_class.items()),
        ]
        lines += [f"finding: {f}" for f in self.findings]
        if self.out_dir is not None:
            lines.append(f"written to: {self.out_dir}")
        return "\n".join(lines) + "\n"


def union(dataset: Dataset) -> Graph:
    """All asserted triples in one plain Graph (the view shapes, reasoner and writers need)."""
    g = Graph()
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        g.add((s, p, o))
    return g


def entities_per_class(graph: Graph) -> dict[str, int]:
    """Count subjects by their asserted class; sorted by count then name for stable output."""
    counts = Counter(curie(str(o)) or str(o) for _, o in graph.subject_objects(RDF.type))
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


@contextmanager
def _timed(seconds: dict[str, float], step: str, progress: Progress | None) -> Iterator[None]:
    if progress:
        progress(f"{step}...")
    start = time.perf_counter()
    yield
    seconds[step] = round(time.perf_counter() - start, 3)
    if progress:
        progress(f"{step}: {seconds[step]:.2f}s")


def compute(
    data_paths: Iterable[str | Path] | None = None,
    curation: bool = True,
    progress: Progress | None = None,
    reasoning: bool = True,
    reference: bool = False,
) -> BuildResult:
    """Load, validate and reason in memory; raise :class:`InvalidData` if shapes are violated.

    The project's SHACL and OWL 2 RL engines run, which give pySHACL's and owlrl's results
    (tests/test_scale.py holds them to it); ``reference`` runs pySHACL and owlrl themselves.
    """
    seconds: dict[str, float] = {}
    origins: dict = {}
    with _timed(seconds, "load", progress):
        ontology = load_ontology()
        shapes = load_shapes()
        dataset = load_dataset(data_paths, curation=curation, origins=origins)
        asserted = union(dataset)
    with _timed(seconds, "validate", progress):
        report = validate(asserted, shapes=shapes, ontology=ontology, origins=origins, reference=reference)
    if not report.conforms:
        raise InvalidData(f"data does not conform to the shapes ({report.count('Violation')} violation(s))", report)
    with _timed(seconds, "reason", progress):
        result = reason(asserted, ontology, reference=reference) if reasoning else None
    return BuildResult(
        out_dir=None,
        triples_asserted=len(asserted),
        triples_inferred=len(result.inferred) if result else 0,
        entities_per_class=entities_per_class(asserted),
        sources=len(set(asserted.subjects(RDF.type, CG.SourceDocument))),
        conforms=report.conforms,
        report=report,
        findings=result.findings if result else [],
        seconds=seconds,
        dataset=dataset,
        inferred=result.inferred if result else Graph(),
        ontology=ontology,
    )


def is_current(out_dir: str | Path = DEFAULT_OUT) -> bool:
    """True when a finished build is newer than every data, ontology and shapes file.

    Lets read-only commands reuse the build instead of validating and reasoning again, without
    ever answering from a build that predates an edit.
    """
    built = Path(out_dir) / "coopgraph.trig"
    if not built.is_file():
        return False
    inputs = list(data_files())
    for kind in ("ontology", "shapes"):
        folder = resource_dir(kind)
        if folder.is_dir():
            inputs.extend(p for p in folder.iterdir() if p.is_file())
    newest = max((p.stat().st_mtime for p in inputs), default=0.0)
    return built.stat().st_mtime >= newest


def build(
    data_paths: Iterable[str | Path] | None = None,
    out_dir: str | Path = DEFAULT_OUT,
    curation: bool = True,
    progress: Progress | None = None,
    reference: bool = False,
) -> BuildResult:
    """Build the store and the published files into ``out_dir``, replacing it only on success.

    One pipeline whatever the size: the data is parsed, validated, reasoned and written to an
    Oxigraph store (``out_dir/store``, :func:`coopgraph.build.store.build_store`), which every
    later command reads; the published files are written from the same parsed and inferred
    statements (not read back from the store, which keeps a literal by its value:
    ``"3"^^xsd:positiveInteger`` would come back as an ``xsd:integer``). ``reference`` also runs
    pySHACL and owlrl, and the published report and inferred graph are theirs (equal to the
    project engines' on the project's data: tests/test_scale.py).

    ``out_dir`` must be new, empty or a build folder (:func:`coopgraph.build.outputs.claim`); anything
    else is refused before the data is even loaded.
    """
    from coopgraph.rules.engine import UnsupportedAxiom
    from coopgraph.shacl.engine import UnsupportedShape
    from coopgraph.build.store import build_store

    files = data_paths_to_read(data_paths)  # none at all is refused, naming the folder it looked in
    out = claim(out_dir, "build", BUILD_NAMES, files, "void.ttl")
    tmp = temp_folder(out, "build")
    try:
        start = time.perf_counter()
        try:
            stored = build_store(files, tmp / STORE, progress=False, curation=curation, keep=not reference,
                                 locate=True)
        except (UnsupportedShape, UnsupportedAxiom) as e:
            # shapes or an ontology the project's engines do not run: pySHACL and owlrl make the
            # published files, and commands read those (a build folder without a store)
            if progress:
                progress(f"{e}; building with pySHACL and owlrl, without a store")
            stored, reference = None, True
        if reference:
            result = compute(files, curation=curation, progress=progress, reference=True)
        else:
            assert stored is not None and stored.parts is not None
            dataset, inferred, ontology = stored.parts.to_rdflib()
            asserted = union(dataset)
            result = BuildResult(
                out_dir=None, triples_asserted=stored.triples_asserted, triples_inferred=stored.triples_inferred,
                entities_per_class=entities_per_class(asserted),
                sources=len(set(asserted.subjects(RDF.type, CG.SourceDocument))), conforms=stored.conforms,
                report=stored.report, findings=stored.findings, seconds=dict(stored.seconds),
                dataset=dataset, inferred=inferred, ontology=ontology)
        if progress and stored is not None:
            progress(f"store: {time.perf_counter() - start:.2f}s")
        with _timed(result.seconds, "write files", progress):
            for name, text in _render(result, None if reference else asserted).items():
                (tmp / name).write_bytes(text.encode("utf-8"))
            os.chmod(tmp, 0o755)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    replace_folder(tmp, out, "build", BUILD_NAMES, "void.ttl")
    result.out_dir = out
    if progress:
        for finding in result.findings:
            progress(f"finding: {finding}")
    return result


def _render(result: BuildResult, asserted: Graph | None = None) -> dict[str, str]:
    """Every published file's text; ``asserted`` is the union of the asserted graphs if known."""
    assert result.dataset is not None and result.inferred is not None and result.ontology is not None
    asserted = union(result.dataset) if asserted is None else asserted
    closure = set(asserted) | set(result.inferred)  # the writer sorts: no Graph needed to merge
    graphs: dict = {}
    for s, p, o, g in result.dataset.quads((None, None, None, None)):
        name = None if g in (None, DATASET_DEFAULT_GRAPH_ID) else g
        graphs.setdefault(name, []).append((s, p, o))
    graphs[INFERRED_GRAPH] = list(result.inferred)
    header = f"# coopgraph {__version__}: generated by `coopgraph build`; do not edit.\n"
    files = {
        "coopgraph.ttl": to_turtle(asserted, header=header),
        "coopgraph-inferred.ttl": to_turtle(result.inferred, header=header),
        "coopgraph-closure.nt": to_ntriples(closure),
        "coopgraph.jsonld": to_jsonld(asserted),
        "coopgraph.trig": to_trig(graphs, header=header),
        "ontology.ttl": to_turtle(result.ontology, header=header),
        "ontology.html": ontology_doc.to_html(result.ontology),
        "validation.txt": result.report.to_text(),
        "validation.ttl": result.report.to_turtle(),
    }
    files["void.ttl"] = to_turtle(_void(result, asserted, files), header=header)
    return files


def _void(result: BuildResult, asserted: Graph, files: dict[str, str]) -> Graph:
    """VoID + DCAT description; no timestamps, so it stays as deterministic as the data."""
    g = Graph()
    d = DATASET_IRI
    typed = {s for s in asserted.subjects(RDF.type, None)}
    g.add((d, RDF.type, VOID.Dataset))
    g.add((d, RDF.type, DCAT.Dataset))
    g.add((d, DCTERMS.title, Literal("coopgraph", lang="en")))
    g.add((d, DCTERMS.description, Literal(
        "Knowledge graph of standards-cooperation actors, each fact traceable to its source.", lang="en")))
    g.add((d, DCTERMS.license, LICENSE))
    g.add((d, URIRef(str(DCAT) + "version"), Literal(__version__)))  # DCAT 3; rdflib's DCAT is 2
    g.add((d, OWL.versionInfo, Literal(__version__)))
    g.add((d, VOID.vocabulary, ONTOLOGY))
    g.add((d, VOID.triples, Literal(len(asserted), datatype=XSD.integer)))
    g.add((d, VOID.entities, Literal(len(typed), datatype=XSD.integer)))
    g.add((d, VOID.classes, Literal(len(result.entities_per_class), datatype=XSD.integer)))
    g.add((d, VOID.distinctSubjects, Literal(len(set(asserted.subjects())), datatype=XSD.integer)))
    for src in asserted.subjects(RDF.type, CG.SourceDocument):
        g.add((d, DCTERMS.source, src))
    for cls in set(asserted.objects(None, RDF.type)):
        part = ID[f"dataset/coopgraph/class/{slugify(curie(str(cls)) or str(cls))}"]
        g.add((d, VOID.classPartition, part))
        g.add((part, VOID["class"], cls))
        g.add((part, VOID.entities, Literal(len(set(asserted.subjects(RDF.type, cls))), datatype=XSD.integer)))
    for name, text in files.items():
        media, title = OUTPUTS[name]
        dist = ID[f"dataset/coopgraph/distribution/{name.replace('.', '-')}"]
        g.add((d, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCTERMS.title, Literal(title, lang="en")))
        g.add((dist, DCAT.downloadURL, URIRef(DOWNLOAD_BASE + name)))
        g.add((dist, DCAT.mediaType, Literal(media)))
        g.add((dist, DCAT.byteSize, Literal(len(text.encode("utf-8")), datatype=XSD.integer)))
        g.add((dist, DCTERMS.license, LICENSE))
    return g
