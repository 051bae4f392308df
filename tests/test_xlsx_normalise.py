"""Harmless variations are read as meant and noted (one note per file, sheet, column and kind)."""

from __future__ import annotations

import math
import re
import zipfile

import numpy as np
import pytest

from xlsx_support import UNITS, digest, plan_for, write_csv, write_units, write_xlsx

from scoring.load.submissions import read_submissions
from scoring.load.validate import validate


@pytest.fixture(scope="module")
def plan(tmp_path_factory):
    return plan_for(tmp_path_factory.mktemp("criteria"))


def read(plan, folder):
    before = digest(folder)
    res = read_submissions(folder, plan.criteria)
    assert digest(folder) == before
    return res


def value(res, uid, f):
    return res.data.values[f][res.data.ids.index(uid)]


def notes(res, code):
    return [n for n in res.notes if n.code == code]


def test_bom_gbk_and_tabs_in_csv(plan, tmp_path):
    write_units(tmp_path)  # written with a BOM, as Excel's "CSV UTF-8" does
    write_csv(tmp_path / "gbk.csv", [["单位编号", "学法次数"], ["B01", 4]], encoding="gb18030")
    (tmp_path / "tab.csv").write_text("单位编号\t法律顾问\nB01\t是\n", encoding="utf-8")
    (tmp_path / "unicode.txt").write_text("单位编号\t事故数\r\nX01\t2\r\n", encoding="utf-16")  # Excel "Unicode 文本"
    write_csv(tmp_path / "multiline.csv", [["单位编号", "调解成功率", "调解成功率佐证材料"], ["B02", "90", "第一行\n第二行"], ["B03", "九十", ""]])
    res = read(plan, tmp_path)
    (p,) = res.problems  # a quoted line break inside a cell does not shift the row numbers
    assert (p.code, p.file, p.row, p.cell) == ("data.not_number", "multiline.csv", 3, "B3")
    assert res.data.evidence[("B02", "调解成功率")] == "第一行\n第二行"
    assert value(res, "X01", "事故数") == 2 and [n.file for n in notes(res, "note.utf16")] == ["unicode.txt"]
    assert value(res, "B01", "学法次数") == 4 and value(res, "B01", "法律顾问") == 1
    assert notes(res, "note.bom")[0].args["files"] == "units.csv、multiline.csv"
    assert [n.file for n in notes(res, "note.gbk")] == ["gbk.csv"]
    assert [n.file for n in notes(res, "note.tab")] == ["tab.csv", "unicode.txt"]


def test_cell_variations(plan, tmp_path):
    write_units(tmp_path)
    write_xlsx(
        tmp_path / "司法局.xlsx",
        [
            ["单位编号", "学法次数（次）", "调解成功率", "得分", "法律顾问"],
            ["B01 ", "４", "95%", "80%", " 是 "],
            ["Ｂ０２", "1,200", "９０．５", 99, "有"],
            ["县教育局", "3次", "０.３", 100, "否"],
            ["合计", 1207, None, None, None],
        ],
    )
    res = read(plan, tmp_path)
    (p,) = res.problems  # "80%" in a score field: 80 or 0.8? the field does not declare it (percent = ...)
    assert (p.code, p.cell) == ("data.percent_text", "D2")
    assert value(res, "B01", "学法次数") == 4 and value(res, "B02", "学法次数") == 1200 and value(res, "B03", "学法次数") == 3
    assert value(res, "B01", "调解成功率") == 95 and value(res, "B02", "调解成功率") == 90.5 and value(res, "B03", "调解成功率") == 0.3
    assert np.isnan(value(res, "B01", "得分"))
    assert value(res, "B01", "法律顾问") == 1 and value(res, "B02", "法律顾问") == 1 and value(res, "B03", "法律顾问") == 0
    by = {(n.code, n.cell): n.args.get("n") for n in res.notes}
    assert by[("note.fullwidth", "B2")] == 1 and by[("note.fullwidth", "C3")] == 2
    assert by[("note.percent", "C2")] == 1 and ("note.percent", "D2") not in by
    assert by[("note.thousands", "B3")] == 1 and by[("note.unit_suffix", "B4")] == 1
    assert by[("note.spaces", "E2")] == 1
    assert by[("note.unit_cleaned", "A2")] == 2  # "B01 " and "Ｂ０２"
    assert by[("note.unit_by_name", "A4")] == 1 and by[("note.total_row", "A5")] == 1
    (header,) = notes(res, "note.header")
    assert header.cell == "B1" and header.args["name"] == "学法次数"
    assert "已换算" in notes(res, "note.percent")[0].message()


