"""The column-wise CSV loader gives exactly what reading the files cell by cell gives.

The reference below is the plain definition: every row read with the csv module, every
cell through ``parse_value``, a value given twice compared with the first.  The fast
loader (numpy for clean number columns, ``parse_column`` for the rest) must agree with
it on values, sources, evidence and on every problem, its place, words and order — on
messy folders drawn by hypothesis and on a large clean one.
"""
from __future__ import annotations

import csv
import difflib
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.core.criteria import Criteria
from scoring.errors import DataError, Problem
from scoring.load.csv_data import CAT_COLS, EVIDENCE_SUFFIX, ID_COLS, NAME_COLS, _find, read_folder, read_units
from scoring.load.values import cell, parse_column, parse_value


# -- the reference: row by row, cell by cell -----------------------------------------------------

def _rows(path: Path, problems):
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        problems.append(Problem("data.not_utf8", file=path.name))
        return None
    try:
        rows = list(csv.reader(text.splitlines()))
    except csv.Error as e:
        problems.append(Problem("data.bad_csv", {"detail": str(e)}, file=path.name))
        return None
    return [r for r in rows if any(c.strip() for c in r)] if rows else []


def reference_read_folder(folder: Path, criteria: Criteria):
    problems: list[Problem] = []
    ids, names, cats = read_units(folder / "units.csv", criteria, problems)
    pos = {u: i for i, u in enumerate(ids)}
    by_name: dict[str, int] = {}
    for i, nm in enumerate(names):
        by_name.setdefault(nm, i)
    specs = criteria.field_map()
    values = {f: np.full(len(ids), np.nan) for f, s in specs.items() if s.formula is None}
    where: dict = {}
    sources: dict = {}
    evidence: dict = {}
    for path in sorted(folder.glob("*.csv")):
        if path.name == "units.csv":
            continue
        rows = _rows(path, problems)
        if not rows:
            continue
        header = [h.strip() for h in rows[0]]
        id_col, name_col = _find(header, ID_COLS), _find(header, NAME_COLS)
        unit_col = id_col if id_col is not None else name_col
        if unit_col is None:
            problems.append(Problem("data.no_unit_column", file=path.name, row=1))
            continue
        fields, ev_cols = [], []
        for j, h in enumerate(header):
            if j in (id_col, name_col) or h.lower() in CAT_COLS or not h:
                continue
            if h.endswith(EVIDENCE_SUFFIX) and h[: -len(EVIDENCE_SUFFIX)] in specs:
                ev_cols.append((j, h[: -len(EVIDENCE_SUFFIX)]))
            elif h in specs and specs[h].formula is None:
                fields.append((j, h))
            elif h in specs:
                fields.append((j, h))
                values.setdefault(h, np.full(len(ids), np.nan))
            else:
                close = difflib.get_close_matches(h, list(specs), n=3, cutoff=0.3)
                problems.append(cell("data.unknown_column", {"name": h, "known": "、".join(close) or "—"}, path.name, 1, j, h))
        for r, row in enumerate(rows[1:], start=2):
            row = row + [""] * (len(header) - len(row))
            key = row[unit_col].strip()
            i = pos.get(key) if unit_col == id_col else by_name.get(key)
            if i is None and unit_col == id_col and name_col is not None:
                i = by_name.get(row[name_col].strip())
            if i is None:
                problems.append(cell("data.unknown_unit", {"unit": key}, path.name, r, unit_col, header[unit_col]))
                continue
            for j, f in fields:
                v, code, args = parse_value(row[j], specs[f])
                if code:
                    problems.append(cell(code, args, path.name, r, j, f))
                    continue
                if v is None:
                    continue
                prev = where.get((i, f))
                if prev is not None and prev[0] != v:
                    problems.append(cell("data.conflict", {"unit": ids[i], "field": f, "a": f"{prev[0]:g}", "where_a": prev[1],
                                                           "b": f"{v:g}", "where_b": f"{path.name} 第{r}行"}, path.name, r, j, f))
                    continue
                where[(i, f)] = (v, f"{path.name} 第{r}行")
                values[f][i] = v
                sources.setdefault(f, set()).add(path.name)
            for j, f in ev_cols:
                if row[j].strip():
                    evidence[(ids[i], f)] = row[j].strip()
    if problems:
        raise DataError(problems)
    return ids, names, cats, values, {f: "、".join(sorted(s)) for f, s in sources.items()}, evidence


