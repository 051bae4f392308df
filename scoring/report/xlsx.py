"""The report as an Excel / WPS workbook, written a row at a time (:mod:`.sheetml`).

Sheets: one ranked table per category (with a native column chart of totals and the
decision lines), the proposed decisions, one filterable score sheet for all units (a page
per unit when printed, or filter on 单位名称), rank movement where history is given, and
the reproducibility stamp.

Numbers are number cells, never text; there are no formulas; text that starts like a
formula (= + - @) is stored as text with Excel's quote prefix so it can never run.  Headers
are frozen, widths fit Chinese text (a CJK character counts as two), every sheet prints on
A4 with page numbers and the stamp in its footer.

Charts are Excel's own chart parts rather than pictures: they need no image
library, stay sharp when printed, are drawn from the very cells shown beside them, and can
be restyled by the office in Excel or WPS.

What the report shows (which rows, which texts) is decided here; how a workbook is written is
:mod:`.sheetml`'s.  Rows are written in order and not kept, so a province's 6 000 score sheets
go through in memory that does not grow with the number of units.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from functools import lru_cache

import numpy as np

from .. import i18n
from .charts import axis_range
from ..core.explain import LineColumns, nullable
from .notice import full_text, line_cell, source_text
from .output import column_texts
from .sheetml import EMPTY, FORMULA_START, MEASURE, NUMBER, TEXT, WRAP, Book, Look, Sheet, Slot, bar_chart, column_letter, display_width
from .view import CategoryView, ReportView, SheetBlock, UnitView

# units whose score sheets' rows are made together: what is done once a block (each row's template laid out, each
# cell's text looked up) weighs little past a few hundred units, and a block's rows take tens of MB
BLOCK = 500
# units whose lines are made together (their columns, each method's reasons asked): what is done once for each
# indicator of a block still weighs at 500, and the same reason is asked once for more units; the lines are made into
# cells (Python numbers and texts) for BLOCK units at a time
LINES = 1000
ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")

# the looks of the report's cells
TOP = Look(vertical="top")
WRAPPED = Look(vertical="top", wrap=True)
CENTER = Look(horizontal="center", vertical="top")
HEAD = Look(bold=True, fill="ECEFF3", horizontal="center", vertical="center", wrap=True, border=True)
TITLE = Look(bold=True, size=15, vertical="top")
LETTER_TITLE = Look(bold=True, size=14, horizontal="center")
CAUGHT, UNDETERMINED, SHADE = "FBEAEA", "FDF3E1", "F4F6F8"
BOXED = Look(border=True)


def _clean(value) -> str:
    if value is None:
        return ""
    value = str(value)
    return value if value.isprintable() else ILLEGAL.sub("", value)  # printable text has no control character


def _cleaned(texts: list) -> list[str]:
    """:func:`_clean` of each of a column's texts: a copy of the column when every one is printable text (a
    method's reasons mostly are), found with one join instead of a look at each."""
    try:
        if "".join(texts).isprintable():
            return list(texts)
    except TypeError:  # not every value is text
        pass
    return column_texts(texts, _clean, "", "")


# a ranked table's every cell is given a number format or a border and fill: each look so made is made once
PLAIN = Look()


@lru_cache(maxsize=None)
def _formatted(look: Look, fmt: str) -> Look:
    return look._replace(fmt=fmt)


@lru_cache(maxsize=None)
def _boxed(look: Look, fill: str | None) -> Look:
    return look._replace(border=True, fill=fill or look.fill)


