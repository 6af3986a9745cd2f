"""One prefix map and IRI minting rule for the whole project, so every output agrees on both."""

from __future__ import annotations

import re
import unicodedata

from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SH, SKOS, TIME, VOID, XSD

CG = Namespace("https://w3id.org/coopgraph/def#")
ONTOLOGY = URIRef("https://w3id.org/coopgraph/def")
ID = Namespace("https://w3id.org/coopgraph/id/")
GRAPH = Namespace("https://w3id.org/coopgraph/graph/")
INFERRED_GRAPH = GRAPH["inferred"]
ONTOLOGY_GRAPH = GRAPH["ontology"]
#: Derived for display only (labels per language, the date of a thing, the first IRI of an
#: owl:sameAs cluster; :mod:`coopgraph.build.presentation`): never source data, never exported.
PRESENTATION_GRAPH = GRAPH["presentation"]

__all__ = [
    "CG", "DCAT", "DCTERMS", "FOAF", "GRAPH", "ID", "INFERRED_GRAPH", "ONTOLOGY", "ONTOLOGY_GRAPH",
    "ORG", "OWL", "PREFIXES", "PRESENTATION_GRAPH", "PROV", "RDF", "RDFS", "SH", "SKOS", "TIME", "VOID", "XSD",
    "bind_prefixes", "curie", "mint", "slugify",
]

# Order matters only for output: writers emit prefixes in this order.
PREFIXES: dict[str, str] = {
    "cg": str(CG),
    "dcat": str(DCAT),
    "dcterms": str(DCTERMS),
    "foaf": str(FOAF),
    "org": str(ORG),
    "owl": str(OWL),
    "prov": str(PROV),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "sh": str(SH),
    "skos": str(SKOS),
    "time": str(TIME),
    "void": str(VOID),
    "xsd": str(XSD),
}

_LOCAL = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*")  # Turtle and SPARQL allow a leading digit


def slugify(text: str) -> str:
    """Turn a name into the slug used in entity IRIs.

    Vietnamese names must give stable ASCII IRIs: "Tổng cục Tiêu chuẩn Đo lường" and the
    same words typed without diacritics must mint the same IRI, hence NFKD + đ→d.
    """
    text = text.replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def mint(kind: str, text: str) -> URIRef:
    """Mint ``https://w3id.org/coopgraph/id/{kind}/{slug}``; the one way entity IRIs are made."""
    slug = slugify(text)
    if not slug:
        raise ValueError(f"cannot mint an IRI from {text!r}: nothing left after slugifying")
    return ID[f"{slugify(kind)}/{slug}"]


def curie(iri: str, prefixes: dict[str, str] | None = None) -> str | None:
    """Shorten ``iri`` with the prefix map (or ``prefixes``, a writer's own, such as a data
    file's entity prefixes), or None when no prefix gives a safe local name."""
    prefixes = PREFIXES if prefixes is None else prefixes
    best: tuple[str, str] | None = None
    for prefix, ns in prefixes.items():
        if iri.startswith(ns) and (best is None or len(ns) > len(prefixes[best[0]])):
            local = iri[len(ns):]
            if _LOCAL.fullmatch(local):
                best = (prefix, local)
    return f"{best[0]}:{best[1]}" if best else None


_KIND_SLUG = re.compile(r"[a-z][a-z-]*/[a-z0-9][a-z0-9/-]*")
_ID_LOCAL = re.compile(r"[a-z][a-z-]*/[A-Za-z0-9][A-Za-z0-9/._~-]*")


def short_iri(text: str) -> URIRef | None:
    """The IRI meant by ``text`` written as an IRI, a CURIE, ``id:kind/slug`` or ``kind/slug``.

    ``id:org/sac`` is how results show entity IRIs (coopgraph.query.results), and ``org/sac`` how the
    docs name them, so both must be accepted back wherever an entity is asked for, with or
    without a graph to resolve names in. None: ``text`` is none of these (perhaps a name).
    """
    text = text.strip()
    if "://" in text or text.startswith("urn:"):
        return URIRef(text)
    prefix, sep, local = text.partition(":")
    if sep and prefix == "id" and _ID_LOCAL.fullmatch(local):
        return ID[local]  # as results print it: evidence locators keep their case (L13-s2)
    if sep and prefix in PREFIXES and local and not local.startswith("//"):
        return URIRef(PREFIXES[prefix] + local)
    if _KIND_SLUG.fullmatch(text):
        return ID[text]
    return None


def bind_prefixes(graph: Graph) -> None:
    """Bind the project prefixes so rdflib-produced text (SPARQL results, errors) uses them."""
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns, override=True, replace=True)