# -- criteria with every kind of field ------------------------------------------------------------

FIELDS = [
    {"name": "得分", "kind": "number", "max": 100},
    {"name": "次数", "kind": "count"},
    {"name": "比率", "kind": "rate"},
    {"name": "有无", "kind": "bool"},
    {"name": "余额", "kind": "number", "min": -50},
    {"name": "应办", "kind": "count"},
    {"name": "办结率", "kind": "rate", "formula": "次数 / 应办 * 100"},
]
CRITERIA = Criteria.model_validate({
    "assessment": {"name": "t", "year": 2024, "categories": ["甲", "乙"]},
    "fields": FIELDS,
    "modules": [{"id": "m", "name": "m", "full": 10, "weights": {"甲": 100, "乙": 100}}],
    "indicators": [{"id": "a", "module": "m", "name": "a", "full": 10, "method": "supplied", "field": "得分"}],
})
NAMES = [f["name"] for f in FIELDS]

CELLS = ["", " ", "0", "1", "7", "2.5", "-3", "100", "101", "95%", "１２", "1,200", "3.0", "1e2", "nan", "NaN", "inf",
         "是", "否", "有", "x", "abc", " 4 ", "\u30005", "+2", ".5", "5.", "-0", "1_0", "0x1", "--1", "9" * 20]


@st.composite
def folders(draw):
    n = draw(st.integers(1, 6))
    units = [(f"U{i}", f"单位{i}", draw(st.sampled_from(["甲", "乙"]))) for i in range(n)]
    if draw(st.booleans()):  # now and then a problem in units.csv itself
        units.append(draw(st.sampled_from([("U0", "重复", "甲"), ("U9", "单位9", "丙")])))
    files = {}
    for k in range(draw(st.integers(1, 3))):
        cols = draw(st.lists(st.sampled_from(NAMES + ["得分" + EVIDENCE_SUFFIX, "不认识", "类别"]), min_size=1, max_size=5))
        by = draw(st.sampled_from(["id", "name", "both"]))
        head = {"id": ["单位编号"], "name": ["单位名称"], "both": ["单位编号", "单位名称"]}[by]
        rows = [head + cols]
        for _ in range(draw(st.integers(0, 6))):
            u = draw(st.sampled_from(units + [("U99", "无名", "甲")]))
            key = {"id": [u[0]], "name": [u[1]], "both": [u[0], u[1]]}[by]
            cells = [draw(st.sampled_from(CELLS)) for _ in cols]
            row = key + cells
            shape = draw(st.sampled_from(["same"] * 6 + ["short", "long", "blank"]))
            if shape == "short":
                row = row[:-1]
            elif shape == "long":
                row = row + ["7"]
            elif shape == "blank":
                row = [""] * len(row)
            rows.append(row)
        files[f"f{k}.csv"] = (rows, draw(st.sampled_from(["plain", "quoted", "crlf"])))
    return units, files


