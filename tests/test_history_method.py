"""change_vs_last_year and how last year's values reach it (``<field>@上年`` columns)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from history_support import dataset, plan_of, record_for
from scoring.history.seal import finalize as seal_finalize
from scoring.core.engine import derive, score
from scoring.core.methods import Column
from scoring.errors import CriteriaError, DataError
from scoring.history.previous import attach_previous
from scoring.history.store import open_store
from scoring.load.criteria_file import parse_criteria
from scoring.registry import load_registry
from scoring_plugins.change import ChangeVsLastYear

M = ChangeVsLastYear()
counts = st.one_of(st.just(float("nan")), st.integers(0, 200).map(float))
params = st.fixed_dictionaries(
    {
        "per_gain": st.sampled_from([0, 0.05, 0.5, 1]),
        "gain_cap": st.one_of(st.none(), st.sampled_from([0.5, 2])),
        "per_loss": st.sampled_from([0.1, 1]),
        "loss_cap": st.one_of(st.none(), st.sampled_from([2, 5])),
        "lower_is_better": st.booleans(),
    }
)


@given(st.lists(st.tuples(counts, counts), min_size=1, max_size=12), params, st.booleans())
def test_change_points_follow_the_rule(pairs, raw, bonus):
    p = M.Params(**raw)
    cur = np.array([a for a, _ in pairs])
    prev = np.array([b for _, b in pairs])
    full = 3.0
    got = M.score(Column({"人数": cur, "人数@上年": prev}, full, bonus), p).points
    base = 0.0 if bonus else full - (p.gain_cap or 0.0)
    for c, b, g in zip(cur, prev, got):
        if math.isnan(c) or math.isnan(b):
            assert math.isnan(g)  # a missing year is never a change of 0
            continue
        d = (b - c) if p.lower_is_better else (c - b)
        gain = min(max(d, 0) * p.per_gain, p.gain_cap if p.gain_cap is not None else math.inf)
        loss = min(max(-d, 0) * p.per_loss, p.loss_cap if p.loss_cap is not None else math.inf)
        expected = base + gain - loss
        assert g == pytest.approx(expected if bonus else min(max(expected, 0.0), full))
        if p.gain_cap is not None:
            assert g <= base + p.gain_cap + 1e-9
        if p.loss_cap is not None:
            assert g >= (base - p.loss_cap if bonus else 0.0) - 1e-9
    order = list(range(len(pairs)))[::-1]  # permuting units permutes points
    again = M.score(Column({"人数": cur[order], "人数@上年": prev[order]}, full, bonus), p).points
    assert np.array_equal(again, got[order], equal_nan=True)


def test_domain_example_and_explanation():
    p = M.Params(per_gain=0.05, gain_cap=0.5, per_loss=0.1, loss_cap=2)
    got = M.score(Column({"编制人数": np.array([45.0, 60, 38, 10]), "编制人数@上年": np.array([40.0, 40, 40, 40])}, 0.5, True), p)
    assert list(np.round(got.points, 6)) == [0.25, 0.5, -0.2, -2.0]
    why = M.lost_reason(p, {"编制人数": 10.0, "编制人数@上年": 40.0}, -2.0, 0.5, {}, "zh")
    assert why == "编制人数今年10，上年40，减少30，扣2分（已达扣分上限）"
    assert "每增加1个加0.05分（最多加0.5分）" in M.rule(p, 0.5)
    with pytest.raises(ValidationError):
        M.Params(per_gain=0, per_loss=0)


# ---------------------------------------------------------------------------- plan and engine
CRIT = """
[assessment]
name = "某县{year}年度考核"
year = {year}
categories = ["部门"]

[history]
series = "某县年度考核"
{aliases}

[[modules]]
id = "m"
name = "工作"
weights = {{ "部门" = 100 }}
bonus = {{ min = -2, max = 0.5 }}

[[indicators]]
id = "A"
module = "m"
name = "基础工作"
full = 100
method = "supplied"
field = "基础分"

[[indicators]]
id = "B"
module = "m"
name = "执法人员增减"
full = 0.5
bonus = true
method = "change_vs_last_year"
field = "执法人员数"
params = {{ per_gain = 0.05, gain_cap = 0.5, per_loss = 0.1, loss_cap = 2 }}
missing = "{missing}"

[[fields]]
name = "基础分"
max = 100

