"""The query page (YASGUI) and the files it loads, all served from the installed package.

Why YASGUI: it is the SPARQL editor researchers know (syntax highlighting, completion, tabs,
table and raw-response views). It is vendored from npm (``web/vendor/``, see its README) and
served by ``coopgraph serve`` itself, so the page works offline and loads nothing from a CDN.
The page's own script (``web/yasgui-page.js``) adds the named queries, the project prefixes,
and the two result views YASGUI lacks offline: a chart and a graph.

The named queries are handed to the page as text a client reads as the query it is: the
project prefixes it uses are declared in it (YASQE checks them; SPARQLWrapper and other
clients need them), after its opening comment, which stays as the query's documentation.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from coopgraph.namespaces import ID, PREFIXES

WEB = Path(__file__).resolve().parent / "web"
EXPORT_VENDOR = Path(__file__).resolve().parents[1] / "export" / "vendor"  # Cytoscape.js, vendored once
# /web/NAME -> (file, media type); the page loads nothing else.
STATIC = {
    "yasgui.min.js": (WEB / "vendor" / "yasgui.min.js", "text/javascript; charset=utf-8"),
    "yasgui.min.css": (WEB / "vendor" / "yasgui.min.css", "text/css; charset=utf-8"),
    "cytoscape.min.js": (EXPORT_VENDOR / "cytoscape.min.js", "text/javascript; charset=utf-8"),
    "yasgui-page.js": (WEB / "yasgui-page.js", "text/javascript; charset=utf-8"),
    "yasgui-page.css": (WEB / "yasgui-page.css", "text/css; charset=utf-8"),
}
# The two <style> elements YASGUI's table adds (its column-resizer's fixed rules), by hash; the
# browser test fails on any policy violation, so a new YASGUI version that adds others shows.
YASGUI_STYLES = ("'sha256-zCK2EVMoPc04mRF/g5CotUvxbJPWS+8V0b+s9ptqQIk='",
                 "'sha256-pgvDUBa4IjFA2yuSJ2cqcyxmNYJMborsd0ORcRv9vw8='")
# The page's policy: its code comes from this server only and no inline script runs (the JSON
# blocks are data); fetch() reaches this server only. Style attributes set from script through
# the DOM (CodeMirror, YASR, Cytoscape do) are not inline styles for the policy.
PAGE_POLICY = (f"default-src 'none'; script-src 'self'; style-src 'self' {' '.join(YASGUI_STYLES)}; "
               "connect-src 'self'; img-src 'self' data:; font-src 'self' data:; base-uri 'none'; "
               "form-action 'none'; frame-ancestors 'none'")


def declared(text: str) -> str:
    """``text`` with a PREFIX line for each project prefix it uses and does not declare,
    inserted after its opening comment block (the project's SPARQL lexer finds the names)."""
    from coopgraph.query.offline import tokens

    toks = [(kind, value) for kind, value, _ in tokens(text) if kind != "comment"]
    have = {toks[i + 1][1].split(":")[0] for i, (kind, value) in enumerate(toks[:-1])
            if kind == "word" and value.upper() == "PREFIX" and toks[i + 1][0] == "pname"}
    used = {value.split(":")[0] for kind, value in toks if kind == "pname"}
    missing = [p for p in PREFIXES if p in used and p not in have]
    if not missing:
        return text
    lines = text.splitlines(keepends=True)
    head = 0
    while head < len(lines) and (lines[head].lstrip().startswith("#") or not lines[head].strip()):
        head += 1
    block = "".join(f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in missing)
    return "".join(lines[:head]) + block + "".join(lines[head:])


def named_for_clients(library: object) -> list[dict[str, object]]:
    """The named queries as the page shows them: name, question, form, text with its prefixes."""
    return [{"name": q.name, "question": q.question, "form": q.form, "text": declared(q.text),
             "parameters": [p.name for p in q.parameters]} for q in library]  # type: ignore[attr-defined]


def query_page(library: object) -> bytes:
    """The YASGUI page with the named queries inlined as JSON (data, never run)."""
    data = json.dumps(named_for_clients(library), ensure_ascii=False).replace("</", "<\\/")
    template = (WEB / "yasgui.html").read_text(encoding="utf-8")
    prefixes = json.dumps({**PREFIXES, "id": str(ID)})
    return template.replace("/*NAMED_QUERIES*/[]", data).replace("/*PREFIXES*/{}", prefixes).encode("utf-8")


def static_file(name: str) -> tuple[str, bytes] | None:
    """(media type, bytes) of one file the page loads, or None for any other name."""
    if name != "prefixes.json" and name not in STATIC:
        return None  # checked before the cache, so unknown names (a scanner's) are not remembered
    return _read(name)


@functools.cache
def _read(name: str) -> tuple[str, bytes]:
    """Read once per process: the files are part of the installed package."""
    if name == "prefixes.json":  # what YASQE's prefix completion offers: the project's prefixes
        return "application/json", json.dumps(PREFIXES, indent=1).encode("utf-8")
    path, media = STATIC[name]
    return media, path.read_bytes()