def write(folder: Path, units, files) -> None:
    with open(folder / "units.csv", "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["单位编号", "单位名称", "类别"])
        w.writerows(units)
    for name, (rows, style) in files.items():
        with open(folder / name, "w", encoding="utf-8-sig", newline="") as fh:
            if style == "quoted":
                csv.writer(fh, quoting=csv.QUOTE_ALL).writerows(rows)
            else:
                fh.write(("\r\n" if style == "crlf" else "\n").join(",".join(r) for r in rows) + "\n")


def outcome(fn, folder: Path):
    try:
        got = fn(folder, CRITERIA)
    except DataError as e:
        return "error", [p.render("zh") for p in e.problems], [p.as_dict("en") for p in e.problems]
    if not isinstance(got, tuple):
        got = (got.ids, got.names, got.categories, got.values, got.sources, got.evidence)
    ids, names, cats, values, sources, evidence = got
    vals = {f: [None if math.isnan(x) else x for x in v.tolist()] for f, v in values.items()}
    return "ok", (ids, names, cats, vals, sources, evidence)


def agree(folder: Path) -> None:
    assert outcome(read_folder, folder) == outcome(reference_read_folder, folder)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(folders())
def test_messy_folders_read_as_cell_by_cell(tmp_path_factory, drawn):
    folder = tmp_path_factory.mktemp("data")
    write(folder, *drawn)
    agree(folder)


def test_a_large_clean_folder_reads_as_cell_by_cell(tmp_path):
    rng = np.random.default_rng(7)
    n = 3000
    units = [(f"U{i:05d}", f"单位{i}", "甲" if i % 3 else "乙") for i in range(n)]
    rows = [["单位编号", "单位名称", "得分", "次数", "比率", "有无", "余额", "得分" + EVIDENCE_SUFFIX]]
    for uid, name, _ in units:
        rows.append([uid, name, f"{rng.uniform(0, 100):.2f}", str(rng.integers(0, 9)), "" if rng.random() < 0.1 else f"{rng.uniform(0, 100):.1f}",
                     "是" if rng.random() < 0.5 else "否", f"{rng.uniform(-50, 50):.3f}", "" if rng.random() < 0.7 else f"{uid}.pdf"])
    write(tmp_path, units, {"a.csv": (rows, "plain")})
    kind, got = outcome(read_folder, tmp_path)
    assert kind == "ok" and got == outcome(reference_read_folder, tmp_path)[1]
    # and a few bad cells far down a clean file are found, each in its place, in reading order
    rows[2000][3] = "七"
    rows[2500][2] = "101"
    rows[2999][4] = "nan"
    write(tmp_path, units, {"a.csv": (rows, "plain")})
    agree(tmp_path)
    kind, rendered, _ = outcome(read_folder, tmp_path)
    assert kind == "error" and [r.split(":")[0] for r in rendered] == [
        "a.csv, 第2001行, 列 D（次数）", "a.csv, 第2501行, 列 C（得分）", "a.csv, 第3000行, 列 E（比率）"]


def test_the_same_unit_twice_reports_the_first_place(tmp_path):
    units = [("U1", "一", "甲"), ("U2", "二", "乙")]
    files = {"a.csv": ([["单位编号", "得分"], ["U1", "80"], ["U2", "70"]], "plain"),
             "b.csv": ([["单位编号", "得分", "得分"], ["U1", "80", "81"], ["U1", "82", "80"]], "plain")}
    write(tmp_path, units, files)
    agree(tmp_path)
    _, rendered, _ = outcome(read_folder, tmp_path)
    # row 2 of b.csv repeats 80 (now the latest place of that value), then says 81; row 3 says 82
    assert len(rendered) == 2
    assert "80（b.csv 第2行）与 81（b.csv 第2行）" in rendered[0]
    assert "80（b.csv 第2行）与 82（b.csv 第3行）" in rendered[1]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(CELLS), st.text(max_size=6), st.floats(allow_nan=False, allow_infinity=False), st.integers(-5, 200)), max_size=12),
       st.sampled_from([f for f in FIELDS if "formula" not in f]))
def test_parse_column_is_parse_value_on_every_cell(cells, field):
    spec = CRITERIA.field_map()[field["name"]]
    values, problems = parse_column(cells, spec)
    expect = [parse_value(c, spec) for c in cells]
    assert [None if math.isnan(v) else v for v in values.tolist()] == [v for v, _, _ in expect]
    assert problems == [(i, code, args) for i, (_, code, args) in enumerate(expect) if code]


@pytest.mark.parametrize("text", ["单位编号,得分\r\nU1,\r\n\r\nU2,5\r\n", "单位编号,得分\n ,\nU1,5\n,,\n", "单位编号,得分\nU1,5\x0bU2,6\n",
                                  "单位编号,得分\nU1,nan\nU2,5\n", "单位编号,得分,次数\nU1,1e999,2\nU2,5,1.5\n", "单位编号,得分\nU1,5\nU2\n"])
def test_blank_rows_odd_line_breaks_and_cells_numpy_reads_but_we_refuse(tmp_path, text):
    write(tmp_path, [("U1", "一", "甲"), ("U2", "二", "乙")], {})
    (tmp_path / "a.csv").write_text(text, encoding="utf-8")
    agree(tmp_path)


def test_the_spaces_a_blank_row_may_start_with_are_all_of_them():
    import sys

    from scoring.load.columns import _SPACES

    assert set(_SPACES) == {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()}
