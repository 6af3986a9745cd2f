"""The persistent store: incremental updates equal a full rebuild; queries on it equal the
in-memory engines; the CLI wiring of synth/build --store/query --store/update works."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from coopgraph.build import store as fb
from coopgraph.build import synth
from coopgraph.build.store import INFERRED


@pytest.fixture(scope="module", autouse=True)
def _real_shapes(repo_home):  # noqa: ANN001, ANN202 - the project's own shapes, not the fixture ones
    return repo_home

ROOT = Path(__file__).resolve().parent.parent


def _split_last_source(path: Path, a: Path, b: Path) -> str:
    """Write the last news source of a synthetic file (its document and passage graphs) to ``b``
    and everything else to ``a``; return the source slug."""
    quads = list(ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS))
    sources = [q.graph_name.value for q in quads if "/source/news-" in q.graph_name.value]
    slug = sources[-1].rsplit("/", 1)[-1]

    def in_b(q: ox.Quad) -> bool:
        g = q.graph_name.value
        return g.endswith(f"/source/{slug}") or f"/evidence/{slug}/" in g

    a.write_bytes(ox.serialize([q for q in quads if not in_b(q)], format=ox.RdfFormat.N_QUADS))
    b.write_bytes(ox.serialize([q for q in quads if in_b(q)], format=ox.RdfFormat.N_QUADS))
    return slug


def _inferred(store_dir: Path) -> set[tuple]:
    return {(q.subject, q.predicate, q.object) for q in fb.store_quads(store_dir, INFERRED)}


def _all_quads(store_dir: Path) -> set[ox.Quad]:
    return set(fb.store_quads(store_dir))


def _validation_quads(store_dir: Path) -> set[ox.Quad]:
    return set(ox.Store.read_only(str(store_dir / "validation")).quads_for_pattern(None, None, None, None))


def _report(store_dir: Path) -> list:
    return fb._report_from_json((store_dir / "validation.json").read_text(encoding="utf-8")).results


def _assert_same_store(got: Path, expected: Path) -> None:
    """Inferred graph, every quad of the query and validation views, and the report."""
    assert _inferred(got) == _inferred(expected)
    assert _all_quads(got) == _all_quads(expected)
    assert _validation_quads(got) == _validation_quads(expected)
    assert _report(got) == _report(expected)


@pytest.fixture(scope="module")
def parts(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    d = tmp_path_factory.mktemp("incr")
    full = d / "full.nq"
    synth.write(full, 8_000, seed=11, violations=3)
    a, b = d / "a.nq", d / "b.nq"
    _split_last_source(full, a, b)
    return a, b, d


def test_adding_a_source_equals_full_rebuild(parts: tuple[Path, Path, Path]) -> None:
    a, b, d = parts
    fb.build_store([a], d / "incr", allow_invalid=True)
    result = fb.update_store(d / "incr", [b], allow_invalid=True)
    assert result.mode == "add"
    fb.build_store([a, b], d / "full", allow_invalid=True)
    _assert_same_store(d / "incr", d / "full")
    assert result.triples_inferred == len(_inferred(d / "full"))


def test_replacing_a_source_equals_full_rebuild(parts: tuple[Path, Path, Path]) -> None:
    a, b, d = parts
    text = b.read_text(encoding="utf-8")
    # the same source, corrected: another meeting type, one commitment status changed
    b2 = d / "b2.nq"
    b2.write_text(text.replace("meeting-type/reception", "meeting-type/forum")
                  .replace("status/agreed", "status/fulfilled"), encoding="utf-8")
    fb.build_store([a, b], d / "incr2", allow_invalid=True)
    result = fb.update_store(d / "incr2", [b2], allow_invalid=True)
    assert result.mode == "replace"
    fb.build_store([a, b2], d / "full2", allow_invalid=True)
    _assert_same_store(d / "incr2", d / "full2")


def test_validation_in_a_second_process_builds_the_same_store(parts: tuple[Path, Path, Path],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Large builds validate in a spawned process; forced on here, the store must not change."""
    a, b, d = parts
    fb.build_store([a, b], d / "inline", allow_invalid=True)
    monkeypatch.setattr(fb, "PARALLEL_FROM", 0)
    result = fb.build_store([a, b], d / "parallel", allow_invalid=True)
    assert "validate (overlapped; waited)" in result.seconds
    assert "compact" in result.seconds  # the main store is compacted for queries
    _assert_same_store(d / "parallel", d / "inline")
    assert len(_report(d / "parallel")) >= 3