class _Row:
    """One row's cells by column, each with its look, given in any order; a sheet writes them in order.

    ``text`` and ``number`` give what the old per-cell writes gave: text aligned to the top (wrapped
    when asked), text that starts like a formula kept as text (quote prefix), numbers in the sheet's
    format; ``box`` then borders every cell of the row up to a column, ``fill`` shades them."""

    def __init__(self, places: int):
        self.cells: dict[int, list] = {}
        self.numfmt = "0" if places == 0 else "0." + "0" * places

    def text(self, col: int, value, look: Look | None = None, wrap: bool = False, measure: bool = True) -> None:
        value = _clean(value)
        look = look or (WRAPPED if wrap else TOP)
        if value == "":
            if look not in (TOP, WRAPPED):  # an empty cell still shows a look it was given (centred, say)
                self.cells[col] = [None, look, 0]
            return
        if value.startswith(FORMULA_START):
            look = look._replace(quote=True)
        self.cells[col] = [value, look, (MEASURE if measure else 0) | (WRAP if wrap else 0)]

    def number(self, col: int, value, fmt: str | None = None, look: Look = TOP) -> None:
        if value is None:
            return
        self.cells[col] = [int(value) if fmt == "0" else float(value), _formatted(look, fmt or self.numfmt), MEASURE]

    def box(self, ncols: int, fill: str | None = None) -> None:
        for col in range(1, ncols + 1):
            cell = self.cells.setdefault(col, [None, PLAIN, 0])
            cell[1] = _boxed(cell[1], fill)

    def write(self, s: Sheet, r: int, height: float | None = None) -> None:
        s.row(r, [(col, *self.cells[col]) for col in sorted(self.cells)], height)


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


def _page_setup(s: Sheet, view: ReportView, last_col: int, last_row: int, title_row: int | None, landscape: bool = True) -> None:
    """A4, fitted to the page's width, centred, with the report's title and office above and the stamp and
    page numbers below."""
    s.landscape = landscape
    s.print_area = f"A1:{column_letter(last_col)}{max(last_row, 1)}"
    if title_row:
        s.print_titles = f"${title_row}:${title_row}"
    L = view.L
    s.header = [("L", 8, _footer_text(view.title)), ("R", 8, _footer_text(view.office))]
    stamp = "  ".join(f"{k} {v}" for k, v in view.footer_stamp)
    s.footer = ([("L", 6, _footer_text(stamp)[:200])] if stamp else []) + [("R", 8, L["page"].format(p="&P", n="&N"))]


def _title(s: Sheet, title: str, intro: str | None = None) -> None:
    """A sheet's title in row 1 and its introduction in row 2; neither widens a column."""
    top = _Row(s.places)
    top.text(1, title, TITLE, measure=False)
    top.write(s, 1)
    if intro is not None:
        second = _Row(s.places)
        second.text(1, intro, measure=False)
        second.write(s, 2)


def _header(s: Sheet, r: int, names: list[str], places: int) -> None:
    row = _Row(places)
    for j, h in enumerate(names, start=1):
        row.text(j, h, HEAD)
    row.write(s, r)


