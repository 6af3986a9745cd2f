"""Malformed input must give one line, FILE:LINE:COL, exit code 2, and no traceback."""

from __future__ import annotations

import pytest

from _support import FIXTURES, error_lines, run_cli
from coopgraph.errors import InputError
from coopgraph.load import load_dataset

BAD = FIXTURES / "bad"

CASES = [
    ("broken.ttl", 4, 25),
    ("broken.trig", 6, 2),
    ("broken.jsonld", 5, 26),
]


@pytest.mark.parametrize(("name", "line", "column"), CASES)
def test_api_error_has_location(name: str, line: int, column: int) -> None:
    with pytest.raises(InputError) as info:
        load_dataset([BAD / name])
    err = info.value
    assert (err.line, err.column) == (line, column)
    assert err.file.endswith(name)
    assert str(err).startswith(f"{BAD / name}:{line}:{column}: ")
    assert "\n" not in str(err)
    assert err.exit_code == 2


@pytest.mark.parametrize(("name", "line", "column"), CASES)
@pytest.mark.parametrize("command", ["validate", "build"])
def test_cli_error_is_one_line(home, tmp_path, command: str, name: str, line: int, column: int) -> None:
    path = BAD / name
    args = [command, str(path)] if command == "validate" else [command, "--data", str(path), "--out", str(tmp_path / "o")]
    proc = run_cli(*args)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [x for x in proc.stderr.splitlines() if x.startswith("coopgraph: error:")]
    assert lines == [proc.stderr.strip().splitlines()[-1]]  # one error line, last; progress may precede it
    assert lines[0].startswith(f"coopgraph: error: {path}:{line}:{column}: ")
    assert proc.stdout == ""
    assert not (tmp_path / "o").exists()


def test_missing_file_is_input_error(tmp_path) -> None:
    proc = run_cli("validate", str(tmp_path / "nope.trig"))
    assert proc.returncode == 2
    assert error_lines(proc.stderr) == [f"coopgraph: error: {tmp_path / 'nope.trig'}:0:0: no such file"]


def test_unknown_option_is_usage_error() -> None:
    proc = run_cli("build", "--frobnicate")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("command", ["validate", "build", "build --store"])
def test_a_triple_term_is_refused_naming_the_file(home, tmp_path, command: str) -> None:
    """RDF 1.2 triple terms are refused by the one reader, so every command names the file."""
    path = tmp_path / "quoted.ttl"
    path.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b <<( ex:c ex:d ex:e )>> .\n", encoding="utf-8")
    args = {"validate": ["validate", str(path)],
            "build": ["build", "--data", str(path), "--out", str(tmp_path / "o")],
            "build --store": ["build", "--data", str(path), "--store", str(tmp_path / "o")]}[command]
    proc = run_cli(*args)
    assert proc.returncode == 2, proc.stderr
    assert error_lines(proc.stderr) == [f"coopgraph: error: {path}:0:0: holds an RDF 1.2 triple term "
                                        "(<http://example.org/c> <http://example.org/d> <http://example.org/e>), "
                                        "which coopgraph does not support"]
    assert not (tmp_path / "o").exists()
