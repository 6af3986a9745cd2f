"""Validation: violations fail, warnings do not, and results name the file to fix."""

from __future__ import annotations

from pathlib import Path

import json

from _support import FIXTURE_DATA, FIXTURES, run_cli
from coopgraph.load import load_dataset
from coopgraph.shacl.validate import validate

INVALID = FIXTURES / "invalid" / "missing-label.trig"


def test_warnings_do_not_break_conformance(home) -> None:
    report = validate(load_dataset(FIXTURE_DATA))
    assert report.conforms
    assert [r.severity for r in report.results] == ["Warning"]


def test_violations_name_focus_and_file(home) -> None:
    origins: dict = {}
    report = validate(load_dataset([*FIXTURE_DATA, INVALID], origins=origins), origins=origins)
    assert not report.conforms
    violations = [r for r in report.results if r.severity == "Violation"]
    label = next(r for r in violations if r.message == "an agency needs a label")
    assert label.focus.endswith("agency/khong-ten") and label.path == "rdfs:label"
    assert label.component == "sh:MinCountConstraintComponent"
    # The file as the user would type it: relative to the working folder when inside it.
    assert len(label.files) == 1 and INVALID.resolve() == (Path.cwd() / label.files[0]).resolve()
    # sh:class sees only asserted types: viet-nam is not typed an agency, so this fails
    # (with RDFS inference, cg:party's range would have made it an organisation).
    party = next(r for r in violations if r.message == "a party must be an agency")
    assert party.value.endswith("country/viet-nam")
    assert "Violation" in report.to_text() and "missing-label.trig" in report.to_text()
    assert json.loads(report.to_json())["conforms"] is False
    assert "sh:ValidationReport" in report.to_turtle()


def test_cli_validate_formats(home) -> None:
    proc = run_cli("validate", *map(str, FIXTURE_DATA), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["conforms"] is True
    proc = run_cli("validate", *map(str, FIXTURE_DATA), str(INVALID))
    assert proc.returncode == 1
    assert "an agency needs a label" in proc.stdout
