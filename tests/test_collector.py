"""coopgraph.collector: the garbage collector paused for a step, and on again after it."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from coopgraph import collector


def test_paused_then_on_again_even_after_an_error() -> None:
    assert gc.isenabled()
    with pytest.raises(ZeroDivisionError), collector.paused():
        assert not gc.isenabled()
        raise ZeroDivisionError
    assert gc.isenabled()


def test_nested_the_outer_one_turns_it_back_on() -> None:
    with collector.paused():
        with collector.paused():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()


def test_left_off_when_it_was_off() -> None:
    gc.disable()
    try:
        with collector.paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_build_pauses_it_and_turns_it_back_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from coopgraph.build import store

    seen: list[bool] = []
    real = store.bulk_load

    def watching(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(store, "bulk_load", watching)
    data = tmp_path / "one.trig"
    data.write_text('<http://example.org/g> { <http://example.org/a> '
                    '<http://www.w3.org/2000/01/rdf-schema#label> "Alpha"@en . }\n', encoding="utf-8")
    store.build_store([data], tmp_path / "s", allow_invalid=True, progress=False)
    assert seen and not any(seen)
    assert gc.isenabled()
