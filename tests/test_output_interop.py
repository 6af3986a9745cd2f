"""Files other tools read as they are: every RDF output of the real build parses in rdflib and
in pyoxigraph, with no base IRI given, to the same statements; the JSON-LD has short keys and
plain values; the ontology page documents every term. (Virtuoso loading them:
tests/test_store_virtuoso.py.)"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph, Literal
from rdflib.namespace import RDFS

from _server_support import key

#: RDF outputs: (rdflib format, pyoxigraph format, has named graphs)
RDF_OUTPUTS = {
    "coopgraph.ttl": ("turtle", ox.RdfFormat.TURTLE, False),
    "coopgraph-inferred.ttl": ("turtle", ox.RdfFormat.TURTLE, False),
    "coopgraph-closure.nt": ("nt", ox.RdfFormat.N_TRIPLES, False),
    "coopgraph.jsonld": ("json-ld", ox.RdfFormat.JSON_LD, False),
    "coopgraph.trig": ("trig", ox.RdfFormat.TRIG, True),
    "ontology.ttl": ("turtle", ox.RdfFormat.TURTLE, False),
    "validation.ttl": ("turtle", ox.RdfFormat.TURTLE, False),
    "void.ttl": ("turtle", ox.RdfFormat.TURTLE, False),
}


def rdflib_statements(path: Path, fmt: str, quads: bool) -> set[tuple[str, ...]]:
    if quads:
        ds = Dataset()
        ds.parse(path, format=fmt)
        return {(key(s), key(p), key(o), key(g)) for s, p, o, g in ds.quads((None, None, None, None))
                if g is not None and str(g) != "urn:x-rdflib:default"}
    g = Graph().parse(path, format=fmt)
    return {(key(s), key(p), key(o)) for s, p, o in g}


def oxigraph_statements(path: Path, fmt: ox.RdfFormat, quads: bool) -> set[tuple[str, ...]]:
    """Parsed with no base IRI: a relative IRI anywhere makes this raise."""
    from coopgraph.query.library import from_oxigraph

    out = set()
    for q in ox.parse(path=str(path), format=fmt):
        terms = (from_oxigraph(q.subject), from_oxigraph(q.predicate), from_oxigraph(q.object))
        row = tuple(key(t) for t in terms)
        if quads:
            row += (key(from_oxigraph(q.graph_name)),)
        out.add(row)
    return out


@pytest.mark.parametrize("name", sorted(RDF_OUTPUTS))
def test_output_parses_alike_in_rdflib_and_pyoxigraph(real_build: Path, name: str) -> None:
    fmt, ox_fmt, quads = RDF_OUTPUTS[name]
    path = real_build / name
    in_rdflib = rdflib_statements(path, fmt, quads)
    in_oxigraph = oxigraph_statements(path, ox_fmt, quads)
    assert in_rdflib and in_rdflib == in_oxigraph
    assert not any("file:" in term for row in in_rdflib for term in row)  # no IRI made from a path


def test_jsonld_is_the_turtle(real_build: Path) -> None:
    assert rdflib_statements(real_build / "coopgraph.jsonld", "json-ld", False) == \
        rdflib_statements(real_build / "coopgraph.ttl", "turtle", False)


def test_jsonld_context_gives_short_keys_and_plain_values(real_build: Path) -> None:
    doc = json.loads((real_build / "coopgraph.jsonld").read_text(encoding="utf-8"))
    context = doc["@context"]
    assert context["party"] == {"@id": "cg:party", "@type": "@id"}
    assert context["nameText"] == {"@id": "cg:nameText", "@container": "@language"}
    keys = {k for node in doc["@graph"] for k in node}
    named = next(n for n in doc["@graph"] if "nameText" in n)
    assert isinstance(named["nameText"], dict) and all(isinstance(v, (str, list)) for v in named["nameText"].values())
    agreement = next(n for n in doc["@graph"] if "party" in n)
    parties = agreement["party"] if isinstance(agreement["party"], list) else [agreement["party"]]
    assert all(isinstance(p, str) for p in parties)  # IRIs as plain strings
    # every key is a term of the context; a CURIE only where two vocabularies share a local name
    assert all(k.startswith("@") or k in context for k in keys)
    assert sorted(k for k in keys if ":" in k) == ["dcterms:title", "foaf:title"]


class _Terms(HTMLParser):
    """Collects each term section's id and the text in it, by language."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: dict[str, dict[str, list[str]]] = {}
        self.current: str | None = None
        self.lang: str | None = None
        self.scripts = 0
        self.remote: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script":
            self.scripts += 1
        for attr in ("src", "href"):
            if (a.get(attr) or "").startswith(("http:", "https:", "//")):
                self.remote.append(a[attr] or "")
        if tag == "section" and a.get("class") == "term":
            self.current = a.get("id")
            self.sections[self.current or ""] = {"en": [], "vi": []}
        if tag == "span" and a.get("lang") in ("en", "vi"):
            self.lang = a["lang"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "span":
            self.lang = None

    def handle_data(self, data: str) -> None:
        if self.current and self.lang:
            self.sections[self.current][self.lang].append(data)


def test_ontology_page_documents_every_term_offline(real_build: Path) -> None:
    from coopgraph.namespaces import CG
    from coopgraph.build.ontology_doc import missing_texts, terms

    ontology = Graph().parse(real_build / "ontology.ttl")
    listed = terms(ontology)
    declared = {t for t in ontology.subjects() if str(t).startswith(str(CG)) and str(t) != str(CG)}
    assert len(listed) == len(declared) > 140 and not missing_texts(ontology)
    page = _Terms()
    page.feed((real_build / "ontology.html").read_text(encoding="utf-8"))
    assert page.scripts == 0 and page.remote == []  # works offline, nothing fetched
    assert sorted(page.sections) == sorted(str(t)[len(str(CG)):] for t in listed)
    for term in listed:
        shown = page.sections[str(term)[len(str(CG)):]]
        for lang in ("en", "vi"):
            for text in (o for o in ontology.objects(term, RDFS.label) if isinstance(o, Literal) and o.language == lang):
                assert str(text) in shown[lang], (term, lang)
            for text in (o for o in ontology.objects(term, RDFS.comment) if isinstance(o, Literal) and o.language == lang):
                assert str(text) in "".join(shown[lang]), (term, lang)


def test_void_lists_the_page_with_an_absolute_iri(real_build: Path) -> None:
    text = (real_build / "void.ttl").read_text(encoding="utf-8")
    assert "<https://w3id.org/coopgraph/download/ontology.html>" in text


def test_ontology_page_renders_in_a_real_browser(real_build: Path, browser) -> None:  # noqa: ANN001
    """Chromium opens the page from disk with no error, every term's entry is laid out, and a
    term's anchor (#Agency, as the page's own links use) scrolls to that entry."""
    page = real_build / "ontology.html"
    browser.open(page.as_uri() + "#Agency")
    assert browser.errors == [], browser.errors
    from coopgraph.build.ontology_doc import terms

    count = len(terms(Graph().parse(real_build / "ontology.ttl")))
    assert browser.js("document.querySelectorAll('section.term').length") == count
    assert browser.js("document.querySelectorAll('section.term[id]:not(:empty) dl dd').length") > count * 4
    assert browser.js("document.querySelector('section.term:target').id") == "Agency"
    broken = browser.js("Array.from(document.querySelectorAll('a[href^=\"#\"]'))"
                        ".filter(a => !document.getElementById(a.getAttribute('href').slice(1))).length")
    assert broken == 0  # every link to a term lands on its entry
    shown = browser.js("getComputedStyle(document.querySelector('section.term:target')).borderLeftColor")
    assert shown == "rgb(204, 102, 0)"  # the style, inline, applies offline
