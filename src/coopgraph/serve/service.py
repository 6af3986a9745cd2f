"""What the endpoint says about itself: a SPARQL 1.1 Service Description and the build's VoID.

Why: generic clients (YASGUI, federated-query planners, dataset crawlers) learn an endpoint's
result formats, features and dataset from these two documents instead of from a README. The
Service Description is answered at the endpoint URL itself (a GET without a query, SPARQL 1.1
Service Description §3); VoID at ``/.well-known/void`` (VoID §7.2). Both are plain triples
written by the same writers as every other graph answer, so they are negotiated like one.
"""

from __future__ import annotations

import functools
from pathlib import Path

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, VOID, XSD

from coopgraph.namespaces import ID

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
DATASET = URIRef(str(ID) + "dataset/coopgraph")

Triple = tuple[URIRef | BNode, URIRef, URIRef | BNode | Literal]

# What the endpoint answers with: the W3C format IRIs (http://www.w3.org/ns/formats/).
RESULT_FORMATS = ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                  "Turtle", "N-Triples", "RDF_XML", "JSON-LD")
_BUILD = "file:///coopgraph-build/"  # the base void.ttl is read with: its relative IRIs name files the endpoint does not serve


def service_description(endpoint: str, quads: int) -> list[Triple]:
    """The Service Description of a read-only SPARQL 1.1 Query endpoint at ``endpoint``.

    ``sd:UnionDefaultGraph``: the default graph is the merge of all named graphs (docs/model.md).
    No ``sd:BasicFederatedQuery``: SERVICE is refused. No update language: updates get 403.
    """
    service, dataset, default = URIRef(endpoint + "#service"), BNode("dataset"), BNode("default")
    triples: list[Triple] = [
        (service, RDF.type, SD.Service),
        (service, SD.endpoint, URIRef(endpoint)),
        (service, SD.supportedLanguage, SD.SPARQL11Query),
        (service, SD.feature, SD.UnionDefaultGraph),
        (service, SD.defaultEntailmentRegime, URIRef("http://www.w3.org/ns/entailment/OWL-RL")),
        (service, SD.defaultDataset, dataset),
        (dataset, RDF.type, SD.Dataset),
        (dataset, DCTERMS.source, DATASET),
        (dataset, SD.defaultGraph, default),
        (default, RDF.type, SD.Graph),
        (default, VOID.triples, Literal(quads, datatype=XSD.integer)),
    ]
    triples += [(service, SD.resultFormat, FORMATS[name]) for name in RESULT_FORMATS]
    return triples


@functools.lru_cache(maxsize=4)
def _build_void(path: Path, signature: object) -> tuple[Triple, ...]:
    """void.ttl's triples without the relative download links (read once per build)."""
    g = Graph()
    try:
        g.parse(path, format="turtle", publicID=_BUILD)
    except Exception:  # noqa: BLE001 - a damaged void.ttl leaves VoID with the endpoint only
        return ()
    return tuple(t for t in g if not any(str(x).startswith(_BUILD) for x in t))  # type: ignore[misc]


def void_description(build_dir: Path, endpoint: str, signature: object = None) -> list[Triple]:
    """The build's VoID (``void.ttl``) with this endpoint as the dataset's ``void:sparqlEndpoint``.

    The build records its files as relative download links; the endpoint does not serve those
    files, so those links are left out rather than resolved to URLs that would answer 404.
    """
    triples = list(_build_void(Path(build_dir) / "void.ttl", signature))
    triples.append((DATASET, RDF.type, VOID.Dataset))
    triples.append((DATASET, VOID.sparqlEndpoint, URIRef(endpoint)))
    return sorted(set(triples))

