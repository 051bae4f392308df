"""Test oracle: the report's workbook as the earlier openpyxl-based writer made it (cell by cell, with hidden
named styles), kept to hold the streaming writer (scoring/report/sheetml.py) to the same workbook: every
cell's value and look, widths, heights, merges, panes, filters and print setup must read back the same
(tests/test_report_xlsx_writer.py).  It reads the same report view, so it follows what the report shows.

Sheets: one ranked table per category (with a native column chart of totals and the
decision lines), the proposed decisions, one filterable score sheet for all units (a page
per unit when printed, or filter on 单位名称), rank movement where history is given, and
the reproducibility stamp.

Numbers are number cells, never text; there are no formulas; text that starts like a
formula (= + - @) is stored as text with Excel's quote prefix so it can never run.  Headers
are frozen, widths fit Chinese text (a CJK character counts as two), every sheet prints on
A4 with page numbers and the stamp in its footer.

Charts are Excel's own (openpyxl chart objects) rather than pictures: they need no image
library, stay sharp when printed, are drawn from the very cells shown beside them, and can
be restyled by the office in Excel or WPS.
"""

from __future__ import annotations

import io
import re

from wcwidth import wcswidth

from scoring import i18n
from scoring.report.charts import axis_range
from scoring.report.notice import full_text
from scoring.report.view import CategoryView, ReportView

ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
FORMULA_START = ("=", "+", "-", "@")
MAX_WIDTH = 60
BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def _display_width(text: str) -> int:
    w = wcswidth(text)
    return w if w >= 0 else 2 * len(text)


class _Looks:
    """The looks of a workbook's cells (font, fill, border, alignment, number format): each combination
    a cell is given becomes one hidden named style of the workbook, made once and then given by name,
    so openpyxl does not hash style objects for every cell."""

    def __init__(self, wb):
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

        self.wb = wb
        self._names: dict[tuple, str] = {}
        thin = Side(style="thin", color="808080")
        self.border = Border(left=thin, right=thin, top=thin, bottom=thin)
        self.bold = Font(bold=True)
        self.title = Font(bold=True, size=15)
        self.letter_title = Font(bold=True, size=14)
        self.head_fill = PatternFill("solid", fgColor="ECEFF3")
        self.caught = PatternFill("solid", fgColor="FBEAEA")
        self.undetermined = PatternFill("solid", fgColor="FDF3E1")
        self.shade = PatternFill("solid", fgColor="F4F6F8")
        self.wrap = Alignment(wrap_text=True, vertical="top")
        self.center = Alignment(horizontal="center", vertical="top")
        self.top = Alignment(vertical="top")
        self.head = Alignment(horizontal="center", vertical="center", wrap_text=True)
        self.middle = Alignment(horizontal="center")
        self.indented = [Alignment(wrap_text=True, vertical="top", indent=k) for k in range(16)]

    def name(self, look: dict) -> str:
        """The named style for ``look`` (attribute → one of the objects above, or a number format)."""
        key = tuple(sorted((k, v if isinstance(v, (str, bool)) else id(v)) for k, v in look.items()))
        name = self._names.get(key)
        if name is None:
            from openpyxl.styles import NamedStyle
            from openpyxl.styles.fonts import DEFAULT_FONT

            name = f"scoring-{len(self._names) + 1}"
            given = {k: v for k, v in look.items() if k != "quotePrefix"}
            given.setdefault("font", DEFAULT_FONT)  # the workbook's font where none is given, as for any cell
            self.wb.add_named_style(NamedStyle(name=name, hidden=True, **given))
            self._names[key] = name
        return name


