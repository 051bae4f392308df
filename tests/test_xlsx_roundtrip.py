"""Template → filled by hand → read back: nothing lost, nothing changed."""

from __future__ import annotations

import math
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from builders import examples
from xlsx_support import UNITS, digest, fill_template, plan_for, write_units

from scoring.load.submissions import read_folder, read_submissions
from scoring.load.template import write_templates
from scoring.load.values import control_chars

ROOT = Path(__file__).resolve().parent.parent

# Text a person may type as evidence: CJK, Latin, digits, punctuation, emoji; never the
# control characters a workbook cannot hold.
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Cn", "Co", "Zl", "Zp")), min_size=1, max_size=30)
CJK = st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=1, max_size=12)
# text a person can see: invisible format characters (U+2060, U+202E …) are refused at their cell by
# design (tests/test_refuse_silent.py), so a round trip is asked only of what is accepted
SEEN = TEXT.map(str.strip).filter(lambda s: bool(s) and control_chars(s) is None)
EVIDENCE = st.one_of(st.none(), CJK, SEEN, st.builds(lambda a, b: f"{a}-{b}.pdf", CJK, st.integers(0, 99)))
EDGE_FLOATS = [0.0, 100.0, 1e-9, 99.99999999999, 33.333333333333336, 0.1 + 0.2]
VALUES = {
    "得分": st.one_of(st.none(), st.sampled_from(EDGE_FLOATS), st.floats(0, 100, allow_nan=False), st.integers(0, 100)),
    "学法次数": st.one_of(st.none(), st.integers(0, 10**9)),
    "应备案件数": st.one_of(st.none(), st.integers(0, 1000)),
    "已备案件数": st.one_of(st.none(), st.integers(0, 1000)),
    "法律顾问": st.one_of(st.none(), st.sampled_from(["是", "否", True, False])),
    "调解成功率": st.one_of(st.none(), st.sampled_from([0.0, 100.0, 99.5]), st.floats(0, 100, allow_nan=False)),
    "自评得分": st.one_of(st.none(), st.sampled_from([-5.0, 10.0, -0.0, 5e-324]), st.floats(-5, 10, allow_nan=False)),
    "事故数": st.one_of(st.none(), st.integers(0, 3)),
}


def expected_number(v) -> float:
    """The number the workbook holds: openpyxl stores 16 significant digits (Excel shows 15)."""
    if v is None:
        return math.nan
    if v in ("是", True):
        return 1.0
    if v in ("否", False):
        return 0.0
    return float("%.16g" % v)


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("templates")
    plan = plan_for(tmp)
    write_units(tmp / "units")
    written, notes = write_templates(plan, tmp / "out", data=str(tmp / "units"))
    return plan, tmp, written, notes


def test_one_workbook_per_owner_and_per_unit_for_self_reported_fields(made):
    plan, tmp, written, notes = made
    names = sorted(p.name for p in written)
    assert "2024-司法局-报送表.xlsx" in names and "2024-考核办-报送表.xlsx" in names and "2024-应急局-报送表.xlsx" in names
    assert sum("报送表" in n and n.split("-")[1] in {u for u, _, _ in UNITS} for n in names) == len(UNITS)
    assert [p.code for p in notes] == ["template.unused_field"]  # 未用字段 is read by nothing


def test_template_layout_validation_protection_and_identity(made):
    from openpyxl import load_workbook

    plan, tmp, written, _ = made
    wb = load_workbook(tmp / "out" / "2024-司法局-报送表.xlsx")
    ws = wb["报送数据"]
    header = [c.value for c in ws[5]]
    # derived 备案率 is computed, never asked; every field has its evidence column after it
    assert header == [
        "单位编号",
        "单位名称",
        "类别",
        "学法次数",
        "学法次数佐证材料",
        "应备案件数",
        "应备案件数佐证材料",
        "已备案件数",
        "已备案件数佐证材料",
        "法律顾问",
        "法律顾问佐证材料",
        "调解成功率",
        "调解成功率佐证材料",
    ]
    assert [ws.cell(r, 1).value for r in range(6, 11)] == [u for u, _, _ in UNITS]
    # what each field feeds, via the derived field and only for the categories concerned
    assert "C 规范性文件备案（经“备案率”）（仅部门）" in ws["F2"].value
    assert "B 会前学法" in ws["D2"].value and "会议记录" in ws["D3"].value
    assert "整数" in ws["D4"].value and "记0分" in ws["D4"].value
    rules = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    assert rules["D6:D10"].type == "whole" and rules["D6:D10"].formula1 == "0"
    assert rules["J6:J10"].type == "list" and rules["J6:J10"].formula1 == '"是,否"'
    assert rules["L6:L10"].type == "decimal" and (rules["L6:L10"].formula1, rules["L6:L10"].formula2) == ("0", "100")
    assert ws.protection.sheet and ws["A5"].protection.locked and ws["D1"].protection.locked
    assert not ws["D6"].protection.locked and not ws["E6"].protection.locked
    # 应备案件数 only matters for 部门: grey for the 乡镇 rows
    assert ws["F9"].fill.fgColor.rgb.endswith("BFBFBF") and not ws["F6"].fill.fgColor.rgb.endswith("BFBFBF")
    meta = wb["_模板信息"]
    assert meta.sheet_state == "hidden"
    info = {r[0]: r[1] for r in meta.iter_rows(values_only=True)}
    assert info["owner"] == "司法局" and info["year"] == "2024" and info["layout"] == "wide"
    assert info["assessment"] == "测试县2024年度考核" and len(info["criteria_hash"]) == 16


