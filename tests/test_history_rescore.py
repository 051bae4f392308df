"""rescore: a correction after appeal is a new run under the frozen criteria; it shows what moved."""

from __future__ import annotations

import json
import shutil

import pytest

from history_support import tiny_setup
from scoring.cli import main
from scoring.history import outcomes
from scoring.history.store import open_store


@pytest.fixture
def published(tmp_path):
    crit, folder = tiny_setup(tmp_path)
    db = tmp_path / "h.sqlite"
    assert main(["run", str(crit), "--data", str(folder), "--save", "--db", str(db), "--operator", "考核办"]) == 0
    assert main(["finalize", "1", "--db", str(db)]) == 0
    corrected = tmp_path / "corrected"
    shutil.copytree(folder, corrected)
    text = (corrected / "考核办.csv").read_text(encoding="utf-8-sig").replace("U2,70.5,", "U2,98,")
    (corrected / "考核办.csv").write_text(text, encoding="utf-8-sig")
    return db, crit, folder, corrected


def test_rescore_shows_inputs_scores_ranks_and_grades_that_moved(published, capsys):
    db, crit, folder, corrected = published
    capsys.readouterr()
    assert main(["rescore", "1", "--data", str(corrected), "--reason", "西城镇申诉：重点工作得分漏计", "--db", str(db), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["correction"]["run"] == 2 and doc["correction"]["corrects"] == 1 and doc["correction"]["status"] == "draft"
    assert doc["correction"]["reason"] == "西城镇申诉：重点工作得分漏计"
    assert doc["inputs"] == [{"unit": "U2", "name": "西城镇", "field": "a", "old": 70.5, "new": 98.0}]
    moved = {(c["unit"], c["what"]): (c["old"], c["new"]) for c in doc["changes"]}
    # U2: 42.3 + 40 = 82.30 before; 58.8 + 40 = 98.80 after, first of 甲 instead of third
    assert moved[("U2", "total")] == (82.3, 98.8)
    assert moved[("U2", "rank")] == (3, 1)
    assert ("U2", "grade") not in moved  # 好 before and after
    assert moved[("U1", "rank")] == (1, 2) and moved[("U3", "rank")] == (2, 3)
    assert not any(c["unit"] in ("U4", "U5") for c in doc["changes"])  # the other category did not move


def test_rescore_text_and_the_correction_becomes_the_published_result(published, capsys):
    db, crit, folder, corrected = published
    capsys.readouterr()
    assert main(["rescore", "1", "--data", str(corrected), "--reason", "申诉复核", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "已保存为第 2 号运行（草稿）" in out and "U2（西城镇）“a”：70.5 → 98" in out
    assert "名次 3 → 1" in out and "scoring finalize 2" in out
    with open_store(db) as s:
        assert s.official("测试县年度考核", 2020).id == 1  # a draft correction publishes nothing
    assert outcomes(db, ["U2"], [2020])[("U2", 2020)].rank == 3
    assert main(["finalize", "2", "--db", str(db)]) == 0
    with open_store(db) as s:
        assert s.official("测试县年度考核", 2020).id == 2
        assert s.run(1).final and len(s.unit_rows(1)) == 5  # the corrected run stays as it was
        assert [u.total for u in s.unit_rows(1) if u.unit_id == "U2"] == [82.3]
    got = outcomes(db, ["U2"], [2020])[("U2", 2020)]
    assert (got.rank, got.total, got.run_id) == (1, 98.8, 2)


def test_a_correction_of_a_correction(published, capsys, tmp_path):
    db, crit, folder, corrected = published
    assert main(["rescore", "1", "--data", str(corrected), "--reason", "第一次复核", "--db", str(db)]) == 0
    assert main(["finalize", "2", "--db", str(db)]) == 0
    again = tmp_path / "again"
    shutil.copytree(corrected, again)
    text = (again / "考核办.csv").read_text(encoding="utf-8-sig").replace("U5,60,2,1", "U5,60,2,0")
    (again / "考核办.csv").write_text(text, encoding="utf-8-sig")
    capsys.readouterr()
    assert main(["rescore", "2", "--data", str(again), "--reason", "事故认定撤销", "--db", str(db), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    moved = {(c["unit"], c["what"]): (c["old"], c["new"]) for c in doc["changes"]}
    assert moved[("U5", "failed")] == (True, False) and moved[("U5", "grade")] == ("差", "中")
    assert doc["correction"]["root"] == 1 and doc["correction"]["corrects"] == 2
    assert main(["finalize", "3", "--db", str(db)]) == 0
    with open_store(db) as s:
        assert s.official("测试县年度考核", 2020).id == 3


def test_rescore_uses_the_frozen_criteria_not_the_edited_file(published, capsys):
    db, crit, folder, corrected = published
    crit.write_text(crit.read_text(encoding="utf-8").replace("per = 1.5", "per = 5"), encoding="utf-8")
    capsys.readouterr()
    assert main(["rescore", "1", "--data", str(folder), "--reason", "核对", "--db", str(db), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["inputs"] == [] and doc["changes"] == []  # same data, frozen criteria: nothing moves


def test_rescore_refuses_a_draft_and_needs_a_reason(published, capsys):
    db, crit, folder, corrected = published
    assert main(["run", str(crit), "--data", str(folder), "--save", "--db", str(db)]) == 0  # run 2, a draft
    capsys.readouterr()
    assert main(["rescore", "2", "--data", str(corrected), "--reason", "x", "--db", str(db)]) == 2
    assert "尚未定稿" in capsys.readouterr().err
    assert main(["rescore", "1", "--data", str(corrected), "--reason", "  ", "--db", str(db)]) == 2
    assert "--reason" in capsys.readouterr().err
    with open_store(db) as s:
        assert [r.id for r in s.runs()] == [1, 2]  # nothing saved by the refused corrections


def test_corrections_cannot_be_deleted_once_final_and_protect_their_target(published, capsys):
    db, crit, folder, corrected = published
    assert main(["rescore", "1", "--data", str(corrected), "--reason", "复核", "--db", str(db)]) == 0
    assert main(["finalize", "2", "--db", str(db)]) == 0
    capsys.readouterr()
    assert main(["delete", "2", "--db", str(db)]) == 2
    assert "已定稿" in capsys.readouterr().err


def test_an_older_correction_cannot_replace_a_newer_final_one(published, capsys):
    db, crit, folder, corrected = published
    assert main(["rescore", "1", "--data", str(corrected), "--reason", "甲", "--db", str(db)]) == 0  # run 2
    assert main(["rescore", "1", "--data", str(folder), "--reason", "乙", "--db", str(db)]) == 0  # run 3
    assert main(["finalize", "3", "--db", str(db)]) == 0
    capsys.readouterr()
    assert main(["finalize", "2", "--db", str(db)]) == 2
    assert "取代" in capsys.readouterr().err
    with open_store(db) as s:
        assert s.official("测试县年度考核", 2020).id == 3 and not s.run(2).final
