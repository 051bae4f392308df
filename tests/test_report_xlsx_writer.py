"""The streaming workbook writer (scoring/report/sheetml.py) gives the workbook the openpyxl-based writer gave.

Read back with openpyxl, every cell's value, number format, font, fill, border, alignment and quote prefix,
every column width and row height, the merged cells, frozen panes, filters, print areas and titles, headers,
footers, page breaks and charts are the same as tests/xlsx_report_oracle.py makes from the same report view.
"""

from __future__ import annotations

import datetime
import io
import zipfile
import zlib

import pytest
from hypothesis import given, settings, strategies as st
from wcwidth import wcswidth

from builders import examples
from report_support import example, shifted_history, small
from workbook_support import as_seen
from xlsx_report_oracle import render as oracle_render, render_unit as oracle_render_unit

from scoring.report import sheetml, xlsx
from scoring.report.papers import publication, unit as unit_paper
from scoring.report.view import build


def _same(new: bytes, old: bytes) -> None:
    a, b = as_seen(new), as_seen(old)
    assert a["sheets"] == b["sheets"]
    for key in b:
        if a[key] != b[key] and isinstance(b[key], dict):
            for part in b[key]:
                if part == "cells":
                    before = {c[0]: c for c in b[key]["cells"]}
                    after = {c[0]: c for c in a[key]["cells"]}
                    diff = [(ref, before.get(ref), after.get(ref)) for ref in sorted(set(before) | set(after)) if before.get(ref) != after.get(ref)]
                    assert diff == [], (key, diff[:5])
                assert a[key][part] == b[key][part], (key, part)
        assert a[key] == b[key], key


@pytest.fixture(scope="module")
def example_view():
    res, dec, stamp = example()
    return build(res, dec, None, stamp, "zh")


def test_the_example_reads_back_as_before(example_view):
    new = xlsx.render(example_view)
    _same(new, oracle_render(example_view))
    with zipfile.ZipFile(io.BytesIO(new)) as z:
        assert z.testzip() is None  # every part's CRC holds, the score sheet's joined from three streams too


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_history_and_formula_like_names_read_back_as_before(lang):
    res, dec = small(["甲局", "=SUM(A1)", "+县局", "-1", "@乙", " 丙 "], evidence='=HYPERLINK("x")')
    view = build(res, dec, shifted_history(res), None, lang)
    _same(xlsx.render(view), oracle_render(view))


def test_a_units_paper_reads_back_as_before(example_view):
    res, _, _ = example()
    pub = publication(res.criteria, {"public_from": datetime.date(2021, 1, 15), "public_to": datetime.date(2021, 1, 21), "contact": "0434-4222222"})
    for u in list(example_view.units)[::20]:
        doc = unit_paper(example_view, u, pub)
        _same(xlsx.render_unit(example_view, u, doc), oracle_render_unit(example_view, u, doc))


def test_the_streamed_file_is_the_rendered_one(example_view):
    """write_report streams the parts; joined they are the workbook render() gives (but for its time stamps)."""
    parts = list(xlsx.render_parts(example_view))
    assert len(parts) > 10
    assert as_seen(b"".join(parts)) == as_seen(xlsx.render(example_view))


@settings(max_examples=examples(60), deadline=None)
@given(a=st.binary(max_size=300), b=st.binary(max_size=3000))
def test_crc32_combine_is_the_crc_of_the_joined_bytes(a, b):
    assert sheetml.crc32_combine(zlib.crc32(a), zlib.crc32(b), len(b)) == zlib.crc32(a + b)


TEXT = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x20, max_codepoint=0x7E),
        st.characters(min_codepoint=0x4E00, max_codepoint=0x4E80),
        st.sampled_from("（）：；，。、〔〕〇「」％　·—±↑↓\t\u0301\u200bＡ\U0001f600ｶ〿"),
    ),
    max_size=40,
)


@settings(max_examples=examples(200), deadline=None)
@given(text=TEXT)
def test_display_width_is_wcwidths(text):
    w = wcswidth(text)
    assert sheetml.display_width(text) == (w if w >= 0 else 2 * len(text))


@settings(max_examples=examples(200), deadline=None)
@given(texts=st.lists(st.one_of(TEXT, st.sampled_from(["", "\x00", "甲\x00乙", "中\n文"])), max_size=6))
def test_display_widths_are_each_texts_display_width(texts):
    assert sheetml.display_widths(texts) == [sheetml.display_width(t) for t in texts]


@settings(max_examples=examples(40), deadline=None)
@given(
    texts=st.lists(st.lists(TEXT.filter(lambda t: "\t" not in t), min_size=1, max_size=3).map("\n".join), min_size=1, max_size=8),
    lo=st.integers(0, 30),
    hi=st.integers(4, 60),
)
def test_row_heights_counted_as_written_are_those_at_the_final_width(texts, lo, hi):
    """A wrapped text's lines are counted when its row is written, before the column's width is known; the
    count is the one at the final width (the widest text, between the column's bounds)."""
    book = sheetml.Book("t", "t")
    s = book.sheet("s", 2, {1: lo}, {1: hi})
    wrapped = sheetml.Look(vertical="top", wrap=True)
    for r, text in enumerate(texts, start=1):
        s.row(r, [(1, text, wrapped, sheetml.MEASURE | sheetml.WRAP)])
    data = b"".join([*book.add(s), *book.close()])
    room = max(int(s._final_widths()[1]) - 1, 4) if 1 in s.widths else 9
    ws = as_seen(data)["s"]
    for r, text in enumerate(texts, start=1):
        n = sum(max(1, -(-sheetml.display_width(part) // room)) for part in text.split("\n"))
        assert ws["heights"].get(str(r)) == (15 * n + 2 if n > 1 else None), (r, text)


def test_texts_past_the_shared_strings_limit_are_written_inline(example_view, monkeypatch):
    """The shared strings hold at most SHARED_MAX texts (their numbers are kept in memory); later texts are
    written inline, and the workbook reads back the same."""
    monkeypatch.setattr(sheetml, "SHARED_MAX", 40)
    new = xlsx.render(example_view)
    with zipfile.ZipFile(io.BytesIO(new)) as z:
        assert z.read("xl/sharedStrings.xml").count(b"<si>") == 40
        sheet = z.read("xl/worksheets/sheet5.xml")
    assert b't="s"' in sheet and b't="inlineStr"' in sheet
    _same(new, oracle_render(example_view))
