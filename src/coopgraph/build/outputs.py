"""The folders coopgraph writes (a build folder, a store): it replaces only what it made.

A build or a store is written into a hidden sibling folder and swapped in with two renames, so a
failed or killed run never leaves half of one. Swapping replaces whatever sits at the target
path, so before any work starts :func:`claim` checks that the target is one of:

- nothing yet;
- an empty folder;
- a folder coopgraph made: it holds nothing but the names that kind of folder is made of, and
  the marker file :data:`MARKER` naming its kind (a folder made before markers has none, but
  holds the file every such folder has: ``void.ttl`` in a build, ``manifest.json`` in a store).

Anything else (a file, a folder of other files, the working folder or one above it, a folder
that holds an input of this run) is refused with a :class:`~coopgraph.errors.UsageError`
(exit 2) that says why, and nothing is touched. The check runs again just before the swap, in
case the target changed while the build ran.

Temporary folders carry the process id in their name and the marker inside; a run that was
killed leaves one behind, and the next run for the same target removes those whose process is
gone (:func:`remove_stale`). Nothing without the marker is ever removed.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

from coopgraph import __version__
from coopgraph.errors import UsageError

#: The file that marks a folder as made by coopgraph; its JSON names the folder's kind.
MARKER = ".coopgraph-output"

_TMP_TAG = ".coopgraph-tmp-"


def _marker_kind(folder: Path) -> str | None:
    """The kind recorded in ``folder``'s marker, or None when it has none (or an unreadable one)."""
    try:
        doc = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return doc.get("kind") if isinstance(doc, dict) and isinstance(doc.get("kind"), str) else None


def write_marker(folder: Path, kind: str) -> None:
    """Mark ``folder`` as a coopgraph ``kind`` folder, so a later run may replace it."""
    (folder / MARKER).write_text(json.dumps({"kind": kind, "coopgraph": __version__}) + "\n", encoding="utf-8")


def _is_within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def claim(target: str | Path, kind: str, legacy_names: Iterable[str], inputs: Iterable[str | Path] = (),
          signature: str = "") -> Path:
    """Check that a ``kind`` folder may be written at ``target``; return its resolved path.

    ``legacy_names`` are the entries a ``kind`` folder is made of; with ``signature``, the one
    every such folder holds, they recognise a folder written before folders were marked.
    ``inputs`` are the files this run reads: a target that holds one would delete it. Raises :class:`UsageError` (exit 2) before anything is written. What a
    killed run left beside ``target`` is cleaned up first (:func:`remove_stale`).
    """
    path = Path(target).expanduser().resolve()
    remove_stale(path)
    shown = str(target)
    advice = f"choose a new or empty folder for the {kind}"
    cwd = Path.cwd().resolve()
    if _is_within(cwd, path):
        raise UsageError(f"{shown}: refusing to replace the current folder (or one above it) with a {kind}; {advice}")
    for item in inputs:
        source = Path(item).expanduser().resolve()
        if _is_within(source, path):
            raise UsageError(f"{shown}: refusing to write the {kind} there: it holds the input {item}; {advice}")
    if not path.exists() and not path.is_symlink():
        _check_writable(path, shown, kind)
        return path
    if path.is_symlink() or not path.is_dir():
        raise UsageError(f"{shown}: refusing to replace a file with a {kind} folder; {advice}")
    try:
        entries = {p.name for p in path.iterdir()}
    except OSError as e:
        raise UsageError(f"{shown}: cannot read the folder: {e.strerror or e}") from None
    if not entries:
        _check_writable(path, shown, kind)
        return path
    found = _marker_kind(path)
    if found is not None and found != kind:
        raise UsageError(f"{shown}: refusing to replace a coopgraph {found} with a {kind}; {advice}")
    # Even a marked folder is replaced only while it holds nothing but what coopgraph writes
    # there: a file someone added later (notes, a store made inside it) would go with it. An
    # unmarked one (from before markers) must also hold the file every such folder has.
    names = set(legacy_names)
    others = sorted(entries - names - {MARKER})
    if not others and (found == kind or signature in entries):
        _check_writable(path, shown, kind)
        return path
    if not others:
        raise UsageError(f"{shown}: refusing to replace a folder that does not look like a coopgraph {kind} "
                         f"(no {MARKER} and no {signature}); {advice}")
    listed = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
    raise UsageError(f"{shown}: refusing to replace a folder holding files coopgraph did not write ({listed}); {advice}")


