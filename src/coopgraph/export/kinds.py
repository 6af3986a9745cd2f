"""The node types of the network views, by the RDF classes that make a node of each type.

Kept apart from :mod:`coopgraph.export.network` so the command line can list the types without
importing networkx.
"""

from __future__ import annotations

from rdflib import URIRef

from coopgraph.namespaces import CG, FOAF, ORG, PROV

KINDS: dict[str, tuple[URIRef, ...]] = {
    "agency": (CG.Agency,),
    "person": (FOAF.Person,),
    "meeting": (CG.Meeting,),
    "agreement": (CG.Agreement,),
    "commitment": (CG.Commitment,),
    "instrument": (CG.LegalInstrument, PROV.Plan),
    "change": (ORG.ChangeEvent,),
    "country": (CG.Country,),
    "source": (CG.SourceDocument,),
}
