"""coopgraph review: each fact and link decided, saved in the draft at once, resumed where it stopped."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import URIRef

from _drafts import FILE, SLUG, make_draft, write_fixture
from _review_support import Pty, make_project
from _support import error_lines, run_cli
from coopgraph.curate import review
from coopgraph.curate.draft import DraftError, read_draft
from coopgraph.namespaces import ID

STAMEQ = ID["org/stameq"]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_project(tmp_path_factory.mktemp("project"))


@pytest.fixture
def draft_file(tmp_path: Path) -> Path:
    path = tmp_path / f"{SLUG}.trig"
    shutil.copy(FILE, path)
    return path


def cli(project: Path, *args: str):  # noqa: ANN201
    return run_cli(*args, env={"COOPGRAPH_HOME": str(project)}, cwd=project)


def test_the_fixture_file_is_what_the_helper_writes(tmp_path: Path) -> None:
    assert write_fixture(tmp_path / "d.trig").read_bytes() == FILE.read_bytes()


def test_items_carry_the_passage_and_the_words_in_it() -> None:
    items = {i.key: i for i in review.items(make_draft())}
    f1 = items["f1"]
    assert f1.locator == "line 5" and f1.decision == "pending" and f1.kind == "event"
    a, b = f1.span
    assert f1.passage_text[a:b] == "held a joint workshop"
    # the triples in Turtle, with the data file's prefixes
    assert "mtg:2026-11-30-stameq-kpc-workshop" in f1.turtle and "side:2026-11-30-stameq-kpc-workshop--kpc" in f1.turtle
    m1 = items["m1"]
    assert m1.what == "link" and m1.new and m1.entity == ID["org/directorate-for-standards-metrology-and-quality"]
    assert m1.passage_text[slice(*m1.span)] == "Directorate for Standards, Metrology and Quality"


def test_decisions_are_kept_in_the_draft_and_the_review_resumes(draft_file: Path) -> None:
    draft = read_draft(draft_file)
    review.decide(draft, "f1", "accept")
    review.decide(draft, "f2", "reject")
    review.replace_link(draft, "m1", STAMEQ)
    draft_file.chmod(0o664)
    review.save(draft, draft_file)
    assert draft_file.stat().st_mode & 0o777 == 0o664  # saving keeps the file's permissions
    assert [p.name for p in draft_file.parent.iterdir()] == [draft_file.name]  # no temporary file left
    again = read_draft(draft_file)
    assert [f.decision for f in again.facts[:3]] == ["accepted", "rejected", "pending"]
    assert again.links[0].decision == "corrected" and again.links[0].replaced_by == STAMEQ
    assert review.pending(again) == ["f3", "f4", "f5", "f6", "m2", "m3"]
    f1 = next(i for i in review.items(again) if i.key == "f1")
    assert f1.rewrites == ((ID["org/directorate-for-standards-metrology-and-quality"], STAMEQ),)
    assert review.status_text(again) == "facts: 1 accepted, 1 rejected, 4 pending (6)\nlinks: 1 corrected, 2 pending (3)\n"


def test_a_correction_is_turtle_and_an_error_names_its_line() -> None:
    draft = make_draft()
    fact = review.correct(draft, "f6", "mtg:2026-11-30-stameq-kpc-workshop cg:meetingType mtype:working-session .")
    assert fact.decision == "corrected"
    assert fact.triples == [(ID["meeting/2026-11-30-stameq-kpc-workshop"],
                             URIRef("https://w3id.org/coopgraph/def#meetingType"), ID["meeting-type/working-session"])]
    with pytest.raises(DraftError, match=r"correction of f6, line 2: .*") as e:
        review.correct(draft, "f6", "mtg:x cg:meetingType mtype:reception ;\n   cg:topic topic:quality topic:metrology .\n")
    assert "line 2" in str(e.value)
    with pytest.raises(DraftError, match="blank nodes"):
        review.correct(draft, "f6", "mtg:x cg:hasSide [ a cg:MeetingSide ] .")
    with pytest.raises(DraftError, match="no triples"):
        review.correct(draft, "f6", "# nothing\n")
    with pytest.raises(DraftError, match="no fact or link 'f99'"):
        review.decide(draft, "f99", "accept")
    assert draft.find("f6").decision == "corrected"  # the failed corrections changed nothing


def test_script_options_decide_all_or_nothing(project: Path, draft_file: Path) -> None:
    proc = cli(project, "review", str(draft_file), "--accept", "f1,f3", "--reject", "f2", "--replace", "m1=STAMEQ")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "facts: 2 accepted, 1 rejected, 3 pending (6)\nlinks: 1 corrected, 2 pending (3)\n"
    draft = read_draft(draft_file)
    assert draft.find("m1").replaced_by == STAMEQ  # "STAMEQ" resolved through the project's graph
    before = draft_file.read_bytes()
    for bad, message in [
        (["--accept", "f4,f77"], "no fact or link 'f77'"),
        (["--accept", "f4", "--replace", "m2=Nonexistent Agency Of Nowhere"], "no entity named 'Nonexistent Agency Of Nowhere'"),
        (["--correct", f"f4={draft_file.parent / 'missing.ttl'}"], "missing.ttl: no such file"),
    ]:
        proc = cli(project, "review", str(draft_file), *bad)
        assert proc.returncode == 2, (bad, proc.stdout, proc.stderr)
        lines = error_lines(proc.stderr)
        assert message in lines[-1] and "Traceback" not in proc.stderr
        assert draft_file.read_bytes() == before  # nothing decided
    listing = cli(project, "review", str(draft_file), "--list").stdout.splitlines()
    assert listing[0].split()[:2] == ["f1", "accepted"]
    assert listing[6].startswith("m1") and "link -> org/stameq" in listing[6]


def test_unreadable_or_empty_drafts_are_refused(project: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.trig"
    empty.write_text("# nothing yet\n")
    broken = tmp_path / "broken.trig"
    broken.write_text(FILE.read_text()[:900])
    not_draft = tmp_path / "data.trig"
    shutil.copy(project / "data" / "tcvn-2019-08-08-stameq-kpc-mou.trig", not_draft)
    for path, message in [(tmp_path / "nope.trig", "no such file"), (empty, "holds no triples"),
                          (broken, "broken.trig:"), (not_draft, "not a coopgraph draft"), (tmp_path, "is a folder")]:
        proc = cli(project, "review", str(path), "--status")
        assert proc.returncode == 2, (path, proc.stderr)
        assert message in error_lines(proc.stderr)[-1] and "Traceback" not in proc.stderr


def test_the_terminal_loop_driven_through_a_pipe_saves_each_decision(project: Path, draft_file: Path) -> None:
    import subprocess
    import sys

    from _support import ROOT

    def run(keys: str) -> str:
        proc = subprocess.run([sys.executable, "-m", "coopgraph", "review", str(draft_file)], input=keys,
                              capture_output=True, text=True, cwd=project, timeout=120,
                              env={**__import__("os").environ, "COOPGRAPH_HOME": str(project),
                                   "PYTHONPATH": str(ROOT / "src")})
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    out = run("a\nr\nq\n")
    assert "[f1] fact (event)" in out and "[[held a joint workshop]]" in out  # no terminal: marked with [[ ]]
    assert "f1: accepted (saved)" in out and "f2: rejected (saved)" in out and "[f3]" in out
    assert "4 pending" in out or "pending: run `coopgraph review" in out
    out = run("")  # end of input right away: resumes at f3, stops, changes nothing
    assert "[f3]" in out and "[f1]" not in out
    # an invalid correction is explained and asked again; a valid one is kept
    out = run("s\ns\ns\nc\nmtg:x cg:meetingType mtype:reception\n\nc\n"
              "mtg:2026-11-30-stameq-kpc-workshop cg:meetingType mtype:working-session .\n\nq\n")
    assert "correction of f6, line 1" in out or "correction of f6, line 2" in out
    assert "f6: corrected (saved)" in out
    draft = read_draft(draft_file)
    assert [f.decision for f in draft.facts] == ["accepted", "rejected", "pending", "pending", "pending", "corrected"]


def test_the_terminal_loop_on_a_real_terminal(project: Path, draft_file: Path) -> None:
    """Typed keys on a pty: the words are highlighted, a link is replaced by a name, q saves."""
    review_ = read_draft(draft_file)
    for key in ("f1", "f2", "f3", "f4", "f5", "f6"):
        review.decide(review_, key, "accept")
    review.save(review_, draft_file)
    term = Pty(["review", str(draft_file)], {"COOPGRAPH_HOME": str(project)}, project)
    term.expect("m1 [a/r/l/s/q, ? help] > ")
    assert "\x1b[1;7mDirectorate for Standards, Metrology and Quality\x1b[0m" in term.seen
    term.send("l")
    term.expect("entity (name")
    term.send("Tong cuc Tieu chuan Do luong Chat luong")  # typed without diacritics
    term.expect("m1 -> org/stameq")
    term.expect("m2 [a/r/l/s/q, ? help] > ")
    meanwhile = read_draft(draft_file)  # the browser rejects m3 while the terminal waits at m2
    review.decide(meanwhile, "m3", "reject")
    review.save(meanwhile, draft_file)
    term.send("a")
    assert term.wait() == 0  # m3 was decided meanwhile: nothing left to ask
    draft = read_draft(draft_file)
    assert draft.find("m1").replaced_by == STAMEQ and draft.find("m2").decision == "accepted"
    assert draft.find("m3").decision == "rejected"  # the terminal's saves kept the other decision
    assert "[m3]" not in term.seen and "nothing pending: `coopgraph merge" in term.seen


def test_a_correction_in_the_editor(project: Path, draft_file: Path) -> None:
    """``c`` on a terminal opens $EDITOR on the fact's Turtle; what the editor saves is the fact."""
    term = Pty(["review", str(draft_file)], {"COOPGRAPH_HOME": str(project),
                                              "EDITOR": "sed -i s/signing-ceremony/working-session/"}, project)
    for key in ("f1", "f2", "f3", "f4", "f5"):
        term.expect(f"{key} [a/r/c/s/q, ? help] > ")
        term.send("s")
    term.expect("f6 [a/r/c/s/q, ? help] > ")
    term.send("c")
    term.expect("f6: corrected (saved)")
    term.expect("m1 [a/r/l/s/q, ? help] > ")
    term.send("q")
    assert term.wait() == 0
    fact = read_draft(draft_file).find("f6")
    assert fact.decision == "corrected"
    assert [str(o) for _, _, o in fact.triples] == [str(ID["meeting-type/working-session"])]


