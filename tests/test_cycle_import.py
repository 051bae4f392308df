"""`scoring import`: an earlier year's published results from the office's own sheet, stored as a
final, sealed, imported run, so look-back rules work in the first year (docs/cycle.md)."""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path

from helpers import cli, snapshot
from history_support import ROOT

YITONG = ROOT / "criteria" / "yitong-2020.toml"
YITONG_DATA = ROOT / "examples" / "yitong-2020"


def results_2020(capsys) -> list[dict]:
    code, out, _ = cli(capsys, "run", YITONG, "--data", YITONG_DATA, "--format", "json")
    assert code == 0
    return [u for c in json.loads(out)["categories"] for u in c["units"]]


def sheet_2019(path: Path, units: list[dict]) -> Path:
    """The office's own 2019 sheet, as published: a title row, then 序号 单位编号 单位名称 类别 总分 名次 等次.
    Each unit as in 2020, one point lower (ranks and grades kept): so the unit graded 较差 and the
    last 乡镇 of 2020 were so in 2019 too."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "2019年度考核结果"
    ws.append(["伊通满族自治县2019年度综合考核结果（公示稿）"])
    ws.append(["序号", "单位编号", "单位名称", "类别", "总分", "名次", "等次", "一票否决"])
    for i, u in enumerate(units, 1):
        ws.append(
            [
                i,
                u["id"],
                u["name"],
                u["category"],
                round(u["total"] - 1, 2),
                u["rank"],
                u["grade"] or "",
                "是" if any(v.get("kind", "fail") == "fail" for v in u["vetoes"]) else "",
            ]
        )
    wb.save(path)
    return path


def decisions(capsys, db) -> dict:
    code, out, err = cli(capsys, "run", YITONG, "--data", YITONG_DATA, "--decide", "--format", "json", "--db", db)
    assert code == 0, err
    got = {}
    for r in json.loads(out)["decisions"]:
        for u in r["units"]:
            got[(r["rule"], u["id"])] = u["status"]
    return got


def test_import_2019_then_two_year_rules_decide_in_2020(capsys, tmp_path):
    units = results_2020(capsys)
    worst = next(u for u in units if u["grade"] == "较差")
    last_town = max((u for u in units if u["category"] == "乡镇(街道)"), key=lambda u: u["rank"])
    db = tmp_path / "h.sqlite"
    before = decisions(capsys, db)  # no store yet: the two-year rules cannot be decided
    assert before[("R2", worst["id"])] == "undetermined" and before[("R4", last_town["id"])] == "undetermined"

    sheet = sheet_2019(tmp_path / "2019年度考核结果.xlsx", units)
    code, _, err = cli(capsys, "import", sheet, "--criteria", YITONG, "--year", "2019", "--db", db, "--operator", "考核办")
    assert code == 0 and "导入" in err and "已加封" in err, err
    after = decisions(capsys, db)
    assert after[("R2", worst["id"])] == "caught" and after[("R4", last_town["id"])] == "caught"

    code, out, _ = cli(capsys, "runs", "--db", db, "--format", "json")
    run = json.loads(out)["runs"][0]
    assert run["status"] == "final" and run["year"] == 2019 and "导入" in run["assessment"]
    assert run["stamp"]["engine"] == "import" and run["imported"] is True
    assert "定稿（导入）" in cli(capsys, "runs", "--db", db)[1]
    import hashlib

    sha = hashlib.sha256(sheet.read_bytes()).hexdigest()
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT name, sha256 FROM imports").fetchall() == [(sheet.name, sha)]
    conn.close()
    # an imported run is not re-scored: verify, explain, objections say why; its seal is checked like any other
    for argv in (("verify", "1"), ("decide", "1"), ("rescore", "1", "--data", YITONG_DATA, "--reason", "x")):
        code, _, err = cli(capsys, *argv, "--db", db)
        assert code == 2 and "导入" in err and sha in err, (argv, err)
    assert cli(capsys, "verify", "--all", "--db", db)[0] == 0
    code, out, _ = cli(capsys, "history", worst["id"], "--db", db)
    assert code == 0 and "2019" in out
    # 2020 saved and finalized next to it: compare works in the first year
    assert cli(capsys, "run", YITONG, "--data", YITONG_DATA, "--save", "--db", db)[0] == 0
    assert cli(capsys, "finalize", "2", "--db", db)[0] == 0
    code, out, _ = cli(capsys, "compare", "--year", "2020", "--db", db, "--format", "json")
    lines = json.loads(out)
    assert code == 0 and "2019" in out
    # importing the same year again is refused: a year has one published result
    before = snapshot(db)
    code, _, err = cli(capsys, "import", sheet, "--criteria", YITONG, "--year", "2019", "--db", db)
    assert code == 2 and "已有公布结果" in err and snapshot(db) == before
    assert lines


def _write(path: Path, rows: list[list]) -> Path:
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def test_a_sheet_with_gaps_or_conflicts_is_refused_every_problem_located_nothing_stored(capsys, tmp_path):
    db = tmp_path / "h.sqlite"
    head = ["单位编号", "单位名称", "类别", "总分", "名次", "等次"]
    bad = _write(
        tmp_path / "2019.csv",
        [
            head,
            ["XZ01", "甲镇", "乡镇(街道)", "88.5", "1", "好"],
            ["XZ02", "乙镇", "乡镇(街道)", "", "2", "好"],  # total blank: never 0
            ["XZ03", "丙镇", "乡镇(街道)", "90.1", "3", "好"],  # higher total than XZ01, ranked below it
            ["XZ01", "甲镇", "乡镇(街道)", "80", "4", "好"],  # the same unit twice
            ["XZ05", "戊镇", "街道办", "80", "1", "好"],  # unknown category
            ["XZ06", "己镇", "乡镇(街道)", "79", "第五", "好"],  # rank not a number
        ],
    )
    code, _, err = cli(capsys, "import", bad, "--criteria", YITONG, "--year", "2019", "--db", db)
    assert code == 2 and "Traceback" not in err
    for where in ("D3", "E4", "第5行", "C6", "E7"):
        assert where in err, (where, err)
    assert "XZ01" in err and "乡镇(街道)" in err
    assert not db.exists()  # a bad sheet never creates the store
    missing = _write(tmp_path / "no-rank.csv", [["单位编号", "类别", "总分"], ["XZ01", "乡镇(街道)", "1"]])
    code, _, err = cli(capsys, "import", missing, "--criteria", YITONG, "--year", "2019", "--db", db)
    assert code == 2 and "名次" in err
    code, _, err = cli(capsys, "import", tmp_path / "none.xlsx", "--criteria", YITONG, "--year", "2019", "--db", db)
    assert code == 2 and "none.xlsx" in err
    assert not db.exists()  # a bad sheet never creates the store


def test_an_imported_year_decides_as_the_same_year_scored_and_stored(capsys, tmp_path):
    """姚安 2018 → 2019 (机构改革: units merged and renamed, declared in 2019's [history]): the 2019
    proposals are the same whether 2018 was scored and finalized here or imported from its published sheet."""
    crit18, data18 = ROOT / "criteria" / "yaoan-2018.toml", ROOT / "examples" / "yaoan-2018"
    crit19, data19 = ROOT / "criteria" / "yaoan-2019.toml", ROOT / "examples" / "yaoan-2019"
    scored, imported = tmp_path / "scored.sqlite", tmp_path / "imported.sqlite"
    assert cli(capsys, "run", crit18, "--data", data18, "--save", "--db", scored)[0] == 0
    assert cli(capsys, "finalize", "1", "--db", scored)[0] == 0
    code, out, _ = cli(capsys, "run", crit18, "--data", data18, "--format", "json")
    units = [u for c in json.loads(out)["categories"] for u in c["units"]]
    sheet = tmp_path / "2018.csv"
    _write(
        sheet,
        [["单位编号", "单位名称", "类别", "总分", "名次", "等次", "一票否决"]]
        + [
            [u["id"], u["name"], u["category"], u["total"], u["rank"], u["grade"] or "", "是" if any(v.get("kind") == "fail" for v in u["vetoes"]) else ""]
            for u in units
        ],
    )
    code, _, err = cli(capsys, "import", sheet, "--criteria", crit19, "--year", "2018", "--db", imported)
    assert code == 0, err

    def proposals(db):
        code, out, err = cli(capsys, "run", crit19, "--data", data19, "--decide", "--format", "json", "--db", db)
        assert code == 0, err
        return sorted((r["rule"], u["id"], u["status"], u["history"]) for r in json.loads(out)["decisions"] for u in r["units"])

    got = proposals(imported)
    assert got == proposals(scored)
    assert got != proposals(tmp_path / "empty.sqlite")  # and 2018 counts: without it the look-back reads differently


def test_a_published_list_naming_units_by_name_alone_is_matched_through_the_unit_list(capsys, tmp_path):
    units = results_2020(capsys)
    db = tmp_path / "h.sqlite"
    rows = [["单位名称", "总分", "名次", "等次", "一票否决"]] + [
        [u["name"], u["total"], u["rank"], u["grade"] or "", "是" if u["vetoes"] else "否"] for u in units
    ]
    rows[5][0] = rows[5][0] + "局"  # a name as it is not on the list
    bad = _write(tmp_path / "名单.csv", rows)
    code, _, err = cli(capsys, "import", bad, "--criteria", YITONG, "--year", "2019", "--db", db)
    assert code == 2 and "单位编号" in err  # without the list there is no id to store
    code, _, err = cli(capsys, "import", bad, "--criteria", YITONG, "--year", "2019", "--db", db, "--units", YITONG_DATA / "units.csv")
    assert code == 2 and "A6" in err and rows[5][0] in err and "不在单位名单中" in err, err
    assert not db.exists()  # a bad sheet never creates the store
    rows[5][0] = rows[5][0][:-1]
    good = _write(tmp_path / "名单2.csv", rows)
    code, _, err = cli(capsys, "import", good, "--criteria", YITONG, "--year", "2019", "--db", db, "--units", YITONG_DATA / "units.csv")
    assert code == 0, err
    conn = sqlite3.connect(db)
    stored = dict(conn.execute("SELECT unit_id, category FROM unit_results").fetchall())
    conn.close()
    assert stored == {u["id"]: u["category"] for u in units}  # ids and categories from the list


def test_a_sheet_changed_while_it_is_read_is_refused_and_nothing_is_stored(capsys, tmp_path, monkeypatch):
    """What the store keeps (and hashes) is the file whose rows were read: a sheet saved again by
    another program while it is being read is refused, never kept as a mix."""
    import scoring.history.imported as imported

    sheet = sheet_2019(tmp_path / "2019.xlsx", results_2020(capsys))
    real = imported.read_results

    def read_then_saved_again(*args, **kw):
        got = real(*args, **kw)
        with open(sheet, "ab") as f:  # another program writing to it meanwhile
            f.write(b"\0")
        return got

    monkeypatch.setattr(imported, "read_results", read_then_saved_again)
    db = tmp_path / "h.sqlite"
    code, _, err = cli(capsys, "import", sheet, "--criteria", YITONG, "--year", "2019", "--db", db)
    assert code == 2 and "读取过程中被改动" in err and not db.exists()
