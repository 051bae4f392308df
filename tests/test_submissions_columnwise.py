"""Wide tables parsed a column at a time read exactly as cell by cell.

The product reads a wide table a column at a time (a clean CSV in one pass over its
bytes); the oracle in tests/submissions_oracle.py reads it row by row. On messy folders drawn by
hypothesis (CSV and XLSX, odd cells, unlisted and duplicated units, title rows, cells
right of the header, conflicts between files) both must give the same data, the same
problems and notes in the same order, the same bad cells and the same places.
"""

from __future__ import annotations

import csv
import io
import math
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builders import examples
from scoring.core.criteria import Criteria
from scoring.load import submissions
from scoring.load.values import ValueParser, parse_column, plain_decimals

sys.path.insert(0, str(Path(__file__).parent))
from submissions_oracle import read_row_by_row  # noqa: E402
from xlsx_support import write_xlsx  # noqa: E402

FIELDS = [
    {"name": "得分", "kind": "number", "max": 100, "unit": "分"},
    {"name": "次数", "kind": "count", "unit": "次"},
    {"name": "比率", "kind": "rate"},
    {"name": "有无", "kind": "bool"},
    {"name": "余额", "kind": "number", "min": -50},
    {"name": "办结率", "kind": "rate", "formula": "次数 / 得分 * 100"},
]
CRITERIA = Criteria.model_validate(
    {
        "assessment": {"name": "t", "year": 2024, "categories": ["甲", "乙"]},
        "fields": FIELDS,
        "modules": [{"id": "m", "name": "m", "full": 10, "weights": {"甲": 100, "乙": 100}}],
        "indicators": [{"id": "a", "module": "m", "name": "a", "full": 10, "method": "supplied", "field": "得分"}],
    }
)
NAMES = [f["name"] for f in FIELDS]
CELLS = [
    "",
    " ",
    "0",
    "1",
    "7",
    "2.5",
    "-3",
    "100",
    "101",
    "95%",
    "１２",
    "1,200",
    "3.0",
    "1e2",
    "1e999",
    "nan",
    "inf",
    "是",
    "否",
    "有",
    "yes",
    "Yes",
    "x",
    " 4 ",
    "\u30005",
    "+2",
    ".5",
    "5.",
    "-0",
    "1_0",
    "0x1",
    "--1",
    "1e",
    "3次",
    "80分",
    "#DIV/0!",
    "9" * 20,
    "1.2.3",
    "e5",
    "-",
    "+",
]
XCELLS = [None, 1, 2.5, -3, 100, 101, 7.0, True, False, "是", "95%", "x", " 3 "]


@st.composite
def folders(draw):
    n = draw(st.integers(1, 6))
    units = [(f"U{i}", f"单位{i}", draw(st.sampled_from(["甲", "乙"]))) for i in range(n)]
    files = {}
    for k in range(draw(st.integers(1, 3))):
        xlsx = draw(st.booleans())
        cols = draw(st.lists(st.sampled_from(NAMES + ["得分佐证材料", "不认识", "类别", "备注"]), min_size=1, max_size=5))
        by = draw(st.sampled_from(["id", "name", "both"]))
        head = {"id": ["单位编号"], "name": ["单位名称"], "both": ["单位编号", "单位名称"]}[by]
        rows = []
        if draw(st.integers(0, 4)) == 0:
            rows.append(["某某单位报送表"])  # a title row above the header
        rows.append(head + cols)
        for _ in range(draw(st.integers(0, 7))):
            u = draw(st.sampled_from(units + [("U99", "无名", "甲"), (" U0 ", "单位0", "甲"), ("合计", "合计", "甲")]))
            key = {"id": [u[0]], "name": [u[1]], "both": [u[0], draw(st.sampled_from([u[1], "别名"]))]}[by]
            pool = XCELLS if xlsx else CELLS
            row = key + [draw(st.sampled_from(pool)) for _ in cols]
            shape = draw(st.sampled_from(["same"] * 6 + ["short", "long", "blank"]))
            if shape == "short":
                row = row[:-1]
            elif shape == "long":
                row = row + ["7"]
            elif shape == "blank":
                row = [""] * len(row)
            rows.append(row)
        files[f"f{k}." + ("xlsx" if xlsx else "csv")] = rows
    return units, files


