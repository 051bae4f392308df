"""docs/cycle.md, 公示 and objections, and imported years: each block marked <!-- 输出：… --> in those
sections is what the commands print when the page's steps are followed in a temporary folder on the
bundled 伊通 example (times, seals and stamps are not in the checked blocks)."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

from scoring.cli import main

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "cycle.md").read_text(encoding="utf-8")


def block(name: str) -> str:
    m = re.search(rf"<!-- 输出：{name} -->\n```text\n(.*?)```", DOC, re.S)
    assert m, name
    return m.group(1)


def run(capsys, *argv) -> tuple[str, str]:
    capsys.readouterr()
    assert main(list(argv)) == 0, capsys.readouterr()
    return capsys.readouterr()


def lines_in(want: str, got: str) -> None:
    have = set(got.splitlines())
    for ln in want.splitlines():
        assert ln in have, ln


def test_the_page_as_an_office_follows_it(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    shutil.copy(ROOT / "criteria" / "yitong-2020.toml", "细则2020.toml")
    shutil.copytree(ROOT / "examples" / "yitong-2020", "数据")
    shutil.copy(ROOT / "examples" / "yitong-2019-公布结果.csv", "2019年度考核结果.csv")
    Path("出庭记录.pdf").write_bytes("%PDF-1.4 县人民法院出庭记录（演示）\n".encode("utf-8"))
    monkeypatch.delenv("SCORING_DB", raising=False)

    _, err = run(capsys, "import", "2019年度考核结果.csv", "--criteria", "细则2020.toml", "--year", "2019", "--operator", "考核办")
    assert err.startswith(block("import"))
    out, _ = run(capsys, "run", "细则2020.toml", "--data", "数据", "--save", "--decide", "--operator", "李四")
    lines_in(block("lookback"), out)
    run(capsys, "finalize", "2", "--operator", "县委常委会")
    _, err = run(capsys, "publish", "2", "--from", "2021-01-05", "--to", "2021-01-11", "--operator", "王五")
    assert err == block("publish")
    _, err = run(capsys, "objection", "add", "2", "--unit", "县人力资源和社会保障局", "--field", "负责人出庭应诉次数",
                 "--text", "2020年负责人出庭应诉2次，登记时漏记", "--evidence", "出庭记录.pdf", "--received", "2021-01-08",
                 "--operator", "赵六")
    assert err == block("objection-add")
    assert main(["objection", "add", "2", "--unit", "县商务局", "--indicator", "F2.3", "--text", "出庭应诉率计算有误",
                 "--received", "2021-01-12"]) == 2  # after the 公示期: refused
    run(capsys, "objection", "add", "2", "--unit", "县商务局", "--indicator", "F2.3", "--text", "出庭应诉率计算有误",
        "--received", "2021-01-10", "--operator", "赵六")
    run(capsys, "objection", "decide", "1", "--accept", "--value", "负责人出庭应诉次数=2", "--reason", "经核对县人民法院出庭记录，属实",
        "--operator", "王五")
    run(capsys, "objection", "decide", "2", "--reject", "--reason", "出庭应诉率按出庭次数除以应诉案件数计算，经核计算无误",
        "--operator", "王五")
    out, _ = run(capsys, "objections", "2")
    assert out == block("objections")
    out, _ = run(capsys, "objection", "apply", "2", "--reason", "2020年度考核申诉复核", "--operator", "王五", "--out", "答复与通知")
    lines_in(block("apply"), out)
    assert "\n".join(sorted(p.name for p in Path("答复与通知").iterdir())) + "\n" == block("files")
    run(capsys, "finalize", "3", "--operator", "县委常委会")
    out, _ = run(capsys, "log", "2")
    kinds = [ln.split()[4] for ln in out.splitlines()[3:]]  # seq, run, date, time, event …
    assert kinds == ["保存", "定稿加封", "公示", "登记申诉", "登记申诉", "申诉决定", "申诉决定", "更正运行", "定稿加封"]
