"""`coopgraph ingest`: draft an article's facts (or a folder of articles') for review.

A thin shell over :func:`coopgraph.ingest.ingest`: it reads the graph once for the known
entities, drafts each article and writes it with :func:`coopgraph.curate.draft.write_draft`. A draft
already on disk may hold a curator's decisions, so it is never overwritten without ``--force``,
and a file that is not a coopgraph draft never at all.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from coopgraph.cli.main import add_command, diag
from coopgraph.errors import CoopgraphError, UsageError

ARTICLE_SUFFIXES = (".txt", ".html", ".htm", ".xhtml")
_DRAFT_HEADER = "# coopgraph draft of "


def _articles(path: Path) -> list[Path]:
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in ARTICLE_SUFFIXES)
        if not files:
            raise UsageError(f"{path}: no articles (*.txt, *.html) in this folder")
        return files
    if not path.exists():
        raise UsageError(f"{path}: no such file or folder")
    return [path]


def _check_target(target: Path, force: bool) -> None:
    if target.is_dir():
        raise UsageError(f"{target}: is a folder; a draft needs a file name")
    if target.exists():
        try:
            head = target.read_text(encoding="utf-8")[: len(_DRAFT_HEADER)]
        except (OSError, UnicodeDecodeError):
            head = ""
        if head != _DRAFT_HEADER:
            raise UsageError(f"{target}: exists and is not a coopgraph draft; it is left untouched")
        if not force:
            raise UsageError(f"{target}: a draft is already there (it may hold review decisions); "
                             "--force replaces it")


def _known(args: argparse.Namespace):
    from coopgraph.ingest import known_entities

    if args.build:
        import coopgraph

        return known_entities(coopgraph.open(args.build, reasoning=False).dataset)
    return known_entities(data_paths=args.data)


def _cmd_ingest(args: argparse.Namespace) -> int:
    from coopgraph.curate.draft import write_draft
    from coopgraph.ingest import default_out, ingest, source_slug
    from coopgraph.progress import Progress

    if args.published and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", args.published):
        raise UsageError(f"--published {args.published!r}: give the article's date as YYYY-MM-DD")
    source = Path(args.file)
    articles = _articles(source)
    folder = source.is_dir()
    if folder and args.url:
        raise UsageError("--url names one article's address; with a folder each article's line 1 gives it")
    if folder:
        out_dir = Path(args.out) if args.out else Path("drafts")
        if out_dir.exists() and not out_dir.is_dir():
            raise UsageError(f"{out_dir}: --out must be a folder when ingesting a folder of articles")
        targets = [out_dir / f"{source_slug(a)}.draft.trig" for a in articles]
    else:
        out = Path(args.out) if args.out else None
        if out is not None and (out.is_dir() or args.out.endswith(("/", "\\"))):  # a folder: the draft goes in it
            out = out / f"{source_slug(source)}.draft.trig"
        targets = [out if out is not None else default_out(source)]
    known = _known(args)
    failed = 0
    with Progress("ingest", total=len(articles), unit="articles") as bar:
        for n, (article, target) in enumerate(zip(articles, targets), start=1):
            try:
                _check_target(target, args.force)
                draft = ingest(article, known, url=args.url, lang=args.lang, published=args.published)
                write_draft(draft, target)
            except CoopgraphError as exc:
                if not folder:
                    raise
                failed += 1
                diag(f"\ncoopgraph ingest: {exc}")
            else:
                new = sum(1 for link in draft.links if link.new)
                sys.stdout.write(f"{target}: {len(draft.facts)} facts, {len(draft.links)} mentions "
                                 f"({new} of new entities)\n")
            bar.update(n)
    if failed:
        diag(f"coopgraph ingest: {failed} of {len(articles)} articles not drafted (see above); the others were")
        return 2
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``ingest``."""
    p = add_command(subparsers, "ingest", "Draft the facts an article states (a TriG draft to review).",
                    "coopgraph ingest article.txt --url https://example.org/news/1 --lang en --out drafts/a.draft.trig",
                    _cmd_ingest)
    p.add_argument("file", metavar="FILE", help="an article (.txt, or a saved .html page) or a folder of them")
    p.add_argument("--url", help="the article's web address (default: line 1 of the file, if it is one)")
    p.add_argument("--lang", choices=("vi", "en", "zh", "ru"), help="its language (default: detected)")
    p.add_argument("--published", metavar="DATE", help="its date, YYYY-MM-DD, when the text has no dateline")
    p.add_argument("--out", metavar="DRAFT", help="draft file (default drafts/{slug}.draft.trig); a folder for a folder")
    p.add_argument("--force", action="store_true", help="replace a draft already at --out")
    p.add_argument("--build", metavar="DIR", help="take the known entities from a finished build")
    p.add_argument("--data", metavar="FILE", nargs="+", help="take them from these data files (default: data/)")
