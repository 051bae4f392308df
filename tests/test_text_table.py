"""The terminal table is drawn a column at a time; it must be exactly the table tabulate draws."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.report.output import _tabulate, text_table

# what unit names, ids, numbers and grades are made of, with the awkward cases tabulate handles itself
_CHARS = st.sampled_from(
    list("0123456789.-_ AZaz") + list("县政府办公室乡镇街道优秀良好（）·—") + ["\u3000", "\uff11", "\u0301", "\u200b", "\U0001f600", "\t", "\n", "\x1b", "\x07"]
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
