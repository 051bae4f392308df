"""Shared pieces of the tests/test_xlsx_*.py files: a small criteria file, a unit list, and
functions that write real .xlsx and .csv files with openpyxl and the csv module."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

CRITERIA = """
[assessment]
name = "测试县2024年度考核"
year = 2024
office = "测试县考核办"
categories = ["部门", "乡镇"]

[[modules]]
id = "m"
name = "法治建设"
weights = { "部门" = 100, "乡镇" = 100 }

[[indicators]]
id = "A"
module = "m"
name = "报送得分"
full = 30
method = "supplied"
field = "得分"
params = { scale = 100 }
owner = "考核办"

[[indicators]]
id = "B"
module = "m"
name = "会前学法"
full = 20
method = "quota"
field = "学法次数"
params = { required = 4, per_short = 1 }
missing = "zero"
owner = "司法局"
evidence = "会议记录"

[[indicators]]
id = "C"
module = "m"
name = "规范性文件备案"
full = 20
method = "must_be_full"
field = "备案率"
params = { deduction = 5 }
applies_to = ["部门"]
missing = "exclude"
owner = "司法局"

[[indicators]]
id = "D"
module = "m"
name = "聘请法律顾问"
full = 10
method = "presence"
field = "法律顾问"
owner = "司法局"

[[indicators]]
id = "E"
module = "m"
name = "调解成功率"
full = 10
method = "rate_threshold"
field = "调解成功率"
params = { target = 90, step = 10, per_step = 1 }
owner = "司法局"

[[indicators]]
id = "F"
module = "m"
name = "自评"
full = 10
method = "supplied"
field = "自评得分"
missing = "exclude"

[[vetoes]]
id = "V"
name = "重大事故"
kind = "fail"
field = "事故数"
missing = "zero"

[[fields]]
name = "得分"
unit = "分"
min = 0
max = 100
owner = "考核办"

[[fields]]
name = "学法次数"
kind = "count"
unit = "次"
owner = "司法局"

[[fields]]
name = "应备案件数"
kind = "count"
unit = "件"
owner = "司法局"

[[fields]]
name = "已备案件数"
kind = "count"
unit = "件"
owner = "司法局"

[[fields]]
name = "备案率"
kind = "rate"
formula = "已备案件数 / 应备案件数 * 100"

[[fields]]
name = "法律顾问"
kind = "bool"
description = "是否聘请法律顾问"
owner = "司法局"

[[fields]]
name = "调解成功率"
kind = "rate"
owner = "司法局"

[[fields]]
name = "自评得分"
max = 10
min = -5
owner = "本单位"

[[fields]]
name = "事故数"
kind = "count"
owner = "应急局"

[[fields]]
name = "未用字段"
owner = "考核办"
"""

UNITS = [("B01", "县发展和改革局", "部门"), ("B02", "县司法局", "部门"), ("B03", "县教育局", "部门"), ("X01", "伊通镇", "乡镇"), ("X02", "二道镇", "乡镇")]


def plan_for(tmp: Path, text: str = CRITERIA):
    from scoring.api import load_criteria

    path = Path(tmp) / "criteria.toml"
    path.write_text(text, encoding="utf-8")
    plan = load_criteria(str(path)).plan
    return plan


def write_csv(path: Path, rows, encoding: str = "utf-8-sig") -> Path:
    with open(path, "w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def write_units(folder: Path, units=UNITS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return write_csv(folder / "units.csv", [("单位编号", "单位名称", "类别"), *units])


def write_xlsx(path: Path, rows, sheet: str = "Sheet1", formats: dict[str, str] | None = None) -> Path:
    """A plain workbook as a person might make it: rows from A1; text stays text.

    formats maps a cell ("C2") to a number format, e.g. "0%".
    """
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for r, row in enumerate(rows, start=1):
        for c, v in enumerate(row, start=1):
            if v is None:
                continue
            cell = ws.cell(r, c, v)
            if isinstance(v, str):
                cell.data_type = "s"
    for ref, fmt in (formats or {}).items():
        ws[ref].number_format = fmt
    wb.save(path)
    return path


def fill_template(src: Path, dst: Path, values: dict[tuple[str, str], object], evidence: dict[tuple[str, str], str] | None = None) -> Path:
    """Fill a workbook made by `scoring template` as its owner would, and save it under another name."""
    from openpyxl import load_workbook

    wb = load_workbook(src)
    ws = wb["报送数据"]
    header = {c.value: c.column for c in ws[5] if c.value}
    rows = {ws.cell(r, 1).value: r for r in range(6, ws.max_row + 1)}
    for (uid, f), v in values.items():
        if v is None:
            continue
        cell = ws.cell(rows[uid], header[f], v)
        if isinstance(v, str):
            cell.data_type = "s"
    for (uid, f), text in (evidence or {}).items():
        cell = ws.cell(rows[uid], header[f + "佐证材料"], text)
        cell.data_type = "s"
    wb.save(dst)
    return dst


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(Path(folder).iterdir()) if p.is_file()}
