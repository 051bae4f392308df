"""Every kind of bad submission is reported with file, sheet, row, column and A1 cell,
what was expected, what was found and how to fix it; the input files are never touched."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from xlsx_support import UNITS, digest, plan_for, write_csv, write_units, write_xlsx

from scoring.load.validate import validate

HEAD = ["单位编号", "单位名称", "类别", "学法次数", "法律顾问", "调解成功率"]
GOOD = [
    ["B01", "县发展和改革局", "部门", 4, "是", 95],
    ["B02", "县司法局", "部门", 6, "否", 90.5],
    ["B03", "县教育局", "部门", 3, "是", 100],
    ["X01", "伊通镇", "乡镇", 5, "是", 88],
    ["X02", "二道镇", "乡镇", 4, "否", 91],
]


@pytest.fixture(scope="module")
def plan(tmp_path_factory):
    return plan_for(tmp_path_factory.mktemp("criteria"))


def complete(folder: Path, skip: str | None = None) -> Path:
    """A data folder where every required value is given (except the owner named in skip)."""
    write_units(folder)
    if skip != "考核办":
        write_xlsx(folder / "考核办.xlsx", [["单位编号", "得分"]] + [[u, 80] for u, _, _ in UNITS])
    return folder


def check(plan, folder: Path):
    before = digest(folder)
    report = validate(plan, folder)
    assert digest(folder) == before, "an input file was modified"
    return report


def only(report, code: str):
    found = [p for p in report.problems if p.code == code]
    assert found, f"no {code} among {[p.code for p in report.problems]}"
    return found


def test_clean_folder_has_no_problems(plan, tmp_path):
    folder = complete(tmp_path)
    write_xlsx(folder / "司法局.xlsx", [HEAD] + GOOD, sheet="报送")
    report = check(plan, folder)
    assert report.problems == [] and report.ok
    # 备案率 needs 应备案件数/已备案件数 for 部门 only; exclude policy: listed as gaps, not problems
    assert {(report.data.ids[g.unit], g.field, g.policy) for g in report.gaps if g.id == "C"} == {
        ("B01", "应备案件数", "exclude"),
        ("B01", "已备案件数", "exclude"),
        ("B02", "应备案件数", "exclude"),
        ("B02", "已备案件数", "exclude"),
        ("B03", "应备案件数", "exclude"),
        ("B03", "已备案件数", "exclude"),
    }


def test_not_a_number_is_located_with_sheet_row_column_and_cell(plan, tmp_path):
    folder = complete(tmp_path)
    rows = [HEAD] + [r[:] for r in GOOD]
    rows[2][5] = "九十"
    write_xlsx(folder / "司法局.xlsx", rows, sheet="报送")
    (p,) = only(check(plan, folder), "data.not_number")
    assert (p.file, p.sheet, p.row, p.column, p.cell) == ("司法局.xlsx", "报送", 3, "F（调解成功率）", "F3")
    text = p.render()
    assert "“九十”不是数字" in text and "应为：数字（0 到 100）" in text and "修改建议" in text
    d = p.as_dict("en")
    assert d["found"] == "九十" and d["expected"] == "a number (0 to 100)" and d["cell"] == "F3"
    report = check(plan, folder)
    assert not [g for g in report.gaps if report.data.ids[g.unit] == "B02" and g.field == "调解成功率"]


def test_out_of_range_not_integer_not_bool(plan, tmp_path):
    folder = complete(tmp_path)
    rows = [HEAD] + [r[:] for r in GOOD]
    rows[1][5] = 120
    rows[2][3] = 2.5
    rows[3][4] = "也许"
    write_xlsx(folder / "司法局.xlsx", rows)
    report = check(plan, folder)
    (p,) = only(report, "data.out_of_range")
    assert p.cell == "F2" and "120 超出字段“调解成功率”的范围 [0, 100]" in p.message()
    (p,) = only(report, "data.not_integer")
    assert p.cell == "D3" and "2.5" in p.message()
    (p,) = only(report, "data.not_bool")
    assert p.cell == "E4" and p.expected() == "是 或 否"


def test_unknown_unit_with_suggestion(plan, tmp_path):
    folder = complete(tmp_path)
    rows = [HEAD] + [r[:] for r in GOOD] + [["B09", "县司法局", "部门", 1, "是", 90]]
    write_xlsx(folder / "司法局.xlsx", rows)
    report = check(plan, folder)
    (p,) = only(report, "data.unit_not_listed")
    assert (p.row, p.cell) == (7, "A7") and "B09" in p.message() and "B02" in p.hint()


def test_unknown_field_column_and_long_layout_field(plan, tmp_path):
    folder = complete(tmp_path)
    write_xlsx(folder / "司法局.xlsx", [HEAD + ["学法次", "备注"]] + [r + [1, "ok"] for r in GOOD])
    write_csv(folder / "long.csv", [["单位编号", "字段", "值", "佐证材料"], ["B01", "事故数", 0, ""], ["B02", "事故树", 1, ""]])
    report = check(plan, folder)
    col = [p for p in report.problems if p.code == "data.unknown_column"]
    assert [(p.file, p.cell) for p in col] == [("司法局.xlsx", "G1")] and "学法次数" in col[0].hint()
    (fld,) = only(report, "data.unknown_field")
    assert (fld.file, fld.row, fld.cell, fld.sheet) == ("long.csv", 3, "B3", None) and "事故数" in fld.hint()
    assert any(n.code == "note.column_ignored" for n in report.notes)  # 备注 is not a field: noted, not a problem


def test_duplicate_row_and_duplicate_long_value(plan, tmp_path):
    folder = complete(tmp_path)
    write_xlsx(folder / "司法局.xlsx", [HEAD] + GOOD + [GOOD[1]])
    write_csv(folder / "应急局.csv", [["单位编号", "字段", "值"], ["B01", "事故数", 0], ["B01", "事故数", 0]])
    report = check(plan, folder)
    (p,) = only(report, "data.duplicate_row")
    assert (p.file, p.row) == ("司法局.xlsx", 7) and "第3行" in p.message()
    (p,) = only(report, "data.duplicate_value")
    assert (p.file, p.row) == ("应急局.csv", 3) and "第2行" in p.message()


def test_conflict_between_two_files_names_both_places(plan, tmp_path):
    folder = complete(tmp_path)
    write_xlsx(folder / "司法局.xlsx", [HEAD] + GOOD, sheet="报送")
    write_csv(folder / "复核.csv", [["单位名称", "学法次数"], ["县司法局", 6], ["县教育局", 2]])
    report = check(plan, folder)
    (p,) = only(report, "data.conflict")
    msg = p.message()
    assert "B03" in msg and "司法局.xlsx 报送!D4" in msg and "复核.csv B3" in msg
    assert (p.file, p.cell) == ("复核.csv", "B3")
    assert any(n.code == "note.unit_by_name" for n in report.notes)  # names instead of ids: noted


def test_missing_required_value_is_located_at_the_blank_cell(plan, tmp_path):
    folder = complete(tmp_path)
    rows = [HEAD] + [r[:] for r in GOOD]
    rows[4][4] = None  # X01 法律顾问 blank, policy "error"
    rows[5][3] = None  # X02 学法次数 blank, policy "zero": a gap, not a problem
    write_xlsx(folder / "司法局.xlsx", rows, sheet="报送")
    report = check(plan, folder)
    (p,) = only(report, "data.gap_error")
    assert (p.file, p.sheet, p.cell) == ("司法局.xlsx", "报送", "E5")
    assert "X01" in p.message() and "法律顾问" in p.message() and "D 聘请法律顾问" in p.message() and "司法局" in p.hint()
    zero = [g for g in report.gaps if g.field == "学法次数"]
    assert [(report.data.ids[g.unit], g.policy) for g in zero] == [("X02", "zero")]
    assert report.gap_cells[report.gaps.index(zero[0])] == ("司法局.xlsx", "报送", 6, "D")


def test_a_whole_owner_missing_is_one_problem_naming_the_file(plan, tmp_path):
    folder = complete(tmp_path, skip="考核办")
    write_xlsx(folder / "司法局.xlsx", [HEAD] + GOOD)
    report = check(plan, folder)
    (p,) = report.problems  # not one "missing" line per unit
    assert p.code == "data.owner_absent" and p.args["owner"] == "考核办" and p.args["units"] == len(UNITS)
    assert "未收到“考核办”的报送文件（如 2024-考核办-报送表.xlsx 或 考核办.csv）" in p.render("zh") and p.hint("zh")
    assert not [g for g in report.gaps if g.field == "得分"]
    # one unit's blank is still that unit's line, located
    folder = complete(tmp_path / "again")
    write_xlsx(folder / "司法局.xlsx", [HEAD] + GOOD)
    rows = [["单位编号", "得分"]] + [[u, None if u == "B02" else 80] for u, _, _ in UNITS]
    write_xlsx(folder / "考核办.xlsx", rows)
    (p,) = check(plan, folder).problems
    assert p.code == "data.gap_error" and p.args["unit"] == "B02"


def test_name_and_category_that_disagree_with_the_unit_list(plan, tmp_path):
    folder = complete(tmp_path)
    rows = [HEAD] + [r[:] for r in GOOD]
    rows[1][1] = "县教育局"  # B01 is 县发展和改革局
    rows[4][2] = "部门"  # X01 is a 乡镇
    write_xlsx(folder / "司法局.xlsx", rows)
    report = check(plan, folder)
    (p,) = only(report, "data.name_mismatch")
    assert p.cell == "B2" and "县发展和改革局" in p.message()
    (p,) = only(report, "data.category_mismatch")
    assert p.cell == "C5" and "乡镇" in p.message()


def test_formula_error_and_unlabelled_column(plan, tmp_path):
    folder = complete(tmp_path)
    rows = [HEAD + [None]] + [r[:] + [None] for r in GOOD]
    rows[1][5] = "#DIV/0!"
    rows[2][6] = "忘了表头"
    write_xlsx(folder / "司法局.xlsx", rows)
    report = check(plan, folder)
    assert only(report, "data.cell_error")[0].cell == "F2"
    assert only(report, "data.unlabelled_column")[0].cell == "G3"


def test_not_a_spreadsheet_and_old_formats(plan, tmp_path):
    folder = complete(tmp_path)
    (folder / "佐证材料.pdf").write_bytes(b"%PDF-1.4\n")
    (folder / "旧表.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    (folder / "假的.xlsx").write_text("这不是工作簿", encoding="utf-8")
    report = check(plan, folder)
    assert only(report, "data.not_spreadsheet")[0].file == "佐证材料.pdf"
    assert only(report, "data.legacy_format")[0].file == "旧表.xls"
    assert only(report, "data.corrupt")[0].file == "假的.xlsx"
    assert "另存为" in only(report, "data.legacy_format")[0].hint()


def test_password_protected_workbook(plan, tmp_path):
    """An .xlsx with a password to open is an OLE2 container holding an EncryptionInfo stream."""
    folder = complete(tmp_path)
    body = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + "EncryptionInfo".encode("utf-16-le") + bytes(64)
    (folder / "加密.xlsx").write_bytes(body)
    (p,) = only(check(plan, folder), "data.encrypted")
    assert p.file == "加密.xlsx" and "密码" in p.hint()


def test_truncated_workbook_is_never_partly_read(plan, tmp_path):
    folder = complete(tmp_path / "data")
    whole = write_xlsx(tmp_path / "whole.xlsx", [HEAD] + GOOD * 1 + [["X02", "二道镇", "乡镇", 4, "否", 91]])
    data = whole.read_bytes()
    (folder / "截断.xlsx").write_bytes(data[: len(data) // 2])
    report = check(plan, folder)
    (p,) = only(report, "data.corrupt")
    assert p.file == "截断.xlsx" and "整个文件未读取" in p.message()
    assert [f.read for f in report.files if f.file == "截断.xlsx"] == [False]


def test_damaged_sheet_data_discards_the_whole_file(plan, tmp_path):
    """A workbook whose sheet XML breaks after some rows: no value from it is kept."""
    folder = complete(tmp_path / "data")
    good = write_xlsx(tmp_path / "good.xlsx", [HEAD] + GOOD)
    bad = folder / "损坏.xlsx"
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(bad, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                cut = data.index(b"<row r=\"4\"")
                data = data[:cut] + b"<row r=\"4\"><c r=\"A4\" t=\"inlineStr\"><is><t>B03"  # ends mid-element
            zout.writestr(item, data)
    report = check(plan, folder)
    (p,) = only(report, "data.corrupt")
    assert p.file == "损坏.xlsx"
    col = report.data.values["学法次数"]
    assert all(v != v for v in col), "values from the rows before the damage were kept"


def test_template_for_another_year_is_refused(plan, tmp_path):
    from scoring.load.template import write_templates

    other = plan_for(
        tmp_path,
        (Path(__file__).parent / "xlsx_support.py")
        .read_text(encoding="utf-8")
        .split('CRITERIA = """', 1)[1]
        .split('"""', 1)[0]
        .replace("year = 2024", "year = 2023"),
    )
    write_units(tmp_path / "u")
    written, _ = write_templates(other, tmp_path / "old", data=str(tmp_path / "u"))
    folder = complete(tmp_path / "data")
    old = next(p for p in written if "司法局-报送表" in p.name and "-B" not in p.name)
    (folder / old.name).write_bytes(old.read_bytes())
    (p,) = only(check(plan, folder), "data.template_mismatch")
    assert "2023" in p.message() and "2024" in p.message() and p.file == old.name


