"""Fault injection: hostile and careless input through the real CLI, and script injection in pages.

Every hostile file is generated here, in ``tmp_path``. Each case asserts what a user relies on:
one clear error line naming the file (and its line where it has one), the documented exit code
(2 for input, 3 for a remote store that could not complete), no traceback, and nothing lost: a
good build or store already at the target is left byte for byte as it was.

The pages part renders a graph full of script payloads (in cg:url, in labels, in quotes, as
IRIs) in every page the tool writes, in a real Chromium, and checks that no payload ran, even
when every link is clicked, and that no page fetched anything from the network. The graph is
validated with the test shapes, which do not check cg:url: pages must be safe even for data
that the project's shapes would refuse.
"""

from __future__ import annotations

import hashlib
import shutil
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from _support import FIXTURE_DATA, ROOT, error_lines, run_cli
from cdp_browser import Browser, require_chromium

DEPTH = 5000  # pyoxigraph segfaulted (exit 139) and json.loads raised RecursionError at this depth
COMMANDS = ("validate", "build", "build --store", "update --store")


# -- helpers -----------------------------------------------------------------------------------


def snapshot(folder: Path) -> dict[str, str]:
    """What "nothing lost" compares: relative path -> sha1 of every file of a build; for a store
    (whose RocksDB files change on every open) the sha1 of each Oxigraph store's sorted quads."""
    import pyoxigraph as ox

    found: dict[str, str] = {}
    for p in sorted(folder.rglob("*")):
        if p.is_dir() and (p / "CURRENT").is_file():  # an Oxigraph (RocksDB) store
            quads = sorted(str(q) for q in ox.Store.read_only(str(p)))
            found[str(p.relative_to(folder))] = hashlib.sha1("\n".join(quads).encode()).hexdigest()
        elif p.is_file() and not any((d / "CURRENT").is_file() for d in p.parents if folder in d.parents):
            found[str(p.relative_to(folder))] = hashlib.sha1(p.read_bytes()).hexdigest()
    return found


def assert_one_error(proc, code: int, *expected: str) -> str:  # noqa: ANN001 - CompletedProcess
    """The run failed with ``code``, no traceback, and one error line holding every ``expected``."""
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == code, (proc.returncode, proc.stderr)
    errors = [x for x in error_lines(proc.stderr) if x.startswith("coopgraph: error:")]
    assert len(errors) == 1, proc.stderr
    assert errors[0] == proc.stderr.strip().splitlines()[-1]
    for part in expected:
        assert part in errors[0], (part, errors[0])
    return errors[0]