class _Sheet:
    """A worksheet with typed writes and width tracking."""

    def __init__(self, ws, places: int, looks: _Looks):
        self.ws = ws
        self.looks = looks
        self.widths: dict[int, int] = {}
        self.wrapped: list[tuple[int, int, str]] = []  # cells whose text wraps, for row heights
        self.places = places
        self.numfmt = "0" if places == 0 else "0." + "0" * places
        self._look: dict[tuple[int, int], dict] = {}  # each styled cell's look so far

    def style(self, c, **attrs):
        """Add ``attrs`` (font=…, fill=…, border=…, alignment=…, number_format=…, quotePrefix=True) to a
        cell's look; the cell is given the named style of its whole look (see :class:`_Looks`)."""
        look = self._look.setdefault((c.row, c.column), {})
        look.update(attrs)
        c.style = self.looks.name(look)
        if look.get("quotePrefix"):  # a cell's own flag, not part of a named style
            c.quotePrefix = True
        return c

    def text(self, row: int, col: int, value, wrap: bool = False, measure: bool = True):
        value = "" if value is None else ILLEGAL.sub("", str(value))
        c = self.ws.cell(row=row, column=col)
        if value == "":
            return c
        c.value = value
        if value.startswith(FORMULA_START) or c.data_type == "f":
            c.data_type = "s"  # text that looks like a formula stays text
            self.style(c, quotePrefix=True)
        self.style(c, alignment=self.looks.wrap if wrap else self.looks.top)
        if wrap:
            self.wrapped.append((row, col, value))
        if measure:
            longest = max(_display_width(part) for part in value.split("\n"))
            self.widths[col] = max(self.widths.get(col, 0), min(longest, MAX_WIDTH))
        return c

    def number(self, row: int, col: int, value, fmt: str | None = None):
        c = self.ws.cell(row=row, column=col)
        if value is None:
            return c
        c.value = int(value) if fmt == "0" else float(value)
        self.style(c, number_format=fmt or self.numfmt, alignment=self.looks.top)
        self.widths[col] = max(self.widths.get(col, 0), len(f"{value:.{self.places}f}") if fmt != "0" else len(str(value)))
        return c

    def header(self, row: int, names: list[str]):
        for j, h in enumerate(names, start=1):
            self.style(self.text(row, j, h), font=self.looks.bold, fill=self.looks.head_fill, alignment=self.looks.head)

    def box(self, first_row: int, last_row: int, ncols: int):
        for r in range(first_row, last_row + 1):
            for j in range(1, ncols + 1):
                self.style(self.ws.cell(row=r, column=j), border=self.looks.border)

    def fit(self, minimum: dict[int, int] | None = None, maximum: dict[int, int] | None = None):
        """Column widths from the longest text (CJK counted as two), then row heights for wrapped text.

        Spreadsheet programs do not grow rows for wrapped text written by a library, so the
        height is set from the number of lines the text takes at the column's width.
        """
        from openpyxl.utils import get_column_letter

        final: dict[int, float] = {}
        for col, w in self.widths.items():
            w = max(w, (minimum or {}).get(col, 0))
            w = min(w, (maximum or {}).get(col, MAX_WIDTH))
            final[col] = w + 2
            self.ws.column_dimensions[get_column_letter(col)].width = w + 2
        lines: dict[int, int] = {}
        for row, col, value in self.wrapped:
            room = max(final.get(col, 10) - 1, 4)
            n = sum(max(1, -(-_display_width(part) // int(room))) for part in value.split("\n"))
            lines[row] = max(lines.get(row, 1), n)
        for row, n in lines.items():
            if n > 1:
                self.ws.row_dimensions[row].height = 15 * n + 2


def _sheet_title(name: str, used: set[str]) -> str:
    base = BAD_SHEET_CHARS.sub("_", name).strip("'")[:31] or "Sheet"
    title, k = base, 2
    while title.lower() in used:
        suffix = f"({k})"
        title = base[: 31 - len(suffix)] + suffix
        k += 1
    used.add(title.lower())
    return title


def _footer_text(text: str) -> str:
    return text.replace("&", "&&")


def _page_setup(ws, view: ReportView, last_col: int, last_row: int, title_rows: str | None, landscape: bool = True):
    from openpyxl.utils import get_column_letter

    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = 0.7
    ws.page_margins.bottom = 0.8
    ws.page_margins.footer = 0.3
    ws.print_area = f"A1:{get_column_letter(last_col)}{max(last_row, 1)}"
    if title_rows:
        ws.print_title_rows = title_rows
    L = view.L
    ws.oddHeader.left.text = _footer_text(view.title)
    ws.oddHeader.left.size = 8
    ws.oddHeader.right.text = _footer_text(view.office)
    ws.oddHeader.right.size = 8
    stamp = "  ".join(f"{k} {v}" for k, v in view.footer_stamp)
    if stamp:
        ws.oddFooter.left.text = _footer_text(stamp)[:200]
        ws.oddFooter.left.size = 6
    ws.oddFooter.right.text = L["page"].format(p="&P", n="&N")
    ws.oddFooter.right.size = 8


def _ranking_sheet(wb, view: ReportView, cat: CategoryView, used: set[str], looks: _Looks):
    from openpyxl.chart import BarChart, Reference, ScatterChart, Series
    from openpyxl.chart.legend import Legend
    from openpyxl.chart.marker import DataPoint
    from openpyxl.worksheet.pagebreak import Break

    L = view.L
    hist = bool(view.years)
    ws = wb.create_sheet(_sheet_title(i18n.t("xlsx.ranking_sheet", view.lang, ranking=L["ranking"], category=cat.name), used))
    s = _Sheet(ws, view.places, looks)
    head = [L["rank"], L["id"], L["name"], L["total"]] + [f"{m.name}({_n(m.weight)})" for m in cat.modules]
    head += [L["grade"], L["vetoes"], L["decisions"]] + ([L["prev_rank"], L["change"]] if hist else [])
    ncols = len(head)
    s.style(s.text(1, 1, view.title, measure=False), font=s.looks.title)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncols)
    year = i18n.t("text.year", view.lang, year=view.year)
    sub = i18n.t("sep.wide", view.lang).join([view.office, year, i18n.t("rep.category_head", view.lang, name=cat.name, n=len(cat.rows), units=L["units"])])
    s.text(2, 1, sub, measure=False)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=ncols)
    hr = 4
    s.header(hr, head)
    r = hr
    for row in cat.rows:
        r += 1
        s.number(r, 1, row.rank, "0")
        s.text(r, 2, row.id)
        s.text(r, 3, row.name)
        s.style(s.number(r, 4, row.total), font=s.looks.bold)
        for j, c in enumerate(row.contributions):
            s.number(r, 5 + j, c)
        j = 5 + len(row.contributions)
        s.style(s.text(r, j, row.grade), alignment=s.looks.center)
        s.text(r, j + 1, row.vetoes, wrap=True)
        s.text(r, j + 2, "\n".join(row.decisions), wrap=True)
        if hist:
            s.number(r, j + 3, row.previous_rank, "0")
            d = None if row.previous_rank is None else row.previous_rank - row.rank
            s.style(s.text(r, j + 4, "" if d is None else f"↑{d}" if d > 0 else f"↓{-d}" if d < 0 else "—"), alignment=s.looks.center)
        if row.flag:
            for k in range(1, ncols + 1):
                s.style(ws.cell(row=r, column=k), fill=s.looks.caught if row.flag == "caught" else s.looks.undetermined)
    last = r
    s.box(hr, last, ncols)
    ws.freeze_panes = ws.cell(row=hr + 1, column=4)
    if cat.rows:
        ws.auto_filter.ref = f"A{hr}:{_col(ncols)}{last}"
    r = last + 1
    s.text(r, 1, L["module_note"], measure=False)
    for rid, name, consequence in cat.rules:
        r += 1
        s.text(r, 1, i18n.t("text.label_value", view.lang, label=f"{rid} {name}", value=consequence), measure=False)
    dec_col = len(head) - (2 if hist else 0)
    s.fit({3: 10, dec_col: 24}, {dec_col - 1: 24, dec_col: 36})
    text_end = r

    # Horizontal bars in rank order (rank 1 at the top): long Chinese unit names read along their own line,
    # every one of them labelled.  The decision lines are named in the title (a horizontal bar chart has no
    # vertical line series); units caught are red, undetermined amber, vetoed grey, as in the PDF.
    if cat.rows:
        chart = BarChart()
        chart.type = "bar"
        enum, items = i18n.t("sep.enum", view.lang), i18n.t("sep.items", view.lang)
        tags = items.join(f"{enum.join(ln.rules)} {ln.label}" for ln in cat.lines)
        chart.title = f"{cat.name} {L['chart_totals']}" + (i18n.t("text.paren", view.lang, text=tags) if tags else "")
        chart.style = 10
        chart.legend = None
        chart.add_data(Reference(ws, min_col=4, min_row=hr, max_row=last), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=3, min_row=hr + 1, max_row=last))
        series = chart.series[0]
        series.graphicalProperties.solidFill = "3F6FA8"
        for i, row in enumerate(cat.rows):
            color = "9A9A9A" if row.failed else "C0392B" if row.flag == "caught" else "D68910" if row.flag == "undetermined" else None
            if color:
                pt = DataPoint(idx=i)
                pt.graphicalProperties.solidFill = color
                series.dPt.append(pt)
        lo, hi = axis_range(cat, view.total)
        chart.y_axis.scaling.min = lo
        chart.y_axis.scaling.max = hi
        chart.x_axis.scaling.orientation = "maxMin"  # rank 1 at the top
        chart.x_axis.delete = False
        chart.y_axis.delete = False
        chart.x_axis.tickLblSkip = 1
        chart.gapWidth = 40
        # each score line as an XY series drawn straight from bottom to top at its value, on a hidden 0-1 axis:
        # the usual way to draw a vertical line over horizontal bars; its two points sit in hidden helper columns
        score_lines = [ln for ln in cat.lines if ln.kind == "score" and lo <= ln.value <= hi]
        if score_lines:
            xy = ScatterChart()
            for k, ln in enumerate(score_lines):
                col = ncols + 2 + 2 * k
                tag = i18n.t("sep.enum", view.lang).join(ln.rules)
                s.text(hr, col + 1, f"{tag} {ln.label}", measure=False)
                for i, (xv, yv) in enumerate(((ln.value, 0), (ln.value, 1))):
                    s.number(hr + 1 + i, col, xv)
                    s.number(hr + 1 + i, col + 1, yv, "0")
                for c in (col, col + 1):
                    ws.column_dimensions[_col(c)].hidden = True
                ser = Series(
                    Reference(ws, min_col=col + 1, min_row=hr + 1, max_row=hr + 2),
                    Reference(ws, min_col=col, min_row=hr + 1, max_row=hr + 2),
                    title_from_data=False,
                    title=f"{tag} {ln.label}",
                )
                ser.marker.symbol = "none"
                ser.smooth = False
                ser.graphicalProperties.line.solidFill = "C0392B"
                ser.graphicalProperties.line.dashStyle = "dash"
                ser.graphicalProperties.line.width = 19050
                xy.series.append(ser)
            xy.x_axis = chart.y_axis  # the bars' value axis: the lines sit at their totals
            xy.y_axis.axId = 300
            xy.y_axis.crossAx = 100
            xy.y_axis.majorGridlines = None
            xy.y_axis.scaling.min, xy.y_axis.scaling.max = 0, 1
            xy.y_axis.crosses = "max"
            xy.y_axis.delete = True
            chart += xy
            chart.legend = Legend()
            chart.legend.position = "b"
            chart.visible_cells_only = False  # the helper columns are hidden, and still drawn
        chart.width = 24
        chart.height = max(8.0, 0.55 * len(cat.rows) + 3)  # cm: about 5.5 mm a bar, so no name is skipped
        anchor = text_end + 2
        ws.add_chart(chart, f"A{anchor}")
        ws.row_breaks.append(Break(id=text_end + 1))
        text_end = anchor + int(chart.height / 0.5) + 1  # rows of 0.5 cm under the chart
    _page_setup(ws, view, ncols, text_end, f"{hr}:{hr}")


