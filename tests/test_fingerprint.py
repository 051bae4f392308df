"""The documented fingerprint check reproduces the hashes a printed stamp shows, for CSV and XLSX data."""

from __future__ import annotations

import csv
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from helpers import example_copy
from scoring.cli import main

ROOT = Path(__file__).resolve().parents[1]
CRITERIA = ROOT / "criteria" / "yitong-2020.toml"
EXAMPLE = ROOT / "examples" / "yitong-2020"


def _documented_steps() -> list[str]:
    """The command lines of the check in docs/reports.md, as an auditor would copy them."""
    text = (ROOT / "docs" / "reports.md").read_text(encoding="utf-8")
    section = text.split("### 核对数据指纹", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    return [line.split("#", 1)[0].strip() for line in block.splitlines() if line.split("#", 1)[0].strip()]


def _as_xlsx(src: Path, dst: Path) -> None:
    """The same submissions as workbooks: every CSV but the unit list becomes an .xlsx."""
    from openpyxl import Workbook

    dst.mkdir()
    for f in sorted(src.iterdir()):
        if f.name == "units.csv":
            shutil.copy(f, dst / f.name)
            continue
        wb = Workbook()
        ws = wb.active
        with open(f, encoding="utf-8-sig", newline="") as fh:
            for row in csv.reader(fh):
                ws.append([_cell(x) for x in row])
        wb.save(dst / (f.stem + ".xlsx"))


def _cell(x: str):
    try:
        return float(x) if x.strip() else None
    except ValueError:
        return x


def _stamp(capsys, criteria: Path, data: Path) -> tuple[str, str]:
    assert main(["run", str(criteria), "--data", str(data)]) == 0
    line = capsys.readouterr().out.strip().splitlines()[-1]
    m = re.search(r"细则 ([0-9a-f]{12}) · 数据 ([0-9a-f]{12})", line)
    return m.group(1), m.group(2)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_documented_steps_reproduce_the_printed_stamp(tmp_path, capsys, monkeypatch, fmt):
    work = tmp_path / "审计"
    work.mkdir()
    shutil.copy(CRITERIA, work / "细则.toml")
    if fmt == "csv":
        shutil.copytree(EXAMPLE, work / "数据目录")
    else:
        _as_xlsx(EXAMPLE, work / "数据目录")
    monkeypatch.chdir(work)
    crit_short, data_short = _stamp(capsys, Path("细则.toml"), Path("数据目录"))

    steps = _documented_steps()
    assert [s.split()[0] for s in steps] == ["scoring", "scoring", "sha256sum"]
    printed = ""
    for step in steps[:2]:
        assert main(shlex.split(step)[1:]) == 0
        printed += capsys.readouterr().out
    full = re.findall(r"SHA-256 ([0-9a-f]{64})", printed)
    assert full[0].startswith(crit_short) and full[1].startswith(data_short)
    out = subprocess.run(shlex.split(steps[2]), capture_output=True, text=True, check=True).stdout
    sums = [line.split()[0] for line in out.splitlines()]
    assert sums == full[:2]  # the standard tool agrees with the engine, for the criteria and for the data


def test_csv_and_xlsx_of_the_same_values_differ_only_by_their_file_names(tmp_path):
    from scoring.history import canonical
    from scoring.load.submissions import read_submissions
    from scoring.api import load_criteria

    plan = load_criteria(str(CRITERIA)).plan
    _as_xlsx(EXAMPLE, tmp_path / "x")
    a = read_submissions(EXAMPLE, plan.criteria).data
    b = read_submissions(tmp_path / "x", plan.criteria).data
    b.sources = {f: s.replace(".xlsx", ".csv") for f, s in b.sources.items()}
    assert canonical.data_hash(a) == canonical.data_hash(b)


def test_canonical_bytes_are_never_written_into_the_data_folder(tmp_path, capsys):
    data = example_copy(tmp_path)
    assert main(["fingerprint", str(CRITERIA), "--data", str(data), "--canonical", str(data / "x.bin")]) == 2
    assert "修改建议" in capsys.readouterr().err and not (data / "x.bin").exists()


def test_declared_blanks_are_the_blank_cells_a_policy_scored_each_once_in_the_order_first_met():
    import numpy as np

    from scoring.core.dataset import Dataset
    from scoring.core.usage import Gap
    from scoring.history.stamp import declared_blanks

    data = Dataset(["U1", "U2"], ["甲", "乙"], ["c", "c"], {"a": np.array([np.nan, np.nan])})
    gaps = [
        Gap(1, "a", "率", "indicator", "1.1", "x", "zero", "blank"),
        Gap(0, "a", "a", "indicator", "1.2", "y", "error", "blank"),  # refused, not declared
        Gap(0, "a", "a", "indicator", "1.1", "x", "exclude", "formula"),  # no value from a formula: not a blank cell
        Gap(0, "a", "a", "indicator", "1.1", "x", "exclude", "blank"),
        Gap(1, "a", "a", "indicator", "1.1", "x", "exclude", "blank"),  # the same cell and item again (through another field)
    ]
    assert declared_blanks(gaps, data) == [("U2", "乙", "a", "1.1", "zero"), ("U1", "甲", "a", "1.1", "exclude")]
