"""CLI contract: every --help ends with an example; results on stdout, errors on one line."""

from __future__ import annotations

import argparse
import json

import pytest

from _support import FIXTURE_DATA, error_lines, run_cli
from coopgraph.cli.main import main, make_parser


def _commands() -> list[str]:
    parser = make_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sorted(sub.choices)


@pytest.mark.parametrize("command", [None, *_commands()])
def test_help_ends_with_example(command: str | None, capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main([command, "--help"] if command else ["--help"])
    assert info.value.code == 0
    lines = [x for x in capsys.readouterr().out.splitlines() if x.strip()]
    assert lines[-2] == "example:"
    assert lines[-1].startswith("  coopgraph ")


def test_top_level_help_documents_exit_codes(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "0  success" in out and "1  invalid data" in out and "2  usage or input error" in out


def test_describe_and_stats(home) -> None:
    data = ["--data", *map(str, FIXTURE_DATA)]
    proc = run_cli("describe", "tong cuc tieu chuan do luong chat luong", "--lang", "en", *data)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("Directorate for Standards, Metrology and Quality <")
    proc = run_cli("describe", "no such agency", *data)
    assert proc.returncode == 2
    assert len(error_lines(proc.stderr)) == 1
    assert error_lines(proc.stderr)[0].startswith("coopgraph: error: no entity named")
    proc = run_cli("stats", "--format", "json", *data)
    assert proc.returncode == 0 and json.loads(proc.stdout)["sources"] == 1


def test_describe_from_build(built) -> None:
    proc = run_cli("describe", "MOST", "--build", str(built), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["entity"].endswith("agency/most")


def test_module_and_version() -> None:
    proc = run_cli("--version")
    assert proc.returncode == 0 and proc.stdout.startswith("coopgraph ")


def test_reading_a_build_imports_no_network_or_picture_library(built) -> None:
    """describe, stats and query on a build start in a fraction of a second: listing the
    commands and their options imports neither networkx nor numpy nor matplotlib (0.18 s)."""
    import os
    import subprocess
    import sys

    from _support import ROOT

    probe = ("import runpy, sys; sys.argv = ['coopgraph', 'stats', '--build', sys.argv[1]]\n"
             "try:\n    runpy.run_module('coopgraph', run_name='__main__')\nexcept SystemExit:\n    pass\n"
             "print(sorted(m for m in ('networkx', 'numpy', 'matplotlib') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", probe, str(built)], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "[]", proc.stdout
