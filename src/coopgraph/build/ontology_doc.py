"""The ontology's documentation page (``build/ontology.html``), generated from the ontology itself.

Every ``cg:`` term the ontology declares gets an entry with its kind, its English and
Vietnamese labels and comments, and its axioms (super-classes and -properties, domain, range,
inverse, characteristics), each linked to its entry or, for a reused vocabulary, shown as a
CURIE. The page is generated, never written by hand, so it cannot drift from the ontology; it
is one file with its style inline and no script or remote resource, so it works offline and
under the server's Content-Security-Policy. Every text is HTML-escaped: labels are data.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS

from coopgraph.namespaces import CG, ONTOLOGY, curie

#: Kinds in the order the page lists them: (rdf:type, heading).
KINDS = (
    (OWL.Class, "Classes"),
    (OWL.ObjectProperty, "Object properties"),
    (OWL.DatatypeProperty, "Datatype properties"),
    (OWL.AnnotationProperty, "Annotation properties"),
)
_CHARACTERISTICS = (OWL.FunctionalProperty, OWL.InverseFunctionalProperty, OWL.TransitiveProperty,
                    OWL.SymmetricProperty, OWL.AsymmetricProperty, OWL.ReflexiveProperty, OWL.IrreflexiveProperty)
_AXIOMS = (
    (RDFS.subClassOf, "subclass of"),
    (OWL.equivalentClass, "equivalent to"),
    (OWL.disjointWith, "disjoint with"),
    (RDFS.subPropertyOf, "subproperty of"),
    (OWL.inverseOf, "inverse of"),
    (RDFS.domain, "domain"),
    (RDFS.range, "range"),
)
LANGUAGES = ("en", "vi")
_STYLE = """
body{font:15px/1.5 system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em;color:#222}
h1{margin-bottom:.2em} h2{border-bottom:1px solid #ccc;margin-top:2em}
section.term{border-left:3px solid #ddd;padding:.2em 1em;margin:1em 0}
section.term:target{border-left-color:#c60;background:#fff8f0}
h3{margin:.2em 0;font-size:1.05em} code{font-size:.95em}
dl{display:grid;grid-template-columns:9em 1fr;gap:.1em 1em;margin:.4em 0}
dt{color:#666} dd{margin:0} .vi{color:#444} nav a{margin-right:.6em}
"""


def terms(ontology: Graph) -> list[URIRef]:
    """The ``cg:`` terms the ontology declares (a class or a property), sorted by name."""
    declared = {t for kind, _ in KINDS for t in ontology.subjects(RDF.type, kind)}
    return sorted((t for t in declared if isinstance(t, URIRef) and str(t).startswith(str(CG))), key=str)


def _local(term: URIRef) -> str:
    return str(term)[len(str(CG)):]


def _texts(ontology: Graph, term: URIRef, prop: URIRef, lang: str) -> list[str]:
    return sorted(str(o) for o in ontology.objects(term, prop) if isinstance(o, Literal) and o.language == lang)


def _ref(node: object) -> str:
    """A link to the entry of a cg: term, else the term's CURIE (or IRI) as code."""
    if isinstance(node, URIRef) and str(node).startswith(str(CG)):
        return f'<a href="#{html.escape(_local(node))}"><code>cg:{html.escape(_local(node))}</code></a>'
    if isinstance(node, URIRef):
        return f"<code>{html.escape(curie(str(node)) or str(node))}</code>"
    return "<code>(an anonymous class expression)</code>"


def _entry(ontology: Graph, term: URIRef, kind: str) -> str:
    name = _local(term)
    rows: list[tuple[str, str]] = [("IRI", f"<code>{html.escape(str(term))}</code>")]
    for lang in LANGUAGES:
        for text in _texts(ontology, term, RDFS.label, lang):
            rows.append((f"label ({lang})", f'<span lang="{lang}" class="{lang}">{html.escape(text)}</span>'))
    for lang in LANGUAGES:
        for text in _texts(ontology, term, RDFS.comment, lang):
            rows.append((f"comment ({lang})", f'<span lang="{lang}" class="{lang}">{html.escape(text)}</span>'))
    traits = [curie(str(t)) or str(t) for t in sorted(ontology.objects(term, RDF.type), key=str)
              if t in _CHARACTERISTICS]
    if traits:
        rows.append(("characteristics", ", ".join(f"<code>{html.escape(t)}</code>" for t in traits)))
    for prop, heading in _AXIOMS:
        values = sorted(ontology.objects(term, prop), key=str)
        if values:
            rows.append((heading, ", ".join(_ref(v) for v in values)))
    body = "".join(f"<dt>{html.escape(k)}</dt><dd>{v}</dd>" for k, v in rows)
    return (f'<section class="term" id="{html.escape(name)}"><h3><code>cg:{html.escape(name)}</code> '
            f"<small>({html.escape(kind)})</small></h3><dl>{body}</dl></section>\n")


def _first(ontology: Graph, prop: URIRef, lang: str) -> str:
    texts = _texts(ontology, ONTOLOGY, prop, lang)
    return texts[0] if texts else ""


def to_html(ontology: Graph) -> str:
    """The documentation page of ``ontology`` (the build's ontology.ttl graph), deterministic."""
    listed = terms(ontology)
    sections: list[str] = []
    nav: list[str] = []
    seen: set[URIRef] = set()
    for kind, heading in KINDS:
        members = [t for t in listed if (t, RDF.type, kind) in ontology and t not in seen]
        if not members:
            continue
        seen.update(members)
        anchor = heading.lower().replace(" ", "-")
        nav.append(f'<a href="#{anchor}">{html.escape(heading)} ({len(members)})</a>')
        singular = heading[:-3] + "y" if heading.endswith("ies") else heading[:-1]
        entries = "".join(_entry(ontology, t, singular.lower()) for t in members)
        sections.append(f'<h2 id="{anchor}">{html.escape(heading)}</h2>\n{entries}')
    title = _first(ontology, DCTERMS.title, "en") or "coopgraph ontology"
    version = next((str(v) for v in ontology.objects(ONTOLOGY, OWL.versionInfo)), "")
    intro = "".join(f'<p lang="{lang}" class="{lang}">{html.escape(text)}</p>'
                    for lang in LANGUAGES if (text := _first(ontology, DCTERMS.description, lang)))
    return ("<!DOCTYPE html>\n"
            f'<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<style>{_STYLE}</style></head><body>\n"
            f"<h1>{html.escape(title)}</h1>\n"
            f"<p><code>{html.escape(str(ONTOLOGY))}</code>"
            + (f", version {html.escape(version)}" if version else "")
            + f"; {len(listed)} terms, prefix <code>cg:</code> = <code>{html.escape(str(CG))}</code>. "
            "Generated from the ontology by <code>coopgraph build</code>.</p>\n"
            f"{intro}\n<nav>{' '.join(nav)}</nav>\n" + "".join(sections) + "</body></html>\n")


def missing_texts(ontology: Graph, needed: Iterable[str] = LANGUAGES) -> list[str]:
    """Terms lacking a label or comment in one of ``needed`` (for tests and reviews)."""
    out = []
    for term in terms(ontology):
        for lang in needed:
            for prop in (RDFS.label, RDFS.comment):
                if not _texts(ontology, term, prop, lang):
                    out.append(f"cg:{_local(term)} has no {curie(str(prop))}@{lang}")
    return out
