"""The office report's workbook opened by a real spreadsheet program (LibreOffice Calc, headless).

The workbook is written by the project's own streaming writer (scoring/report/sheetml.py), not by a
spreadsheet library. openpyxl reading it back is one reader; here Calc opens the same file and
saves every sheet as CSV, and each sheet's text must equal what openpyxl reads, and what python-calamine
(the reader of the submissions) reads: a file Calc could not open, or opened with a sheet cut short or a
cell moved, fails.  The score sheet's texts are shared strings and most cells carry no reference (each
follows the cell before it), so the three readers must agree on both.  CI installs
``libreoffice-calc-nogui``; without ``soffice`` the test skips and says so.
"""

from __future__ import annotations

import csv
import subprocess

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from helpers import EXAMPLE_CRITERIA, EXAMPLE_DATA, cli, cli_ok
from report_support import tool

SOFFICE = tool("soffice")


def _shown(value) -> str:
    """A cell as Calc writes it into CSV (the report's numbers are at most 2 decimals)."""
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        return f"{value:.10f}".rstrip("0").rstrip(".")
    return str(value)


def _trimmed(rows: list[list[str]]) -> list[list[str]]:
    """Rows without their trailing empty cells, and without trailing empty rows."""
    out = [row[: max((k + 1 for k, v in enumerate(row) if v != ""), default=0)] for row in rows]
    while out and not out[-1]:
        out.pop()
    return out


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice Calc (soffice) is not installed")
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_calc_opens_the_report_and_reads_every_cell(tmp_path, capsys, lang):
    book = tmp_path / "report.xlsx"
    cli_ok(capsys, "report", EXAMPLE_CRITERIA, "--data", EXAMPLE_DATA, "--lang", lang, "--out", str(book))
    out = tmp_path / "calc"
    # CSV options: comma, double quote, UTF-8 (76), first line 1, cells as shown=false, sheet -1 = every sheet
    done = subprocess.run(
        [
            str(SOFFICE),
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--convert-to",
            'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1',
            "--outdir",
            str(out),
            str(book),
        ],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr
    wb = openpyxl.load_workbook(book)
    assert len(wb.sheetnames) >= 5
    cb = CalamineWorkbook.from_path(str(book))
    assert cb.sheet_names == wb.sheetnames
    for ws in wb.worksheets:
        calc = list(csv.reader((out / f"report-{ws.title}.csv").open(encoding="utf-8")))
        ours = [[_shown(v) for v in row] for row in ws.iter_rows(values_only=True)]
        assert len(calc) == len(ours), ws.title
        for n, (a, b) in enumerate(zip(calc, ours), start=1):
            a = a + [""] * (len(b) - len(a))
            b = b + [""] * (len(a) - len(b))
            assert a == b, (ws.title, n)
        calamine = [[_shown(v) for v in row] for row in cb.get_sheet_by_name(ws.title).to_python(skip_empty_area=False)]
        assert _trimmed(calamine) == _trimmed(calc), ws.title


def test_a_sheet_longer_than_excel_opens_is_refused_and_nothing_written(tmp_path, capsys, monkeypatch):
    # Excel's limit is 1 048 576 rows (a nation-size score sheet passes it); the limit is lowered here so
    # the bundled example's score sheet (about 1 500 rows) crosses it
    from scoring.report import sheetml

    monkeypatch.setattr(sheetml, "MAX_ROWS", 1000)
    book = tmp_path / "report.xlsx"
    code, out, err = cli(capsys, "report", EXAMPLE_CRITERIA, "--data", EXAMPLE_DATA, "--out", book)
    assert code == 2
    assert "工作表“评分表”超过 1000 行" in err and "--format html" in err
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []
