"""`coopgraph update --store` is all or nothing, and refuses what `build --store` refuses.

A store is three pyoxigraph stores and three files; an update that wrote into them in place left
a mix after a kill (issue 13, finding 4). Here updates are killed at many moments and the store
must then be exactly the state before or the state after, and the next run must finish the job
and leave no temporary folder behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from coopgraph.build import store as fb
from coopgraph.build import synth

ROOT = Path(__file__).resolve().parent.parent
KILLS = 9  # moments spread evenly over one uninterrupted update


@pytest.fixture(scope="module", autouse=True)
def _real_shapes(repo_home):  # noqa: ANN001, ANN202 - the project's own shapes, not the fixture ones
    return repo_home


def fingerprint(store: Path) -> str:
    """Every quad of the three stores, the report and the manifest (without its timings)."""
    h = hashlib.sha256()
    graph = fb.open_store(store)  # as a reader opens it: a swap cut short is put back first
    del graph
    for part in fb.STORE_PARTS:
        st = ox.Store.read_only(str(store / part))
        for line in sorted(str(q) for q in st.quads_for_pattern(None, None, None, None)):
            h.update(line.encode())
        del st
    manifest = json.loads((store / "manifest.json").read_text(encoding="utf-8"))
    manifest.pop("seconds", None)
    h.update(json.dumps(manifest, sort_keys=True).encode())
    h.update((store / "validation.json").read_bytes())
    h.update((store / fb.LITERAL_SUBJECTS).read_bytes())
    return h.hexdigest()


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".coopgraph-tmp-" in p.name)


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A valid base store and two valid one-source deltas (the last two news sources split off)."""
    d = tmp_path_factory.mktemp("atomic")
    full = d / "full.nq"
    synth.write(full, 4_000, seed=5)
    quads = list(ox.parse(path=str(full), format=ox.RdfFormat.N_QUADS))
    slugs = sorted({q.graph_name.value.rsplit("/", 1)[-1] for q in quads if "/source/news-" in q.graph_name.value})
    take = slugs[-2:]

    def part(q: ox.Quad) -> str | None:
        g = q.graph_name.value
        return next((s for s in take if g.endswith(f"/source/{s}") or f"/evidence/{s}/" in g), None)

    out = {"base": d / "base.nq", "one": d / "one.nq", "two": d / "two.nq"}
    out["base"].write_bytes(ox.serialize([q for q in quads if part(q) is None], format=ox.RdfFormat.N_QUADS))
    for name, slug in zip(("one", "two"), take, strict=True):
        out[name].write_bytes(ox.serialize([q for q in quads if part(q) == slug], format=ox.RdfFormat.N_QUADS))
    fb.build_store([out["base"]], d / "base-store", progress=False)
    out["store"] = d / "base-store"
    return out


def fresh_store(sources: dict[str, Path], where: Path) -> Path:
    store = where / "store"
    shutil.copytree(sources["store"], store, symlinks=True)
    return store


def update_command(store: Path, *files: Path) -> list[str]:
    return [sys.executable, "-m", "coopgraph", "update", "--store", str(store), *map(str, files)]


ENV = {**os.environ, "COOPGRAPH_PROGRESS": "0"}


def test_update_killed_at_many_moments_leaves_before_or_after(sources: dict[str, Path], tmp_path: Path) -> None:
    reference = fresh_store(sources, tmp_path / "ref")
    before = fingerprint(reference)
    t = time.perf_counter()
    subprocess.run(update_command(reference, sources["one"]), check=True, capture_output=True, env=ENV)
    took = time.perf_counter() - t
    after = fingerprint(reference)
    assert before != after

    seen = {"before": 0, "after": 0}
    for i in range(KILLS):
        where = tmp_path / f"kill{i}"
        store = fresh_store(sources, where)
        proc = subprocess.Popen(update_command(store, sources["one"]), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, env=ENV)
        # from the middle of the interpreter's start to past the end of the run
        moment = took * (0.3 + 0.9 * i / (KILLS - 1))
        time.sleep(moment)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        state = fingerprint(store)
        assert state in (before, after), f"kill {i} after {moment:.3f}s left a mixed store"
        seen["before" if state == before else "after"] += 1
        if state == before:
            fb.update_store(store, [sources["one"]])  # running it again completes the update
            assert fingerprint(store) == after
        else:
            fb.update_store(store, [sources["two"]])  # the next update starts from the after state
        assert leftovers(where) == [], f"kill {i}: the next run left temporary folders"
    assert seen["before"] > 0  # at least one kill landed before the swap