def test_candidates_for_the_entity_search(real_graph) -> None:  # noqa: ANN001
    """The review page's search: names in any language, typed without diacritics, agencies first."""
    assert real_graph.candidates("Tong cuc Tieu chuan Do luong Chat luong")[0] == STAMEQ
    assert real_graph.candidates("SAMR")[0] == ID["org/samr"]
    assert ID["org/kpc"] in real_graph.candidates("korea productivity")
    assert real_graph.candidates("zzqx-no-such-name") == []


def test_a_link_is_replaced_by_another_links_entity_or_one_this_draft_proposes() -> None:
    from coopgraph.cli.review import _pairs
    from coopgraph.errors import UsageError

    draft = make_draft()
    new = draft.find("m1").entity  # an agency the draft proposes: not in any graph yet

    def unknown(name: str) -> URIRef:
        raise UsageError(f"no entity named {name!r}")

    assert review.resolve_in_draft(draft, "m1", unknown) == new  # another link's key
    assert review.resolve_in_draft(draft, "org/directorate-for-standards-metrology-and-quality", unknown) == new
    assert review.resolve_in_draft(draft, "directorate for standards, metrology and quality", unknown) == new
    assert review.resolve_in_draft(draft, "Directorate for Standards, Metrology and Quality",
                                   lambda name: STAMEQ) == STAMEQ  # a known entity of that name wins
    with pytest.raises(UsageError, match="no entity named 'Nowhere'"):
        review.resolve_in_draft(draft, "Nowhere", unknown)
    # several replacements in one option; a comma inside a name stays in the name
    assert _pairs("m2=m1,m3=Directorate for Standards, Metrology and Quality") == [
        ("m2", "m1"), ("m3", "Directorate for Standards, Metrology and Quality")]
    for bad in ("STAMEQ", "m1=", "m1=STAMEQ,m2="):
        with pytest.raises(UsageError, match="write KEY=NAME"):
            _pairs(bad)


