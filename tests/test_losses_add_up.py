"""The losses a sheet lists add up, at every level, to full minus points: a property over
generated criteria with caps on groups and items, bonus ranges and every rounding mode."""

from __future__ import annotations

from hypothesis import event, given, settings

from builders import examples
from scoring.core.engine import score
from scoring.core.explain import loss_items, sheet_heads, unit_sheet
from scoring.core.rounding import round_half_up
from scoring.report.notice import unit_notice
from test_engine import capped_group, cases, plan_of, small, small_data


def _check_sheet(plan, sheet: dict, places: int) -> None:
    eps = 10 ** -(places + 6)
    lines = sheet["indicators"]
    kids: dict = {}
    for line in lines:
        kids.setdefault(line["parent"], []).append(line)
    for line in lines:
        if line["points"] is None:
            continue
        ind = plan.criteria.indicator_map()[line["id"]]
        if line["id"] in kids:  # a group: its children's losses, less what its cap waived (and said so)
            counted = [k for k in kids[line["id"]] if k["points"] is not None]
            waived = line.get("cap", {}).get("waived", 0)
            assert abs(sum(k["lost"] for k in counted) - waived - line["lost"]) < eps, line
            if waived:
                assert line["reason"] and str(ind.max_deduction).rstrip("0").rstrip(".") in line["reason"], line
                assert line["lost"] <= ind.max_deduction + eps
        elif not line["bonus"]:  # a leaf: full that applies minus points, never more than its own cap
            assert abs(line["full"] - line["points"] - line["lost"]) < eps, line
            if ind.max_deduction is not None and line["status"] == "scored":  # "记0分" for no data is declared apart
                assert line["lost"] <= ind.max_deduction + eps, line
            assert bool(line["reason"]) == (line["lost"] > 0 or line.get("status") == "zero_denominator"), line
    items = loss_items(sheet)
    ids = [i["id"] for i in items]
    assert len(ids) == len(set(ids))
    by_id = {line["id"]: line for line in lines}
    for i in items:  # no item is listed together with one above it: no point counted twice
        up = by_id.get(i["id"], {}).get("parent")
        while up is not None:
            assert up not in ids, (i["id"], up)
            up = by_id[up]["parent"]
    for m in sheet["modules"]:
        tops = [line for line in kids.get(None, []) if line["module"] == m["id"]]
        lost = sum(line["lost"] for line in tops if not line["bonus"] and line["points"] is not None)
        listed = sum(i["lost"] for i in items if i["module"] == m["id"] and not i["bonus"])
        assert abs(listed - lost) < eps, (m["id"], listed, lost, items)
        extra = [line["points"] for line in tops if line["bonus"] and line["points"] is not None]
        b = next(x for x in plan.criteria.modules if x.id == m["id"]).bonus
        assert b.min - eps <= m["bonus"] <= b.max + eps
        assert abs(round_half_up(sum(extra), places) - m.get("bonus_items", m["bonus"])) < eps, m
        if "bonus_items" in m:
            assert m["bonus_note"]
        bonus_listed = sum(i["lost"] for i in items if i["module"] == m["id"] and i["bonus"])
        assert abs(bonus_listed - max(-m["bonus"], 0)) < eps, (m, items)
    full = plan.criteria.assessment.total
    assert abs(full - sheet["total"] - sum(m["weight"] - m["contribution"] for m in sheet["modules"])) < 10 ** -(places + 3)


@settings(max_examples=examples(60), deadline=None)
@given(cases(caps=True))
def test_listed_losses_add_up_at_every_level(case):
    doc, data, _, _ = case
    plan = plan_of(doc)
    res = score(plan, data)
    places = doc["assessment"]["precision"]
    for cs in res.categories.values():
        rows = list(range(len(cs.index)))  # the heads made a column at a time are the heads made one by one
        assert sheet_heads(res, cs, rows) == [unit_sheet(res, cs, p, "zh", with_indicators=False) for p in rows]
        for p in rows:
            sheet = unit_sheet(res, cs, p, "zh")
            _check_sheet(plan, sheet, places)
            for kind in {"cap" for x in sheet["indicators"] if "cap" in x} | {
                x["status"] for x in sheet["indicators"] if x.get("status") == "zero_denominator"
            }:
                event(f"reached: {kind}")  # the generated cases do reach group caps and 0 ÷ 0


