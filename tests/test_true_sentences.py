"""Every sentence on a sheet true: numbers at the declared precision with their unit, vetoes by
name, undecidable look-backs that say why and what to do (and never read like a sanction)."""

from __future__ import annotations

import numpy as np

from scoring.core.dataset import Dataset
from scoring.core.decisions import decide
from scoring.core.engine import score
from scoring.core.explain import unit_sheet
from scoring.report.decisions import as_dicts
from test_decisions import YAOAN, criteria, outcomes, run_yaoan
from test_engine import plan_of, small


def _reason(doc, values: dict, pos: int, ind: str, lang: str = "zh") -> str:
    ids = [f"ZF{i:02d}" for i in range(len(next(iter(values.values()))))]
    data = Dataset(ids, ids, ["政府部门"] * len(ids), {k: np.asarray(v, float) for k, v in values.items()})
    res = score(plan_of(doc), data)
    cs = res.categories["政府部门"]
    return next(x for x in unit_sheet(res, cs, pos, lang)["indicators"] if x["id"] == ind)["reason"]


def test_a_rate_reads_at_the_declared_precision_with_its_percent_sign():
    doc = small()  # F2: 备案率 must be 100 %, precision 2
    values = {"学法次数": [6, 6], "备案率": [35 / 37 * 100, 100], "党建得分": [90, 90]}
    text = _reason(doc, values, 0, "F2")
    assert text == "备案率94.59%，未达到100%"
    doc["assessment"]["precision"] = 1
    assert _reason(doc, values, 0, "F2").startswith("备案率94.6%")


def test_an_average_and_its_gap_carry_the_unit():
    doc = small()
    doc["indicators"][1] = {
        "id": "F2",
        "module": "fz",
        "name": "负责人出庭应诉",
        "full": 50,
        "method": "vs_average",
        "field": "备案率",
        "params": {"per_step": 1},
    }
    values = {"学法次数": [6, 6, 6], "备案率": [50, 50, 56.81], "党建得分": [90, 90, 90]}
    # the average 52.27 (52.2700…) is shown at precision 2, with the unit; the gap in percentage points
    assert _reason(doc, values, 0, "F2") == "备案率50%，低于本类别平均值52.27%，差2.27个百分点"
    assert _reason(doc, values, 0, "F2", "en") == "备案率 50%, 2.27 percentage points below the category average 52.27%"


def test_a_count_carries_its_declared_unit():
    doc = small()
    doc["fields"][0]["unit"] = "场"
    values = {"学法次数": [4, 6], "备案率": [100, 100], "党建得分": [90, 90]}
    assert _reason(doc, values, 0, "F1") == "学法次数4场，少于要求的6场，差2场"


VETO_RULE = (
    YAOAN
    + """
[[decisions.rules]]
id = "V9"
name = "红线事件"
consequence = "取消评先评优资格"
when = { veto = "V" }
"""
)


def test_a_veto_is_named_by_its_name_not_its_id():
    c = criteria(VETO_RULE)
    cur = outcomes(2020, "乡镇", {"甲镇": 95, "乙镇": 88, "丙镇": 86}, failed={"甲镇"})
    cur[0] = type(cur[0])(**{**cur[0].__dict__, "vetoes": ("V",)})
    res = [r for r in decide(c, cur, {}) if r.rule.id == "V9"]
    (unit,) = as_dicts(res, 2, "zh")[0]["units"]
    assert unit["reason"] == "触发否决事项：红线事件"
    assert "veto: 红线事件" == as_dicts(res, 2, "en")[0]["units"][0]["reason"]


def test_an_undecidable_look_back_says_why_and_what_to_do():
    res = run_yaoan(history_years=())  # no 2019 result at all
    r = res["A2", "乡镇"]
    for unit in as_dicts([r], 2, "zh")[0]["units"]:
        assert unit["status"] == "undetermined"
        assert unit["history"] == "2020年触发；无法判定：历史库中没有2019年的结果，保存并定稿（scoring run --save、scoring finalize）后再判定"


def test_a_year_with_only_a_draft_says_finalize_it(tmp_path, capsys):
    from pathlib import Path

    from scoring.cli import main

    root = Path(__file__).resolve().parents[1]
    crit = root / "criteria" / "yitong-2020.toml"
    data = root / "examples" / "yitong-2020"
    old = tmp_path / "yitong-2019.toml"
    old.write_text(crit.read_text(encoding="utf-8").replace("year = 2020", "year = 2019").replace("2020年度", "2019年度"), encoding="utf-8")
    db = tmp_path / "h.sqlite"
    assert main(["run", str(old), "--data", str(data), "--save", "--db", str(db)]) == 0  # a draft, never finalized
    capsys.readouterr()
    assert main(["explain", str(crit), "县商务局", "--data", str(data), "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "2019年只有草稿结果，定稿后（scoring finalize）再判定" in out and "历史库中没有2019年" not in out


def test_a_self_reported_field_names_only_the_units_own_workbook(tmp_path):
    from scoring.load.submissions import read_submissions
    from xlsx_support import UNITS, plan_for, write_csv, write_units, write_xlsx

    plan = plan_for(tmp_path)
    data = tmp_path / "data"
    write_units(data)
    ids = [u for u, _, _ in UNITS]
    write_csv(data / "考核办.csv", [("单位编号", "得分", "事故数"), *[(u, 90, 0) for u in ids]])
    write_csv(data / "司法局.csv", [("单位编号", "学法次数", "应备案件数", "已备案件数", "法律顾问", "调解成功率"), *[(u, 4, 2, 2, "是", 95) for u in ids]])
    for k, u in enumerate(ids):  # 本单位: one workbook per unit, its own row only
        write_xlsx(data / f"{u}-自评.xlsx", [("单位编号", "自评得分"), (u, 5 + k)])
    res = score(plan, read_submissions(data, plan.criteria).data)
    for cs in res.categories.values():
        for p, i in enumerate(cs.index):
            line = next(x for x in unit_sheet(res, cs, p)["indicators"] if x["id"] == "F")
            assert line["sources"] == {"自评得分": f"{res.data.ids[i]}-自评.xlsx"}
