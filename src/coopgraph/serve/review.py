"""The review pages of ``coopgraph serve --drafts DIR``: the terminal review, in the browser.

``/review`` lists the drafts of DIR; ``/review/{file}`` shows one: each passage with the words of
its facts and links highlighted, and for each item its decision and buttons to accept, reject,
correct its triples (Turtle) or link a mention to another entity (a name resolved through the
served graph, as ``coopgraph describe`` resolves it). A decision is a form POST that goes
through :mod:`coopgraph.curate.review` and is saved to the draft file before the page is shown again,
so a reload shows what the file holds. "Check the merge" runs :func:`coopgraph.curate.merge.merge`
without writing and shows the report and the command that writes the file.

Safety: the routes exist only when a drafts folder is given; they write nothing but the draft
files directly in it (a name is one path segment ending in .trig, resolved inside the folder);
a POST whose Origin is not this server, or whose Host is not the address served, is refused,
so another site open in the same browser cannot decide for the curator. The pages run no
script; their only style is the inline one the Content-Security-Policy names by hash.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
import threading
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coopgraph.curate import review
from coopgraph.curate.draft import Draft, read_draft
from coopgraph.errors import CoopgraphError
from coopgraph.serve.server import HttpError, Reply

STYLE = (Path(__file__).resolve().parent / "web" / "review.css").read_text(encoding="utf-8")
_STYLE_HASH = "'sha256-" + base64.b64encode(hashlib.sha256(STYLE.encode("utf-8")).digest()).decode("ascii") + "'"
#: No script at all; the inline style by hash; forms post to this server only.
POLICY = (f"default-src 'none'; style-src {_STYLE_HASH}; img-src 'self'; base-uri 'none'; "
          "form-action 'self'; frame-ancestors 'none'")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,200}\.trig")
_LOOPBACK = ("127.0.0.1", "localhost", "[::1]")


@dataclass
class Request:
    """What a review route needs of an HTTP request (the server parses it)."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: Callable[[], bytes]
    host: str  # the address served, e.g. "127.0.0.1"
    port: int
    params: Mapping[str, list[str]] = field(default_factory=dict)  # the query string


