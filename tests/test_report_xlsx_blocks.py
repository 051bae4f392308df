"""The workbook's score sheet made a block of units at a time (sheetml.Rows, from the lines' columns) is the
sheet made one unit at a time from each unit's own cells, byte for byte: the sheet's XML and the styles (each
shared string read in place of its number: the two number them in different orders).

And Rows itself writes what writing each row with Sheet.row writes: the same cells, references only where a
cell does not follow the one before it, looks (blank, quoted), numbers (-0.0 too), shared or inline texts,
widths, heights, and the styles made in the same order.
"""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from hypothesis import given, settings, strategies as st

from builders import examples
from helpers import ROOT
from report_support import shifted_history, small

import scoring.report.view as view_mod
from scoring.api import decide, load_criteria, score
from scoring.report import sheetml, xlsx
from scoring.report.sheetml import EMPTY, MEASURE, NUMBER, SHARED, TEXT, WRAP, Look, Slot

EXAMPLES = [(ROOT / "criteria" / f"{name}.toml", ROOT / "examples" / name) for name in ("yitong-2020", "yaoan-2018", "yaoan-2019", "yaoan-2020")]


def _parts(book: sheetml.Book, s: sheetml.Sheet) -> tuple[bytes, bytes]:
    """The sheet's XML, each shared string's number replaced by the text inline, and the workbook's styles."""
    data = b"".join([*book.add(s), *book.close()])
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheet, styles = z.read("xl/worksheets/sheet1.xml"), z.read("xl/styles.xml")
        items = re.findall(rb"<si>(.*?)</si>", z.read("xl/sharedStrings.xml"), re.S) if "xl/sharedStrings.xml" in z.namelist() else []
    assert b't="s"' not in sheet or items
    return re.sub(rb' t="s"><v>(\d+)</v>', lambda m: b' t="inlineStr"><is>' + items[int(m.group(1))] + b"</is>", sheet), styles


def _score_sheet(view, from_cells: bool) -> tuple[bytes, bytes]:
    book = sheetml.Book("t", "t")
    return _parts(book, xlsx._sheets_sheet(book, view, set(), from_cells=from_cells))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_example_s_score_sheet_in_blocks_is_the_one_made_unit_by_unit(lang, monkeypatch):
    monkeypatch.setattr(xlsx, "BLOCK", 7)  # blocks that split categories unevenly
    monkeypatch.setattr(xlsx, "LINES", 10)  # lines made for blocks of rows and part of one
    monkeypatch.setattr(sheetml, "JOINED", 3)  # units joined and compressed in groups that leave a part-group at a block's end
    for criteria, data in EXAMPLES:
        run = score(load_criteria(criteria), data, db=":memory:")
        view = view_mod.build(run.results, decide(run, db=":memory:"), None, None, lang)
        made, alone = _score_sheet(view, False), _score_sheet(view, True)
        assert made[0] == alone[0], (criteria.name, lang)
        assert made[1] == alone[1], (criteria.name, lang)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_unusual_lines_and_formula_like_names_in_blocks_are_as_unit_by_unit(lang, monkeypatch):
    """Evidence given on every unit (unusual lines), names that start like formulas or are blank."""
    monkeypatch.setattr(xlsx, "BLOCK", 3)
    monkeypatch.setattr(xlsx, "LINES", 5)
    res, dec = small(["甲局", "=SUM(A1)", "+县局", "-1", "@乙", " 丙 ", "", "丁\x01局"], evidence='=HYPERLINK("x")')
    view = view_mod.build(res, dec, shifted_history(res), None, lang)
    assert _score_sheet(view, False) == _score_sheet(view, True)


WRAPPED = Look(vertical="top", wrap=True, border=True)
SLOTS = [
    Slot(1, TEXT, Look(vertical="top", border=True), Look(border=True), shared=True),
    Slot(2, TEXT, WRAPPED, Look(border=True)),
    Slot(3, EMPTY, Look(border=True, fill="F4F6F8")),
    Slot(4, NUMBER, Look(vertical="top", fmt="0.00", border=True), Look(border=True)),
    Slot(5, NUMBER, Look(bold=True, fmt="0.##")),
    Slot(6, TEXT, Look(horizontal="center", indent=2), shared=True),
    Slot(8, TEXT, WRAPPED),  # after a gap: written with its reference
]
TEXTS = st.one_of(
    st.sampled_from(["", "=1+1", "+x", "-", "@a", "50%", "100% 完成", "a & <b>", " 空格 ", "第一行\n第二行", "甲" * 40, "甲\x00乙", "\t", "末\u3000"]),
    st.text(alphabet=st.sampled_from("甲乙丙ab %=\n"), max_size=70),
)
NUMBERS = st.one_of(st.none(), st.sampled_from([0.0, -0.0, 1.5, -2.25, 100.0, 1e-7]), st.floats(-1e6, 1e6))


@settings(max_examples=examples(60), deadline=None)
@given(
    units=st.integers(1, 5),
    per=st.integers(1, 3),
    data=st.data(),
)
def test_rows_write_what_row_by_row_writes(units, per, data):
    values = []
    for _ in range(per):
        row = []
        for slot in SLOTS:
            if slot.typ == TEXT:
                row.append(data.draw(st.lists(TEXTS, min_size=units, max_size=units)))
            elif slot.typ == NUMBER:
                row.append(data.draw(st.lists(NUMBERS, min_size=units, max_size=units)))
        values.append(row)
    _same_as_row_by_row(units, per, values)


