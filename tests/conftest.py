"""Shared fixtures: a throwaway COOPGRAPH_HOME that pairs the real ontology with test shapes
and data, so package tests do not depend on (or break with) the project's evolving data."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import coopgraph
from _support import FIXTURE_DATA, FIXTURES, ROOT


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--update-goldens`` rewrites tests/golden/queries/*.json (as COOPGRAPH_UPDATE_GOLDENS=1 does)."""
    parser.addoption("--update-goldens", action="store_true", default=False,
                     help="rewrite the golden query results from the current data")


@contextmanager
def coopgraph_home(path: Path) -> Iterator[None]:
    """Point COOPGRAPH_HOME at ``path`` for a block, then put back what was there."""
    old = os.environ.get("COOPGRAPH_HOME")
    os.environ["COOPGRAPH_HOME"] = str(path)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("COOPGRAPH_HOME", None)
        else:
            os.environ["COOPGRAPH_HOME"] = old


@pytest.fixture(scope="session")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """COOPGRAPH_HOME with the repo ontology and the fixture shapes and data; set for the session."""
    root = tmp_path_factory.mktemp("home")
    (root / "ontology").symlink_to(ROOT / "ontology")
    (root / "shapes").symlink_to(FIXTURES / "shapes")
    (root / "data").symlink_to(FIXTURES / "data")
    (root / "queries").symlink_to(ROOT / "queries")
    with coopgraph_home(root):
        yield root


@pytest.fixture(scope="session")
def built(home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One build of the fixture data, shared by every test that only reads outputs."""
    from coopgraph.build.folder import build

    out = tmp_path_factory.mktemp("builds") / "build"
    build(FIXTURE_DATA, out_dir=out)
    return out


@pytest.fixture(scope="session")
def graph(home: Path) -> coopgraph.CoopGraph:
    """The fixture data opened in memory through the public API."""
    return coopgraph.open(data_paths=FIXTURE_DATA)


# -- server and triple-store tests (test_server*.py, test_store*.py) ---------------------------


@pytest.fixture(scope="session")
def real_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One build of the repo's real data, shapes and ontology, for the server and store tests.

    COOPGRAPH_HOME points at the repo only while building, so this works whether or not the
    ``home`` fixture (fixture shapes, no queries) is active for the session.
    """
    from coopgraph.build.folder import build
    from coopgraph.load import data_files

    out = tmp_path_factory.mktemp("real") / "build"
    with coopgraph_home(ROOT):
        build(data_files(), out_dir=out)
    return out


@pytest.fixture(scope="session")
def real_graph(real_build: Path):  # noqa: ANN201 - coopgraph.CoopGraph
    """The real build opened through the public API: what every remote answer is compared with."""
    return coopgraph.open(build_dir=real_build)


@pytest.fixture(scope="session")
def sparql_server(real_build: Path) -> Iterator:
    """One endpoint on a free loopback port for the whole session, stopped at the end."""
    from coopgraph.serve.server import ServerConfig, SparqlServer

    config = ServerConfig(build_dir=real_build, port=0, queries_dir=ROOT / "queries", reload_interval=0,
                          cors_origins=("http://allowed.example",), max_rows=2000, timeout=10)
    with SparqlServer(config) as server:
        yield server


@pytest.fixture
def make_server(real_build: Path, tmp_path: Path) -> Iterator[Callable[..., object]]:
    """Start endpoints over private copies of the real build; all are stopped when the test ends.

    ``make_server(log=lines, timeout=0.5, ...)``: keyword arguments override ServerConfig fields;
    ``log``, a list, receives the server's log lines (what ``coopgraph serve`` prints on stderr).
    """
    import shutil

    from coopgraph.serve.server import ServerConfig, SparqlServer

    started: list[SparqlServer] = []

    def make(log: list[str] | None = None, **overrides: object) -> SparqlServer:
        build = tmp_path / f"build{len(started)}"
        shutil.copytree(real_build, build)
        config = ServerConfig(**{"build_dir": build, "port": 0, "queries_dir": ROOT / "queries",  # type: ignore[arg-type]
                                 "reload_interval": 0, **overrides})
        server = SparqlServer(config, log=None if log is None else log.append).start()
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture(scope="module")
def repo_home() -> Iterator[Path]:
    """COOPGRAPH_HOME pointed at the repository for one module, whatever ``home`` set before.

    Tests that compare engines on the project's real shapes and ontology must not pick up the
    fixture shapes that the session-wide ``home`` fixture installs.
    """
    with coopgraph_home(ROOT):
        yield ROOT


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """One headless Chromium per test module (skipped without one, failed under CI=true)."""
    from cdp_browser import Browser, require_chromium

    b = Browser(require_chromium())
    yield b
    b.close()


@pytest.fixture(scope="session")
def real_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repo's real data built as an on-disk store (`coopgraph build --store`)."""
    from coopgraph.build.store import build_store
    from coopgraph.load import data_files

    out = tmp_path_factory.mktemp("real-store") / "store"
    with coopgraph_home(ROOT):
        build_store(data_files(), out, progress=False)
    return out