def _ranking_sheet(book: Book, view: ReportView, cat: CategoryView, used: set[str]) -> Sheet:
    L = view.L
    places = view.places
    hist = bool(view.years)
    head = [L["rank"], L["id"], L["name"], L["total"]] + [f"{m.name}({_n(m.weight)})" for m in cat.modules]
    head += [L["grade"], L["vetoes"], L["decisions"]] + ([L["prev_rank"], L["change"]] if hist else [])
    ncols = len(head)
    dec_col = len(head) - (2 if hist else 0)
    title = _sheet_title(i18n.t("xlsx.ranking_sheet", view.lang, ranking=L["ranking"], category=cat.name), used)
    s = book.sheet(title, places, {3: 10, dec_col: 24}, {dec_col - 1: 24, dec_col: 36})
    hr = 4
    last = hr + len(cat.rows)

    # each score line of the chart is an XY series drawn straight from bottom to top at its value, on a hidden
    # 0-1 axis (the usual way to draw a vertical line over horizontal bars); its two points sit in hidden helper
    # columns beside the table, its name above them in the header row
    lo, hi = axis_range(cat, view.total) if cat.rows else (0.0, 0.0)
    score_lines = [ln for ln in cat.lines if ln.kind == "score" and lo <= ln.value <= hi] if cat.rows else []
    helpers: dict[int, _Row] = {}
    series = []
    for k, ln in enumerate(score_lines):
        col = ncols + 2 + 2 * k
        tag = i18n.t("sep.enum", view.lang).join(ln.rules)
        helpers.setdefault(hr, _Row(places)).text(col + 1, f"{tag} {ln.label}", measure=False)
        for i, (xv, yv) in enumerate(((ln.value, 0), (ln.value, 1))):
            helpers.setdefault(hr + 1 + i, _Row(places)).number(col, xv)
            helpers[hr + 1 + i].number(col + 1, yv, "0")
        for c in (col, col + 1):
            s.hidden.add(c)
            s.fixed_widths[c] = 13
        series.append(
            (
                f"{tag} {ln.label}",
                f"${column_letter(col)}${hr + 1}:${column_letter(col)}${hr + 2}",
                f"${column_letter(col + 1)}${hr + 1}:${column_letter(col + 1)}${hr + 2}",
            )
        )

    def write(row: _Row, r: int) -> None:
        extra = helpers.pop(r, None)
        if extra is not None:
            row.cells.update(extra.cells)
        row.write(s, r)

    top = _Row(places)
    top.text(1, view.title, TITLE, measure=False)
    write(top, 1)
    s.merges.append(f"A1:{column_letter(ncols)}1")
    year = i18n.t("text.year", view.lang, year=view.year)
    sub = i18n.t("sep.wide", view.lang).join([view.office, year, i18n.t("rep.category_head", view.lang, name=cat.name, n=len(cat.rows), units=L["units"])])
    second = _Row(places)
    second.text(1, sub, measure=False)
    write(second, 2)
    s.merges.append(f"A2:{column_letter(ncols)}2")
    header = _Row(places)
    for j, h in enumerate(head, start=1):
        header.text(j, h, HEAD)
    write(header, hr)
    r = hr
    for row in cat.rows:
        r += 1
        out = _Row(places)
        out.number(1, row.rank, "0")
        out.text(2, row.id)
        out.text(3, row.name)
        out.number(4, row.total, look=Look(bold=True, vertical="top"))
        for k, v in enumerate(row.contributions):
            out.number(5 + k, v)
        j = 5 + len(row.contributions)
        out.text(j, row.grade, CENTER)
        out.text(j + 1, row.vetoes, wrap=True)
        out.text(j + 2, "\n".join(row.decisions), wrap=True)
        if hist:
            out.number(j + 3, row.previous_rank, "0")
            d = None if row.previous_rank is None else row.previous_rank - row.rank
            out.text(j + 4, "" if d is None else f"↑{d}" if d > 0 else f"↓{-d}" if d < 0 else "—", CENTER)
        out.box(ncols, CAUGHT if row.flag == "caught" else UNDETERMINED if row.flag else None)
        write(out, r)
    s.freeze = (hr + 1, 4)
    if cat.rows:
        s.filter = f"A{hr}:{column_letter(ncols)}{last}"
    notes = [L["module_note"]] + [i18n.t("text.label_value", view.lang, label=f"{rid} {name}", value=consequence) for rid, name, consequence in cat.rules]
    for note in notes:
        r += 1
        out = _Row(places)
        out.text(1, note, measure=False)
        write(out, r)
    for r_left in sorted(helpers):  # helper cells below the table's last row (a category of one unit)
        write(_Row(places), r_left)
    text_end = r

    # Horizontal bars in rank order (rank 1 at the top): long Chinese unit names read along their own line,
    # every one of them labelled.  The decision lines are named in the title (a horizontal bar chart has no
    # vertical line series); units caught are red, undetermined amber, vetoed grey, as in the PDF.
    if cat.rows:
        enum, items = i18n.t("sep.enum", view.lang), i18n.t("sep.items", view.lang)
        tags = items.join(f"{enum.join(ln.rules)} {ln.label}" for ln in cat.lines)
        chart_title = f"{cat.name} {L['chart_totals']}" + (i18n.t("text.paren", view.lang, text=tags) if tags else "")
        points = []
        for i, row in enumerate(cat.rows):
            color = "9A9A9A" if row.failed else "C0392B" if row.flag == "caught" else "D68910" if row.flag == "undetermined" else None
            if color:
                points.append((i, color))
        s.chart = bar_chart(chart_title, title, hr + 1, last, points, lo, hi, series)
        height = max(8.0, 0.55 * len(cat.rows) + 3)  # cm: about 5.5 mm a bar, so no name is skipped
        anchor = text_end + 2
        s.anchor = (anchor - 1, 0, 24, height)
        s.breaks.append(text_end + 1)
        text_end = anchor + int(height / 0.5) + 1  # rows of 0.5 cm under the chart
    _page_setup(s, view, ncols, text_end, hr)
    return s


