"""Unix conventions on the command line: ``-`` for standard input and output, formats from the
file extension (``--format`` wins), ``--quiet``. Each command runs as a separate process, as in a
shell pipeline, and what it reads from a pipe must equal what it reads from the file.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

from _support import FIXTURE_DATA, ROOT, error_lines


def pipe(*args: str, stdin: bytes = b"", cwd: Path | None = None) -> subprocess.CompletedProcess:
    """``... | coopgraph ARGS``: the command with ``stdin`` on its standard input."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, "-m", "coopgraph", *args], input=stdin, capture_output=True,
                          env=env, cwd=cwd or ROOT, timeout=300)


def _summary(out: bytes) -> str:
    return out.decode("utf-8").strip().splitlines()[-1]


def test_validate_reads_standard_input(home, built: Path) -> None:  # noqa: ANN001
    source = FIXTURE_DATA[0]
    from_file = pipe("validate", str(source))
    piped = pipe("validate", "-", stdin=source.read_bytes())
    assert piped.returncode == from_file.returncode, piped.stderr
    assert _summary(piped.stdout) == _summary(from_file.stdout)
    # JSON-LD is recognised by its first character: the build's JSON-LD gives the same report
    jsonld = built / "coopgraph.jsonld"
    assert pipe("validate", "-", stdin=jsonld.read_bytes()).stdout.splitlines()[-1] == \
        pipe("validate", str(jsonld)).stdout.splitlines()[-1]


def test_bad_standard_input_is_one_located_error(home) -> None:  # noqa: ANN001
    done = pipe("validate", "-", stdin=b"@prefix x: <http://example.org/> .\nx:a x:b .\n")
    assert done.returncode == 2
    lines = error_lines(done.stderr.decode())
    assert len(lines) == 1 and lines[0].startswith("coopgraph: error: <stdin>:2:"), lines
    assert "Traceback" not in done.stderr.decode()
    bad = pipe("query", "--build", "x", "--file", "-", stdin=b"\xff\xfe")
    assert bad.returncode == 2 and "<stdin>" in bad.stderr.decode() and "Traceback" not in bad.stderr.decode()


def test_query_file_from_standard_input(built: Path) -> None:
    text = "SELECT ?s WHERE { ?s a cg:Agency } ORDER BY ?s"
    piped = pipe("query", "--build", str(built), "--file", "-", "--format", "csv", stdin=text.encode())
    given = pipe("query", "--build", str(built), "--sparql", text, "--format", "csv")
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout == given.stdout and len(piped.stdout.splitlines()) > 1


def test_query_output_format_from_the_extension(built: Path, tmp_path: Path) -> None:
    text = "SELECT ?s WHERE { ?s a cg:Agency } ORDER BY ?s"
    expected = pipe("query", "--build", str(built), "--sparql", text, "--format", "csv").stdout
    out = tmp_path / "agencies.csv"
    done = pipe("query", "--build", str(built), "--sparql", text, "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == expected
    assert list(csv.reader(io.StringIO(out.read_text(), newline="")))[0] == ["s"]
    json_out = tmp_path / "agencies.csv.json"
    assert pipe("query", "--build", str(built), "--sparql", text, "-o", str(json_out)).returncode == 0
    assert json.loads(json_out.read_text())["head"]["vars"] == ["s"]
    overridden = tmp_path / "agencies.txt"
    assert pipe("query", "--build", str(built), "--sparql", text, "-o", str(overridden), "--format", "tsv").returncode == 0
    assert overridden.read_text().splitlines()[0] == "?s"
    graph = tmp_path / "network.rdf"
    assert pipe("query", "--build", str(built), "partner-network", "-o", str(graph)).returncode == 0
    assert graph.read_text().startswith('<?xml version="1.0"') and "rdf:RDF" in graph.read_text()
    to_stdout = pipe("query", "--build", str(built), "--sparql", text, "-o", "-", "--format", "csv", cwd=tmp_path)
    assert to_stdout.stdout == expected and not (tmp_path / "-").exists()
    unknown = pipe("query", "--build", str(built), "--sparql", text, "-o", str(tmp_path / "x.bogus"))
    assert unknown.returncode == 2 and not (tmp_path / "x.bogus").exists()
    lines = error_lines(unknown.stderr.decode())
    assert len(lines) == 1 and "x.bogus" in lines[0] and "--format" in lines[0]


def test_export_to_standard_output_and_format_from_the_extension(built: Path, tmp_path: Path) -> None:
    dot = pipe("export", "--build", str(built), "--format", "dot", "-o", "-", cwd=tmp_path)
    assert dot.returncode == 0, dot.stderr
    assert dot.stdout.startswith(b"digraph") and not (tmp_path / "-").exists()
    gexf = tmp_path / "network.gexf"
    done = pipe("export", "--build", str(built), "-o", str(gexf))
    assert done.returncode == 0, done.stderr
    assert b"<gexf" in gexf.read_bytes()[:400]
    nothing = pipe("export", "--build", str(built), "-o", str(tmp_path / "network"))
    assert nothing.returncode == 2 and "--format" in nothing.stderr.decode()


def test_quiet_silences_diagnostics_not_errors(built: Path) -> None:
    text = "SELECT ?s WHERE { ?s a cg:Agency } ORDER BY ?s"
    loud = pipe("query", "--build", str(built), "--sparql", text)
    assert loud.stderr  # the row count and time
    for args in (("query", "--build", str(built), "--sparql", text, "--quiet"),
                 ("--quiet", "query", "--build", str(built), "--sparql", text)):
        quiet = pipe(*args)
        assert quiet.returncode == 0 and quiet.stdout == loud.stdout and quiet.stderr == b"", quiet.stderr
    failing = pipe("query", "--build", str(built), "--sparql", "SELECT WHERE {", "--quiet")
    assert failing.returncode == 2 and failing.stderr.decode().startswith("coopgraph: error:")
