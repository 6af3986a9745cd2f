"""Score `coopgraph ingest` against gold annotations and write benchmarks/INGEST.md.

    python benchmarks/ingest_score.py --gold GOLD_DIR ARTICLE_DIR [ARTICLE_DIR ...] [--out benchmarks/INGEST.md]

Each gold file (GOLD-FORMAT.md of the development set) names its article; the article is looked
for in the article folders. For an article already merged into data/ (its URL is a source's
cg:url, or its file name starts with a source's slug), the gazetteer is built from data/ without
that source's file, so what was merged from the article does not inflate its score.

Matching (all micro-averaged over the articles):
- entities (organisations and people; countries, regions and cities are not scored): a drafted
  entity (a known IRI linked, or a new one proposed) matches a gold entity when one of its
  mentions overlaps, in the article's text, one occurrence of one of the gold entity's mentions.
  Precision = drafted entities matching some gold entity / drafted entities; recall = gold
  entities matched / gold entities.
- dated events: a gold event with a date is found when a drafted event has the same date (same
  precision) and a compatible type (meeting/visit/reception/other, signing, forum/conference/
  workshop/training/general assembly, launch). Precision over drafted events with a date.
- agreements: a gold agreement is found when a drafted agreement of a compatible kind (mou,
  protocol, cooperation plan; agreement/joint statement/other are one kind, and a gold "other",
  a named plan or declaration, may also be a drafted cg:Strategy or cg:Project) has a party
  (for a plan: its cg:issuedBy) matching one of its parties, or its words overlap the gold quote; "date right" counts found agreements whose gold signing date (when the text
  gives one) equals the drafted cg:signedOn (or its year cg:signedInYear for a gold year).
- posts: a gold post is found when a drafted tenure's holder matches its person and (if the gold
  post names one) the post's organisation matches its organisation.
- commitments: a gold commitment is found when a drafted commitment's quote overlaps its quote.
- quotes: every cg:quote of a passage must be an exact substring of the article and every fact
  quote and link mention an exact substring of its passage.
- validates: the draft with every fact accepted, merged with the graph it joins, adds no violation
  of the project's shapes to those that graph has alone (data/ less an article's own source file
  has some: facts other sources rest on).
- duplicates: new entities proposed whose name or abbreviation is a name of a known entity.
- time: seconds `ingest` takes for the article (the gazetteer is built once, outside the timing).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from rdflib import Dataset, URIRef
from rdflib.namespace import FOAF, RDF

from coopgraph.curate.draft import read_draft, write_draft
from coopgraph.ingest import ingest
from coopgraph.ingest.gazetteer import Gazetteer
from coopgraph.load import data_files, load_dataset
from coopgraph.namespaces import CG, DCTERMS, ORG
from coopgraph.shacl.validate import validate

EVENT_GROUPS = {"meeting": "m", "visit": "m", "reception": "m", "other": "m", "signing": "s", "forum": "f",
                "conference": "f", "workshop": "f", "training": "f", "general-assembly": "f", "launch": "l",
                "press-conference": "m"}
MTYPE_GROUPS = {"working-session": "m", "official-visit": "m", "reception": "m", "signing-ceremony": "s",
                "forum": "f", "launch-ceremony": "l"}
AGREEMENT_KINDS = {"mou": "mou", "protocol": "protocol", "cooperation-plan": "plan", "agreement": "agreement",
                   "joint-statement": "agreement", "other": "agreement"}
CLASS_KINDS = {"MemorandumOfUnderstanding": "mou", "Protocol": "protocol", "CooperationPlan": "plan", "Agreement": "agreement"}


def occurrences(text: str, words: str) -> list[tuple[int, int]]:
    out, start = [], 0
    while words and (i := text.find(words, start)) >= 0:
        out.append((i, i + len(words)))
        start = i + 1
    return out


def overlap(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> bool:
    return any(x < d and c < y for x, y in a for c, d in b)


def source_files(article: Path, url: str | None) -> list[Path]:
    """The data files that hold this article's facts (by cg:url, or by the file's slug)."""
    out = []
    for f in data_files():
        text = f.read_text(encoding="utf-8")
        if (url and f'"{url}"' in text) or article.name.startswith(f.stem + "."):
            out.append(f)
    return out


def violations(ds: Dataset) -> set[str]:
    return {x.to_text() for x in validate(ds).results if x.severity == "Violation"}


def score_article(gold: dict, article: Path, gazetteer: Gazetteer, graph_files: list[Path], tmp: Path,
                  base_violations: set[str]) -> dict:
    text = article.read_text(encoding="utf-8")
    t0 = time.perf_counter()
    draft = ingest(article, gazetteer)
    seconds = time.perf_counter() - t0
    out_path = tmp / f"{draft.slug}.draft.trig"
    write_draft(draft, out_path)
    draft = read_draft(out_path)
    lines = text.split("\n")
    line_start = [0]
    for line in lines:
        line_start.append(line_start[-1] + len(line) + 1)
    passage: dict[URIRef, tuple[int, str]] = {}
    props: dict = defaultdict(dict)
    for s, p, o in draft.source_triples:
        props[s][p] = o
    quotes_ok = True
    for ev, pr in props.items():
        if CG.quote in pr:
            q = str(pr[CG.quote])
            line = lines[int(pr[CG.line]) - 1]
            at = line.find(q)
            quotes_ok &= at >= 0
            passage[ev] = (line_start[int(pr[CG.line]) - 1] + max(at, 0), q)

    def spans(ev: URIRef, words: str) -> list[tuple[int, int]]:
        start, q = passage[ev]
        return [(start + a, start + b) for a, b in occurrences(q, words)]

    # drafted entities: IRI -> kind, spans
    kinds: dict[URIRef, str] = {}
    for f in draft.facts:
        if f.kind == "entity":
            for s, p, o in f.triples:
                if p == RDF.type:
                    kinds[s] = "person" if o == FOAF.Person else ("country" if o == CG.Country else "org")
    ent_spans: dict[URIRef, list[tuple[int, int]]] = defaultdict(list)
    for link in draft.links:
        quotes_ok &= link.mention in passage[link.evidence][1]
        kind = kinds.get(link.entity) or (gazetteer.entities[link.entity].kind if link.entity in gazetteer.entities else "org")
        if kind in ("org", "person"):
            ent_spans[link.entity] += spans(link.evidence, link.mention)
    for f in draft.facts:
        quotes_ok &= f.quote in passage[f.evidence][1]
    gold_ents = {e["key"]: e for e in gold["entities"] if e["type"] not in ("country", "region", "city")}
    gold_spans = {k: [s for m in e["mentions"] for s in occurrences(text, m)] for k, e in gold_ents.items()}
    match: dict[str, set[URIRef]] = {k: {iri for iri, sp in ent_spans.items() if overlap(sp, gs)} for k, gs in gold_spans.items()}
    matched_drafted = {iri for iris in match.values() for iri in iris}
    r = {"article": gold["article"], "lang": gold["lang"], "seconds": seconds}
    r["ent"] = (len(matched_drafted), len(ent_spans), sum(1 for k in match if match[k]), len(gold_ents))
    # known entities proposed again
    dup = 0
    for f in draft.facts:
        if f.kind == "entity":
            for s, p, o in f.triples:
                if p in (CG.abbreviation,) or p.endswith("#label"):
                    hit = gazetteer.lookup(str(o))
                    if hit is not None and hit != s and gazetteer.entities[hit].kind == kinds.get(s):
                        dup += 1
                        break
    r["dup"] = dup
    # events
    drafted_events = []
    for f in draft.facts:
        if f.kind == "event":
            date = next((str(o) for s, p, o in f.triples if p == DCTERMS.date), None)
            mtype = next((str(o).rsplit("/", 1)[-1] for s, p, o in f.triples if p == CG.meetingType), "")
            drafted_events.append((MTYPE_GROUPS.get(mtype, "m"), date))
    gold_dated = [e for e in gold["events"] if e["date"]]
    found = sum(1 for e in gold_dated if (EVENT_GROUPS.get(e["type"], "m"), e["date"]) in drafted_events)
    dated = [d for d in drafted_events if d[1]]
    right = sum(1 for d in dated if any((EVENT_GROUPS.get(e["type"], "m"), e["date"]) == d for e in gold_dated))
    r["ev"] = (right, len(dated), found, len(gold_dated))
    # agreements
    drafted_ag = []
    for f in draft.facts:
        if f.kind == "agreement":
            cls = next((str(o).rsplit("#", 1)[-1] for s, p, o in f.triples if p == RDF.type), "")
            parties = {o for s, p, o in f.triples if p == CG.party}
            signed = next((str(o) for s, p, o in f.triples if p in (CG.signedOn, CG.signedInYear)), None)
            drafted_ag.append((CLASS_KINDS.get(cls, "agreement"), parties, signed, spans(f.evidence, f.quote)))
        elif f.kind == "plan":
            issuer = {o for s, p, o in f.triples if p == CG.issuedBy}
            drafted_ag.append(("plan-or-strategy", issuer, None, spans(f.evidence, f.quote)))

    def party_ok(gold_parties: list[str], drafted: set[URIRef]) -> bool:
        return any(match.get(k, set()) & drafted for k in gold_parties)

    ag_found = ag_dated = ag_date_right = 0
    used = set()
    for g in gold["agreements"]:
        kind = AGREEMENT_KINDS.get(g["kind"], "agreement")
        kinds_ok = {kind, "plan-or-strategy"} if g["kind"] == "other" else {kind}
        where = occurrences(text, g["quote"])
        cands = [i for i, d in enumerate(drafted_ag) if d[0] in kinds_ok
                 and (party_ok(g["parties"], d[1]) or overlap(d[3], where))]
        if cands:
            ag_found += 1
            used.update(cands)
            if g["signed"]:
                ag_dated += 1
                want = g["signed"] if len(g["signed"]) in (4, 10) else g["signed"][:4]
                if any(drafted_ag[i][2] == want for i in cands):
                    ag_date_right += 1
        elif g["signed"]:
            ag_dated += 1
    r["ag"] = (len(used), len(drafted_ag), ag_found, len(gold["agreements"]))
    r["ag_date"] = (ag_date_right, ag_dated)
    # posts
    drafted_posts = []
    post_org: dict = {}
    for f in draft.facts:
        if f.kind == "post":
            for s, p, o in f.triples:
                if p == ORG.postIn:
                    post_org[s] = o
            holder = next((o for s, p, o in f.triples if p == CG.holder), None)
            post = next((o for s, p, o in f.triples if p == CG.tenurePost), None)
            drafted_posts.append((holder, post_org.get(post)))
    p_found = 0
    p_right = set()
    for g in gold["posts"]:
        ok = [i for i, (h, o) in enumerate(drafted_posts) if h in match.get(g["person"], set())
              and (g["org"] is None or o in match.get(g["org"], set()))]
        if ok:
            p_found += 1
            p_right.update(ok)
    r["post"] = (len(p_right), len(drafted_posts), p_found, len(gold["posts"]))
    # commitments
    drafted_c = [spans(f.evidence, f.quote) for f in draft.facts if f.kind == "commitment"]
    gold_c = [occurrences(text, c["quote"]) for c in gold["commitments"]]
    r["cmt"] = (sum(1 for d in drafted_c if any(overlap(d, g) for g in gold_c)), len(drafted_c),
                sum(1 for g in gold_c if any(overlap(d, g) for d in drafted_c)), len(gold_c))
    r["quotes"] = quotes_ok
    # validation with every fact accepted
    for f in draft.facts:
        f.decision = "accepted"
    ds = load_dataset(graph_files)
    for s, p, o, g in draft.kept_quads():
        ds.graph(g).add((s, p, o))
    added = violations(ds) - base_violations
    r["valid"] = not added
    r["violations"] = sorted(added)[:5]
    return r


def pr(tp_p: int, n_p: int, tp_r: int, n_r: int) -> tuple[str, str]:
    p = f"{tp_p / n_p:.2f}" if n_p else "–"
    r = f"{tp_r / n_r:.2f}" if n_r else "–"
    return p, r


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("articles", nargs="+", type=Path, help="folders holding the articles")
    parser.add_argument("--gold", type=Path, required=True, help="folder of gold JSON files")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("INGEST.md"))
    parser.add_argument("--only", default="", help="score only gold files whose name contains this")
    parser.add_argument("--cli-timing", action="store_true",
                        help="also time `coopgraph ingest FILE` end to end (a new process: start-up, reading data/, drafting, writing)")
    args = parser.parse_args(argv)
    rows = []
    gazetteers: dict[tuple[Path, ...], tuple[Gazetteer, list[Path], set[str]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for gold_file in sorted(args.gold.glob("*.json")):
            if args.only not in gold_file.name:
                continue
            gold = json.loads(gold_file.read_text(encoding="utf-8"))
            article = next((d / gold["article"] for d in args.articles if (d / gold["article"]).is_file()), None)
            if article is None:
                print(f"{gold_file}: article {gold['article']} not found in {', '.join(map(str, args.articles))}", file=sys.stderr)
                return 2
            leave_out = tuple(source_files(article, gold.get("url")))
            if leave_out not in gazetteers:
                files = [f for f in data_files() if f not in leave_out]
                base = load_dataset(files)
                gazetteers[leave_out] = (Gazetteer.from_graph(base), files, violations(base))
            gazetteer, files, base_violations = gazetteers[leave_out]
            r = score_article(gold, article, gazetteer, files, Path(tmp), base_violations)
            r["left_out"] = [f.name for f in leave_out]
            if args.cli_timing:
                env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
                t0 = time.perf_counter()
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                run = subprocess.run([sys.executable, "-m", "coopgraph", "ingest", str(article), "--out",
                                      str(Path(tmp) / f"cli-{len(rows)}.draft.trig")], capture_output=True, env=env)
                r["cli"] = time.perf_counter() - t0
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                r["cli_cpu"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
                if run.returncode != 0:
                    print(run.stderr.decode(), file=sys.stderr)
            rows.append(r)
            print(f"{r['article']}: {r['seconds']:.2f}s valid={r['valid']}", file=sys.stderr)
            for v in r["violations"]:
                print("   ", v[:300], file=sys.stderr)
    total = {k: tuple(sum(r[k][i] for r in rows) for i in range(len(rows[0][k]))) for k in ("ent", "ev", "ag", "ag_date", "post", "cmt")}
    command = ("python benchmarks/ingest_score.py --gold " + str(args.gold) + " " + " ".join(map(str, args.articles))
               + (" --cli-timing" if args.cli_timing else ""))
    md = ["# coopgraph ingest against gold", "",
          "Produced by `benchmarks/ingest_score.py` (its docstring defines every match). Command:", "",
          f"```sh\n{command}\n```", "",
          "| article | lang | entities P | entities R | dated events P | dated events R | agreements R | signing date right | posts P | posts R | commitments P | commitments R | quotes exact | validates | new dup. of known | time (s) |",
          "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    if args.cli_timing:
        md[-2] = md[-2] + " CLI wall (s) | CLI CPU (s) |"
        md[-1] += "---|---|"
    for r in rows:
        ep, er = pr(*r["ent"])
        vp, vr = pr(*r["ev"])
        _, ar = pr(*r["ag"])
        pp, prr = pr(*r["post"])
        cp, cr = pr(*r["cmt"])
        d = f"{r['ag_date'][0]}/{r['ag_date'][1]}"
        md.append(f"| {r['article']} | {r['lang']} | {ep} | {er} | {vp} | {vr} | {ar} | {d} | {pp} | {prr} | {cp} | {cr} | "
                  f"{'yes' if r['quotes'] else 'NO'} | {'yes' if r['valid'] else 'NO'} | {r['dup']} | {r['seconds']:.2f} |"
                  + (f" {r['cli']:.2f} | {r['cli_cpu']:.2f} |" if args.cli_timing else ""))
    ep, er = pr(*total["ent"])
    vp, vr = pr(*total["ev"])
    ap, ar = pr(*total["ag"])
    pp, prr = pr(*total["post"])
    cp, cr = pr(*total["cmt"])
    times = [r["seconds"] for r in rows]
    md.append(f"| **total (micro)** | | **{ep}** | **{er}** | **{vp}** | **{vr}** | **{ar}** | **{total['ag_date'][0]}/{total['ag_date'][1]}** | "
              f"**{pp}** | **{prr}** | **{cp}** | **{cr}** | **{sum(r['quotes'] for r in rows)}/{len(rows)}** | "
              f"**{sum(r['valid'] for r in rows)}/{len(rows)}** | **{sum(r['dup'] for r in rows)}** | median {statistics.median(times):.2f} |"
              + (f" median {statistics.median(r['cli'] for r in rows):.2f} | median {statistics.median(r['cli_cpu'] for r in rows):.2f} |"
                 if args.cli_timing else ""))
    def ratio(t: tuple[int, ...], i: int, n: int) -> float:
        return t[i] / t[n] if t[n] else 0.0

    checks = [
        ("entities precision ≥ 0.85 (goal 0.95)", ratio(total["ent"], 0, 1), 0.85),
        ("entities recall ≥ 0.85 (goal 0.95)", ratio(total["ent"], 2, 3), 0.85),
        ("dated events recall ≥ 0.8", ratio(total["ev"], 2, 3), 0.8),
        ("agreements recall ≥ 0.8", ratio(total["ag"], 2, 3), 0.8),
        ("signing date right where the text gives one (share of gold agreements with a date)", ratio(total["ag_date"], 0, 1), 1.0),
        ("posts recall ≥ 0.7", ratio(total["post"], 2, 3), 0.7),
        ("every quote exact", sum(r["quotes"] for r in rows) / len(rows), 1.0),
        ("every draft validates", sum(r["valid"] for r in rows) / len(rows), 1.0),
        ("known entities never proposed as new", 1.0 if not sum(r["dup"] for r in rows) else 0.0, 1.0),
    ]
    md += ["", "Targets of issue 15 on this set (micro-averaged):", "", "| target | result | met |", "|---|---|---|"]
    md += [f"| {name} | {value:.2f} | {'yes' if value >= want - 1e-9 else 'no'} |" for name, value, want in checks]
    md += ["", "Counts behind the totals (matched / drafted, found / gold):", "",
           f"- entities: {total['ent'][0]}/{total['ent'][1]} drafted match, {total['ent'][2]}/{total['ent'][3]} gold found",
           f"- dated events: {total['ev'][0]}/{total['ev'][1]} drafted match, {total['ev'][2]}/{total['ev'][3]} gold found",
           f"- agreements: {total['ag'][0]}/{total['ag'][1]} drafted match, {total['ag'][2]}/{total['ag'][3]} gold found; "
           f"signing date right {total['ag_date'][0]} of {total['ag_date'][1]} gold agreements with a date",
           f"- posts: {total['post'][0]}/{total['post'][1]} drafted match, {total['post'][2]}/{total['post'][3]} gold found",
           f"- commitments: {total['cmt'][0]}/{total['cmt'][1]} drafted match, {total['cmt'][2]}/{total['cmt'][3]} gold found",
           f"- time per article (`ingest` in a running process, the known entities read once): median "
           f"{statistics.median(times):.2f} s, max {max(times):.2f} s (the first article pays the imports)",
           *([f"- `coopgraph ingest FILE` end to end, a new process each time (start-up, reading data/ for the "
              f"known entities, drafting, writing the draft): wall median {statistics.median(r['cli'] for r in rows):.2f} s, "
              f"max {max(r['cli'] for r in rows):.2f} s; CPU (user+system) median "
              f"{statistics.median(r['cli_cpu'] for r in rows):.2f} s, max {max(r['cli_cpu'] for r in rows):.2f} s; "
              f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"] if args.cli_timing else []),
           "", "Articles already merged into data/ were scored with their own source file left out of the gazetteer: "
           + "; ".join(f"{r['article']} (without {', '.join(r['left_out'])})" for r in rows if r["left_out"]) + "."]
    md += ["", "Notes:", "",
           "- These articles are a sample for developing ingest, not its target: no rule or lexicon entry names one of "
           "their entities, phrases or dates (the lexicons in src/coopgraph/ingest/lexicon/ hold generic words only), and "
           "the same scores are to be measured on articles nobody has seen.",
           "- An agreement whose parties the text gives only as countries (\"the Korea-ASEAN agreement\") is not drafted: "
           "cg:party takes organisations, and two are needed; such agreements count as not found here.",
           "- Times were measured on this 2-CPU machine shared with other sessions (the load average above); the CPU time "
           "is what one article costs, the wall time what it costs while others run."]
    args.out.write_text("\n".join(md) + "\n", encoding="utf-8")
    print("\n".join(md[6:]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