def _proposals_sheet(book: Book, view: ReportView, used: set[str]) -> Sheet:
    L = view.L
    places = view.places
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
    s = book.sheet(_sheet_title(L["decisions"], used), places, {3: 16, 12: 20}, {2: 18, 3: 26, 4: 12, 5: 14, 7: 18, 12: 30, 14: 12, 15: 22})
    _title(s, f"{view.title} {L['proposals']}", L["proposals_intro"])
    hr = 4
    _header(s, hr, head, places)
    r = hr
    for p in view.proposals:
        rows: list[tuple[dict | None, str]] = [(u, L["undetermined"] if u["status"] == "undetermined" else L["caught"]) for u in p.units]
        if p.nearest_unit is not None and p.nearest_unit["margin"] is not None:
            rows.append((None, L["nearest_row"]))
        for u, status in rows:
            r += 1
            out = _Row(places)
            for j, v in enumerate([p.rule, p.name, p.consequence, p.category, p.line], start=1):
                out.text(j, v, wrap=j in (2, 3, 5))
            if u is not None:
                out.text(6, u["id"])
                out.text(7, u["name"])
                out.number(8, u["total"])
                out.number(9, u["rank"], "0")
                out.number(10, u["of"], "0")
                out.text(11, u["grade"])
                out.text(12, u["reason"], wrap=True)
                out.number(13, u["margin"])
                out.text(14, u["margin_text"])
                out.text(15, u["history"], wrap=True)
                out.text(16, L["yes"] if u["close_call"] else "")
            elif p.nearest_unit is not None:  # the row added above for the nearest unit outside
                n = p.nearest_unit
                out.text(6, n["id"])
                out.text(7, n["name"])
                out.number(8, n["total"])
                out.text(12, p.nearest, wrap=True)
                out.number(13, n["margin"])
                out.text(16, L["yes"] if n["margin"] <= view.close_margin + 1e-9 else "")
            out.text(17, status)
            out.box(len(head))
            out.write(s, r)
    s.freeze = (hr + 1, 1)
    s.filter = f"A{hr}:{column_letter(len(head))}{max(r, hr)}"
    _page_setup(s, view, len(head), r, hr)
    return s