def write(folder: Path, units, files) -> None:
    with open(folder / "units.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["单位编号", "单位名称", "类别"])
        w.writerows(units)
    for name, rows in files.items():
        if name.endswith(".xlsx"):
            write_xlsx(folder / name, rows)
        else:
            with open(folder / name, "w", encoding="utf-8", newline="") as fh:
                csv.writer(fh).writerows(rows)


def outcome(folder: Path, columnwise: bool):
    """What reading the folder gives: by the product's reader (``columnwise``), or by the oracle."""
    return outcome_of(submissions.read_submissions(folder, CRITERIA) if columnwise else read_row_by_row(folder, CRITERIA))


def outcome_of(res):
    """A folder's reading, comparable with ==: data, problems, notes, bad cells, wide tables, files."""
    d = res.data
    data = None
    if d is not None:
        data = (d.ids, d.names, d.categories, {f: [None if math.isnan(x) else x for x in v.tolist()] for f, v in d.values.items()}, d.sources, d.evidence)
    wide = [(f, s, r.tolist(), c) for f, s, r, c in res.wide]
    return (
        data,
        [p.render("zh") for p in res.problems],
        [p.as_dict("en") for p in res.problems],
        [p.render("zh") for p in res.notes],
        sorted(res.bad),
        wide,
        [(i.file, i.kind, i.sheets) for i in res.files],
    )


@settings(max_examples=examples(120), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(folders())
def test_columnwise_reads_messy_folders_as_cell_by_cell(tmp_path_factory, drawn):
    folder = tmp_path_factory.mktemp("data")
    write(folder, *drawn)
    assert outcome(folder, True) == outcome(folder, False)
    cells_hold_their_values(folder, submissions.read_submissions(folder, CRITERIA).data)


def cells_hold_their_values(folder: Path, data) -> None:
    """Every value a CSV gave is in the cell ``cell_of`` names (as its field's parser reads it), and
    a value nothing gave names no cell: the places and rows kept per field (shared by a wide
    table's fields until a second file gives one of them values) say where each value is."""
    if data is None:
        return
    files = {p.name: list(csv.reader(io.StringIO(p.read_text(encoding="utf-8"), newline=""))) for p in folder.glob("f*.csv")}
    specs = CRITERIA.field_map()
    for f, column in data.values.items():
        for i, v in enumerate(column.tolist()):
            where = data.cell_of(i, f)
            if math.isnan(v):
                assert where is None, (f, i, where)
                continue
            assert where is not None, (f, i)
            file, ref = where.split(" ", 1)
            if file not in files:  # a workbook's cell: the other tests read those back
                continue
            letter, row = re.fullmatch(r"([A-Z]+)(\d+)", ref).groups()
            raw = files[file][int(row) - 1][ord(letter) - 65]
            got = ValueParser(specs[f])(raw)[0]
            assert got is not None and math.isclose(got, v, rel_tol=1e-9, abs_tol=1e-12), (f, i, where, raw, v)


def test_a_large_clean_folder_reads_the_same_both_ways(tmp_path):
    rng = np.random.default_rng(7)
    units = [(f"U{i:05d}", f"单位{i}", "甲" if i % 3 else "乙") for i in range(3000)]
    rows = [["单位编号", "单位名称", "得分", "次数", "比率", "有无", "余额", "得分佐证材料"]]
    for uid, name, _ in units:
        rows.append(
            [
                uid,
                name,
                f"{rng.uniform(0, 100):.2f}",
                str(rng.integers(0, 9)),
                "" if rng.random() < 0.1 else f"{rng.uniform(0, 100):.1f}",
                "是" if rng.random() < 0.5 else "否",
                f"{rng.uniform(-50, 50):.3f}",
                "" if rng.random() < 0.7 else f"{uid}.pdf",
            ]
        )
    rows[2001][3] = "七"
    rows[2501][2] = "101"
    rows[2999][4] = "95%"
    write(tmp_path, units, {"a.csv": rows})
    got = outcome(tmp_path, True)
    assert got == outcome(tmp_path, False)
    assert [r.split(":")[0] for r in got[1]] == ["a.csv, 第2002行, 列 D（次数）, 单元格 D2002", "a.csv, 第2502行, 列 C（得分）, 单元格 C2502"]


@settings(max_examples=examples(400), deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(CELLS),
            st.text(alphabet="0123456789.+-eE", max_size=5),
            st.none(),
            st.floats(allow_nan=False, allow_infinity=False),
            st.integers(-5, 200),
            st.booleans(),
        ),
        max_size=12,
    ),
    st.sampled_from([f for f in FIELDS if "formula" not in f]),
)
def test_parse_column_gives_only_what_the_parser_gives(cells, field):
    parse = ValueParser(CRITERIA.field_map()[field["name"]])
    values, unsure = parse_column(parse, cells)
    for k, c in enumerate(cells):
        if k in unsure:
            continue
        if c is None or c == "":
            assert math.isnan(values[k])
            continue
        v, code, _, notes = parse(c)
        assert code is None and notes == () and v == values[k]


