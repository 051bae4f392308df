"""Decisions: the 姚安 rule set as data, quotas at boundary ties, vetoes, margins by brute force."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from builders import examples
from scoring.core.criteria import Criteria
from scoring.core.dataset import Dataset
from scoring.core.decisions import Outcome, decide, outcomes_of
from scoring.core.engine import rank_totals, score
from scoring.core.plan import build_plan
from scoring.registry import load_registry

import tomli

REG = load_registry()

# 姚安县综合绩效考核末位淘汰实施办法 (a complete, published rule set), written as criteria.
YAOAN = """
[assessment]
name = "姚安县综合绩效考核（测试）"
year = 2020
categories = ["乡镇", "部门"]
[[modules]]
id = "m"
name = "综合绩效"
weights = { "乡镇" = 100, "部门" = 100 }
[[indicators]]
id = "T"
module = "m"
name = "综合得分"
full = 100
method = "supplied"
field = "得分"
[[fields]]
name = "得分"
max = 100
[[fields]]
name = "否决"
kind = "count"
[[vetoes]]
id = "V"
name = "红线事件"
kind = "fail"
field = "否决"
[[grades]]
bands = [ { name = "合格", min = 85 }, { name = "不合格", max = 85 } ]
[decisions]
close_margin = 0.5
[[decisions.rules]]
id = "A1"
name = "不合格"
consequence = "全县通报；诫勉谈话；不得评先评优"
when = { total_below = 85 }
[[decisions.rules]]
id = "A2"
name = "连续两年不合格"
consequence = "组织调整"
when = { total_below = 85 }
look_back = { years = 2, times = 2 }
[[decisions.rules]]
id = "T1"
name = "乡镇末位"
consequence = "提醒谈话"
when = { bottom = 1 }
applies_to = ["乡镇"]
[[decisions.rules]]
id = "T2"
name = "乡镇连续两年末位"
consequence = "诫勉谈话；组织调整"
when = { bottom = 1 }
look_back = { years = 2, times = 2 }
applies_to = ["乡镇"]
[[decisions.rules]]
id = "T3"
name = "乡镇三年内两次末位"
consequence = "组织调整"
when = { bottom = 1 }
look_back = { years = 3, times = 2 }
applies_to = ["乡镇"]
[[decisions.rules]]
id = "B1"
name = "部门后10%"
consequence = "提醒谈话"
when = { bottom_percent = 10, rounding = "ceil" }
applies_to = ["部门"]
[[decisions.rules]]
id = "B2"
name = "部门连续两年后10%"
consequence = "组织调整"
when = { bottom_percent = 10, rounding = "ceil" }
look_back = { years = 2, times = 2 }
applies_to = ["部门"]
"""


def criteria(text: str = YAOAN) -> Criteria:
    return Criteria.model_validate(tomli.loads(text))


def outcomes(year: int, cat: str, totals: dict[str, float], failed=()) -> list[Outcome]:
    ids = list(totals)
    t = np.array([totals[u] for u in ids])
    f = np.array([u in failed for u in ids])
    ranks = rank_totals(t, f, [], 2)
    return [
        Outcome(year, u, cat, totals[u], int(r), len(ids), "不合格" if totals[u] < 85 or u in failed else "合格", u in failed, name=u)
        for u, r in zip(ids, ranks)
    ]


# Three years of 5 乡镇 and 12 部门, worked out by hand below.
TOWNS = {
    2018: {"甲镇": 90, "乙镇": 84, "丙镇": 88, "丁镇": 91, "戊镇": 86},  # last: 乙镇 (84, also 不合格)
    2019: {"甲镇": 89, "乙镇": 87, "丙镇": 85.5, "丁镇": 92, "戊镇": 84.9},  # last: 戊镇 (不合格)
    2020: {"甲镇": 88, "乙镇": 83, "丙镇": 86, "丁镇": 90, "戊镇": 84.6},  # last: 乙镇; 不合格: 乙镇, 戊镇
}
DEPTS_2019 = {f"部门{i:02d}": 80 + i for i in range(1, 13)}  # bottom 2 (ceil 10 % of 12): 部门01, 部门02
DEPTS_2020 = {**{f"部门{i:02d}": 86 + i for i in range(1, 13)}, "部门02": 85.2, "部门05": 85.1}  # bottom 2: 部门05, 部门02


def run_yaoan(history_years=(2018, 2019)):
    c = criteria()
    current = outcomes(2020, "乡镇", TOWNS[2020]) + outcomes(2020, "部门", DEPTS_2020)
    history = {y: outcomes(y, "乡镇", TOWNS[y]) + (outcomes(y, "部门", DEPTS_2019) if y == 2019 else []) for y in history_years}
    return {(r.rule.id, r.category): r for r in decide(c, current, history)}


def caught(r, status="caught"):
    return sorted(c.unit.unit_id for c in r.catches if c.status == status)


def test_yaoan_rule_set_by_hand():
    res = run_yaoan()
    assert caught(res["A1", "乡镇"]) == ["乙镇", "戊镇"]  # 83 and 84.6 < 85
    assert caught(res["A1", "部门"]) == []
    # two years running below 85: 戊镇 (84.9 in 2019, 84.6 in 2020); 乙镇 was 87 in 2019
    assert caught(res["A2", "乡镇"]) == ["戊镇"]
    assert caught(res["T1", "乡镇"]) == ["乙镇"]
    # last place two years running: 2019's last was 戊镇, so 乙镇 escapes T2 …
    assert caught(res["T2", "乡镇"]) == []
    # … but 乙镇 was last in 2018 and 2020: twice in three years
    assert caught(res["T3", "乡镇"]) == ["乙镇"]
    assert res["T3", "乡镇"].catches[0].years_caught == [2020, 2018]
    # 10 % of 12 departments, rounded up = 2
    assert caught(res["B1", "部门"]) == ["部门02", "部门05"]
    # 部门02 was in 2019's bottom 2 as well; 部门05 was not
    assert caught(res["B2", "部门"]) == ["部门02"]
    assert ("T1", "部门") not in res  # applies_to keeps the 乡镇 rules off departments


def test_margins_and_nearest_unit_outside():
    res = run_yaoan()
    a1 = res["A1", "乡镇"]
    margins = {c.unit.unit_id: c.margin for c in a1.catches}
    assert margins == {"乙镇": 2.0, "戊镇": 0.4}
    assert {c.unit.unit_id: c.close for c in a1.catches} == {"乙镇": False, "戊镇": True}
    assert a1.nearest_outside.unit_id == "丙镇" and a1.outside_margin == 1.0
    t1 = res["T1", "乡镇"]
    assert t1.catches[0].margin == pytest.approx(1.6)  # 乙镇 83 vs 戊镇 84.6
    assert t1.nearest_outside.unit_id == "戊镇"


def test_missing_history_is_said_not_guessed():
    res = run_yaoan(history_years=(2019,))  # 2018 missing
    t3 = res["T3", "乡镇"]
    # 乙镇: caught 2020, not 2019, 2018 unknown -> could still be twice in three years
    assert caught(t3, "undetermined") == ["乙镇"]
    assert t3.catches[0].years_missing == [2018]
    res = run_yaoan(history_years=())
    assert caught(res["A2", "乡镇"], "undetermined") == ["乙镇", "戊镇"]
    assert caught(res["A2", "乡镇"]) == []


def test_vetoed_unit_is_last_and_caught_without_margin():
    c = criteria()
    cur = outcomes(2020, "乡镇", {"甲镇": 95, "乙镇": 88, "丙镇": 86}, failed={"甲镇"})
    res = {(r.rule.id, r.category): r for r in decide(c, cur, {})}
    t1 = res["T1", "乡镇"]
    assert caught(t1) == ["甲镇"]
    assert t1.catches[0].margin is None  # no number of points escapes a veto


def _engine_run(text: str, scores: dict[str, float], cat="部门"):
    c = criteria(text)
    plan = build_plan(c, REG.methods)
    ids = list(scores)
    data = Dataset(ids, ids, [cat] * len(ids), {"得分": np.array([scores[u] for u in ids], float), "否决": np.zeros(len(ids))})
    return score(plan, data)


QUOTA = YAOAN.replace(
    'bands = [ { name = "合格", min = 85 }, { name = "不合格", max = 85 } ]',
    'bands = [ { name = "优秀", min = 90 }, { name = "合格", min = 85, max = 90 }, { name = "不合格", max = 85 } ]\n'
    'quotas = [ { grade = "优秀", max_share = 0.2, ties = "TIES" } ]',
)


@pytest.mark.parametrize("ties, expected", [("exclude", {"a"}), ("include", {"a", "b", "c"})])
def test_grade_quota_tie_at_boundary(ties, expected):
    # 10 units, 20 % → 2 places; b and c tie for the second place
    scores = {"a": 95, "b": 92, "c": 92, "d": 91, **{k: 80 + i for i, k in enumerate("efghij")}}
    res = _engine_run(QUOTA.replace("TIES", ties), scores)
    cs = res.categories["部门"]
    got = {res.data.ids[i] for p, i in enumerate(cs.index) if cs.grade[p] == "优秀"}
    assert got == expected
    dropped = {res.data.ids[i] for p, i in enumerate(cs.index) if cs.grade_why[p] == "quota:优秀"}
    assert dropped == {"a", "b", "c", "d"} - expected
    assert all(cs.grade[p] == "合格" for p, i in enumerate(cs.index) if res.data.ids[i] in dropped)


def test_outcomes_of_engine_results_feed_decisions():
    res = _engine_run(YAOAN, {"a": 90, "b": 84, "c": 86})
    out = {o.unit_id: o for o in outcomes_of(res)}
    assert out["b"].rank == 3 and out["b"].of == 3 and out["b"].grade == "不合格"
    proposal = {(r.rule.id, r.category): r for r in decide(res.criteria, list(out.values()), {})}
    assert caught(proposal["B1", "部门"]) == ["b"]  # ceil(10 % × 3) = 1


totals_st = st.lists(st.integers(min_value=6000, max_value=10000), min_size=2, max_size=30)


@settings(max_examples=examples(60), deadline=None)
@given(totals_st, st.integers(min_value=1, max_value=5), st.integers(min_value=7000, max_value=9500))
def test_margins_match_brute_force(raw, k, line_raw):
    """Gaining the margin (plus one hundredth) escapes the rule; gaining less does not."""
    totals = {f"u{i}": v / 100 for i, v in enumerate(raw)}
    line = line_raw / 100
    text = YAOAN.replace("total_below = 85 }\n[[decisions.rules]]\nid = \"A2\"", f"total_below = {line} }}\n[[decisions.rules]]\nid = \"A2\"")
    text = text.replace(
        'when = { bottom_percent = 10, rounding = "ceil" }\napplies_to = ["部门"]\n[[decisions.rules]]\nid = "B2"',
        f'when = {{ bottom = {k} }}\napplies_to = ["部门"]\n[[decisions.rules]]\nid = "B2"',
    )
    c = criteria(text)

    def rules_catch(tot):
        res = {(r.rule.id, r.category): r for r in decide(c, outcomes(2020, "部门", tot), {})}
        return res["A1", "部门"], res["B1", "部门"]

    for r in rules_catch(totals):
        for ct in r.catches:
            u = ct.unit.unit_id
            if ct.margin is None:  # only when every unit is caught: nobody outside to overtake
                assert r.nearest_outside is None
                continue
            up = dict(totals, **{u: round(totals[u] + ct.margin + 0.01, 2)})
            assert u not in {x.unit.unit_id for x in (rules_catch(up)[0 if r.rule.id == "A1" else 1]).catches}
            if ct.margin >= 0.01 and r.rule.id == "A1":
                short = dict(totals, **{u: round(totals[u] + ct.margin - 0.01, 2)})
                assert u in {x.unit.unit_id for x in rules_catch(short)[0].catches}