[[fields]]
name = "执法人员数"
kind = "{kind}"

[[fields]]
name = "人员增长率"
kind = "number"
formula = "(执法人员数 - [执法人员数@上年]) / [执法人员数@上年] * 100"
"""


def crit(year=2020, missing="error", aliases="", kind="count") -> str:
    return CRIT.format(year=year, missing=missing, aliases=aliases, kind=kind)


def test_plan_reads_last_years_value_and_formulas_may_too():
    plan, _, _ = plan_of(crit())
    assert plan.leaves["B"].reads == ["执法人员数", "执法人员数@上年"]
    assert plan.previous == ["执法人员数@上年"]
    bad = crit().replace("[执法人员数@上年]", "[加班时长@上年]")
    with pytest.raises(CriteriaError) as e:
        plan_of(bad)
    assert {p.code for p in e.value.problems} == {"criteria.unknown_field"}


def test_missing_last_year_is_an_error_not_zero():
    plan, _, _ = plan_of(crit(missing="error"))
    d = dataset(["D1", "D2"], ["部门", "部门"], {"基础分": [90, 80], "执法人员数": [10, 12], "执法人员数@上年": [8, np.nan]})
    with pytest.raises(DataError) as e:
        score(plan, d)
    (p,) = e.value.problems
    assert p.code == "data.missing_previous" and p.args["unit"] == "D2" and p.args["year"] == 2019
    assert "上年度（2019年）" in p.message() and "missing" in p.hint()


@pytest.mark.parametrize("policy,expected", [("exclude", None), ("zero", 0.0)])
def test_missing_last_year_follows_the_declared_policy(policy, expected):
    plan, _, _ = plan_of(crit(missing=policy))
    d = dataset(["D1", "D2"], ["部门", "部门"], {"基础分": [90, 80], "执法人员数": [10, 12], "执法人员数@上年": [8, np.nan]})
    res = score(plan, d)
    from scoring.core.explain import unit_sheet

    cs = res.categories["部门"]
    b1, b2 = (next(i for i in unit_sheet(res, cs, k)["indicators"] if i["id"] == "B") for k in (0, 1))
    assert b1["points"] == 0.1 and b1["inputs"] == {"执法人员数": 10.0, "执法人员数@上年": 8.0}
    assert b2["points"] == expected and "无上年数据" in b2["reason"]
    assert list(res.categories["部门"].total) == [90.1, 80.0]


# ---------------------------------------------------------------------------- from the store
def _year(tmp, year, units, base, staff, **kw):
    c = tmp / f"c-{year}.toml"
    kw.setdefault("missing", "exclude")
    c.write_text(crit(year, **kw), encoding="utf-8")
    folder = tmp / f"d-{year}"
    folder.mkdir()
    from history_support import write_csv

    write_csv(folder / "units.csv", ["单位编号", "单位名称", "类别"], [[u, n, "部门"] for u, n in units])
    write_csv(folder / "人事.csv", ["单位编号", "基础分", "执法人员数"], [[u, b, "" if s is None else s] for (u, _), b, s in zip(units, base, staff)])
    return c, folder


def _publish(tmp, db, c, folder):
    rec, _ = record_for(c, folder)
    with open_store(db, create=True) as s:
        run = s.save(rec)
        seal_finalize(s, run, "x")
    return run


ALIASES = '''
[[history.aliases]]
old = "D2"
new = "D9"
year = 2020
note = "合并"

[[history.aliases]]
old = "D3"
new = "D9"
year = 2020

[[history.aliases]]
old = "D4"
new = "D5"
year = 2020
note = "更名"
'''


def _load(c, folder):
    raw = c.read_bytes()
    criteria, _, _ = parse_criteria(raw, str(c))
    reg = load_registry([])
    from scoring.core.plan import build_plan
    from scoring.load.submissions import read_folder

    return build_plan(criteria, reg.methods), read_folder(folder, criteria)


def test_last_year_from_the_published_run_through_renames_and_mergers(tmp_path):
    db = tmp_path / "h.sqlite"
    c19, d19 = _year(tmp_path, 2019, [("D1", "甲局"), ("D2", "乙局"), ("D3", "丙局"), ("D4", "丁局")], [90, 80, 70, 60], [10, 4, 5, 7])
    run19 = _publish(tmp_path, db, c19, d19)
    c20, d20 = _year(
        tmp_path,
        2020,
        [("D1", "甲局"), ("D9", "乙丙局"), ("D5", "丁局（新）"), ("D6", "新设局")],
        [90, 80, 70, 60],
        [12, 10, 6, 3],
        missing="exclude",
        aliases=ALIASES,
    )
    plan, data = _load(c20, d20)
    with open_store(db) as s:
        filled, notes = attach_previous(data, plan, s)
    prev = dict(zip(filled.ids, filled.values["执法人员数@上年"]))
    assert prev["D1"] == 10 and prev["D9"] == 9 and prev["D5"] == 7  # D2 + D3 merged; D4 renamed
    assert math.isnan(prev["D6"])  # a new unit has no last year
    assert filled.sources["执法人员数@上年"] == f"第{run19}号运行（2019年）"
    assert [n.code for n in notes] == ["hist.prev_from"]
    res = score(plan, filled)
    pts = dict(zip(filled.ids, res.categories["部门"].indicators["B"].points))
    assert pts["D1"] == 0.1 and pts["D9"] == 0.05 and pts["D5"] == -0.1 and math.isnan(pts["D6"])
    growth = dict(zip(filled.ids, derive(plan, filled)["人员增长率"]))
    assert growth["D1"] == pytest.approx(20.0)  # formulas can read last year too


def test_merged_units_have_no_combined_value_unless_it_is_a_count(tmp_path):
    db = tmp_path / "h.sqlite"
    c19, d19 = _year(tmp_path, 2019, [("D2", "乙局"), ("D3", "丙局")], [80, 70], [4, 5], kind="number")
    _publish(tmp_path, db, c19, d19)
    c20, d20 = _year(tmp_path, 2020, [("D9", "乙丙局")], [80], [10], missing="exclude", aliases=ALIASES, kind="number")
    plan, data = _load(c20, d20)
    with open_store(db) as s:
        filled, notes = attach_previous(data, plan, s)
    assert math.isnan(filled.values["执法人员数@上年"][0])
    assert "hist.prev_merged" in [n.code for n in notes]


def test_no_published_last_year_leaves_values_missing_and_says_so(tmp_path):
    db = tmp_path / "h.sqlite"
    c19, d19 = _year(tmp_path, 2019, [("D1", "甲局")], [80], [4])
    rec, _ = record_for(c19, d19)
    with open_store(db, create=True) as s:
        s.save(rec)  # a draft only
    c20, d20 = _year(tmp_path, 2020, [("D1", "甲局")], [80], [6], missing="exclude")
    plan, data = _load(c20, d20)
    with open_store(db) as s:
        filled, notes = attach_previous(data, plan, s)
    assert "执法人员数@上年" not in filled.values and [n.code for n in notes] == ["hist.prev_drafts"]
    filled, notes = attach_previous(data, plan, None)
    assert [n.code for n in notes] == ["hist.prev_none"]


# ---------------------------------------------------------------------------- criteria: [history]
@pytest.mark.parametrize(
    "aliases,code",
    [
        ('[[history.aliases]]\nold = "D1"\nnew = "D1"', "criteria.alias_self"),
        ('[[history.aliases]]\nold = "D1"\nnew = "D2"\n[[history.aliases]]\nold = "D2"\nnew = "D1"', "criteria.alias_cycle"),
        ('[[history.aliases]]\nold = "D1"\nnew = "D2"\nyear = 2031', "criteria.alias_future"),
    ],
)
def test_alias_mistakes_are_located(aliases, code):
    from scoring.load.criteria_file import key_lines, locate

    text = crit(aliases=aliases)
    with pytest.raises(CriteriaError) as e:
        plan_of(text)
    assert [p.code for p in e.value.problems] == [code]
    (p,) = locate(e.value.problems, "c.toml", key_lines(text))
    assert p.line is not None
    line = text.splitlines()[p.line - 1]
    assert "history" in line or line.startswith("year")


def test_history_table_refuses_unknown_keys_and_series_defaults_to_name_without_year():
    with pytest.raises(CriteriaError) as e:
        parse_criteria(crit().replace('series = "某县年度考核"', 'series = "x"\nserie = "y"').encode(), "c.toml")
    assert e.value.problems[0].code == "criteria.unknown_key"
    criteria, _, _ = parse_criteria(crit().replace('series = "某县年度考核"\n', "").encode(), "c.toml")
    assert criteria.series == "某县年度考核"