@pytest.mark.parametrize(
    "text",
    [
        "单位编号,得分\r\nU1,\r\n\r\nU2,5\r\n",
        "单位编号,得分\n ,\nU1,5\n,,\n",
        "单位编号,得分,次数\nU1,1e999,2\nU2,5,1.5\n",
        "单位编号,得分\nU1,5\nU2\n",
        "单位编号,得分\nU1,5,6\nU2,7\n",
        "单位编号,得分,次数\nU1,5\nU2\n",  # as many cells as two rows' worth, ending with a line end
        "单位编号,得分,次数\r\nU1,5\r\nU2\r\n",
        "单位编号,得分,次数\r\nU1,5,1\nU2,1,2\r\n",  # one line end without "\r"
        "单位编号,得分,次数\r\nU1,5,1\rU2,1,2\r\n",  # one "\r" alone
        "单位编号,得分\nU1,5\nU2,6",  # no line end at the end
        "单位编号,得分\r\nU1,5\nU2\r\n",  # a "\n" alone where the rest end with "\r\n": a line end for the csv module
        "单位编号,得分\nU1,5\rU2\n",  # a "\r" alone: a line end too
    ],
)
def test_odd_rows_read_the_same_both_ways(tmp_path, text):
    write(tmp_path, [("U1", "一", "甲"), ("U2", "二", "乙")], {})
    (tmp_path / "a.csv").write_text(text, encoding="utf-8")
    assert outcome(tmp_path, True) == outcome(tmp_path, False)


def one_pass_taken(monkeypatch) -> list[bool]:
    """For each table read from now on, whether it was read in one pass (``_clean_csv`` took it)."""
    taken: list[bool] = []
    real = submissions._clean_csv

    def spy(*a, **k):
        got = real(*a, **k)
        taken.append(got is not None)
        return got

    monkeypatch.setattr(submissions, "_clean_csv", spy)
    return taken


def write_with_odd(folder: Path, name: str, rows: list[list], header: int, odd, at: tuple[int, ...], n: int) -> None:
    """``rows`` (made by _clean_rows for ``n`` units, the header at ``header``) written as ``name``
    with the unit list, an odd cell (field, value) first put into each row of ``at``."""
    if odd is not None:
        j = rows[header].index(odd[0])
        for k in at:
            rows[k][j] = odd[1]
    write(folder, [(f"U{i:05d}", f"单位{i}", "甲" if i % 3 else "乙") for i in range(n)], {name: rows})


def _clean_rows(n: int, rng, blanks: bool):
    rows = [["单位编号", "单位名称", "得分", "次数", "比率", "有无", "余额", "得分佐证材料"]]
    for i in range(n):
        rows.append(
            [
                f"U{i:05d}",
                f"单位{i}",
                f"{rng.uniform(0, 100):.2f}",
                str(rng.integers(0, 9)),
                "" if blanks and rng.random() < 0.1 else f"{rng.uniform(0, 100):.1f}",
                "是" if rng.random() < 0.5 else "否",
                f"{rng.uniform(-50, 50):.3f}",
                "" if rng.random() < 0.7 else f"U{i}.pdf",
            ]
        )
    return rows