def test_loading_in_small_calls_builds_the_same_store(parts: tuple[Path, Path, Path],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The build gives the on-disk loader at most BULK_LOAD_QUADS quads a call (memory); calls
    of 500 quads, dozens of them and their remainders, write the same store as calls of 250,000."""
    a, b, d = parts
    fb.build_store([a, b], d / "big-calls", allow_invalid=True)
    calls: list[int] = []
    real = ox.Store.bulk_extend

    def counted(self: ox.Store, quads) -> None:  # noqa: ANN001
        quads = list(quads)
        calls.append(len(quads))
        real(self, quads)

    monkeypatch.setattr(fb, "BULK_LOAD_QUADS", 500)
    monkeypatch.setattr(ox.Store, "bulk_extend", counted)
    fb.build_store([a, b], d / "small-calls", allow_invalid=True)
    assert calls.count(500) > 20 and any(0 < n < 500 for n in calls)  # (the presentation's own calls are larger)
    _assert_same_store(d / "small-calls", d / "big-calls")


def test_invalid_data_in_a_second_process_keeps_the_old_store(parts: tuple[Path, Path, Path], tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    a, b, _ = parts
    fb.build_store([a], tmp_path / "store", allow_invalid=True)
    before = _all_quads(tmp_path / "store")
    monkeypatch.setattr(fb, "PARALLEL_FROM", 0)
    with pytest.raises(fb.InvalidData) as e:
        fb.build_store([a, b], tmp_path / "store")
    assert e.value.report.count("Violation") >= 3
    assert _all_quads(tmp_path / "store") == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store"]


def test_adding_a_source_with_a_violation_reports_it(parts: tuple[Path, Path, Path], tmp_path: Path) -> None:
    a, b, _ = parts
    bad = tmp_path / "bad.nq"
    bad.write_text(b.read_text(encoding="utf-8").replace(
        "<http://www.w3.org/2000/01/rdf-schema#label>", "<http://www.w3.org/2000/01/rdf-schema#comment>"),
        encoding="utf-8")
    fb.build_store([a], tmp_path / "incr", allow_invalid=True)
    fb.update_store(tmp_path / "incr", [bad], allow_invalid=True)
    fb.build_store([a, bad], tmp_path / "full", allow_invalid=True)
    assert _report(tmp_path / "incr") == _report(tmp_path / "full")
    assert any(r.component == "sh:MinCountConstraintComponent" for r in _report(tmp_path / "incr"))


def test_named_queries_on_store_equal_in_memory_engine(tmp_path: Path) -> None:
    """Every named query with its default parameters, on the seed data: store == rdflib dataset
    copied into Oxigraph (the existing embedded engine)."""
    import coopgraph
    from coopgraph.query.library import QueryLibrary, run

    fb.build_store(None, tmp_path / "store")
    store = fb.open_store(tmp_path / "store")
    graph = coopgraph.open()
    names = QueryLibrary().names()
    assert names
    for name in names:
        expected = run(graph, name, engine="oxigraph")
        got = run(store, name, engine="oxigraph")
        assert got.sorted_rows() == expected.sorted_rows(), name


def test_cli_synth_build_query_update(tmp_path: Path) -> None:
    out = tmp_path / "s.nq"

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "coopgraph", *args], capture_output=True, text=True,
                              cwd=ROOT, env={"PATH": "/usr/bin:/bin", "COOPGRAPH_PROGRESS": "0"})

    r = cli("synth", "--triples", "3000", "--seed", "2", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert r.stderr.count("\r") == 0  # no progress bar when not on a terminal
    r = cli("build", "--store", str(tmp_path / "st"), "--data", str(out))
    assert r.returncode == 0, r.stderr
    assert "triples inferred" in r.stdout
    r = cli("query", "sources", "--store", str(tmp_path / "st"), "--format", "csv")
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("\n") > 1


def test_a_failure_in_the_validation_process_is_reported_and_writes_nothing(
        parts: tuple[Path, Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The second process sees the same COOPGRAPH_HOME; a shape it cannot run must stop the
    build with the child's reason, not a hang, a traceback or half a store."""
    from conftest import coopgraph_home

    a, _, _ = parts
    home = tmp_path / "home"
    (home / "shapes").mkdir(parents=True)
    (home / "ontology").symlink_to(ROOT / "ontology")
    (home / "shapes" / "bad.ttl").write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "<urn:s> a sh:NodeShape ; sh:targetClass <urn:C> ; sh:closed true .\n", encoding="utf-8")
    monkeypatch.setattr(fb, "PARALLEL_FROM", 0)
    with coopgraph_home(home), pytest.raises(fb.CoopgraphError, match="validation failed in its process: UnsupportedShape.*shacl#closed"):
        fb.build_store([a], tmp_path / "out" / "store")
    assert list((tmp_path / "out").iterdir()) == []


def test_blank_nodes_are_the_same_nodes_in_the_merge(tmp_path: Path) -> None:
    """The build hands the merge's copies to the loader as N-Triples text, and the loader renames
    a text's blank nodes; a blank node, asserted or inferred (here by a sub-property), must be the
    very node of its graph in the merge, and the merge must hold nothing no graph states."""
    data = tmp_path / "blank.trig"
    data.write_text("""
        @prefix cg: <https://w3id.org/coopgraph/def#> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        <https://w3id.org/coopgraph/graph/evidence/t/p1> {
          <https://w3id.org/coopgraph/id/meeting/m> cg:hostSide [ rdfs:label "the hosts"@en ] .
        }
    """, encoding="utf-8")
    result = fb.build_store([data], tmp_path / "store", allow_invalid=True, progress=False)
    quads = list(fb.store_quads(result.store_dir))
    merge = {(q.subject, q.predicate, q.object) for q in quads if isinstance(q.graph_name, ox.DefaultGraph)}
    stated = {(q.subject, q.predicate, q.object) for q in quads if not isinstance(q.graph_name, ox.DefaultGraph)}
    assert merge == stated
    host = {t[2] for t in stated if t[1].value.endswith("#hostSide")}
    side = {t[2] for t in stated if t[1].value.endswith("#hasSide")}
    assert len(side) == 1 and isinstance(next(iter(side)), ox.BlankNode) and side == host  # inferred, about the node
