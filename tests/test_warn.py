"""`scoring warn`: interim warnings on partial data, marked interim in every output; a unit's
sheet alone; thresholds declared in [warnings] and checked by `scoring check`."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from helpers import cli, example_copy

ROOT = Path(__file__).resolve().parent.parent
YITONG = ROOT / "criteria" / "yitong-2020.toml"
EXAMPLE = ROOT / "examples" / "yitong-2020"
NOTICE = "阶段性预警，不作为考核结果"


@pytest.fixture
def partial(tmp_path) -> Path:
    """The example in mid-year: 县统计局 (survey votes, 社会评价, 经济发展) has sent nothing yet."""
    data = example_copy(tmp_path)
    (data / "县统计局.csv").unlink()
    return data


def units_of(data: Path) -> list[tuple[str, str, str]]:
    with open(data / "units.csv", encoding="utf-8-sig", newline="") as f:
        return [(r["单位编号"], r["单位名称"], r["类别"]) for r in csv.DictReader(f)]


def test_every_output_is_marked_interim(partial, capsys):
    code, out, _ = cli(capsys, "warn", YITONG, "--data", partial)
    assert code == 0
    lines = out.strip().splitlines()
    assert NOTICE in lines[0] and NOTICE in lines[-1]
    code, out, _ = cli(capsys, "warn", YITONG, "--data", partial, "--format", "json")
    doc = json.loads(out)
    assert doc["interim"] is True and doc["notice"] == NOTICE and doc["schema"] == "scoring.warnings/1"
    code, out, _ = cli(capsys, "warn", YITONG, "--data", partial, "--format", "csv")
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == [NOTICE]
    assert all(r[0] == NOTICE for r in rows[2:]) and len(rows) > 2
    code, out, _ = cli(capsys, "warn", YITONG, "--data", partial, "--unit", "ZF03")
    assert out.strip().splitlines()[0].strip("【】") == NOTICE and NOTICE in out.strip().splitlines()[-1]


def test_missing_is_not_yet_submitted_never_zero(partial, capsys):
    code, out, _ = cli(capsys, "warn", YITONG, "--data", partial, "--format", "json", "--indicators")
    doc = json.loads(out)
    for cat in doc["categories"]:
        for u in cat["units"]:
            shpj = next(m for m in u["modules"] if m["id"] == "shpj")
            assert shpj["rate"] is None and shpj["color"] == "none"  # nothing in: no colour, not a red 0
            f4 = next(m for m in u["indicators"] if m["id"] == "F4")
            assert f4["rate"] is None
            missing = {m["field"] for m in u["not_yet_submitted"]}
            assert {"社会评价得分", "满意票", "不了解票"} <= missing
    # the full run refuses these data (missing = "error"); the interim run lists them instead
    code, _, err = cli(capsys, "run", YITONG, "--data", partial)
    assert code == 2


def test_rates_are_the_run_own_module_scores(tmp_path, capsys):
    """On complete data the interim rates are exactly the module scores of `scoring run`, and the
    overall rate is the total (all modules scored, weights adding up to 100)."""
    code, out, _ = cli(capsys, "run", YITONG, "--data", EXAMPLE, "--format", "json")
    res = json.loads(out)
    code, out, _ = cli(capsys, "warn", YITONG, "--data", EXAMPLE, "--format", "json")
    warn = {u["id"]: u for c in json.loads(out)["categories"] for u in c["units"]}
    for cat in res["categories"]:
        for u in cat["units"]:
            w = warn[u["id"]]
            assert w["total"]["rate"] == pytest.approx(u["total"], abs=0.006)
            for m in u["modules"]:
                wm = next(x for x in w["modules"] if x["id"] == m["id"])
                assert wm["rate"] == pytest.approx(m["score"] / m["full"] * 100, abs=0.006)


def test_quartile_colours_order_units(partial, capsys):
    code, out, _ = cli(capsys, "warn", YITONG, "--data", partial, "--format", "json")
    for cat in json.loads(out)["categories"]:
        levels = [("total", lambda u: u["total"])] + [
            (m["id"], lambda u, mid=m["id"]: next(x for x in u["modules"] if x["id"] == mid)) for m in cat["units"][0]["modules"]
        ]
        for _, get in levels:
            marks = [get(u) for u in cat["units"] if get(u)["rate"] is not None]
            if len(marks) < 4:
                assert all(m["color"] == "none" for m in marks)
                continue
            by = {c: [m["rate"] for m in marks if m["color"] == c] for c in ("red", "yellow", "green")}
            assert all(m["basis"] == "quartile" for m in marks)
            if by["red"] and by["yellow"]:
                assert max(by["red"]) < min(by["yellow"])
            if by["yellow"] and by["green"]:
                assert max(by["yellow"]) < min(by["green"])
            if len({m["rate"] for m in marks}) > 1:
                assert by["green"] and (by["red"] or by["yellow"])
            assert len(by["red"]) <= len(marks) * 0.25 + 1


WARNINGS = """
[warnings]
green = 90
yellow = 85

