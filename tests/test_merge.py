"""coopgraph merge: kept facts become data/{slug}.trig in the documented layout, only if they conform."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import Dataset, Literal

from _drafts import FILE, SLUG
from _review_support import make_project
from _support import error_lines, run_cli
from coopgraph.curate import review
from coopgraph.curate.draft import CGD, read_draft
from coopgraph.namespaces import CG, ID, RDF

STAMEQ = ID["org/stameq"]
NEW_AGENCY = ID["org/directorate-for-standards-metrology-and-quality"]
MEETING = ID["meeting/2026-11-30-stameq-kpc-workshop"]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "project")


def cli(project: Path, *args: str):  # noqa: ANN201
    return run_cli(*args, env={"COOPGRAPH_HOME": str(project)}, cwd=project)


def reviewed(tmp_path: Path, *, correct_f6: bool = True) -> Path:
    """The fixture draft as a curator leaves it: f2 (the new agency) and f6 rejected or f6
    corrected, m1 merged into STAMEQ, the rest accepted."""
    path = tmp_path / f"{SLUG}.trig"
    shutil.copy(FILE, path)
    draft = read_draft(path)
    for key in ("f1", "f3", "f4", "f5", "m2", "m3"):
        review.decide(draft, key, "accept")
    review.decide(draft, "f2", "reject")
    review.replace_link(draft, "m1", STAMEQ)
    if correct_f6:
        review.correct(draft, "f6", f"<{MEETING}> cg:meetingType mtype:working-session .")
    else:
        review.decide(draft, "f6", "reject")
    review.save(draft, path)
    return path


def test_merge_writes_the_documented_layout(project: Path, tmp_path: Path) -> None:
    draft = reviewed(tmp_path)
    proc = cli(project, "merge", str(draft))
    assert proc.returncode == 0, proc.stderr
    target = project / "data" / f"{SLUG}.trig"
    assert proc.stdout.startswith(f"wrote data/{SLUG}.trig: 5 facts in 4 passage graphs (not written: 1 rejected)")
    joined = len(list((project / "data").glob("*.trig"))) - 1  # the files it joins, not itself
    assert f"validated with the {joined} data files it joins: Data conforms: 0 violation(s)" in proc.stdout
    text = target.read_text()
    assert target.stat().st_mode & 0o777 == 0o644
    assert text.index(f"src:{SLUG} {{") < text.index("ev:L3 {")  # the source graph first, as in data/
    ds = Dataset(default_union=True)
    ds.parse(data=text, format="trig")
    graphs = {str(g.identifier) for g in ds.graphs() if len(g)}
    ev = f"{ID}evidence/{SLUG}/"
    assert graphs == {f"{ID}source/{SLUG}", f"{ev}L3", f"{ev}L5", f"{ev}L7", f"{ev}L9"}
    every = {(s, p, o) for s, p, o, _ in ds.quads()}
    assert not any(str(p).startswith(str(CGD)) for _, p, _ in every)  # the draft vocabulary stays out
    assert NEW_AGENCY not in {t for triple in every for t in triple}  # rewritten to STAMEQ
    side = ID["side/2026-11-30-stameq-kpc-workshop--stameq"]
    assert (side, CG.sideAgency, STAMEQ) in ds.graph(ID[f"evidence/{SLUG}/L5"])
    assert (MEETING, CG.meetingType, ID["meeting-type/working-session"]) in ds.graph(ID[f"evidence/{SLUG}/L3"])
    quotes = list(ds.objects(None, CG.quote))
    assert Literal("The two sides agreed to hold a second workshop in 2027.", lang="en") in quotes  # users keep the words
    # the merged file joins the graph: validate (in context) and build take it
    assert cli(project, "validate", str(target)).returncode == 0
    build = cli(project, "build", "--out", str(tmp_path / "build"))
    assert build.returncode == 0, build.stderr
    assert "conforms: yes" in build.stdout


def test_without_text_keeps_facts_url_and_locators_only(project: Path, tmp_path: Path) -> None:
    draft = reviewed(tmp_path)
    proc = cli(project, "merge", str(draft), "--without-text")
    assert proc.returncode == 0, proc.stderr
    target = project / "data" / f"{SLUG}.trig"
    ds = Dataset(default_union=True)
    ds.parse(target, format="trig")
    assert list(ds.objects(None, CG.quote)) == []
    assert set(ds.objects(None, CG.locator)) == {Literal(f"line {n}") for n in (3, 5, 7, 9)}
    assert len(list(ds.objects(None, CG.url))) == 1
    first = target.read_bytes()
    # deterministic: the same draft gives the same bytes; an existing file needs --force
    proc = cli(project, "merge", str(draft), "--without-text")
    assert proc.returncode == 2 and "pass --force" in error_lines(proc.stderr)[-1]
    assert cli(project, "merge", str(draft), "--without-text", "--force").returncode == 0
    assert target.read_bytes() == first


def test_a_draft_that_does_not_conform_is_refused_with_its_passages(project: Path, tmp_path: Path) -> None:
    draft = reviewed(tmp_path, correct_f6=False)  # the meeting is left without a type
    before = sorted(p.name for p in (project / "data").iterdir())
    proc = cli(project, "merge", str(draft))
    assert proc.returncode == 1
    violation = next(line for line in proc.stderr.splitlines() if line.startswith("Violation:"))
    assert "cg:meetingType" in violation and f"passage: evidence/{SLUG}/L5 (line 5)" in violation
    assert "not written" in error_lines(proc.stderr)[-1] and "Traceback" not in proc.stderr
    assert sorted(p.name for p in (project / "data").iterdir()) == before  # nothing written, no temp file


@pytest.mark.parametrize("edit, message", [
    (lambda t: t.replace('cgd:decision "rejected"', 'cgd:decision "maybe"', 1), "decision 'maybe'"),
    (lambda t: t.replace("cgd:evidence ev:L9 ", "cgd:evidence ev:L99 ", 1),
     f"cites passage {ID}evidence/{SLUG}/L99, which the source graph does not describe"),
    (lambda t: t[: len(t) // 2], ":"),
    (lambda t: "", "holds no triples"),
])
def test_a_draft_edited_into_an_invalid_state_is_refused(project: Path, tmp_path: Path, edit, message) -> None:  # noqa: ANN001
    draft = reviewed(tmp_path)
    draft.write_text(edit(draft.read_text()))
    proc = cli(project, "merge", str(draft))
    assert proc.returncode == 2, proc.stderr
    assert message in error_lines(proc.stderr)[-1] and "Traceback" not in proc.stderr
    assert not (project / "data" / f"{SLUG}.trig").exists()


def test_decisions_merge_cannot_honour_are_refused(project: Path, tmp_path: Path) -> None:
    path = reviewed(tmp_path)
    draft = read_draft(path)
    review.decide(draft, "m3", "reject")  # the new person's link rejected, facts about her still accepted
    review.save(draft, path)
    proc = cli(project, "merge", str(path))
    assert proc.returncode == 2
    assert "fact f3 is accepted but uses https://w3id.org/coopgraph/id/person/kim-ha-eun, whose link (m3) was rejected" \
        in error_lines(proc.stderr)[-1]
    for key in [f.key for f in draft.facts]:
        review.decide(draft, key, "reject")
    review.save(draft, path)
    proc = cli(project, "merge", str(path))
    assert proc.returncode == 2 and "nothing to merge" in error_lines(proc.stderr)[-1]
    assert not (project / "data" / f"{SLUG}.trig").exists()
    assert (draft.source, RDF.type, CG.SourceDocument) in draft.source_triples


def test_a_slug_cannot_lead_the_file_out_of_the_data_folder(project: Path, tmp_path: Path) -> None:
    path = reviewed(tmp_path)
    text = path.read_text().replace(f"draft:{SLUG}\n", f"<{ID}draft/../../escaped>\n")
    text = text.replace(f"draft:{SLUG} ", f"<{ID}draft/../../escaped> ").replace(f"src:{SLUG}", f"<{ID}source/../../escaped>")
    path.write_text(text)
    proc = cli(project, "merge", str(path))
    assert proc.returncode == 2, proc.stderr
    assert "cannot name the data file" in error_lines(proc.stderr)[-1]
    assert not (project / "escaped.trig").exists() and not (project.parent / "escaped.trig").exists()


def test_without_text_refuses_facts_that_repeat_the_source_s_words(project: Path, tmp_path: Path) -> None:
    """A commitment's cg:text drafted from its sentence is the source's text: --without-text
    (the project's rule for articles it does not own) refuses it, naming the passage; a user's
    graph, which keeps the quotes, takes it."""
    draft_path = reviewed(tmp_path)
    draft = read_draft(draft_path)
    fact = draft.find("f1")
    quote = next(str(o) for s, p, o in draft.source_triples if s == fact.evidence and p == CG.quote)
    fact.triples.append((MEETING, CG.text, Literal(quote, lang="en")))
    review.save(draft, draft_path)
    proc = cli(project, "merge", str(draft_path), "--without-text")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    message = error_lines(proc.stderr)[-1]
    assert "repeat the source's words" in message and str(fact.evidence) in message
    assert not (project / "data" / f"{SLUG}.trig").exists()
    assert cli(project, "merge", str(draft_path)).returncode == 0, "with the quotes kept, the text may stay"