def _sheets_sheet(book: Book, view: ReportView, used: set[str], from_cells: bool = False) -> Sheet:
    """Every unit's score sheet, one under the other, a page each when printed: the one sheet that grows with
    the number of units (about 150 rows a unit), so its rows are made a block of units at a time, a row of
    every unit of the block at once, from the lines' columns (:meth:`Sheet.rows`).  ``from_cells``: each
    unit's rows from its own cells (:func:`.notice.line_cell`) instead, one unit at a time (what the blocks
    must equal)."""
    L = view.L
    places = view.places
    numfmt = "0" if places == 0 else "0." + "0" * places
    sh = L["sheet_head"]
    head = [L["id"], L["name"], L["category"], sh[0], sh[1], L["applicable"], sh[2], sh[3], L["average"], sh[4], sh[5]]
    ncols = len(head)
    s = book.sheet(_sheet_title(L["sheet"], used), places, {4: 24, 5: 8, 6: 8, 7: 8, 8: 8, 9: 8, 10: 30}, {4: 36, 10: 46, 11: 28})
    _title(s, f"{view.title} {L['sheets']}")
    hr = 3
    _header(s, hr, head, places)

    boxed = BOXED
    shaded = Look(border=True, fill=SHADE)
    wrapped = Look(vertical="top", wrap=True, border=True)

    # texts that repeat are shared strings: the unit's 编号, 名称, 类别 on each row of its sheet, the indicators' and
    # modules' names and the data's sources on every unit's sheet; reasons, mostly a unit's own, are written inline
    def unit_slots(look: Look) -> list[Slot]:  # 编号, 名称, 类别 on each row of the unit's sheet
        return [Slot(col, TEXT, look, look._replace(vertical=None), shared=True) for col in (1, 2, 3)]

    def number(col: int, fmt: str, look: Look) -> Slot:
        return Slot(col, NUMBER, look._replace(fmt=fmt, vertical="top"), look._replace(fmt="General", vertical=None))

    def text(col: int, look: Look, shared: bool = False) -> Slot:
        return Slot(col, TEXT, look, look._replace(vertical=None, wrap=False, indent=0, bold=False), shared)

    module_slots = [
        *unit_slots(Look(vertical="top", border=True, fill=SHADE)),
        Slot(4, TEXT, Look(bold=True, vertical="top", border=True, fill=SHADE), shared=True),
        number(5, "0.##", shaded),
        Slot(6, EMPTY, shaded),
        number(7, numfmt, shaded),
        Slot(8, EMPTY, shaded),
        number(9, numfmt, shaded),
        Slot(10, TEXT, Look(vertical="top", wrap=True, border=True, fill=SHADE), shaded),
        Slot(11, EMPTY, shaded),
    ]
    total_slots = [
        *unit_slots(Look(vertical="top", border=True)),
        Slot(4, TEXT, Look(bold=True, vertical="top", border=True), boxed, shared=True),
        Slot(5, EMPTY, boxed),
        Slot(6, EMPTY, boxed),
        Slot(7, NUMBER, Look(bold=True, vertical="top", border=True, fmt=numfmt), boxed),
        Slot(8, EMPTY, boxed),
        Slot(9, EMPTY, boxed),
        Slot(10, TEXT, wrapped, boxed),
        Slot(11, EMPTY, boxed),
    ]

    @lru_cache(maxsize=None)
    def line_slots(level: int, bonus: bool) -> list[Slot]:
        """An indicator's row, by its level's indent and boldness and its full points' format."""
        label = Look(vertical="top", wrap=True, indent=min(level - 1, 15), bold=level == 1, border=True)
        return [
            *unit_slots(Look(vertical="top", border=True)),
            Slot(4, TEXT, label, shared=True),  # a label's look is given even to an empty label, as to any cell it is set on
            number(5, '"±"0.##' if bonus else "0.##", boxed),
            number(6, "0.##", boxed),
            number(7, numfmt, boxed),
            number(8, numfmt, boxed),
            Slot(9, EMPTY, boxed),
            text(10, wrapped),
            text(11, wrapped, shared=True),
        ]

    module_label = lru_cache(maxsize=None)(lambda name, w: _clean(L["module_row"].format(name=name, w=_n(w))))
    module_note = lru_cache(maxsize=None)(lambda c: _clean(L["module_row_note"].format(c=c)))
    sep = i18n.t("sep.items", view.lang)
    total_label = _clean(L["total_row"])

    r = hr
    blocks: Iterator[tuple[list[UnitView], SheetBlock | None]]
    if from_cells:
        blocks = (([u], None) for u in view.units.iterate(sentences=False))
    else:
        blocks = ((b.units, b) for b in view.units.blocks(sentences=False, size=LINES))
    for every, block in blocks:
        nmod, nlines = len(every[0].modules), (len(every[0].cells) if block is None else len(block.columns))
        for k in range(0, len(every), BLOCK):  # the rows of BLOCK units at a time, from the lines' columns made for them all
            units = every[k : k + BLOCK]
            n = len(units)
            if block is None:
                lines = [(c["level"], c["bonus"], c["label"], c["full"], _cell_columns(cells)) for cells in zip(*(u.cells for u in units)) for c in cells[:1]]
            else:
                lines = [
                    (h["level"], h["bonus"], f"{h['id']} {h['name']}", h["full"], _line_columns(view, ind.indicator, c, block.odd.get(j, {}), k, k + n))
                    for j, (h, ind, c) in enumerate(block.columns)
                ]
            rows = s.rows(r + 1, n, nmod + nlines + 1)
            unit = [[_clean(u.id) for u in units], [_clean(u.name) for u in units], [_clean(u.category) for u in units]]
            for i in range(nmod):
                ms = [u.modules[i] for u in units]
                rows.put(
                    i,
                    module_slots,
                    [
                        *unit,
                        [module_label(m["name"], m["weight"]) for m in ms],
                        [_float(m["full"]) for m in ms],
                        [_float(m["score"]) for m in ms],
                        [_float(u.averages[i]) for u in units],
                        [module_note(view.num(m["contribution"])) for m in ms],
                    ],
                )
            for j, (level, bonus, label, full, values) in enumerate(lines):
                rows.put(nmod + j, line_slots(level, bonus), [*unit, [_clean(label)] * n, [_float(full)] * n, *values])
            rows.put(
                nmod + nlines,
                total_slots,
                [
                    *unit,
                    [total_label] * n,
                    [_float(u.total) for u in units],
                    [_clean(L["total_row_note"].format(rank=u.rank, of=u.of, grade=u.grade or "—") + "".join(sep + d for d in u.decisions)) for u in units],
                ],
            )
            rows.write()
            s.breaks += range(r + nmod + nlines + 1, r + n * (nmod + nlines + 1) + 1, nmod + nlines + 1)
            r += n * (nmod + nlines + 1)
    s.freeze = (hr + 1, 4)
    s.filter = f"A{hr}:{column_letter(ncols)}{max(r, hr)}"
    _page_setup(s, view, ncols, r, hr)
    return s