def test_ambiguous_comma_is_not_a_thousands_separator(plan, tmp_path):
    write_units(tmp_path)
    write_xlsx(tmp_path / "a.xlsx", [["单位编号", "得分"], ["B01", "1,5"]])
    (p,) = read(plan, tmp_path).problems
    assert p.code == "data.not_number" and p.cell == "B2"


def test_a_bracket_in_a_header_must_be_the_fields_unit(plan, tmp_path):
    write_units(tmp_path)
    write_xlsx(tmp_path / "a.xlsx", [["单位编号", "学法次数(次)", "调解成功率（%）", "事故数（省级）"], ["B01", 4, 95, 1]])
    res = read(plan, tmp_path)
    assert value(res, "B01", "学法次数") == 4 and value(res, "B01", "调解成功率") == 95
    (p,) = res.problems  # 事故数（省级） is not 事故数: it could be another figure
    assert p.code == "data.unknown_column" and p.cell == "D1" and "事故数" in p.hint()


def test_percent_formatted_cells(plan, tmp_path):
    """Excel keeps a typed 95% as 0.95 with a percent format: a rate field reads it as 95."""
    write_units(tmp_path)
    write_xlsx(
        tmp_path / "a.xlsx", [["单位编号", "调解成功率", "得分"], ["B01", 0.95, 0.5], ["B02", 0.905, 80]], formats={"B2": "0%", "B3": "0.0%", "C2": "0%"}
    )
    res = read(plan, tmp_path)
    assert value(res, "B01", "调解成功率") == 95 and value(res, "B02", "调解成功率") == 90.5
    # not a rate: 50% in a score field could mean 50 or 0.5, and the field does not say which
    (bad,) = [p for p in res.problems if p.code == "data.percent_text"]
    assert bad.cell == "C2" and "50%" in bad.message() and "percent" in bad.hint()
    (n,) = notes(res, "note.percent_format")
    assert n.args["n"] == 2 and n.cell == "B2"


def test_names_only_title_rows_long_layout_and_sheets(plan, tmp_path):
    from openpyxl import Workbook

    write_units(tmp_path)
    wb = Workbook()
    ws = wb.active
    ws.title = "填报"
    ws.append(["2024年度司法局报送表"])
    ws.append([])
    ws.append(["单位名称", "学法次数", "学法次数佐证材料"])
    ws.append(["县司法局", 6, "会议记录第3号"])
    long = wb.create_sheet("长表")
    long.append(["单位编号", "字段", "值", "佐证材料"])
    long.append(["X01", "事故数", 0, "应急局台账"])
    long.append(["X01", "法律顾问", "是", "合同.pdf"])
    wb.create_sheet("说明").append(["这里是填报说明"])
    hidden = wb.create_sheet("旧数据")
    hidden.append(["单位编号", "学法次数"])
    hidden.append(["B01", 99])
    hidden.sheet_state = "hidden"
    wb.save(tmp_path / "多表.xlsx")
    res = read(plan, tmp_path)
    assert res.problems == []
    assert value(res, "B02", "学法次数") == 6 and value(res, "X01", "事故数") == 0 and value(res, "X01", "法律顾问") == 1
    assert math.isnan(value(res, "B01", "学法次数"))  # hidden sheets are not read
    assert res.data.evidence == {("B02", "学法次数"): "会议记录第3号", ("X01", "事故数"): "应急局台账", ("X01", "法律顾问"): "合同.pdf"}
    assert res.data.cell_of(1, "学法次数") == "多表.xlsx 填报!B4"
    assert res.data.cell_of(3, "事故数") == "多表.xlsx 长表!C2"
    layouts = {s["sheet"]: (s["layout"], s["header_row"]) for s in res.files[0].sheets}
    assert layouts == {"填报": ("wide", 3), "长表": ("long", 1)}
    assert [n.args["sheet"] for n in notes(res, "note.sheet_skipped")] == ["说明"]


def test_wrong_stored_dimension_does_not_cut_rows(plan, tmp_path):
    """Some programs write <dimension ref="A1"/>; every row and column must still be read."""
    write_units(tmp_path / "data")
    src = write_xlsx(tmp_path / "src.xlsx", [["单位编号", "学法次数", "事故数"], ["B01", 4, 0], ["X02", 7, 1]])
    dst = tmp_path / "data" / "dim.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data, n = re.subn(rb'<dimension ref="A1:C3"\s*/>', b'<dimension ref="A1"/>', data)
                assert n == 1
            zout.writestr(item, data)
    res = read(plan, tmp_path / "data")
    assert value(res, "X02", "学法次数") == 7 and value(res, "X02", "事故数") == 1