def _proposals_sheet(wb, view: ReportView, used: set[str], looks: _Looks):
    L = view.L
    ws = wb.create_sheet(_sheet_title(L["decisions"], used))
    s = _Sheet(ws, view.places, looks)
    head = [
        L["rule"],
        i18n.t("xlsx.rule_name", view.lang),
        L["consequence"],
        L["category"],
        L["line"],
        L["id"],
        L["name"],
        L["total"],
        L["rank"],
        i18n.t("xlsx.of", view.lang),
        L["grade"],
        L["trigger"],
        i18n.t("xlsx.margin_points", view.lang, margin=L["margin"]),
        L["margin"],
        L["history"],
        L["close"],
        L["status"],
    ]
    t = s.text(1, 1, f"{view.title} {L['proposals']}", measure=False)
    s.style(t, font=s.looks.title)
    s.text(2, 1, L["proposals_intro"], measure=False)
    hr = 4
    s.header(hr, head)
    r = hr
    for p in view.proposals:
        rows: list[tuple[dict | None, str]] = [(u, L["undetermined"] if u["status"] == "undetermined" else L["caught"]) for u in p.units]
        if p.nearest_unit is not None and p.nearest_unit["margin"] is not None:
            rows.append((None, L["nearest_row"]))
        for u, status in rows:
            r += 1
            for j, v in enumerate([p.rule, p.name, p.consequence, p.category, p.line], start=1):
                s.text(r, j, v, wrap=j in (2, 3, 5))
            if u is not None:
                s.text(r, 6, u["id"])
                s.text(r, 7, u["name"])
                s.number(r, 8, u["total"])
                s.number(r, 9, u["rank"], "0")
                s.number(r, 10, u["of"], "0")
                s.text(r, 11, u["grade"])
                s.text(r, 12, u["reason"], wrap=True)
                s.number(r, 13, u["margin"])
                s.text(r, 14, u["margin_text"])
                s.text(r, 15, u["history"], wrap=True)
                s.text(r, 16, L["yes"] if u["close_call"] else "")
            elif p.nearest_unit is not None:  # the row added above for the nearest unit outside
                n = p.nearest_unit
                s.text(r, 6, n["id"])
                s.text(r, 7, n["name"])
                s.number(r, 8, n["total"])
                s.text(r, 12, p.nearest, wrap=True)
                s.number(r, 13, n["margin"])
                s.text(r, 16, L["yes"] if n["margin"] <= view.close_margin + 1e-9 else "")
            s.text(r, 17, status)
    s.box(hr, r, len(head))
    ws.freeze_panes = ws.cell(row=hr + 1, column=1)
    ws.auto_filter.ref = f"A{hr}:{_col(len(head))}{max(r, hr)}"
    s.fit({3: 16, 12: 20}, {2: 18, 3: 26, 4: 12, 5: 14, 7: 18, 12: 30, 14: 12, 15: 22})
    _page_setup(ws, view, len(head), r, f"{hr}:{hr}")