def test_units_list_problems(plan, tmp_path):
    folder = tmp_path
    write_csv(folder / "units.csv", [("单位编号", "单位名称", "类别"), ("B01", "甲", "部门"), ("B01", "乙", "部门"), ("C01", "丙", "街道")])
    write_csv(folder / "应急局.csv", [("单位编号", "事故数"), ("B01", 0), ("C01", 0)])
    report = check(plan, folder)
    assert only(report, "data.duplicate_unit")[0].row == 3
    (p,) = only(report, "data.unknown_category")
    assert p.cell == "C4" and "部门、乡镇" in p.hint()
    assert not [p for p in report.problems if p.code == "data.unit_not_listed"]  # C01 is not reported a second time


def test_changed_criteria_and_a_workbook_named_csv_are_noted(plan, tmp_path):
    from xlsx_support import CRITERIA
    from scoring.load.template import write_templates

    before = plan_for(tmp_path, CRITERIA.replace('description = "是否聘请法律顾问"', 'description = "是否聘请常年法律顾问"'))
    write_units(tmp_path / "u")
    written, _ = write_templates(before, tmp_path / "t", data=str(tmp_path / "u"))
    folder = complete(tmp_path / "data")
    src = next(p for p in written if p.name == "2024-应急局-报送表.xlsx")
    (folder / src.name).write_bytes(src.read_bytes())
    write_xlsx(folder / "其实是工作簿.csv", [["单位编号", "学法次数"], ["B01", 4]])
    report = check(plan, folder)
    assert report.problems == [p for p in report.problems if p.code.startswith("data.gap")]
    codes = {n.code: n.file for n in report.notes}
    assert codes["note.template_changed"] == src.name and codes["note.xlsx_named_csv"] == "其实是工作簿.csv"
    assert report.data.values["学法次数"][0] == 4