@pytest.fixture(scope="module")
def good(home: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A good build and a good store of the fixture data, made once; tests work on copies."""
    root = tmp_path_factory.mktemp("good")
    data = [str(p) for p in FIXTURE_DATA]
    done = run_cli("build", "--out", str(root / "build"), "--data", *data)
    assert done.returncode == 0, done.stderr
    done = run_cli("build", "--store", str(root / "store"), "--data", *data)
    assert done.returncode == 0, done.stderr
    return {"build": root / "build", "store": root / "store"}


def run_command(command: str, files: list[Path], good: dict[str, Path], tmp_path: Path):  # noqa: ANN201
    """Run ``command`` on ``files`` against a copy of the good build/store; return (proc, target)."""
    names = [str(f) for f in files]
    if command == "validate":
        return run_cli("validate", *names), None
    kind = "store" if "--store" in command else "build"
    target = tmp_path / kind
    shutil.copytree(good[kind], target)
    if command == "build":
        return run_cli("build", "--out", str(target), "--data", *names), target
    if command == "build --store":
        return run_cli("build", "--store", str(target), "--data", *names), target
    return run_cli("update", "--store", str(target), *names), target


# -- hostile files: the same answer from every command ------------------------------------------


def deep_jsonld(path: Path) -> tuple[Path, str]:
    path.write_text('{"@id": "https://x.example/a", "https://x.example/p": ' * DEPTH + '"v"' + "}" * DEPTH)
    return path, f"{path}:1:"


def huge_literal(path: Path) -> tuple[Path, str]:
    big = "x" * (17 * 1024 * 1024)  # pyoxigraph: MemoryError "Reached the buffer maximal size"
    path.write_text(f'<https://x.example/a> <http://www.w3.org/2000/01/rdf-schema#label> "{big}" .\n')
    return path, f"{path}:1:1: a literal or IRI is longer than 16 MiB"


def empty_file(path: Path) -> tuple[Path, str]:
    path.write_text("# nothing here yet\n")
    return path, f"{path}:0:0: holds no triples"


def numeric_id(path: Path) -> tuple[Path, str]:
    path.write_text('{\n  "@id": "https://x.example/a",\n  "https://x.example/p": {"@id": 5}\n}\n')
    return path, f"{path}:3:27: @id value must be a string"


def a_folder(path: Path) -> tuple[Path, str]:
    folder = path.with_suffix("")
    folder.mkdir()
    shutil.copy(FIXTURE_DATA[0], folder)
    return folder, f"{folder}:0:0: is a folder, not a data file"


HOSTILE: dict[str, tuple[str, Callable[[Path], tuple[Path, str]]]] = {
    "json-ld nested 5000 deep": ("deep.jsonld", deep_jsonld),
    "literal over 16 MiB": ("huge.nt", huge_literal),
    "empty file": ("empty.trig", empty_file),
    "@id that is a number": ("id5.jsonld", numeric_id),
    "a folder as a data file": ("data.trig", a_folder),
}


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_file_is_one_error_and_nothing_lost(case: str, command: str, good, tmp_path: Path) -> None:  # noqa: ANN001
    name, make = HOSTILE[case]
    path, expected = make(tmp_path / name)
    proc, target = run_command(command, [path], good, tmp_path)
    assert_one_error(proc, 2, expected)
    if case == "json-ld nested 5000 deep":
        assert "JSON nested more than 256 levels deep" in proc.stderr
    if target is not None:
        kind = "store" if "--store" in command else "build"
        assert snapshot(target) == snapshot(good[kind]), "the good build/store was changed"


@pytest.mark.parametrize("command", COMMANDS)
def test_byte_order_mark_is_accepted_by_every_command(command: str, good, tmp_path: Path) -> None:  # noqa: ANN001
    files = []
    for source in FIXTURE_DATA:  # the fixture data saved by an editor that writes a UTF-8 BOM
        copy = tmp_path / source.name
        copy.write_bytes(b"\xef\xbb\xbf" + source.read_bytes())
        files.append(copy)
    proc, _ = run_command(command, files, good, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr


def test_an_empty_data_folder_is_refused(home: Path, good, tmp_path: Path) -> None:  # noqa: ANN001
    empty_home = tmp_path / "home"
    (empty_home / "data").mkdir(parents=True)
    for kind in ("ontology", "shapes"):
        (empty_home / kind).symlink_to(home / kind)
    target = tmp_path / "build"
    shutil.copytree(good["build"], target)
    proc = run_cli("build", "--out", str(target), env={"COOPGRAPH_HOME": str(empty_home)})
    assert_one_error(proc, 2, f"no data files in {empty_home / 'data'}")
    assert snapshot(target) == snapshot(good["build"])


# -- careless use of the commands ----------------------------------------------------------------


@pytest.mark.parametrize("out", ["a-file/build", "/proc/coopgraph-nowhere/build"])
@pytest.mark.parametrize("option", ["--out", "--store"])
def test_unwritable_output_is_refused_before_any_work(option: str, out: str, home, tmp_path: Path) -> None:  # noqa: ANN001
    (tmp_path / "a-file").write_text("not a folder\n")
    proc = run_cli("build", option, out, "--data", *map(str, FIXTURE_DATA), cwd=tmp_path)
    kind = "build" if option == "--out" else "store"
    assert_one_error(proc, 2, f"{out}: cannot write the {kind} there")
    assert "load..." not in proc.stderr  # refused before loading, not after reasoning
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


def test_a_missing_build_is_not_silently_replaced_by_the_data(home, tmp_path: Path) -> None:  # noqa: ANN001
    proc = run_cli("stats", "--build", str(tmp_path / "nonexistent"))
    assert_one_error(proc, 2, f"no build at {tmp_path / 'nonexistent'}")
    assert proc.stdout == ""


def test_synth_refuses_a_suffix_it_does_not_write(tmp_path: Path) -> None:
    proc = run_cli("synth", "--triples", "200", "--out", str(tmp_path / "x.ttl"))
    assert_one_error(proc, 2, "x.ttl: synth writes .nq (N-Quads) or .trig (TriG), not .ttl")
    assert not (tmp_path / "x.ttl").exists()


def test_serve_on_a_port_in_use(good) -> None:  # noqa: ANN001
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = run_cli("serve", "--build", str(good["build"]), "--port", str(port))
    assert_one_error(proc, 2, f"cannot listen on 127.0.0.1:{port}")


# -- push to a store that trickles, then fails ---------------------------------------------------


class TricklingStore:
    """A raw-socket GSP endpoint: the first ``good`` PUTs get 204, later ones a byte every 0.5 s."""

    def __init__(self, good: int) -> None:
        self.good = good
        self.puts: list[str] = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.sock.settimeout(0.2)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/store"

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(10)
            data = b""
            while b"\r\n\r\n" not in data:
                data += conn.recv(65536)
            head, _, body = data.partition(b"\r\n\r\n")
            length = next(int(x.split(b":")[1]) for x in head.split(b"\r\n") if x.lower().startswith(b"content-length"))
            while len(body) < length:
                body += conn.recv(65536)
            self.puts.append(urllib.parse.unquote(head.split(b" ")[1].decode()))
            if len(self.puts) <= self.good:
                conn.sendall(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
                return
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
            try:
                while not self.stop.is_set():
                    time.sleep(0.5)
                    conn.sendall(b"x")
            except OSError:
                pass

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        self.sock.close()


@pytest.fixture
def trickling() -> Iterator[TricklingStore]:
    store = TricklingStore(good=2)
    yield store
    store.close()


def test_push_deadline_is_per_request_and_the_failure_says_what_is_loaded(trickling, good) -> None:  # noqa: ANN001
    start = time.monotonic()
    proc = run_cli("push", "--build", str(good["build"]), "--endpoint", trickling.endpoint, "--timeout", "2")
    elapsed = time.monotonic() - start
    total = sum(1 for line in proc.stdout.splitlines() if line.startswith(("loaded ", "FAILED ", "not loaded ")))
    assert_one_error(proc, 2, "within 2 s (--timeout)", f"2 of {total} graphs are now in the store",
                     f"{total - 2} are not", "re-running the same push is safe")
    assert elapsed < 15, f"push held {elapsed:.1f}s with --timeout 2"  # bytes kept coming for ever
    assert len(trickling.puts) == 3  # two loaded, the third timed out, the rest never sent
    assert f"2 of {total} graphs loaded" in proc.stdout


def test_exit_codes_are_documented() -> None:
    proc = run_cli("--help")
    assert "or a remote store or\n     endpoint that could not be reached or did not complete" in proc.stdout
    proc = run_cli("push", "--help")
    assert "whole request" in proc.stdout


# -- script injection in every page ---------------------------------------------------------------

# Each payload, if it ever runs, records its name in window.__xss and sets the title; it ends in
# `void 0` so that a javascript: URL that runs does not also replace the page with its value.
def _js(tag: str) -> str:
    return f"window.__xss=(window.__xss||[]).concat('{tag}');document.title='XSS';void 0"


URL_PAYLOADS = {
    "javascript": f"javascript:{_js('url-javascript')}",
    "mixed-case": f"JaVaScRiPt:{_js('url-mixed-case')}",
    "leading-space": f"  javascript:{_js('url-leading-space')}",
    "control-chars": f"\x01\x02java\tscript:{_js('url-control')}",
    "entity-encoded": "javascript&#58;" + _js("url-entity").replace("'", "&#39;"),
    "newline-inside": f"java\nscript:{_js('url-newline')}",
    "vbscript": "vbscript:msgbox(1)",
    "data-html": "data:text/html;base64,PHNjcmlwdD53aW5kb3cub3BlbmVyLl9feHNzPTE8L3NjcmlwdD4=",
}
MARKUP = '<img src=x onerror="{js}"><script>{js}</script></script><svg onload="{js}">"\'&'


def _esc(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") \
        .replace("\x01", "\\u0001").replace("\x02", "\\u0002")


def hostile_graph(path: Path) -> Path:
    """One agency, one agreement, one source per URL payload; every label and quote is markup."""
    id_ = "https://w3id.org/coopgraph/id/"
    cg = "https://w3id.org/coopgraph/def#"
    label = "http://www.w3.org/2000/01/rdf-schema#label"
    xsd = "http://www.w3.org/2001/XMLSchema#"
    agency, other, mou = f"<{id_}agency/evil>", f"<{id_}agency/other>", f"<{id_}agreement/evil-mou>"
    out = []
    for i, (name, url) in enumerate(URL_PAYLOADS.items()):
        src, ev = f"<{id_}source/evil-{i}>", f"<{id_}evidence/evil-{i}>"
        quote = MARKUP.format(js=_js(f"quote-{name}"))
        out.append(f"""{src} {{
  {src} a <{cg}SourceDocument> ; <{label}> "{_esc(MARKUP.format(js=_js(f'source-{name}')))}"@en ;
    <http://purl.org/dc/terms/title> "{_esc(MARKUP.format(js=_js(f'title-{name}')))}"@en ;
    <http://purl.org/dc/terms/language> "en" ; <{cg}url> "{_esc(url)}"^^<{xsd}anyURI> .
  {ev} a <{cg}Evidence> ; <{cg}source> {src} ; <{cg}line> {i + 1} ; <{cg}sentence> 1 ;
    <{cg}quote> "{_esc(quote)}"@en ; <{cg}locator> "{_esc(MARKUP.format(js=_js(f'locator-{name}')))}" .
}}
{ev} {{ {agency} <{cg}abbreviation> "{_esc(MARKUP.format(js=_js(f'abbr-{name}')))}" . }}
""")
    out.append(f"""<{id_}evidence/evil-0> {{
  {agency} a <{cg}StandardsBody> ; <{label}> "{_esc(MARKUP.format(js=_js('label')))}"@en ;
    <http://www.w3.org/2000/01/rdf-schema#seeAlso> <javascript:window.__xss='iri';document.title='XSS';void(0)> ,
      <data:text/html,x> , <JAVASCRIPT:window.__xss='iri-upper';document.title='XSS';void(0)> .
  {other} a <{cg}StandardsBody> ; <{label}> "Other body"@en .
  {mou} a <{cg}MemorandumOfUnderstanding> ; <{label}> "{_esc(MARKUP.format(js=_js('mou')))}"@en ;
    <{cg}party> {agency} , {other} ; <{cg}signedOn> "2020-01-02"^^<{xsd}date> .
}}
""")
    path.write_text("".join(out), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    binary = require_chromium()
    b = Browser(binary)
    b.call("Network.enable")
    yield b
    b.close()


@pytest.fixture(scope="module")
def hostile(home: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The hostile graph, built (the test shapes let it through) and exported to every page."""
    root = tmp_path_factory.mktemp("hostile")
    data = hostile_graph(root / "hostile.trig")
    done = run_cli("build", "--out", str(root / "build"), "--data", str(data))
    assert done.returncode == 0, done.stderr
    pages = {"data": data, "build": root / "build"}
    for fmt in ("html", "svg", "timeline-svg"):
        out = root / f"page-{fmt}.{'html' if fmt == 'html' else 'svg'}"
        done = run_cli("export", "--format", fmt, "-o", str(out), "--build", str(root / "build"))
        assert done.returncode == 0, done.stderr
        pages[fmt] = out
    return pages


CLICK_EVERY_LINK = """(() => {
  // A click on each link, as a user would; an http(s) navigation is cancelled (nothing may be
  // fetched), anything else is left to the browser: a javascript: link would run here.
  document.addEventListener('click', (e) => {
    const a = e.target.closest('a');
    if (a && /^https?:$/.test(a.protocol)) e.preventDefault();
  }, {capture: true, once: false});
  const links = Array.from(document.querySelectorAll('a[href]'));
  for (const a of links) a.click();
  return links.map((a) => a.protocol);
})()"""


def assert_no_script_ran(browser: Browser, allowed: tuple[str, ...] = ("file:", "data:")) -> None:
    assert browser.js("window.__xss || null") is None
    assert browser.js("document.title") != "XSS"
    fetched = [e["params"]["request"]["url"] for e in browser.events if e["method"] == "Network.requestWillBeSent"]
    assert all(u.startswith(allowed) for u in fetched), fetched


def test_hostile_graph_is_refused_by_the_project_shapes(hostile) -> None:  # noqa: ANN001
    proc = run_cli("validate", str(hostile["data"]), env={"COOPGRAPH_HOME": str(ROOT)})
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.count("cg:url must be a web address") == len(URL_PAYLOADS)


def test_export_page_runs_no_payload(hostile, browser: Browser) -> None:  # noqa: ANN001
    browser.open(hostile["html"].as_uri())
    assert browser.js("document.body.dataset.ready") == "true"
    ids = browser.js("window.coopgraph.cy.nodes().map((n) => n.id())")
    assert "https://w3id.org/coopgraph/id/agency/evil" in ids
    protocols: list[str] = []
    panels = {}
    for node in ids:  # every node's panel, and a click on every link in it
        browser.js(f"window.coopgraph.select({node!r})")
        panels[node] = browser.js("document.getElementById('panel').innerText")
        protocols += browser.js(CLICK_EVERY_LINK)
    browser.js("(() => { const s = document.getElementById('search'); s.value = '<img src=x';"
               " s.dispatchEvent(new Event('input')); })()")  # results list shows the labels too
    assert_no_script_ran(browser)
    assert set(protocols) <= {"http:", "https:"}, protocols
    panel = panels["https://w3id.org/coopgraph/id/agency/evil"]
    for name in URL_PAYLOADS:  # the payloads are shown as text, whole
        assert f"quote-{name}" in panel
    assert "not a web address: javascript:" in panel


@pytest.mark.parametrize("fmt", ["svg", "timeline-svg"])
def test_svg_pictures_run_no_payload(fmt: str, hostile, browser: Browser) -> None:  # noqa: ANN001
    browser.open(hostile[fmt].as_uri())
    assert browser.js("document.querySelectorAll('script').length") == 0
    protocols = browser.js(CLICK_EVERY_LINK)
    assert set(protocols) <= {"http:", "https:"}, protocols
    assert_no_script_ran(browser)


@pytest.fixture(scope="module")
def hostile_server(hostile) -> Iterator[str]:  # noqa: ANN001
    from coopgraph.serve.server import ServerConfig, SparqlServer

    config = ServerConfig(build_dir=hostile["build"], port=0, queries_dir=ROOT / "queries", reload_interval=0)
    with SparqlServer(config) as server:
        yield server.url


def test_server_entity_pages_run_no_payload(hostile_server: str, browser: Browser) -> None:
    pages = ["agency/evil", "agency/other", "agreement/evil-mou", *(f"source/evil-{i}" for i in range(len(URL_PAYLOADS))),
             *(f"evidence/evil-{i}" for i in range(len(URL_PAYLOADS)))]
    for page in pages:
        browser.open(f"{hostile_server}/id/{page}")
        assert browser.js("document.querySelector('h1') !== null")
        protocols = browser.js(CLICK_EVERY_LINK)
        assert set(protocols) <= {"http:", "https:"}, (page, protocols)
        if page == "agency/evil":
            assert "javascript:" in browser.js("document.body.innerText")  # shown as text, not linked
        assert_no_script_ran(browser, allowed=(hostile_server,))


def test_server_yasgui_page_links_no_payload(hostile_server: str, browser: Browser) -> None:
    """The YASGUI page (/): its table links only http(s) IRIs; a javascript: IRI is shown as text."""
    browser.events.clear()
    browser.open(f"{hostile_server}/")
    assert browser.wait_for("typeof window.coopgraphYasgui", "object", timeout=20) == "object"
    browser.js("""(() => { delete document.body.dataset.state; const y = coopgraphYasgui.getTab().getYasqe();
        y.setValue('SELECT ?o WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#seeAlso> ?o }'); y.query(); })()""")
    assert browser.wait_for("document.body.dataset.state", "done", timeout=30) == "done"
    yasr = "coopgraphYasgui.getTab().getYasr()"
    browser.js(f"{yasr}.selectPlugin('table')")
    assert browser.wait_for(f"{yasr}.results.getBindings().length", 3) == 3
    assert "javascript:" in browser.js(f"{yasr}.resultsEl.innerText")
    protocols = browser.js(CLICK_EVERY_LINK)
    assert set(protocols) <= {"http:", "https:"}, protocols
    assert_no_script_ran(browser, allowed=(hostile_server,))


def test_server_query_page_links_no_payload(hostile_server: str, browser: Browser) -> None:
    browser.open(f"{hostile_server}/plain")
    browser.js("""(() => { document.getElementById('query').value =
        'SELECT ?o WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#seeAlso> ?o }';
        document.getElementById('run').click(); })()""")
    assert browser.wait_for("document.getElementById('results').dataset.rows || null", "3") == "3"
    assert "javascript:" in browser.js("document.getElementById('results').innerText")
    protocols = browser.js(CLICK_EVERY_LINK)
    assert set(protocols) <= {"http:", "https:"}, protocols
    assert_no_script_ran(browser, allowed=(hostile_server,))
