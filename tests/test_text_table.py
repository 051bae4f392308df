"""The terminal table is drawn a column at a time; it must be exactly the table tabulate draws."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.report.output import _KNOWN_WIDTH, _tabulate, known_width, text_table

# what unit names, ids, numbers and grades are made of, with the awkward cases tabulate handles itself
_CHARS = st.sampled_from(
    list("0123456789.-_ AZaz")
    + list("县政府办公室乡镇街道优秀良好（）·—、，：；【】")
    + ["\u3000", "\uff11", "\u0301", "\u200b", "\U0001f600", "\t", "\n", "\x1b", "\x07"]
    + ["\u302a", "\u303f", "\uff61", "\u4e00", "\u9fff", "\u2e80"]  # beside the edges of the widths known without wcwidth
)
_CELL = st.text(_CHARS, max_size=8)


@st.composite
def tables(draw):
    width = draw(st.integers(1, 6))
    height = draw(st.integers(1, 12))
    header = draw(st.lists(_CELL, min_size=width, max_size=width))
    columns = [draw(st.lists(_CELL, min_size=height, max_size=height)) for _ in range(width)]
    align = draw(st.lists(st.sampled_from(["left", "right"]), min_size=width, max_size=width))
    return header, columns, align


@settings(max_examples=300, deadline=None)
@given(tables())
def test_the_table_is_the_one_tabulate_draws(t):
    header, columns, align = t
    assert text_table(header, columns, align) == _tabulate(header, columns, align, "simple")


def test_chinese_columns_line_up():
    header = ["名次", "单位名称", "总分"]
    columns = [["1", "2"], ["县政府办公室", "A乡"], ["95.50", "100.00"]]
    lines = text_table(header, columns, ["right", "left", "right"]).split("\n")
    from wcwidth import wcswidth

    ends = {wcswidth(line) for line in lines}
    assert len(ends) == 1  # the last column is right-aligned: every line ends in the same terminal column
    assert lines[2].startswith("     1  县政府办公室")


# the characters whose width the table knows without wcwidth, range by range (first, last, width)
_KNOWN = [(0x20, 0x7E, 1), (0x3000, 0x3029, 2), (0x3030, 0x303E, 2), (0x4E00, 0x9FFF, 2), (0xFF01, 0xFF60, 2)]


def test_every_known_width_is_the_one_wcwidth_gives():
    from wcwidth import wcswidth

    for first, last, width in _KNOWN:
        for code in range(first, last + 1):
            ch = chr(code)
            assert _KNOWN_WIDTH.fullmatch(ch) and known_width(ch) == wcswidth(ch) == width, hex(code)
        for outside in (first - 1, last + 1):  # the neighbours are measured by wcwidth (e.g. U+302A combines: 0 columns)
            if not any(f <= outside <= la for f, la, _ in _KNOWN):
                assert not _KNOWN_WIDTH.fullmatch(chr(outside)), hex(outside)


@settings(max_examples=200, deadline=None)
@given(st.text(st.sampled_from([chr(c) for first, last, _ in _KNOWN for c in range(first, last + 1, 7)] + ["~", "\u303e", "\uff60", "\u9fff"])))
def test_a_known_text_is_as_wide_as_wcwidth_says(text):
    from wcwidth import wcswidth

    assert _KNOWN_WIDTH.fullmatch(text)
    assert known_width(text) == wcswidth(text)