@pytest.mark.parametrize("blanks", [False, True])
@pytest.mark.parametrize(
    "odd", [None, ("次数", "2.5"), ("得分", "101"), ("比率", "inf"), ("余额", "-1e999"), ("次数", "nan"), ("有无", "也许"), ("得分", "１２"), ("比率", "95%")]
)
def test_clean_files_take_the_one_pass_way_and_read_the_same(tmp_path, monkeypatch, blanks, odd):
    rng = np.random.default_rng(3)
    rows = _clean_rows(400, rng, blanks)
    rows.insert(0, ["2024年报送表"])  # a title row: the header is found below it
    write_with_odd(tmp_path, "a.csv", rows, 1, odd, (150, 300), 400)
    taken = one_pass_taken(monkeypatch)
    fast = outcome(tmp_path, True)
    assert fast == outcome(tmp_path, False)
    assert taken == [True]  # odd cells no longer send the file the slow way: only they go through the parser
    if odd is not None and odd[1] in ("１２", "95%"):  # normalised: a note, no problem
        assert fast[1] == [] and any("第151行" in n for n in fast[3])
    elif odd is not None:
        assert [r.split(":")[0].split(", ")[1] for r in fast[1]] == ["第151行", "第301行"]


@pytest.mark.parametrize("raw", [float("nan"), float("inf"), -float("inf")])
@pytest.mark.parametrize("kind", ["number", "count", "rate", "bool"])
def test_a_cell_that_is_not_a_finite_number_is_a_problem_not_a_crash(raw, kind):
    parse = ValueParser(CRITERIA.field_map()[{"number": "得分", "count": "次数", "rate": "比率", "bool": "有无"}[kind]])
    v, code, args, notes = parse(raw)
    assert v is None and code == "data.not_number"
    values, unsure = parse_column(parse, [raw, 1.0])
    assert 0 in unsure and math.isnan(values[0])  # left to the parser, which refuses it


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(alphabet="0123456789.+-", max_size=20),
            st.sampled_from(CELLS),
            st.floats(allow_nan=False, allow_infinity=False).map(repr),
            st.decimals(allow_nan=False, allow_infinity=False, places=4).map(str),
        ),
        max_size=30,
    )
)
def test_plain_decimals_are_what_float_reads(cells):
    data = ",".join(cells).encode("utf-8")
    ends, at = [], 0
    for c in cells:
        at += len(c.encode("utf-8"))
        ends.append(at)
        at += 1
    ends = np.asarray(ends, dtype=np.int64)
    starts = ends - np.asarray([len(c.encode("utf-8")) for c in cells], dtype=np.int64)
    values, sure = plain_decimals(np.frombuffer(data + b",", np.uint8), starts, ends)
    for c, v, ok in zip(cells, values.tolist(), sure.tolist()):
        if not ok:
            continue
        if c == "":
            assert math.isnan(v)
        else:  # a sure cell is one the field's parser reads as this very number (sign of zero included)
            assert float(c) == v and math.copysign(1, float(c)) == math.copysign(1, v), c
            assert ValueParser(CRITERIA.field_map()["余额"]).__call__(c)[0] in (None, v)
    for c, ok in zip(cells, sure.tolist()):  # and every plain decimal of up to 17 characters is read at once
        if re.fullmatch(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)", c) and len(c) <= 17 and int(re.sub(r"[^0-9]", "", c)) <= 2**53:
            assert ok, c


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["U1", "U2", "U3", "Ｕ4", "u5", "", "U 6", "合计"]),
            st.sampled_from(["一局", "二局", "一局", "三 局", "", "nan"]),
            st.sampled_from(["甲", "乙", "丙", "", "甲 "]),
        ),
        max_size=6,
    ),
    st.booleans(),
)
def test_a_clean_unit_list_reads_as_row_by_row(tmp_path_factory, rows, crlf):
    folder = tmp_path_factory.mktemp("units")
    text = "单位编号,单位名称,类别\n" + "".join(f"{a},{b},{c}\n" for a, b, c in rows)
    (folder / "units.csv").write_bytes(text.replace("\n", "\r\n" if crlf else "\n").encode("utf-8"))

    def read():
        problems, notes = [], submissions.Notes()
        u = submissions.read_units(folder / "units.csv", CRITERIA, problems, notes)
        return (
            None if u is None else (u.ids, u.names, u.cats, u.pos, u.by_name),
            [p.render("zh") for p in problems],
            [p.render("zh") for p in notes.problems()],
        )

    fast = read()
    real = submissions._clean_units
    submissions._clean_units = lambda *a: None
    try:
        assert fast == read()
    finally:
        submissions._clean_units = real


