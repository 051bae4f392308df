"""What the reader finds in a sheet's XML besides the values (its extent, percent-styled cells,
error cells, merged ranges, formulas saved without a result) is what the first, plainer searches
found (tests/sheets_oracle.py), on sheets drawn with every way of writing those that the
reader distinguishes — and with text cells that look like them."""

from __future__ import annotations

import copy
import io

from builders import examples
from hypothesis import given, settings
from hypothesis import strategies as st

import sheets_oracle
from scoring.load import sheets
from scoring.load.values import column_letter

TEXTS = ["95", "arrow>", "t=&quot;e&quot;", ' s="1"', 'ref="A1:B2"', "f", "</f>", "&lt;f&gt;x&lt;/f&gt;", "mergeCell", "a&amp;b", "<f>", "甲", "r=\"ZZ9\""]
FORMULAS = [b"SUM(A1:B1)", b"A1&amp;&quot;x&quot;", b"1/0", b"IF(A1&lt;2,1,2)"]


@st.composite
def cells(draw, r: int, c: int, x: bytes) -> bytes:
    ref = f"{column_letter(c)}{r}".encode()
    how = draw(st.sampled_from(["plain", "plain", "plain", "lower", "single", "spaced", "none"]))
    attrs = {"plain": b' r="%s"' % ref, "lower": b' r="%s"' % ref.lower(), "single": b" r='%s'" % ref, "spaced": b' r = "%s"' % ref, "none": b""}[how]
    if draw(st.booleans()):
        attrs += b' s="%s"' % draw(st.sampled_from([b"0", b"1", b"2", b"10", b"01", b"12"]))
    kind = draw(st.sampled_from(["n", "n", "e", "str", "inline", "formula", "shared", "empty"]))
    v, f = b"<%sv>" % x, b"</%sv>" % x
    if kind == "n":
        return b"<%sc%s%s>%s1.5%s</%sc>" % (x, attrs, draw(st.sampled_from([b"", b' t="n"'])), v, f, x)
    if kind == "e":
        return b'<%sc%s t="e">%s%s%s</%sc>' % (x, attrs, v, draw(st.sampled_from([b"#DIV/0!", b"#N/A", b"#REF!"])), f, x)
    if kind == "inline":
        text = draw(st.sampled_from(TEXTS)).encode()
        return b'<%sc%s t="inlineStr"><%sis><%st>%s</%st></%sis></%sc>' % (x, attrs, x, x, text, x, x, x)
    if kind in ("formula", "str"):
        body = b"<%sf>%s</%sf>" % (x, draw(st.sampled_from(FORMULAS)), x)
        value = draw(st.sampled_from([b"", v + b"3" + f, b"<%sv/>" % x, b"<%sv></%sv>" % (x, x)]))
        t = b' t="str"' if kind == "str" else b""
        return b"<%sc%s%s>%s%s</%sc>" % (x, attrs, t, body, value, x)
    if kind == "shared":
        master = draw(st.booleans())
        body = b'<%sf t="shared" ref="A1:A9" si="0">A1+1</%sf>' % (x, x) if master else b'<%sf t="shared" si="0"/>' % x
        return b"<%sc%s>%s%s</%sc>" % (x, attrs, body, draw(st.sampled_from([b"", v + b"2" + f])), x)
    return b"<%sc%s/>" % (x, attrs)


@st.composite
def sheet_xml(draw) -> tuple[bytes, int, int]:
    x = draw(st.sampled_from([b"", b"x:"]))
    n_rows, n_cols = draw(st.integers(1, 6)), draw(st.integers(1, 5))
    rows = []
    for r in range(1, n_rows + 1):
        picked = sorted(draw(st.sets(st.integers(0, n_cols - 1), max_size=n_cols)))
        rows.append(b'<%srow r="%d">%s</%srow>' % (x, r, b"".join(draw(cells(r, c, x)) for c in picked), x))
    merges = draw(st.lists(st.sampled_from([b"A1:B2", b"B2:B3", b"C1", b"a1:b2", b"B3:B2", b"D4:E6"]), max_size=3))
    merged = (
        b'<%smergeCells count="%d">%s</%smergeCells>' % (x, len(merges), b"".join(b'<%smergeCell ref="%s"/>' % (x, m) for m in merges), x) if merges else b""
    )
    ns = b' xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"' if x else b' xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    head = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<%sworksheet%s><%sdimension ref="A1:E6"/>' % (x, ns, x)
    xml = head + b"<%ssheetData>%s</%ssheetData>%s</%sworksheet>" % (x, b"".join(rows), x, merged, x)
    return xml, n_rows, n_cols


