"""`coopgraph ingest` on short articles of the project's own writing, one per language and an HTML page.

Each test runs the real pipeline against the project's real data/ (its known entities), writes
the draft with `write_draft`, reads it back with `read_draft`, and asserts the facts the article
states: known entities linked to their IRIs, new ones proposed with their abbreviation, dated
events, agreements with parties and signing date, posts, commitments, exact quotes, and that the
draft with every fact accepted validates together with data/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG, RDF, RDFS

from _support import FIXTURES, error_lines, run_cli
from coopgraph.curate.draft import Draft, read_draft, write_draft
from coopgraph.errors import InputError
from coopgraph.ingest import ingest, known_entities
from coopgraph.load import load_dataset
from coopgraph.namespaces import CG, ID, XSD
from coopgraph.shacl.validate import validate

ARTICLES = FIXTURES / "ingest"
AG, PERSON = Namespace(f"{ID}org/"), Namespace(f"{ID}person/")


ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def project_home(monkeypatch: pytest.MonkeyPatch) -> None:
    """The project's own data, whatever an earlier test in this process pointed COOPGRAPH_HOME at
    (the session's `home` fixture sets it to a tree of fixture data)."""
    monkeypatch.setenv("COOPGRAPH_HOME", str(ROOT))


@pytest.fixture(scope="module")
def known():
    from conftest import coopgraph_home

    with coopgraph_home(ROOT):
        return known_entities()


@pytest.fixture(scope="module")
def drafts(known, tmp_path_factory) -> dict[str, Draft]:
    out = tmp_path_factory.mktemp("drafts")
    result = {}
    for name in ("en-mou.txt", "vi-meeting.txt", "zh-mou.txt", "ru-mou.txt", "en-page.html"):
        draft = ingest(ARTICLES / name, known)
        write_draft(draft, out / f"{name}.draft.trig")
        result[name] = read_draft(out / f"{name}.draft.trig")  # what review and merge will see
    return result


def facts(draft: Draft, kind: str) -> list:
    return [f for f in draft.facts if f.kind == kind]


def triples(draft: Draft, kind: str) -> set:
    return {t for f in facts(draft, kind) for t in f.triples}


def linked(draft: Draft) -> dict[str, URIRef]:
    return {link.mention: link.entity for link in draft.links}


def quotes(draft: Draft) -> dict[URIRef, str]:
    return {s: str(o) for s, p, o in draft.source_triples if p == CG.quote}


# --------------------------------------------------------------------------- English


def test_english_links_known_entities_by_name_and_abbreviation(drafts) -> None:
    links = linked(drafts["en-mou.txt"])
    assert links["STAMEQ"] == AG["stameq"]
    assert links["Directorate for Standards, Metrology and Quality"] == AG["stameq"]
    assert links["Tran Van Vinh"] == PERSON["tran-van-vinh"]
    known_links = [m for m in drafts["en-mou.txt"].links if m.entity == AG["stameq"]]
    assert known_links and not any(m.new for m in known_links)


def test_english_proposes_a_new_organisation_with_its_abbreviation(drafts) -> None:
    d = drafts["en-mou.txt"]
    nsbr = AG["nsbr"]  # the IRI rule: the abbreviation the text pairs with the name
    t = triples(d, "entity")
    assert (nsbr, RDFS.label, Literal("National Standards Bureau of Ruritania", lang="en")) in t
    assert (nsbr, CG.abbreviation, Literal("NSBR")) in t
    assert (nsbr, RDF.type, CG.StandardsBody) in t
    assert (PERSON["elena-varga"], RDF.type, FOAF.Person) in t
    # a known entity is never proposed again
    assert not any((AG["stameq"], RDF.type, o) in t for o in (CG.StandardsBody, CG.Agency))


def test_english_signing_and_mou_with_parties_and_date(drafts) -> None:
    d = drafts["en-mou.txt"]
    events = triples(d, "event")
    meetings = {s for s, p, o in events if p == RDF.type and o == CG.Meeting}
    assert len(meetings) == 1
    meeting = meetings.pop()
    assert (meeting, DCTERMS.date, Literal("2024-03-10", datatype=XSD.date)) in events
    assert (meeting, CG.meetingType, ID["meeting-type/signing-ceremony"]) in events
    agreement = triples(d, "agreement")
    mou = next(s for s, p, o in agreement if p == RDF.type and o == CG.MemorandumOfUnderstanding)
    assert {o for s, p, o in agreement if s == mou and p == CG.party} == {AG["stameq"], AG["nsbr"]}
    assert (mou, CG.signedOn, Literal("2024-03-10", datatype=XSD.date)) in agreement
    assert (mou, CG.signing, meeting) in agreement
    assert {ID["topic/standardization"], ID["topic/metrology"]} <= {o for s, p, o in agreement if p == CG.topic}
    # the dateline is the article's date, not an event's
    assert (d.source, DCTERMS.issued, Literal("2024-03-12", datatype=XSD.date)) in set(d.source_triples)


def test_english_posts_and_commitment(drafts) -> None:
    d = drafts["en-mou.txt"]
    posts = triples(d, "post")
    held = {(s, o) for s, p, o in posts if p == CG.holder}
    post_org = {s: o for s, p, o in posts if p == ORG.postIn}
    tenure_post = {s: o for s, p, o in posts if p == CG.tenurePost}
    by_person = {person: post_org[tenure_post[tenure]] for tenure, person in held}
    assert by_person[PERSON["tran-van-vinh"]] == AG["stameq"]
    assert (ID["post/stameq-director-general"], ORG.role, ID["role/director-general"]) in posts
    commitment = triples(d, "commitment")
    assert {o for s, p, o in commitment if p == CG.committedBy} == {AG["stameq"], AG["nsbr"]}
    assert any(p == CG.text and "will exchange information" in str(o) for s, p, o in commitment)


# --------------------------------------------------------------------------- Vietnamese


def test_vietnamese_meeting_post_and_new_institute(drafts) -> None:
    d = drafts["vi-meeting.txt"]
    links = linked(d)
    assert links["Bộ KH&CN"] == AG["most"]
    assert links["Lê Xuân Định"] == PERSON["le-xuan-dinh"]
    assert links["RNMI"] == AG["rnmi"]
    entity = triples(d, "entity")
    assert (AG["rnmi"], RDFS.label, Literal("Viện Đo lường Quốc gia Ruritania", lang="vi")) in entity
    assert (AG["rnmi"], RDF.type, CG.ResearchInstitute) in entity
    assert (PERSON["marek-novak"], RDF.type, FOAF.Person) in entity
    events = triples(d, "event")
    assert any(p == DCTERMS.date and o == Literal("2024-06-05", datatype=XSD.date) for s, p, o in events)
    posts = triples(d, "post")
    assert (ID["post/most-thu-truong"], ORG.role, ID["role/deputy-minister"]) in posts
    assert (ID["tenure/le-xuan-dinh--most-thu-truong"], CG.holder, PERSON["le-xuan-dinh"]) in posts
    # "Hai bên nhất trí sẽ ...": both sides of the meeting commit
    commitment = triples(d, "commitment")
    assert {o for s, p, o in commitment if p == CG.committedBy} == {AG["most"], AG["rnmi"]}


# --------------------------------------------------------------------------- Chinese


def test_chinese_known_names_new_bureau_post_and_mou(drafts) -> None:
    d = drafts["zh-mou.txt"]
    links = linked(d)
    assert links["国家市场监督管理总局"] == AG["samr"]
    assert links["市场监管总局"] == AG["samr"]
    assert links["蒲淳"] in (PERSON["pu-chun"], PERSON["bo-thuan"])  # one person, two IRIs joined by owl:sameAs
    bureau = links["鲁里塔尼亚国家标准局"]
    assert bureau == AG["lulitaniyaguojiabiaozhunju"]  # no abbreviation, no English name: its name in pinyin
    entity = triples(d, "entity")
    assert (bureau, RDF.type, CG.StandardsBody) in entity
    assert (PERSON["wang-ming"], RDFS.label, Literal("王明", lang="zh")) in entity
    posts = triples(d, "post")
    assert any(p == CG.titleAsStated and str(o) == "国家市场监督管理总局副局长" for s, p, o in posts)
    assert (ID["post/samr-fujuzhang"], ORG.role, ID["role/deputy-administrator"]) in posts
    events = triples(d, "event")
    assert any(p == DCTERMS.date and o == Literal("2024-04-08", datatype=XSD.date) for s, p, o in events)
    agreement = triples(d, "agreement")
    assert {o for s, p, o in agreement if p == CG.party} == {AG["samr"], bureau}
    assert any(p == CG.committedBy for s, p, o in triples(d, "commitment"))


# --------------------------------------------------------------------------- Russian


def test_russian_new_agencies_signing_post_and_commitment(drafts) -> None:
    d = drafts["ru-mou.txt"]
    links = linked(d)
    rosstandart = links["Росстандарт"]
    assert links["Росстандарта"] == rosstandart  # another case of the same name: one entity
    assert rosstandart == AG["rosstandart"]
    bureau = links["Национальное бюро стандартов Руритании"]
    agreement = triples(d, "agreement")
    mou = next(s for s, p, o in agreement if p == RDF.type and o == CG.MemorandumOfUnderstanding)
    assert {o for s, p, o in agreement if s == mou and p == CG.party} == {rosstandart, bureau}
    assert (mou, CG.signedOn, Literal("2024-05-15", datatype=XSD.date)) in agreement
    posts = triples(d, "post")
    assert (ID["tenure/anton-shalaev--rosstandart-rukovoditel"], CG.holder, PERSON["anton-shalaev"]) in posts
    assert any(p == CG.committedBy and o == bureau for s, p, o in triples(d, "commitment"))


# --------------------------------------------------------------------------- HTML


def test_html_page_main_text_only(drafts) -> None:
    d = drafts["en-page.html"]
    words = " ".join(quotes(d).values())
    assert "Korea Productivity Center" in words
    assert "Copyright" not in words and "Contact" not in words  # navigation and footer dropped
    assert linked(d)["Korea Productivity Center"] == AG["kpc"]
    agreement = triples(d, "agreement")
    protocol = next(s for s, p, o in agreement if p == RDF.type and o == CG.Protocol)
    assert (protocol, CG.signedOn, Literal("2024-02-02", datatype=XSD.date)) in agreement


# --------------------------------------------------------------------------- every draft


@pytest.mark.parametrize("name", ["en-mou.txt", "vi-meeting.txt", "zh-mou.txt", "ru-mou.txt", "en-page.html"])
def test_every_quote_is_exact_and_every_fact_cited(drafts, name: str) -> None:
    d = drafts[name]
    text = (ARTICLES / name).read_text(encoding="utf-8")
    passages = quotes(d)
    lines = {s: int(o) for s, p, o in d.source_triples if p == CG.line}
    for ev, quote in passages.items():
        if name.endswith(".txt"):
            assert quote in text.split("\n")[lines[ev] - 1]  # the passage is on the line it cites
    for fact in d.facts:
        assert fact.quote in passages[fact.evidence], fact
        assert fact.decision == "pending" and 0 < fact.confidence <= 1
    for link in d.links:
        assert link.mention in passages[link.evidence], link


@pytest.mark.parametrize("name", ["en-mou.txt", "vi-meeting.txt", "zh-mou.txt", "ru-mou.txt", "en-page.html"])
def test_draft_validates_with_every_fact_accepted(drafts, name: str) -> None:
    d = drafts[name]
    for fact in d.facts:
        fact.decision = "accepted"
    data = load_dataset()
    before = {r.to_text() for r in validate(data).results if r.severity == "Violation"}
    for s, p, o, g in d.kept_quads():
        data.graph(g).add((s, p, o))
    report = validate(data)
    added = [r.to_text() for r in report.results if r.severity == "Violation" and r.to_text() not in before]
    assert added == []
    for fact in d.facts:
        fact.decision = "pending"


def test_nothing_unstated_no_guessed_dates(drafts) -> None:
    # the Vietnamese article gives no year for "năm tới" and no date for the commitment
    d = drafts["vi-meeting.txt"]
    dates = [o for f in d.facts for s, p, o in f.triples if p in (DCTERMS.date, CG.signedOn, CG.signedInYear)]
    assert dates == [Literal("2024-06-05", datatype=XSD.date)]
    # without a dateline or --published, "on 16 June" stays without a date
    assert not facts(d, "agreement")


def test_relative_date_only_from_the_articles_date(known, tmp_path: Path) -> None:
    article = tmp_path / "note.txt"
    article.write_text("On 16 June, the Korea Productivity Center (KPC) and STAMEQ signed a memorandum of understanding.\n",
                       encoding="utf-8")
    undated = ingest(article, known)
    assert not any(p == DCTERMS.date for f in undated.facts for s, p, o in f.triples)
    dated = ingest(article, known, published="2021-06-24")
    assert any(o == Literal("2021-06-16", datatype=XSD.date) for f in dated.facts for s, p, o in f.triples)


# --------------------------------------------------------------------------- command line


def test_cli_writes_a_draft_and_refuses_to_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "a.draft.trig"
    r = run_cli("ingest", str(ARTICLES / "en-mou.txt"), "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert out.is_file() and "facts" in r.stdout
    draft = read_draft(out)
    assert draft.source == ID["source/en-mou"]
    assert (draft.source, CG.url, Literal("https://example.org/news/stameq-nsbr-mou", datatype=XSD.anyURI)) in set(draft.source_triples)
    before = out.read_bytes()
    again = run_cli("ingest", str(ARTICLES / "en-mou.txt"), "--out", str(out))
    assert again.returncode == 2 and "--force" in again.stderr
    assert out.read_bytes() == before
    forced = run_cli("ingest", str(ARTICLES / "en-mou.txt"), "--out", str(out), "--force")
    assert forced.returncode == 0 and out.read_bytes() == before  # same input, same bytes


def test_cli_one_article_into_a_folder(tmp_path: Path) -> None:
    """`--out drafts/` for one article puts the draft in that folder, as for a folder of articles."""
    folder = tmp_path / "drafts"
    folder.mkdir()
    r = run_cli("ingest", str(ARTICLES / "en-mou.txt"), "--out", str(folder) + "/")
    assert r.returncode == 0, r.stderr
    assert read_draft(folder / "en-mou.draft.trig").source == ID["source/en-mou"]


def test_cli_folder_one_draft_per_article(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    for name in ("en-mou.txt", "zh-mou.txt"):
        (folder / name).write_bytes((ARTICLES / name).read_bytes())
    (folder / "broken.txt").write_bytes(b"\x00\x01\x02")
    r = run_cli("ingest", str(folder), "--out", str(tmp_path / "drafts"))
    assert r.returncode == 2  # one article could not be read: said, and the others are drafted
    assert sorted(p.name for p in (tmp_path / "drafts").iterdir()) == ["en-mou.draft.trig", "zh-mou.draft.trig"]
    assert any("broken.txt" in line and "binary" in line for line in error_lines(r.stderr))


@pytest.mark.parametrize("name, words", [
    ("empty.txt", "empty article"),
    ("binary.txt", "binary file"),
    ("latin1.txt", "not UTF-8"),
    ("only-url.txt", "no words"),
])
def test_cli_bad_input_one_line_exit_2(tmp_path: Path, name: str, words: str) -> None:
    out = tmp_path / "x.draft.trig"
    r = run_cli("ingest", str(ARTICLES / name), "--out", str(out))
    assert r.returncode == 2
    lines = error_lines(r.stderr)
    assert len(lines) == 1 and name in lines[0] and words in lines[0] and "Traceback" not in r.stderr
    assert not out.exists()


def test_cli_never_touches_a_file_it_did_not_make(tmp_path: Path) -> None:
    notes = tmp_path / "notes.trig"
    notes.write_text("my own notes\n", encoding="utf-8")
    r = run_cli("ingest", str(ARTICLES / "en-mou.txt"), "--out", str(notes), "--force")
    assert r.returncode == 2 and "not a coopgraph draft" in r.stderr
    assert notes.read_text(encoding="utf-8") == "my own notes\n"


def test_cli_usage_errors(tmp_path: Path) -> None:
    r = run_cli("ingest", str(ARTICLES / "en-mou.txt"), "--published", "March 2024", "--out", str(tmp_path / "x.trig"))
    assert r.returncode == 2 and "YYYY-MM-DD" in r.stderr
    r = run_cli("ingest", str(tmp_path / "missing.txt"))
    assert r.returncode == 2 and "missing.txt" in r.stderr


def test_api_error_names_the_file(known, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="empty.txt"):
        ingest(ARTICLES / "empty.txt", known)


# --------------------------------------------------------------------------- names next to names


def _entity_labels(draft: Draft) -> dict[URIRef, str]:
    return {s: str(o) for f in facts(draft, "entity") for s, p, o in f.triples if p == RDFS.label}


def test_vietnamese_name_of_ministry_stops_at_the_ministers_name(known) -> None:
    d = ingest(ARTICLES / "vi-minister.txt", known)
    labels = _entity_labels(d)
    assert "Bộ Công Thương" in labels.values() and "Nguyễn Hồng Diên" in labels.values()
    assert not any("Diên" in v and "Bộ" in v for v in labels.values())
    assert any(p == CG.titleAsStated and str(o) == "Bộ trưởng Bộ Công Thương" for s, p, o in triples(d, "post"))
    # "Cập nhật: 09/10/2024 08:15" dates the article, and "ngày 8/10" is resolved from it
    assert (d.source, DCTERMS.issued, Literal("2024-10-09", datatype=XSD.date)) in set(d.source_triples)
    assert any(o == Literal("2024-10-08", datatype=XSD.date) for s, p, o in triples(d, "event"))
    assert AG["jetro"] in labels  # the abbreviation the text pairs with the name


def test_russian_genitive_names_and_roles(known) -> None:
    d = ingest(ARTICLES / "ru-meeting.txt", known)
    labels = set(_entity_labels(d).values())
    assert "Государственного комитета по стандартизации Республики Беларусь" in labels
    assert "Узбекского агентства по техническому регулированию" in labels
    assert {"Елены Моргуновой", "Алишера Шукурова"} <= labels  # as written, in the genitive
    posts = triples(d, "post")
    assert any(p == CG.holder and o == PERSON["alishera-shukurova"] for s, p, o in posts)


def test_russian_event_and_instrument_words_in_any_case(known, tmp_path: Path) -> None:
    # the lexicon says "встреча", "визит", "соглашение", "протокол"; a sentence says them in
    # the accusative, genitive, instrumental or prepositional, and each is still found
    article = tmp_path / "ru-cases.txt"
    article.write_text("https://example.org/ru/cases\n\n"
                       "5 апреля 2024 года Росстандарт провёл встречу с делегацией Госстандарта.\n"
                       "В ходе визита стороны обменялись соглашением о сотрудничестве.\n"
                       "Росстандарт и Госстандарт работают в рамках протокола о сотрудничестве.\n",
                       encoding="utf-8")
    d = ingest(article, known, lang="ru")
    events = triples(d, "event")
    assert (any(o == Literal("2024-04-05", datatype=XSD.date) for s, p, o in events)), events
    kinds = {o for s, p, o in triples(d, "agreement") if p == RDF.type}
    assert {CG.Agreement, CG.Protocol} <= kinds, kinds


def test_chinese_name_with_bracketed_abbreviation_and_foreign_person(known) -> None:
    d = ingest(ARTICLES / "zh-meeting.txt", known)
    entity = triples(d, "entity")
    assert (AG["din"], RDFS.label, Literal("德国标准化学会", lang="zh")) in entity
    assert (AG["din"], CG.abbreviation, Literal("DIN")) in entity
    assert any(str(o) == "克里斯托夫·温特哈尔特" for s, p, o in entity if p == RDFS.label)
    assert any(p == RDF.type and o == CG.Project for s, p, o in triples(d, "plan"))


def test_english_dateline_city_owner_and_past_agreement(known) -> None:
    d = ingest(ARTICLES / "en-visit.txt", known)
    labels = _entity_labels(d)
    assert labels[AG["tisi"]] == "Thai Industrial Standards Institute"  # not "Thailand's ...", not "BANGKOK — ..."
    assert not any("BANGKOK" in v for v in labels.values())
    assert (d.source, DCTERMS.issued, Literal("2024-04-03", datatype=XSD.date)) in set(d.source_triples)
    assert any(o == Literal("2024-04-02", datatype=XSD.date) for s, p, o in triples(d, "event"))
    agreement = triples(d, "agreement")
    # "the MoU signed by the two agencies in 2019": mentioned from the past, signed in a year
    assert any(p == CG.signedInYear and o == Literal("2019", datatype=XSD.gYear) for s, p, o in agreement)
    assert not any(p == CG.signedOn for s, p, o in agreement)


def test_known_names_in_other_cases_and_with_typing_quirks(tmp_path: Path) -> None:
    from rdflib import Graph

    from coopgraph.ingest.gazetteer import Gazetteer

    graph = Graph()
    graph.add((AG["rosstandart"], RDF.type, CG.StandardsBody))
    graph.add((AG["rosstandart"], RDFS.label, Literal("Росстандарт", lang="ru")))
    graph.add((PERSON["ji-zhengkun"], RDF.type, FOAF.Person))
    graph.add((PERSON["ji-zhengkun"], RDFS.label, Literal("纪正昆", lang="zh")))
    graph.add((AG["stameq"], RDF.type, CG.StandardsBody))
    graph.add((AG["stameq"], RDFS.label, Literal("Tổng cục Tiêu chuẩn Đo lường Chất lượng", lang="vi")))
    known = Gazetteer.from_graph(graph)
    hits = {text[h.start:h.end]: h.iri for text in (
        "Документ подписали руководитель Росстандарта и директор бюро.",
        "国家标准委主任纪正 昆出席。",
        "Tong cuc Tieu chuan Do luong\nChat luong va Vien Do luong.",
    ) for h in known.find(text)}
    assert hits["Росстандарта"] == AG["rosstandart"]
    assert hits["纪正 昆"] == PERSON["ji-zhengkun"]
    assert hits["Tong cuc Tieu chuan Do luong\nChat luong"] == AG["stameq"]  # no diacritics, a line break


def test_a_hope_is_not_a_commitment(known, tmp_path: Path) -> None:
    article = tmp_path / "hope.txt"
    article.write_text("STAMEQ and the Korea Productivity Center (KPC) met on 3 May 2024.\n"
                       "STAMEQ hopes that KPC will open an office in Hanoi.\n"
                       "KPC will send two experts to STAMEQ in June.\n", encoding="utf-8")
    d = ingest(article, known)
    texts = [str(o) for s, p, o in triples(d, "commitment") if p == CG.text]
    assert texts == ["KPC will send two experts to STAMEQ in June."]


def test_an_undated_meeting_iri_carries_no_date_from_the_file_name(known, tmp_path: Path) -> None:
    """The file name's date is the day the article appeared, not the meeting's: it stays out."""
    article = tmp_path / "agency-news-2024-05-17-visit.txt"
    article.write_text("STAMEQ and the Korea Productivity Center (KPC) held a meeting on cooperation in "
                       "standardization and productivity.\n", encoding="utf-8")
    draft = ingest(article, known)
    meetings = {str(s) for f in draft.facts for s, p, o in f.triples if p == RDF.type and o == CG.Meeting}
    assert meetings, "the meeting is drafted"
    for iri in meetings:
        slug = iri.rsplit("/", 1)[-1]
        assert slug.startswith("undated-agency-news-visit--"), slug
        assert not re.search(r"20\d\d", slug), slug


def test_the_title_skips_timestamps_mastheads_and_date_labels() -> None:
    from coopgraph.ingest.passages import split_passages, title_of

    def title(*lines: str) -> str | None:
        return title_of(split_passages("\n".join(lines) + "\n"))

    headline = "Ruritania and Freedonia sign a memorandum on metrology"
    assert title("Cập nhật : 03/02/2031 , 10:45(GMT +7)", headline, "Body text follows here.") == headline
    assert title("12 марта 2031, 09:10", "Фото пресс-службы", "Ведомства подписали меморандум о сотрудничестве") == \
        "Ведомства подписали меморандум о сотрудничестве"
    assert title("某某日报", "张三", "2031-03-12 09:10", "某国标准局与某国计量院签署合作备忘录") == "某国标准局与某国计量院签署合作备忘录"
    assert title(f" date 2031-03-12 {headline}", "Body.") == headline


def test_a_date_right_by_an_instruments_name_is_the_instruments(known, tmp_path: Path) -> None:
    """"the memorandum in September" dates the memorandum, not the workshop of the same sentence."""
    article = tmp_path / "note.txt"
    article.write_text("At a workshop, STAMEQ and the Korea Productivity Center (KPC) reviewed the memorandum of "
                       "understanding in September and the work done since.\n", encoding="utf-8")
    draft = ingest(article, known, published="2031-11-20")
    dated = {(s, o) for f in draft.facts for s, p, o in f.triples if isinstance(o, Literal) and o.datatype in (
        XSD.date, XSD.gYearMonth, XSD.gYear)}
    kinds = {s: o for f in draft.facts for s, p, o in f.triples if p == RDF.type}
    assert not any(kinds.get(s) == CG.Meeting for s, _ in dated), dated  # the workshop is not dated
    # the memorandum is (its year: the draft keeps a signing's year when the text gives a month)
    assert any("agreement/" in str(s) and str(o).startswith("2031") for s, o in dated), dated