def test_blank_templates_read_back_as_all_missing(made):
    plan, tmp, written, _ = made
    folder = tmp / "blank"
    write_units(folder)
    for p in written:
        shutil.copy(p, folder / p.name)
    res = read_submissions(folder, plan.criteria)
    assert res.problems == []
    assert all(np.isnan(v).all() for v in res.data.values.values())
    assert {f.owner for f in res.files} >= {"司法局", "考核办", "B01"}


@settings(max_examples=examples(20), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_filled_templates_read_back_equal(made, data):
    plan, tmp, written, _ = made
    fields = {"考核办": ["得分"], "司法局": ["学法次数", "应备案件数", "已备案件数", "法律顾问", "调解成功率"], "应急局": ["事故数"]}
    values, evidence = {}, {}
    for uid, _, cat in UNITS:
        for f, strat in VALUES.items():
            if f == "应备案件数" or f == "已备案件数":
                if cat != "部门":
                    continue
            values[(uid, f)] = data.draw(strat, label=f"{uid} {f}")
            ev = data.draw(EVIDENCE, label=f"{uid} {f} 佐证")
            if ev is not None:
                evidence[(uid, f)] = ev
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        write_units(folder)
        for p in written:
            owner = p.name.split("-")[1]
            if owner in fields:
                fs = fields[owner]
            else:  # one unit's own workbook
                fs = ["自评得分"]
            mine = {k: v for k, v in values.items() if k[1] in fs and (owner in fields or k[0] == owner)}
            ev = {k: v for k, v in evidence.items() if k in mine}
            fill_template(p, folder / p.name, mine, ev)
        before = digest(folder)
        ds = read_folder(folder, plan.criteria)
        assert digest(folder) == before  # reading never touches an input file
    pos = {u: i for i, u in enumerate(ds.ids)}
    for (uid, f), v in values.items():
        got = ds.values[f][pos[uid]]
        want = expected_number(v)
        assert (math.isnan(got) and math.isnan(want)) or got == want, (uid, f, v, got)
    assert {k: v for k, v in ds.evidence.items()} == {k: v for k, v in evidence.items()}
    # every value knows the cell it came from
    for (uid, f), v in values.items():
        if v is not None:
            assert ds.cell_of(pos[uid], f).split(" ", 1)[1].startswith("报送数据!")


def test_yitong_templates_filled_from_the_example_score_the_same(tmp_path):
    """The bundled example, moved from CSV files into filled templates, gives identical data and scores."""
    from scoring.api import load_criteria
    from scoring.core.engine import score
    from scoring.report.output import as_table

    plan = load_criteria(str(ROOT / "criteria" / "yitong-2020.toml")).plan
    csv_data = read_folder(ROOT / "examples" / "yitong-2020", plan.criteria)
    out = tmp_path / "out"
    written, _ = write_templates(plan, out, data=str(ROOT / "examples" / "yitong-2020"))
    folder = tmp_path / "returned"
    folder.mkdir()
    shutil.copy(ROOT / "examples" / "yitong-2020" / "units.csv", folder / "units.csv")
    from openpyxl import load_workbook

    for p in written:
        ws = load_workbook(p)["报送数据"]
        fs = [c.value for c in ws[5]][3::2]
        vals, ev = {}, {}
        for i, uid in enumerate(csv_data.ids):
            for f in fs:
                v = csv_data.values[f][i]
                if not np.isnan(v):
                    spec = plan.criteria.field_map()[f]
                    vals[(uid, f)] = ("是" if v else "否") if spec.kind == "bool" else (int(v) if spec.kind == "count" else float(v))
                if (uid, f) in csv_data.evidence:
                    ev[(uid, f)] = csv_data.evidence[(uid, f)]
        fill_template(p, folder / p.name, vals, ev)
    xlsx_data = read_folder(folder, plan.criteria)
    for f, col in csv_data.values.items():
        np.testing.assert_array_equal(col, xlsx_data.values[f], err_msg=f)
    assert xlsx_data.evidence == csv_data.evidence
    assert as_table(score(plan, xlsx_data)) == as_table(score(plan, csv_data))
