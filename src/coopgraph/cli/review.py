"""``coopgraph review DRAFT``: decide each drafted fact and link, in the terminal.

Interactive by default: each pending fact or link is shown with its passage (the words it
rests on highlighted), its summary and, for a fact, its triples in Turtle; one key decides it,
and the draft file is saved after every decision, so ``q`` (or Ctrl-D, or Ctrl-C) stops and the
next run resumes at the first item still pending. The options ``--accept``, ``--reject``,
``--replace``, ``--correct`` and ``--accept-all`` do the same from scripts, all or nothing.
Every decision goes through :mod:`coopgraph.curate.review`, as the browser's do.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from rdflib import URIRef

from coopgraph.curate import review
from coopgraph.cli.main import add_command, open_from_args
from coopgraph.curate.draft import Draft, DraftError, read_draft
from coopgraph.errors import CoopgraphError, UsageError

HELP = """keys:
  a  accept            r  reject           s  skip (decide later)
  c  correct a fact's triples (in $EDITOR, or typed here, ending with an empty line)
  l  link a mention to another entity (a name, abbreviation or short IRI such as org/stameq)
  p  back to pending   ?  this help        q  save and quit (the next run resumes here)"""


def _highlighter(stream: object) -> Callable[[str], str]:
    if getattr(stream, "isatty", lambda: False)() and not os.environ.get("NO_COLOR"):
        return lambda words: f"\x1b[1;7m{words}\x1b[0m"
    return lambda words: f"[[{words}]]"


def show(item: review.Item, mark: Callable[[str], str], position: str = "") -> str:
    """An item as the terminal shows it (the same fields the browser shows)."""
    lines = []
    head = f"[{item.key}] {item.what}" + (f" ({item.kind})" if item.what == "fact" else "")
    if item.what == "link":
        entity = review.short_iri(str(item.entity))
        head += f' "{item.words}" -> {entity}' + (" (new entity)" if item.new else "")
        if item.replaced_by is not None:
            head += f" replaced by {review.short_iri(str(item.replaced_by))}"
    head += f"  {item.decision}  confidence {item.confidence:.2f}  {position}".rstrip()
    lines.append(head)
    text = item.passage_text
    if text is None:
        lines.append(f"  passage {item.locator}: (the draft holds no text of it); words: {item.words!r}")
    elif item.span is None:
        lines.append(f"  passage {item.locator}: {text}")
        lines.append(f"  (the words {item.words!r} are not in the passage)")
    else:
        a, b = item.span
        lines.append(f"  passage {item.locator}: {text[:a]}{mark(text[a:b])}{text[b:]}")
    if item.summary:
        lines.append(f"  summary: {item.summary}")
    if item.turtle:
        body = [line for line in item.turtle.splitlines() if line and not line.startswith("@prefix")]
        lines += ["  " + line for line in body]
    for old, new in item.rewrites:
        lines.append(f"  at merge: {review.short_iri(str(old))} -> {review.short_iri(str(new))} (a replaced link)")
    return "\n".join(lines) + "\n"


def _list(draft: Draft) -> str:
    out = []
    for item in review.items(draft):
        if item.what == "fact":
            what = f"{item.kind}: {item.summary}" if item.summary else item.kind
        else:
            target = review.short_iri(str(item.replaced_by or item.entity))
            what = f"link -> {target}" + (" (new)" if item.new and item.replaced_by is None else "")
        out.append(f"{item.key:<4} {item.decision:<9} {item.locator:<22} {item.words!r}  {what}")
    return "\n".join(out) + "\n"


def _keys(text: str) -> list[str]:
    return [k for k in (part.strip() for part in text.replace(" ", ",").split(",")) if k]


def _pairs(spec: str) -> list[tuple[str, str]]:
    """``m1=STAMEQ,m4=m2`` as its pairs; a comma inside a name ("Ministry of Industry, Trade")
    stays in the name, since only a part with ``=`` starts a new pair."""
    pairs: list[list[str]] = []
    for part in spec.split(","):
        key, sep, name = part.partition("=")
        if sep and re.fullmatch(r"\s*[A-Za-z]+\d+\s*", key):
            pairs.append([key.strip(), name])
        elif pairs:
            pairs[-1][1] += "," + part
        else:
            raise UsageError(f"--replace {spec!r}: write KEY=NAME, for example m1=STAMEQ (m1=STAMEQ,m4=SAMR for several)")
    if not pairs or any(not name.strip() for _, name in pairs):
        raise UsageError(f"--replace {spec!r}: write KEY=NAME, for example m1=STAMEQ (m1=STAMEQ,m4=SAMR for several)")
    return [(key, name.strip()) for key, name in pairs]


def _scripted(args: argparse.Namespace, draft: Draft, resolve: Callable[[str], URIRef]) -> None:
    """Apply every option to ``draft`` in memory; any error leaves the file as it was."""
    for spec in args.replace or []:
        for key, name in _pairs(spec):
            review.replace_link(draft, key, review.resolve_in_draft(draft, name, resolve))
    for spec in args.add or []:
        key, sep, file = spec.partition("=")
        if not sep or not key.strip() or not file:
            raise UsageError(f"--add {spec!r}: write PASSAGE=FILE, for example L5-s1=fact.ttl (- for stdin)")
        text = sys.stdin.read() if file == "-" else _read(Path(file))
        review.add_fact(draft, key.strip(), text, words=args.words)
    for spec in args.move or []:
        key, sep, passage = spec.partition("=")
        if not sep or not key.strip() or not passage.strip():
            raise UsageError(f"--move {spec!r}: write FACT=PASSAGE, for example f3=L7-s1")
        review.move_fact(draft, key.strip(), passage.strip(), words=args.words)
    for spec in args.correct or []:
        key, sep, file = spec.partition("=")
        if not sep:
            raise UsageError(f"--correct {spec!r}: write KEY=FILE (a Turtle file, or - for stdin)")
        text = sys.stdin.read() if file == "-" else _read(Path(file))
        review.correct(draft, key.strip(), text)
    for key in _keys(",".join(args.accept or [])):
        review.decide(draft, key, "accept")
    for key in _keys(",".join(args.reject or [])):
        review.decide(draft, key, "reject")
    for key in _keys(",".join(args.reset or [])):
        review.decide(draft, key, "reset")
    if args.accept_all:
        for key in review.pending(draft):
            review.decide(draft, key, "accept")


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"{path}: cannot read: {getattr(e, 'strerror', None) or e}") from None


class Terminal:
    """The interactive loop; reads one line per answer, so a pipe can drive it as a pty can."""

    def __init__(self, draft: Draft, path: Path, resolve: Callable[[str], URIRef]) -> None:
        self.draft, self.path, self.resolve = draft, path, resolve
        self.mark = _highlighter(sys.stdout)

    def ask(self, prompt: str) -> str | None:
        sys.stdout.write(prompt)
        sys.stdout.flush()
        line = sys.stdin.readline()
        if not line:
            return None  # end of input: stop, as q does
        return line.rstrip("\n")

    def run(self) -> int:
        todo = review.pending(self.draft)
        total = len(self.draft.facts) + len(self.draft.links)
        print(f"draft {self.draft.slug}: {len(self.draft.facts)} facts, {len(self.draft.links)} links; "
              f"{len(todo)} pending (? for help)")
        for n, key in enumerate(todo, 1):
            item = next(i for i in review.items(self.draft) if i.key == key)
            if item.decision != "pending":  # decided meanwhile (in the browser)
                continue
            sys.stdout.write("\n" + show(item, self.mark, f"({n}/{len(todo)} pending of {total})"))
            if not self.decide(item):
                break
        sys.stdout.write("\n" + review.status_text(self.draft))
        left = review.pending(self.draft)
        print(f"saved {self.path}" + (f"; {len(left)} pending: run `coopgraph review {self.path}` to go on"
                                      if left else f"; nothing pending: `coopgraph merge {self.path}` writes it"))
        return 0

    def decide(self, item: review.Item) -> bool:
        """Ask until the item is decided or skipped; False to stop the review."""
        keys = "a/r/c/s/q" if item.what == "fact" else "a/r/l/s/q"
        while True:
            answer = self.ask(f"{item.key} [{keys}, ? help] > ")
            if answer is None:
                print()
                return False
            answer = answer.strip().lower()
            try:
                if answer in ("a", "r", "p", "c", "l"):
                    # the file as it is now: decisions taken meanwhile in the browser are kept
                    self.draft = read_draft(self.path)
                if answer in ("a", "r", "p"):
                    review.decide(self.draft, item.key, {"a": "accept", "r": "reject", "p": "reset"}[answer])
                elif answer == "c" and item.what == "fact":
                    text = self.edit(item)
                    if text is None:
                        continue
                    review.correct(self.draft, item.key, text)
                elif answer == "l" and item.what == "link":
                    name = self.ask("entity (name, abbreviation, short IRI or another link's key; empty to cancel) > ")
                    if not name or not name.strip():
                        continue
                    entity = review.resolve_in_draft(self.draft, name, self.resolve)
                    review.replace_link(self.draft, item.key, entity)
                    print(f"  {item.key} -> {review.short_iri(str(entity))}")
                elif answer == "s":
                    return True
                elif answer == "q":
                    return False
                else:
                    print(HELP)
                    continue
            except CoopgraphError as e:  # a wrong key, bad Turtle, an unknown name: say so, ask again
                print(f"  {e}")
                continue
            review.save(self.draft, self.path)
            print(f"  {item.key}: {self.draft.find(item.key).decision} (saved)")
            return True

    def edit(self, item: review.Item) -> str | None:
        """The corrected Turtle: from $EDITOR when there is a terminal, else typed here."""
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
        if editor and sys.stdin.isatty():
            with tempfile.NamedTemporaryFile("w", suffix=".ttl", delete=False, encoding="utf-8") as f:
                f.write(f"# correct fact {item.key}; save and quit the editor to apply it\n{item.turtle}")
            try:
                subprocess.run([*shlex.split(editor), f.name], check=False)
                return Path(f.name).read_text(encoding="utf-8")
            finally:
                Path(f.name).unlink(missing_ok=True)
        print("  type the fact's triples in Turtle (prefixes such as ag:, cg:, mtg: are declared); "
              "an empty line ends them")
        lines = []
        while (line := self.ask("  | ")) not in (None, ""):
            lines.append(line)
        return "\n".join(lines) + "\n" if lines else None


def _cmd_review(args: argparse.Namespace) -> int:
    from coopgraph.load import read_text

    path = Path(args.draft)
    read_text(path)  # a missing file, a folder, bytes that are not UTF-8: one line, exit 2
    draft = read_draft(path)
    graph = None

    def resolve(name: str) -> URIRef:
        nonlocal graph
        if graph is None:
            graph = open_from_args(args)
        return graph.resolve(name)

    if args.list:
        sys.stdout.write(_list(draft))
        return 0
    if args.passages:
        for key, _, locator, text, cited in review.passages(draft):
            mark = "cited" if cited else "no fact"
            sys.stdout.write(f"{key:<8} {mark:<8} {locator}: {text[:100]}{'…' if len(text) > 100 else ''}\n")
        return 0
    if args.status:
        sys.stdout.write(review.status_text(draft))
        return 0
    if args.words and not (args.add or args.move):
        raise UsageError("--words goes with --add or --move: the exact words of the passage the fact quotes")
    if args.words and args.add and args.move:
        raise UsageError("--words goes with one of --add and --move, not both: run them one after the other")
    if any((args.accept, args.reject, args.reset, args.replace, args.correct, args.add, args.move, args.accept_all)):
        _scripted(args, draft, resolve)
        review.save(draft, path)
        sys.stdout.write(review.status_text(draft))
        return 0
    if not draft.facts and not draft.links:
        raise DraftError(f"{path}: the draft has no facts and no links to review")
    return Terminal(draft, path, resolve).run()


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``review`` (called by :func:`coopgraph.cli.main.registrars`)."""
    p = add_command(subparsers, "review",
                    "Accept, reject or correct each fact and link of a draft; decisions are saved in the draft.",
                    "coopgraph review drafts/vietnamnews-2023-06-27-moit-samr-mou.trig --accept f1,f2 --replace m4=SAMR",
                    _cmd_review)
    p.add_argument("draft", metavar="DRAFT", help="a draft file (written by `coopgraph ingest`)")
    p.add_argument("--list", action="store_true", help="list every fact and link with its decision, and stop")
    p.add_argument("--status", action="store_true", help="count the decisions, and stop")
    p.add_argument("--accept", action="append", metavar="KEYS", help="accept these facts or links (f1,f3,m2)")
    p.add_argument("--reject", action="append", metavar="KEYS", help="reject these facts or links")
    p.add_argument("--reset", action="append", metavar="KEYS", help="set these back to pending")
    p.add_argument("--accept-all", action="store_true", help="accept everything still pending")
    p.add_argument("--replace", action="append", metavar="KEY=NAME",
                   help="link mention KEY to the entity NAME (a name, abbreviation, short IRI, another link's key, or an entity this draft proposes), e.g. m1=STAMEQ or m1=STAMEQ,m4=m2")
    p.add_argument("--correct", action="append", metavar="KEY=FILE",
                   help="replace fact KEY's triples by the Turtle in FILE (- for stdin)")
    p.add_argument("--passages", action="store_true",
                   help="list every passage of the source (key, cited or not, words), and stop")
    p.add_argument("--add", action="append", metavar="PASSAGE=FILE",
                   help="add a fact the draft missed: the Turtle in FILE (- for stdin), cited to PASSAGE (L5-s1)")
    p.add_argument("--move", action="append", metavar="FACT=PASSAGE",
                   help="cite fact FACT to another passage (f3=L7-s1); its quote must be there, or give --words")
    p.add_argument("--words", metavar="TEXT",
                   help="with --add or --move: the passage's exact words that state the fact (default: the whole passage; for --move, the fact's quote)")
    p.add_argument("--build", metavar="DIR", help="resolve names in this build (default: build/ or the data files)")
    p.add_argument("--data", metavar="FILE", nargs="+", help="resolve names in these data files")
    p.add_argument("--no-curation", action="store_true", help=argparse.SUPPRESS)
