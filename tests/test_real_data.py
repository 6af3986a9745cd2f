"""The project's own data in data/: it builds, conforms, loads back, and `describe` answers the
four names the foundation issue asks for with the right facts and their sources.

Uses the session's one build of the real data (``real_build`` / ``real_graph`` in conftest), so
the expensive validate-and-reason step runs once for the whole suite.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import coopgraph

ID = "https://w3id.org/coopgraph/id/"


def test_real_data_builds_and_conforms(real_build: Path) -> None:
    report = (real_build / "validation.txt").read_text(encoding="utf-8")
    assert "Data conforms: 0 violation(s)" in report
    for name in ("coopgraph.ttl", "coopgraph-inferred.ttl", "coopgraph-closure.nt", "coopgraph.jsonld",
                 "coopgraph.trig", "void.ttl", "validation.ttl", "ontology.ttl"):
        assert (real_build / name).stat().st_size > 0, name


def test_real_build_loads_back(real_graph: coopgraph.CoopGraph) -> None:
    stats = real_graph.stats()
    assert stats["triples_asserted"] > 2000 and stats["triples_inferred"] > 500
    assert stats["sources"] >= 20 and stats["curator_assertions"] >= 1


def _facts(graph: coopgraph.CoopGraph, name: str) -> tuple[str, dict]:
    description = graph.describe(name, lang="en")
    return description.entity, description.to_dict()


@pytest.mark.parametrize(
    ("name", "entity"),
    [("Bò Thuần", "person/bo-thuan"), ("bo thuan", "person/bo-thuan"), ("SAC", "org/sac"),
     ("Le Xuan Dinh", "person/le-xuan-dinh"), ("STAMEQ", "org/stameq"), ("蒲淳", "person/bo-thuan")],
)
def test_describe_finds_the_entity(real_graph: coopgraph.CoopGraph, name: str, entity: str) -> None:
    """Names in any language, abbreviations and spellings without diacritics all resolve;
    蒲淳 is Pu Chun, whom the curators identify with Bò Thuần (one IRI per sameAs cluster)."""
    assert real_graph.describe(name).entity == ID + entity


def test_describe_bo_thuan_shows_post_meeting_and_quote(real_graph: coopgraph.CoopGraph) -> None:
    text = real_graph.describe("Bò Thuần", lang="en").to_text()
    assert "Deputy Administrator of SAMR" in text
    assert "2023-06-05-most-samr-reception" in text
    assert "do ông Bò Thuần, Phó Cục trưởng (cấp Thứ trưởng) SAMR làm Trưởng đoàn." in text  # L7, verbatim
    assert "curator assertion" in text and "Sino-Vietnamese reading" in text


def test_describe_sac_shows_the_2019_mou_with_its_sources(real_graph: coopgraph.CoopGraph) -> None:
    text = real_graph.describe("SAC", lang="en").to_text()
    assert "2019-stameq-sac-mou" in text
    assert "(line 22, sentence 1)" in text
    assert "Wikipedia" in text  # SAC's other names come from their own source


def test_describe_le_xuan_dinh_shows_post_and_acts(real_graph: coopgraph.CoopGraph) -> None:
    text = real_graph.describe("Le Xuan Dinh", lang="en").to_text()
    assert "Deputy Minister of Science and Technology" in text
    assert "souvenir" in text
    assert "(line 30)" in text


def test_describe_stameq_shows_names_over_time_and_partners(real_graph: coopgraph.CoopGraph) -> None:
    text = real_graph.describe("STAMEQ", lang="en").to_text()
    assert "2019-stameq-sac-mou" in text and "stameq-kpc" in text
    assert "has name" in text
