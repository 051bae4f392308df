"""`scoring criteria next` (next year's file, text edited, comments kept, never overwriting) and
`scoring criteria diff` (what an office attaches to its 考核方案说明)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from helpers import cli
from scoring.cli import main

ROOT = Path(__file__).resolve().parent.parent
CRIT = ROOT / "criteria"
YITONG = CRIT / "yitong-2020.toml"


def test_next_year_of_yaoan_2019_is_the_bundled_2020_but_for_a_comment(tmp_path, capsys):
    src = tmp_path / "yaoan-2019.toml"
    shutil.copy(CRIT / "yaoan-2019.toml", src)
    before = src.read_bytes()
    out = tmp_path / "yaoan-2020.toml"
    code, _, err = cli(capsys, "criteria", "next", src, "--out", out)
    assert code == 0 and src.read_bytes() == before
    new = out.read_text(encoding="utf-8").splitlines()
    bundled = (CRIT / "yaoan-2020.toml").read_text(encoding="utf-8").splitlines()
    assert len(new) == len(bundled)
    differ = [k for k, (a, b) in enumerate(zip(new, bundled), start=1) if a != b]
    assert differ == [1]  # the heading comment, which the office edits itself: listed, not touched
    assert "第1行：# 姚安县 2019 年度" in err
    # the renaming years of [[history.aliases]] are look-back references, kept and not listed
    assert "year = 2019" in out.read_text(encoding="utf-8") and "year = 2019" not in err
    code, out_text, _ = cli(capsys, "check", out)
    assert code == 0 and "（2020）" in out_text


def test_next_keeps_every_other_byte_and_the_series(tmp_path, capsys):
    out = tmp_path / "yitong-2021.toml"
    code, _, _ = cli(capsys, "criteria", "next", YITONG, "--out", out)
    assert code == 0
    old = YITONG.read_text(encoding="utf-8").splitlines()
    new = out.read_text(encoding="utf-8").splitlines()
    changed = [(a, b) for a, b in zip(old, new) if a != b]
    assert changed == [('name = "伊通满族自治县2020年度综合考核"', 'name = "伊通满族自治县2021年度综合考核"'), ("year = 2020", "year = 2021")]
    assert len(old) == len(new)
    from scoring.api import load_criteria

    p0 = load_criteria(str(YITONG)).plan
    p1 = load_criteria(str(out)).plan
    assert p0.criteria.series == p1.criteria.series  # look-back rules find 2020's results from 2021


def test_next_with_a_year_and_comments_on_the_lines(tmp_path, capsys):
    src = tmp_path / "c.toml"
    src.write_text(YITONG.read_text(encoding="utf-8").replace("year = 2020", "year = 2020   # 考核年度", 1), encoding="utf-8")
    out = tmp_path / "c-2023.toml"
    code, _, err = cli(capsys, "criteria", "next", src, "--out", out, "--year", 2023)
    assert code == 0
    text = out.read_text(encoding="utf-8")
    assert "year = 2023   # 考核年度" in text and 'name = "伊通满族自治县2023年度综合考核"' in text


def test_next_refuses(tmp_path, capsys):
    out = tmp_path / "n.toml"
    out.write_text("别人的文件", encoding="utf-8")
    code, _, err = cli(capsys, "criteria", "next", YITONG, "--out", out)
    assert code == 2 and "已存在" in err and str(out) in err
    assert out.read_text(encoding="utf-8") == "别人的文件"
    src = tmp_path / "c.toml"
    shutil.copy(YITONG, src)
    code, _, err = cli(capsys, "criteria", "next", src, "--out", src)
    assert code == 2 and src.read_bytes() == YITONG.read_bytes()
    fresh = tmp_path / "fresh.toml"
    code, _, err = cli(capsys, "criteria", "next", YITONG, "--out", fresh, "--year", 2019)
    assert code == 2 and not fresh.exists() and "第11行" in err and "须晚于" in err
    bad = tmp_path / "bad.toml"
    bad.write_text(YITONG.read_text(encoding="utf-8").replace("total = 100 ", "total = 90 ", 1), encoding="utf-8")
    code, _, err = cli(capsys, "criteria", "next", bad, "--out", fresh)
    assert code == 2 and not fresh.exists()  # only criteria that pass `scoring check` are carried forward
    inline = tmp_path / "inline.toml"  # a name written as a multi-line string: not edited, refused at its line
    text = YITONG.read_text(encoding="utf-8").replace('name = "伊通满族自治县2020年度综合考核"', 'name = """伊通满族自治县2020年度综合考核"""', 1)
    inline.write_text(text, encoding="utf-8")
    code, _, err = cli(capsys, "criteria", "next", inline, "--out", fresh)
    assert code == 2 and not fresh.exists() and "第10行" in err


def changed_2021(tmp_path: Path, capsys) -> Path:
    """Next year's 伊通 criteria with the kind of changes an office makes."""
    out = tmp_path / "yitong-2021.toml"
    assert main(["criteria", "next", str(YITONG), "--out", str(out)]) == 0
    capsys.readouterr()
    t = out.read_text(encoding="utf-8")
    edits = [
        ('weights = { "党群部门" = 17, "政府部门" = 22, "乡镇(街道)" = 11 }', 'weights = { "党群部门" = 19, "政府部门" = 22, "乡镇(街道)" = 11 }'),
        ('weights = { "党群部门" = 35, "政府部门" = 25, "乡镇(街道)" = 25 }', 'weights = { "党群部门" = 33, "政府部门" = 25, "乡镇(街道)" = 25 }'),
        ('params = { required = 6, per_short = 0.3, max_deduction = 1.2 }', 'params = { required = 8, per_short = 0.3, max_deduction = 1.2 }'),
        ('name = "专题研究法治建设工作"\nfull = 3', 'name = "专题研究法治政府建设工作"\nfull = 2'),
        ('name = "常务会议（党组会议）会前学法"\nfull = 3', 'name = "常务会议（党组会议）会前学法"\nfull = 4'),
        ('id = "F1.7"', 'id = "F1.8"'),
    ]
    for a, b in edits:
        assert t.count(a) == 1, a
        t = t.replace(a, b)
    out.write_text(t, encoding="utf-8")
    return out


