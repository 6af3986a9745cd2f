"""Issue 15, item 4: a new role, meeting type, topic or rank enters as data.

tests/fixtures/vocabulary/concepts-as-data.trig adds "governor", "under-secretary", a "working
trip", halal certification, calibration and a director-general rank as skos:Concepts of the
existing schemes, in the passage graph of the (made-up) source that needs them. No source in
data/ needs these terms yet, so the fixture stands in for one. ontology/vocabularies.ttl is not
edited: the project's own shapes, ontology and queries must accept and show the new concepts.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import coopgraph
from _support import FIXTURES
from coopgraph.load import load_dataset
from coopgraph.shacl.validate import validate

FIXTURE = FIXTURES / "vocabulary" / "concepts-as-data.trig"
ID = "https://w3id.org/coopgraph/id/"
NEW = {"role/governor", "role/under-secretary", "meeting-type/working-trip", "topic/halal-certification",
       "topic/calibration", "rank/director-general"}


@pytest.fixture(scope="module")
def graph(repo_home: Path) -> Iterator[coopgraph.CoopGraph]:
    """The fixture alone, validated and reasoned with the repository's ontology and shapes."""
    yield coopgraph.open(data_paths=[FIXTURE])


def test_the_concepts_are_not_in_the_vocabularies() -> None:
    """The point of the fixture: none of its concepts is declared in ontology/vocabularies.ttl."""
    text = (Path(__file__).resolve().parent.parent / "ontology" / "vocabularies.ttl").read_text(encoding="utf-8")
    assert not [c for c in NEW if ID + c + ">" in text]


def test_project_shapes_accept_concepts_entered_as_data(repo_home: Path) -> None:
    """No violation and no warning: the concepts join existing schemes and broader concepts that
    live in vocabularies.ttl, which the shapes see only through their labels."""
    report = validate(load_dataset([FIXTURE]))
    assert report.conforms, report.to_text()
    assert [r for r in report.results if r.severity != "Info"] == [], report.to_text()


def test_a_concept_with_a_misspelt_scheme_is_still_refused(repo_home: Path, tmp_path: Path) -> None:
    """Accepting data concepts does not accept anything: a scheme that is not the project's fails."""
    bad = tmp_path / "bad.trig"
    bad.write_text(FIXTURE.read_text(encoding="utf-8").replace("scheme:topics", "scheme:topic", 1), encoding="utf-8")
    report = validate(load_dataset([bad]))
    assert not report.conforms
    assert any(r.path == "skos:inScheme" for r in report.results if r.severity == "Violation")


def test_describe_shows_the_new_concepts_with_their_source(graph: coopgraph.CoopGraph) -> None:
    text = graph.describe("governor", lang="en").to_text()
    assert ID + "role/governor" in text and "governor" in text.splitlines()[0]
    assert "from: Fixture: a working trip of a provincial governor" in text  # the source that needed it
    assert graph.describe("working trip").entity == ID + "meeting-type/working-trip"


def test_queries_show_the_new_concepts(graph: coopgraph.CoopGraph) -> None:
    topics = graph.query("meeting-topics", meeting=ID + "fixture/trip")
    labels = {str(r.topicLabel) for r in topics}
    assert {"halal certification", "calibration"} <= labels, labels
    posts = {(str(r.roleLabel), str(r.rankLabel or "")) for r in graph.query("person-posts")}
    assert ("governor", "director-general rank") in posts and ("under-secretary", "") in posts
    leaders = graph.query("meeting-leaders", meeting=ID + "fixture/trip")
    assert {str(r.leaderLabel) for r in leaders} == {"Governor Fixture", "Under-Secretary Fixture"}
