"""The ``export``, ``path`` and ``rank`` commands: output, and clear errors with exit code 2.

Most tests run the CLI in-process on the session's seed graph (reasoning once); two run the
real ``python -m coopgraph`` to show that errors come out as one line, without a traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest
from export_support import ROOT, SEED, seed_coopgraph

from coopgraph.cli import main as cli, export as cli_export


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture):  # noqa: ANN201
    """main(argv) → (exit code, stdout, stderr), with the seed graph instead of loading data."""
    monkeypatch.setattr(cli_export, "open_from_args", lambda args: seed_coopgraph())

    def go(*argv: str) -> tuple[int, str, str]:
        code = cli.main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return go


def test_export_graphml_with_focus(run, tmp_path: Path) -> None:  # noqa: ANN001
    out = tmp_path / "samr.graphml"
    code, _, err = run("export", "--format", "graphml", "-o", str(out), "--focus", "SAMR", "--depth", "1")
    assert code == 0, err
    g = nx.read_graphml(out, force_multigraph=True)
    assert "https://w3id.org/coopgraph/id/org/samr" in g and "wrote" in err


def test_export_every_format(run, tmp_path: Path) -> None:  # noqa: ANN001
    for fmt, name in (("gexf", "a.gexf"), ("dot", "a.dot"), ("cytoscape", "a.cyjs"), ("csv", "lists"),
                      ("svg", "a.svg"), ("png", "a.png"), ("pdf", "a.pdf"), ("html", "a.html"),
                      ("timeline-svg", "t.svg"), ("timeline-png", "t.png")):
        code, _, err = run("export", "--format", fmt, "-o", str(tmp_path / name), "--lang", "vi")
        assert code == 0, (fmt, err)
    assert (tmp_path / "lists" / "nodes.csv").exists()
    code, _, err = run("export", "--format", "gexf", "-o", str(tmp_path / "p.gexf"), "--period", "2019..2023",
                       "--actors")
    assert code == 0, err


def test_export_to_stdout(run) -> None:  # noqa: ANN001
    code, out, _ = run("export", "--format", "dot", "--types", "agency,country")
    assert code == 0 and out.startswith("digraph coopgraph")


def test_unknown_focus_suggests_names(run, tmp_path: Path) -> None:  # noqa: ANN001
    code, _, err = run("export", "--format", "svg", "-o", str(tmp_path / "x.svg"), "--focus", "SAMX")
    assert code == 2 and "did you mean" in err and "SAMR" in err
    assert not (tmp_path / "x.svg").exists()


def test_empty_view_writes_nothing(run, tmp_path: Path) -> None:  # noqa: ANN001
    code, _, err = run("export", "--format", "png", "-o", str(tmp_path / "x.png"), "--period", "1990..1995")
    assert code == 2 and "empty" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("argv, message", [
    (("--period", "2023..2019"), "ends before it starts"),
    (("--types", "dragons"), "known types"),
])
def test_bad_options(run, tmp_path: Path, argv: tuple[str, ...], message: str) -> None:  # noqa: ANN001
    code, _, err = run("export", "--format", "graphml", "-o", str(tmp_path / "x.graphml"), *argv)
    assert code == 2 and message in err


def test_path_in_words(run) -> None:  # noqa: ANN001
    code, out, err = run("path", "Bo Thuan", "Lê Xuân Định")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "Bò Thuần (person)"
    assert "attended" in lines[1] and "(meeting, 2023-06-05)" in lines[1]
    assert "attended by" in lines[2] and "Lê Xuân Định" in lines[2]  # the inverse, read backwards
    assert lines[-1] == "2 steps"
    # the 2019 MOU (L22-s1); SAMR no longer reaches SAC through STAMEQ in the seed article alone,
    # which does not put STAMEQ on the receiving side (that is curation.trig's reading)
    code, out, _ = run("path", "STAMEQ", "SAC", "--actors")
    assert code == 0 and "cooperation partner" in out


def test_path_between_unconnected_entities(run) -> None:  # noqa: ANN001
    code, _, err = run("path", "SAMR", "SAC", "--types", "agency")
    assert code == 2 and "no connection" in err


def test_rank(run) -> None:  # noqa: ANN001
    code, out, err = run("rank")
    assert code == 0, err
    header, first, *_ = out.splitlines()
    assert header.split()[:3] == ["#", "name", "type"] and "betweenness" in header
    assert "State Administration for Market Regulation" in first  # most ties in the seed article
    code, out, _ = run("rank", "--actors", "--format", "csv")
    assert code == 0 and out.splitlines()[0] == "node,label,kind,degree,betweenness,community"


def _python_m(*argv: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "COOPGRAPH_HOME": str(ROOT), "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run([sys.executable, "-m", "coopgraph", *argv], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=300)


def test_unwritable_output_exit_2_without_traceback(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    done = _python_m("export", "--format", "png", "-o", str(tmp_path / "file" / "x.png"), "--data", str(SEED),
                     cwd=tmp_path)
    assert done.returncode == 2
    assert "cannot write" in done.stderr and "Traceback" not in done.stderr


def test_real_command_line(tmp_path: Path) -> None:
    done = _python_m("export", "--format", "graphml", "-o", "seed.graphml", "--data", str(SEED), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert nx.read_graphml(tmp_path / "seed.graphml").number_of_nodes() > 20
