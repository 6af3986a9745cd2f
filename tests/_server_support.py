"""Helpers for the server and store tests: plain HTTP calls and engine-independent rows."""

from __future__ import annotations

from http.client import HTTPConnection
import json
import shutil
import socket
import subprocess
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from rdflib import BNode, Literal, URIRef

from _support import ROOT

QUERIES_DIR = ROOT / "queries"


@dataclass
class Response:
    """What a test needs from an HTTP reply."""

    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self) -> object:
        return json.loads(self.body)


def http(url: str, path: str, method: str = "GET", body: bytes | str | None = None,
         headers: dict[str, str] | None = None, timeout: float = 30) -> Response:
    """One request on a fresh connection; never raises for an HTTP error status."""
    parsed = urllib.parse.urlsplit(url)
    conn = HTTPConnection(parsed.hostname, parsed.port, timeout=timeout)
    try:
        conn.request(method, path, body=body.encode("utf-8") if isinstance(body, str) else body,
                     headers=headers or {})
        r = conn.getresponse()
        return Response(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
    finally:
        conn.close()


def q(text: str, **extra: str) -> str:
    """``/sparql?query=...`` with extra parameters, URL-encoded."""
    return "/sparql?" + urllib.parse.urlencode({"query": text, **extra})


def key(term: object) -> str:
    """A term as comparable text; blank-node labels differ between engines, so they are erased."""
    if term is None:
        return ""
    if isinstance(term, BNode):
        return "_:"
    from coopgraph.query.library import sparql_term_any

    return sparql_term_any(term)  # type: ignore[arg-type]


def rows_of_result(result: object) -> list[tuple[str, ...]]:
    """Sorted rows of a QueryResult (ASK: one row with the answer; a graph: its triples)."""
    if result.kind == "ASK":  # type: ignore[attr-defined]
        return [(str(bool(result.boolean)).lower(),)]  # type: ignore[attr-defined]
    if result.graph is not None:  # type: ignore[attr-defined]
        return rows_of_triples(result.graph)  # type: ignore[attr-defined]
    return sorted(tuple(key(t) for t in row) for row in result.rows)  # type: ignore[attr-defined]


def rows_of_triples(triples: object) -> list[tuple[str, ...]]:
    """Sorted triples as comparable text (CONSTRUCT/DESCRIBE results)."""
    return sorted(tuple(key(t) for t in triple) for triple in triples)  # type: ignore[attr-defined]


def rows_of_body(r: Response) -> list[tuple[str, ...]]:
    """Rows of a JSON results body, or triples of a Turtle/N-Triples body, by its content type."""
    media = r.headers["content-type"].split(";")[0]
    if media == "application/sparql-results+json":
        return rows_of_json(r.json())  # type: ignore[arg-type]
    from rdflib import Graph

    return rows_of_triples(Graph().parse(data=r.text, format={"text/turtle": "turtle"}.get(media, "nt")))


_EMBEDDED: dict[str, list[tuple[str, ...]]] = {}


def embedded_rows(graph: object, name: str) -> list[tuple[str, ...]]:
    """A named query's rows from the embedded API (rdflib engine, the library default), computed
    once per session: an engine independent of the server's Oxigraph, so agreement means something."""
    if name not in _EMBEDDED:
        from coopgraph.query.library import QueryLibrary, run

        _EMBEDDED[name] = rows_of_result(run(graph, name, library=QueryLibrary(QUERIES_DIR)))
    return _EMBEDDED[name]


def rows_of_json(doc: dict) -> list[tuple[str, ...]]:
    """Sorted rows of an application/sparql-results+json document, terms as rdflib would write them."""
    if "boolean" in doc:
        return [(str(bool(doc["boolean"])).lower(),)]
    names = doc["head"]["vars"]
    out = []
    for b in doc["results"]["bindings"]:
        row = []
        for v in names:
            t = b.get(v)
            if t is None:
                row.append("")
            elif t["type"] == "uri":
                row.append(key(URIRef(t["value"])))
            elif t["type"] == "bnode":
                row.append("_:")
            else:
                lang, dtype = t.get("xml:lang"), t.get("datatype")
                lit = Literal(t["value"], lang=lang, datatype=None if lang or not dtype else URIRef(dtype))
                row.append(key(lit))
        out.append(tuple(row))
    return sorted(out)


def free_port() -> int:
    """A free loopback port (the OS picks it; a race with another process is unlikely)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen | None = None, seconds: float = 20) -> None:
    """Wait until something listens on ``port`` (bounded), or fail with the process's output."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {seconds}s")


def copy_build(src: Path, dst: Path) -> Path:
    """A private copy of a build, for tests that replace or damage it."""
    shutil.copytree(src, dst)
    return dst


def proc_stat(pid: int) -> tuple[int, int] | None:
    """(parent pid, CPU ticks used) of a process, from /proc; None if it has ended (a zombie has)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()
    if fields[0] in ("Z", "X"):
        return None
    return int(fields[1]), int(fields[11]) + int(fields[12])


def alive(pid: int) -> bool:
    """True while the process runs (a zombie, ended but not yet reaped, does not)."""
    return proc_stat(pid) is not None