def _sheets_sheet(wb, view: ReportView, used: set[str], looks: _Looks):
    from openpyxl.worksheet.pagebreak import Break

    L = view.L
    ws = wb.create_sheet(_sheet_title(L["sheet"], used))
    s = _Sheet(ws, view.places, looks)
    sh = L["sheet_head"]
    head = [L["id"], L["name"], L["category"], sh[0], sh[1], L["applicable"], sh[2], sh[3], L["average"], sh[4], sh[5]]
    t = s.text(1, 1, f"{view.title} {L['sheets']}", measure=False)
    s.style(t, font=s.looks.title)
    hr = 3
    s.header(hr, head)
    bold, shade = s.looks.bold, s.looks.shade
    r = hr
    for u in view.units:
        start = r + 1
        for m, avg in zip(u.modules, u.averages):
            r += 1
            label = L["module_row"].format(name=m["name"], w=_n(m["weight"]))
            s.style(s.text(r, 4, label), font=bold)
            s.number(r, 5, m["full"], "0.##")
            s.number(r, 7, m["score"])
            s.number(r, 9, avg)
            s.text(r, 10, L["module_row_note"].format(c=view.num(m["contribution"])), wrap=True)
            for k in range(1, len(head) + 1):
                s.style(ws.cell(row=r, column=k), fill=shade)
            _unit_cols(s, r, u)
        for c in u.cells:
            r += 1
            cell = s.text(r, 4, c["label"], wrap=True)
            s.style(cell, alignment=s.looks.indented[min(c["level"] - 1, 15)])
            if c["level"] == 1:
                s.style(cell, font=bold)
            s.number(r, 5, c["full"], '"±"0.##' if c["bonus"] else "0.##")
            s.number(r, 6, c["applicable_full"], "0.##")
            s.number(r, 7, c["points"])
            s.number(r, 8, c["lost"])
            s.text(r, 10, c["reason"], wrap=True)
            s.text(r, 11, c["source"], wrap=True)
            _unit_cols(s, r, u)
        r += 1
        s.style(s.text(r, 4, L["total_row"]), font=bold)
        s.style(s.number(r, 7, u.total), font=bold)
        note = L["total_row_note"].format(rank=u.rank, of=u.of, grade=u.grade or "—")
        if u.decisions:
            sep = i18n.t("sep.items", view.lang)
            note += sep + sep.join(u.decisions)
        s.text(r, 10, note, wrap=True)
        _unit_cols(s, r, u)
        s.box(start, r, len(head))
        ws.row_breaks.append(Break(id=r))
    s.box(hr, hr, len(head))
    ws.freeze_panes = ws.cell(row=hr + 1, column=4)
    ws.auto_filter.ref = f"A{hr}:{_col(len(head))}{max(r, hr)}"
    s.fit({4: 24, 5: 8, 6: 8, 7: 8, 8: 8, 9: 8, 10: 30}, {4: 36, 10: 46, 11: 28})
    _page_setup(ws, view, len(head), r, f"{hr}:{hr}")


