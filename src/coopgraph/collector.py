"""Python's cyclic garbage collector, paused while many long-lived objects are made.

A build holds millions of tuples of terms in sets, and a large query result is a million small
lists and terms; none of them is in a cycle, and all stay alive until the step ends. Yet every
700 new objects the collector walks the young ones, and again and again the older ones, which
costs time and frees nothing. Paused, with the same peak memory (/usr/bin/time's maximum
resident size): the 1M build a median of 63.7 against 56.4 s wall over four alternating pairs
(benchmarks/RESULTS-build.md); the 67,936 rows of agency-agreements at 1M 5.39 against 3.67 s
(benchmarks/RESULTS-labels.md).

:func:`paused` is a context manager and a decorator. Nested and threaded uses are safe: only
the one that paused the collector turns it back on, and an explicit ``gc.collect()`` (which a
build calls to close its stores before a rename) still runs while it is paused.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """The collector off for the ``with`` block (or the decorated call), then as it was."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
