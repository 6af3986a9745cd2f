"""The network view of the seed graph: typed nodes, labelled edges, provenance counts, views.

Expectations are written from the seed article (who hosted whom, which MOU, who attended),
and the whole default view is pinned by a golden file so any change to it is seen in review.
"""

from __future__ import annotations

import pytest
from export_support import check_golden, dumps, seed_network, structure

from coopgraph.errors import UsageError
from coopgraph.export.network import Period, ViewOptions, fold, parse_types

ORG = "https://w3id.org/coopgraph/id/org/"
PERSON = "https://w3id.org/coopgraph/id/person/"
MEETING = "https://w3id.org/coopgraph/id/meeting/2023-06-05-most-samr-reception"
MOU = "https://w3id.org/coopgraph/id/agreement/2019-stameq-sac-mou"
SOURCE = "https://w3id.org/coopgraph/id/source/most-2023-06-05-samr-reception"


def relations(g, u, v) -> set[str]:  # noqa: ANN001
    return {d["relation"] for d in g.get_edge_data(u, v, default={}).values()}


def test_nodes_are_typed_and_carry_their_attributes() -> None:
    g = seed_network().view(ViewOptions(lang="en"))
    types = {n: d["type"] for n, d in g.nodes(data=True)}
    assert types[ORG + "samr"] == "agency"
    assert types[PERSON + "bo-thuan"] == "person"
    assert types[MEETING] == "meeting"
    assert types[MOU] == "agreement"
    assert types[SOURCE] == "source"
    assert sum(t == "commitment" for t in types.values()) == 8  # 6 agreed (L32) + 2 by the Chinese side (L24)
    samr = g.nodes[ORG + "samr"]
    assert samr["label"] == "State Administration for Market Regulation"
    assert samr["label_vi"] == "Tổng cục Quản lý Giám sát Thị trường Nhà nước Trung Quốc"
    assert samr["short_label"] == "SAMR"
    assert samr["country"] == "China"
    assert samr["class"] == "cg:MarketRegulator"
    assert g.nodes[MEETING]["date"] == "2023-06-05"
    assert g.nodes[MOU]["date"] == "2019"  # signedInYear: the article gives only the year


def test_edges_come_from_the_reasoned_graph_with_their_sources() -> None:
    g = seed_network().view(ViewOptions(lang="en"))
    # host/visitor are inferred through the sides (property chains), never stated directly
    assert relations(g, MEETING, ORG + "most") >= {"cg:host"}
    # L22-s1; that STAMEQ also hosted is the curators' reading of L24-s1 (curation.trig, not here)
    assert relations(g, MEETING, ORG + "stameq") == {"cg:mentionedAgency"}
    assert relations(g, MEETING, ORG + "samr") == {"cg:visitor"}
    host = g.get_edge_data(MEETING, ORG + "samr")["cg:visitor"]
    assert host["inferred"] is True and host["n_sources"] == 1 and host["label"] == "visitor"
    # the general cg:participant is not drawn beside the more specific host/visitor
    assert not any(d["relation"] == "cg:participant" for _, _, d in g.edges(data=True))
    assert relations(g, MOU, ORG + "stameq") == {"cg:party"}
    assert relations(g, PERSON + "bo-thuan", MEETING) == {"cg:attended"}
    post = next(iter(g.get_edge_data(PERSON + "bo-thuan", ORG + "samr").values()))
    assert post["relation"] == "org:holds" and post["post"] == "Deputy Administrator of SAMR"
    assert relations(g, MEETING, SOURCE) == {"dcterms:source"}
    assert all(d["n_sources"] >= 1 for _, _, d in g.edges(data=True)), "every edge is traced to a source"


def test_labels_follow_the_language() -> None:
    vi = seed_network().view(ViewOptions(lang="vi"))
    assert vi.nodes[ORG + "samr"]["label"] == "Tổng cục Quản lý Giám sát Thị trường Nhà nước Trung Quốc"
    assert vi.get_edge_data(MEETING, ORG + "samr")["cg:visitor"]["label"] == "khách"
    # no Chinese label in the seed: falls back to the untagged, then English one
    zh = seed_network().view(ViewOptions(lang="zh"))
    assert zh.nodes[ORG + "samr"]["label"] == "State Administration for Market Regulation"


