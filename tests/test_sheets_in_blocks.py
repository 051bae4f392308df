"""Score sheets made for many units at once (their lines a column at a time: reports, stored runs)
are the very sheets made one unit at a time (explain, a unit's paper): same keys, values, order."""

from __future__ import annotations

import subprocess
import sys

import pytest

from helpers import ROOT, scored
from scoring.core.explain import ranked, sheet_heads, unit_sheet, unit_sheets
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


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_sheet_heads_made_together_are_the_heads_made_one_by_one(generated, lang):
    """The heads of the sheets (total, rank, modules, vetoes, a cut 附加项's note) with their numbers rounded a
    column at a time are unit_sheet's, one unit at a time; the cases hold vetoes (a cut 附加项:
    tests/test_losses_add_up.py)."""
    seen = {"vetoes": 0}
    for criteria, data in cases(generated):
        res = scored(criteria, data)
        for cs in res.categories.values():
            order = ranked(res, cs)
            for rows in (order, order[1::3]):
                heads = sheet_heads(res, cs, rows, lang)
                assert heads == [unit_sheet(res, cs, p, lang, with_indicators=False) for p in rows], (criteria.name, cs.category)
                seen["vetoes"] += sum(bool(h["vetoes"]) for h in heads)
    assert all(seen.values()), seen


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


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_report_made_in_blocks_says_what_one_unit_at_a_time_says(generated, lang, monkeypatch):
    """The report's sheets made a block at a time (sentences from the lines' columns, HTML rows from
    the columns) are the sheets made for one unit: sentences, cells, and the unit's HTML section."""
    import scoring.report.html as html_mod
    import scoring.report.view as view_mod
    from scoring.api import decide, load_criteria, score
    from scoring.report.html import SCREEN_FONTS, _unit, render_parts

    monkeypatch.setattr(view_mod, "BLOCK", 7)  # blocks that split categories unevenly
    monkeypatch.setattr(html_mod, "BLOCK", 11)  # the HTML report's own blocks
    monkeypatch.setattr(view_mod, "SPAN", 17)  # lines made for 17 units, then parted: blocks of 11 and 6
    for criteria, data in cases(generated):
        scoring = score(load_criteria(criteria), data, db=":memory:")
        view = view_mod.build(scoring.results, decide(scoring, db=":memory:"), None, None, lang)
        units = view.units
        one_by_one = [units[k] for k in range(len(units))]
        parts = list(render_parts(view))
        sections = [p for p in parts if p.startswith('<section class="unit"')]
        assert len(sections) == len(one_by_one), criteria.name
        assert parts[-1 - len(sections) : -1] == sections, criteria.name  # one a unit, between the front and the stamp
        for made, alone, section in zip(units, one_by_one, sections):
            assert made.sentences == alone.sentences, (criteria.name, alone.id)
            assert made.cells == alone.cells, (criteria.name, alone.id)
            assert section == _unit(view, alone, SCREEN_FONTS), (criteria.name, alone.id)


def test_unusual_lines_made_once_for_equal_numbers_are_each_units_own_line(generated):
    """A report's unusual lines (0 ÷ 0, a capped group) are made once for the units whose numbers they read
    are equal, and are then each unit's own line as indicator_line makes it alone."""
    from scoring.core.explain import indicator_line, odd_lines, sheet_columns

    shared = 0
    for criteria, data in cases(generated):
        res = scored(criteria, data)
        for cs in res.categories.values():
            rows = ranked(res, cs)
            for s, c in sheet_columns(res, cs, rows):
                odd = [p for p, usual in zip(rows, c.usual) if not usual]
                lines = odd_lines(res, cs, odd, s)
                assert lines == [indicator_line(res, cs, p, s) for p in odd], (criteria.name, s.indicator.id)
                shared += len(lines) - len({id(line) for line in lines})
    assert shared  # the cases hold lines that units share


def test_a_span_of_lines_is_cut_into_the_blocks_its_category_would_be_cut_into():
    """The lines are made for SPAN units at a time and parted into every report's blocks: SPAN is a multiple
    of each block size, so the blocks (and the order the workbook numbers its shared texts in) are the same."""
    import scoring.report.html as html_mod
    import scoring.report.view as view_mod
    import scoring.report.xlsx as xlsx_mod

    for size in (view_mod.BLOCK, html_mod.BLOCK, xlsx_mod.LINES):
        assert view_mod.SPAN % size == 0, size
