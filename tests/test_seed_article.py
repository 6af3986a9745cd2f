"""The seed article, line by line: every line L3-L34 of the Vietnamese text has its facts in
the graph, each in the named graph of the sentence that states it, with the exact quote.

The expectations below are written from the article (see the comments quoting it), not from
the data, so a fact dropped from the data or moved to the wrong sentence fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Dataset, URIRef

ROOT = Path(__file__).resolve().parents[1]
ARTICLE = ROOT / "data" / "sources" / "most-2023-06-05-samr-reception.vi.txt"
DATA = ROOT / "data" / "most-2023-06-05-samr-reception.trig"
EV = "https://w3id.org/coopgraph/id/evidence/most-2023-06-05-samr-reception/"

PREFIXES = """
PREFIX cg: <https://w3id.org/coopgraph/def#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX ag: <https://w3id.org/coopgraph/id/org/>
PREFIX person: <https://w3id.org/coopgraph/id/person/>
PREFIX post: <https://w3id.org/coopgraph/id/post/>
PREFIX mtg: <https://w3id.org/coopgraph/id/meeting/>
PREFIX agr: <https://w3id.org/coopgraph/id/agreement/>
PREFIX law: <https://w3id.org/coopgraph/id/law/>
PREFIX strat: <https://w3id.org/coopgraph/id/strategy/>
PREFIX topic: <https://w3id.org/coopgraph/id/topic/>
PREFIX role: <https://w3id.org/coopgraph/id/role/>
PREFIX rank: <https://w3id.org/coopgraph/id/rank/>
PREFIX mtype: <https://w3id.org/coopgraph/id/meeting-type/>
PREFIX status: <https://w3id.org/coopgraph/id/status/>
PREFIX country: <https://w3id.org/coopgraph/id/country/>
PREFIX src: <https://w3id.org/coopgraph/id/source/>
PREFIX qi: <https://w3id.org/coopgraph/id/quality-infrastructure/>
"""

M = "mtg:2023-06-05-most-samr-reception"

# locator -> list of (what the article says, pattern that must hold in that sentence's graph,
# and optionally a context pattern that may be matched anywhere, e.g. the link from the meeting
# to a side that an earlier sentence introduced)
EXPECTED: dict[str, list[tuple[str, ...]]] = {
    "L3": [
        ("the Deputy Minister receives (tiếp) the delegation",
         f"{M} cg:meetingType mtype:reception ; cg:hostSide/cg:ledBy person:le-xuan-dinh ;"
         " cg:visitingSide/cg:sideAgency ag:samr ."),
        ("Lê Xuân Định is named", 'person:le-xuan-dinh rdfs:label "Lê Xuân Định"@vi .'),
        ("SAMR's Vietnamese name, of China",
         'ag:samr rdfs:label "Tổng cục Quản lý Giám sát Thị trường Nhà nước Trung Quốc"@vi ;'
         " cg:country country:china ."),
    ],
    "L5": [
        # "(KH&CN)" abbreviates "khoa học và công nghệ", not the ministry: no abbreviation here
        ("MOST", 'ag:most a cg:Ministry ; rdfs:label "Bộ Khoa học và Công nghệ"@vi .'
         ' FILTER NOT EXISTS { ag:most cg:abbreviation "KH&CN"@vi }'),
        ("encourages its units to cooperate with foreign partners",
         "?a a cg:PolicyStatement ; cg:actor ag:most ; cg:addressee ?u . ?u org:subOrganizationOf ag:most ."),
        ("in standards, technical regulations, conformity assessment, metrology, testing",
         "?a a cg:PolicyStatement ; cg:topic topic:standardization , topic:technical-regulations ,"
         " topic:conformity-assessment , topic:metrology , topic:testing ."),
    ],
    "L7": [
        ("on 5/6/2023", f'{M} dcterms:date "2023-06-05"^^xsd:date .'),
        ("at the MOST headquarters (place as stated)",
         f'{M} cg:placeAsStated "Trụ sở Bộ KH&CN"@vi ; prov:atLocation ?p . ?p cg:headquartersOf ag:most .'),
        ("Deputy Minister of MOST Lê Xuân Định received",
         "?t cg:holder person:le-xuan-dinh ; cg:tenurePost post:most-deputy-minister ."
         " post:most-deputy-minister org:postIn ag:most ; org:role role:deputy-minister ."
         " ?a cg:attendee person:le-xuan-dinh ; cg:attendedMeeting " + M + " ;"
         " cg:attendanceRole role:receiving-official ; cg:inCapacity ?t ."),
        ("SAMR delegation (abbreviation SAMR), host side is MOST",
         'ag:samr cg:abbreviation "SAMR" . ?s cg:sideAgency ag:most ; cg:sideRole role:host .',
         f"{M} cg:hostSide ?s ."),
        ("led by Mr. Bò Thuần as head of delegation",
         'person:bo-thuan rdfs:label "Bò Thuần"@vi ; foaf:title "ông"@vi .'
         " ?d cg:ledBy person:bo-thuan ; cg:sideRole role:visiting-delegation ."
         " ?a cg:attendee person:bo-thuan ; cg:attendanceRole role:head-of-delegation ; cg:inCapacity ?t .",
         f"{M} cg:visitingSide ?d ."),
        ("Deputy Administrator (Vice-Minister rank) of SAMR",
         "?t cg:holder person:bo-thuan ; cg:tenurePost post:samr-deputy-administrator ;"
         ' cg:titleAsStated "Phó Cục trưởng (cấp Thứ trưởng) SAMR"@vi ; cg:rank rank:vice-minister .'
         " post:samr-deputy-administrator org:postIn ag:samr ; org:role role:deputy-administrator ."
         # the rank was stated on 5 June 2023, for this tenure: not on the post
         " FILTER NOT EXISTS { post:samr-deputy-administrator cg:rank ?anyRank }"),
    ],
    "L11": [
        ("photo: overview of the reception",
         f'?i a foaf:Image ; cg:caption "Toàn cảnh buổi tiếp."@vi ; cg:depicts {M} .'),
    ],
    "L13-s1": [
        ("the Deputy Minister spoke", "?a cg:attendanceRole role:speaker .",
         "?a cg:attendee person:le-xuan-dinh ."),
        ("Law on Standards and Technical Regulations being amended",
         'law:vn-law-on-standards-and-technical-regulations a cg:Law ;'
         ' rdfs:label "Luật Tiêu chuẩn và quy chuẩn kỹ thuật"@vi .'
         " ?r cg:reportOn law:vn-law-on-standards-and-technical-regulations ; cg:status status:being-amended ;"
         f' cg:reportedBy person:le-xuan-dinh ; cg:reportedAt {M} ; cg:asOf "2023-06-05"^^xsd:date .'),
        ("Law on Product and Goods Quality being amended",
         'law:vn-law-on-product-and-goods-quality rdfs:label "Luật Chất lượng sản phẩm hàng hóa"@vi .'
         " ?r cg:reportOn law:vn-law-on-product-and-goods-quality ; cg:status status:being-amended ."),
    ],
    "L13-s2": [
        ("Việt Nam đã xây dựng: Vietnam drafted the strategy (it did not promulgate it)",
         "strat:vn-national-standardization-strategy-2030 cg:draftedBy country:vietnam ."
         " FILTER NOT EXISTS { strat:vn-national-standardization-strategy-2030 cg:issuedBy ?issuer }"),
        ("based on the Socio-Economic Development Strategy 2020-2030 (as stated)",
         "strat:vn-national-standardization-strategy-2030 cg:basedOn ?s ."
         ' ?s rdfs:label "Chiến lược phát triển kinh tế xã hội Việt Nam 2020-2030"@vi ; cg:period "2020-2030" .'),
        ("drawing on the standards strategies of ISO, IEC and the countries of the region",
         "strat:vn-national-standardization-strategy-2030 cg:drawsOn ?i , ?e , ?r ."
         " ?i cg:issuedBy ag:iso . ?e cg:issuedBy ag:iec . ?r dcterms:spatial ?reg ."
         ' ?reg rdfs:label "các nước trong khu vực"@vi .'),
        ("the National Standardization Strategy to 2030, submitted to the Prime Minister",
         'strat:vn-national-standardization-strategy-2030 rdfs:label "Chiến lược Tiêu chuẩn hóa quốc gia đến năm 2030"@vi .'
         " ?r cg:reportOn strat:vn-national-standardization-strategy-2030 ; cg:status status:submitted-for-approval ;"
         " cg:submittedTo ?pm . ?pm org:role role:prime-minister ."),
    ],
    "L15-s1": [
        ("national quality infrastructure, written NQL",
         'qi:vietnam a cg:QualityInfrastructure ; cg:abbreviation "NQL" ;'
         ' rdfs:label "cơ sở hạ tầng chất lượng quốc gia"@vi .'),
        ("affirmed (claim) ... to which the Government pays great attention",
         "?c a cg:Claim ; cg:actor person:le-xuan-dinh ; cg:about qi:vietnam , ?gov .",
         '?gov a cg:Government ; rdfs:label "Chính phủ Việt Nam"@vi .'),
    ],
    "L15-s2": [
        ("NQL has been built and achieved important initial results",
         f"?c a cg:Claim ; cg:actor person:le-xuan-dinh ; cg:about qi:vietnam ; cg:actAt {M} ."),
    ],
    "L20": [
        ("photo: the Deputy Minister receives Bò Thuần",
         "?i a foaf:Image ; cg:depicts person:le-xuan-dinh , person:bo-thuan ."),
    ],
    "L22-s1": [
        ("the 2019 MOU between STAMEQ and SAC on standardization",
         "?m a cg:MemorandumOfUnderstanding ; cg:party ag:stameq , ag:sac ;"
         ' cg:signedInYear "2019"^^xsd:gYear ; cg:topic topic:standardization .'),
        ("SAC's name and abbreviation, STAMEQ's name",
         'ag:sac cg:abbreviation "SAC" ; rdfs:label "Cục Quản lý Tiêu chuẩn hóa Trung Quốc"@vi .'
         ' ag:stameq rdfs:label "Tổng cục Tiêu chuẩn Đo lường Chất lượng"@vi .'),
        ("the Deputy Minister highly appreciated that cooperation",
         "?a a cg:Appreciation ; cg:actor person:le-xuan-dinh ; cg:about ?m . ?m a cg:MemorandumOfUnderstanding ."),
    ],
    "L22-s2": [
        ("confident that, given SAMR's strong role, there is room for more",
         "?s a cg:Statement ; cg:actor person:le-xuan-dinh ; cg:about ag:samr ."),
    ],
    "L24-s1": [
        ("Bò Thuần thanked MOST and STAMEQ on behalf of the Chinese delegation",
         "?t a cg:Thanks ; cg:actor person:bo-thuan ; cg:addressee ag:most , ag:stameq ; cg:onBehalfOf ?d ."
         " ?d cg:sideCountry country:china ."),
        # that STAMEQ was therefore on the receiving side is the curators' reading, not this sentence's
        ("the sentence does not put STAMEQ on a side",
         "FILTER NOT EXISTS { ?s cg:sideAgency ag:stameq }"),
    ],
    "L24-s2": [
        ("after the working session, the Chinese side will review the cooperation activities",
         "?c a cg:Commitment ; cg:committedBySide ?d ; cg:status status:announced ;"
         ' cg:text "sau buổi làm việc, phía Trung Quốc sẽ rà soát lại các hoạt động hợp tác giữa Hai bên"@vi .',
         f"{M} cg:visitingSide ?d ."),
        ("and plan the activities both sides propose (the Chinese side: no agency named)",
         "?c a cg:Commitment ; cg:committedBySide ?d ;"
         ' cg:text "đồng thời, lên kế hoạch tổ chức các hoạt động mà Hai bên cùng đề xuất"@vi .'
         " FILTER NOT EXISTS { ?c cg:committedBy ?agency }",
         f"{M} cg:visitingSide ?d ."),
    ],
    "L26": [
        ("exchanged on the national standardization strategy and strategy-building experience",
         f"{M} cg:discussedSubject strat:vn-national-standardization-strategy-2030 ;"
         " cg:discussedTopic topic:standardization-strategy ."),
        ("socio-economic orientations, state management of standards, metrology, quality",
         f"{M} cg:discussedTopic topic:socio-economic-development , topic:state-management-of-quality ."),
        ("energy consumption, green development, millennium goals",
         f"{M} cg:discussedTopic topic:energy-consumption , topic:green-development , topic:millennium-goals ."),
    ],
    "L30": [
        ("the Deputy Minister presents a souvenir to Bò Thuần",
         "?g a cg:GiftPresentation ; cg:actor person:le-xuan-dinh ; cg:addressee person:bo-thuan ;"
         ' cg:gift "quà lưu niệm"@vi . ?i a foaf:Image ; cg:depicts ?g .'),
    ],
    "L32": [
        ("1. S&T cooperation between the two countries",
         '?c cg:ordinal 1 ; cg:status status:agreed ; cg:topic topic:science-and-technology-cooperation ;'
         " cg:involves country:vietnam , country:china ; cg:committedBySide ?host , ?visitor ."
         # "Hai bên": the two sides, not agencies
         " FILTER NOT EXISTS { ?c cg:committedBy ?agency }",
         f"{M} cg:hostSide ?host ; cg:visitingSide ?visitor ."),
        ("2. maintain and expand cooperation of STAMEQ's and SAMR's units",
         "?c cg:ordinal 2 ; cg:involves ag:stameq , ag:samr ; cg:status status:agreed ."),
        ("3. review the 2019 MOU",
         "?c cg:ordinal 3 ; cg:concernsAgreement ?m .", '?m cg:signedInYear "2019"^^xsd:gYear .'),
        # the sentence does not tie item 4 to the MOU (curation:reception-c4-extends-2019-mou does)
        ("4. expand the scope to certification and mutual recognition of test results",
         "?c cg:ordinal 4 ; cg:extendsScopeTo topic:certification , topic:mutual-recognition-of-test-results ."
         " FILTER NOT EXISTS { ?c cg:concernsAgreement ?m }"),
        ("5. periodic technical workshops, yearly or every two years, alternating",
         "?c cg:ordinal 5 ; cg:topic topic:technical-workshops ."),
        ("6. information sharing among technical experts, and training",
         "?c cg:ordinal 6 ; cg:topic topic:information-sharing , topic:training ."
         # sharing the experts' information is not an exchange of experts
         " FILTER NOT EXISTS { ?c cg:topic topic:expert-exchange }"),
    ],
    "L34": [
        ("Source: MOST", 'src:most-2023-06-05-samr-reception dcterms:publisher ag:most . ag:most cg:abbreviation "MOST" .'),
    ],
}


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    ds = Dataset(default_union=True)
    ds.parse(DATA, format="trig")
    return ds


@pytest.fixture(scope="module")
def lines() -> list[str]:
    return ARTICLE.read_text(encoding="utf-8").split("\n")


def _graph(ds: Dataset, locator: str):
    return ds.graph(URIRef(EV + locator))


@pytest.mark.parametrize(
    ("locator", "what", "pattern", "context"),
    [(loc, item[0], item[1], item[2] if len(item) > 2 else "")
     for loc, items in EXPECTED.items() for item in items],
    ids=[f"{loc}: {item[0]}" for loc, items in EXPECTED.items() for item in items],
)
def test_line_fact_is_in_its_sentence_graph(
    dataset: Dataset, locator: str, what: str, pattern: str, context: str
) -> None:
    """Each fact the article states sits in the graph of the sentence that states it."""
    assert len(_graph(dataset, locator)) > 0, f"no graph for {locator}"
    ask = f"ASK {{ GRAPH <{EV}{locator}> {{ {pattern} }} {context} }}"
    assert dataset.query(PREFIXES + ask).askAnswer, f"{locator}: {what}"


def test_every_line_from_l3_to_l34_has_evidence(dataset: Dataset, lines: list[str]) -> None:
    """Nothing in the article is left out: every non-blank line is covered by a sentence graph."""
    covered = {
        int(line)
        for line in dataset.objects(None, URIRef("https://w3id.org/coopgraph/def#line"))
    }
    wanted = {n for n, text in enumerate(lines, 1) if text.strip() and 3 <= n <= 34}
    assert wanted - covered == set()
    assert set(EXPECTED) >= {f"L{n}" for n in wanted if f"L{n}" in EXPECTED}


def test_quotes_are_exact_and_sentences_rebuild_each_line(dataset: Dataset, lines: list[str]) -> None:
    """Quotes are the article's own words, and a line's sentences, joined, give the whole line."""
    res = dataset.query(PREFIXES + """
        SELECT ?ev ?line ?quote (COALESCE(?s, 1) AS ?sentence) WHERE {
          GRAPH ?src { ?ev a cg:Evidence ; cg:source src:most-2023-06-05-samr-reception ;
                          cg:line ?line ; cg:quote ?quote . OPTIONAL { ?ev cg:sentence ?s } } }""")
    by_line: dict[int, list[tuple[int, str]]] = {}
    for ev, line, quote, sentence in res:
        text = lines[int(line) - 1]
        assert str(quote) in text, f"{ev}: quote not on line {line}"
        assert len(_graph(dataset, str(ev)[len(EV):])) > 0, f"{ev} names no graph of facts"
        by_line.setdefault(int(line), []).append((int(sentence), str(quote)))
    for line, parts in by_line.items():
        rebuilt = " ".join(q for _, q in sorted(parts))
        assert rebuilt == lines[line - 1].strip(), f"line {line} not fully covered"


def test_commitment_texts_are_quotes_of_line_32_or_24(dataset: Dataset, lines: list[str]) -> None:
    """Commitments keep the source's Vietnamese words, so they can be cited exactly."""
    res = dataset.query(PREFIXES + """
        SELECT ?c ?text WHERE { GRAPH ?g { ?c a cg:Commitment ; cg:text ?text FILTER(lang(?text) = "vi") } }""")
    rows = list(res)
    assert len(rows) == 8
    for c, text in rows:
        assert str(text) in lines[31] or str(text) in lines[23], c


def test_six_agreed_follow_ups_are_separate_commitments(dataset: Dataset) -> None:
    graph = _graph(dataset, "L32")
    res = graph.query(PREFIXES + "SELECT ?n WHERE { ?c a cg:Commitment ; cg:ordinal ?n }")
    assert sorted(int(r[0]) for r in res) == [1, 2, 3, 4, 5, 6]