def test_diff_names_each_change(tmp_path, capsys):
    new = changed_2021(tmp_path, capsys)
    code, out, _ = cli(capsys, "criteria", "diff", YITONG, new, "--format", "json")
    assert code == 0
    doc = json.loads(out)
    kinds = {(c["kind"], c["id"], c.get("category")): c for c in doc["changes"]}
    assert kinds[("module_weight", "fzzf", "党群部门")]["old"] == 17 and kinds[("module_weight", "fzzf", "党群部门")]["new"] == 19
    assert kinds[("module_weight", "djjs", "党群部门")]["new"] == 33
    assert ("indicator_added", "F1.8", None) in kinds and ("indicator_removed", "F1.7", None) in kinds
    assert kinds[("indicator_renamed", "F1.3", None)]["new"] == "专题研究法治政府建设工作"
    assert kinds[("indicator_points", "F1.2", None)]["old"] == 3 and kinds[("indicator_points", "F1.2", None)]["new"] == 4
    m = kinds[("indicator_method", "F1.2", None)]
    assert m["old"]["params"]["required"] == 6 and m["new"]["params"]["required"] == 8
    assert "6" in m["old"]["rule"] and "8" in m["new"]["rule"]
    # shares of the total: F1.2 in 党群部门 went from 3 points of a 17-point module to 4 of a 19-point one,
    # the module's applicable points unchanged (F1.3 gave the point F1.2 took)
    s = kinds[("share", "F1.2", "党群部门")]
    assert s["new"] == pytest.approx(s["old"] * (19 * 4) / (17 * 3), abs=0.01)
    assert ("share", "F1.2", "乡镇(街道)") in kinds  # points moved within the module for every category
    assert ("share", "D", "政府部门") not in kinds  # 政府部门's 党建 weight did not move
    changed = {c["id"] for c in doc["changes"]}
    assert "F2.1" not in changed or all(c["kind"] == "share" for c in doc["changes"] if c["id"] == "F2.1")

    code, text, _ = cli(capsys, "criteria", "diff", YITONG, new)
    assert code == 0
    lines = text.splitlines()
    assert lines[0] == "评分细则对照：伊通满族自治县2020年度综合考核（2020年）→ 伊通满族自治县2021年度综合考核（2021年）"
    assert "  法治政府建设（fzzf）在“党群部门”的权重：17 → 19" in lines
    assert "  专题研究法治建设工作 → 专题研究法治政府建设工作（编号 F1.3）" in lines
    assert "  F1.2 常务会议（党组会议）会前学法：3分 → 4分" in lines
    heads = [ln for ln in lines if ln[:2] in ("一、", "二、", "三、", "四、", "五、", "六、", "七、", "八、")]
    assert [h.split("（")[0] for h in heads] == [
        "一、模块与权重调整",
        "二、新增指标",
        "三、删去指标",
        "四、更名或调整归属的指标",
        "五、分值调整",
        "六、评分方法或标准调整",
        "七、各类别指标折合权重变化",
    ]


def test_shares_add_up_to_each_module_weight(tmp_path, capsys):
    from scoring.api import load_criteria
    from scoring.core.criteria_diff import shares

    for path in (YITONG, changed_2021(tmp_path, capsys), CRIT / "yaoan-2020.toml"):
        plan = load_criteria(str(path)).plan
        sh = shares(plan)
        c = plan.criteria
        for m in c.modules:
            tops = [i.id for i in c.indicators if i.parent is None and i.module == m.id and not i.bonus]
            for cat, w in m.weights.items():
                assert sum(sh.get((cat, i), 0) for i in tops) == pytest.approx(w)
                for top in tops:  # and each group's share is its children's
                    kids = [i.id for i in c.indicators if i.parent == top]
                    if kids and (cat, top) in sh:
                        assert sum(sh.get((cat, k), 0) for k in kids) == pytest.approx(sh[(cat, top)])


def test_diff_of_a_file_with_itself_and_next_year(tmp_path, capsys):
    code, out, _ = cli(capsys, "criteria", "diff", YITONG, YITONG)
    assert code == 0 and "内容相同" in out
    nxt = tmp_path / "n.toml"
    cli(capsys, "criteria", "next", YITONG, "--out", nxt)
    code, out, _ = cli(capsys, "criteria", "diff", YITONG, nxt, "--format", "json")
    assert json.loads(out)["changes"] == []


def test_diff_refuses_bad_criteria_located(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text(YITONG.read_text(encoding="utf-8").replace('method = "quota"', 'method = "quotaa"', 1), encoding="utf-8")
    out = tmp_path / "diff.txt"
    code, _, err = cli(capsys, "criteria", "diff", YITONG, bad, "--out", out)
    assert code == 2 and "bad.toml" in err and "第104行" in err and not out.exists()
    code, _, err = cli(capsys, "criteria", "diff", YITONG, tmp_path / "none.toml")
    assert code == 2 and "找不到评分细则文件" in err