def _cell_values(cell: dict) -> list:
    """What an indicator's row shows of a unit's line besides the indicator: its applicable full points,
    points, points lost, reason and source."""
    return [_float(cell["applicable_full"]), _float(cell["points"]), _float(cell["lost"]), _clean(cell["reason"]), _clean(cell["source"])]


def _cell_columns(cells: Sequence[dict]) -> list[list]:
    """:func:`_cell_values` of many units' cells of one line, as columns."""
    return [list(col) for col in zip(*map(_cell_values, cells))]


def _line_columns(view: ReportView, ind, c: LineColumns, odd: dict[int, dict], lo: int, hi: int) -> list[list]:
    """:func:`_cell_columns` of the units ``lo`` to ``hi`` of a block, from the line's columns (each distinct text
    cleaned once); ``odd``: the unusual lines, by unit of the block, made into cells one by one."""
    lang, owner = view.lang, ind.owner or ""
    fields = [f[lo:hi] for f in c.sources.values()]

    def source(files: tuple) -> str:
        return _clean(source_text(owner, files, (), lang))

    if all(f.count(f[0]) == len(f) for f in fields if f):  # usually each field's values of a block come from one file
        sources = [source(tuple(f[0] for f in fields if f))] * (hi - lo)
    else:
        sources = column_texts(list(zip(*fields)), source, "", "")
    lost = c.lost[lo:hi]
    out: list[list] = [
        nullable(c.applicable_full[lo:hi]),
        nullable(c.points[lo:hi]),
        nullable(np.where(lost == 0, np.nan, lost)),  # no points lost shows as an empty cell
        _cleaned(c.reasons[lo:hi]),
        sources,
    ]
    for k, line in odd.items():
        if lo <= k < hi:
            for col, v in zip(out, _cell_values(line_cell(line, lang))):
                col[k - lo] = v
    return out


def _float(x):
    return None if x is None else float(x)


def _movement_sheet(book: Book, view: ReportView, used: set[str]) -> Sheet:
    L = view.L
    places = view.places
    head = [L["category"], L["id"], L["name"]] + [str(y) for y in view.years] + [L["change"]]
    s = book.sheet(_sheet_title(L["movement"], used), places)
    _title(s, f"{view.title} {L['movement']}", L["movement_intro"])
    hr = 4
    _header(s, hr, head, places)
    r = hr
    for cat in view.categories:
        for row in cat.rows:
            r += 1
            out = _Row(places)
            out.text(1, cat.name)
            out.text(2, row.id)
            out.text(3, row.name)
            for k, y in enumerate(view.years):
                out.number(4 + k, row.ranks_by_year.get(y), "0")
            d = None if row.previous_rank is None else row.previous_rank - row.rank
            if d is not None:
                out.number(4 + len(view.years), d, "0")
            out.box(len(head))
            out.write(s, r)
    s.freeze = (hr + 1, 4)
    s.filter = f"A{hr}:{column_letter(len(head))}{max(r, hr)}"
    _page_setup(s, view, len(head), r, hr, landscape=False)
    return s