@settings(max_examples=examples(300), deadline=None)
@given(st.text(alphabet="ab是,\r\n\"\x0b\u2028 ", max_size=40))
def test_text_lines_are_the_lines_a_file_opened_with_newline_empty_gives(text):
    import io

    from scoring.load.sheets import _lines

    assert list(_lines(text.encode("utf-8"))) == list(io.StringIO(text, newline=""))


# Cells a clean file may hold that are not plain numbers: each is read by its field's parser, in
# place, without sending the file the row-by-row way.
ODD_CELLS = ["\u200b12", "7\x0b", "\x1c", "是\u00a0", "\u30005", " 4", "1e2", "１２", "95%", "\x7f", "\u2028", "nan"]


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(st.tuples(st.sampled_from(range(2, 7)), st.sampled_from(ODD_CELLS + ["", "3", "2.5"])), max_size=6),
    st.sampled_from(["\n", "\r\n"]),
    st.booleans(),
    st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]),
    st.booleans(),
)
def test_a_clean_file_with_odd_cells_reads_as_row_by_row_in_one_pass(tmp_path_factory, monkeypatch, odd, eol, last_eol, encoding, score_first):
    """Line ends, a missing last line end, the encoding and control or space characters in
    value cells, a value column first in the row: the one-pass reading takes the file and gives
    what the row-by-row oracle does."""
    folder = tmp_path_factory.mktemp("data")
    rng = np.random.default_rng(5)
    rows = _clean_rows(30, rng, blanks=True)
    for j, cell in odd:
        rows[1 + int(rng.integers(0, 30))][j] = cell
    if score_first:  # 得分 before 单位编号: a row's first cell is a value, its start after the line end before
        rows = [r[2:3] + r[:2] + r[3:] for r in rows]
    units = [(f"U{i:05d}", f"单位{i}", "甲" if i % 3 else "乙") for i in range(30)]
    write(folder, units, {})
    text = eol.join(",".join(r) for r in rows) + (eol if last_eol else "")
    (folder / "a.csv").write_bytes(text.encode(encoding))
    taken = one_pass_taken(monkeypatch)
    assert outcome(folder, True) == outcome(folder, False)
    assert taken == [True]


@settings(max_examples=examples(200), deadline=None)
@given(st.lists(st.one_of(st.sampled_from(CELLS), st.text(alphabet="0123456789.+-", max_size=18)), min_size=1, max_size=24), st.integers(1, 4))
def test_plain_decimals_of_a_block_are_those_of_its_cells(cells, k):
    """The grid reads a block of rows and columns at once (any shape): each cell reads as alone."""
    cells = cells + [""] * (-len(cells) % k)
    data = (",".join(cells) + ",").encode("utf-8")
    sizes = np.asarray([len(c.encode("utf-8")) for c in cells], dtype=np.int64)
    ends = np.cumsum(sizes + 1) - 1
    starts = ends - sizes
    buf = np.frombuffer(data, np.uint8)
    block_v, block_ok = plain_decimals(buf, starts.reshape(k, -1), ends.reshape(k, -1))
    for p in range(len(cells)):
        v, ok = plain_decimals(buf, starts[p : p + 1], ends[p : p + 1])
        assert block_ok.ravel()[p] == ok[0]
        assert np.array_equal(block_v.ravel()[p : p + 1], v, equal_nan=True)


def test_a_second_file_filling_one_field_leaves_the_first_files_other_cells_where_they_are(tmp_path):
    # f0.csv's fields share its rows; f1.csv then gives 得分 of U0, on another row of another file
    units = [("U0", "单位0", "甲"), ("U1", "单位1", "甲")]
    files = {
        "f0.csv": [["单位编号", "得分", "次数"], ["U0", "", "3"], ["U1", "5", "4"]],
        "f1.csv": [["某某单位报送表"], ["单位编号", "得分"], ["U0", "7"]],
    }
    write(tmp_path, units, files)
    data = submissions.read_submissions(tmp_path, CRITERIA).data
    assert [data.cell_of(i, f) for f in ("得分", "次数") for i in (0, 1)] == ["f1.csv B3", "f0.csv B3", "f0.csv C2", "f0.csv C3"]
    cells_hold_their_values(tmp_path, data)


