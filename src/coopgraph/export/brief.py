"""A one- or two-page brief on an agency, for the officer who meets it tomorrow.

Everything in it is what the project's named queries answer about the agency, run through the
API (:meth:`coopgraph.CoopGraph.query`): ``agency-names`` (its names over time),
``agency-hierarchy`` (what is above and below it), ``agency-country``, ``partners`` (with the
agreements and meetings behind each partnership), ``agency-agreements``,
``agency-commitments`` (with their status), ``timeline`` and ``person-posts`` (the posts held in
it and its units). Nothing is added: no country is guessed, no status filled in. Each line
cites its sources by number: the source a query row names where the query gives one, else the
sources the network view (:mod:`coopgraph.export.network`) records for the item, the same lists the
network picture cites. Identical citations share a number, as in the picture's source list.

The brief is one data structure, :class:`Brief`, written three ways: Markdown, an offline HTML
page, and a PDF drawn with matplotlib (the PDF path of the pictures: the same fonts, embedded,
and the same byte-identical output for the same data).
"""

from __future__ import annotations

import html
import io
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


from coopgraph.errors import UsageError
from coopgraph.export import BRIEF_FORMATS
from coopgraph.namespaces import CG, RDF
from coopgraph.resources import words as load_words

FORMATS = BRIEF_FORMATS
SUB_ORGANIZATION_OF = "http://www.w3.org/ns/org#subOrganizationOf"

WORDS: dict[str, dict[str, Any]] = load_words("brief")  # headings and phrases by language: words/brief.json


def words(lang: str) -> dict[str, Any]:
    return WORDS.get(lang, WORDS["en"])


@dataclass
class Line:
    """One fact of the brief, with the sources (IRIs) that state it and finer detail under it."""

    text: str
    refs: tuple[str, ...] = ()
    detail: list[Line] = field(default_factory=list)


@dataclass
class Section:
    title: str
    lines: list[Line]
    note: str = ""