def _unit_cols(s: _Sheet, r: int, u):
    s.text(r, 1, u.id)
    s.text(r, 2, u.name)
    s.text(r, 3, u.category)


def _movement_sheet(wb, view: ReportView, used: set[str], looks: _Looks):
    L = view.L
    ws = wb.create_sheet(_sheet_title(L["movement"], used))
    s = _Sheet(ws, view.places, looks)
    head = [L["category"], L["id"], L["name"]] + [str(y) for y in view.years] + [L["change"]]
    t = s.text(1, 1, f"{view.title} {L['movement']}", measure=False)
    s.style(t, font=s.looks.title)
    s.text(2, 1, L["movement_intro"], measure=False)
    hr = 4
    s.header(hr, head)
    r = hr
    for cat in view.categories:
        for row in cat.rows:
            r += 1
            s.text(r, 1, cat.name)
            s.text(r, 2, row.id)
            s.text(r, 3, row.name)
            for k, y in enumerate(view.years):
                s.number(r, 4 + k, row.ranks_by_year.get(y), "0")
            d = None if row.previous_rank is None else row.previous_rank - row.rank
            if d is not None:
                s.number(r, 4 + len(view.years), d, "0")
    s.box(hr, r, len(head))
    ws.freeze_panes = ws.cell(row=hr + 1, column=4)
    ws.auto_filter.ref = f"A{hr}:{_col(len(head))}{max(r, hr)}"
    s.fit()
    _page_setup(ws, view, len(head), r, f"{hr}:{hr}", landscape=False)


