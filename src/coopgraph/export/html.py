"""One self-contained HTML page to explore the network offline: search, filters, sources.

Everything the page needs is inside the file: the Cytoscape.js library (vendored from the npm
registry into ``vendor/``, with its MIT licence), the network, every node's facts with their
evidence (source, line, quote), and the app script. A Content-Security-Policy forbids any
network access, so a page that works in the test works on a laptop with no internet.

Node positions are computed here (seeded force-directed layout, per component) so the page
opens with the same picture every time, fitted on the main component; the browser can re-run a
layout on demand. The current view can be saved as PNG (Cytoscape.js's own ``cy.png()``) and
as SVG, written by the page's own serializer of what is on screen (nodes, links and labels as
``<text>``), which needs no extra library: the cytoscape-svg extension would add a second
vendored bundle and turn labels into whatever its canvas shim emits.
"""

from __future__ import annotations

import html
import json
from importlib import resources
from typing import Any

from coopgraph import __version__
from coopgraph.export.base import Exporter, View
from coopgraph.export.cytoscape import elements
from coopgraph.export.placement import place
from coopgraph.export.style import STYLES
from coopgraph.links import web_href
from coopgraph.export.network import KIND_LABELS, fold

CYTOSCAPE_VERSION = "3.34.4"
# The page's font list; the saved SVG names the same families, so its text is drawn alike.
PAGE_FONT = '"Noto Sans", "Noto Sans CJK SC", "Segoe UI", system-ui, sans-serif'

_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_SKIP_PREDICATES = {"http://www.w3.org/2000/01/rdf-schema#label", "http://www.w3.org/2004/02/skos/core#prefLabel"}


def vendored(name: str) -> str:
    """Text of a vendored file (``vendor/cytoscape.min.js``), read from the installed package."""
    return resources.files("coopgraph.export").joinpath("vendor", name).read_text(encoding="utf-8")


def positions(view: View) -> tuple[dict[str, dict[str, float]], list[str]]:
    """Seeded positions in pixels (every load shows the same layout) and the main component.

    Isolated nodes are laid aside in a row under the drawing (:mod:`coopgraph.export.placement`),
    and the page opens fitted on the main component, so one unlinked node cannot shrink the
    network to a hairball in a corner.
    """
    placed = place(view)
    return {n: {"x": x, "y": y} for n, (x, y) in placed.xy.items()}, placed.main


def facts(view: View) -> tuple[dict[str, list[dict[str, Any]]], dict[str, dict[str, Any]]]:
    """Per node, what the graph says about it with evidence ids; and the evidence table.

    Built with :meth:`CoopGraph.describe`, the same lookup ``coopgraph describe`` prints, so the
    page and the CLI never disagree about a fact's source.
    """
    cg = view.network.coopgraph
    by_node: dict[str, list[dict[str, Any]]] = {}
    evidence: dict[str, dict[str, Any]] = {}
    if cg is None:
        return by_node, evidence
    for n in view.graph.nodes:
        rows = []
        description = cg.describe(n)
        for st in description.statements:
            if st.status == "ontology" or st.predicate in _SKIP_PREDICATES:
                continue
            if st.status == "inferred" and st.predicate == _RDF_TYPE:
                continue  # org:Organization, prov:Entity...: true, but noise beside the asserted type
            ev_ids = []
            for ev in st.evidence:
                if ev.graph not in evidence:
                    evidence[ev.graph] = {
                        "source": ev.source or "", "title": ev.title or "",
                        "url": web_href(ev.url) or "", "rawUrl": "" if web_href(ev.url) else (ev.url or ""),
                        "publisher": ev.publisher or "", "locator": ev.locator or "", "quote": ev.quote or "",
                        "line": ev.line, "kind": ev.kind, "justification": ev.justification or "",
                    }
                ev_ids.append(ev.graph)
            rows.append({
                "dir": st.direction, "p": st.predicate_label, "v": st.node_label, "node": st.node,
                "lit": st.is_literal, "lang": st.language or "", "inferred": st.status == "inferred", "ev": ev_ids,
            })
        by_node[n] = rows
    return by_node, evidence