def test_a_tall_text_every_unit_shows_alike_sets_every_units_row_height():
    """A wrapped text the same on every unit's row (an indicator's long name) makes each unit's row as tall as
    its lines, or as the unit's own wrapped text's where those are more."""
    units = 4
    values = [
        [["甲"] * units, ["乙" * 30] * units, [1.0] * units, [2.0] * units, ["x"] * units, ["短", "丙" * 50, "", "丁" * 90]],
        [["甲"] * units, ["短"] * units, [None] * units, [3.0] * units, ["y"] * units, ["戊" * 12, "戊" * 12, "戊" * 12, "戊" * 12]],
    ]
    _same_as_row_by_row(units, 2, values)


def test_a_text_holding_a_nul_before_a_formula_sign_is_written_as_row_by_row_writes_it():
    """A NUL of a text's own before =, +, - or @ looks, to the quick check of a block's joined texts, like a
    text starting like a formula; no text does, and the block is written as rows one by one write it."""
    values = [[["a\x00=b", "c"], ["d\x00+e", "f"], [1.0, 2.0], [3.0, 4.0], ["x\x00@", "y"], ["g\x00-h", "i"]]]
    _same_as_row_by_row(2, 1, values)


def _same_as_row_by_row(units: int, per: int, values: list[list[list]], before: list[list[list]] | None = None) -> None:
    """Rows.write of ``values`` (a list of values a unit for each slot of SLOTS that holds one, for each of a
    unit's ``per`` rows) writes what writing each row with Sheet.row writes; ``before``: a block of as many
    units written first (the looks and texts it makes are made already for ``values``)."""
    blocks = [values] if before is None else [before, values]
    together = sheetml.Book("t", "t")
    s = together.sheet("s", 2, {2: 4}, {2: 20, 6: 12})
    for b, block in enumerate(blocks):
        rows = s.rows(3 + b * units * per, units, per)
        for at, row in enumerate(block):
            rows.put(at, SLOTS, row)
        rows.write()

    one_by_one = sheetml.Book("t", "t")
    t = one_by_one.sheet("s", 2, {2: 4}, {2: 20, 6: 12})
    r = 3
    for block in blocks:
        for k in range(units):
            for row in block:
                given_ = iter(row)
                cells = []
                for slot in SLOTS:
                    v = None if slot.typ == EMPTY else next(given_)[k]
                    if v is None or v == "":
                        cells.append((slot.col, None, slot.look if slot.typ == EMPTY else slot.blank or slot.look))
                    elif slot.typ == TEXT:
                        look = slot.look._replace(quote=True) if v.startswith(("=", "+", "-", "@")) else slot.look
                        cells.append((slot.col, v, look, MEASURE | (WRAP if look.wrap else 0) | (SHARED if slot.shared else 0)))
                    else:
                        cells.append((slot.col, v, slot.look))
                t.row(r, cells)
                r += 1
    assert s.last_row == t.last_row and s.last_col == t.last_col
    made, alone = _parts(together, s), _parts(one_by_one, t)
    assert made == alone
    assert re.search(rb'<row r="3"[^>]*><c s=', made[0]) and re.search(rb'<c r="H3" ', made[0])  # a reference only after a gap


def test_texts_that_start_like_formulas_or_start_or_end_with_spaces_anywhere_in_a_column():
    """Such a text is quoted or keeps its spaces wherever it stands among a block's texts: first, last or
    between others, and whichever space (a tab, an ideographic space) it has; its quoted look made when
    rows written one by one would make it, in a block after one that made the column's plain look."""
    units = 6
    texts = [
        ["甲", "乙", "=1", "丙", "丁", "戊"],
        ["甲", "乙\u3000", "丙", "丁", "戊", "己"],
        ["甲", "乙", "丙", "\t丁", "戊", "己"],
        ["甲", "乙", "丙", "丁", "戊", "己 "],
        [" 甲", "乙", "丙", "丁", "戊", "己"],
        ["@甲", "乙", "丙", "丁", "戊", "-"],
        ["甲", "+乙", "丙", "丁", "戊", "己"],
        ["甲", "乙", "丙", "丁", "@戊", "己"],
        ["甲", "乙", "丙", "-丁", "戊", "己"],
    ]
    plain = [[["x"] * units, ["甲"] * (units - 1) + [""], [1.0] * units, [2.0] * units, ["y"] * units, ["z"] * units]]
    for column in texts:
        values = [[["x"] * units, column, [1.0] * units, [2.0] * units, ["y"] * (units - 1) + ["=y"], ["z"] * units]]
        _same_as_row_by_row(units, 1, values)
        # the column's plain and blank looks made, its quoted one not: made before the last unit's quoted look of column 6
        _same_as_row_by_row(units, 1, values, before=plain)


@pytest.mark.parametrize("first,last", [(1, 1), (1, 99), (3, 100), (0, 250), (99, 101), (100, 100), (199, 1_000), (12_345, 13_002), (1_048_000, 1_048_576)])
def test_row_numbers_written_out_by_their_hundreds_and_last_two_digits(first, last):
    assert sheetml._decimals(first, last) == [str(n).encode() for n in range(first, last + 1)]
