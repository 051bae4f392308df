"""The cycle collector is paused while the records of a run are made (the gaps validation lists,
the blanks a run declares, the catches of the decision rules: a nation's are counted by the ten
thousand, none part of a cycle) and afterwards is as it was: running, or still paused."""

from __future__ import annotations

import gc

import pytest

from helpers import EXAMPLE_CRITERIA, EXAMPLE_DATA
from scoring import api
from scoring.core import decisions
from scoring.history import stamp
from scoring.load import validate


@pytest.fixture
def seen(monkeypatch) -> dict[str, list[bool]]:
    """Whether the collector ran, each time the gaps were listed, the blanks declared, a rule's line found."""
    got: dict[str, list[bool]] = {"gaps": [], "blanks": [], "rules": []}
    for module, name, key in ((validate, "find_gaps", "gaps"), (stamp, "declared_blanks", "blanks"), (decisions, "bottom_count", "rules")):
        real = getattr(module, name)

        def spy(*args, _real=real, _key=key, **kwargs):
            got[_key].append(gc.isenabled())
            return _real(*args, **kwargs)

        monkeypatch.setattr(module, name, spy)
    return got


@pytest.mark.parametrize("state", [True, False])
def test_a_run_makes_its_records_with_the_collector_paused_and_leaves_it_as_it_found_it(seen, state):
    crit = api.load_criteria(EXAMPLE_CRITERIA)
    try:
        (gc.enable if state else gc.disable)()
        scored = api.score(crit, EXAMPLE_DATA)
        assert gc.isenabled() is state
        assert api.decide(scored)
        assert gc.isenabled() is state
        assert api.validate(crit, EXAMPLE_DATA).ok
        assert gc.isenabled() is state
    finally:
        gc.enable()
    assert seen["gaps"] == [False, False] and seen["blanks"] == [False] and seen["rules"] and not any(seen["rules"])


def test_a_batch_command_run_as_its_own_process_keeps_what_a_paused_block_made_out_of_the_collectors_sight():
    """``keep`` (set by the command line run as its own process): the records of a paused block are
    frozen, never walked again; in a caller's process (``keep`` off) they are collected as usual."""
    from scoring.core import cycles

    assert cycles.keep is False  # the command line run in-process (the tests) never sets it
    gc.unfreeze()
    try:
        with cycles.paused():
            made = [[k] for k in range(1000)]
        assert gc.get_freeze_count() == 0
        cycles.keep = True
        with cycles.paused():
            made += [[k] for k in range(1000)]
        assert gc.get_freeze_count() >= 2000
    finally:
        cycles.keep = False
        gc.unfreeze()


@pytest.mark.parametrize("fmt", ["html", "xlsx"])
def test_a_streamed_report_is_written_with_the_collector_paused_and_leaves_it_running(tmp_path, monkeypatch, fmt):
    """The HTML and XLSX office reports make each unit's sheet and rows as they stream (containers by the
    million at province size, freed as they go): the collector is paused while they are written."""
    from scoring.report import view, write_report

    during: list[bool] = []
    real = view.sheet_heads

    def spy(*args, **kwargs):
        during.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(view, "sheet_heads", spy)
    scored = api.score(api.load_criteria(EXAMPLE_CRITERIA), EXAMPLE_DATA)
    assert gc.isenabled()
    write_report(tmp_path / f"office.{fmt}", fmt, scored.results, api.decide(scored))
    assert during and not any(during) and gc.isenabled()
