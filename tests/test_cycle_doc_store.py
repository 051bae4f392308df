"""docs/cycle.md, 公示 and objections, and imported years: each block marked <!-- 输出：… --> in those
sections is what the commands print when the page's steps are followed in a temporary folder on the
bundled 伊通 example (times, seals and stamps are not in the checked blocks)."""

from __future__ import annotations

import shutil
from pathlib import Path

from helpers import cli, cli_ok
from test_cycle_doc import block

ROOT = Path(__file__).resolve().parent.parent


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

    _, err = cli_ok(capsys, "import", "2019年度考核结果.csv", "--criteria", "细则2020.toml", "--year", "2019", "--operator", "考核办")
    assert err.startswith(block("import"))
    out, _ = cli_ok(capsys, "run", "细则2020.toml", "--data", "数据", "--save", "--decide", "--operator", "李四")
    lines_in(block("lookback"), out)
    cli_ok(capsys, "finalize", "2", "--operator", "县委常委会")
    _, err = cli_ok(capsys, "publish", "2", "--from", "2021-01-05", "--to", "2021-01-11", "--operator", "王五")
    assert err == block("publish")
    _, err = cli_ok(
        capsys,
        "objection",
        "add",
        "2",
        "--unit",
        "县人力资源和社会保障局",
        "--field",
        "负责人出庭应诉次数",
        "--text",
        "2020年负责人出庭应诉2次，登记时漏记",
        "--evidence",
        "出庭记录.pdf",
        "--received",
        "2021-01-08",
        "--operator",
        "赵六",
    )
    assert err == block("objection-add")
    assert (
        cli(capsys, "objection", "add", "2", "--unit", "县商务局", "--indicator", "F2.3", "--text", "出庭应诉率计算有误", "--received", "2021-01-12")[0] == 2
    )  # after the 公示期: refused
    cli_ok(
        capsys,
        "objection",
        "add",
        "2",
        "--unit",
        "县商务局",
        "--indicator",
        "F2.3",
        "--text",
        "出庭应诉率计算有误",
        "--received",
        "2021-01-10",
        "--operator",
        "赵六",
    )
    cli_ok(
        capsys, "objection", "decide", "1", "--accept", "--value", "负责人出庭应诉次数=2", "--reason", "经核对县人民法院出庭记录，属实", "--operator", "王五"
    )
    cli_ok(capsys, "objection", "decide", "2", "--reject", "--reason", "出庭应诉率按出庭次数除以应诉案件数计算，经核计算无误", "--operator", "王五")
    out, _ = cli_ok(capsys, "objections", "2")
    assert out == block("objections")
    out, _ = cli_ok(capsys, "objection", "apply", "2", "--reason", "2020年度考核申诉复核", "--operator", "王五", "--out", "答复与通知")
    lines_in(block("apply"), out)
    assert "\n".join(sorted(p.name for p in Path("答复与通知").iterdir())) + "\n" == block("files")
    cli_ok(capsys, "finalize", "3", "--operator", "县委常委会")
    out, _ = cli_ok(capsys, "log", "2")
    kinds = [ln.split()[4] for ln in out.splitlines()[3:]]  # seq, run, date, time, event …
    assert kinds == ["保存", "定稿加封", "公示", "登记申诉", "登记申诉", "申诉决定", "申诉决定", "更正运行", "定稿加封"]