class ReviewSite:
    """The review routes over one drafts folder."""

    def __init__(self, folder: Path, data_dir: Path | None = None) -> None:
        self.folder = Path(folder)
        if not self.folder.is_dir():
            from coopgraph.errors import UsageError

            raise UsageError(f"--drafts {folder}: not a folder")
        self.data_dir = data_dir
        self._lock = threading.Lock()  # one decision at a time: read, decide, write

    @staticmethod
    def handles(path: str) -> bool:
        """True for the paths this site answers."""
        return path == "/review" or path.startswith("/review/")

    def route(self, request: Request, graph: Any) -> Reply:
        """Answer one request; ``graph`` (the served CoopGraph) resolves entity names."""
        if request.method == "POST":
            self._check_origin(request)
        rest = request.path.removeprefix("/review").strip("/")
        if not rest:
            if request.method == "POST":
                raise HttpError(405, "POST a decision to /review/{draft file}", {"Allow": "GET, HEAD"})
            return self._page(200, self._index())
        path = self._file(rest)
        if request.method == "POST":
            return self._post(request, path, graph)
        search = None
        if request.params.get("find") and request.params.get("for"):
            search = (request.params["for"][-1], request.params["find"][-1])
        return self._page(200, self._draft_page(path, graph, search=search))

    # -- safety -------------------------------------------------------------------------------

    def _check_origin(self, request: Request) -> None:
        host = request.headers.get("Host", "")
        allowed = {f"{h}:{request.port}" for h in (*_LOOPBACK, request.host)}
        if host not in allowed:
            raise HttpError(403, f"refused: Host {host!r} is not this server")
        origin = request.headers.get("Origin")
        if origin is not None and origin != f"http://{host}":
            raise HttpError(403, f"refused: a POST from {origin} (another site) cannot change a draft")
        fetch_site = request.headers.get("Sec-Fetch-Site")
        if fetch_site not in (None, "same-origin", "none"):
            raise HttpError(403, f"refused: a {fetch_site} POST cannot change a draft")

    def _file(self, name: str) -> Path:
        name = urllib.parse.unquote(name)
        if not _NAME.fullmatch(name):
            raise HttpError(404, f"no draft {name!r} (a draft is a .trig file in {self.folder})")
        path = self.folder / name
        if path.resolve().parent != self.folder.resolve() or not path.is_file():
            raise HttpError(404, f"no draft {name!r} in {self.folder}")
        return path

    # -- decisions ----------------------------------------------------------------------------

    def _post(self, request: Request, path: Path, graph: Any) -> Reply:
        media = request.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if media != "application/x-www-form-urlencoded":
            raise HttpError(415, "POST the review form (application/x-www-form-urlencoded)")
        form = {k: v[-1] for k, v in urllib.parse.parse_qs(request.body().decode("utf-8", "replace"),
                                                           keep_blank_values=True).items()}
        op, key = form.get("op", ""), form.get("key", "")
        if op == "check":
            return self._page(200, self._draft_page(path, graph, check=True))
        with self._lock:
            try:
                draft = read_draft(path)
                if op in ("accept", "reject", "reset"):
                    review.decide(draft, key, op)
                elif op == "correct":
                    review.correct(draft, key, form.get("turtle", ""))
                elif op == "replace":
                    name = form.get("entity", "").strip()
                    if not name:
                        raise CoopgraphError("type a name, an abbreviation or a short IRI such as org/stameq")
                    review.replace_link(draft, key, review.resolve_in_draft(draft, name, graph.resolve))
                else:
                    raise HttpError(400, f"unknown operation {op!r}")
                review.save(draft, path)
            except HttpError:
                raise
            except CoopgraphError as e:
                body = self._draft_page(path, graph, error=(key, str(e)), typed=form.get("turtle"))
                return self._page(400, body)
        anchor = f"#{key}" if re.fullmatch(r"[A-Za-z0-9_-]+", key) else ""
        return Reply(303, "text/plain; charset=utf-8", b"", {"Location": f"/review/{path.name}{anchor}"})

    # -- pages --------------------------------------------------------------------------------

    def _page(self, status: int, body: str) -> Reply:
        text = ("<!doctype html><html lang=en><head><meta charset=utf-8>"
                "<meta name=viewport content='width=device-width,initial-scale=1'>"
                f"<title>coopgraph review</title><style>{STYLE}</style></head><body>{body}</body></html>")
        return Reply(status, "text/html; charset=utf-8", text.encode("utf-8"),
                     # same-origin, not the server's no-referrer: with no-referrer the browser
                     # sends "Origin: null" even for this page's own forms, which would be refused
                     {"Content-Security-Policy": POLICY, "Cache-Control": "no-store",
                      "Referrer-Policy": "same-origin"})

    def _index(self) -> str:
        rows = []
        for path in sorted(self.folder.glob("*.trig")):
            if not _NAME.fullmatch(path.name):
                continue
            try:
                draft = read_draft(path)
            except CoopgraphError as e:
                rows.append(f"<tr><td>{_e(path.name)}</td><td colspan=2 class=error>{_e(str(e))}</td></tr>")
                continue
            counts = review.status(draft)
            left = counts["facts"]["pending"] + counts["links"]["pending"]
            rows.append(f"<tr><td><a href='/review/{_e(urllib.parse.quote(path.name))}'>{_e(draft.slug)}</a></td>"
                        f"<td>{len(draft.facts)} facts, {len(draft.links)} links</td><td>{left} pending</td></tr>")
        table = "<table>" + "".join(rows) + "</table>" if rows else "<p>No drafts in this folder yet.</p>"
        return f"<h1>Drafts to review</h1><p class=meta>{_e(str(self.folder))}</p>{table}"

    def _draft_page(self, path: Path, graph: Any, *, error: tuple[str, str] | None = None,
                    typed: str | None = None, check: bool = False,
                    search: tuple[str, str] | None = None) -> str:
        try:
            draft = read_draft(path)
        except CoopgraphError as e:
            return f"<p><a href='/review'>All drafts</a></p><div class=error>{_e(str(e))}</div>"
        items = review.items(draft)
        counts = review.status_text(draft).strip().replace("\n", " · ")
        out = [f"<p><a href='/review'>All drafts</a></p><h1>Review: {_e(draft.slug)}</h1>",
               f"<p class=meta>{_e(str(path))} · {_e(counts)} · every decision is saved to the file at once</p>"]
        if error is not None:
            out.append(f"<div class=error id=error>{_e(error[0])}: {_e(error[1])}</div>")
        by_passage: dict[str, list[review.Item]] = {}
        for item in items:
            by_passage.setdefault(str(item.passage), []).append(item)
        for group in by_passage.values():
            first = group[0]
            out.append(f"<h2>Passage: {_e(first.locator)}</h2>")
            out.append(f"<div class=passage>{_marked(first.passage_text, group)}</div>")
            for item in group:
                out.append(self._card(path, draft, item, graph, error, typed, search))
        out.append(self._merge_box(path, draft, check))
        return "".join(out)

    def _card(self, path: Path, draft: Draft, item: review.Item, graph: Any, error: tuple[str, str] | None,
              typed: str | None, search: tuple[str, str] | None = None) -> str:
        action = f"/review/{_e(urllib.parse.quote(path.name))}"
        key = _e(item.key)
        what = f"fact · {_e(item.kind)}" if item.what == "fact" else "link"
        parts = [f"<div class='card {item.decision}' id='{key}'>",
                 f"<div class=head><span class=key>{key}</span><span>{what}</span>"
                 f"<span class=decision>{_e(item.decision)}</span>"
                 f"<span class=meta>confidence {item.confidence:.2f}</span></div>"]
        if error is not None and error[0] == item.key:
            parts.append(f"<div class=error>{_e(error[1])}</div>")
        if item.summary:
            parts.append(f"<div class=summary>{_e(item.summary)}</div>")
        parts.append(f"<div>words: <mark>{_e(item.words)}</mark></div>")
        if item.what == "link":
            drafted = review.drafted_label(draft, item.entity) if item.new else None
            parts.append(f"<div>linked to {_entity(None if item.new else graph, item.entity, drafted)}"
                         + (" <span class=meta>(a new entity the draft proposes)</span>" if item.new else "")
                         + (f" · <b>replaced by</b> {_entity(graph, item.replaced_by)}" if item.replaced_by else "")
                         + "</div>")
        else:
            parts.append(f"<pre>{_e(_body(item.turtle))}</pre>")
            for old, new in item.rewrites:
                parts.append(f"<div class=meta>at merge, {_entity(graph, old, review.drafted_label(draft, old))} "
                             f"becomes {_entity(graph, new)} "
                             "(a replaced link)</div>")
        hidden = f"<input type=hidden name=key value='{key}'>"
        parts.append(f"<div class=actions><form method=post action='{action}'>{hidden}"
                     "<button name=op value=accept class=accept>Accept</button> "
                     "<button name=op value=reject class=reject>Reject</button> "
                     "<button name=op value=reset>Back to pending</button></form>")
        if item.what == "link":
            found = search[1] if search is not None and search[0] == item.key else ""
            parts.append(f"<form method=get action='{action}#{key}'><input type=hidden name=for value='{key}'>"
                         f"<input type=text name=find value='{_e(found)}' placeholder='name, abbreviation or org/…' "
                         f"aria-label='find an entity for {key}'> <button>Find</button></form>")
        parts.append("</div>")
        if item.what == "link" and search is not None and search[0] == item.key:
            parts.append(self._choices(action, item.key, search[1], graph))
        if item.what == "fact":
            text = typed if (typed is not None and error is not None and error[0] == item.key) else _body(item.turtle)
            parts.append(f"<details{' open' if error is not None and error[0] == item.key else ''}>"
                         "<summary>Correct the triples (Turtle; ag:, cg:, mtg:, … are declared)</summary>"
                         f"<form method=post action='{action}'>{hidden}<textarea name=turtle aria-label='triples of {key}'>"
                         f"{_e(text)}</textarea><br><button name=op value=correct>Save the correction</button></form>"
                         "</details>")
        parts.append("</div>")
        return "".join(parts)

    def _choices(self, action: str, key: str, text: str, graph: Any) -> str:
        """The entities a typed name may mean, each a button that links the mention to it."""
        from coopgraph.namespaces import ID

        found = [e for e in graph.candidates(text, limit=12) if str(e).startswith(str(ID))] if graph else []
        if not found:
            return f"<div class=choices><span class=meta>no entity is named like {_e(text)!s}</span></div>"
        buttons = "".join(
            f"<li><form method=post action='{action}'><input type=hidden name=key value='{_e(key)}'>"
            f"<input type=hidden name=entity value='{_e(str(e))}'><button name=op value=replace>Link to</button> "
            f"{_entity(graph, e)}</form></li>" for e in found)
        return f"<div class=choices><span class=meta>entities named like “{_e(text)}”:</span><ul>{buttons}</ul></div>"

    def _merge_box(self, path: Path, draft: Draft, check: bool) -> str:
        command = f"coopgraph merge {path}"
        out = ["<h2>Merge</h2>",
               f"<p>When the review is done, write the accepted facts with <code>{_e(command)}</code> "
               "(add <code>--without-text</code> for an article the project does not own).</p>",
               f"<form method=post action='/review/{_e(urllib.parse.quote(path.name))}#merge'>"
               "<button name=op value=check>Check the merge (writes nothing)</button></form>"]
        if check:
            from coopgraph.errors import InvalidData
            from coopgraph.curate.merge import merge

            try:
                result = merge(path, self.data_dir, dry_run=True, force=True)
                out.append(f"<div class=ok id=merge><pre>{_e(result.summary())}</pre></div>")
            except InvalidData as e:
                report = e.report.to_text() if e.report is not None else ""  # type: ignore[attr-defined]
                out.append(f"<div class=error id=merge>{_e(str(e))}<pre>{_e(report)}</pre></div>")
            except CoopgraphError as e:
                out.append(f"<div class=error id=merge>{_e(str(e))}</div>")
        return "".join(out)


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _body(turtle: str) -> str:
    return "\n".join(line for line in turtle.splitlines() if not line.startswith("@prefix")).strip() + "\n"


def _entity(graph: Any, iri: Any, label: str | None = None) -> str:
    short = review.short_iri(str(iri))
    if graph is not None and label is None:
        try:
            found = graph.label(iri)
            label = found if found and found not in (str(iri), str(iri).rsplit("/", 1)[-1]) else None
        except Exception:  # a label is a courtesy; the IRI is shown anyway
            label = None
    return (f"{_e(label)} " if label else "") + f"<code>{_e(short)}</code>"


def _marked(text: str | None, items: list[review.Item]) -> str:
    """The passage with each item's words in a <mark> (overlapping words marked once)."""
    if not text:
        return "<span class=meta>(the draft holds no text of this passage)</span>"
    spans = sorted((i.span, i.key) for i in items if i.span is not None)
    out, at = [], 0
    for (a, b), key in spans:
        if a < at:
            continue
        out.append(_e(text[at:a]))
        out.append(f"<mark title='{_e(key)}'>{_e(text[a:b])}</mark>")
        at = b
    out.append(_e(text[at:]))
    return "".join(out)
