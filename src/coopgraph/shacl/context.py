"""Validation in context: a new file checked together with the graph it joins.

A new source file reuses entities (``ag:stameq``) that are typed and labelled only in other
files; validated alone, every shape that needs a type or a label on them fails, and the report
is mostly false alarms. Here the new quads are validated merged with the data they join, and
the report keeps only the results about nodes the new quads mention, each naming the passage
(the named graph, with its line or locator) that states the fact, so the curator knows which
fact to fix. Both ``coopgraph validate FILE`` and ``coopgraph merge`` call
:func:`validate_joined`; the SHACL engine is :func:`coopgraph.shacl.validate.validate` (the fast one
by default, pySHACL with ``reference=True``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from rdflib import Dataset, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.term import Node

from coopgraph.load import data_files, display_path, load_dataset, rdflib_quads, read_quads
from coopgraph.namespaces import CG, ID, PREFIXES, RDF, bind_prefixes
from coopgraph.shacl.validate import ValidationReport, validate

Quad = tuple[Node, Node, Node, Node]


def file_quads(path: Path) -> list[Quad]:
    """The quads of one data file, read by the one reader every command uses (errors located)."""
    return list(rdflib_quads(path, read_quads(path)))


def context_files(new: Iterable[Path], data_dir: Path | None = None) -> list[Path]:
    """The files a new file joins: every data file of ``data_dir`` (default: the project's data
    folder, the one ``coopgraph build`` reads) except the new files themselves."""
    files = data_files(data_dir)
    mine = {Path(p).resolve() for p in new}
    return [f for f in files if f.resolve() not in mine]


def validate_joined(
    new: Mapping[str, Sequence[Quad]],
    context: Sequence[Path],
    *,
    reference: bool = False,
) -> ValidationReport:
    """Validate the quads of ``new`` (file name as shown -> its quads) merged with ``context``.

    Only results whose focus node the new quads mention are kept: a problem of the data it
    joins is not the new file's to fix (``coopgraph validate`` with no file reports those).
    Each kept result names the passages of the new quads that state something of its focus
    (``ValidationResult.passages``).
    """
    origins: dict[Node, set[str]] = {}
    dataset = load_dataset(context, origins=origins) if context else Dataset(default_union=True)
    bind_prefixes(dataset)
    mentioned: dict[Node, set[str]] = {}
    stated: dict[tuple[Node, Node | None], set[Node]] = {}
    triples: dict[tuple[Node, Node, Node], set[Node]] = {}
    for shown, quads in new.items():
        for s, p, o, g in quads:
            dataset.graph(g).add((s, p, o))
            origins.setdefault(s, set()).add(shown)
            for node in (s, o):
                if isinstance(node, URIRef):
                    mentioned.setdefault(node, set()).add(shown)
            if g != DATASET_DEFAULT_GRAPH_ID:
                triples.setdefault((s, p, o), set()).add(g)
                stated.setdefault((s, p), set()).add(g)
                stated.setdefault((s, None), set()).add(g)
                stated.setdefault((o, RDF.nil), set()).add(g)  # (node, nil): it is an object there
    report = validate(dataset, origins=origins, reference=reference)
    shown_names = set(new)
    kept = []
    for r in report.results:
        focus = _expand(r.focus)
        if focus is None or not (mentioned.get(focus, set()) & shown_names):
            continue
        path = _expand(r.path) if r.path else None
        value = _expand(r.value) if r.value and path else None
        graphs = (triples.get((focus, path, value)) if value is not None else None) or stated.get((focus, path)) \
            or stated.get((focus, None)) or stated.get((focus, RDF.nil)) or set()
        files = tuple(sorted(set(r.files) | (mentioned.get(focus, set()) & shown_names)))
        kept.append(replace(r, files=files, passages=tuple(sorted(passage_name(dataset, g) for g in graphs))))
    return ValidationReport(kept, engine=report.engine)


def validate_files(
    paths: Sequence[Path], data_dir: Path | None = None, *, reference: bool = False
) -> ValidationReport:
    """``coopgraph validate FILE…``: the files checked together with the data they join."""
    new = {display_path(p): file_quads(Path(p)) for p in paths}
    return validate_joined(new, context_files(paths, data_dir), reference=reference)


def passage_name(dataset: Dataset, graph: Node) -> str:
    """``evidence/{slug}/L8 (line 8)``: a passage graph as a curator finds it in the file."""
    text = str(graph)
    short = text[len(str(ID)):] if text.startswith(str(ID)) else text
    where = dataset.value(graph, CG.locator) or dataset.value(graph, CG.line)
    if isinstance(where, Literal):
        value = str(where)
        return f"{short} ({value if not value.isdigit() else 'line ' + value})"
    return short


def _expand(text: str) -> URIRef | None:
    """The IRI of a result's focus or path as the report prints it (a CURIE or a full IRI)."""
    prefix, _, local = text.partition(":")
    if prefix in PREFIXES and not local.startswith("//"):
        return URIRef(PREFIXES[prefix] + local)
    if "://" in text or text.startswith("urn:"):
        return URIRef(text)
    return None
