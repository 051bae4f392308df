"""docs/cycle.md shows real output: each block marked <!-- 输出：… --> is what the command prints on the
bundled 伊通 example set up as the page says (run in a temporary folder); its TOML snippets pass `scoring check`."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from helpers import cli_ok

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "cycle.md").read_text(encoding="utf-8")
YITONG = ROOT / "criteria" / "yitong-2020.toml"


def block(name: str) -> str:
    m = re.search(rf"<!-- 输出：{name} -->\n```text\n(.*?)```", DOC, re.S)
    assert m, name
    return m.group(1)


@pytest.fixture
def year(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copy(YITONG, "细则2020.toml")
    shutil.copytree(ROOT / "examples" / "yitong-2020", "数据")
    for f in ("县统计局.csv", "县政府办公室.csv", "县应急管理局.csv"):
        (tmp_path / "数据" / f).unlink()
    return tmp_path


def test_progress_and_warn_blocks(year, capsys):
    out, _ = cli_ok(capsys, "progress", "细则2020.toml", "--data", "数据", "--due", "2021-01-15")
    assert out == block("progress")
    out, _ = cli_ok(capsys, "warn", "细则2020.toml", "--data", "数据")
    assert out.startswith(block("warn"))
    out, _ = cli_ok(capsys, "warn", "细则2020.toml", "--data", "数据", "--unit", "ZF09")
    assert out == block("warn-unit")


def test_next_and_diff_blocks(year, capsys):
    _, err = cli_ok(capsys, "criteria", "next", "细则2020.toml", "--out", "细则2021.toml")
    assert err == block("next")
    # the adjustments the page describes
    from test_criteria_years import changed_2021

    (year / "tmp").mkdir()
    edited = changed_2021(year / "tmp", capsys)
    Path("细则2021.toml").write_text(edited.read_text(encoding="utf-8"), encoding="utf-8")
    out, _ = cli_ok(capsys, "criteria", "diff", "细则2020.toml", "细则2021.toml")
    assert out == block("diff")


def test_task_block_and_toml_snippets(year, capsys):
    snippets = re.findall(r"```toml\n(.*?)```", DOC, re.S)
    text = YITONG.read_text(encoding="utf-8")
    start = text.index('[[indicators]]\nid = "F3.4"')
    end = text.index("[[indicators]]", start + 5)
    for k, snip in enumerate(snippets):
        if "[warnings]" in snip:
            Path(f"s{k}.toml").write_text(text + "\n" + snip, encoding="utf-8")
        else:  # an F3.4 in place of the bundled one
            Path(f"s{k}.toml").write_text(text[:start] + snip + "\n" + text[end:], encoding="utf-8")
        cli_ok(capsys, "check", f"s{k}.toml")
    task = next(f"s{k}.toml" for k, s in enumerate(snippets) if "lead = " in s)
    lines = [ln for ln in block("task").splitlines() if ln]
    for unit, want in zip(("县司法局", "县公安局", "县教育局"), lines):
        out, _ = cli_ok(capsys, "explain", task, unit, "--data", str(ROOT / "examples" / "yitong-2020"))
        row = next(ln for ln in out.splitlines() if ln.startswith("F3.4"))
        assert row.startswith(want.rstrip()), (unit, row)