def page_data(view: View) -> dict[str, Any]:
    """Everything the app script needs, as one JSON document."""
    els = elements(view)
    pos, main = positions(view)
    for item in els["nodes"]:
        d = item["data"]
        item["position"] = pos[d["id"]]
        names = {d.get("label", ""), d.get("label_vi", ""), d.get("label_en", ""), d.get("label_zh", ""),
                 d.get("abbreviation", ""), *d.get("names", [])}
        d["search"] = " | ".join(sorted({fold(x) for x in names if x}))
    node_facts, evidence = facts(view)
    return {
        "title": view.title,
        "subtitle": view.subtitle(),
        "lang": view.lang,
        "dataDate": view.data_date,
        "elements": els,
        "facts": node_facts,
        "evidence": evidence,
        "kinds": {k: {"color": STYLES[k].color, "shape": STYLES[k].cy_shape, "labels": KIND_LABELS[k]}
                  for k in view.kinds()},
        "version": __version__,
        "directed": view.graph.is_directed(),
        "main": main,
        "font": PAGE_FONT,
    }


def _script_json(data: Any) -> str:
    """JSON safe inside <script>: no "</" (ends the element) and no U+2028/9 (ends old JS strings)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("</", "<\\/").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


class HTMLExporter(Exporter):
    name = "html"
    suffix = ".html"
    media_type = "text/html"
    summary = "self-contained interactive page (works offline)"

    def render(self, view: View) -> bytes:
        library = vendored("cytoscape.min.js")
        if "</script" in library.lower():
            library = library.replace("</script", "<\\/script").replace("</SCRIPT", "<\\/SCRIPT")
        page = (
            TEMPLATE.replace("__TITLE__", html.escape(view.title))
            .replace("__LANG__", html.escape(view.lang))
            .replace("__CYTOSCAPE_VERSION__", CYTOSCAPE_VERSION)
            .replace("__CYTOSCAPE__", library)
            .replace("__DATA__", _script_json(page_data(view)))
            .replace("__APP__", APP)
        )
        return page.encode("utf-8")


TEMPLATE = """<!DOCTYPE html>
<html lang="__LANG__">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy"
      content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:">
