"""`scoring progress`: expected workbooks from what `scoring template` writes, matched to the
files that arrived; missing ones named first; blanks, problems and reminders per owner."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from helpers import cli, example_copy
from scoring.cli import main
from xlsx_support import CRITERIA as SMALL, UNITS, digest, fill_template, write_units

ROOT = Path(__file__).resolve().parent.parent
YITONG = ROOT / "criteria" / "yitong-2020.toml"
EXAMPLE = ROOT / "examples" / "yitong-2020"


def test_two_removed_workbooks_are_the_first_lines(tmp_path, capsys):
    data = example_copy(tmp_path)
    (data / "县应急管理局.csv").unlink()
    (data / "县政府办公室.csv").unlink()
    before = digest(data)
    code, out, _ = cli(capsys, "progress", YITONG, "--data", data, "--due", "2021-01-15")
    assert code == 0
    lines = out.splitlines()
    assert "未收到2份" in lines[0]
    named = {"2020-县应急管理局-报送表.xlsx", "2020-县政府办公室-报送表.xlsx"}
    assert {ln.split("：", 1)[1].split("（")[0] for ln in lines[1:3]} == named
    assert all(ln.strip().startswith("未收到") for ln in lines[1:3])
    assert "未收到：" not in "\n".join(lines[3:])  # named once, at the top
    # one reminder for each, with the due date, ready to paste
    rem = [ln.strip() for ln in lines if "请于2021年1月15日前报送《" in ln]
    assert sorted(r.split("《")[1].split("》")[0] for r in rem) == sorted(named)
    assert digest(data) == before  # the data folder is only read

    code, out, _ = cli(capsys, "progress", YITONG, "--data", data, "--format", "json")
    doc = json.loads(out)
    assert doc["schema"] == "scoring.progress/1"
    assert set(doc["missing"]) == named
    assert doc["summary"]["missing"] == 2
    by_file = {w["file"]: w for w in doc["workbooks"]}
    assert by_file["2020-县应急管理局-报送表.xlsx"]["status"] == "missing"
    assert by_file["2020-县委组织部-报送表.xlsx"]["received_as"] == ["县委组织部.csv"]


def test_complete_example_names_nothing_missing(tmp_path, capsys):
    data = example_copy(tmp_path)
    code, out, _ = cli(capsys, "progress", YITONG, "--data", data)
    assert code == 0
    lines = out.splitlines()
    assert "未收到0份" in lines[0] and "未收到：" not in out
    # 县人民法院's and 县普法办's figures come inside 县司法局.csv: not missing, and said where they are
    assert "县人民法院：未单独报送，数据见 县司法局.csv" in out
    assert "催报提醒0条" in out


def test_blank_and_wrong_cells_go_to_their_owner(tmp_path, capsys):
    data = example_copy(tmp_path)
    path = data / "县委依法治县办.csv"
    rows = path.read_text(encoding="utf-8-sig").split("\n")
    head = rows[0].split(",")
    r1, r2 = rows[1].split(","), rows[2].split(",")
    r1[head.index("会前学法次数")] = "五"
    r2[head.index("专题研究法治工作次数")] = ""
    rows[1], rows[2] = ",".join(r1), ",".join(r2)
    path.write_text("\n".join(rows), encoding="utf-8-sig")
    code, out, _ = cli(capsys, "progress", YITONG, "--data", data)
    assert code == 0  # progress reports; it does not refuse
    assert "县委依法治县办：县委依法治县办.csv；须补报1处，可留空0处，问题1个" in out
    assert "须补报“专题研究法治工作次数”：1个单位（DQ02 县委办公室）" in out
    assert "DQ01 县纪委监委机关（党群部门）：须补报0项：—；有问题的字段：会前学法次数" in out
    reminder = next(ln for ln in out.splitlines() if ln.strip().startswith("县委依法治县办：已收到"))
    assert "专题研究法治工作次数（DQ02 县委办公室）" in reminder and "“五”不是数字" in reminder
    assert "请尽快" in reminder


def _templates(tmp_path: Path, capsys) -> tuple[Path, Path]:
    crit = tmp_path / "c.toml"
    crit.write_text(SMALL, encoding="utf-8")
    sent = tmp_path / "sent"
    write_units(sent)
    assert main(["template", str(crit), "--data", str(sent), "--out", str(sent)]) == 0
    capsys.readouterr()
    return crit, sent


def test_returned_templates_matched_by_their_hidden_sheet(tmp_path, capsys):
    crit, sent = _templates(tmp_path, capsys)
    data = tmp_path / "data"
    write_units(data)
    # 司法局 returns its workbook renamed and partly filled; 考核办 and one unit return theirs as sent;
    # 应急局 and the other units send nothing
    fill_template(sent / "2024-司法局-报送表.xlsx", data / "回传（已填）.xlsx", {("B01", "学法次数"): 4, ("B01", "法律顾问"): "是", ("B01", "调解成功率"): 95})
    shutil.copy(sent / "2024-考核办-报送表.xlsx", data / "2024-考核办-报送表.xlsx")
    shutil.copy(sent / "2024-X01-伊通镇-报送表.xlsx", data / "X01.xlsx")
    code, out, _ = cli(capsys, "progress", crit, "--data", data, "--format", "json")
    assert code == 0
    doc = json.loads(out)
    status = {w["file"]: w["status"] for w in doc["workbooks"]}
    assert status["2024-司法局-报送表.xlsx"] == "received"
    assert status["2024-考核办-报送表.xlsx"] == "received"
    assert status["2024-X01-伊通镇-报送表.xlsx"] == "received"
    expected_missing = {"2024-应急局-报送表.xlsx"} | {f"2024-{u}-{n}-报送表.xlsx" for u, n, _ in UNITS if u != "X01"}
    assert set(doc["missing"]) == expected_missing
    x02 = next(u for u in doc["units"] if u["id"] == "X02")  # a 乡镇: what it owes, and what came in
    assert {(w["file"], w["status"]) for w in x02["workbooks"]} == {
        ("2024-考核办-报送表.xlsx", "received"),
        ("2024-司法局-报送表.xlsx", "received"),
        ("2024-应急局-报送表.xlsx", "missing"),
        ("2024-X02-二道镇-报送表.xlsx", "missing"),
    }
    sfj = next(w for w in doc["workbooks"] if w["file"] == "2024-司法局-报送表.xlsx")
    assert sfj["received_as"] == ["回传（已填）.xlsx"]
    required = {(b["unit"], b["field"]) for b in sfj["blanks"] if b["policy"] == "error"}
    # 法律顾问 and 调解成功率 are required (missing = "error"); B01 gave both
    assert ("B01", "法律顾问") not in required and ("B02", "法律顾问") in required
    assert ("X02", "调解成功率") in required
    # 学法次数 counts as 0 when blank (missing = "zero"): blank but not required
    assert all(b["policy"] == "zero" for b in sfj["blanks"] if b["field"] == "学法次数")

    code, out, _ = cli(capsys, "progress", crit, "--data", data)
    lines = out.splitlines()
    assert "未收到5份" in lines[0]
    assert {ln.split("：", 1)[1].split("（")[0] for ln in lines[1:6]} == expected_missing


def test_self_reported_workbook_named_by_the_unit(tmp_path, capsys):
    crit, sent = _templates(tmp_path, capsys)
    data = tmp_path / "data"
    write_units(data)
    for src in sent.glob("*.xlsx"):
        if "B02" not in src.name:
            shutil.copy(src, data / src.name)
    code, out, _ = cli(capsys, "progress", crit, "--data", data)
    lines = out.splitlines()
    assert "未收到1份" in lines[0]
    assert lines[1].strip() == "未收到：2024-B02-县司法局-报送表.xlsx（B02 县司法局；字段：自评得分；1个单位）"


@pytest.mark.parametrize("due", ["2021-13-01", "明天", "2021-1"])
def test_a_bad_due_date_is_refused(tmp_path, capsys, due):
    data = example_copy(tmp_path)
    with pytest.raises(SystemExit) as e:
        main(["progress", str(YITONG), "--data", str(data), "--due", due])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert "--due" in err and f"“{due}”不是日期" in err


def test_due_date_forms(tmp_path, capsys):
    data = example_copy(tmp_path)
    (data / "县统计局.csv").unlink()
    for due in ("2021年1月15日", "2021/1/15", "2021.01.15"):
        code, out, _ = cli(capsys, "progress", YITONG, "--data", data, "--due", due)
        assert code == 0 and "请于2021年1月15日前报送《2020-县统计局-报送表.xlsx》" in out


def test_no_folder_or_no_unit_list_exits_2(tmp_path, capsys):
    code, out, err = cli(capsys, "progress", YITONG, "--data", tmp_path / "none")
    assert code == 2 and out == "" and "找不到数据目录" in err
    empty = tmp_path / "empty"
    empty.mkdir()
    code, out, err = cli(capsys, "progress", YITONG, "--data", empty)
    assert code == 2 and out == "" and "units.csv" in err
    data = example_copy(tmp_path)
    (data / "units.csv").write_text("单位编号,单位名称,类别\nDQ01,县纪委监委机关,不存在的类别\n", encoding="utf-8")
    code, out, err = cli(capsys, "progress", YITONG, "--data", data)
    assert code == 2 and out == "" and "units.csv" in err and "第2行" in err


def test_english(tmp_path, capsys):
    data = example_copy(tmp_path)
    (data / "县统计局.csv").unlink()
    code, out, _ = cli(capsys, "progress", YITONG, "--data", data, "--lang", "en", "--due", "2021-01-15")
    assert code == 0
    assert out.splitlines()[1].strip().startswith("missing: 2020-县统计局-报送表.xlsx")
    assert "please send \"2020-县统计局-报送表.xlsx\"" in out and "by 2021-01-15" in out