def test_a_capped_group_says_so_and_the_sheet_lists_what_was_really_lost():
    # the group may lose 30; its children lose 50 + 50 for ZF03
    doc = capped_group()
    doc["modules"][0]["weights"] = {"党群部门": 50, "政府部门": 50, "乡镇(街道)": 50}
    doc["modules"][1]["weights"] = {"党群部门": 50, "政府部门": 50, "乡镇(街道)": 50}
    res = score(plan_of(doc), small_data(学法次数=[6, 4, 0], 备案率=[100, 100, 90]))
    cs = res.categories["政府部门"]
    notice = unit_notice(res, cs, 2, [], "zh")
    group = notice["sheet"]["indicators"][0]
    assert group["lost"] == 30 and group["cap"] == {"max_deduction": 30, "children_lost": 100, "waived": 70}
    assert group["reason"] == "下级指标共扣100.00分，本项累计最多扣30分，计扣30.00分"
    main = next(s for s in notice["sentences"] if s.startswith("主要失分"))
    assert main.startswith("主要失分：组织领导扣30.00分（折合总分15.00分；下级指标共扣100.00分")
    assert "会前学法" not in main and "扣50.00分" not in main
    # below the cap nothing is waived and the children are listed
    notice = unit_notice(res, cs, 1, [], "zh")
    assert "cap" not in notice["sheet"]["indicators"][0] and notice["sheet"]["indicators"][0]["reason"] == ""
    assert any(s.startswith("主要失分：会前学法扣20.00分") for s in notice["sentences"])


def test_a_bonus_cut_by_the_module_range_is_said_and_listed_once():
    doc = small()
    doc["fields"] += [{"name": "通报次数", "kind": "count"}]
    doc["modules"][0]["bonus"] = {"min": -2, "max": 2}
    doc["indicators"].append(
        {"id": "B", "module": "fz", "name": "通报批评", "full": 3, "bonus": True, "method": "events_by_level", "params": {"per": {"通报次数": 1}}}
    )
    res = score(plan_of(doc), small_data(通报次数=[0, 0, 3], 备案率=[100, 100, 100]))
    cs = res.categories["政府部门"]
    sheet = unit_sheet(res, cs, 2)
    mod = sheet["modules"][0]
    assert mod["bonus"] == -2 and mod["bonus_items"] == -3 and "计-2.00分" in mod["bonus_note"]
    rows = list(range(len(cs.index)))  # the heads made a column at a time say it too, for that unit alone
    assert sheet_heads(res, cs, rows) == [unit_sheet(res, cs, p, with_indicators=False) for p in rows]
    (item,) = [i for i in loss_items(sheet) if i["bonus"]]
    assert item["lost"] == 2 and "通报批评-3" in item["reason"]


def test_check_refuses_caps_finer_than_the_precision_scores_keep():
    import pytest

    from scoring.errors import CriteriaError

    doc = small()
    doc["assessment"]["precision"] = 0
    doc["indicators"][0]["max_deduction"] = 9.9  # 49.1 → 49 would lose 1 point more than the cap allows
    doc["modules"][0]["bonus"] = {"min": -0.5, "max": 0.5}  # −0.5 → −1
    with pytest.raises(CriteriaError) as e:
        plan_of(doc)
    got = {(p.code, p.key) for p in e.value.problems}
    assert got == {("criteria.cap_precision", "indicators[0].max_deduction"), ("criteria.bonus_precision", "modules[0].bonus")}
    assert all(p.hint("zh") and p.hint("en") for p in e.value.problems)
