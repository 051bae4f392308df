"""`scoring report` and `scoring run --format xlsx|html|pdf`: thin commands, whole files or none."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest

from scoring.cli import main

from report_support import EXAMPLE_CRITERIA, EXAMPLE_DATA, ROOT

ARGS = [str(EXAMPLE_CRITERIA), "--data", str(EXAMPLE_DATA)]


def test_report_format_from_the_file_name(tmp_path, capsys):
    out = tmp_path / "结果" / "考核结果.xlsx"  # the folder is made as needed
    assert main(["report", *ARGS, "--out", str(out)]) == 0
    assert out.read_bytes()[:2] == b"PK"
    assert "已写入" in capsys.readouterr().err
    assert [p.name for p in out.parent.iterdir()] == ["考核结果.xlsx"]  # no temporary file left beside it


def test_report_html_and_run_html_are_the_same_document(tmp_path, capsys):
    a, b = tmp_path / "a.htm", tmp_path / "b.html"
    assert main(["report", *ARGS, "--out", str(a)]) == 0
    assert main(["run", *ARGS, "--format", "html", "--out", str(b)]) == 0
    assert a.read_bytes() == b.read_bytes()  # reproducible: no date, nothing random
    capsys.readouterr()
    assert main(["run", *ARGS, "--format", "html"]) == 0  # html may go to the terminal
    assert capsys.readouterr().out.startswith("<!DOCTYPE html>")


def test_unknown_extension_and_missing_out_are_user_errors(tmp_path, capsys):
    assert main(["report", *ARGS, "--out", str(tmp_path / "x.doc")]) == 2
    err = capsys.readouterr().err
    assert "无法从输出文件名" in err and "--format" in err
    assert main(["run", *ARGS, "--format", "xlsx"]) == 2
    assert "--out" in capsys.readouterr().err
    assert main(["run", *ARGS, "--format", "pdf", "--lang", "en"]) == 2
    assert "name a file with --out" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_bad_data_writes_nothing(tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    (data / "units.csv").write_text("单位编号,单位名称,类别\nA,甲局,不存在的类别\n", encoding="utf-8")
    out = tmp_path / "r.xlsx"
    out.write_bytes(b"previous")
    assert main(["report", str(EXAMPLE_CRITERIA), "--data", str(data), "--out", str(out)]) == 2
    assert "不存在的类别" in capsys.readouterr().err
    assert out.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "r.xlsx"]


def test_english_report(tmp_path):
    out = tmp_path / "r.xlsx"
    assert main(["report", *ARGS, "--out", str(out), "--lang", "en"]) == 0
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.load_workbook(io.BytesIO(out.read_bytes()))
    assert "Score sheet" in wb.sheetnames and "Proposed decisions" in wb.sheetnames
    assert "page &P of &N" in wb["Score sheet"].oddFooter.right.text


def test_heavy_libraries_only_where_needed():
    """Start-up and terminal output never import the spreadsheet or PDF libraries."""
    code = (
        "import sys; from scoring.cli import build_parser; import scoring.report; build_parser('zh');"
        "from scoring.report import output, view, html, charts, stamp;"
        "print(sorted(m for m in ('openpyxl', 'typst', 'weasyprint', 'fontTools') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True).stdout
    assert out.strip() == "[]"


def test_help_lists_the_report_command(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "report" in capsys.readouterr().out


def test_a_streamed_file_is_written_whole(tmp_path):
    """Chunks (an HTML report streamed a unit at a time) are read once and all of them land in the file."""
    from scoring.outfile import write_out

    out = tmp_path / "r.html"
    out.write_bytes(b"old")
    write_out(out, (part.encode() for part in ["<html>", "县", "</html>"]))
    assert out.read_bytes() == "<html>县</html>".encode()
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]
