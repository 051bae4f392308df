"""Indicators naming units in applies_to, and tasks shared by 牵头 (lead) and 责任 (responsible)
departments, on the 伊通 example (criteria edited in a copy; the bundled files are never touched)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from helpers import cli, example_copy
from scoring.cli import main

ROOT = Path(__file__).resolve().parent.parent
YITONG = ROOT / "criteria" / "yitong-2020.toml"
EXAMPLE = ROOT / "examples" / "yitong-2020"
F34 = 'applies_to = ["政府部门", "乡镇(街道)"]\nmissing = "exclude"\nowner = "县司法局"\nevidence = "调解案件登记"'


def criteria(tmp_path: Path, old: str, new: str, name: str = "c.toml") -> Path:
    text = YITONG.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path = tmp_path / name
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def results(capsys, crit: Path, data: Path = EXAMPLE) -> dict[str, dict]:
    code, out, err = cli(capsys, "run", crit, "--data", data, "--format", "json")
    assert code == 0, err
    return {u["id"]: u for c in json.loads(out)["categories"] for u in c["units"]}


def line(unit: dict, iid: str) -> dict:
    return next(x for x in unit["indicators"] if x["id"] == iid)


def category_of() -> dict[str, str]:
    with open(EXAMPLE / "units.csv", encoding="utf-8-sig", newline="") as f:
        return {r["单位编号"]: r["类别"] for r in csv.DictReader(f)}


# -------------------------------------------------------------------- applies_to naming units
def test_applies_to_a_unit_and_a_category(tmp_path, capsys):
    crit = criteria(tmp_path, F34, F34.replace('["政府部门", "乡镇(街道)"]', '["县司法局", "乡镇(街道)"]'))
    base = results(capsys, YITONG)
    got = results(capsys, crit)
    cats = category_of()
    for uid, u in got.items():
        f34 = line(u, "F3.4") if any(x["id"] == "F3.4" for x in u["indicators"]) else None
        if cats[uid] == "乡镇(街道)":
            assert u == base[uid]  # the category named: nothing changes
        elif uid == "ZF07":  # 县司法局, named by name: scored as before (its method looks at its own rate only)
            assert f34["status"] == base[uid]["indicators"][[x["id"] for x in base[uid]["indicators"]].index("F3.4")]["status"]
            assert f34["points"] == line(base[uid], "F3.4")["points"]
        elif cats[uid] == "政府部门":
            assert f34["status"] == "not_applicable" and f34["points"] is None
            assert "不适用于本单位" in f34["reason"] and "乡镇(街道)及细则指定的1个单位" in f34["reason"]
            f3 = line(u, "F3")
            old = line(base[uid], "F3")
            # rescaled as any item not applicable: F3's applicable points lose F3.4's 5 (where F3.4 was counted)
            if line(base[uid], "F3.4")["points"] is not None:
                assert f3.get("applicable_full", 25) == old.get("applicable_full", 25) - 5
        else:  # 党群部门: F3.4 never applied
            assert f34 is None and u == base[uid]


def test_units_named_take_no_part_in_others_average(tmp_path, capsys):
    """F2.3 is scored against the category's average: named units only means only they make the average.
    Changing a value of a unit it does not apply to changes nobody's result."""
    crit = criteria(tmp_path, 'field = "负责人出庭应诉率"\n', 'field = "负责人出庭应诉率"\napplies_to = ["ZF06", "县市场监督管理局", "乡镇(街道)"]\n')
    data = example_copy(tmp_path)
    before = results(capsys, crit, data)
    path = data / "县司法局.csv"
    rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    head = rows[0]
    cats = category_of()
    cases, present = head.index("行政应诉案件数"), head.index("负责人出庭应诉次数")
    changed = []
    for r in rows[1:]:  # every other 政府部门 unit now attends every case: a higher average, were they counted
        if cats[r[0]] == "政府部门" and r[0] not in ("ZF06", "ZF22") and r[cases] not in ("", "0") and r[present] != r[cases]:
            r[present] = r[cases]
            changed.append(r[0])
    assert changed
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows(rows)
    after = results(capsys, crit, data)
    for uid in before:
        for a, b in zip(before[uid]["indicators"], after[uid]["indicators"]):
            if uid not in changed:
                assert a["points"] == b["points"], (uid, a["id"])
        if uid not in changed:
            assert before[uid]["total"] == after[uid]["total"]
    # and with the whole category named, the same change does move the average (the test can fail)
    whole, bundled = results(capsys, YITONG, data), results(capsys, YITONG)
    assert any(line(whole[u], "F2.3")["points"] != line(bundled[u], "F2.3")["points"] for u in ("ZF06", "ZF22") if line(whole[u], "F2.3")["points"] is not None)


