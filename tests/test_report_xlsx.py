"""The XLSX report opened as a person's spreadsheet program would: numbers, no formulas, prints on A4."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import pytest
from openpyxl.utils import get_column_letter
from hypothesis import HealthCheck, given, settings, strategies as st
from wcwidth import wcswidth

from builders import examples
from scoring.report import render_report
from scoring.report.output import as_csv

from report_support import example, shifted_history, small

openpyxl = pytest.importorskip("openpyxl")


def workbook(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data))


@pytest.fixture(scope="module")
def example_xlsx() -> bytes:
    res, dec, stamp = example()
    return render_report("xlsx", res, dec, None, stamp, "zh")


def test_sheets(example_xlsx):
    wb = workbook(example_xlsx)
    assert wb.sheetnames == ["排名表-党群部门", "排名表-政府部门", "排名表-乡镇(街道)", "拟处理建议", "评分表", "可复现信息"]


def test_no_formula_anywhere(example_xlsx):
    wb = workbook(example_xlsx)
    for ws in wb:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate, c.value)
    with zipfile.ZipFile(io.BytesIO(example_xlsx)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert not re.search(rb"<(\w+:)?f[ >]", z.read(name)), name


def test_ranked_table_numbers_are_numbers(example_xlsx):
    res, _, _ = example()
    wb = workbook(example_xlsx)
    for cs in res.categories.values():
        ws = wb[f"排名表-{cs.category}"]
        header = [c.value for c in ws[4]]
        assert header[:4] == ["名次", "单位编号", "单位名称", "总分"]
        n_mod = len(cs.modules)
        rows = list(ws.iter_rows(min_row=5, max_row=4 + len(cs.index), values_only=True))
        assert len(rows) == len(cs.index)
        for r in rows:
            assert isinstance(r[0], int)
            assert all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in r[3 : 4 + n_mod])
            cs2, pos = res.locate(r[1])
            assert r[3] == pytest.approx(float(cs2.total[pos])) and r[0] == int(cs2.rank[pos])
        assert [r[0] for r in rows] == sorted(r[0] for r in rows)
        assert ws.cell(5, 4).number_format == "0.00"


def test_score_sheet_is_filterable_numbers_and_a_page_per_unit(example_xlsx):
    res, _, _ = example()
    ws = workbook(example_xlsx)["评分表"]
    header = [c.value for c in ws[3]]
    assert header[3:8] == ["测评指标", "指标分值", "适用分值", "得分", "扣分"] and header[9:] == ["失分原因", "数据来源"]
    assert ws.auto_filter.ref.startswith("A3:K")
    units = set()
    for r in ws.iter_rows(min_row=4, values_only=True):
        units.add(r[0])
        for v in (r[4], r[5], r[6], r[7], r[8]):
            assert v is None or (isinstance(v, (int, float)) and not isinstance(v, bool))
    assert units == set(res.data.ids)
    assert len(ws.row_breaks.brk) == len(res.data.ids)
    # 县纪委监委机关 lost 0.30 on 会前学法, shown as numbers with the reason beside them
    row = next(r for r in ws.iter_rows(min_row=4, values_only=True) if r[0] == "DQ01" and str(r[3]).startswith("F1.2 "))
    assert row[4] == 3 and row[6] == pytest.approx(2.7) and row[7] == pytest.approx(0.3)
    assert "少于要求的6次" in row[9] and "县委依法治县办" in row[10]


def test_frozen_headers_widths_and_a4_print_setup(example_xlsx):
    res, _, stamp = example()
    wb = workbook(example_xlsx)
    for ws in wb:
        assert ws.page_setup.paperSize == 9  # A4
        assert ws.print_area
        assert "第 &P 页 共 &N 页" in ws.oddFooter.right.text
        if ws.title != "可复现信息":
            assert ws.freeze_panes is not None
            assert ws.print_title_rows
            assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert stamp["criteria_sha256"] in wb["排名表-政府部门"].oddFooter.left.text
    ws = wb["排名表-政府部门"]
    longest = max(wcswidth(n) for n in res.data.names)  # 县人力资源和社会保障局: 11 characters, 22 columns
    assert ws.column_dimensions["C"].width >= longest
    assert ws.freeze_panes == "D5"


def test_chart_draws_totals_and_the_line(example_xlsx):
    wb = workbook(example_xlsx)
    with zipfile.ZipFile(io.BytesIO(example_xlsx)) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        assert len(charts) == 3
        xml = "\n".join(z.read(n).decode("utf-8") for n in charts)
    assert "'排名表-政府部门'!$D$5:$D$28" in xml  # the totals column itself
    assert xml.count('<barDir val="bar" />') == 3  # horizontal bars: long Chinese names read along their line
    assert '<orientation val="maxMin" />' in xml and '<tickLblSkip val="1" />' in xml  # rank 1 on top, every name shown
    assert "<scatterChart>" in xml and 'prstDash val="dash"' in xml  # the score line, dashed, over the bars
    assert '<plotVisOnly val="0" />' in xml  # drawn from hidden helper cells
    ws = wb["排名表-政府部门"]
    helper = [c for c in ws[4] if c.value and "较差" in str(c.value)]
    assert [c.value for c in helper] == ["R1、R2 较差（低于80分）"]
    # the helper cells are hidden and outside the printed area
    from openpyxl.utils import column_index_from_string

    last_printed = column_index_from_string(re.search(r"\$?([A-Z]+)\$?\d+$", ws.print_area).group(1))
    for c in helper:
        assert c.column > last_printed and ws.column_dimensions[c.column_letter].hidden
        assert ws.column_dimensions[get_column_letter(c.column - 1)].hidden


def test_movement_sheet_with_history():
    res, dec = small([f"单位{i}" for i in range(6)])
    wb = workbook(render_report("xlsx", res, dec, shifted_history(res), None, "zh"))
    ws = wb["名次变化"]
    assert [c.value for c in ws[4]] == ["类别", "单位编号", "单位名称", "2023", "2024", "名次变化"]
    for r in ws.iter_rows(min_row=5, values_only=True):
        assert isinstance(r[3], int) and isinstance(r[4], int) and r[5] == r[3] - r[4]
    assert "可复现信息" not in wb.sheetnames  # no stamp given, no stamp sheet


FORMULA_LIKE = st.builds(
    lambda a, b: a + b,
    st.sampled_from(["=", "+", "-", "@", "＝", ""]),
    st.sampled_from(["SUM(A1:A9)", "1+1", "HYPERLINK(\"http://x\")", "cmd|' /C calc'!A0", "县局", "3"]),
)


@settings(max_examples=examples(12), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(names=st.lists(FORMULA_LIKE, min_size=2, max_size=4, unique=True), evidence=FORMULA_LIKE)
def test_text_that_looks_like_a_formula_stays_text(names, evidence):
    res, dec = small(names, evidence=evidence)
    wb = workbook(render_report("xlsx", res, dec, None, None, "zh"))
    seen = set()
    for ws in wb:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f"
                if isinstance(c.value, str) and c.value in names:
                    seen.add(c.value)
                    if c.value[0] in "=+-@":
                        assert c.quotePrefix and c.data_type == "s"
    assert seen == set(names)
    sheet = wb["评分表"]
    assert any(evidence in str(r[10]) for r in sheet.iter_rows(min_row=4, values_only=True) if r[10])
    # numbers stay numbers next to them
    assert all(isinstance(r[6], float) or isinstance(r[6], int) for r in sheet.iter_rows(min_row=4, values_only=True))


def test_csv_neutralises_formula_text_but_not_numbers():
    res, _ = small(["=HYPERLINK(\"http://x\")", "+县局", "-1", "@甲", "乙"])
    rows = list(csv.reader(io.StringIO(as_csv(res))))
    names = {r[3] for r in rows[1:] if r[0] != "类别"}
    assert names == {"'=HYPERLINK(\"http://x\")", "'+县局", "-1", "'@甲", "乙"}
    totals = [r[4] for r in rows[1:] if r[0] != "类别"]
    assert all(re.fullmatch(r"\d+\.\d\d", t) for t in totals)


def test_no_openpyxl_internals_in_the_product():
    """openpyxl (reading submissions, writing templates) is used through its public API, never its private
    style arrays; reports are written by scoring/report/sheetml.py, which does not import it."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "scoring"
    private = re.compile(r"\._style\b|StyleArray|\._named_styles|\._cell_styles|\._fonts\b|\._fills\b|\._borders\b")
    found = [
        f"{p.relative_to(root)}:{n}" for p in root.rglob("*.py") for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if private.search(line)
    ]
    assert found == []
    for name in ("sheetml.py", "xlsx.py"):
        assert not re.search(r"^\s*(from|import) openpyxl", (root / "report" / name).read_text(encoding="utf-8"), re.M), name


@pytest.mark.parametrize(
    "texts",
    [["任务完成量15180.9", "", "Rate 3%"], ["甲\x01乙", "好"], ["第一行\n第二行", "\u3000空"], ["a", None, 3.5], []],
)
def test_a_column_of_reasons_is_cleaned_as_each_reason_is(texts):
    from scoring.report.xlsx import _clean, _cleaned

    got = _cleaned(texts)
    assert got == [_clean(x) for x in texts] and got is not texts