@settings(max_examples=examples(300), deadline=None)
@given(
    sheet_xml(),
    st.sampled_from([frozenset(), frozenset({1}), frozenset({1, 10}), frozenset({2, 12})]),
    st.integers(0, 2**32),
    st.sampled_from([1, 5, 8, 16, 40, 1 << 20]),  # reads shorter than a row's end tag never cut: one piece
)
def test_the_marks_are_what_the_plain_searches_find(drawn, percent, seed, size):
    xml, n_rows, n_cols = drawn
    import random

    rnd = random.Random(seed)
    values = [[rnd.choice([1.5, 2.0, "", "甲"]) for _ in range(n_cols)] for _ in range(n_rows)]
    assert sheets._extent(xml) == sheets_oracle.extent(xml)
    theirs = copy.deepcopy(values)
    sheets_oracle.styles_and_errors(xml, theirs, percent)
    merged, formulas = sheets_oracle.blank_causes(xml)
    # the whole XML at once, and read as the reader reads it: unpacked in pieces of `size` bytes
    pieces = list(sheets._pieces(io.BytesIO(xml), size))
    assert b"".join(pieces) == xml
    if 8 <= size <= 16:  # rows lie at least 17 bytes apart: each is cut into a piece of its own, then what follows them
        row_end = b"</%srow>" % (b"x:" if b"<x:worksheet" in xml else b"")
        assert [p.count(row_end) for p in pieces] == [1] * n_rows + [0]
    pieced = sheets._Sheet(None, "S", "f.xlsx", percent)
    assert sheets._scan(lambda: sheets._pieces(io.BytesIO(xml), size), pieced) == sheets_oracle.extent(xml)
    pieced_values = copy.deepcopy(values)
    pieced.apply(pieced_values)
    sheet = sheets._Sheet(None, "S", "f.xlsx", percent)
    marks = sheets._Marks(xml)
    marks.settle(percent)
    sheet.find(marks)
    sheet.apply(values)
    for got, found in ((values, sheet), (pieced_values, pieced)):
        assert [[(type(v), v) for v in row] for row in got] == [[(type(v), v) for v in row] for row in theirs]
        assert found.merged == merged
        assert found.formulas == formulas


def test_the_drawn_sheets_hold_what_is_compared():
    """The strategy is not empty-handed: a sheet of its kinds has each mark the comparison is about."""
    x = b""
    xml = (
        b'<worksheet><sheetData><row r="1"><c r="A1" s="1"><v>0.5</v></c><c r="B1" t="e"><v>#N/A</v></c>'
        b'<c r="C1"><f>1/0</f></c></row><row r="2"><c r="A2"/></row></sheetData>'
        b'<mergeCells count="1"><mergeCell ref="A1:A2"/></mergeCells></worksheet>' + x
    )
    values = [[0.5, "", ""], [""]]
    sheet = sheets._Sheet(None, "S", "f.xlsx", frozenset({1}))
    marks = sheets._Marks(xml)
    marks.settle(frozenset({1}))
    sheet.find(marks)
    sheet.apply(values)
    assert type(values[0][0]).__name__ == "Percent" and values[0][1] == "#N/A"
    assert sheet.merged == [(1, 0, 2, 0, "A1:A2")] and sheet.formulas == {(1, 2): "=1/0"}
    assert sheets._extent(xml) == (3, 2)


def test_a_boolean_or_error_cell_is_seen_with_either_quote():
    """XML quotes an attribute with " or ': a TRUE written t='b' must never pass for a plain number."""
    for q in ('"', "'"):
        xml = f"<worksheet><sheetData><row r={q}1{q}><c r={q}A1{q} t={q}b{q}><v>1</v></c><c r={q}B1{q} t={q}e{q}><v>#N/A</v></c></row></sheetData></worksheet>".encode()
        marks = sheets._Marks(xml + b" " * 16)
        assert len(marks.values_of(b"t", b'b"')) == 1 and len(marks.values_of(b"t", b'e"')) == 1, q  # what settle() reads
    mixed = b"<c r='A1' t=\"b'><v>1</v></c>" + b" " * 16  # quotes that do not pair quote nothing
    assert sheets._Marks(mixed).values_of(b"t", b'b"') == []