def test_lock_files_and_subfolders_are_noted_not_read(plan, tmp_path):
    write_units(tmp_path)
    (tmp_path / "~$司法局.xlsx").write_bytes(b"\x00" * 165)
    (tmp_path / "佐证材料").mkdir()
    res = read(plan, tmp_path)
    assert res.problems == []
    assert {n.code for n in res.notes} >= {"note.lock_file", "note.subfolder"}


def test_evidence_travels_into_the_explanation_and_the_cell_is_known(plan, tmp_path):
    from scoring.core.engine import score
    from scoring.core.explain import indicator_line

    write_units(tmp_path)
    write_xlsx(
        tmp_path / "司法局.xlsx",
        [["单位编号", "学法次数", "学法次数佐证材料", "法律顾问", "调解成功率"]]
        + [[u, 2 if u == "B02" else 4, "会议记录 2024-07" if u == "B02" else None, "是", 95] for u, _, _ in UNITS],
        sheet="报送",
    )
    write_xlsx(tmp_path / "考核办.xlsx", [["单位编号", "得分"]] + [[u, 80] for u, _, _ in UNITS])
    report = validate(plan, tmp_path)
    assert report.ok
    res = score(plan, report.data)
    cs, pos = res.locate("B02")
    line = indicator_line(res, cs, pos, cs.indicators["B"])
    assert line["evidence_given"] == {"学法次数": "会议记录 2024-07"}
    assert line["sources"] == {"学法次数": "司法局.xlsx"}
    assert report.data.cell_of(report.data.ids.index("B02"), "学法次数") == "司法局.xlsx 报送!B3"
    assert line["lost"] == 2


from hypothesis import given, strategies as st  # noqa: E402

from scoring.core.criteria import FieldSpec  # noqa: E402
from scoring.load.values import Percent, ValueParser  # noqa: E402

_FW = str.maketrans("0123456789.%-", "０１２３４５６７８９．％－")


@given(st.integers(0, 10**12))
def test_written_forms_of_a_count_read_the_same(n):
    parse = ValueParser(FieldSpec(name="件数", kind="count", unit="件"))
    plain, grouped = str(n), f"{n:,}"
    assert parse(plain)[0] == parse(grouped)[0] == parse(plain.translate(_FW))[0] == parse(f" {plain}件 ")[0] == parse(n)[0] == n
    if "," in grouped:
        assert "note.thousands" in parse(grouped)[3]


@given(st.decimals(0, 100, places=2))
def test_written_forms_of_a_rate_read_the_same(d):
    parse = ValueParser(FieldSpec(name="比率", kind="rate"))
    text = str(d)
    want = float(text)
    assert parse(text)[0] == parse(text + "%")[0] == parse((text + "%").translate(_FW))[0] == want
    assert parse(Percent(want / 100))[0] == float(f"{want:.12g}")


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_bounds_are_enforced_for_every_number(x):
    parse = ValueParser(FieldSpec(name="得分", min=0, max=100))
    v, code, _, _ = parse(x)
    if -1e-12 <= x <= 100 + 1e-12:  # formula noise at a bound (0.1 + 0.2 - 0.3) is tolerated
        assert v == x and code is None
    else:  # beyond 10^15 no number is a figure of an assessment, whatever the field's range
        assert v is None and code == ("data.too_large" if abs(x) > 1e15 else "data.out_of_range")


def test_unit_list_as_a_workbook(plan, tmp_path):
    write_xlsx(tmp_path / "units.xlsx", [["2024年度参评单位名单"], ["单位编号", "单位名称", "类别"]] + [list(u) for u in UNITS])
    write_xlsx(tmp_path / "应急局.xlsx", [["单位编号", "事故数"], ["X02", 1]])
    res = read(plan, tmp_path)
    assert res.problems == [] and res.data.ids == [u for u, _, _ in UNITS] and value(res, "X02", "事故数") == 1
    write_units(tmp_path)  # now there are two lists
    (p,) = read(plan, tmp_path).problems
    assert p.code == "data.two_unit_lists" and "units.csv、units.xlsx" in p.message()
