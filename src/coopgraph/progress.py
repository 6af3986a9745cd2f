"""Progress bars for long steps: counts and rates on a terminal, silence in pipes and CI.

A million-triple build runs for tens of seconds; a user at a terminal should see it move. Logs
of CI jobs and piped output must stay clean, so nothing is drawn unless stderr is a TTY and
no ``CI`` variable is set (``COOPGRAPH_PROGRESS=1`` forces it on, ``=0`` off).
"""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO


def enabled(stream: TextIO | None = None) -> bool:
    """Whether progress should be drawn on ``stream`` (default stderr)."""
    forced = os.environ.get("COOPGRAPH_PROGRESS")
    if forced is not None:
        return forced not in ("", "0", "false", "no")
    stream = stream or sys.stderr
    return bool(getattr(stream, "isatty", lambda: False)()) and not os.environ.get("CI")


class Progress:
    """``with Progress("reason", total=n) as bar: bar.update(k)``; draws at most 10 times a second."""

    def __init__(self, label: str, total: int | None = None, unit: str = "triples",
                 stream: TextIO | None = None) -> None:
        self.label, self.total, self.unit = label, total, unit
        self.stream = stream or sys.stderr
        self.on = enabled(self.stream)
        self.count = 0
        self.start = time.perf_counter()
        self._last = 0.0

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def update(self, count: int | None = None, advance: int = 0) -> None:
        """Set the count (or advance it) and redraw if enough time has passed."""
        self.count = count if count is not None else self.count + advance
        now = time.perf_counter()
        if self.on and now - self._last >= 0.1:
            self._last = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        elapsed = max(now - self.start, 1e-9)
        rate = self.count / elapsed
        if self.total:
            frac = min(1.0, self.count / self.total)
            bar = "#" * int(frac * 24)
            text = f"{self.label} [{bar:<24}] {self.count:,}/{self.total:,} {self.unit} {rate:,.0f}/s"
        else:
            text = f"{self.label}: {self.count:,} {self.unit} {rate:,.0f}/s {elapsed:.1f}s"
        self.stream.write("\r" + text[:110].ljust(110))
        self.stream.flush()

    def close(self) -> None:
        if self.on:
            self._draw(time.perf_counter())
            self.stream.write("\n")
            self.stream.flush()
