"""Two units with one name (the unit list allows it): a name given on the command line never picks one of
them silently, and one unit's paper never replaces another's."""

from __future__ import annotations

import shutil

import pytest

from scoring.cli import main

from history_support import ROOT

CRIT = str(ROOT / "criteria" / "yaoan-2020.toml")


@pytest.fixture
def data(tmp_path):
    """The 姚安 2020 data with 光禄镇 (XZ02) renamed 栋川镇, the name XZ01 already has."""
    folder = tmp_path / "data"
    shutil.copytree(ROOT / "examples" / "yaoan-2020", folder)
    for f in folder.glob("*.csv"):
        f.write_text(f.read_text(encoding="utf-8-sig").replace("光禄镇", "栋川镇"), encoding="utf-8")
    return folder


def test_explain_refuses_a_name_two_units_share(data, capsys):
    assert main(["explain", CRIT, "栋川镇", "--data", str(data)]) == 2
    err = capsys.readouterr().err
    assert "XZ01" in err and "XZ02" in err and "单位编号" in err and "Traceback" not in err
    assert main(["explain", CRIT, "XZ02", "--data", str(data)]) == 0


def test_unit_papers_of_units_sharing_a_name_are_refused_before_any_is_written(data, tmp_path, capsys):
    pub = [
        "--issuer",
        "县考核办",
        "--date",
        "2021-01-15",
        "--public-from",
        "2021-01-16",
        "--public-to",
        "2021-01-22",
        "--object-by",
        "2021-01-22",
        "--contact",
        "0878-1234567",
        "--address",
        "县政府",
    ]
    pack = tmp_path / "pack"
    assert main(["report", CRIT, "--data", str(data), "--for", "unit", "--format", "html", "--out", str(pack), *pub]) == 2
    assert "栋川镇" in capsys.readouterr().err
    assert not pack.exists() or not list(pack.iterdir())
    one = tmp_path / "one.html"
    assert main(["report", CRIT, "--data", str(data), "--for", "unit", "--unit", "栋川镇", "--out", str(one), *pub]) == 2
    assert not one.exists()
    assert main(["report", CRIT, "--data", str(data), "--for", "unit", "--unit", "XZ02", "--out", str(one), *pub]) == 0
    assert one.exists()
