"""The review pages of `coopgraph serve --drafts DIR`, clicked in a real Chromium."""

from __future__ import annotations

import shutil
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from _drafts import FILE, SLUG
from cdp_browser import Browser
from coopgraph.curate.draft import read_draft
from coopgraph.namespaces import ID

PAGE = f"/review/{SLUG}.trig"


@pytest.fixture
def site(real_build: Path, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    from coopgraph.serve.server import ServerConfig, SparqlServer

    drafts = tmp_path / "drafts"
    drafts.mkdir()
    shutil.copy(FILE, drafts / FILE.name)
    (drafts / "notes.trig").write_text("# not a draft\n")
    config = ServerConfig(build_dir=real_build, port=0, reload_interval=0, drafts_dir=drafts)
    with SparqlServer(config) as server:
        yield server.url, drafts / FILE.name


def click(browser: Browser, selector: str) -> None:
    """Scroll the element into view and click it with the mouse, then wait for the next page."""
    box = browser.js(f"(() => {{ const e = document.querySelector({selector!r}); e.scrollIntoView({{block: 'center'}});"
                     "const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()")
    browser.events.clear()
    browser.click(*box)
    browser.wait_event("Page.loadEventFired")


def card(browser: Browser, key: str) -> dict:
    return browser.js(f"(() => {{ const c = document.getElementById({key!r}); return {{cls: c.className, "
                      "decision: c.querySelector('.decision').textContent, text: c.innerText}; })()")


def post(url: str, data: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=data, method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded", **headers})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as e:
        return e.code


def test_review_in_the_browser_saves_each_click(site: tuple[str, Path], browser: Browser, tmp_path: Path) -> None:
    url, path = site
    browser.open(url + "/review")
    listing = browser.js("document.body.innerText")
    assert SLUG in listing and "6 facts, 3 links" in listing and "9 pending" in listing
    assert "notes.trig" in listing and "holds no triples" in listing  # a file that is no draft is named, not hidden
    browser.open(url + PAGE)
    # the words of each fact are highlighted in their passage, and are visibly so
    marks = browser.js("[...document.querySelectorAll('.passage mark')].map(m => m.textContent)")
    assert "held a joint workshop" in marks and "Korea Productivity Center" in marks
    assert browser.js("getComputedStyle(document.querySelector('.passage mark')).backgroundColor") == "rgb(255, 224, 102)"

    click(browser, "#f1 button[value=accept]")
    assert browser.js("location.hash") == "#f1", browser.js("location.href + document.body.innerText.slice(0, 300)")
    assert card(browser, "f1")["decision"] == "accepted" and "accepted" in card(browser, "f1")["cls"]
    click(browser, "#f6 button[value=reject]")
    assert card(browser, "f6")["decision"] == "rejected"
    # a link replaced by a name resolved through the served graph
    browser.js("document.querySelector('#m1 input[name=find]').focus()")
    browser.type_text("Tong cuc Tieu chuan Do luong Chat luong")  # typed without diacritics
    click(browser, "#m1 form[method=get] button")
    choices = browser.js("[...document.querySelectorAll('#m1 .choices li')].map(li => li.innerText)")
    assert any("org/stameq" in c for c in choices), choices
    browser.js("document.getElementById('m1').scrollIntoView()")
    browser.screenshot(tmp_path / "review-find.png")
    assert read_draft(path).find("m1").decision == "pending"  # searching decides nothing
    browser.js("[...document.querySelectorAll('#m1 .choices li')].find(li => li.querySelector('code').textContent"
               " == 'org/stameq').querySelector('button').id = 'pick'")
    click(browser, "#pick")
    m1 = card(browser, "m1")
    assert m1["decision"] == "corrected" and "replaced by" in m1["text"] and "org/stameq" in m1["text"]
    assert "becomes" in card(browser, "f1")["text"] and "org/stameq" in card(browser, "f1")["text"]
    # a correction that is not Turtle is explained at its fact, and changes nothing
    browser.js("document.querySelector('#f5 details').open = true;"
               "document.querySelector('#f5 textarea').value = 'cmt:x cg:status status:agreed'")
    click(browser, "#f5 button[value=correct]")
    f5 = card(browser, "f5")
    assert "correction of f5, line 1" in f5["text"] or "correction of f5, line 2" in f5["text"]
    assert f5["decision"] == "pending"
    browser.js("document.querySelector('#f5 textarea').value = 'cmt:2026-11-30-stameq-kpc-workshop--c1-second-workshop "
               "a cg:Commitment ; rdfs:label \"Hold a second workshop\"@en .'")
    click(browser, "#f5 button[value=correct]")
    assert card(browser, "f5")["decision"] == "corrected" and "Hold a second workshop" in card(browser, "f5")["text"]
    assert len(read_draft(path).find("f5").triples) == 2
    browser.screenshot(tmp_path / "review.png")
    browser.js("document.getElementById('m1').scrollIntoView()")
    browser.screenshot(tmp_path / "review-m1.png")

    browser.open(url + PAGE)  # a reload shows what the file holds
    assert [card(browser, k)["decision"] for k in ("f1", "f2", "f5", "f6", "m1")] == \
        ["accepted", "pending", "corrected", "rejected", "corrected"]
    draft = read_draft(path)
    assert draft.find("f1").decision == "accepted" and draft.find("f6").decision == "rejected"
    assert draft.find("m1").replaced_by == ID["org/stameq"]

    # the merge check writes nothing and shows the report
    click(browser, "button[value=check]")
    assert "would write" in browser.js("document.getElementById('merge').innerText") or \
        "not written" in browser.js("document.getElementById('merge').innerText")


def test_another_site_cannot_decide(site: tuple[str, Path], browser: Browser, tmp_path: Path) -> None:
    url, path = site
    before = path.read_bytes()
    # a page from elsewhere that submits a form to the review page as soon as it opens
    attack = tmp_path / "attack.html"
    attack.write_text(f"<form method=post action='{url}{PAGE}'><input name=op value=accept>"
                      "<input name=key value=f2></form><script>document.forms[0].submit()</script>")
    browser.events.clear()
    browser.call("Page.navigate", url=attack.as_uri())
    browser.wait_event("Page.loadEventFired")
    browser.wait_for("document.body.innerText.includes('refused')", True, timeout=10)
    assert "refused" in browser.js("document.body.innerText")
    assert path.read_bytes() == before
    assert post(url + PAGE, b"op=accept&key=f2", {"Origin": "http://evil.example"}) == 403
    host = url.split("//", 1)[1]
    assert post(url + PAGE, b"op=accept&key=f2", {"Host": "evil.example:" + host.rsplit(":", 1)[1]}) == 403
    assert path.read_bytes() == before
    # and nothing outside the drafts folder is reachable
    for bad in ("/review/..%2F..%2Fetc%2Fpasswd", "/review/notes.txt", "/review/missing.trig"):
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(url + bad, timeout=10)
        assert e.value.code == 404


def test_the_review_pages_are_off_without_drafts(real_build: Path) -> None:
    from coopgraph.serve.server import ServerConfig, SparqlServer

    with SparqlServer(ServerConfig(build_dir=real_build, port=0, reload_interval=0)) as server:
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(server.url + "/review", timeout=10)
        assert e.value.code == 404


def test_markup_in_a_draft_is_shown_as_text_and_never_runs(real_build: Path, tmp_path: Path, browser: Browser) -> None:
    from _drafts import make_draft
    from coopgraph.curate.draft import write_draft
    from coopgraph.serve.server import ServerConfig, SparqlServer
    from rdflib import Literal
    from coopgraph.namespaces import CG

    payload = "<img src=x onerror=\"window.__xss=1\"><script>window.__xss=2</script>"
    draft = make_draft()
    ev = draft.facts[0].evidence
    draft.source_triples = [(s, p, Literal(f"{o} {payload}", lang="en") if (s, p) == (ev, CG.quote) else o)
                            for s, p, o in draft.source_triples]
    draft.facts[0].summary = payload
    draft.links[0].mention = payload
    drafts = tmp_path / "drafts"
    write_draft(draft, drafts / f"{SLUG}.trig")
    config = ServerConfig(build_dir=real_build, port=0, reload_interval=0, drafts_dir=drafts)
    with SparqlServer(config) as server:
        browser.open(server.url + PAGE)
        assert browser.js("window.__xss || null") is None
        assert browser.js("document.querySelectorAll('img, script').length") == 0
        assert payload in browser.js("document.getElementById('f1').innerText")
        assert payload in browser.js("document.querySelector('.passage').innerText")


def test_review_pages_never_carry_cors_headers(site: tuple[str, Path]) -> None:
    """CORS is on for reads of the graph by default; a curator's drafts stay unreadable to
    another site's script."""
    from _server_support import http

    url, _ = site
    origin = {"Origin": "https://elsewhere.example"}
    assert http(url, "/sparql?query=ASK%7B%7D", headers=origin).headers["access-control-allow-origin"] == "*"
    for path in ("/review", PAGE):
        r = http(url, path, headers=origin)
        assert r.status == 200 and "access-control-allow-origin" not in r.headers, path