def _stamp_sheet(wb, view: ReportView, used: set[str], looks: _Looks):
    L = view.L
    ws = wb.create_sheet(_sheet_title(L["stamp"], used))
    s = _Sheet(ws, view.places, looks)
    t = s.text(1, 1, L["stamp"], measure=False)
    s.style(t, font=s.looks.title)
    s.text(2, 1, L["stamp_intro"], measure=False)
    r = 3
    for k, v in view.stamp:
        r += 1
        s.style(s.text(r, 1, k), font=s.looks.bold)
        s.text(r, 2, v)
    s.fit()
    _page_setup(ws, view, 2, r, None, landscape=False)


def _col(n: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(n)


def _n(x) -> str:
    from scoring.core.rounding import fmt

    return fmt(x)


def render(view: ReportView) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.title = view.title
    wb.properties.creator = view.office or "scoring"
    used: set[str] = set()
    looks = _Looks(wb)
    for cat in view.categories:
        _ranking_sheet(wb, view, cat, used, looks)
    _proposals_sheet(wb, view, used, looks)
    _sheets_sheet(wb, view, used, looks)
    if view.years:
        _movement_sheet(wb, view, used, looks)
    if view.stamp:
        _stamp_sheet(wb, view, used, looks)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def render_unit(view: ReportView, u, doc: dict) -> bytes:
    """One unit's 考核结果反馈 as a workbook: the letter's text, then its modules and score sheet as numbers.

    Only this unit's own figures and its category's size and average; nothing about any other unit.
    """
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = _sheet_title(doc["attachment"]["heading"], set())
    wb.properties.title = doc["heading"]
    wb.properties.creator = doc["issuer"] or "scoring"
    looks = _Looks(wb)
    s = _Sheet(ws, view.places, looks)
    ncols = 6
    r = 1
    ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=ncols)
    s.style(s.text(r, 1, doc["heading"], measure=False), font=s.looks.letter_title, alignment=s.looks.middle)
    r += 2
    for para in [
        doc["to"],
        *doc["body"],
        *([doc["losses_heading"]] if doc["losses"] else []),
        *doc["losses"],
        *doc["after"],
        f"{doc['issuer']}　{doc['date']}",
    ]:
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=ncols)
        s.text(r, 1, para, wrap=True, measure=False)
        ws.row_dimensions[r].height = 15 * max(1, -(-_display_width(para) // 110)) + 2
        r += 1
    r += 1
    s.text(r, 1, doc["attachment"]["summary"], measure=False)
    r += 1
    mods = doc["attachment"]["modules"]
    s.header(r, mods["head"])
    first = r
    for m, avg in zip(u.modules, u.averages):
        r += 1
        s.text(r, 1, m["name"])
        s.number(r, 2, m["weight"], "0.##")
        s.number(r, 3, m["score"])
        s.number(r, 4, avg)
        s.number(r, 5, m["contribution"])
    s.box(first, r, len(mods["head"]))
    r += 2
    head = doc["attachment"]["sheet"]["head"]
    s.header(r, head)
    head_row = r
    for cell in u.cells:
        r += 1
        s.text(r, 1, "　" * (min(cell["level"], 4) - 1) + cell["label"])
        s.text(r, 2, full_text(cell))
        s.number(r, 3, cell["points"])
        s.number(r, 4, cell["lost"])
        s.text(r, 5, cell["reason"], wrap=True)
        s.text(r, 6, cell["source"], wrap=True)
    s.box(head_row, r, len(head))
    s.fit(minimum={1: 24}, maximum={1: 40, 5: 40, 6: 30})
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "portrait"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_title_rows = f"{head_row}:{head_row}"
    ws.oddFooter.center.text = "— &P —"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
