"""A zero denominator is its own state, declared per indicator and shown with the values it came from."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from builders import NaN
from helpers import cli_process
from scoring.core.criteria import Criteria
from scoring.core.engine import score
from scoring.core.explain import unit_sheet
from scoring.errors import CriteriaError
from test_engine import plan_of, small, small_data

ROOT = Path(__file__).resolve().parents[1]


def court(policy: str | None, missing: str = "error") -> dict:
    """small(): F2 reads 出庭率 = 出庭次数 / 应诉案件数 × 100, with the given zero_denominator."""
    doc = small(missing)
    doc["fields"] += [
        {"name": "出庭次数", "kind": "count", "unit": "次"},
        {"name": "应诉案件数", "kind": "count", "unit": "件"},
        {"name": "出庭率", "kind": "rate", "formula": "出庭次数 / 应诉案件数 * 100"},
    ]
    doc["indicators"][1] = {
        "id": "F2",
        "module": "fz",
        "name": "负责人出庭应诉",
        "full": 50,
        "method": "rate_threshold",
        "field": "出庭率",
        "params": {"target": 80, "step": 10, "per_step": 10},
        "missing": missing,
    }
    if policy is not None:
        doc["indicators"][1]["zero_denominator"] = policy
    return doc


# ZF01 3 of 4 (75 %), ZF02 0 of 0, ZF03 1 of 2 (50 %); 学法 6 / 4 / 6 → F1 50 / 40 / 50
DATA = dict(出庭次数=[3, 0, 1], 应诉案件数=[4, 0, 2])


def f2_line(res, pos: int, lang: str = "zh") -> dict:
    cs = res.categories["政府部门"]
    return next(x for x in unit_sheet(res, cs, pos, lang)["indicators"] if x["id"] == "F2")


@pytest.mark.parametrize(
    "policy, points, base, words",
    [
        ("exclude", None, 80, "不参评"),  # 40 of the 50 points that apply
        ("full", 50, 90, "得满分"),  # (40 + 50) of 100
        ("zero", 0, 40, "记0分"),  # (40 + 0) of 100
    ],
)
def test_each_declared_policy_scores_and_says_what_it_did(policy, points, base, words):
    res = score(plan_of(court(policy)), small_data(**DATA))
    cs = res.categories["政府部门"]
    assert cs.modules["fz"].base[1] == base
    line = f2_line(res, 1)
    assert line["points"] == points and line["status"] == "zero_denominator"
    assert line["reason"].startswith("应诉案件数为0，") and words in line["reason"]
    assert "未报送" not in line["reason"] and "未声明" not in line["reason"]
    # the inputs are the values the unit really submitted, never null
    assert line["inputs"] == {"出庭次数": 0.0, "应诉案件数": 0.0}
    assert line["zero_denominator"] == {"policy": policy, "declared": True, "denominator": "应诉案件数"}
    assert "is 0" in f2_line(res, 1, "en")["reason"]
    # units with a denominator keep their ordinary explanation
    assert f2_line(res, 0)["status"] == "scored" and f2_line(res, 0)["inputs"] == {"出庭率": 75.0}


def test_undeclared_means_left_out_and_the_sheet_says_it_is_the_default():
    res = score(plan_of(court(None)), small_data(**DATA))
    line = f2_line(res, 1)
    assert line["points"] is None and line["zero_denominator"]["declared"] is False
    assert "不参评" in line["reason"] and "默认" in line["reason"] and "zero_denominator" in line["reason"]


def test_zero_denominator_is_not_missing_data_even_where_missing_is_an_error():
    # missing = "error" refuses blanks; a submitted 0 ÷ 0 is not a blank
    res = score(plan_of(court("full", missing="error")), small_data(**DATA))
    assert res.categories["政府部门"].indicators["F2"].points[1] == 50


def test_a_blank_input_is_still_missing_not_a_zero_denominator():
    res = score(plan_of(court("full", missing="exclude")), small_data(出庭次数=[3, NaN, 1], 应诉案件数=[4, 0, 2]))
    line = f2_line(res, 1)
    assert line["status"] == "excluded" and line["points"] is None and "未报送" in line["reason"]


def test_a_formula_on_a_zero_denominator_rate_inherits_the_state():
    doc = court("zero")
    doc["fields"].append({"name": "出庭率折算", "kind": "rate", "formula": "min(出庭率 * 1.0, 100)"})
    doc["indicators"][1]["field"] = "出庭率折算"
    res = score(plan_of(doc), small_data(**DATA))
    line = f2_line(res, 1)
    assert line["status"] == "zero_denominator" and line["points"] == 0
    assert line["inputs"] == {"出庭次数": 0.0, "应诉案件数": 0.0} and line["reason"].startswith("应诉案件数为0")


def test_a_compound_denominator_is_named_as_written():
    doc = court("exclude")
    doc["fields"] += [{"name": "二审案件数", "kind": "count"}]
    doc["fields"][-2]["formula"] = "出庭次数 / (应诉案件数 + 二审案件数) * 100"
    res = score(plan_of(doc), small_data(**DATA, 二审案件数=[0, 0, 0]))
    assert f2_line(res, 1)["reason"].startswith("（应诉案件数 + 二审案件数）为0")


def _problems(doc) -> list:
    with pytest.raises(CriteriaError) as e:
        plan_of(doc)
    return e.value.problems


def test_check_refuses_a_declaration_with_nothing_to_divide():
    doc = small()
    doc["indicators"][0]["zero_denominator"] = "full"  # 学法次数 is submitted, no formula
    (p,) = _problems(doc)
    assert p.code == "criteria.zero_denominator_unused" and p.key == "indicators[0].zero_denominator"
    assert "学法次数" in p.render("zh") and p.hint("zh")


def test_check_refuses_an_unknown_policy():
    doc = court("no_points")
    with pytest.raises(Exception) as e:
        Criteria.model_validate(doc)
    assert "zero_denominator" in str(e.value)


def test_bundled_example_shows_the_zero_denominator_with_its_inputs(tmp_path):
    out = cli_process("run", ROOT / "criteria/yitong-2020.toml", "--data", ROOT / "examples/yitong-2020", "--format", "json", check=True).stdout
    lines = [(u["id"], x) for c in json.loads(out)["categories"] for u in c["units"] for x in u["indicators"] if x.get("status") == "zero_denominator"]
    assert lines
    for _, x in lines:
        assert None not in x["inputs"].values() and x["zero_denominator"]["declared"]
        assert x["reason"].startswith(x["zero_denominator"]["denominator"] + "为0") and "未报送" not in x["reason"]
    dq01 = dict(lines)["DQ01"]  # 县政府办公室.csv: DQ01 reported 0 applications and 0 replies
    assert dq01["inputs"] == {"按时答复数": 0.0, "依申请公开申请数": 0.0}


# --------------------------------------------------------------------------- relative_to_best when the best is 0
from builders import points as method_points  # noqa: E402


@pytest.mark.parametrize("lower", [False, True])
def test_best_of_zero_gives_the_same_declared_answer_both_ways(lower):
    # everyone at 0: each unit equals the best, whichever direction is better
    assert method_points("relative_to_best", {"lower_is_better": lower}, 10, x=[0, 0]) == [10, 10]
    assert method_points("relative_to_best", {"lower_is_better": lower, "best_zero": "zero"}, 10, x=[0, 0]) == [0, 0]


def test_best_of_zero_is_in_the_rule_text_and_the_reason():
    from builders import method, params

    m = method("relative_to_best")
    assert "最优值为0时，值为0的单位得满分" in m.rule(params("relative_to_best"), 10)
    p = params("relative_to_best", best_zero="zero")
    assert "得0分" in m.rule(p, 10) and "best_zero" in m.lost_reason(p, {"x": 0.0}, 0, 10, {"best": 0.0})


def test_a_nonzero_numerator_over_zero_is_not_no_such_work():
    # 3 appearances in 0 cases cannot be "无此项工作": it stays a value the formula cannot give
    res = score(plan_of(court("full", missing="exclude")), small_data(出庭次数=[3, 3, 1], 应诉案件数=[4, 0, 2]))
    line = f2_line(res, 1)
    assert line["status"] == "excluded" and line["points"] is None


def test_a_veto_on_a_zero_denominator_rate_is_not_triggered_nor_missing():
    doc = court("exclude")
    doc["vetoes"] = [{"id": "V1", "name": "出庭率过低", "kind": "fail", "field": "出庭率", "threshold": 1000}]
    res = score(plan_of(doc), small_data(**DATA))  # ZF02: 0 ÷ 0; missing = "error" on the veto would refuse a blank
    assert not res.categories["政府部门"].failed.any()