[warnings.modules.fzzf]
green = 95
yellow = 80
"""


def with_warnings(tmp_path: Path, extra: str = WARNINGS) -> Path:
    text = YITONG.read_text(encoding="utf-8") + extra
    path = tmp_path / "c.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_declared_thresholds(tmp_path, partial, capsys):
    crit = with_warnings(tmp_path)
    code, out, _ = cli(capsys, "warn", crit, "--data", partial, "--format", "json")
    assert code == 0
    for cat in json.loads(out)["categories"]:
        for u in cat["units"]:
            t = u["total"]
            want = "green" if t["rate"] >= 90 else ("yellow" if t["rate"] >= 85 else "red")
            assert t["color"] == want and t["basis"] == "threshold"
            for m in u["modules"]:
                if m["rate"] is None:
                    continue
                g, y = (95, 80) if m["id"] == "fzzf" else (90, 85)
                assert (m["green"], m["yellow"]) == (g, y)
                assert m["color"] == ("green" if m["rate"] >= g else ("yellow" if m["rate"] >= y else "red"))


@pytest.mark.parametrize(
    "extra, key, line_of",
    [
        ("\n[warnings]\ngreen = 80\nyellow = 85\n", "warnings", "[warnings]"),
        ("\n[warnings]\ngreen = 80\n", "warnings", "[warnings]"),
        ("\n[warnings]\ngreen = 90\nyellow = 80\n[warnings.modules.nosuch]\ngreen = 90\nyellow = 80\n", "warnings.modules.nosuch", "[warnings.modules.nosuch]"),
        ("\n[warnings]\n[warnings.indicators.\"F9.9\"]\ngreen = 90\nyellow = 80\n", "warnings.indicators.F9.9", "[warnings.indicators.\"F9.9\"]"),
        ("\n[warnings]\ngreen = 90\nyelow = 80\n", "warnings.yelow", "yelow = 80"),
    ],
)
def test_check_refuses_bad_warnings_located(tmp_path, capsys, extra, key, line_of):
    crit = with_warnings(tmp_path, extra)
    line = crit.read_text(encoding="utf-8").splitlines().index(line_of) + 1
    code, out, err = cli(capsys, "check", crit)
    assert code == 2 and out == ""
    assert f"第{line}行" in err, err


def test_one_unit_sheet_alone(partial, capsys):
    units = units_of(partial)
    for fmt in ("text", "json", "csv"):
        code, out, _ = cli(capsys, "warn", YITONG, "--data", partial, "--unit", "县教育局", "--format", fmt, "--indicators")
        assert code == 0
        assert "ZF03" in out and "县教育局" in out
        for uid, name, _ in units:
            if uid != "ZF03":
                assert uid not in out and name not in out, (fmt, uid, name)
    code, out, _ = cli(capsys, "warn", YITONG, "--data", partial, "--unit", "ZF03", "--format", "json")
    doc = json.loads(out)
    assert "categories" not in doc and doc["unit"]["id"] == "ZF03" and doc["unit"]["indicators"] == []
    code, out, _ = cli(capsys, "warn", YITONG, "--data", partial, "--unit", "ZF03", "--format", "json", "--indicators")
    assert json.loads(out)["unit"]["indicators"]


def test_unknown_unit_or_bad_data_exit_2_nothing_written(partial, tmp_path, capsys):
    out_file = tmp_path / "w.csv"
    code, out, err = cli(capsys, "warn", YITONG, "--data", partial, "--unit", "ZF99", "--format", "csv", "--out", out_file)
    assert code == 2 and "ZF99" in err and not out_file.exists()
    path = partial / "县委组织部.csv"
    path.write_text(path.read_text(encoding="utf-8-sig").replace("90.08", "九十", 1), encoding="utf-8-sig")
    code, out, err = cli(capsys, "warn", YITONG, "--data", partial, "--out", out_file)
    assert code == 2 and "县委组织部.csv" in err and "九十" in err and not out_file.exists()


def test_a_name_two_units_share_is_refused(partial, capsys):
    for path in partial.glob("*.csv"):  # 县教育局 renamed 县民政局 everywhere: two units, one name
        path.write_text(path.read_text(encoding="utf-8-sig").replace("县教育局", "县民政局"), encoding="utf-8-sig")
    code, out, err = cli(capsys, "warn", YITONG, "--data", partial, "--unit", "县民政局")
    assert code == 2 and out == "" and "ZF03" in err and "ZF06" in err
    code, out, _ = cli(capsys, "warn", YITONG, "--data", partial, "--unit", "ZF06")
    assert code == 0 and "ZF06" in out


def test_out_file_and_english(partial, tmp_path, capsys):
    out_file = tmp_path / "w.csv"
    code, _, _ = cli(capsys, "warn", YITONG, "--data", partial, "--format", "csv", "--out", out_file)
    assert code == 0 and out_file.read_text(encoding="utf-8-sig").splitlines()[0] == NOTICE
    code, out, _ = cli(capsys, "warn", YITONG, "--data", partial, "--lang", "en")
    assert "Interim warning, not an assessment result" in out.splitlines()[0]


# ---------------------------------------------------------------- the colouring rule as a property
from hypothesis import given, settings, strategies as st  # noqa: E402

from scoring.core.criteria import Thresholds  # noqa: E402
from scoring.core.warnings import colour_rates  # noqa: E402

RANK = {"red": 0, "yellow": 1, "green": 2}
rates = st.lists(st.one_of(st.none(), st.floats(0, 120, allow_nan=False)), min_size=0, max_size=30)


@settings(max_examples=200, deadline=None)
@given(values=rates, green=st.floats(1, 110), gap=st.floats(0.5, 50), min_units=st.integers(2, 8), declared=st.booleans())
def test_colours_are_monotone_and_blank_is_never_coloured(values, green, gap, min_units, declared):
    import numpy as np

    col = np.array([np.nan if v is None else v for v in values], dtype=float)
    th = Thresholds(green=green, yellow=max(green - gap, 0)) if declared and green - gap > 0 else None
    colours, basis = colour_rates(col, th, min_units)
    for v, c in zip(col, colours):
        if np.isnan(v):
            assert c == "none"  # not yet submitted: no colour, never red
    scored = [(v, c) for v, c in zip(col, colours) if not np.isnan(v)]
    if basis == "few":
        assert len(scored) < min_units and all(c == "none" for _, c in scored)
        return
    for v1, c1 in scored:
        for v2, c2 in scored:
            if round(v1, 6) < round(v2, 6):
                assert RANK[c1] <= RANK[c2]  # a higher rate is never a worse colour
    if th is not None:
        for v, c in scored:
            assert c == ("green" if round(v, 6) >= th.green else "yellow" if round(v, 6) >= th.yellow else "red")
    else:
        reds = sum(c == "red" for _, c in scored)
        assert reds <= len(scored) * 0.25 + 1e-9 + 1  # the bottom quarter (ties may not split it)


def test_a_rate_exactly_on_a_threshold_takes_the_better_colour():
    import numpy as np

    th = Thresholds(green=90, yellow=60)
    col = np.array([90, 89.9999999, 60, 59.99, np.nan, 100])
    colours, basis = colour_rates(col, th, 3)
    assert basis == "threshold"
    # 89.9999999 rounds to 90 at six places: rates are compared as the sheet prints them
    assert colours == ["green", "green", "yellow", "red", "none", "green"]
    quart, basis = colour_rates(np.array([10.0, 20, 30, 40, 50]), None, 3)
    assert basis == "quartile" and quart == ["red", "yellow", "green", "green", "green"]  # q1 = 20, median = 30