@dataclass
class Brief:
    """The brief's content, in reading order, with its numbered sources."""

    agency: str
    name: str
    lang: str
    data_date: str
    sections: list[Section]
    source_info: dict[str, Any]
    numbers: dict[str, int] = field(default_factory=dict)  # source IRI -> number
    citations: list[str] = field(default_factory=list)  # number - 1 -> citation text

    def number_sources(self) -> None:
        """Number the sources in the order the brief first cites them; identical citations share one."""
        from coopgraph.export.picture import citation_text

        texts: dict[str, int] = {}
        for line in self.all_lines():
            for iri in line.refs:
                if iri in self.numbers:
                    continue
                text = citation_text(self.source_info, iri)
                if text not in texts:
                    texts[text] = len(texts) + 1
                self.numbers[iri] = texts[text]
        self.citations = list(texts)

    def all_lines(self) -> list[Line]:
        out = []
        for section in self.sections:
            for line in section.lines:
                out.append(line)
                out.extend(line.detail)
        return out

    def refs(self, line: Line) -> str:
        """" [1][4]": the numbers of a line's sources."""
        return "".join(f"[{n}]" for n in sorted({self.numbers[i] for i in line.refs}))

    def title(self) -> str:
        return words(self.lang)["title"].format(name=self.name)

    def subtitle(self) -> str:
        w = words(self.lang)
        parts = [self.agency, w["data"].format(date=self.data_date) if self.data_date else ""]
        return " · ".join(p for p in parts if p)

    def url_of(self, number: int) -> str | None:
        from coopgraph.links import web_href

        for iri, n in sorted(self.numbers.items()):
            info = self.source_info.get(iri)
            if n == number and info is not None and info.url:
                return web_href(info.url)
        return None

    # -- writers --------------------------------------------------------------------------

    def to_markdown(self) -> str:
        """The brief as Markdown: headings, one bullet per fact, sources as a numbered list."""
        w = words(self.lang)
        out = [f"# {self.title()}", "", self.subtitle(), ""]
        for section in self.sections:
            out += [f"## {section.title}", ""]
            if section.note:
                out += [f"_{section.note}_", ""]
            for line in section.lines or [Line(w["none"])]:
                out.append(f"- {_md(line.text)}{(' ' + self.refs(line)) if line.refs else ''}")
                for sub in line.detail:
                    out.append(f"  - {_md(sub.text)}{(' ' + self.refs(sub)) if sub.refs else ''}")
            out.append("")
        out += [f"## {w['sources']}", ""]
        out += [f"{i}. {_md(text)}" for i, text in enumerate(self.citations, 1)]
        out += ["", f"_{w['made']} {_version()}_", ""]
        return "\n".join(out)

    def to_html(self) -> str:
        """The brief as one offline HTML page (no script, no outside resource), printable on A4."""
        w, esc = words(self.lang), html.escape

        def refs(line: Line) -> str:
            nums = sorted({self.numbers[i] for i in line.refs})
            return "".join(f' <a class="ref" href="#source-{n}">[{n}]</a>' for n in nums)

        body = [f"<h1>{esc(self.title())}</h1>", f'<p class="sub">{esc(self.subtitle())}</p>']
        for k, section in enumerate(self.sections):
            body.append(f'<section id="section-{k}"><h2>{esc(section.title)}</h2>')
            if section.note:
                body.append(f'<p class="note">{esc(section.note)}</p>')
            body.append("<ul>")
            for line in section.lines or [Line(w["none"])]:
                sub = ""
                if line.detail:
                    sub = "<ul>" + "".join(f"<li>{esc(d.text)}{refs(d)}</li>" for d in line.detail) + "</ul>"
                body.append(f"<li>{esc(line.text)}{refs(line)}{sub}</li>")
            body.append("</ul></section>")
        body.append(f'<section id="sources"><h2>{esc(w["sources"])}</h2><ol>')
        for i, text in enumerate(self.citations, 1):
            url = self.url_of(i)
            link = f' <a href="{esc(url)}">{esc(url)}</a>' if url and url not in text else ""
            body.append(f'<li id="source-{i}">{esc(text)}{link}</li>')
        body.append(f'</ol></section><p class="note">{esc(w["made"])} {esc(_version())}</p>')
        return HTML.format(lang=esc(self.lang), title=esc(self.title()), body="\n".join(body))

    def to_pdf(self) -> bytes:
        """The brief as an A4 PDF drawn by matplotlib, fonts embedded; same data, same bytes."""
        return pdf_pages(self)


HTML = """<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>{title}</title>
<style>
@page {{ size: A4; margin: 15mm; }}
body {{ font-family: "Noto Sans", "Noto Sans CJK SC", "Segoe UI", system-ui, sans-serif; color: #1a1a1a;
       max-width: 46rem; margin: 1.5rem auto; padding: 0 1rem; font-size: 10.5pt; line-height: 1.35; }}
h1 {{ font-size: 1.5rem; margin: 0 0 0.2rem; }} h2 {{ font-size: 1.05rem; margin: 1rem 0 0.3rem; }}
ul {{ margin: 0.2rem 0; padding-left: 1.2rem; }} li {{ margin: 0.1rem 0; }}
ul ul {{ color: #444; font-size: 0.92em; }} .sub, .note {{ color: #555; font-size: 0.9em; margin: 0.2rem 0; }}
a.ref {{ color: #1f5f9f; text-decoration: none; font-size: 0.85em; }} ol {{ font-size: 0.85em; padding-left: 1.6rem; }}
</style>
</head>
<body>
{body}
</body>
</html>
"""


def _md(text: str) -> str:
    return text.replace("\\", "\\\\").replace("*", "\\*").replace("_", "\\_").replace("[", "\\[")


def _version() -> str:
    from coopgraph import __version__

    return __version__


def _s(value: Any) -> str:
    return "" if value is None else str(value)


# -- collecting ------------------------------------------------------------------------------