def _check_writable(path: Path, shown: str, kind: str) -> None:
    """Refuse, before any work, a target whose folder cannot be written (a file on the way, a
    read-only or virtual file system): the build would otherwise fail only at its last step.

    The check makes a temporary folder in the nearest existing folder on the way and removes it
    at once, so nothing is left behind; permission bits alone would not tell (root ignores them,
    /proc refuses even root).
    """
    ancestor = path.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise UsageError(f"{shown}: cannot write the {kind} there: {ancestor} is a file, not a folder")
    try:
        # named like a temp folder (the process id first), so that a run killed between making
        # and removing it leaves an empty folder the next run's remove_stale takes away
        Path(tempfile.mkdtemp(prefix=f".{path.name}{_TMP_TAG}{os.getpid()}-probe-", dir=ancestor)).rmdir()
    except OSError as e:
        raise UsageError(f"{shown}: cannot write the {kind} there: {e.strerror or e} ({ancestor})") from None


def temp_folder(target: Path, kind: str) -> Path:
    """A new marked folder beside ``target`` to write into, named so a later run can clean it up."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}{_TMP_TAG}{os.getpid()}-", dir=target.parent))
    except OSError as e:
        raise UsageError(f"{target}: cannot write the {kind} there: {e.strerror or e}") from None
    write_marker(tmp, kind)
    return tmp


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process: alive, and not ours to judge
    return True


def _temp_siblings(target: Path) -> list[tuple[Path, int]]:
    """The temp folders of runs for ``target`` beside it, each with the process id in its name."""
    prefix = f".{target.name}{_TMP_TAG}"
    try:
        siblings = list(target.parent.iterdir())
    except OSError:
        return []
    found = []
    for p in siblings:
        pid = p.name[len(prefix):].split("-", 1)[0] if p.name.startswith(prefix) else ""
        if pid.isdigit():
            found.append((p, int(pid)))
    return found


def being_replaced(target: Path) -> bool:
    """Whether a live run is replacing ``target``: its temp folders are beside it, its process alive.

    Lets a reader tell "no folder here" from "the instant between the two renames of a swap",
    and wait instead of falling back to something else.
    """
    return any(_pid_alive(pid) for _, pid in _temp_siblings(target))


def remove_stale(target: Path) -> list[Path]:
    """Remove the temp folders of killed runs for ``target`` (marked, and their process gone).

    A run killed between the two renames of a swap left the previous folder under a temp name and
    nothing at ``target``: that folder is renamed back instead, so the run is undone, not lost.
    """
    removed: list[Path] = []
    for p, pid in _temp_siblings(target):
        if p.is_symlink() or not p.is_dir() or pid == os.getpid() or _pid_alive(pid):
            continue
        if "-old-" in p.name and not target.exists() and not target.is_symlink():
            p.rename(target)  # killed between the two renames of a swap: put the previous one back
            continue
        if _marker_kind(p) is None:
            try:
                if [e.name for e in p.iterdir()] == [MARKER] and (p / MARKER).is_file():
                    (p / MARKER).unlink()  # killed while writing its marker: nothing else was written
                p.rmdir()  # or a removal killed after its last step but one: an empty folder
                removed.append(p)
            except OSError:
                pass  # not empty and not provably ours: left alone
            continue
        try:
            remove_marked(p)
        except OSError:
            continue
        removed.append(p)
    return removed


def remove_marked(folder: Path) -> None:
    """Remove a marked folder with its marker last, so a kill midway leaves it still marked.

    (``shutil.rmtree`` removes entries in directory order: a kill after the marker went but
    before the rest would leave a folder no later run may prove is its own.)
    """
    for item in list(folder.iterdir()):
        if item.name == MARKER:
            continue
        if item.is_dir() and not item.is_symlink():
            shutil.rmtree(item, ignore_errors=True)
        else:
            item.unlink(missing_ok=True)
    (folder / MARKER).unlink(missing_ok=True)
    folder.rmdir()


def replace_folder(tmp: Path, target: Path, kind: str, legacy_names: Iterable[str], signature: str = "") -> None:
    """Swap the finished ``tmp`` in at ``target`` with renames; the old folder is removed after.

    ``target`` is claimed again first: if something else appeared there during the run, the run
    fails with nothing replaced (``tmp`` is removed).
    """
    try:
        claim(target, kind, legacy_names, signature=signature)
    except UsageError:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}{_TMP_TAG}{os.getpid()}-old-", dir=target.parent))
        old.rmdir()
        target.rename(old)
    try:
        tmp.rename(target)
    except BaseException:
        if old is not None:
            old.rename(target)
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if old is not None:
        try:
            remove_marked(old)
        except OSError:
            pass  # left for the next run's remove_stale