def test_a_violating_update_is_refused_and_writes_nothing(sources: dict[str, Path], tmp_path: Path) -> None:
    store = fresh_store(sources, tmp_path)
    before = fingerprint(store)
    bad = tmp_path / "bad.nq"
    bad.write_text(sources["one"].read_text(encoding="utf-8").replace(
        "<http://www.w3.org/2000/01/rdf-schema#label>", "<http://www.w3.org/2000/01/rdf-schema#comment>"),
        encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "coopgraph", "update", "--store", str(store), str(bad)],
                       capture_output=True, text=True, cwd=ROOT, env={**os.environ, "COOPGRAPH_PROGRESS": "0"})
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines()[-1].startswith("coopgraph: error: data does not conform to the shapes")
    assert "the store is unchanged" in r.stderr
    assert fingerprint(store) == before
    assert leftovers(tmp_path) == []
    # --allow-invalid writes it, with the same exit code as build --store --allow-invalid
    r = subprocess.run([sys.executable, "-m", "coopgraph", "update", "--store", str(store), str(bad), "--allow-invalid"],
                       capture_output=True, text=True, cwd=ROOT, env={**os.environ, "COOPGRAPH_PROGRESS": "0"})
    assert r.returncode == 1, r.stderr
    assert "Traceback" not in r.stderr
    assert fingerprint(store) != before


def test_blank_nodes_are_validated_not_a_traceback(sources: dict[str, Path], tmp_path: Path) -> None:
    """Blank focus nodes cannot go into a VALUES block; the validator binds them one by one."""
    store = fresh_store(sources, tmp_path)
    before = fingerprint(store)
    blank = tmp_path / "blank.trig"
    blank.write_text("<https://w3id.org/coopgraph/graph/blank> { _:b1 a <https://w3id.org/coopgraph/def#Agency> . }\n",
                     encoding="utf-8")
    for args in (["update", "--store", str(store), str(blank)],
                 ["build", "--store", str(tmp_path / "other"), "--data", str(sources["base"]), str(blank)]):
        r = subprocess.run([sys.executable, "-m", "coopgraph", *args], capture_output=True, text=True, cwd=ROOT,
                           env={**os.environ, "COOPGRAPH_PROGRESS": "0"})
        assert "Traceback" not in r.stderr, r.stderr
        assert r.returncode == 1  # an agency without a name violates the shapes
        assert "(blank node)" in r.stderr or "_:" in r.stderr
    assert fingerprint(store) == before
    assert not (tmp_path / "other").exists()


def test_concurrent_updates_both_land(sources: dict[str, Path], tmp_path: Path) -> None:
    """Two updates at once: the second waits for the first, so neither delta is lost."""
    sequential = fresh_store(sources, tmp_path / "seq")
    fb.update_store(sequential, [sources["one"]])
    fb.update_store(sequential, [sources["two"]])
    store = fresh_store(sources, tmp_path / "par")
    procs = [subprocess.Popen([sys.executable, "-m", "coopgraph", "update", "--store", str(store), str(sources[n])],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT,
                              env={**os.environ, "COOPGRAPH_PROGRESS": "0"}) for n in ("one", "two")]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    assert set(fb.store_quads(store)) == set(fb.store_quads(sequential))
    assert len(json.loads((store / "manifest.json").read_text(encoding="utf-8"))["updates"]) == 2
    assert leftovers(tmp_path / "par") == []
