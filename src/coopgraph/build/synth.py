"""Synthetic graphs of the coopgraph model, of any size, for benchmarks and equality tests.

Real data grows one article at a time; scale problems show only at a million triples. The
generator builds a world shaped like the seed data (countries, agency hierarchies four levels
deep, posts and the people holding them over time, meetings with sides and attendances,
agreements, commitments, status reports) and reports it through many sources, each with a source
graph (the document and its evidence passages) and one named graph per passage, as the real
data does. Labels come in Vietnamese, English and Chinese.

Text is written directly as N-Quads or TriG lines (no rdflib): a million triples take seconds.
Everything is drawn from one ``random.Random(seed)``, so a seed always gives the same bytes.

``violations=K`` injects K known SHACL violations of different kinds and returns (and writes)
a manifest of them, so tests can check that a validator finds each one.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from coopgraph.errors import UsageError

ID = "https://w3id.org/coopgraph/id/"
CG = "https://w3id.org/coopgraph/def#"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
ORG = "http://www.w3.org/ns/org#"
FOAF = "http://xmlns.com/foaf/0.1/"
PROV = "http://www.w3.org/ns/prov#"
DCT = "http://purl.org/dc/terms/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
TIME = "http://www.w3.org/2006/time#"

LABEL = f"<{RDFS}label>"

TOPICS = [
    "accreditation", "capacity-building", "certification", "conformity-assessment", "consumer-protection",
    "energy-consumption", "expert-exchange", "food-safety", "information-sharing", "joint-research",
    "legal-framework", "market-regulation", "measurement-standards", "metrology", "quality",
    "quality-infrastructure", "standardization", "technical-regulations", "testing", "training",
]
MEETING_TYPES = ["forum", "official-visit", "reception", "signing-ceremony", "working-session"]
COMMITMENT_STATUS = ["agreed", "announced", "fulfilled", "in-progress"]
AGREEMENT_CLASSES = ["MemorandumOfUnderstanding", "Agreement", "Protocol", "CooperationPlan"]
# (class, English, Vietnamese, Chinese, abbreviation stem) per level of an agency hierarchy
LEVELS = [
    [("Government", "Government of {c}", "Chính phủ {c}", "{c}政府", "GOV")],
    [("Ministry", "Ministry of Science and Technology of {c}", "Bộ Khoa học và Công nghệ {c}", "{c}科学技术部", "MOST"),
     ("Ministry", "Ministry of Industry and Trade of {c}", "Bộ Công Thương {c}", "{c}工业贸易部", "MOIT"),
     ("MarketRegulator", "Market Supervision Administration of {c}", "Cục Quản lý Thị trường {c}", "{c}市场监管总局", "SAMR")],
    [("StandardsBody", "Directorate for Standards, Metrology and Quality {n} of {c}",
      "Tổng cục Tiêu chuẩn Đo lường Chất lượng {n} {c}", "{c}标准计量质量总局{n}", "STAMEQ")],
    [("ResearchInstitute", "Institute for Standards {n} of {c}", "Viện Tiêu chuẩn {n} {c}", "{c}标准研究院{n}", "VSQI")],
]
ROLES = [("minister", "Minister", "Bộ trưởng", "部长"), ("deputy-minister", "Deputy Minister", "Thứ trưởng", "副部长"),
         ("director-general", "Director General", "Tổng cục trưởng", "局长"),
         ("deputy-director-general", "Deputy Director General", "Phó Tổng cục trưởng", "副局长"),
         ("director", "Director", "Viện trưởng", "院长")]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Hà", "Hải", "Hương", "Lan", "Long", "Minh", "Nam", "Phong", "Quân", "Thảo", "Tuấn", "Wei", "Li", "Ming", "Jun", "Hui"]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Zhang", "Wang", "Chen", "Liu", "Zhao"]
COUNTRY_NAMES = [
    ("vietnam", "Viet Nam", "Việt Nam", "越南"), ("china", "China", "Trung Quốc", "中国"), ("japan", "Japan", "Nhật Bản", "日本"),
    ("korea", "Republic of Korea", "Hàn Quốc", "韩国"), ("laos", "Laos", "Lào", "老挝"), ("cambodia", "Cambodia", "Campuchia", "柬埔寨"),
    ("thailand", "Thailand", "Thái Lan", "泰国"), ("germany", "Germany", "Đức", "德国"), ("france", "France", "Pháp", "法国"),
    ("india", "India", "Ấn Độ", "印度"), ("australia", "Australia", "Úc", "澳大利亚"), ("russia", "Russia", "Nga", "俄罗斯"),
]


@dataclass
class Violation:
    """One injected violation: what kind, on which node, through which property."""

    kind: str
    focus: str
    path: str
    component: str
    note: str


@dataclass
class SynthResult:
    """What was generated (numbers for the CLI and benchmarks, the violation manifest for tests)."""

    triples: int
    quads: int
    graphs: int
    entities: dict[str, int] = field(default_factory=dict)
    violations: list[Violation] = field(default_factory=list)

    def manifest(self) -> str:
        return json.dumps({"triples": self.triples, "violations": [asdict(v) for v in self.violations]},
                          ensure_ascii=False, indent=1) + "\n"


def _esc(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def lit(text: str, lang: str | None = None, dt: str | None = None) -> str:
    """An N-Triples literal."""
    if lang:
        return f'"{_esc(text)}"@{lang}'
    if dt:
        return f'"{_esc(text)}"^^<{XSD}{dt}>'
    return f'"{_esc(text)}"'


def iri(kind: str, slug: str) -> str:
    return f"<{ID}{kind}/{slug}>"


def cg(local: str) -> str:
    return f"<{CG}{local}>"


class _Out:
    """Collects N-Quads lines per named graph, counting them."""

    def __init__(self) -> None:
        self.graphs: dict[str, list[str]] = {}
        self.count = 0

    def add(self, g: str, s: str, p: str, o: str) -> None:
        self.graphs.setdefault(g, []).append(f"{s} {p} {o}")
        self.count += 1

    def entity(self, g: str, s: str, cls: str, *labels: tuple[str, str]) -> None:
        """``s`` typed ``cls`` with an rdfs:label per (text, language), in the order given."""
        self.add(g, s, RDF_TYPE, cls)
        for text, lang in labels:
            self.add(g, s, LABEL, lit(text, lang))

    def nquads(self) -> str:
        return "".join(f"{t} {g} .\n" for g, lines in self.graphs.items() for t in lines)

    def trig(self) -> str:
        return "".join(f"{g} {{\n" + "".join(f"  {t} .\n" for t in lines) + "}\n" for g, lines in self.graphs.items())


class _Source:
    """A source document with its evidence passages; each passage is a named graph of facts."""

    def __init__(self, out: _Out, slug: str, title_vi: str, publisher: str, date: str, lang: str) -> None:
        self.out, self.slug, self.lines = out, slug, 0
        self.iri = iri("source", slug)
        g = self.iri
        out.entity(g, self.iri, cg("SourceDocument"),
            (title_vi, "vi"), (f"Source {slug}", "en"))
        out.add(g, self.iri, f"<{DCT}title>", lit(title_vi, "vi"))
        out.add(g, self.iri, f"<{DCT}publisher>", publisher)
        out.add(g, self.iri, f"<{DCT}language>", lit(lang))
        out.add(g, self.iri, f"<{DCT}type>", lit("news article"))
        out.add(g, self.iri, f"<{DCT}temporal>", lit(date, dt="date"))

    def passage(self, quote: str) -> str:
        """A new evidence passage; returns its graph name."""
        self.lines += 2
        ev = f"<{ID}evidence/{self.slug}/L{self.lines}>"
        g = self.iri
        self.out.add(g, ev, RDF_TYPE, cg("Evidence"))
        self.out.add(g, ev, cg("source"), self.iri)
        self.out.add(g, ev, cg("line"), lit(str(self.lines), dt="integer"))
        self.out.add(g, ev, cg("locator"), lit(f"line {self.lines}"))
        self.out.add(g, ev, cg("quote"), lit(quote, "vi"))
        return ev


def generate(triples: int, seed: int = 0, violations: int = 0,
             progress: Callable[[int], None] | None = None) -> tuple[_Out, SynthResult]:
    """Generate about ``triples`` triples (a little more: the last source is completed)."""
    rnd = random.Random(seed)
    out = _Out()
    counts: dict[str, int] = {}

    def count(kind: str) -> None:
        counts[kind] = counts.get(kind, 0) + 1

    # ---- the publisher of the directories, an agent of the graph like any other
    pub = iri("org", "synthetic-publisher")
    out.entity(pub, pub, f"<{FOAF}Organization>",
        ("Nhà xuất bản dữ liệu tổng hợp", "vi"), ("Synthetic data publisher", "en"))

    # ---- world: countries, agency hierarchies, posts, people, reported by directory sources
    n_countries = max(2, min(len(COUNTRY_NAMES) * 20, triples // 8000))
    countries: list[tuple[str, str]] = []  # (iri, vi name)
    agencies: list[dict] = []
    posts: list[dict] = []
    people: list[tuple[str, str]] = []
    per_country = max(1, triples // 60000)  # breadth of each hierarchy level grows with size
    for ci in range(n_countries):
        base = COUNTRY_NAMES[ci % len(COUNTRY_NAMES)]
        suffix = "" if ci < len(COUNTRY_NAMES) else f"-{ci // len(COUNTRY_NAMES)}"
        slug = base[0] + suffix
        en, vi, zh = (base[1] + suffix.replace("-", " "), base[2] + suffix.replace("-", " "), base[3] + suffix.replace("-", ""))
        c_iri = iri("country", slug)
        src = _Source(out, f"directory-{slug}", f"Danh bạ cơ quan nhà nước {vi}", iri("org", "synthetic-publisher"),
                      "2024-01-01", "vi")
        g = src.passage(f"Quốc gia {vi}")
        out.entity(g, c_iri, cg("Country"), (en, "en"), (vi, "vi"), (zh, "zh"))
        countries.append((c_iri, vi))
        count("Country")
        parents: list[str] = []
        for depth, level in enumerate(LEVELS):
            width = 1 if depth == 0 else (len(level) if depth == 1 else per_country + rnd.randint(0, 1))
            new_parents: list[str] = []
            for parent in parents or [None]:
                for k in range(width):
                    cls, t_en, t_vi, t_zh, abbr = level[k % len(level)]
                    n = str(k + 1)
                    a_slug = f"{slug}-{abbr.lower()}-{len(agencies)}"
                    a = iri("org", a_slug)
                    g = src.passage(t_vi.format(c=vi, n=n))
                    out.entity(g, a, cg(cls), (t_en.format(c=en, n=n), "en"), (t_vi.format(c=vi, n=n), "vi"),
                               (t_zh.format(c=zh, n=n), "zh"))
                    out.add(g, a, cg("abbreviation"), lit(abbr))
                    out.add(g, a, cg("country"), c_iri)
                    if parent:
                        out.add(g, a, f"<{ORG}subOrganizationOf>", parent)
                    agencies.append({"iri": a, "country": c_iri, "vi": t_vi.format(c=vi, n=n), "graph": g})
                    count(cls)
                    new_parents.append(a)
                    if depth > 1 and len(new_parents) > 6:
                        break
                    # posts of the agency, and people who held them over time
                    for r_slug, r_en, r_vi, r_zh in rnd.sample(ROLES, 2):
                        p_iri = iri("post", f"{a_slug}-{r_slug}")
                        out.entity(g, p_iri, f"<{ORG}Post>",
                            (f"{r_vi} {t_vi.format(c=vi, n=n)}", "vi"), (f"{r_en}, {t_en.format(c=en, n=n)}", "en"))
                        out.add(g, p_iri, f"<{ORG}postIn>", a)
                        out.add(g, p_iri, f"<{ORG}role>", iri("role", r_slug))
                        post = {"iri": p_iri, "agency": a, "holders": []}
                        posts.append(post)
                        count("Post")
                        year = 2000 + rnd.randint(0, 6)
                        while year < 2025:
                            name = f"{rnd.choice(FAMILY)} {rnd.choice(GIVEN)} {rnd.choice(GIVEN)}"
                            person = iri("person", f"{a_slug}-{r_slug}-{year}")
                            out.add(g, person, RDF_TYPE, f"<{FOAF}Person>")
                            out.add(g, person, f"<{FOAF}name>", lit(name))
                            out.add(g, person, LABEL, lit(name, "vi"))
                            out.add(g, person, LABEL, lit(name, "en"))
                            people.append((person, name))
                            count("Person")
                            end = min(2025, year + rnd.randint(3, 8))
                            t = iri("tenure", f"{a_slug}-{r_slug}-{year}")
                            out.entity(g, t, cg("Tenure"),
                                (f"{name}, {r_vi}", "vi"), (f"{name}, {r_en}", "en"))
                            out.add(g, t, cg("holder"), person)
                            out.add(g, t, cg("tenurePost"), p_iri)
                            out.add(g, t, cg("attestedOn"), lit(f"{year}-0{rnd.randint(1, 9)}-1{rnd.randint(0, 9)}", dt="date"))
                            count("Tenure")
                            post["holders"].append((year, end, person, t))
                            year = end
            parents = new_parents
        if progress:
            progress(out.count)

    # ---- events: meetings, attendances, agreements, commitments, reported by news sources
    mi = 0
    by_country: dict[str, list[dict]] = {}
    for a in agencies:
        by_country.setdefault(a["country"], []).append(a)
    staffed = [p for p in posts if p["holders"]]
    posts_by_agency: dict[str, list[dict]] = {}
    for p in staffed:
        posts_by_agency.setdefault(p["agency"], []).append(p)
    hosts = [a for a in agencies if a["iri"] in posts_by_agency]
    while out.count < triples:
        mi += 1
        year = rnd.randint(2008, 2024)
        date = f"{year}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}"
        host = rnd.choice(hosts)
        guest = rnd.choice(hosts)
        while guest["country"] == host["country"] and n_countries > 1:
            guest = rnd.choice(hosts)
        slug = f"{date}-m{mi}"
        src = _Source(out, f"news-{slug}", f"{host['vi']} tiếp đoàn {guest['vi']}", host["iri"], date, "vi")
        m = iri("meeting", slug)
        g = src.passage(f"Ngày {date}, {host['vi']} tiếp đoàn {guest['vi']}.")
        out.entity(g, m, cg("Meeting"),
            (f"{host['vi']} tiếp đoàn {guest['vi']}", "vi"), (f"Meeting {mi} of {date}", "en"))
        out.add(g, m, f"<{DCT}date>", lit(date, dt="date"))
        out.add(g, m, cg("meetingType"), iri("meeting-type", rnd.choice(MEETING_TYPES)))
        count("Meeting")
        for side_kind, agency, role in (("host", host, "host"), ("visiting", guest, "visiting-delegation")):
            side = iri("side", f"{slug}--{side_kind}")
            out.add(g, m, cg("hostSide" if side_kind == "host" else "visitingSide"), side)
            out.entity(g, side, cg("MeetingSide" if side_kind == "host" else "Delegation"),
                (f"bên {side_kind} {agency['vi']}", "vi"), (f"{side_kind} side of meeting {mi}", "en"))
            out.add(g, side, cg("sideAgency"), agency["iri"])
            out.add(g, side, cg("sideRole"), iri("role", role))
            out.add(g, side, cg("sideCountry"), agency["country"])
            g2 = src.passage(f"Đoàn {agency['vi']} gồm các đại biểu.")
            for post in rnd.sample(posts_by_agency[agency["iri"]], min(2, len(posts_by_agency[agency["iri"]]))):
                holder = next((h for h in post["holders"] if h[0] <= year < h[1]), post["holders"][-1])
                _, _, person, tenure = holder
                att = iri("attendance", f"{slug}--{person[len(ID) + 8:-1]}")
                out.entity(g2, att, cg("Attendance"),
                    (f"tham dự cuộc gặp {slug}", "vi"), (f"attendance at meeting {mi}", "en"))
                out.add(g2, att, cg("attendee"), person)
                out.add(g2, att, cg("attendedMeeting"), m)
                out.add(g2, att, cg("onSide"), side)
                out.add(g2, att, cg("inCapacity"), tenure)
                out.add(g2, att, cg("attendanceRole"), iri("role", "attendee"))
                out.add(g2, side, cg("ledBy"), person)
                count("Attendance")
        if rnd.random() < 0.35:
            g3 = src.passage(f"Hai bên đã ký kết văn bản hợp tác ngày {date}.")
            agr = iri("agreement", f"{slug}")
            cls = rnd.choice(AGREEMENT_CLASSES)
            out.entity(g3, agr, cg(cls),
                (f"Văn bản hợp tác giữa {host['vi']} và {guest['vi']}", "vi"), (f"Cooperation document {mi}", "en"))
            out.add(g3, agr, cg("party"), host["iri"])
            out.add(g3, agr, cg("party"), guest["iri"])
            out.add(g3, agr, cg("signedOn"), lit(date, dt="date"))
            out.add(g3, agr, cg("signing"), m)
            out.add(g3, agr, cg("topic"), iri("topic", rnd.choice(TOPICS)))
            count(cls)
        g4 = src.passage("Hai bên thống nhất các nội dung hợp tác.")
        for k in range(rnd.randint(1, 3)):
            c = iri("commitment", f"{slug}--c{k + 1}")
            text = f"tăng cường hợp tác về {rnd.choice(TOPICS).replace('-', ' ')}"
            out.entity(g4, c, cg("Commitment"),
                (text, "vi"), (f"commitment {k + 1} of meeting {mi}", "en"))
            out.add(g4, c, cg("text"), lit(text, "vi"))
            out.add(g4, c, cg("ordinal"), lit(str(k + 1), dt="integer"))
            out.add(g4, c, cg("committedBy"), rnd.choice((host, guest))["iri"])
            out.add(g4, c, cg("involves"), host["country"])
            out.add(g4, c, cg("madeAt"), m)
            out.add(g4, c, f"<{DCT}date>", lit(date, dt="date"))
            out.add(g4, c, cg("status"), iri("status", rnd.choice(COMMITMENT_STATUS)))
            out.add(g4, c, cg("topic"), iri("topic", rnd.choice(TOPICS)))
            count("Commitment")
        if progress and mi % 200 == 0:
            progress(out.count)

    injected = _inject(out, rnd, violations, agencies, people, counts) if violations else []
    result = SynthResult(triples=out.count, quads=out.count, graphs=len(out.graphs), entities=dict(sorted(counts.items())),
                         violations=injected)
    return out, result


# Each kind breaks one constraint the shapes are expected to check; the manifest names it so a
# test can assert the validator reports that focus node.
VIOLATION_KINDS = ("missing-label", "wrong-class", "bad-datatype", "two-signing-dates", "missing-attendee", "evidence-without-source")


def _inject(out: _Out, rnd: random.Random, k: int, agencies: list[dict], people: list[tuple[str, str]],
            counts: dict[str, int]) -> list[Violation]:
    """Append K broken statements in a dedicated source, cycling through the kinds."""
    src = _Source(out, "synthetic-violations", "Dữ liệu lỗi có chủ đích", iri("org", "synthetic-publisher"), "2024-01-01", "vi")
    found: list[Violation] = []
    for i in range(k):
        kind = VIOLATION_KINDS[i % len(VIOLATION_KINDS)]
        g = src.passage(f"vi phạm {i + 1}: {kind}")
        n = i + 1
        if kind == "missing-label":
            a = iri("org", f"unlabelled-agency-{n}")
            out.add(g, a, RDF_TYPE, cg("StandardsBody"))
            out.add(g, a, cg("country"), agencies[0]["country"])
            found.append(Violation(kind, a, f"{RDFS}label", "MinCountConstraintComponent", "agency without rdfs:label"))
        elif kind == "wrong-class":
            agr = iri("agreement", f"bad-party-{n}")
            person = rnd.choice(people)[0]
            out.add(g, agr, RDF_TYPE, cg("MemorandumOfUnderstanding"))
            out.add(g, agr, LABEL, lit(f"Bản ghi nhớ lỗi {n}", "vi"))
            out.add(g, agr, cg("party"), rnd.choice(agencies)["iri"])
            out.add(g, agr, cg("party"), person)
            found.append(Violation(kind, agr, f"{CG}party", "NodeConstraintComponent", "a person as a party"))
        elif kind == "bad-datatype":
            m = iri("meeting", f"bad-date-{n}")
            out.add(g, m, RDF_TYPE, cg("Meeting"))
            out.add(g, m, LABEL, lit(f"Cuộc gặp lỗi {n}", "vi"))
            out.add(g, m, f"<{DCT}date>", lit("5/6/2023"))
            found.append(Violation(kind, m, f"{DCT}date", "NodeConstraintComponent", "date as a plain string"))
        elif kind == "two-signing-dates":
            # cg:signedOn is functional: owlrl then infers sameAs between the two dates and
            # replicates every statement using them, which coopgraph's reasoner must match.
            agr = iri("agreement", f"two-dates-{n}")
            out.add(g, agr, RDF_TYPE, cg("Agreement"))
            out.add(g, agr, LABEL, lit(f"Thỏa thuận hai ngày ký {n}", "vi"))
            out.add(g, agr, cg("party"), agencies[0]["iri"])
            out.add(g, agr, cg("party"), agencies[-1]["iri"])
            out.add(g, agr, cg("signedOn"), lit(f"2019-0{1 + n % 9}-15", dt="date"))
            out.add(g, agr, cg("signedOn"), lit(f"2020-0{1 + n % 9}-16", dt="date"))
            found.append(Violation(kind, agr, f"{CG}signedOn", "MaxCountConstraintComponent",
                                   "two signing dates (functional property: owlrl infers sameAs)"))
        elif kind == "missing-attendee":
            att = iri("attendance", f"no-attendee-{n}")
            out.add(g, att, RDF_TYPE, cg("Attendance"))
            out.add(g, att, LABEL, lit(f"tham dự lỗi {n}", "vi"))
            found.append(Violation(kind, att, f"{CG}attendee", "MinCountConstraintComponent", "attendance without attendee"))
        elif kind == "evidence-without-source":
            ev = f"<{ID}evidence/synthetic-violations/orphan-{n}>"
            out.add(g, ev, RDF_TYPE, cg("Evidence"))
            out.add(g, ev, cg("quote"), lit("trích dẫn không nguồn", "vi"))
            found.append(Violation(kind, ev, f"{CG}source", "MinCountConstraintComponent", "evidence without source"))
        counts["violation:" + kind] = counts.get("violation:" + kind, 0) + 1
    for v in found:
        v.focus = v.focus.strip("<>")
    return found


def write(path: str | Path, triples: int, seed: int = 0, violations: int = 0,
          progress: Callable[[int], None] | None = None) -> SynthResult:
    """Generate and write ``path`` (.nq or .trig); with violations also ``path + '.violations.json'``."""
    path = Path(path)
    if path.suffix not in (".nq", ".trig"):
        # anything else would be N-Quads under a name that says otherwise (x.ttl read as Turtle fails)
        raise UsageError(f"{path}: synth writes .nq (N-Quads) or .trig (TriG), not {path.suffix or 'a file without suffix'}")
    out, result = generate(triples, seed, violations, progress)
    text = out.trig() if path.suffix == ".trig" else out.nquads()
    path.write_text(text, encoding="utf-8")
    if violations:
        manifest_path(path).write_text(result.manifest(), encoding="utf-8")
    return result


def manifest_path(path: str | Path) -> Path:
    """Where the violation manifest of a synthetic file is written."""
    return Path(str(path) + ".violations.json")