def _stamp_sheet(book: Book, view: ReportView, used: set[str]) -> Sheet:
    L = view.L
    places = view.places
    s = book.sheet(_sheet_title(L["stamp"], used), places)
    _title(s, L["stamp"], L["stamp_intro"])
    r = 3
    for k, v in view.stamp:
        r += 1
        out = _Row(places)
        out.text(1, k, Look(bold=True, vertical="top"))
        out.text(2, v)
        out.write(s, r)
    _page_setup(s, view, 2, r, None, landscape=False)
    return s


def _n(x) -> str:
    from ..core.rounding import fmt

    return fmt(x)


def render_parts(view: ReportView) -> Iterator[bytes]:
    """The office report's workbook as bytes a piece at a time: each sheet is written whole before its bytes
    are given, the score sheets a unit at a time."""
    book = Book(view.title, view.office or "scoring")
    used: set[str] = set()
    for cat in view.categories:
        yield from book.add(_ranking_sheet(book, view, cat, used))
    yield from book.add(_proposals_sheet(book, view, used))
    yield from book.add(_sheets_sheet(book, view, used))
    if view.years:
        yield from book.add(_movement_sheet(book, view, used))
    if view.stamp:
        yield from book.add(_stamp_sheet(book, view, used))
    yield from book.close()


def render(view: ReportView) -> bytes:
    return b"".join(render_parts(view))


def render_unit(view: ReportView, u, doc: dict) -> bytes:
    """One unit's 考核结果反馈 as a workbook: the letter's text, then its modules and score sheet as numbers.

    Only this unit's own figures and its category's size and average; nothing about any other unit.
    """
    places = view.places
    book = Book(doc["heading"], doc["issuer"] or "scoring")
    s = book.sheet(_sheet_title(doc["attachment"]["heading"], set()), places, {1: 24}, {1: 40, 5: 40, 6: 30})
    s.centered = False
    s.landscape = False
    s.margins = (0.75, 0.75, 1, 1, 0.5, 0.5)
    ncols = 6
    r = 1
    s.merges.append(f"A{r}:{column_letter(ncols)}{r}")
    top = _Row(places)
    top.text(1, doc["heading"], LETTER_TITLE, measure=False)
    top.write(s, r)
    r += 2
    for para in [
        doc["to"],
        *doc["body"],
        *([doc["losses_heading"]] if doc["losses"] else []),
        *doc["losses"],
        *doc["after"],
        f"{doc['issuer']}　{doc['date']}",
    ]:
        s.merges.append(f"A{r}:{column_letter(ncols)}{r}")
        out = _Row(places)
        out.text(1, para, wrap=True, measure=False)
        out.write(s, r, 15 * max(1, -(-display_width(_clean(para)) // 110)) + 2)
        r += 1
    r += 1
    summary = _Row(places)
    summary.text(1, doc["attachment"]["summary"], measure=False)
    summary.write(s, r)
    r += 1
    mods = doc["attachment"]["modules"]
    _boxed_header(s, r, mods["head"], places)
    for m, avg in zip(u.modules, u.averages):
        r += 1
        out = _Row(places)
        out.text(1, m["name"])
        out.number(2, m["weight"], "0.##")
        out.number(3, m["score"])
        out.number(4, avg)
        out.number(5, m["contribution"])
        out.box(len(mods["head"]))
        out.write(s, r)
    r += 2
    head = doc["attachment"]["sheet"]["head"]
    _boxed_header(s, r, head, places)
    head_row = r
    for cell in u.cells:
        r += 1
        out = _Row(places)
        out.text(1, "　" * (min(cell["level"], 4) - 1) + cell["label"])
        out.text(2, full_text(cell))
        out.number(3, cell["points"])
        out.number(4, cell["lost"])
        out.text(5, cell["reason"], wrap=True)
        out.text(6, cell["source"], wrap=True)
        out.box(len(head))
        out.write(s, r)
    s.print_titles = f"${head_row}:${head_row}"
    s.footer = [("C", 0, "— &P —")]
    return b"".join([*book.add(s), *book.close()])


def _boxed_header(s: Sheet, r: int, names: list[str], places: int) -> None:
    row = _Row(places)
    for j, h in enumerate(names, start=1):
        row.text(j, h, HEAD)
    row.box(len(names))
    row.write(s, r)