def test_focus_depth_and_types() -> None:
    net = seed_network()
    one = net.view(ViewOptions(focus="Bò Thuần", depth=1))
    assert set(one) == {PERSON + "bo-thuan", MEETING, ORG + "samr"}
    assert one.nodes[PERSON + "bo-thuan"]["distance"] == 0
    two = net.view(ViewOptions(focus="bo thuan", depth=2))
    assert ORG + "most" in two and len(two) > len(one)
    agencies = net.view(ViewOptions(types=("agency",)))
    assert {d["type"] for _, d in agencies.nodes(data=True)} == {"agency"}


def test_unknown_focus_suggests_near_names() -> None:
    with pytest.raises(UsageError, match="SAMR"):
        seed_network().view(ViewOptions(focus="SAMX"))


def test_focus_outside_the_types_is_an_error() -> None:
    with pytest.raises(UsageError, match="not in the view"):
        seed_network().view(ViewOptions(focus="SAMR", types=("person",)))


def test_period_view_keeps_what_happened_then_with_intervals() -> None:
    net = seed_network()
    only_2019 = net.view(ViewOptions(period=Period.parse("2019")))
    assert MOU in only_2019 and MEETING not in only_2019
    assert {ORG + "stameq", ORG + "sac"} <= set(only_2019)  # undated parties of the 2019 MOU
    assert only_2019.nodes[MOU]["start"] == "2019-01-01" and only_2019.nodes[MOU]["end"] == "2019-12-31"
    assert net.view(ViewOptions(period=Period.parse("2020..2022"))).number_of_nodes() == 0
    later = net.view(ViewOptions(period=Period.parse("2023-06..")))
    assert MEETING in later and MOU not in later and "end" not in later.nodes[MEETING]


@pytest.mark.parametrize("text", ["2023..2019", "june", "2019...2020", ".."])
def test_bad_periods_are_refused(text: str) -> None:
    with pytest.raises(UsageError, match="period"):
        Period.parse(text)


def test_types_are_checked() -> None:
    assert parse_types(["agency,person", "meetings"]) == ("agency", "person", "meeting")
    with pytest.raises(UsageError, match="known types"):
        parse_types(["agencies", "dragon"])


def test_actor_view_joins_agencies_that_share_meetings_or_agreements() -> None:
    g = seed_network().view(ViewOptions(actors=True, lang="en"))
    assert not g.is_directed()
    assert {d["type"] for _, d in g.nodes(data=True)} == {"agency"}
    pairs = {tuple(sorted((u.removeprefix(ORG), v.removeprefix(ORG)))): d for u, v, d in g.edges(data=True)}
    # the reception (MOST hosts, SAMR visits) and the 2019 MOU (STAMEQ, SAC); the seed article alone
    # does not put STAMEQ on the receiving side (curation.trig does)
    assert set(pairs) == {("most", "samr"), ("sac", "stameq")}
    assert pairs[("sac", "stameq")]["weight"] == 1
    assert pairs[("sac", "stameq")]["via"] == "2019 Memorandum of Understanding between STAMEQ and SAC"
    assert pairs[("most", "samr")]["via_ids"] == MEETING
    # ISO, IEC and the Government are only mentioned: not partners
    assert ORG + "iso" not in g


def test_fold_ignores_case_and_diacritics() -> None:
    assert fold("Bò Thuần") == fold("bo thuan") == "bo thuan"
    assert fold("Tổng cục Tiêu chuẩn Đo lường") == "tong cuc tieu chuan do luong"


def test_seed_network_matches_golden() -> None:
    check_golden("seed-network.json", dumps(structure(seed_network().view(ViewOptions(lang="en")))))
    check_golden("seed-actors.json", dumps(structure(seed_network().view(ViewOptions(actors=True)))))
