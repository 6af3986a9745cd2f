"""`coopgraph ingest`: draft the facts of an article for a curator to review.

The one entry point the CLI, the benchmark and the tests call is :func:`ingest`; each module of
the package has one job:

- :mod:`.text` reads a plain-text or HTML article (URL line, language);
- :mod:`.passages` splits it into line/sentence passages with exact quotes;
- :mod:`.dates` finds dates at the text's precision and the article's own date;
- :mod:`.gazetteer` knows the graph's entities by every name;
- :mod:`.mentions` finds names in the text and groups them into known and new entities;
- :mod:`.facts` finds posts, events, agreements and commitments;
- :mod:`.assemble` writes them as a :class:`coopgraph.curate.draft.Draft`;
- :mod:`.lexicon` reads the generic word lists in ``lexicon/*.json``.
"""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph

from coopgraph.curate.draft import Draft
from coopgraph.ingest.gazetteer import Gazetteer
from coopgraph.namespaces import slugify

__all__ = ["Gazetteer", "default_out", "ingest", "known_entities", "source_slug"]


def known_entities(graph: Graph | None = None, data_paths: list[Path] | None = None) -> Gazetteer:
    """The gazetteer of a graph (default: the project's data files, or ``data_paths``)."""
    if graph is None:
        from coopgraph.load import load_dataset

        graph = load_dataset(data_paths)
    return Gazetteer.from_graph(graph)


def source_slug(path: Path) -> str:
    """The slug of an article's source IRI and draft: its file name without the extension."""
    stem = Path(path).name
    for suffix in (".txt", ".html", ".htm", ".xhtml", ".md"):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
    return slugify(stem) or "article"


def default_out(path: Path) -> Path:
    """Where a draft goes when --out is not given: drafts/{slug}.draft.trig."""
    return Path("drafts") / f"{source_slug(path)}.draft.trig"


def ingest(
    path: str | Path,
    known: Gazetteer,
    *,
    url: str | None = None,
    lang: str | None = None,
    published: str | None = None,
    slug: str | None = None,
) -> Draft:
    """Draft the facts one article states.

    ``known`` says which entities the graph already has, so their mentions are linked and never
    proposed again. ``published`` (YYYY-MM-DD) is the article's date when the text has no
    dateline; relative dates ("on 16 June", "last year") are resolved from it and nothing else.
    Raises :class:`coopgraph.errors.InputError` (exit 2) for a file that is not an article.
    """
    from coopgraph.ingest.assemble import build_draft
    from coopgraph.ingest.dates import published_date
    from coopgraph.ingest.facts import find_facts
    from coopgraph.ingest.mentions import detect, resolve
    from coopgraph.ingest.passages import split_passages, title_of
    from coopgraph.ingest.text import read_article

    path = Path(path)
    article = read_article(path, url=url, lang=lang)
    lines = article.lines
    dateline = published_date(lines, article.lang, article.body_line)
    if published is None and dateline is not None:
        published = dateline[0]
    passages = split_passages(article.text, article.body_line)
    title = title_of(passages)
    body_start = sum(len(line) + 1 for line in lines[: article.body_line - 1])
    mentions = detect(article.text, article.lang, known, body_start)
    existing = set(known.entities)
    entities = resolve(mentions, article.lang, known, existing)
    _drop_publisher(entities, mentions, article.url)
    mentions = [m for m in mentions if m.entity is not None and m.entity.mentions]
    findings = find_facts(passages, mentions, article.lang, published, dateline[1] if dateline else None)
    return build_draft(article, slug or source_slug(path), passages, mentions, entities, findings, published, title)


def _drop_publisher(entities: list, mentions: list, url: str | None) -> None:
    """A new organisation named only by the abbreviation of the site that published the article
    ("... сообщили БЕЛТА" on belta.by) is its byline, not news; one the text names in full stays."""
    if not url:
        return
    from urllib.parse import urlsplit

    host = {slugify(part) for part in (urlsplit(url).hostname or "").split(".") if len(part) > 2}
    for e in entities:
        only_abbreviation = all(m.abbr == m.text for m in e.mentions)
        if e.new and e.kind == "org" and only_abbreviation and str(e.iri).rsplit("/", 1)[-1] in host:
            for m in e.mentions:
                m.entity = None
            e.mentions = []
    entities[:] = [e for e in entities if e.mentions]