def test_every_problem_at_once(plan, tmp_path):
    folder = complete(tmp_path)
    rows = [HEAD] + [r[:] for r in GOOD]
    rows[1][5] = "九十"
    rows[2][3] = -1
    write_xlsx(folder / "司法局.xlsx", rows)
    (folder / "notes.docx").write_bytes(b"PK\x03\x04")
    codes = sorted(p.code for p in check(plan, folder).problems)
    assert codes == ["data.not_number", "data.not_spreadsheet", "data.out_of_range"]


def test_a_units_own_workbook_missing_is_one_problem_for_that_unit(tmp_path):
    from xlsx_support import CRITERIA, plan_for

    plan = plan_for(tmp_path, CRITERIA.replace('field = "自评得分"\nmissing = "exclude"', 'field = "自评得分"'))
    folder = complete(tmp_path / "data")
    write_xlsx(folder / "司法局.xlsx", [HEAD] + GOOD)
    for u, _, _ in UNITS[:-1]:  # X02 二道镇 sent nothing of its own
        write_xlsx(folder / f"{u}-自评.xlsx", [["单位编号", "自评得分"], [u, 8]])
    (p,) = check(plan, folder).problems
    assert p.code == "data.self_absent" and p.args["unit"] == "X02"
    assert "未收到单位 X02（二道镇）的自报工作簿（如 2024-X02-二道镇-报送表.xlsx）" in p.render("zh")
