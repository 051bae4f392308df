"""What every printed report shows: built once from results, decisions, history and the stamp."""

from __future__ import annotations


import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from scoring.core.decisions import decide, outcomes_of
from scoring.report.stamp import stamp_items
from scoring.report.view import build

from report_support import EXAMPLE_CRITERIA, EXAMPLE_DATA, example, shifted_history, small


@pytest.fixture(scope="module")
def view():
    res, dec, stamp = example()
    return build(res, dec, None, stamp, "zh")


def test_every_unit_once_in_rank_order_with_engine_numbers(view):
    res, _, _ = example()
    assert sorted(u.id for u in view.units) == sorted(res.data.ids)
    for cat in view.categories:
        assert [r.rank for r in cat.rows] == sorted(r.rank for r in cat.rows)
        for r in cat.rows:
            cs2, pos = res.locate(r.id)
            assert cs2.category == cat.name
            assert r.total == float(cs2.total[pos]) and isinstance(r.total, float)
            assert r.contributions == [float(m.contribution[pos]) for m in cs2.modules.values()]


def test_category_average_is_the_mean_of_the_units_module_scores(view):
    for cat in view.categories:
        units = [u for u in view.units if u.category == cat.name]
        for k in range(len(cat.modules)):
            mean = np.mean([u.modules[k]["score"] for u in units])
            assert cat.averages[k] == pytest.approx(mean, abs=0.005 + 1e-9)


def test_lines_drawn_where_the_rules_draw_them(view):
    cats = {c.name: c for c in view.categories}
    gov = cats["政府部门"]
    rank_lines = [ln for ln in gov.lines if ln.kind == "rank"]
    assert len(rank_lines) == 1 and rank_lines[0].rules == ["R6", "R7"]
    assert rank_lines[0].value == 21  # 24 units, bottom 10 % rounded up = 3: the line sits above row 22
    assert "后10%（3名）" in rank_lines[0].label
    grade_line = [ln for ln in gov.lines if ln.kind == "score"]
    assert [(ln.value, ln.rules) for ln in grade_line] == [(80, ["R1", "R2"])]  # 较差 is below 一般's 80
    towns = cats["乡镇(街道)"]
    bottom = [ln for ln in towns.lines if ln.kind == "rank"]
    assert bottom[0].value == 16 and bottom[0].rules == ["R3", "R4", "R5"]
    assert [ln.value for ln in towns.lines if ln.kind == "score"] == [75]


def test_decisions_named_on_the_units_rows(view):
    rows = {r.name: r for c in view.categories for r in c.rows}
    assert rows["县商务局"].decisions == ["R6 提醒谈话", "R7 无法判定（缺2019年定稿结果）"]  # never reads like a sanction in waiting
    assert rows["县商务局"].flag == "caught"
    assert rows["县自然资源局"].failed and rows["县自然资源局"].vetoes.startswith("一票否决：")
    assert rows["县委党校"].decisions == [] and rows["县委党校"].flag is None


def test_proposals_carry_reasons_and_margins(view):
    r6 = next(p for p in view.proposals if p.rule == "R6" and p.category == "政府部门")
    shop = next(u for u in r6.units if u["name"] == "县商务局")
    assert shop["margin"] == pytest.approx(0.06) and shop["margin_text"] == "差0.06分" and shop["close_call"]
    assert "第22名" in shop["reason"]
    assert r6.nearest.startswith("最接近的未触发单位：县农业农村局") and r6.nearest.endswith("（临界）")


def test_history_gives_rank_movement_and_settles_look_backs():
    res, _ = small([f"单位{i}" for i in range(8)])
    hist = shifted_history(res)
    dec = decide(res.criteria, outcomes_of(res), hist)
    v = build(res, dec, hist, None, "zh")
    assert v.years == [2023, 2024]
    for cat in v.categories:
        n = len(cat.rows)
        for r in cat.rows:
            assert r.previous_rank == n + 1 - r.rank  # history reversed every rank
            assert r.ranks_by_year == {2023: n + 1 - r.rank, 2024: r.rank}
    # last this year was first last year: R3 (two years running) catches nobody and is not undetermined
    r3 = [p for p in v.proposals if p.rule == "R3"]
    assert all(not p.units for p in r3)


def test_without_history_no_movement():
    res, dec = small(["甲", "乙", "丙", "丁"])
    v = build(res, dec, None, None, "zh")
    assert v.years == [] and all(r.previous_rank is None for c in v.categories for r in c.rows)
    assert v.stamp == [] and v.footer_stamp == []


def test_report_of_a_stored_run_carries_that_runs_stamp(tmp_path, capsys):
    """A printed report names the run and the same hashes the history store keeps for it."""
    from scoring.cli import main
    from scoring.history.store import open_store

    db = tmp_path / "h.sqlite"
    assert main(["run", str(EXAMPLE_CRITERIA), "--data", str(EXAMPLE_DATA), "--save", "--db", str(db)]) == 0
    out = tmp_path / "r.html"
    assert main(["report", "1", "--db", str(db), "--out", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    with open_store(db) as s:
        run = s.run(1)
    assert run.criteria_sha256 in html and run.data_sha256 in html
    assert "运行编号" in html
    # the same report made from the files has the same hashes (the store keeps what was scored)
    out2 = tmp_path / "r2.html"
    assert main(["report", str(EXAMPLE_CRITERIA), "--data", str(EXAMPLE_DATA), "--out", str(out2)]) == 0
    assert run.data_sha256 in out2.read_text(encoding="utf-8")


def test_stamp_items_label_known_keys_and_keep_unknown_ones():
    items = stamp_items({"data_sha256": "b" * 64, "criteria_sha256": "a" * 64, "engine": "0.2", "zzz": "x"}, "en")
    assert items == [("Criteria SHA-256", "a" * 64), ("Data SHA-256", "b" * 64), ("Engine version", "0.2"), ("zzz", "x")]
    assert stamp_items(None) == []


def test_a_category_without_units_still_makes_every_format():
    res, dec = small(["唯一的镇"])  # 部门 has no unit
    v = build(res, dec, None, None, "zh")
    empty = next(c for c in v.categories if c.name == "部门")
    assert empty.rows == [] and empty.averages == [None, None]
    assert [ln.kind for ln in empty.lines] == ["score"]  # a score line needs no unit; a rank line does
    from scoring.report import render_report

    assert b"\xe5\x94\xaf\xe4\xb8\x80\xe7\x9a\x84\xe9\x95\x87" in render_report("html", res, dec, None, None, "zh")  # 唯一的镇
    assert render_report("xlsx", res, dec, None, None, "zh")[:2] == b"PK"


@settings(max_examples=400, deadline=None)
@given(x=st.one_of(st.floats(min_value=-1e7, max_value=1e7), st.integers(-(10**7), 10**7)), places=st.integers(0, 6))
def test_printed_numbers_are_the_engines_rounding(x, places):
    """The report's fast number formatting prints exactly what fmt (half-up rounding) prints, for rounded and
    unrounded values alike."""
    from scoring.core.rounding import fmt, round_half_up
    from scoring.report.view import ReportView

    class V:
        pass

    v = V()
    v.places = places
    for value in (x, round_half_up(float(x), places), -0.0, None, float("nan")):
        assert ReportView.num(v, value) == fmt(value, places)
