// The query page: YASGUI on this endpoint, the named queries, and two offline result views.
//
// Why two views of our own: YASGUI's chart view loads Google Charts from the network, and it has
// no graph view; these draw from the result alone (SVG for the chart, the vendored Cytoscape.js
// for the graph), so the page keeps working offline. Every IRI shown links only to an entity
// page here or to an http(s) address (never javascript: or data:), as on the other pages.
"use strict";
(function () {
  const NAMED = JSON.parse(document.getElementById("named-queries").textContent);
  const PREFIXES = JSON.parse(document.getElementById("prefixes").textContent);
  const ID_BASE = "https://w3id.org/coopgraph/id/";
  const ENDPOINT = new URL("/sparql", window.location.href).href;
  const NUMERIC = /#(integer|decimal|double|float|int|long|short|byte|gYear|nonNegativeInteger|positiveInteger)$/;
  const LABELS = ["http://www.w3.org/2000/01/rdf-schema#label", "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://xmlns.com/foaf/0.1/name"];
  const SVG = "http://www.w3.org/2000/svg";

  function short(iri) {
    if (iri.startsWith(ID_BASE)) return iri.slice(ID_BASE.length);
    const cut = Math.max(iri.lastIndexOf("#"), iri.lastIndexOf("/"));
    return cut >= 0 && cut < iri.length - 1 ? iri.slice(cut + 1) : iri;
  }

  function el(tag, attrs, text) {
    const node = tag.startsWith("svg:") ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function icon(letter) {
    const span = el("span", { class: "cg-icon" }, letter);
    return span;
  }

  function select(label, options, value, onChange) {
    const s = el("select");
    for (const o of options) s.appendChild(el("option", { value: o }, o));
    s.value = value;
    s.addEventListener("change", () => onChange(s.value));
    const l = el("label", {}, label + " ");
    l.appendChild(s);
    return l;
  }

  // -- chart: one numeric column as bars, labelled by another column ---------------------------

  class Chart {
    constructor(yasr) { this.yasr = yasr; this.priority = 4; this.label = "Chart"; }
    columns() {
      const r = this.yasr.results;
      if (!r || !r.getVariables || !r.getBindings) return null;
      const vars = r.getVariables() || [], rows = r.getBindings() || [];
      const numeric = vars.filter((v) => rows.some((b) => b[v]) &&
        rows.every((b) => !b[v] || (b[v].type !== "uri" && NUMERIC.test(b[v].datatype || ""))));
      return rows.length && numeric.length ? { vars, rows, numeric } : null;
    }
    canHandleResults() { return this.columns() !== null; }
    getIcon() { return icon("▥"); }
    draw() {
      const { vars, rows, numeric } = this.columns();
      const others = vars.filter((v) => !numeric.includes(v));
      this.value = numeric.includes(this.value) ? this.value : numeric[0];
      this.by = vars.includes(this.by) ? this.by : (others.find((v) => /label$/i.test(v)) || others[0] || this.value);
      const root = el("div", { class: "cg-chart" });
      const controls = el("div", { class: "controls" });
      controls.append(select("value", numeric, this.value, (v) => { this.value = v; this.draw(); }),
        select("label", vars, this.by, (v) => { this.by = v; this.draw(); }));
      root.appendChild(controls);
      const shown = rows.slice(0, 60);
      const values = shown.map((b) => (b[this.value] ? Number(b[this.value].value) : 0));
      const max = Math.max(1, ...values.map(Math.abs));
      const labelWidth = 280, barWidth = 520, h = 20;
      const svg = el("svg:svg", { width: labelWidth + barWidth + 80, height: shown.length * h + 10, role: "img",
        "aria-label": `bar chart of ?${this.value} by ?${this.by}` });
      shown.forEach((b, i) => {
        const term = b[this.by];
        const text = term ? (term.type === "uri" ? short(term.value) : term.value) : "";
        const y = i * h + 5;
        svg.appendChild(el("svg:text", { x: labelWidth - 6, y: y + 14, "text-anchor": "end" },
          text.length > 44 ? text.slice(0, 43) + "…" : text));
        const w = Math.max(1, Math.round((Math.abs(values[i]) / max) * barWidth));
        svg.appendChild(el("svg:rect", { x: labelWidth, y: y + 2, width: w, height: h - 5, fill: "#4a78b5" }));
        svg.appendChild(el("svg:text", { x: labelWidth + w + 4, y: y + 14 }, String(values[i])));
      });
      root.appendChild(svg);
      if (rows.length > shown.length) root.appendChild(el("p", { class: "cg-note" }, `first ${shown.length} of ${rows.length} rows`));
      this.yasr.resultsEl.replaceChildren(root);
    }
  }

  // -- graph: triples (CONSTRUCT, DESCRIBE) or rows linking two IRIs, drawn with Cytoscape.js -----

  class GraphView {
    constructor(yasr) { this.yasr = yasr; this.priority = 3; this.label = "Graph"; }
    elements() {
      const r = this.yasr.results;
      if (!r || !r.getVariables || !r.getBindings) return null;
      const vars = r.getVariables() || [], rows = r.getBindings() || [];
      const nodes = new Map(), edges = [], labels = new Map();
      const node = (t) => {
        const id = t.type === "bnode" ? "_:" + t.value : t.value;
        if (!nodes.has(id)) nodes.set(id, { data: { id, label: t.type === "uri" ? short(t.value) : id } });
        return id;
      };
      if (vars.length === 3 && vars.join() === "subject,predicate,object") {
        for (const b of rows) {
          if (b.object.type === "literal") {
            if (LABELS.includes(b.predicate.value) && !labels.has(b.subject.value)) labels.set(b.subject.value, b.object.value);
            continue;
          }
          edges.push({ data: { source: node(b.subject), target: node(b.object), label: short(b.predicate.value) } });
        }
      } else {
        const iris = vars.filter((v) => rows.some((b) => b[v] && b[v].type === "uri"));
        if (iris.length < 2) return null;
        const [from, to] = iris;
        for (const b of rows) {
          if (!b[from] || !b[to] || b[from].type === "literal" || b[to].type === "literal") continue;
          edges.push({ data: { source: node(b[from]), target: node(b[to]), label: "" } });
          for (const v of [from, to]) {
            const l = b[v + "Label"];
            if (l && !labels.has(b[v].value)) labels.set(b[v].value, l.value);
          }
        }
      }
      if (!edges.length) return null;
      for (const [id, n] of nodes) if (labels.has(id)) n.data.label = labels.get(id);
      return { nodes: [...nodes.values()], edges };
    }
    canHandleResults() { return this.elements() !== null; }
    getIcon() { return icon("⚯"); }
    draw() {
      const { nodes, edges } = this.elements();
      const root = el("div", { class: "cg-graph" });
      const limit = 400;
      const shownNodes = nodes.slice(0, limit);
      const keep = new Set(shownNodes.map((n) => n.data.id));
      const shownEdges = edges.filter((e) => keep.has(e.data.source) && keep.has(e.data.target))
        .map((e, i) => ({ data: { ...e.data, id: "e" + i } }));
      root.appendChild(el("p", { class: "cg-note" }, `${shownNodes.length} nodes, ${shownEdges.length} links` +
        (nodes.length > limit ? ` (first ${limit} of ${nodes.length} nodes)` : "") + "; click a node to open its page"));
      const canvas = el("div", { class: "canvas" });
      root.appendChild(canvas);
      this.yasr.resultsEl.replaceChildren(root);
      const cy = window.cytoscape({
        container: canvas, elements: [...shownNodes, ...shownEdges], maxZoom: 1.6, // a small graph keeps its text size
        layout: shownNodes.length > 150 ? { name: "circle" }
          : { name: "cose", animate: false, idealEdgeLength: 140, nodeRepulsion: 600000, nodeOverlap: 40,
            componentSpacing: 120, randomize: false },
        style: [
          { selector: "node", style: { label: "data(label)", "font-size": 10, "background-color": "#4a78b5",
            width: 14, height: 14, "text-valign": "bottom", "text-wrap": "ellipsis", "text-max-width": 140 } },
          { selector: "edge", style: { width: 1, "line-color": "#999", "target-arrow-color": "#999",
            "target-arrow-shape": "triangle", "curve-style": "bezier", "font-size": 9, color: "#444" } },
          { selector: "edge.hover", style: { label: "data(label)", width: 2, "line-color": "#c44" } },
        ],
      });
      // the property of a link shows under the pointer: on every link at once they hide the graph
      cy.on("mouseover", "edge", (event) => event.target.addClass("hover"));
      cy.on("mouseout", "edge", (event) => event.target.removeClass("hover"));
      cy.on("tap", "node", (event) => {
        const id = event.target.id();
        if (id.startsWith(ID_BASE)) window.open("/id/" + id.slice(ID_BASE.length), "_blank", "noopener");
        else if (/^https?:\/\/[^\s\x00-\x1f\x7f]+$/i.test(id)) window.open(id, "_blank", "noopener,noreferrer");
      });
      this.cy = cy;
    }
  }

  // -- links in results: entity IRIs to their page here, http(s) to themselves, nothing else ------

  // YASR's table links every IRI a result holds; the data decides what those are. A link that is
  // not http(s) (javascript:, data:, ...) becomes its text, before anyone can click it (the
  // observer runs as soon as the table is in the page), as on every other page of the project.
  function safeLink(a) {
    const href = a.getAttribute("href");
    if (href === null || href.startsWith("/id/")) return;
    if (href.startsWith(ID_BASE) && !/[\s\x00-\x1f\x7f]/.test(href)) {
      a.setAttribute("href", "/id/" + href.slice(ID_BASE.length));
      return;
    }
    let url = null;
    try { url = new URL(href, window.location.href); } catch (e) { url = null; }
    if (!url || !/^https?:$/.test(url.protocol) || /[\s\x00-\x1f\x7f]/.test(href)) {
      a.replaceWith(document.createTextNode(a.textContent));
    }
  }
  const root = document.getElementById("yasgui");
  new MutationObserver((changes) => {
    for (const change of changes) {
      if (change.type === "attributes" && change.target.matches("a[href]")) safeLink(change.target);
      for (const node of change.addedNodes) {
        if (node.nodeType !== 1) continue;
        if (node.matches("a[href]")) safeLink(node);
        node.querySelectorAll("a[href]").forEach(safeLink);
      }
    }
  }).observe(root, { subtree: true, childList: true, attributes: true, attributeFilter: ["href"] });

  // -- YASGUI on this endpoint -------------------------------------------------------------------

  Yasgui.Yasr.registerPlugin("chart", Chart);
  Yasgui.Yasr.registerPlugin("graph", GraphView);
  // Offline: the project's prefixes only (no prefix.cc), no class or property lookups on LOV.
  Yasgui.Yasqe.defaults.autocompleters = ["prefixes", "variables"];
  Yasgui.Yasqe.defaults.prefixCcApi = new URL("/web/prefixes.json", window.location.href).href;

  const first = NAMED[0];
  const yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: ENDPOINT, method: "POST", acceptHeaderGraph: "text/turtle,*/*;q=0.9" },
    copyEndpointOnNewTab: true,
    endpointCatalogueOptions: { getData: () => [{ endpoint: ENDPOINT }] },
    persistenceId: "coopgraph-yasgui",
    yasqe: { value: first ? first.text : "SELECT ?class (COUNT(?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class ORDER BY DESC(?n)" },
    yasr: { pluginOrder: ["table", "chart", "graph", "response"], defaultPlugin: "table", prefixes: PREFIXES },
  });
  document.getElementById("endpoint").textContent = ENDPOINT;

  const menu = document.getElementById("named");
  for (const q of NAMED) {
    const opt = el("option", { value: q.name }, `${q.name}: ${q.question}`);
    menu.appendChild(opt);
  }
  menu.addEventListener("change", () => {
    const q = NAMED.find((n) => n.name === menu.value);
    menu.value = "";
    if (!q) return;
    const tab = yasgui.addTab(true, { name: q.name, yasqe: { value: q.text }, requestConfig: { endpoint: ENDPOINT } });
    const yasqe = (tab || yasgui.getTab()).getYasqe();
    if (yasqe) {
      yasqe.setValue(q.text);
      yasqe.query();
    }
  });

  yasgui.on("queryResponse", () => { document.body.dataset.state = "done"; });
  window.coopgraphYasgui = yasgui; // for the browser tests and the console
})();
