"""The Python API gives what the command line prints, and its documented snippets run."""

from __future__ import annotations

import importlib.util
import json
import math
import re
from pathlib import Path

import pytest

from scoring import DataError, api
from scoring.cli import main

ROOT = Path(__file__).resolve().parent.parent
CRITERIA, DATA = ROOT / "criteria" / "yitong-2020.toml", ROOT / "examples" / "yitong-2020"
HAS_FRAME = any(importlib.util.find_spec(m) for m in ("pandas", "polars"))


def snippets(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), re.S)


@pytest.mark.parametrize("where", ["docs/api.md", "README.md"])
def test_the_documented_snippets_run(where, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("SCORING_DB", str(ROOT / "no-store-here.sqlite"))
    blocks = [b for b in snippets(ROOT / where) if "scoring import api" in b]
    assert blocks, f"{where} shows the API"
    for block in blocks:
        if "to_frame" in block and not HAS_FRAME:
            continue  # pandas / polars are optional; test_to_frame says so when they are missing
        exec(compile(block, where, "exec"), {})
    assert "县委办公室" in capsys.readouterr().out or where != "docs/api.md"


def test_the_api_gives_what_run_prints(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SCORING_DB", str(tmp_path / "none.sqlite"))
    assert main(["run", str(CRITERIA), "--data", str(DATA), "--format", "json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    run = api.score(api.load_criteria(CRITERIA), DATA)
    rows = {r["id"]: r for r in api.records(run)}
    units = [u for c in printed["categories"] for u in c["units"]]
    assert len(units) == len(rows) == len(run.results.data.ids)
    for u in units:
        r = rows[u["id"]]
        assert (r["name"], r["rank"], r["grade"]) == (u["name"], u["rank"], u["grade"])
        assert r["total"] == pytest.approx(u["total"], abs=0.005)
    assert printed["stamp"]["data_sha256"].startswith(run.stamp.as_dict()["data_sha256"][:12])


def test_a_bad_data_folder_raises_every_problem_and_prints_nothing(tmp_path, capsys):
    with pytest.raises(DataError) as e:
        api.score(api.load_criteria(CRITERIA), tmp_path / "missing")
    assert "missing" in e.value.render("en")
    assert capsys.readouterr() == ("", "")


def test_an_unknown_unit_names_close_matches():
    run = api.score(api.load_criteria(CRITERIA), DATA)
    assert api.find_unit(run.results, "县司法局") in run.results.data.ids
    with pytest.raises(Exception) as e:
        api.find_unit(run.results, "县司法")
    assert "县司法局" in e.value.render("zh")


def test_a_missing_store_is_said_through_warn_not_printed(tmp_path, capsys):
    crit = api.load_criteria(ROOT / "criteria" / "yaoan-2020.toml")
    assert crit.plan.previous, "the yaoan criteria compare with last year"
    notes = []
    api.score(crit, ROOT / "examples" / "yaoan-2020", db=tmp_path / "none.sqlite", warn=notes.append)
    assert [n.code for n in notes] == ["hist.prev_nodb"]
    assert capsys.readouterr() == ("", "")


def test_to_frame_has_a_row_per_unit_and_nan_where_an_indicator_does_not_count():
    if not HAS_FRAME:
        pytest.skip("neither pandas nor polars is installed (both optional)")
    run = api.score(api.load_criteria(CRITERIA), DATA)
    rows = api.records(run)
    df = api.to_frame(run)
    assert len(df) == len(rows) == len(run.results.data.ids)
    assert list(df.columns) == list(dict.fromkeys(k for r in rows for k in r))  # categories have their own indicators
    nan = [(r["id"], k) for r in rows for k, v in r.items() if isinstance(v, float) and math.isnan(v)]
    assert nan, "the example has indicators that do not count for some units"
    for unit, key in nan:  # not counted is NaN, as in the results, never 0
        cs, pos = run.results.locate(unit)
        assert math.isnan(float(cs.indicators[key].points[pos] if key in cs.indicators else cs.modules[key].score[pos]))
    by_id = df.set_index("id") if hasattr(df, "set_index") else None
    if by_id is not None:
        assert by_id.loc[rows[0]["id"], "total"] == rows[0]["total"]


def test_interim_warnings_are_what_warn_prints_and_one_unit_by_name(tmp_path, capsys):
    assert main(["warn", str(CRITERIA), "--data", str(DATA), "--format", "json", "--db", str(tmp_path / "none.sqlite")]) == 0
    printed = json.loads(capsys.readouterr().out)
    crit = api.load_criteria(CRITERIA)
    w = api.interim_warnings(crit, DATA, db=tmp_path / "none.sqlite")
    assert [(u["id"], u["total"]["color"]) for c in printed["categories"] for u in c["units"]] == [(u.id, u.total.color) for u in w.units]
    one = api.interim_warnings(crit, DATA, unit="县司法局", db=tmp_path / "none.sqlite")
    assert [u.name for u in one.units] == ["县司法局"] and one.unit == one.units[0].id


def test_sensitivity_with_the_same_seed_gives_the_same_shares_as_decide(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SCORING_DB", str(tmp_path / "none.sqlite"))
    run = api.score(api.load_criteria(CRITERIA), DATA)
    a = api.sensitivity(run, 40, 0.10, 7, decisions=True)
    b = api.sensitivity(run, 40, 0.10, 7, decisions=True)
    assert a.shares == b.shares and a.shares
    assert main(["decide", str(CRITERIA), "--data", str(DATA), "--draws", "40", "--seed", "7", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["stability"] == {"draws": 40, "spread_percent": 10.0, "seed": 7}