def test_more_places_than_the_smallest_integers_hold_are_kept_apart(tmp_path):
    # a place is a file's column: 130 files of one column each, one unit a file, are 130 places
    units = [(f"U{k}", f"单位{k}", "甲") for k in range(130)]
    write(tmp_path, units, {f"f{k:03}.csv": [["单位编号", "次数", "得分"], [f"U{k}", str(k), "1"]] for k in range(130)})
    data = submissions.read_submissions(tmp_path, CRITERIA).data
    assert len(data.places) == 260
    assert [data.cell_of(k, "次数") for k in range(130)] == [f"f{k:03}.csv B2" for k in range(130)]
    assert [data.cell_of(k, "得分") for k in range(130)] == [f"f{k:03}.csv C2" for k in range(130)]
    assert data.values["次数"].tolist() == list(range(130))


@pytest.mark.parametrize("odd", [None, ("次数", 2.5), ("得分", 101.0), ("余额", -1e300), ("比率", "95%"), ("得分", None), ("得分", True), ("有无", True)])
def test_a_workbooks_columns_of_floats_are_read_in_one_block_and_read_the_same(tmp_path, monkeypatch, odd):
    """A workbook whose number columns hold nothing but floats has them read as one array; the odd
    ones (not whole for a count, out of range, too large) still go through the field's parser, and
    anything else in them (text, a blank) sends the sheet the column-by-column way."""
    rng = np.random.default_rng(5)
    header, *body = _clean_rows(300, rng, False)
    rows = [header] + [[float(c) if k in (2, 3, 4, 6) else c for k, c in enumerate(row)] for row in body]
    write_with_odd(tmp_path, "a.xlsx", rows, 0, odd, (120, 240), 300)
    taken: list[bool] = []
    real = submissions.float_block
    monkeypatch.setattr(submissions, "float_block", lambda *a: taken.append(real(*a) is not None) or real(*a))
    got = outcome(tmp_path, True)
    assert got == outcome(tmp_path, False)
    assert taken == [odd is None or type(odd[1]) is float or odd[0] == "有无"]  # a TRUE in the yes/no field leaves the numbers as they are
    if odd is not None and odd[1] in (2.5, 101.0):  # not whole for a count, out of range: a problem at each
        assert len(got[1]) == 2 and "第121行" in got[1][0] and "第241行" in got[1][1]


def test_reading_a_folder_leaves_the_cycle_collector_as_it_found_it(tmp_path, monkeypatch):
    """The collector is paused while a folder is read (a workbook's rows are thousands of new lists)
    and afterwards is running again, or still paused if it was paused before."""
    import gc

    write(tmp_path, [("U1", "单位1", "甲")], {"a.xlsx": [["单位编号", "得分"], ["U1", 50.0]]})
    seen: list[bool] = []
    real = submissions.read_with
    monkeypatch.setattr(submissions, "read_with", lambda *a: seen.append(gc.isenabled()) or real(*a))
    try:
        for state in (True, False):
            (gc.enable if state else gc.disable)()
            assert submissions.read_submissions(tmp_path, CRITERIA).problems == []
            assert gc.isenabled() is state
    finally:
        gc.enable()
    assert seen == [False, False]


@pytest.mark.parametrize("change", [None, ("类别", "乙乙"), ("单位名称", "别的单位"), ("单位编号", "U00001"), ("单位编号", "U99999"), ("单位编号", " U00019")])
def test_a_workbooks_usual_rows_are_found_a_column_at_a_time_and_read_the_same(tmp_path, change):
    """Rows with their listed id, own name and category are taken a column at a time; a row with
    another category or name, a unit twice, an unknown or untidy id is reported as row by row."""
    units = [(f"U{i:05d}", f"单位{i}", "甲" if i % 3 else "乙") for i in range(50)]
    rows = [["单位编号", "单位名称", "类别", "得分"]] + [[u, n, c, float(i)] for i, (u, n, c) in enumerate(units)]
    if change is not None:
        rows[20][rows[0].index(change[0])] = change[1]
    write(tmp_path, units, {"a.xlsx": rows})
    got = outcome(tmp_path, True)
    assert got == outcome(tmp_path, False)
    assert len(got[1]) == (0 if change is None or change[1] == " U00019" else 1)  # an untidy id: a note