def test_replace_takes_several_pairs_and_the_drafts_own_entities(project: Path, draft_file: Path) -> None:
    proc = cli(project, "review", str(draft_file), "--replace", "m2=m1,m3=STAMEQ")
    assert proc.returncode == 0, proc.stderr
    draft = read_draft(draft_file)
    assert draft.find("m2").replaced_by == draft.find("m1").entity
    assert draft.find("m3").replaced_by == STAMEQ or draft.find("m3").entity == STAMEQ


def test_a_fact_the_drafter_missed_is_added_for_its_passage() -> None:
    draft = make_draft()
    listed = review.passages(draft)
    assert [key for key, *_ in listed] == ["L3", "L5", "L7", "L9"]
    before = len(draft.facts)
    turtle = "mtg:2027-stameq-kpc-workshop a cg:Meeting ;\n  rdfs:label \"second STAMEQ–KPC workshop\"@en .\n"
    fact = review.add_fact(draft, "L9", turtle, words="agreed to hold a second workshop in 2027")
    assert fact.key == f"f{before + 1}" and fact.decision == "corrected" and fact.quote.startswith("agreed to")
    assert fact.evidence == ID[f"evidence/{SLUG}/L9"] and len(fact.triples) == 2
    with pytest.raises(DraftError, match="does not say"):
        review.add_fact(draft, "L9", turtle, words="agreed to hold three workshops")
    with pytest.raises(DraftError, match="no passage 'L4'"):
        review.add_fact(draft, "L4", turtle)
    with pytest.raises(DraftError, match="the fact added for L9, line"):
        review.add_fact(draft, "L9", "mtg:x a \n")