def test_unknown_unit_in_applies_to_is_located_at_run_time(tmp_path, capsys):
    crit = criteria(tmp_path, F34, F34.replace('["政府部门", "乡镇(街道)"]', '["县司法所", "乡镇(街道)"]'))
    code, out, err = cli(capsys, "check", crit)
    assert code == 0 and "县司法所（F3.4）" in out  # check has no unit list: it says what it will check
    line_no = crit.read_text(encoding="utf-8").splitlines().index('applies_to = ["县司法所", "乡镇(街道)"]') + 1
    out_file = tmp_path / "out.json"
    for cmd in (
        ["run", crit, "--data", EXAMPLE, "--format", "json", "--out", out_file],
        ["validate", crit, "--data", EXAMPLE],
        ["warn", crit, "--data", EXAMPLE],
    ):
        code, out, err = cli(capsys, *cmd)
        assert code == 2
        text = out + err
        assert f"c.toml, 第{line_no}行" in text and "县司法所" in text and "县司法局" in text  # the close match offered
    assert not out_file.exists()


# -------------------------------------------------------------------- lead / responsible
TASK = F34.replace(
    'applies_to = ["政府部门", "乡镇(街道)"]', 'lead = ["县司法局"]\nresponsible = ["县公安局", "ZF22"]\nsplit = { lead = 0.6, responsible = 0.4 }'
)


def test_task_points_split_between_lead_and_responsible(tmp_path, capsys):
    crit = criteria(tmp_path, F34, TASK)
    base = results(capsys, YITONG)
    got = results(capsys, crit)
    for uid, share, role in (("ZF07", 0.6, "牵头部门"), ("ZF05", 0.4, "责任部门"), ("ZF22", 0.4, "责任部门")):
        old, new = line(base[uid], "F3.4"), line(got[uid], "F3.4")
        assert new["applicable_full"] == pytest.approx(5 * share)
        assert new["points"] == pytest.approx(round(old["points"] * share + 1e-9, 2))
        assert new["share"] == pytest.approx(share)
        assert f"本单位为本任务的{role}" in new["reason"] and f"{share * 100:g}%" in new["reason"]
        assert new["lost"] == pytest.approx(round(new["applicable_full"] - new["points"], 2))
    for uid, u in got.items():
        if uid not in ("ZF07", "ZF05", "ZF22") and any(x["id"] == "F3.4" for x in u["indicators"]):
            assert line(u, "F3.4")["status"] == "not_applicable"
    # every sheet adds up: F3's points are its children's
    for u in got.values():
        kids = [x for x in u["indicators"] if x["parent"] == "F3" and x["points"] is not None]
        f3 = line(u, "F3")
        assert f3["points"] == pytest.approx(sum(x["points"] for x in kids), abs=1e-6)


def test_task_share_divided_equally(tmp_path, capsys):
    crit = criteria(tmp_path, F34, TASK + '\nsplit_among = "equally"')
    got = results(capsys, crit)
    assert line(got["ZF07"], "F3.4")["applicable_full"] == pytest.approx(3)
    assert line(got["ZF05"], "F3.4")["applicable_full"] == pytest.approx(1)
    assert line(got["ZF22"], "F3.4")["applicable_full"] == pytest.approx(1)