def brief(cg: Any, name: str, lang: str = "en", network: Any = None) -> Brief:
    """The brief on the agency ``name`` (any of its names, an abbreviation or its IRI).

    An unknown name is a UsageError listing the closest names (exit 2), as ``describe`` does;
    a name that is not an agency (a person, a country) is one too.
    """
    from coopgraph.export.network import Network

    iri = cg.resolve(name)
    if (iri, RDF.type, CG.Agency) not in cg.graph:
        raise UsageError(f"{name!r} is {cg.label(iri)} <{iri}>, not an agency: a brief is about an agency "
                         "(coopgraph query agency-names lists them)")
    network = network or Network.from_coopgraph(cg)
    w = words(lang)
    agency = str(iri)

    def q(query: str, **params: Any) -> Any:
        # Oxigraph: the same answers as rdflib (the query goldens compare both), 100 times sooner
        return cg.query(query, languages=lang, engine="oxigraph", **params)

    def item_sources(item: str) -> tuple[str, ...]:
        """The sources the network view records for an item, else those ``provenance`` gives."""
        found = tuple(network.graph.nodes[item].get("_sources", ())) if item in network.graph else ()
        if not found:
            found = tuple(sorted({_s(r.source) or _s(r.evidence) for r in q("provenance", entity=item)}))
        return found

    label = cg.label(iri, lang)
    who: list[Line] = []
    # names over time: one line per distinct name and language
    names: dict[tuple[str, str], dict[str, Any]] = {}
    for r in q("agency-names", agency=agency):
        key = (_s(r.name), _s(r.language))
        entry = names.setdefault(key, {"abbr": set(), "types": set(), "from": set(), "until": set(),
                                       "attested": set(), "refs": set()})
        if r.abbreviation is not None:
            entry["abbr"].add(_s(r.abbreviation))
        if r.nameTypeLabel is not None:
            entry["types"].add(_s(r.nameTypeLabel))
        for col, k in (("validFrom", "from"), ("validUntil", "until"), ("attested", "attested")):
            if r[col] is not None:
                entry[k].add(_s(r[col]))
        entry["refs"].add(_s(r.source) or _s(r.evidence))
    name_lines = []
    for (text, language), e in sorted(names.items(), key=lambda kv: (min(kv[1]["attested"] or {"9999"}),
                                                                     kv[0][1], kv[0][0])):
        bits = [f"{text}" + (f" [{language}]" if language else "")]
        if e["abbr"] - {text}:
            bits.append("/".join(sorted(e["abbr"] - {text})))
        if e["types"]:
            bits.append(", ".join(sorted(e["types"])))
        if e["from"] or e["until"]:
            bits.append(w["valid"].format(start=min(e["from"], default=""), end=max(e["until"], default="")))
        elif e["attested"]:
            dates = sorted(e["attested"])
            bits.append(w["attested"].format(dates=dates[0] if len(dates) == 1 else f"{dates[0]}–{dates[-1]}"))
        name_lines.append(Line(" · ".join(bits), tuple(sorted(e["refs"]))))
    who.append(Line(w["names"], (), name_lines))

    # parent bodies and units
    sub_edges = [(u, v, d) for u, v, d in network.graph.edges(data=True) if d.get("relation") == "org:subOrganizationOf"]
    chain: dict[str, set[str]] = defaultdict(set)  # lower -> uppers (direct)
    edge_sources: dict[tuple[str, str], set[str]] = defaultdict(set)
    for u, v, d in sub_edges:
        chain[u].add(v)
        edge_sources[(u, v)].update(d.get("_sources", ()))

    def uppers(node: str) -> dict[str, set[str]]:
        """The organisations directly above ``node``, each with the sources of that link: from the
        network view, else (a group of units is no network node) from the statement's provenance."""
        if chain.get(node):
            return {up: edge_sources[(node, up)] for up in chain[node]}
        found: dict[str, set[str]] = defaultdict(set)
        for r in q("provenance", entity=node):
            if _s(r.predicate) == SUB_ORGANIZATION_OF and _s(r.subject) == node:
                found[_s(r.object)].add(_s(r.source) or _s(r.evidence))
        return found

    def path_sources(lower: str, upper: str) -> tuple[str, ...]:
        """Sources of each link on the way from ``lower`` up to ``upper`` (the hierarchy is a tree)."""
        todo: list[tuple[str, frozenset[str]]] = [(lower, frozenset())]
        seen = {lower}
        while todo:
            node, cited = todo.pop(0)
            if node == upper:
                return tuple(sorted(cited))
            for nxt, refs in sorted(uppers(node).items()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append((nxt, cited | refs))
        return ()

    above, below = [], []
    for r in q("agency-hierarchy", agency=agency):
        other, depth = _s(r.other), int(r.depth.toPython()) if r.depth is not None else 1
        if r.direction is not None and str(r.direction) == "above":
            extra = f" ({w['level'].format(n=depth)})" if depth > 1 else ""
            above.append((depth, Line(f"{_s(r.otherLabel)}{extra}", path_sources(agency, other))))
        else:
            extra = f" ({w['level_down'].format(n=depth)})" if depth > 1 else ""
            below.append((depth, Line(f"{_s(r.otherLabel)}{extra}", path_sources(other, agency))))
    if above:
        who.append(Line(w["above"], (), [x for _, x in sorted(above, key=lambda t: (t[0], t[1].text))]))
    if below:
        who.append(Line(w["below"], (), [x for _, x in sorted(below, key=lambda t: (t[0], t[1].text))]))

    countries: dict[str, dict[str, set[str]]] = {}
    for r in q("agency-country", agency=agency):
        per = countries.setdefault(_s(r.countryLabel), {})
        per.setdefault(_s(r.statedOfLabel), set()).add(_s(r.source) or _s(r.evidence))
    if countries:
        for country, stated in sorted(countries.items()):
            who.append(Line(f"{w['country']}: {country}", (), [
                Line(w["stated_of"].format(org=org), tuple(sorted(refs))) for org, refs in sorted(stated.items())]))
    else:
        who.append(Line(f"{w['country']}: {w['no_country']}"))

    # partners, with the agreements and meetings behind each
    partners: dict[str, dict[str, Any]] = {}
    for r in q("partners", agency=agency):
        p = partners.setdefault(_s(r.partner), {"label": _s(r.partnerLabel), "items": {}})
        key = (_s(r.via), _s(r.through))
        item = p["items"].setdefault(key, {"label": _s(r.throughLabel), "date": _s(r.date), "refs": set()})
        item["refs"].add(_s(r.source) or _s(r.evidence))
    partner_lines = []
    for _, p in sorted(partners.items(), key=lambda kv: (-len(kv[1]["items"]), kv[1]["label"])):
        detail = [Line(f"{w['kinds'].get(via, via)}: {it['label']}" + (f" ({it['date']})" if it["date"] else ""),
                       tuple(sorted(it["refs"])))
                  for (via, _), it in sorted(p["items"].items(), key=lambda kv: (kv[1]["date"], kv[0]))]
        partner_lines.append(Line(p["label"], (), detail))

    # agreements binding it (its own, its parent's, its units')
    agreements: dict[str, dict[str, Any]] = {}
    for r in q("agency-agreements", agency=agency):
        a = agreements.setdefault(_s(r.agreement), {"label": _s(r.agreementLabel), "signed": _s(r.signed),
                                                     "bound": set(), "parties": set(), "topics": set()})
        bound = w["bound"].get(_s(r.boundAs), _s(r.boundAs))
        if bound:
            a["bound"].add(bound.format(via=_s(r.viaLabel)))
        if r.party is not None and str(r.party) != agency:
            a["parties"].add(_s(r.partyLabel))
        if r.topicLabel is not None:
            a["topics"].add(_s(r.topicLabel))
    agreement_lines = []
    for iri_a, a in sorted(agreements.items(), key=lambda kv: (kv[1]["signed"], kv[1]["label"])):
        bits = [a["label"]]
        if a["signed"]:
            bits.append(f"{w['signed']} {a['signed']}")
        bits += sorted(a["bound"])
        detail = []
        if a["parties"]:
            detail.append(Line(f"{w['parties']}: {', '.join(sorted(a['parties']))}"))
        if a["topics"]:
            detail.append(Line(f"{w['topics']}: {', '.join(sorted(a['topics']))}"))
        agreement_lines.append(Line(" · ".join(bits), item_sources(iri_a), detail))

    # commitments and their status
    commitments: dict[str, dict[str, Any]] = {}
    for r in q("agency-commitments", agency=agency):
        c = commitments.setdefault(_s(r.commitment), {"date": _s(r.date), "text": _s(r.text),
                                                       "meeting": _s(r.meetingLabel), "agreement": _s(r.agreementLabel),
                                                       "status": set(), "also": set()})
        if r.statusLabel is not None:
            c["status"].add(_s(r.statusLabel))
        if r.alsoCommittedLabel is not None:
            c["also"].add(_s(r.alsoCommittedLabel))
    # grouped by where they were made (meeting, agreement, who else committed): one heading each
    groups: dict[tuple[str, str, str], list[Line]] = {}
    for iri_c, c in sorted(commitments.items(), key=lambda kv: (kv[1]["date"], kv[0])):
        status = ", ".join(sorted(c["status"])) or w["no_status"]
        text = (f"{c['date']}: " if c["date"] else "") + (c["text"] or iri_c.rsplit("/", 1)[-1])
        key = (c["meeting"], c["agreement"], ", ".join(sorted(c["also"])))
        groups.setdefault(key, []).append(Line(f"{text} · {w['status']}: {status}", item_sources(iri_c)))
    commitment_lines = []
    for (meeting, agreement, also), lines in groups.items():
        bits = [f"{w['at']} {meeting}" if meeting else "", f"{w['about']} {agreement}" if agreement else "",
                f"{w['also']} {also}" if also else ""]
        commitment_lines.append(Line(" · ".join(b for b in bits if b) or w["commitments"], (), lines))

    # timeline (commitments are listed above)
    timeline_lines = []
    for r in q("timeline", actor=agency):
        if _s(r.kind) == "commitment":
            continue
        timeline_lines.append(Line(f"{_s(r.date)} · {w['kinds'].get(_s(r.kind), _s(r.kind))}: {_s(r.itemLabel)}",
                                   item_sources(_s(r.item))))

    # people and posts in the agency and its units
    units = {agency} | {str(r.other) for r in q("agency-hierarchy", agency=agency)
                        if r.direction is not None and str(r.direction) == "below"}
    posts: dict[tuple[str, str], dict[str, Any]] = {}
    for r in q("person-posts"):
        if _s(r.organisation) not in units:
            continue
        key = (_s(r.personLabel), _s(r.post))
        p = posts.setdefault(key, {"post": _s(r.postLabel), "org": _s(r.organisationLabel), "dates": set(),
                                   "valid": set(), "acting": False, "refs": set()})
        for col in ("firstAttested", "lastAttested"):
            if r[col] is not None:
                p["dates"].add(_s(r[col]))
        if r.validFrom is not None or r.validUntil is not None:
            p["valid"].add(w["valid"].format(start=_s(r.validFrom), end=_s(r.validUntil)))
        if r.acting is not None and r.acting.toPython() is True:
            p["acting"] = True
        p["refs"].add(_s(r.source) or _s(r.evidence))
    people_lines = []
    for (person, _), p in sorted(posts.items(), key=lambda kv: (kv[0][0], kv[1]["post"])):
        bits = [f"{person}: {p['post']}" + (f" ({w['acting']})" if p["acting"] else "")]
        if p["org"] and str(p["org"]) != label and p["org"] not in p["post"]:
            bits.append(p["org"])
        if p["valid"]:
            bits.append(", ".join(sorted(p["valid"])))
        elif p["dates"]:
            dates = sorted(p["dates"])
            bits.append(w["attested"].format(dates=dates[0] if len(dates) == 1 else f"{dates[0]}–{dates[-1]}"))
        people_lines.append(Line(" · ".join(bits), tuple(sorted(p["refs"]))))

    sections = [
        Section(w["who"], who),
        Section(w["partners"], partner_lines),
        Section(w["agreements"], agreement_lines),
        Section(w["commitments"], commitment_lines),
        Section(w["timeline"], timeline_lines, w["timeline_note"]),
        Section(w["people"], people_lines),
    ]
    out = Brief(agency, label, lang, network.data_date, sections, network.sources)
    out.number_sources()
    return out


# -- the PDF -------------------------------------------------------------------------------

PAGE_W, PAGE_H = 8.27, 11.69  # A4 portrait, inches
SIDE = 0.6  # left and right margins
TOP = 0.55
BOTTOM = 0.6
STYLES = {  # kind: (font size, bold, colour, indent in inches, space before in inches)
    "title": (15.0, True, "#1a1a1a", 0.0, 0.0),
    "subtitle": (8.0, False, "#555555", 0.0, 0.04),
    "h": (10.5, True, "#1a1a1a", 0.0, 0.14),
    "note": (7.5, False, "#555555", 0.0, 0.015),
    "item": (8.0, False, "#1a1a1a", 0.14, 0.025),
    "detail": (7.3, False, "#444444", 0.34, 0.015),
    "source": (6.8, False, "#333333", 0.0, 0.015),
}
LINE_SPACING = 1.25
SCALES = (1.0, 0.95, 0.9, 0.85)  # type shrinks by these steps, no further, until the brief fits
MAX_PAGES = 2  # a brief is read before a meeting: one or two pages


@dataclass
class Block:
    """A paragraph of the PDF: wrapped lines in one style, kept on one page, with where it went."""

    kind: str
    lines: list[str]
    bullet: str = ""
    page: int = 0
    y: float = 0.0  # top, inches from the page's top
    scale: float = 1.0  # of the style's type size and space before

    @property
    def size(self) -> float:
        return STYLES[self.kind][0] * self.scale

    @property
    def height(self) -> float:
        return STYLES[self.kind][4] * self.scale + len(self.lines) * self.size * LINE_SPACING / 72


def blocks(b: Brief) -> list[Block]:
    """The brief as paragraphs, in reading order, before wrapping."""
    w = words(b.lang)
    out = [Block("title", [b.title()]), Block("subtitle", [b.subtitle()])]
    for section in b.sections:
        out.append(Block("h", [section.title]))
        if section.note:
            out.append(Block("note", [section.note]))
        for line in section.lines or [Line(w["none"])]:
            refs = (" " + b.refs(line)) if line.refs else ""
            out.append(Block("item", [line.text + refs], bullet="•"))
            for sub in line.detail:
                out.append(Block("detail", [sub.text + ((" " + b.refs(sub)) if sub.refs else "")], bullet="–"))
    out.append(Block("h", [w["sources"]]))
    out += [Block("source", [f"[{i}] {text}"]) for i, text in enumerate(b.citations, 1)]
    return out


class Layout:
    """Wraps blocks to the page width measured with the real font, then fills A4 pages."""

    def __init__(self, scale: float = 1.0) -> None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        from coopgraph.export.fonts import configure_matplotlib

        configure_matplotlib()
        self.probe = plt.figure(figsize=(PAGE_W, PAGE_H), dpi=100)
        self.renderer = self.probe.canvas.get_renderer()
        self.fonts: dict[tuple[float, bool], Any] = {}
        self.scale = scale

    def width(self, text: str, kind: str) -> float:
        """The drawn width of one line in inches, from the renderer (no text object made)."""
        from matplotlib.font_manager import FontProperties

        size, bold = STYLES[kind][0] * self.scale, STYLES[kind][1]
        key = (size, bold)
        if key not in self.fonts:
            self.fonts[key] = FontProperties(size=size, weight="bold" if bold else "normal")
        w, _, _ = self.renderer.get_text_width_height_descent(text, self.fonts[key], ismath=False)
        return w / 100

    def wrap(self, block: Block) -> None:
        """Wrap a block's text so that every line fits between the margins (measured, not guessed)."""
        from coopgraph.export.picture import wrap_wide

        _, _, _, indent, _ = STYLES[block.kind]
        size = block.size
        room = PAGE_W - 2 * SIDE - indent - (0.14 if block.bullet else 0)
        text = " ".join(block.lines)
        columns = max(20, int(room * 72 / (size * 0.5)))
        while True:
            lines = wrap_wide(text, columns, "    " if block.kind == "source" else "")
            if columns <= 20 or all(self.width(line, block.kind) <= room for line in lines):
                block.lines = lines
                return
            columns = int(columns * 0.93)

    def paginate(self, items: list[Block]) -> int:
        """Place blocks top to bottom; a block that does not fit starts the next page. Returns pages."""
        page, y = 0, TOP
        room = PAGE_H - BOTTOM
        for i, block in enumerate(items):
            # a heading stays with the first line after it
            need = block.height + (items[i + 1].height if block.kind == "h" and i + 1 < len(items) else 0)
            if y + need > room and y > TOP:
                page, y = page + 1, TOP
                if block.kind != "h":  # a continued section: no space before at the top of a page
                    pass
            block.page, block.y = page, y
            y += block.height
        return page + 1

    def close(self) -> None:
        import matplotlib.pyplot as plt

        plt.close(self.probe)


def figures(b: Brief) -> list[Any]:
    """The brief's pages as matplotlib figures (also used by tests to measure the text boxes)."""
    import matplotlib.pyplot as plt

    from coopgraph.export.fonts import FontMissing, configure_matplotlib, missing_glyphs

    family = configure_matplotlib()
    items = blocks(b)
    missing = missing_glyphs([line for block in items for line in block.lines])
    if missing:
        raise FontMissing(f"the font {family} cannot draw {''.join(sorted(missing))!r}")
    # a brief that runs past two pages is set in slightly smaller type (down to 85 %) rather
    # than cut: every fact stays, and the reader still gets it on two sheets
    for scale in SCALES:
        items = blocks(b)
        layout = Layout(scale)
        try:
            for block in items:
                block.scale = scale
                layout.wrap(block)
            n = layout.paginate(items)
        finally:
            layout.close()
        if n <= MAX_PAGES:
            break
    w = words(b.lang)
    pages = []
    for p in range(n):
        fig = plt.figure(figsize=(PAGE_W, PAGE_H), dpi=200)
        for k, block in enumerate(x for x in items if x.page == p):
            _, bold, colour, indent, before = STYLES[block.kind]
            size = block.size
            top = block.y + before * block.scale
            x = SIDE + indent + (0.14 if block.bullet else 0)
            if block.bullet:
                fig.text((SIDE + indent) / PAGE_W, 1 - top / PAGE_H, block.bullet, fontsize=size, va="top",
                         color=colour)
            fig.text(x / PAGE_W, 1 - top / PAGE_H, "\n".join(block.lines), fontsize=size, va="top", color=colour,
                     fontweight="bold" if bold else "normal", linespacing=LINE_SPACING, gid=f"block-{p}-{k}")
        fig.text(SIDE / PAGE_W, BOTTOM * 0.5 / PAGE_H,
                 f"{b.name} · {w['page'].format(i=p + 1, n=n)} · {w['made']} {_version()}", fontsize=6.5,
                 va="bottom", color="#555555", gid=f"footer-{p}")
        pages.append(fig)
    return pages


def pdf_pages(b: Brief) -> bytes:
    """The PDF bytes: metadata pinned (no creation date), so a rebuild gives the same file."""
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    buf = io.BytesIO()
    with PdfPages(buf, metadata={"CreationDate": None, "ModDate": None, "Creator": None,
                                 "Title": b.title()}) as pdf:
        for fig in figures(b):
            pdf.savefig(fig, dpi=200)
            plt.close(fig)
    return buf.getvalue()


def render(b: Brief, fmt: str) -> bytes:
    """The brief in ``md``, ``html`` or ``pdf``."""
    if fmt == "md":
        return b.to_markdown().encode("utf-8")
    if fmt == "html":
        return b.to_html().encode("utf-8")
    if fmt == "pdf":
        return b.to_pdf()
    raise UsageError(f"unknown brief format {fmt!r}; known: {', '.join(FORMATS)}")


def export(b: Brief, fmt: str, path: str | Path | None) -> list[Path]:
    """Write the brief to ``path`` (None: stdout; PDF needs a file when stdout is a terminal)."""
    import sys

    from coopgraph.export.base import check_writable, write_file

    target = Path(path) if path is not None else None
    if target is None and fmt == "pdf" and sys.stdout.isatty():
        raise UsageError("pdf output is binary; give -o FILE.pdf")
    if target is not None:
        check_writable(target)
    content = render(b, fmt)
    if target is None:
        sys.stdout.buffer.write(content)
        sys.stdout.buffer.flush()
        return []
    write_file(target, content)
    return [target]


__all__ = ["FORMATS", "Brief", "Line", "Section", "brief", "export", "render"]
