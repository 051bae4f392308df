"""Numbers exactly on a boundary, each worked out by hand, so that a wrong comparison or a
wrong rounding fails here every time (not only under some random seed).

Each test names the mistake it catches."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.core.dataset import Dataset
from scoring.core.decisions import decide
from scoring.core.engine import score
from scoring.core.explain import unit_sheet
from scoring.core.rounding import whole
from test_decisions import criteria, outcomes
from test_engine import plan_of, small, small_data


def _units(n: int, cat: str = "政府部门", **cols) -> Dataset:
    ids = [f"ZF{i:02d}" for i in range(1, n + 1)]
    return Dataset(ids, ids, [cat] * n, {k: np.asarray(v, float) for k, v in cols.items()})


# -- an item's own max_deduction ---------------------------------------------------------
def test_an_items_own_cap_limits_what_it_loses():
    """Catches: the engine dropping an indicator's own max_deduction."""
    doc = small()
    doc["indicators"][0]["max_deduction"] = 12  # 学法: −5 per session short; 0 of 6 would lose 30
    res = score(plan_of(doc), small_data(学法次数=[0, 4, 6], 备案率=[100, 100, 100]))
    cs = res.categories["政府部门"]
    assert cs.indicators["F1"].points.tolist() == [38, 40, 50]  # 50 − 12 (capped), 50 − 10, 50
    line = unit_sheet(res, cs, 0)["indicators"][0]
    assert line["lost"] == 12 and "最多扣12分" in line["reason"]


# -- a module's bonus range --------------------------------------------------------------
def test_a_module_never_goes_beyond_its_bonus_range():
    """Catches: the module's bonus range not enforced (a module reaching 105 of 100 with a +3 range)."""
    doc = small()
    doc["fields"].append({"name": "创建项目", "kind": "count"})
    doc["modules"][0]["bonus"] = {"min": -3, "max": 3}
    doc["indicators"].append(
        {"id": "B", "module": "fz", "name": "示范创建", "full": 5, "bonus": True, "method": "bonus_by_level", "params": {"points": {"创建项目": 1}, "cap": 5}}
    )
    res = score(plan_of(doc), small_data(学法次数=[6, 6, 6], 备案率=[100, 100, 100], 创建项目=[5, 2, 0]))
    m = res.categories["政府部门"].modules["fz"]
    assert m.bonus.tolist() == [3, 2, 0] and m.score.tolist() == [103, 102, 100]


# -- rounding = "round" is half up ---------------------------------------------------------
@pytest.mark.parametrize("x, want", [(0.5, 1), (1.5, 2), (2.5, 3), (3.5, 4), (2.49999, 2), (0.1 * 3 * 10 - 0.5, 3)])
def test_whole_rounds_half_up_not_to_even(x, want):
    """Catches: rounding = "round" done by Python's round() (half to even: 2.5 → 2)."""
    assert whole(x, "round") == want


def test_bottom_percent_rounds_half_up():
    """25 % of 10 units is 2.5: rounding = "round" takes 3, "floor" 2, "ceil" 3."""
    text = """
[assessment]
name = "测试"
year = 2020
categories = ["部门"]
[[modules]]
id = "m"
name = "综合"
weights = { "部门" = 100 }
[[indicators]]
id = "T"
module = "m"
name = "得分"
full = 100
method = "supplied"
field = "得分"
[[fields]]
name = "得分"
max = 100
[[decisions.rules]]
id = "B"
name = "后25%"
consequence = "提醒谈话"
when = { bottom_percent = 25, rounding = "ROUNDING" }
"""
    totals = {f"部门{i:02d}": 80.0 + i for i in range(10)}
    for rounding, k in (("round", 3), ("floor", 2), ("ceil", 3)):
        (r,) = decide(criteria(text.replace("ROUNDING", rounding)), outcomes(2020, "部门", totals))
        assert len(r.catches) == k, rounding


def test_a_grade_quota_share_rounds_half_up():
    """优秀 at most 25 % of 10 units with rounding = "round": 3 keep it, not 2."""
    doc = small()
    doc["grades"] = [
        {
            "bands": [{"name": "优秀", "min": 90}, {"name": "良好", "min": 80, "max": 90}, {"name": "较差", "max": 80}],
            "quotas": [{"grade": "优秀", "max_share": 0.25, "rounding": "round"}],
        }
    ]
    doc["indicators"][2]["params"] = {"scale": 100}
    n = 10
    res = score(plan_of(doc), _units(n, 学法次数=[6] * n, 备案率=[100] * n, 党建得分=[100 - i for i in range(n)]))
    assert res.categories["政府部门"].grade.count("优秀") == 3


# -- a close call at exactly the margin -------------------------------------------------------
def test_a_unit_exactly_at_the_close_margin_is_a_close_call():
    """Catches: "within close_margin" tested with < instead of ≤ (YAOAN: close_margin = 0.5, line 85)."""
    c = criteria()
    cur = outcomes(2020, "部门", {"甲": 84.5, "乙": 84.49, "丙": 85.5, "丁": 85.51, "戊": 90})
    (a1,) = [r for r in decide(c, cur, {}) if r.rule.id == "A1" and r.category == "部门"]
    assert {x.unit.unit_id: (x.margin, x.close) for x in a1.catches} == {"甲": (0.5, True), "乙": (0.51, False)}
    assert a1.nearest_outside.unit_id == "丙" and a1.outside_margin == 0.5  # 0.5 above the line: a close call too


# -- a total exactly on a band's minimum -------------------------------------------------------
def test_a_total_exactly_on_a_bands_minimum_gets_that_band():
    """Catches: a band's min treated as exclusive (90.00 graded 良好 instead of 优秀)."""
    doc = small()
    doc["indicators"][2]["params"] = {"scale": 100}
    res = score(plan_of(doc), _units(4, 学法次数=[6] * 4, 备案率=[100] * 4, 党建得分=[87.18, 87.17, 74.36, 74.35]))
    cs = res.categories["政府部门"]
    # 法治 100 × 22 % + 党建 × 78 %: 87.18 → 90.00 exactly (22 + 68.0004 = 90.0004 → 90.00), 87.17 → 89.99
    assert cs.total.tolist() == [90.0, 89.99, 80.0, 79.99]
    assert cs.grade == ["优秀", "良好", "良好", "较差"]
