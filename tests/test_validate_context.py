"""Validation in context: a new file checked with the graph it joins raises no false alarm for
entities typed and labelled elsewhere, and each violation names the fact's passage."""

from __future__ import annotations

from pathlib import Path

import pytest

from _review_support import make_project
from _support import ROOT, run_cli

REUSING = "ref-iso-member-china.trig"  # reuses agencies typed and labelled in other files

NEW = """\
@prefix cg: <https://w3id.org/coopgraph/def#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ag: <https://w3id.org/coopgraph/id/org/> .
@prefix agr: <https://w3id.org/coopgraph/id/agreement/> .
@prefix country: <https://w3id.org/coopgraph/id/country/> .
@prefix src: <https://w3id.org/coopgraph/id/source/> .
@prefix ev: <https://w3id.org/coopgraph/id/evidence/example-new/> .

src:example-new {
    src:example-new a cg:SourceDocument ; rdfs:label "A test article of the project's own writing"@en ;
        dcterms:title "A test article of the project's own writing"@en ; dcterms:language "en" ;
        cg:url "https://example.org/new"^^xsd:anyURI .
    ev:L4 a cg:Evidence ; cg:source src:example-new ; cg:line 4 ; cg:locator "line 4" .
    ev:L6 a cg:Evidence ; cg:source src:example-new ; cg:line 6 ; cg:locator "line 6 (caption)" .
}
ev:L4 {
    agr:2026-stameq-kpc-example a cg:MemorandumOfUnderstanding ;
        rdfs:label "A 2026 MoU between STAMEQ and KPC"@en ;
        cg:party ag:stameq , ag:kpc .
}
ev:L6 {
    agr:2026-stameq-kpc-example cg:party country:vietnam .
}
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_project(tmp_path_factory.mktemp("ctx"))


def cli(project: Path, *args: str):  # noqa: ANN201
    return run_cli(*args, env={"COOPGRAPH_HOME": str(project)}, cwd=project)


def test_an_entity_typed_elsewhere_raises_no_false_alarm(project: Path) -> None:
    path = project / "data" / REUSING
    alone = cli(project, "validate", "--alone", str(path))
    assert alone.returncode == 1 and "Violation:" in alone.stdout  # the old check: false alarms
    joined = cli(project, "validate", str(path))
    assert joined.returncode == 0, joined.stdout
    assert "Violation" not in joined.stdout and joined.stdout.endswith("Data conforms: 0 violation(s), 0 warning(s), 0 info(s).\n")


def test_a_real_violation_names_its_passage_and_others_files_stay_out(project: Path, tmp_path: Path) -> None:
    new = tmp_path / "example-new.trig"
    new.write_text(NEW)
    proc = cli(project, "validate", str(new))
    assert proc.returncode == 1
    violations = [line for line in proc.stdout.splitlines() if line.startswith("Violation:")]
    # ag:stameq and ag:kpc are agencies (typed in data/): only the country as a party is wrong
    assert len(violations) == 1, proc.stdout
    assert "agreement/2026-stameq-kpc-example cg:party" in violations[0]
    assert "(value: https://w3id.org/coopgraph/id/country/vietnam)" in violations[0]
    assert violations[0].endswith("passage: evidence/example-new/L6 (line 6 (caption))")
    # every result is about the new file: none from the 18 files it joins
    assert all("example-new.trig" in line for line in proc.stdout.splitlines()[:-1])
    alone = cli(project, "validate", "--alone", str(new))
    assert alone.stdout.count("Violation:") > 1  # by itself STAMEQ and KPC are not known agencies


def test_the_project_data_conforms_file_by_file_in_context(repo_home: Path) -> None:
    from coopgraph.shacl.context import validate_files

    for path in sorted((ROOT / "data").glob("*.trig")):
        report = validate_files([path], ROOT / "data")
        assert report.conforms, (path.name, report.to_text())
