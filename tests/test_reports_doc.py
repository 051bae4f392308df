"""docs/reports.md's Python snippet runs as written, on the public API, and its report holds what
`scoring report` writes."""

from __future__ import annotations

import re

import openpyxl

from helpers import EXAMPLE_CRITERIA, EXAMPLE_DATA, ROOT, cli


def cells(path) -> list[list[tuple]]:
    return [list(ws.iter_rows(values_only=True)) for ws in openpyxl.load_workbook(path).worksheets]


def test_the_python_snippet_writes_the_report_the_command_writes(tmp_path, monkeypatch, capsys):
    (block,) = re.findall(r"```python\n(.*?)```", (ROOT / "docs" / "reports.md").read_text(encoding="utf-8"), re.S)
    assert "scoring import api" in block and "scoring.report" not in block and "scoring.core" not in block
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SCORING_DB", str(tmp_path / "no-store.sqlite"))
    for name in ("criteria", "examples"):  # the snippet's paths, as in a checkout
        (tmp_path / name).symlink_to(ROOT / name)
    exec(compile(block, "docs/reports.md", "exec"), {})
    assert cli(capsys, "report", EXAMPLE_CRITERIA, "--data", EXAMPLE_DATA, "--out", tmp_path / "命令.xlsx")[0] == 0
    assert cells(tmp_path / "考核结果.xlsx") == cells(tmp_path / "命令.xlsx")
    assert not (tmp_path / "no-store.sqlite").exists()
