"""A throwaway project for the review and merge tests: the real ontology, shapes and queries,
and a copy of the real data/ that merge may write into (the repository's data/ is never touched)."""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

from _support import ROOT


def make_project(root: Path) -> Path:
    """``root`` laid out as a COOPGRAPH_HOME whose data/ is a private copy."""
    root.mkdir(parents=True, exist_ok=True)
    for kind in ("ontology", "shapes", "queries"):
        (root / kind).symlink_to(ROOT / kind)
    shutil.copytree(ROOT / "data", root / "data", ignore=shutil.ignore_patterns("sources"))
    return root


class Pty:
    """A command run on a pseudo-terminal, as a curator runs it: what it prints is read back
    as the terminal would show it, and keys are typed into it (the standard library's pty)."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path) -> None:
        import pty

        self.master, slave = pty.openpty()
        full = {**os.environ, **env, "TERM": "xterm", "PYTHONPATH": str(ROOT / "src")}
        full.pop("NO_COLOR", None)
        self.proc = subprocess.Popen([sys.executable, "-m", "coopgraph", *args], stdin=slave, stdout=slave,
                                     stderr=slave, env=full, cwd=cwd, close_fds=True)
        os.close(slave)
        self.seen = ""

    def expect(self, text: str, timeout: float = 60) -> str:
        """Read until ``text`` has appeared; everything read so far is in ``seen``."""
        deadline = time.monotonic() + timeout
        while text not in self.seen:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{text!r} not shown within {timeout}s; the terminal shows:\n{self.seen}")
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:  # the command ended
                    chunk = b""
                if not chunk:
                    raise AssertionError(f"ended before showing {text!r}:\n{self.seen}")
                self.seen += chunk.decode("utf-8", "replace")
        return self.seen

    def send(self, line: str) -> None:
        os.write(self.master, (line + "\n").encode("utf-8"))

    def wait(self, timeout: float = 60) -> int:
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            ready, _, _ = select.select([self.master], [], [], 0.1)
            if ready:
                try:
                    self.seen += os.read(self.master, 65536).decode("utf-8", "replace")
                except OSError:
                    break
        code = self.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        os.close(self.master)
        return code
