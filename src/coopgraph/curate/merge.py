"""Merging a reviewed draft: its accepted facts become ``data/{slug}.trig``.

The file is written in the layout every data file has (docs/model.md): the source graph with
the document and the passages the kept facts cite, then one graph per passage holding its
accepted and corrected facts, replaced entities rewritten (:meth:`coopgraph.curate.draft.Draft.kept_quads`).
Before anything is written the new file is validated together with the data it joins
(:func:`coopgraph.shacl.context.validate_joined`); a file that does not conform is refused
with the report, each violation naming its passage, and nothing is written. A draft edited into
a state merge cannot honour (a kept fact using an entity whose link was rejected, a corrected
link with no replacement, nothing accepted) is a :class:`~coopgraph.curate.draft.DraftError`, exit 2.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from coopgraph.curate.draft import CGD, KEPT, Draft, DraftError, Triple, data_prefixes, entities_of, read_draft
from coopgraph.errors import InvalidData, UsageError
from coopgraph.namespaces import CG, RDF
from coopgraph.shacl.validate import ValidationReport

_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


@dataclass
class MergeResult:
    """What a merge wrote (or, with ``dry_run``, would write) and how it validated."""

    path: Path
    facts: int
    passages: int
    skipped: dict[str, int]
    report: ValidationReport
    context_files: int
    written: bool

    def summary(self) -> str:
        """Two lines for the terminal: what was written, and the validation verdict."""
        left = ", ".join(f"{n} {d}" for d, n in self.skipped.items() if n) or "none"
        verb = "wrote" if self.written else "would write"
        from coopgraph.load import display_path

        return (f"{verb} {display_path(self.path)}: {self.facts} facts in {self.passages} passage graphs "
                f"(not written: {left})\n"
                f"validated with the {self.context_files} data files it joins: {self.report.summary()}\n")


def check(draft: Draft) -> None:
    """Refuse a draft whose decisions merge cannot honour; the message says what to change."""
    if not _SLUG.fullmatch(draft.slug):  # it names the file written: no folder, no "..", the IRI rule's letters
        raise DraftError(f"draft {draft.slug!r}: a source slug is lower-case letters, digits and '-' "
                         f"(docs/model.md), so it cannot name the data file")
    kept = [f for f in draft.facts if f.decision in KEPT]
    if not kept:
        raise DraftError(f"draft {draft.slug}: nothing to merge: no fact is accepted or corrected "
                         f"(run `coopgraph review` first)")
    for link in draft.links:
        if link.decision == "corrected" and link.replaced_by is None:
            raise DraftError(f"draft {draft.slug}: link {link.key} is corrected but names no cgd:replacedBy entity")
    linked: dict[URIRef, list[str]] = {}
    for link in draft.links:
        linked.setdefault(link.entity, []).append(link.decision)
    refused = {e for e, decisions in linked.items() if all(d == "rejected" for d in decisions)}
    for fact in kept:
        if not fact.triples:
            raise DraftError(f"draft {draft.slug}: fact {fact.key} is {fact.decision} but has no triples")
        for s, p, o in fact.triples:
            if isinstance(s, BNode) or isinstance(o, BNode):
                raise DraftError(f"draft {draft.slug}: fact {fact.key} has a blank node; data/ has none")
            if str(p).startswith(str(CGD)):
                raise DraftError(f"draft {draft.slug}: fact {fact.key} uses the draft vocabulary ({p})")
        for entity in sorted(entities_of(fact.triples) & refused):
            keys = ", ".join(m.key for m in draft.links if m.entity == entity)
            raise DraftError(f"draft {draft.slug}: fact {fact.key} is {fact.decision} but uses {entity}, "
                             f"whose link ({keys}) was rejected: replace the link's entity or reject the fact")


#: With --without-text, a literal that repeats this many characters of a passage's words is the
#: source's text, not a fact about it (a commitment's cg:text drafted from its sentence).
COPIED_RUN = 60


def copied_text(draft: Draft, graphs: dict[Node, list[Triple]]) -> list[str]:
    """Where the merged facts repeat a passage's words (``COPIED_RUN`` characters or more):
    one line per literal, naming its fact's passage. The project's rule for sources it does not
    own is facts, URL and locator only, so merge --without-text refuses these."""
    quotes = {s: str(o) for s, p, o in draft.source_triples if p == CG.quote}
    found = []
    for graph, triples in graphs.items():
        if graph == draft.source:
            continue
        quote = quotes.get(graph, "")
        for s, p, o in triples:
            text = str(o) if isinstance(o, Literal) else ""
            if len(text) >= COPIED_RUN and any(
                text[i:i + COPIED_RUN] in quote for i in range(len(text) - COPIED_RUN + 1)
            ):
                found.append(f"{graph}: {curie_or(p)} repeats the passage's words ({text[:50]}...)")
    return found


def curie_or(iri: Node) -> str:
    from coopgraph.namespaces import curie

    return curie(str(iri)) or str(iri)


def merged_graphs(draft: Draft, *, with_text: bool = True) -> dict[Node, list[Triple]]:
    """Graph name -> triples of the data file: the source graph (the document and the passages
    the kept facts cite; without ``cg:quote`` unless ``with_text``) and one graph per passage."""
    cited = {f.evidence for f in draft.facts if f.decision in KEPT}
    passages = {s for s, p, o in draft.source_triples if p == RDF.type and o == CG.Evidence}
    graphs: dict[Node, set[Triple]] = {}
    for s, p, o, g in draft.kept_quads():
        if g == draft.source:
            if s in passages and s not in cited:
                continue
            if p == CG.quote and not with_text:
                continue
        graphs.setdefault(g, set()).add((s, p, o))
    return {g: sorted(t) for g, t in graphs.items()}


def render(draft: Draft, graphs: dict[Node, list[Triple]], *, with_text: bool = True) -> str:
    """The data file's text: deterministic TriG with the data prefixes and a header saying
    where it came from."""
    from coopgraph.serialize import to_trig

    text = "the passages' exact words (cg:quote)" if with_text else "no text of the source (facts, URL and locators only)"
    header = (f"# {draft.source}: merged by `coopgraph merge` from the reviewed draft {draft.slug}.\n"
              f"# One named graph per passage; the source graph describes the document and its passages, "
              f"with {text}.\n")
    return to_trig(graphs, data_prefixes(draft.slug), header=header, first=[draft.source])


def merge(
    draft_path: str | Path,
    data_dir: str | Path | None = None,
    *,
    with_text: bool = True,
    force: bool = False,
    dry_run: bool = False,
    reference: bool = False,
) -> MergeResult:
    """Write the draft's kept facts as ``{data_dir}/{slug}.trig`` if they conform in context.

    ``data_dir`` defaults to the data folder ``coopgraph build`` reads. An existing file is
    replaced only with ``force`` (it is then left out of the context). Raises DraftError (exit
    2) for a draft merge cannot honour, UsageError (exit 2) for a file in the way, and
    InvalidData (exit 1, carrying the report) when the result does not conform; in each case
    nothing is written.
    """
    from coopgraph.load import display_path, rdflib_quads, read_text
    from coopgraph.resources import resource_dir
    from coopgraph.shacl.context import context_files, validate_joined

    path = Path(draft_path)
    read_text(path)  # a missing, folder or non-UTF-8 draft: the loader's one-line error
    draft = read_draft(path)
    check(draft)
    folder = Path(resource_dir("data") if data_dir is None else data_dir)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder} is not a folder")
    target = folder / f"{draft.slug}.trig"
    if target.exists() and not force:
        raise UsageError(f"{display_path(target)} exists: merge writes a new source file; pass --force to replace it")
    graphs = merged_graphs(draft, with_text=with_text)
    if not with_text and (copies := copied_text(draft, graphs)):
        raise DraftError(f"draft {draft.slug}: --without-text, but kept facts repeat the source's words "
                         f"(paraphrase them with `coopgraph review --correct`): " + "; ".join(copies))
    text = render(draft, graphs, with_text=with_text)
    import pyoxigraph as ox

    quads = list(rdflib_quads(target, ox.parse(text.encode("utf-8"), format=ox.RdfFormat.TRIG)))
    context = context_files([target], folder)
    report = validate_joined({display_path(target): quads}, context, reference=reference)
    kept = [f for f in draft.facts if f.decision in KEPT]
    skipped = {d: sum(1 for f in draft.facts if f.decision == d) for d in ("rejected", "pending")}
    result = MergeResult(target, len(kept), len({f.evidence for f in kept}), skipped, report, len(context), False)
    if not report.conforms:
        raise InvalidData(f"{display_path(target)} not written: the merged facts do not conform "
                          f"({report.count('Violation')} violation(s) above, each with its passage)", report)
    if dry_run:
        return result
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{draft.slug}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(tmp, 0o644)  # a data file like the others (mkstemp makes it 0600)
        if target.exists() and not force:  # appeared while validating
            raise UsageError(f"{target} exists: pass --force to replace it")
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    result.written = True
    return result
