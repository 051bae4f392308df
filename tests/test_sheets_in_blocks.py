"""Score sheets made for many units at once (their lines a column at a time: reports, stored runs)
are the very sheets made one unit at a time (explain, a unit's paper): same keys, values, order."""

from __future__ import annotations

import subprocess
import sys

import pytest

from helpers import ROOT, scored
from scoring.core.explain import ranked, unit_sheet, unit_sheets
from scoring.history.record import result_rows

EXAMPLES = [(ROOT / "criteria" / f"{name}.toml", ROOT / "examples" / name) for name in ("yitong-2020", "yaoan-2018", "yaoan-2019", "yaoan-2020")]


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """The benchmark's county criteria: every built-in method, caps, bonus, vetoes, blanks."""
    out = tmp_path_factory.mktemp("bench")
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"), "county", "--out", str(out)], check=True, capture_output=True)
    return out / "county" / "criteria.toml", out / "county" / "data"


def cases(generated):
    return [*EXAMPLES, generated]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_sheets_made_together_are_the_sheets_made_one_by_one(generated, lang):
    for criteria, data in cases(generated):
        res = scored(criteria, data)
        for cs in res.categories.values():
            order = ranked(res, cs)
            for start in (0, 1):  # a block from the first unit, and one starting elsewhere
                rows = order[start:]
                assert unit_sheets(res, cs, rows, lang) == [unit_sheet(res, cs, p, lang) for p in rows], (criteria.name, cs.category)


def test_a_stored_run_keeps_the_sheets_made_one_by_one(generated, monkeypatch):
    import json

    import scoring.history.record as record

    for criteria, data in cases(generated):
        res = scored(criteria, data)
        monkeypatch.setattr(record, "BLOCK", 7)  # blocks that split categories unevenly
        units, modules = result_rows(res)
        expected = [unit_sheet(res, cs, p, record.SHEET_LANG) for cs in res.categories.values() for p in ranked(res, cs)]
        assert [json.loads(u.sheet) for u in units] == expected
        assert len(modules) == sum(len(s["modules"]) for s in expected)
