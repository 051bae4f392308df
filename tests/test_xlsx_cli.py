"""The commands: `scoring validate`, `scoring template`, and `scoring run` refusing bad data."""

from __future__ import annotations

import os

import json
from pathlib import Path

import pytest

from xlsx_support import CRITERIA, UNITS, digest, write_units, write_xlsx

from scoring.cli import main
from scoring.load.template import safe_filename

ROOT = Path(__file__).resolve().parent.parent
YITONG = ROOT / "criteria" / "yitong-2020.toml"
EXAMPLE = ROOT / "examples" / "yitong-2020"


@pytest.fixture
def setup(tmp_path):
    crit = tmp_path / "criteria.toml"
    crit.write_text(CRITERIA, encoding="utf-8")
    data = tmp_path / "data"
    write_units(data)
    write_xlsx(data / "考核办.xlsx", [["单位编号", "得分"]] + [[u, 80] for u, _, _ in UNITS])
    write_xlsx(
        data / "司法局.xlsx",
        [["单位编号", "学法次数", "法律顾问", "调解成功率"]] + [[u, 4, "是", "九十" if u == "B02" else 95] for u, _, _ in UNITS],
        sheet="报送",
    )
    return crit, data


def test_validate_example_is_clean(capsys):
    assert main(["validate", str(YITONG), "--data", str(EXAMPLE)]) == 0
    out = capsys.readouterr().out
    assert "没有发现问题" in out and "结论：数据可以评分" in out
    assert "规范性文件备案率" in out and "不参评，按适用分值折算" in out  # gaps with the policy's effect


def test_validate_reports_and_exits_2(setup, capsys):
    crit, data = setup
    assert main(["validate", str(crit), "--data", str(data)]) == 2
    out = capsys.readouterr().out
    assert "司法局.xlsx, 工作表“报送”, 第3行, 列 D（调解成功率）, 单元格 D3: “九十”不是数字" in out
    assert "不能评分" in out


def test_validate_json(setup, capsys):
    crit, data = setup
    assert main(["validate", str(crit), "--data", str(data), "--format", "json", "--lang", "en"]) == 2
    doc = json.loads(capsys.readouterr().out)
    assert doc["schema"] == "scoring.validation/1" and doc["ok"] is False
    (p,) = doc["problems"]
    assert {k: p[k] for k in ("file", "sheet", "row", "column", "cell", "found", "code")} == {
        "file": "司法局.xlsx",
        "sheet": "报送",
        "row": 3,
        "column": "D（调解成功率）",
        "cell": "D3",
        "found": "九十",
        "code": "data.not_number",
    }
    assert p["expected"] == "a number (0 to 100)" and p["hint"]
    gap = next(g for g in doc["gaps"] if g["unit"] == "X01" and g["field"] == "自评得分")
    assert gap["policy"] == "exclude" and gap["indicator"] == "F" and gap["action"].startswith("not assessed")


def test_run_writes_nothing_when_the_data_has_problems(setup, capsys, tmp_path):
    crit, data = setup
    out = tmp_path / "result.csv"
    before = digest(data)
    assert main(["run", str(crit), "--data", str(data), "--format", "csv", "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert not out.exists() and captured.out == ""
    assert "单元格 D3" in captured.err
    assert digest(data) == before


def test_run_after_fixing(setup, capsys, tmp_path):
    crit, data = setup
    write_xlsx(data / "司法局.xlsx", [["单位编号", "学法次数", "法律顾问", "调解成功率"]] + [[u, 4, "是", "95%"] for u, _, _ in UNITS])
    assert main(["run", str(crit), "--data", str(data)]) == 0
    captured = capsys.readouterr()
    assert "B01" in captured.out and captured.err == ""  # normalised "95%": shown by validate, not by run


def test_template_command_refuses_to_overwrite(setup, capsys, tmp_path):
    crit, data = setup
    out = tmp_path / "templates"
    assert main(["template", str(crit), "--units", str(data / "units.csv"), "--out", str(out)]) == 0
    files = digest(out)
    assert "2024-司法局-报送表.xlsx" in files and len(files) == 3 + len(UNITS)
    # a second run would overwrite returned, filled files: refused, nothing written
    (out / "2024-司法局-报送表.xlsx").write_bytes(b"filled in by hand")
    before = digest(out)
    assert main(["template", str(crit), "--data", str(data), "--out", str(out)]) == 2
    assert "--force" in capsys.readouterr().err
    assert digest(out) == before
    assert main(["template", str(crit), "--data", str(data), "--out", str(out), "--force"]) == 0
    assert digest(out)["2024-司法局-报送表.xlsx"] != before["2024-司法局-报送表.xlsx"]


def test_template_needs_a_unit_list(setup, capsys, tmp_path):
    crit, data = setup
    assert main(["template", str(crit), "--units", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "o")]) == 2
    assert "units" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        main(["template", str(crit), "--out", str(tmp_path / "o")])
    assert e.value.code == 2


@pytest.mark.parametrize("owner, bad", [("县人民法院/县司法局", "/"), ('a:b*c?"d"<e>|f\\g', ':*?"<>|\\'), ("CON", None), ("名称. ", None)])
def test_file_names_are_safe_on_windows(owner, bad):
    name = safe_filename(owner)
    assert not any(c in name for c in (bad or "")) and name
    assert name.split(".")[0].upper() not in {"CON", "PRN", "AUX", "NUL"}
    assert not name.endswith((".", " "))


def test_startup_does_not_import_openpyxl():
    import subprocess
    import sys

    code = "import sys, scoring.cli; print('openpyxl' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"


def test_last_years_values_are_not_asked_for():
    """<field>@上年 comes from the history store, not from submissions: no gap, no template column."""
    from scoring.api import load_criteria
    from scoring.load.template import plan_templates
    from scoring.load.submissions import read_submissions
    from scoring.load.validate import validate

    plan = load_criteria(str(ROOT / "criteria" / "yaoan-2020.toml")).plan
    assert plan.previous == ["持证执法人员数@上年"]
    report = validate(plan, ROOT / "examples" / "yaoan-2020")
    assert report.ok and not [g for g in report.gaps if "@" in g.field or "@" in g.reads]
    units = read_submissions(ROOT / "examples" / "yaoan-2020", plan.criteria)
    from scoring.load.submissions import Units

    u = Units(units.data.ids, units.data.names, units.data.categories)
    jobs, _ = plan_templates(plan, u)
    asked = [f for _, _, fields, _ in jobs for f in fields]
    assert "持证执法人员数" in asked and not [f for f in asked if "@" in f]


def test_templates_get_the_mode_of_any_new_file(setup, tmp_path):
    """Colleagues on a shared folder must be able to open them: not mkstemp's private 0600."""
    crit, data = setup
    out = tmp_path / "templates"
    old = os.umask(0o022)
    try:
        assert main(["template", str(crit), "--units", str(data / "units.csv"), "--out", str(out)]) == 0
    finally:
        os.umask(old)
    modes = {p.name: p.stat().st_mode & 0o777 for p in out.iterdir()}
    assert modes and set(modes.values()) == {0o644}, modes
    assert not [n for n in modes if n.startswith(".")]  # no temporary file left beside them
