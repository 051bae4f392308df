"""The three-year example (criteria/yaoan-2018…2020.toml, examples/yaoan-2018…2020/) read through the store."""

from __future__ import annotations

import json
import shutil

import pytest

from helpers import example_copy, yaoan_criteria, yaoan_data
from history_support import ROOT
from scoring.cli import main
from scoring.history import NoRecord, Outcome, outcomes
from scoring.history.store import open_store

YEARS = (2018, 2019, 2020)
SERIES = "姚安县综合绩效考核"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """Each year scored, saved and finalized in turn, as an office would over three years."""
    db = tmp_path_factory.mktemp("yaoan") / "history.sqlite"
    for run, y in enumerate(YEARS, start=1):
        assert main(["run", yaoan_criteria(y), "--data", yaoan_data(y), "--save", "--db", str(db), "--operator", "考核办", "--format", "json"]) == 0
        assert main(["finalize", str(run), "--db", str(db), "--operator", "县委常委会"]) == 0
    return db


def test_each_year_scores_without_a_store_too(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # no scoring-history.sqlite here
    monkeypatch.delenv("SCORING_DB", raising=False)
    for y in YEARS:
        assert main(["run", yaoan_criteria(y), "--data", yaoan_data(y)]) == 0
    assert "上年数值全部缺失" in capsys.readouterr().err


def test_look_back_outcomes(store):
    units = ["XZ07", "XZ09", "ZF04", "ZF13", "ZF11", "ZF14", "DQ02"]
    got = outcomes(store, units, [2017, *YEARS, 2021])
    assert len(got) == len(units) * 5
    last = {u: [y for y in YEARS if got[(u, y)].found and got[(u, y)].last] for u in ("XZ07", "XZ09", "ZF04")}
    assert last == {"XZ07": [2018, 2020], "XZ09": [2019], "ZF04": [2019, 2020]}  # twice in three; two running
    assert [y for y in YEARS if got[("ZF04", y)].grade == "不合格"] == [2019, 2020]
    assert all(got[("ZF04", y)].total < 85 for y in (2019, 2020))
    for u in units:  # years with no published result are not "not caught"
        assert got[(u, 2017)] == NoRecord(2017, u, "no_final_run")
        assert got[(u, 2021)].reason == "no_final_run"
    renamed = got[("ZF13", 2018)]
    assert isinstance(renamed, Outcome) and renamed.recorded_id == "ZF08" and renamed.name == "县安全生产监督管理局"
    assert renamed.failed and renamed.grade == "不合格" and renamed.rank == renamed.of == 10
    assert got[("ZF11", 2018)].reason == "merged" and got[("ZF11", 2018)].ids == ("ZF05", "ZF06")
    assert got[("ZF14", 2018)].reason == "not_assessed" and got[("ZF14", 2019)].found
    star = got[("DQ02", 2020)]
    assert star.total >= 95 and star.no_excellent and star.grade == "良好" and star.rank == 1


def test_change_vs_last_year_reads_the_published_year_before(store):
    with open_store(store) as s:

        def points(year, unit):
            run = s.official(SERIES, year)
            (row,) = s.unit_rows(run.id, [unit])
            return next(i for i in row.sheet_dict()["indicators"] if i["id"] == "T4")

        assert points(2018, "XZ01")["status"] == "excluded"  # the first year has nothing to compare with
        assert points(2019, "XZ01")["points"] == 0.4  # 12 → 20: +8 × 0.05
        assert points(2020, "XZ01")["points"] == 0.3  # 20 → 26
        assert points(2019, "ZF04")["points"] == -1.0  # 40 → 30: −10 × 0.1
        assert points(2020, "ZF04")["points"] == -1.0  # 30 → 20
        merged = points(2019, "ZF11")  # 县自然资源局 against 县国土资源局 14 + 县林业局 9
        assert merged["points"] == 0.1 and merged["inputs"]["持证执法人员数@上年"] == 23
        assert points(2019, "ZF13")["inputs"]["持证执法人员数@上年"] == 7  # 县安全生产监督管理局 in 2018
        assert points(2019, "ZF14")["status"] == "excluded"  # 县退役军人事务局, new in 2019
        assert "第1号运行" in points(2019, "XZ01")["sources"]["持证执法人员数@上年"]


def test_unit_history_follows_renames_and_mergers(store, capsys):
    capsys.readouterr()
    assert main(["history", "县应急管理局", "--db", str(store)]) == 0
    out = capsys.readouterr().out
    assert "ZF08" in out and "县安全生产监督管理局" in out and "一票否决" in out and "ZF08 → ZF13（2019年起）" in out
    assert main(["history", "ZF11", "--db", str(store), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [y["found"] for y in doc["years"]] == [False, True, True]
    assert doc["years"][0]["reason"] == "merged" and doc["years"][0]["ids"] == ["ZF05", "ZF06"]
    assert doc["years"][2]["change"] == pytest.approx(doc["years"][2]["total"] - doc["years"][1]["total"])
    assert main(["history", "ZF06", "--db", str(store)]) == 0
    assert "scoring history ZF11" in capsys.readouterr().out
    assert main(["history", "县林草局", "--db", str(store)]) == 2
    assert "没有单位" in capsys.readouterr().err


def test_year_over_year_table(store, capsys):
    capsys.readouterr()
    assert main(["compare", "--year", "2019", "--category", "政府部门", "--db", str(store), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    rows = {u["unit"]: u for u in doc["units"]}
    assert set(rows) == {"ZF01", "ZF02", "ZF03", "ZF04", "ZF09", "ZF10", "ZF11", "ZF12", "ZF13", "ZF14"}
    zf04 = rows["ZF04"]
    assert zf04["before"]["grade"] == "良好" and zf04["now"]["grade"] == "不合格" and zf04["grade_changed"]
    assert zf04["change"] == pytest.approx(zf04["now"]["total"] - zf04["before"]["total"]) and zf04["change"] < -10
    assert zf04["rank_change"] == zf04["before"]["rank"] - zf04["now"]["rank"] < 0
    assert rows["ZF13"]["before"]["unit_id"] == "ZF08" and rows["ZF13"]["rank_change"] > 0
    assert rows["ZF11"]["before"] == {"year": 2018, "found": False, "reason": "merged", "run": 1, "ids": ["ZF05", "ZF06"]}
    assert rows["ZF14"]["before"]["reason"] == "not_assessed"
    assert rows["ZF10"]["name"] == "县卫生健康局" and rows["ZF10"]["before"]["name"] == "县卫生和计划生育局"
    assert main(["compare", "--year", "2019", "--category", "政府部门", "--db", str(store)]) == 0
    text = capsys.readouterr().out
    assert "由 ZF05、ZF06 合并" in text and "原编号 ZF08" in text and "新参评" in text and "↓" in text
    assert "2018年 印记：" in text and "2019年 印记：" in text
    assert main(["compare", "--year", "2020", "--db", str(store), "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("名次,单位编号,单位名称,类别,2019年总分,2020年总分,增减")
    assert len([ln for ln in lines if ",乡镇," in ln]) == 9
    assert main(["compare", "--year", "2019", "--category", "街道", "--db", str(store)]) == 2
    assert main(["compare", "--year", "2016", "--db", str(store)]) == 2


def test_runs_list(store, capsys):
    capsys.readouterr()
    assert main(["runs", "--db", str(store), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [(r["run"], r["year"], r["status"], r["finalized_by"]) for r in doc["runs"]] == [
        (1, 2018, "final", "县委常委会"),
        (2, 2019, "final", "县委常委会"),
        (3, 2020, "final", "县委常委会"),
    ]
    assert {r["series"] for r in doc["runs"]} == {SERIES}


def test_a_later_correction_of_last_year_does_not_change_this_years_run(store, tmp_path, capsys):
    """2019 compared with 2018 as published then; correcting 2018 afterwards leaves 2019 reproducible."""
    db = tmp_path / "copy.sqlite"
    shutil.copy(store, db)
    corrected = example_copy(tmp_path, yaoan_data(2018), "yaoan-2018")
    f = corrected / "县司法局.csv"
    rows = f.read_text(encoding="utf-8-sig").splitlines()
    rows = [",".join(r.split(",")[:-1] + ["30"]) if r.startswith("XZ01,") else r for r in rows]
    f.write_text("\n".join(rows) + "\n", encoding="utf-8-sig")
    assert main(["rescore", "1", "--data", str(corrected), "--reason", "栋川镇持证人数更正", "--db", str(db)]) == 0
    assert main(["finalize", "4", "--db", str(db)]) == 0
    capsys.readouterr()
    assert main(["verify", "2", "--db", str(db)]) == 0
    assert "结果一致" in capsys.readouterr().out


# ---------------------------------------------------------------------------- decisions look back through the store
def _decisions(store, *extra):
    import io
    from contextlib import redirect_stdout

    buf = io.StringIO()
    with redirect_stdout(buf):
        assert main(["run", yaoan_criteria(2020), "--data", yaoan_data(2020), "--decide", "--format", "json", *extra]) == 0
    doc = json.loads(buf.getvalue())
    return {(d["rule"], d["category"]): {u["id"]: u for u in d["units"]} for d in doc["decisions"]}, doc


def test_look_back_rules_read_earlier_years_from_the_store(store):
    got, doc = _decisions(store, "--db", str(store))
    assert got[("Y1", "乡镇")].keys() == {"XZ07"} and got[("Y1", "政府部门")].keys() == {"ZF04"}
    assert got[("Y2", "政府部门")]["ZF04"]["years_caught"] == [2019, 2020]  # 不合格 two years running
    assert got[("Y2", "乡镇")] == {}  # 大河口乡 was not 不合格 in 2019
    assert got[("Y3", "乡镇")].keys() == {"XZ07"}
    assert got[("Y4", "乡镇")] == {}  # last in 2018 and 2020, not two years running
    y5 = got[("Y5", "乡镇")]["XZ07"]  # twice in three years
    assert y5["status"] == "caught" and y5["years_caught"] == [2018, 2020] and y5["years_missing"] == []
    assert got[("Y7", "政府部门")]["ZF04"]["years_caught"] == [2019, 2020]
    assert doc["stamp"]["data_sha256"]  # the stamp rides along with the decisions


def test_without_history_look_back_rules_are_undetermined(store, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SCORING_DB", raising=False)
    got, _ = _decisions(store)
    y2 = got[("Y2", "政府部门")]["ZF04"]
    assert y2["status"] == "undetermined" and y2["years_missing"] == [2019]


def test_a_merged_unit_is_missing_in_the_years_before_it_existed(store):
    from scoring.history.lookback import decision_history
    from scoring.load.criteria_file import read_criteria

    criteria, _, _ = read_criteria(yaoan_criteria(2019))
    with open_store(store) as s:
        ids = [r.unit_id for r in s.unit_rows(2)]
        (y2018,) = decision_history(s, criteria, ids, [2018]).values()
    by_id = {o.unit_id: o for o in y2018}
    assert by_id["ZF13"].name == "县安全生产监督管理局" and by_id["ZF13"].failed  # renamed: today's id
    assert "ZF11" not in by_id  # merged: neither 县国土资源局 nor 县林业局 stands for 县自然资源局
    assert {"ZF05（2018）", "ZF06（2018）"} <= by_id.keys() and len(y2018) == 25  # but both count in their category


def test_rescore_lists_proposals_that_appear_and_disappear(store, tmp_path, capsys):
    db = tmp_path / "copy.sqlite"
    shutil.copy(store, db)
    corrected = example_copy(tmp_path, yaoan_data(2020), "yaoan-2020")
    f = corrected / "县委督查室.csv"
    f.write_text(f.read_text(encoding="utf-8-sig").replace("XZ07,大河口乡,64.0,", "XZ07,大河口乡,99.0,"), encoding="utf-8-sig")
    capsys.readouterr()
    assert main(["rescore", "3", "--data", str(corrected), "--reason", "大河口乡申诉", "--db", str(db), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    moved = {(d["rule"], d["unit_id"]): (d["old"], d["new"]) for d in doc["decisions"]}
    assert moved[("Y1", "XZ07")] == ("caught", None)
    assert moved[("Y3", "XZ07")] == ("caught", None) and moved[("Y5", "XZ07")] == ("caught", None)
    last = [k for k, v in moved.items() if k[0] == "Y3" and v == (None, "caught")]
    assert len(last) == 1  # the new last place of 乡镇 appears instead
    assert not any(c["what"] == "text" for c in doc["changes"])  # a rank that moves is a rank change, nothing more


# ---------------------------------------------------------------------------- decide RUN / explain RUN UNIT
def test_decide_run_reads_the_stored_run_and_its_history(store, capsys):
    """`scoring decide 3` gives the same proposal as scoring the 2020 files with the store behind them."""
    direct, _ = _decisions(store, "--db", str(store))
    capsys.readouterr()
    assert main(["decide", "3", "--db", str(store), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    stored = {(d["rule"], d["category"]): {u["id"]: u for u in d["units"]} for d in doc["decisions"]}
    assert stored == direct
    assert doc["stamp"]["run"] == 3
    assert main(["decide", "3", "--db", str(store)]) == 0
    text = capsys.readouterr().out
    assert "拟处理建议" in text and "大河口乡" in text and "2018、2020年均触发" in text


def test_explain_run_unit_gives_the_notice_text_with_the_stamp(store, capsys):
    assert main(["explain", "3", "大河口乡", "--db", str(store)]) == 0
    text = capsys.readouterr().out
    for part in ("测评指标", "失分原因", "数据来源", "乡镇三年内两次末位", "建议：组织调整", "第3号运行"):
        assert part in text
    assert main(["explain", "3", "XZ07", "--db", str(store), "--format", "json", "--lang", "en"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["sheet"]["id"] == "XZ07" and doc["stamp"]["run"] == 3
    assert any("Y5" in s for s in doc["sentences"])


def test_explain_needs_a_run_number_or_data(store, capsys):
    assert main(["explain", "criteria.toml", "XZ07", "--db", str(store)]) == 2
    err = capsys.readouterr().err
    assert "不是运行编号" in err and "--data" in err and "Traceback" not in err


def test_compare_lists_categories_in_the_criteria_order(tmp_path, capsys):
    """伊通 declares 党群部门, 政府部门, 乡镇(街道); sorted as strings 乡镇 would come first."""
    db = str(tmp_path / "h.sqlite")
    args = ["--db", db, "--operator", "考核办"]
    assert (
        main(
            [
                "run",
                str(ROOT / "criteria" / "yitong-2020.toml"),
                "--data",
                str(ROOT / "examples" / "yitong-2020"),
                "--save",
                "--format",
                "csv",
                "--out",
                str(tmp_path / "r.csv"),
                *args,
            ]
        )
        == 0
    )
    assert main(["finalize", "1", *args]) == 0
    capsys.readouterr()
    assert main(["compare", "--year", "2020", "--db", db, "--format", "csv"]) == 0
    cats = [ln.split(",")[3] for ln in capsys.readouterr().out.splitlines()[1:] if ln]
    assert list(dict.fromkeys(cats)) == ["党群部门", "政府部门", "乡镇(街道)"]