def test_task_on_the_unit_explanation(tmp_path, capsys):
    crit = criteria(tmp_path, F34, TASK)
    code, out, _ = cli(capsys, "explain", crit, "ZF05", "--data", EXAMPLE)
    assert code == 0
    row = next(ln for ln in out.splitlines() if ln.startswith("F3.4"))
    assert "5（2）" in row and "责任部门" in row and "40%" in row
    assert "县司法局" not in row.split("40%")[0]  # a unit's sheet names no other unit


@pytest.mark.parametrize(
    "new, what",
    [
        (TASK.replace("lead = 0.6", "lead = 0.7"), "之和须为 1"),
        (TASK.replace('split = { lead = 0.6, responsible = 0.4 }', ""), "须写 split"),
        (F34 + "\nsplit = { lead = 0.6, responsible = 0.4 }", "没有 lead"),
        (TASK + '\napplies_to = ["政府部门"]', "不能再写 applies_to"),
        (TASK.replace('responsible = ["县公安局", "ZF22"]', 'responsible = ["县司法局", "ZF22"]'), "既是牵头部门又是责任部门"),
    ],
)
def test_bad_task_declarations_refused_by_check(tmp_path, capsys, new, what):
    crit = criteria(tmp_path, F34, new)
    code, out, err = cli(capsys, "check", crit)
    assert code == 2 and out == "" and what in err
    lines = crit.read_text(encoding="utf-8").splitlines()
    start = lines.index('id = "F3.4"')  # the [[indicators]] line above it, numbered from 1
    end = lines.index("[[indicators]]", start)
    found = int(err.split("第")[1].split("行")[0])
    assert start <= found <= end  # located in F3.4's table


def test_one_unit_in_two_roles_or_unknown_located_at_run_time(tmp_path, capsys):
    crit = criteria(tmp_path, F34, TASK.replace('responsible = ["县公安局", "ZF22"]', 'responsible = ["ZF07", "县公安局"]'))
    code, out, err = cli(capsys, "run", crit, "--data", EXAMPLE)
    at = crit.read_text(encoding="utf-8").splitlines().index('responsible = ["ZF07", "县公安局"]') + 1
    assert code == 2 and out == "" and f"第{at}行" in err and "既是牵头部门又是责任部门" in err
    crit = criteria(tmp_path, F34, TASK.replace('lead = ["县司法局"]', 'lead = ["县司法"]'), "d.toml")
    code, out, err = cli(capsys, "run", crit, "--data", EXAMPLE)
    at = crit.read_text(encoding="utf-8").splitlines().index('lead = ["县司法"]') + 1
    assert code == 2 and out == "" and f"d.toml, 第{at}行" in err and "县司法局" in err


def test_bundled_example_unchanged_by_scopes(capsys):
    """No scope in the bundled criteria: the engine takes its usual path and the output is as before."""
    from scoring.api import load_criteria

    plan = load_criteria(str(YITONG)).plan
    assert plan.scopes == {}


def test_template_and_progress_ask_only_the_named_departments(tmp_path, capsys):
    from openpyxl import load_workbook

    crit = criteria(tmp_path, F34, TASK)
    out = tmp_path / "tpl"
    assert main(["template", str(crit), "--data", str(EXAMPLE), "--out", str(out)]) == 0
    capsys.readouterr()
    ws = load_workbook(out / "2020-县司法局-报送表.xlsx")["报送数据"]
    col = next(c.column for c in ws[5] if c.value == "矛盾纠纷调解成功率")
    open_cells = {ws.cell(r, 1).value for r in range(6, ws.max_row + 1) if ws.cell(r, col).fill.fgColor.rgb != "00BFBFBF"}
    assert open_cells == {"ZF05", "ZF07", "ZF22"}
    # progress: a blank for a department named is listed; the other units owe nothing for the task
    data = example_copy(tmp_path)
    path = data / "县司法局.csv"
    rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    j = rows[0].index("矛盾纠纷调解成功率")
    for r in rows[1:]:
        r[j] = ""
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows(rows)
    code, text, _ = cli(capsys, "progress", crit, "--data", data, "--format", "json")
    blanks = {b["unit"] for w in json.loads(text)["workbooks"] for b in w["blanks"] if b["field"] == "矛盾纠纷调解成功率"}
    assert blanks == {"ZF05", "ZF07", "ZF22"}
