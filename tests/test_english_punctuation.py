"""An English report is punctuated in English where the layout joins its parts: the HTML report's
footer, the XLSX ranking sheets' subtitle, the printed office paper's meta line and each unit's
summary line. The data's own names stay as written; the Chinese report keeps its Chinese punctuation."""

from __future__ import annotations

import io
import re

import pytest

from scoring.report import papers, render_report
from scoring.report.output import as_table, ranking_columns
from scoring.report.view import build

from report_support import example

CHINESE_PUNCTUATION = set("　：；，（）、。")


def chinese_punctuation(text: str, *names: str) -> set[str]:
    """The Chinese punctuation in ``text`` outside the ``names`` it quotes from the data (they stay as written)."""
    for name in names:
        text = text.replace(name, "")
    return set(text) & CHINESE_PUNCTUATION


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_html_footer(lang):
    res, dec, stamp = example()
    html = render_report("html", res, dec, None, stamp, lang).decode("utf-8")
    footer = re.search(r'<footer class="stamp">(.*?)</footer>', html).group(1)
    if lang == "en":
        assert not chinese_punctuation(footer), footer
        assert footer.count(": ") >= 2 and "  " in footer
    else:
        assert {"　", "："} <= chinese_punctuation(footer)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_xlsx_subtitle(lang):
    openpyxl = pytest.importorskip("openpyxl")
    res, dec, stamp = example()
    wb = openpyxl.load_workbook(io.BytesIO(render_report("xlsx", res, dec, None, stamp, lang)))
    office = res.criteria.assessment.office
    for cs, ws in zip(res.categories.values(), wb.worksheets):
        subtitle = ws.cell(2, 1).value
        assert subtitle.startswith(office) and cs.category in subtitle
        if lang == "en":
            assert not chinese_punctuation(subtitle, office, cs.category), subtitle
            assert subtitle.endswith(f"{cs.category} ({len(cs.index)} units)")
        else:
            assert subtitle.endswith(f"{cs.category}（{len(cs.index)}个单位）") and "　" in subtitle


def test_the_office_paper_meta_line_and_unit_summaries():
    res, dec, stamp = example()
    view = build(res, dec, None, stamp, "en")
    doc = papers.office(view, "serif")
    assert doc["meta_line"].startswith(view.office)
    assert not chinese_punctuation(doc["meta_line"], view.office), doc["meta_line"]
    for u, unit in zip(doc["units"], view.units):
        assert u["summary"].startswith(unit.category)
        assert not chinese_punctuation(u["summary"], unit.category), u["summary"]


def test_the_terminal_table_title_and_vetoes():
    res, _, _ = example()
    a = res.criteria.assessment
    title = as_table(res, "en").splitlines()[0]
    assert title == f"{a.name} ({a.year})  {a.office}"
    names = [v.name for v in res.criteria.vetoes]
    cells = [c for cs in res.categories.values() for c in ranking_columns(res, cs, "en")[1][-1] if c]
    assert cells and all(c.startswith(("veto: ", "no top grade: ")) for c in cells), cells
    assert not any(chinese_punctuation(c, *names) for c in cells), cells


def test_the_printed_reports_vetoes_and_score_sheet_sources():
    # what every printed format lays out: the ranked rows' vetoes and the score sheet's 数据来源 column
    res, dec, stamp = example()
    names = [v.name for v in res.criteria.vetoes]
    for lang, sep in (("en", "; "), ("zh", "；")):
        view = build(res, dec, None, stamp, lang)
        vetoes = [r.vetoes for cat in view.categories for r in cat.rows if r.vetoes]
        sources = [c["source"] for u in view.units for c in u.cells if sep in c["source"]]
        assert vetoes and sources
        if lang == "en":
            assert all(v.startswith(("veto: ", "no top grade: ")) and not chinese_punctuation(v, *names) for v in vetoes), vetoes
            # the owners and file names are the criteria's and the data's own (县人民法院、县司法局); what joins them is English
            assert not any("；" in s for s in sources), sources