<meta name="generator" content="coopgraph">
<title>__TITLE__</title>
<style>
  * { box-sizing: border-box; }
  html, body { margin: 0; height: 100%; font: 14px/1.4 "Noto Sans", "Noto Sans CJK SC", "Segoe UI", system-ui,
               sans-serif; color: #1a1a1a; }
  body { display: grid; grid-template-columns: 280px 1fr 360px; grid-template-rows: auto 1fr; height: 100vh; }
  header { grid-column: 1 / 4; padding: 8px 14px; border-bottom: 1px solid #ddd; display: flex; gap: 16px;
           align-items: baseline; }
  header h1 { font-size: 18px; margin: 0; }
  header .sub { color: #555; font-size: 13px; }
  #controls { overflow: auto; padding: 10px 12px; border-right: 1px solid #ddd; }
  #controls h2, #panel h2 { font-size: 13px; text-transform: uppercase; color: #666; margin: 12px 0 6px; }
  #search { width: 100%; padding: 6px 8px; font-size: 14px; }
  #results { list-style: none; margin: 6px 0; padding: 0; max-height: 220px; overflow: auto; }
  #results li { padding: 3px 4px; cursor: pointer; border-radius: 3px; }
  #results li:hover, #results li:focus { background: #eef4ff; outline: none; }
  #results .t { color: #777; font-size: 12px; }
  .kind { display: flex; align-items: center; gap: 6px; margin: 2px 0; }
  .swatch { width: 12px; height: 12px; border: 1px solid #333; display: inline-block; }
  #period input { width: 100px; padding: 3px 5px; }
  #cy { width: 100%; height: 100%; min-height: 300px; }
  #panel { overflow: auto; padding: 10px 14px; border-left: 1px solid #ddd; }
  #panel .empty { color: #777; }
  .fact { margin: 6px 0 10px; }
  .fact .p { color: #555; }
  .fact .inf { color: #999; font-size: 12px; }
  .ev { margin: 3px 0 3px 10px; font-size: 13px; }
  blockquote.quote { margin: 3px 0 3px 10px; padding: 2px 8px; border-left: 3px solid #E69F00; color: #333;
                     font-style: italic; }
  button { font: inherit; padding: 3px 8px; }
  .muted { color: #777; font-size: 12px; }
</style>
</head>
<body>
<header><h1 id="title">__TITLE__</h1><span class="sub" id="subtitle"></span></header>
<aside id="controls">
  <h2><label for="search">Search / Tìm / 搜索</label></h2>
  <input id="search" type="search" autocomplete="off" placeholder="name in any language, e.g. Bo Thuan">
  <ul id="results" aria-live="polite"></ul>
  <h2>Types</h2>
  <div id="kinds"></div>
  <h2>Period</h2>
  <div id="period">
    <input id="from" placeholder="from 2019" aria-label="from"> – <input id="to" placeholder="to 2023" aria-label="to">
    <div class="muted" id="period-note"></div>
  </div>
  <h2>Language</h2>
  <select id="lang" aria-label="language"><option value="en">English</option><option value="vi">Tiếng Việt</option>
    <option value="zh">中文</option></select>
  <h2>Layout</h2>
  <button id="relayout" type="button">Re-arrange</button> <button id="fit" type="button">Fit</button>
  <div class="muted" id="aside-note"></div>
  <h2>Save this view</h2>
  <button id="save-png" type="button">PNG</button> <button id="save-svg" type="button">SVG</button>
  <p class="muted">Cytoscape.js __CYTOSCAPE_VERSION__ (MIT licence) is included in this file.</p>
</aside>
<main id="cy" aria-label="network"></main>
<aside id="panel"><p class="empty">Click a node to see its facts and their sources.</p></aside>
<script>
__CYTOSCAPE__
</script>
<script id="coopgraph-data" type="application/json">__DATA__</script>
<script>
__APP__
</script>
</body>
</html>
"""

APP = r"""
"use strict";
(function () {
  const DATA = JSON.parse(document.getElementById("coopgraph-data").textContent);
  let lang = DATA.lang;
  const $ = (id) => document.getElementById(id);
  const esc = (s) => String(s == null ? "" : s).replace(/[&<>"']/g,
    (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
  // The rule of coopgraph.links.web_href: http(s), no spaces or control characters anywhere.
  const webUrl = (s) => typeof s === "string" && /^https?:\/\/[^\s\x00-\x1f\x7f]+$/i.test(s);
  // Same folding as coopgraph.export.network.fold: case, diacritics and đ are ignored.
  const fold = (s) => String(s || "").replace(/đ/g, "d").replace(/Đ/g, "D").normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/\s+/g, " ").trim();
  const pick = (d) => d["label_" + lang] || d.label || d.label_en || d.label_vi || d.label_zh || d.id;
  const shortName = (d) => (d.type === "agency" && d.abbreviation) ? d.abbreviation.split(" ")[0] : pick(d);
  const kindLabel = (k) => (DATA.kinds[k] && (DATA.kinds[k].labels[lang] || DATA.kinds[k].labels.en)) || k;

  $("subtitle").textContent = DATA.subtitle;
  const MIN_LABEL_PX = 8;
  const styles = [
    {selector: "node", style: {
      "label": "data(display)", "font-size": 11, "font-family": DATA.font, "text-wrap": "wrap", "text-max-width": 1000,
      "text-valign": "bottom", "text-margin-y": 3, "width": 22, "height": 22, "border-width": 1,
      "border-color": "#333", "text-background-color": "#fff", "text-background-opacity": 0.7,
      "text-background-padding": 1}},
    // agencies and countries, who cooperates and from where, stay named when a large network
    // opens zoomed out; the other labels appear as the reader zooms in (below MIN_LABEL_PX
    // rendered, a label is a grey smear that covers its neighbours): class "quiet", set on zoom
    {selector: 'node[type = "agency"], node[type = "country"]', style: {"font-size": 14, "font-weight": "bold"}},
    {selector: "node.quiet", style: {"label": ""}},
    {selector: "edge", style: {
      "width": 1.5, "line-color": "#9a9a9a", "target-arrow-color": "#9a9a9a",
      "target-arrow-shape": "triangle", "curve-style": "bezier", "arrow-scale": 0.7, "label": "",
      "font-size": 9, "color": "#666", "text-rotation": "autorotate"}},
    {selector: "edge[weight]", style: {"width": "mapData(weight, 1, 5, 1.5, 6)"}},
    {selector: "edge:selected, edge.near", style: {"label": "data(label)", "line-color": "#444"}},
    {selector: "node:selected", style: {"border-width": 3, "border-color": "#000"}},
    {selector: ".match", style: {"border-width": 4, "border-color": "#d00"}},
    {selector: ".neighbour", style: {"border-width": 2.5, "border-color": "#d00"}},
    {selector: ".faded", style: {"opacity": 0.2}},
    {selector: ".hidden", style: {"display": "none"}},
  ];
  for (const [k, v] of Object.entries(DATA.kinds)) {
    styles.push({selector: `node[type = "${k}"]`, style: {"background-color": v.color, "shape": v.shape}});
  }
  const directed = DATA.directed;
  const cy = cytoscape({
    container: $("cy"), elements: DATA.elements, style: styles, layout: {name: "preset"},
    wheelSensitivity: 0.3, minZoom: 0.1, maxZoom: 4,
  });
  if (!directed) cy.edges().style("target-arrow-shape", "none");
  function wrap(text, width) {
    const lines = [];
    let line = "";
    for (const word of text.split(/\s+/)) {
      if (line && (line + " " + word).length > width) { lines.push(line); line = word; }
      else line = line ? line + " " + word : word;
    }
    if (line) lines.push(line);
    return lines.join("\n");
  }
  // Zoom and pan so that eles fill the view, at most at zoom 2 (one node must not fill the screen).
  function focusOn(eles, animate) {
    const bb = eles.boundingBox(), pad = 40, w = cy.width(), h = cy.height();
    const zoom = Math.max(cy.minZoom(), Math.min(2, (w - 2 * pad) / Math.max(bb.w, 1), (h - 2 * pad) / Math.max(bb.h, 1)));
    const pan = {x: w / 2 - zoom * (bb.x1 + bb.w / 2), y: h / 2 - zoom * (bb.y1 + bb.h / 2)};
    cy.stop(true, true);
    if (animate) cy.animate({zoom, pan}, {duration: 250});
    else cy.viewport({zoom, pan});
  }
  function relabel() {
    cy.batch(() => cy.nodes().forEach((n) => {
      const d = n.data();
      let text = shortName(d);
      if (text.length > 60) text = text.slice(0, 57) + "…";
      // wrapped here, not by Cytoscape, so the saved SVG has the very lines the canvas shows
      text = wrap(text, 24);
      if (d.date && ["meeting", "agreement", "commitment", "change"].includes(d.type)) text += "\n" + d.date;
      n.data("display", text);
    }));
  }
  relabel();
  // open fitted on the main component: unlinked nodes wait in a row below it
  const main = cy.collection(DATA.main.map((id) => cy.getElementById(id)));
  focusOn(main.nonempty() ? main : cy.nodes(), false);
  const aside = cy.nodes().length - main.length;
  if (aside > 0) $("aside-note").textContent = `${aside} node(s) not linked to the main network are laid aside ` +
    "below it (Fit shows everything).";

  // --- type filter
  const kindsBox = $("kinds");
  for (const k of Object.keys(DATA.kinds)) {
    const id = "kind-" + k;
    const row = document.createElement("div");
    row.className = "kind";
    row.innerHTML = `<input type="checkbox" id="${id}" checked data-kind="${k}">` +
      `<span class="swatch" style="background:${DATA.kinds[k].color}"></span><label for="${id}"></label>`;
    row.querySelector("label").textContent = kindLabel(k);
    kindsBox.appendChild(row);
  }
  // --- period filter
  function bounds(text, end) {
    const m = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?/.exec(String(text || "").trim());
    if (!m) return null;
    const y = m[1], mo = m[2] || (end ? "12" : "01");
    const last = new Date(Date.UTC(+y, +mo, 0)).getUTCDate();
    const d = m[3] || (end ? String(last).padStart(2, "0") : "01");
    return `${y}-${mo}-${d}`;
  }
  function applyFilters() {
    const shown = new Set(Array.from(kindsBox.querySelectorAll("input:checked")).map((i) => i.dataset.kind));
    const from = bounds($("from").value, false), to = bounds($("to").value, true);
    const periodOn = Boolean(from || to);
    $("period-note").textContent = periodOn ? "undated nodes shown when linked to a dated one in the period" : "";
    const inPeriod = (d) => {
      const lo = bounds(d.date, false), hi = bounds(d.date, true);
      return lo && (!from || hi >= from) && (!to || lo <= to);
    };
    cy.batch(() => {
      cy.nodes().forEach((n) => {
        const d = n.data();
        let visible = shown.has(d.type);
        if (visible && periodOn && d.date) visible = Boolean(inPeriod(d));
        n.toggleClass("hidden", !visible);
      });
      if (periodOn) {
        cy.nodes().forEach((n) => {
          if (n.hasClass("hidden") || n.data("date")) return;
          const linked = n.neighborhood("node").some((m) => !m.hasClass("hidden") && m.data("date"));
          if (!linked) n.addClass("hidden");
        });
      }
    });
    const visible = cy.nodes().filter((n) => !n.hasClass("hidden"));
    if (visible.nonempty()) cy.fit(visible, 30);
  }
  kindsBox.addEventListener("change", applyFilters);
  $("from").addEventListener("input", applyFilters);
  $("to").addEventListener("input", applyFilters);

  // --- search (any language, diacritics-insensitive)
  function search(query) {
    const q = fold(query);
    if (!q) return [];
    const hits = [];
    cy.nodes().forEach((n) => {
      const names = (n.data("search") || "").split(" | ");
      let score = -1;
      for (const name of names) {
        if (name === q) score = Math.max(score, 3);
        else if (name.startsWith(q)) score = Math.max(score, 2);
        else if (name.includes(q)) score = Math.max(score, 1);
      }
      if (score >= 0) hits.push([score, pick(n.data()), n]);
    });
    hits.sort((a, b) => b[0] - a[0] || a[1].localeCompare(b[1]));
    return hits.map((h) => h[2]);
  }
  function showResults() {
    const hits = search($("search").value);
    // highlight the matches and their neighbours, fade the rest, and zoom to them
    const found = cy.collection(hits).filter((n) => !n.hasClass("hidden"));
    const around = found.neighborhood("node").difference(found).filter((n) => !n.hasClass("hidden"));
    cy.batch(() => {
      cy.elements().removeClass("match neighbour faded near");
      if ($("search").value.trim()) {
        cy.elements().addClass("faded");
        found.removeClass("faded").addClass("match");
        around.removeClass("faded").addClass("neighbour");
        found.connectedEdges().filter((e) => !e.hasClass("hidden")).removeClass("faded").addClass("near");
      }
    });
    if (found.nonempty()) focusOn(found.union(around), true);
    const list = $("results");
    list.innerHTML = "";
    hits.slice(0, 50).forEach((n) => {
      const li = document.createElement("li");
      li.tabIndex = 0;
      li.dataset.id = n.id();
      li.innerHTML = `${esc(pick(n.data()))} <span class="t">${esc(kindLabel(n.data("type")))}</span>`;
      li.addEventListener("click", () => select(n.id(), true));
      li.addEventListener("keydown", (e) => { if (e.key === "Enter") select(n.id(), true); });
      list.appendChild(li);
    });
    if ($("search").value.trim() && !hits.length) list.innerHTML = '<li class="t">no match</li>';
  }
  $("search").addEventListener("input", showResults);

  // --- side panel: facts with sources and quotes
  function evidenceHtml(id) {
    const ev = DATA.evidence[id];
    if (!ev) return "";
    if (ev.kind === "curation") return `<div class="ev">curators' assertion: ${esc(ev.justification)}</div>`;
    // ev.url is an http(s) address (checked when the page was made); checked again here so
    // the page stays safe whatever wrote its data. Anything else is shown as text, not linked.
    const title = webUrl(ev.url) ? `<a href="${esc(ev.url)}" rel="noreferrer">${esc(ev.title || ev.source)}</a>`
                                 : esc(ev.title || ev.source || id) +
                                   (ev.rawUrl ? ` <span class="muted">(not a web address: ${esc(ev.rawUrl)})</span>` : "");
    const where = ev.locator ? ` — ${esc(ev.locator)}` : "";
    const quote = ev.quote ? `<blockquote class="quote">${esc(ev.quote)}</blockquote>` : "";
    return `<div class="ev">${title}${where}</div>${quote}`;
  }
  function select(id, zoom) {
    const n = cy.getElementById(id);
    if (!n || n.empty()) return;
    cy.elements().unselect();
    n.select();
    cy.edges().removeClass("near");
    n.connectedEdges().addClass("near");
    if (zoom) focusOn(n.closedNeighborhood("node"), true);
    else cy.animate({center: {eles: n}, duration: 200});
    const d = n.data();
    const rows = (DATA.facts[id] || []).map((f) => {
      const arrow = f.dir === "out" ? `${esc(f.p)}:` : `← ${esc(f.p)}:`;
      const inf = f.inferred ? ' <span class="inf">(inferred)</span>' : "";
      const value = f.lit ? `“${esc(f.v)}”${f.lang ? ` <span class="inf">@${esc(f.lang)}</span>` : ""}` : esc(f.v);
      return `<div class="fact"><span class="p">${arrow}</span> ${value}${inf}${f.ev.map(evidenceHtml).join("")}</div>`;
    }).join("");
    const names = ["vi", "en", "zh"].filter((l) => d["label_" + l])
      .map((l) => `<div><span class="muted">${l}</span> ${esc(d["label_" + l])}</div>`).join("");
    $("panel").innerHTML = `<h2>${esc(kindLabel(d.type))}</h2><h3 id="panel-title">${esc(pick(d))}</h3>${names}` +
      (d.date ? `<div><span class="muted">date</span> ${esc(d.date)}</div>` : "") +
      `<div class="muted">${esc(d.id)}</div><h2>Facts and sources</h2>` +
      (rows || '<p class="empty">No facts recorded.</p>');
  }
  const quiet = () => {
    const hide = cy.zoom() * 11 < MIN_LABEL_PX;
    cy.batch(() => cy.nodes('[type != "agency"][type != "country"]').forEach((n) =>
      n.toggleClass("quiet", hide && !n.hasClass("match") && !n.hasClass("neighbour") && !n.selected())));
  };
  cy.on("zoom select unselect", quiet);
  quiet();
  cy.on("tap", "node", (e) => select(e.target.id()));

  $("lang").value = ["en", "vi", "zh"].includes(lang) ? lang : "en";
  $("lang").addEventListener("change", () => {
    lang = $("lang").value;
    relabel();
    kindsBox.querySelectorAll("label").forEach((l) => { l.textContent = kindLabel(l.htmlFor.slice(5)); });
    const sel = cy.nodes(":selected");
    if (sel.nonempty()) select(sel[0].id());
    showResults();
  });
  $("relayout").addEventListener("click", () => cy.layout({name: "cose", animate: false, randomize: false}).run());
  $("fit").addEventListener("click", () => focusOn(cy.elements(":visible"), true));

  // --- save the current view: PNG from Cytoscape.js, SVG written here from what is on screen
  const num = (v) => Math.round(v * 100) / 100;
  function shapePoints(shape, x, y, w, h) {
    const poly = (pts) => pts.map(([px, py]) => `${num(x + px * w / 2)},${num(y + py * h / 2)}`).join(" ");
    const ring = (k, start, inner) => poly(Array.from({length: inner ? 2 * k : k}, (_, i) => {
      const a = start + i * Math.PI * 2 / (inner ? 2 * k : k), r = inner && i % 2 ? inner : 1;
      return [r * Math.cos(a), r * Math.sin(a)];
    }));
    switch (shape) {
      case "diamond": return poly([[0, -1], [1, 0], [0, 1], [-1, 0]]);
      case "triangle": return poly([[0, -1], [1, 1], [-1, 1]]);
      case "vee": return poly([[-1, -1], [0, -0.33], [1, -1], [0, 1]]);
      case "star": return ring(5, -Math.PI / 2, 0.38);
      case "pentagon": return ring(5, -Math.PI / 2);
      case "hexagon": return ring(6, 0);
      case "octagon": return ring(8, Math.PI / 8);
      default: return null;
    }
  }
  function viewSVG() {
    const w = cy.width(), h = cy.height(), z = cy.zoom();
    const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}"` +
      ` font-family="${esc(DATA.font)}">`, `<title>${esc(DATA.title)}</title>`,
      `<rect width="${w}" height="${h}" fill="#ffffff"/>`, `<g id="edges">`];
    cy.edges().filter((e) => e.visible()).forEach((e) => {
      const a = e.renderedSourceEndpoint(), b = e.renderedTargetEndpoint();
      const color = e.style("line-color"), op = num(e.effectiveOpacity());
      out.push(`<line x1="${num(a.x)}" y1="${num(a.y)}" x2="${num(b.x)}" y2="${num(b.y)}" stroke="${color}"` +
        ` stroke-width="${num(parseFloat(e.style("width")) * z)}" opacity="${op}"/>`);
      if (directed) {
        const len = Math.hypot(b.x - a.x, b.y - a.y) || 1, ux = (b.x - a.x) / len, uy = (b.y - a.y) / len;
        const s = 6 * z;
        out.push(`<polygon points="${num(b.x)},${num(b.y)} ${num(b.x - ux * s - uy * s / 2)},` +
          `${num(b.y - uy * s + ux * s / 2)} ${num(b.x - ux * s + uy * s / 2)},${num(b.y - uy * s - ux * s / 2)}"` +
          ` fill="${color}" opacity="${op}"/>`);
      }
    });
    out.push(`</g><g id="nodes">`);
    const labels = [];
    cy.nodes().filter((n) => n.visible()).forEach((n) => {
      const p = n.renderedPosition(), rw = n.renderedWidth(), rh = n.renderedHeight();
      const paint = ` fill="${n.style("background-color")}" stroke="${n.style("border-color")}"` +
        ` stroke-width="${num(parseFloat(n.style("border-width")) * z)}" opacity="${num(n.effectiveOpacity())}"`;
      const shape = n.style("shape"), pts = shapePoints(shape, p.x, p.y, rw, rh);
      if (pts) out.push(`<polygon points="${pts}"${paint}/>`);
      else if (shape === "ellipse") out.push(`<ellipse cx="${num(p.x)}" cy="${num(p.y)}" rx="${num(rw / 2)}" ry="${num(rh / 2)}"${paint}/>`);
      else out.push(`<rect x="${num(p.x - rw / 2)}" y="${num(p.y - rh / 2)}" width="${num(rw)}" height="${num(rh)}"` +
        ` rx="${shape === "round-rectangle" ? num(Math.min(rw, rh) / 4) : 0}"${paint}/>`);
      const text = n.data("display");
      if (!text) return;
      if (n.hasClass("quiet")) return;  // not drawn on screen either
      const size = parseFloat(n.style("font-size")) * z;
      const top = p.y + rh / 2 + parseFloat(n.style("text-margin-y")) * z;
      const lines = text.split("\n").map((t, i) =>
        `<tspan x="${num(p.x)}" y="${num(top + size * (0.9 + 1.2 * i))}">${esc(t)}</tspan>`).join("");
      labels.push(`<text font-size="${num(size)}" text-anchor="middle" fill="${n.style("color")}"` +
        ` stroke="#ffffff" stroke-width="${num(size / 4)}" paint-order="stroke" opacity="${num(n.effectiveOpacity())}"` +
        ` data-id="${esc(n.id())}">${lines}</text>`);
    });
    out.push(`</g><g id="labels">`, ...labels, `</g></svg>`);
    return out.join("\n") + "\n";
  }
  const viewPNG = () => cy.png({full: false, scale: 2, bg: "#ffffff", output: "base64uri"});
  function download(name, blob) {
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = name;
    document.body.appendChild(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }
  const fileBase = (DATA.title || "coopgraph").replace(/[^\p{L}\p{N}]+/gu, "-").replace(/^-|-$/g, "") || "coopgraph";
  $("save-png").addEventListener("click", () => cy.png({full: false, scale: 2, bg: "#ffffff", output: "blob-promise"})
    .then((blob) => download(fileBase + ".png", blob)));
  $("save-svg").addEventListener("click", () =>
    download(fileBase + ".svg", new Blob([viewSVG()], {type: "image/svg+xml"})));

  // A small, stable handle for tests and for power users' browser consoles.
  window.coopgraph = {cy, search: (q) => search(q).map((n) => n.id()), select, applyFilters, viewSVG, viewPNG,
                      focusOn};
  document.body.dataset.ready = "true";
})();
"""