def test_add_and_passages_from_the_command_line(project: Path, draft_file: Path, tmp_path: Path) -> None:
    listing = cli(project, "review", str(draft_file), "--passages")
    assert listing.returncode == 0, listing.stderr
    assert listing.stdout.splitlines()[0].startswith("L3") and "line 3: STAMEQ and the Korea" in listing.stdout
    fact = tmp_path / "fact.ttl"
    fact.write_text("mtg:2027-stameq-kpc-workshop a cg:Meeting .\n", encoding="utf-8")
    done = cli(project, "review", str(draft_file), "--add", f"L9={fact}", "--words", "a second workshop in 2027")
    assert done.returncode == 0, done.stderr
    added = read_draft(draft_file).facts[-1]
    assert added.quote == "a second workshop in 2027" and added.decision == "corrected"
    alone = cli(project, "review", str(draft_file), "--words", "a second workshop")
    assert alone.returncode == 2 and "--words goes with --add or --move" in alone.stderr


def test_a_fact_is_moved_to_the_passage_that_states_it(project: Path, draft_file: Path) -> None:
    draft = make_draft()
    fact = draft.facts[0]
    assert fact.evidence == ID[f"evidence/{SLUG}/L5"]
    with pytest.raises(DraftError, match="passage L7 does not say"):
        review.move_fact(draft, fact.key, "L7")  # its quote is not in line 7
    moved = review.move_fact(draft, fact.key, "L3", words="hold a workshop on productivity tools")
    assert moved.evidence == ID[f"evidence/{SLUG}/L3"] and moved.decision == "corrected"
    assert moved.quote == "hold a workshop on productivity tools"
    with pytest.raises(DraftError, match="is a link"):
        review.move_fact(draft, "m1", "L3")
    done = cli(project, "review", str(draft_file), "--move", "f1=L3", "--words", "hold a workshop")
    assert done.returncode == 0, done.stderr
    assert read_draft(draft_file).find("f1").evidence == ID[f"evidence/{SLUG}/L3"]
