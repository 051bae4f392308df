"""The report as one self-contained HTML file (inline CSS and SVG, no script, no network).

The PDF is laid out separately by Typst (:mod:`.pdf`) from the same view; the charts are shared.
Every piece of text is escaped: unit names and submitted text are data, never markup.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from functools import lru_cache
from html import escape

import numpy as np

from ..core.explain import LineColumns, nullable
from ..core.lists import pick
from ..core.rounding import fmt
from ..i18n import t
from .. import parallel
from . import charts
from .output import column_texts
from .notice import full_note, full_text, line_cell, source_text
from .view import SPAN, CategoryView, ReportView, SheetBlock, UnitView, _num_text

SCREEN_FONTS = '"Noto Sans CJK SC", "Source Han Sans SC", "Source Han Sans CN", "Microsoft YaHei", "PingFang SC", "WenQuanYi Micro Hei", "SimHei", sans-serif'


def _e(x) -> str:
    return _escaped("" if x is None else str(x))


@lru_cache(maxsize=8192)  # labels, sources and full points repeat on every unit's sheet
def _escaped(text: str) -> str:
    return escape(text, quote=True)


_MARKUP = re.compile("[&<>\"']").search  # what html.escape replaces


def _once(x) -> str:
    """:func:`_e` for a text shown once (a unit's code and name, its sentences): escaped only when it holds
    markup (:func:`_reason_text`), and not kept (nor pushing out of the cache the labels every sheet repeats)."""
    return _reason_text("" if x is None else str(x))


def _css(font: str, view: ReportView) -> str:
    page = view.L["page"].replace("{p}", '" counter(page) "').replace("{n}", '" counter(pages) "')
    footer = "  ".join(t("text.label_value", view.lang, label=k, value=v) for k, v in view.footer_stamp)
    title = view.title
    return f"""
@page {{
  size: A4; margin: 16mm 14mm 20mm 14mm;
  font-family: {font};
  @top-left {{ content: "{_css_str(title)}"; font-family: {font}; font-size: 8pt; color: #555; }}
  @top-right {{ content: "{_css_str(view.office)}"; font-family: {font}; font-size: 8pt; color: #555; }}
  @bottom-left {{ content: "{_css_str(footer)}"; font-family: {font}; font-size: 6pt; color: #555; width: 75%; }}
  @bottom-right {{ content: "{page}"; font-family: {font}; font-size: 8pt; color: #333; }}
}}
@page wide {{ size: A4 landscape; }}
html {{ font-family: {font}; font-size: 10pt; color: #111; }}
body {{ margin: 0 auto; max-width: 270mm; line-height: 1.45; }}
h1 {{ font-size: 18pt; text-align: center; margin: 4mm 0 2mm; }}
h2 {{ font-size: 13pt; margin: 0 0 2mm; border-bottom: 1.5px solid #333; padding-bottom: 1mm; }}
h3 {{ font-size: 11pt; margin: 4mm 0 1.5mm; }}
p.meta {{ text-align: center; margin: 0 0 4mm; color: #333; }}
p.internal {{ font-weight: bold; margin: 0; }}
p.note, p.small {{ font-size: 8.5pt; color: #444; margin: 1mm 0 2mm; }}
section {{ margin-bottom: 8mm; }}
section.unit, section.proposals, section.movement, section.stamp {{ break-before: page; }}
section.category + section.category {{ break-before: page; }}
div.front {{ page: wide; }}
table {{ border-collapse: collapse; width: 100%; margin: 1mm 0 3mm; table-layout: fixed; }}
thead {{ display: table-header-group; }}
tr {{ break-inside: avoid; }}
th, td {{ border: 0.6pt solid #777; padding: 1.2mm 1.6mm; vertical-align: top; }}
th {{ background: #eceff3; font-weight: bold; text-align: center; }}
td {{ overflow-wrap: anywhere; }}
td.n {{ text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }}
td.c {{ text-align: center; white-space: nowrap; }}
tr.caught td {{ background: #fbeaea; }}
tr.undetermined td {{ background: #fdf3e1; }}
tr.failed td {{ color: #555; }}
tr.l1 td:first-child {{ font-weight: bold; }}
tr.l2 td:first-child {{ padding-left: 5mm; }}
tr.l3 td:first-child {{ padding-left: 9mm; }}
tr.l4 td:first-child {{ padding-left: 13mm; }}
table.sheet td {{ font-size: 8pt; padding: 0.7mm 1.2mm; line-height: 1.3; }}
table.modules td, table.modules th {{ font-size: 8pt; padding: 0.7mm 1.2mm; }}
table.pair {{ table-layout: fixed; margin: 0 0 2mm; }}
table.pair > tbody > tr > td {{ border: none; padding: 0; vertical-align: top; }}
table.pair td.left {{ width: 48%; padding-right: 3mm; }}
table.sheet td.reason {{ width: 34%; }}
table.sheet td.source {{ font-size: 7pt; color: #333; }}
table.ranking td, table.ranking th {{ font-size: 8.5pt; }}
table.ranking td.decisions {{ font-size: 7.5pt; }}
table.proposal td {{ font-size: 8.5pt; }}
.chart {{ display: block; max-width: 100%; height: auto; margin: 2mm 0; }}
figure {{ margin: 2mm 0; break-inside: avoid; }}
figcaption {{ font-size: 8.5pt; color: #444; }}
dl.stamp {{ font-size: 8.5pt; }}
dl.stamp dt {{ font-weight: bold; }}
dl.stamp dd {{ margin: 0 0 2mm 0; word-break: break-all; }}
.rules {{ font-size: 8pt; color: #333; }}
.sentences p {{ margin: 0.6mm 0; font-size: 8.5pt; }}
.sentences h3 {{ margin-top: 2mm; }}
section.unit h2 {{ font-size: 12pt; }}
section.unit p.summary {{ margin: 0 0 1.5mm; }}
footer.stamp {{ font-size: 7pt; color: #555; border-top: 0.5pt solid #999; margin-top: 6mm; padding-top: 1mm; word-break: break-all; }}
@media print {{ footer.stamp {{ display: none; }} body {{ max-width: none; }} }}
"""


def _css_str(text: str) -> str:
    """Text inside a CSS string literal: quotes and backslashes escaped, no line breaks, no markup."""
    out = []
    for ch in str(text):
        if ch in '"\\' or ch in "\n\r\f" or ch == "<" or ord(ch) < 32:
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    return "".join(out)


def _head(view: ReportView, font: str) -> str:
    L = view.L
    lang = "en" if view.lang == "en" else "zh-CN"
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(view.title)} {_e(L['report'])}</title><style>{_css(font, view)}</style></head><body>"
    )


def _cols(widths: Sequence[float]) -> str:
    """Column widths in percent, so tables lay out the same everywhere (and fast: no auto layout)."""
    total = sum(widths)
    return "<colgroup>" + "".join(f'<col style="width:{100 * w / total:.2f}%">' for w in widths) + "</colgroup>"


def _thead(head: list[str]) -> str:
    return "<thead><tr>" + "".join(f"<th>{_e(h)}</th>" for h in head) + "</tr></thead>"


RANKING_ROWS = 2_000  # rows of a ranked table written together


def _ranking(view: ReportView, cat: CategoryView, font: str) -> Iterator[str]:
    """One category's ranked table, notes and totals chart, in pieces: the rows RANKING_ROWS at a time,
    each chart piece alone (a nation's ranking held whole took about 4 KB a unit, once, at the start)."""
    L = view.L
    hist = bool(view.years)
    head = [L["rank"], L["id"], L["name"], L["total"]] + [f"{m.name}({_num(m.weight)})" for m in cat.modules]
    head += [L["grade"], L["vetoes"], L["decisions"]] + ([L["prev_rank"], L["change"]] if hist else [])
    out = [f'<section class="category"><h2>{_e(t("rep.category_head", view.lang, name=cat.name, n=len(cat.rows), units=L["units"]))}</h2>']
    widths = [4, 6, 13, 6] + [max(7, 1.1 * len(m.name) + 3) for m in cat.modules] + [5, 11, 17] + ([6, 6] if hist else [])
    out.append('<table class="ranking">' + _cols(widths) + _thead(head) + "<tbody>")
    for r in cat.rows:
        cls = " ".join(c for c in (r.flag, "failed" if r.failed else None) if c)
        cells = [
            f'<td class="c">{r.rank}</td>',
            f'<td class="name">{_once(r.id)}</td>',
            f'<td class="name">{_once(r.name)}</td>',
            f'<td class="n"><b>{view.num(r.total)}</b></td>',
        ]
        cells += [f'<td class="n">{view.num(c)}</td>' for c in r.contributions]
        cells += [
            f'<td class="c">{_e(r.grade or "")}</td>',
            f"<td>{_e(r.vetoes)}</td>",
            f'<td class="decisions">{"<br>".join(_e(d) for d in r.decisions)}</td>',
        ]
        if hist:
            cells += [f'<td class="c">{"" if r.previous_rank is None else r.previous_rank}</td>', f'<td class="c">{_e(_move(r))}</td>']
        out.append(f'<tr class="{cls}">' + "".join(cells) + "</tr>")
        if len(out) >= RANKING_ROWS:
            yield "".join(out)
            out = []
    out.append("</tbody></table>")
    out.append(f'<p class="note">{_e(L["module_note"])}</p>')
    from .papers import LANDSCAPE_MM, totals_pieces

    # the pieces the PDF prints: a long category's chart never runs past a printed page
    yield "".join(out)
    for p in totals_pieces(view, cat, font, *LANDSCAPE_MM):
        yield f"<figure>{p['svg']}</figure>"
    out = []
    if cat.rules:
        out.append('<p class="rules">' + "<br>".join(_e(t("text.label_value", view.lang, label=f"{i} {n}", value=c)) for i, n, c in cat.rules) + "</p>")
    out.append("</section>")
    yield "".join(out)


def _move(r) -> str:
    if r.previous_rank is None:
        return ""
    d = r.previous_rank - r.rank
    return f"↑{d}" if d > 0 else f"↓{-d}" if d < 0 else "—"


@lru_cache(maxsize=4096)  # weights and full points: a few, on every sheet
def _num(x) -> str:
    return fmt(x)


def _proposals(view: ReportView) -> str:
    L = view.L
    out = [f'<section class="proposals"><h2>{_e(L["proposals"])}</h2><p class="note">{_e(L["proposals_intro"])}</p>']
    for p in view.proposals:
        out.append(f"<h3>{_e(p.rule)} {_e(p.name)} → {_e(p.consequence)}<br><small>{_e(p.category)}</small></h3>")
        if p.units:
            head = [L["name"], L["total"], L["rank"], L["grade"], L["trigger"], L["margin"], L["history"], L["close"]]
            out.append('<table class="proposal">' + _cols([17, 8, 8, 7, 26, 11, 19, 6]) + _thead(head) + "<tbody>")
            for u in p.units:
                cls = "undetermined" if u["status"] == "undetermined" else "caught"
                out.append(
                    f'<tr class="{cls}"><td class="name">{_e(u["name"])}</td><td class="n">{view.num(u["total"])}</td>'
                    f'<td class="c">{u["rank"]}/{u["of"]}</td><td class="c">{_e(u["grade"] or "")}</td>'
                    f'<td>{_e(u["reason"])}</td><td class="n">{_e(u["margin_text"])}</td><td>{_e(u["history"])}</td>'
                    f'<td class="c">{_e(L["yes"]) if u["close_call"] else ""}</td></tr>'
                )
            out.append("</tbody></table>")
        else:
            out.append(f'<p class="small">{_e(L["none_caught"])}</p>')
        if p.nearest:
            out.append(f'<p class="small">{_e(p.nearest)}</p>')
    out.append(f'<p class="note">{_e(L["proposed_only"])}</p></section>')
    return "".join(out)


def _movement(view: ReportView, font: str) -> str:
    L = view.L
    out = [f'<section class="movement"><h2>{_e(L["movement"])}</h2><p class="note">{_e(L["movement_intro"])}</p>']
    for cat in view.categories:
        out.append(f"<h3>{_e(cat.name)}</h3><figure>{charts.movement_chart(view, cat, font)}</figure>")
        head = [L["name"]] + [str(y) for y in view.years] + [L["change"]]
        out.append('<table class="ranking">' + _cols([24] + [8] * len(view.years) + [8]) + _thead(head) + "<tbody>")
        for r in cat.rows:
            cells = [f'<td class="name">{_e(r.name)}</td>'] + [f'<td class="c">{r.ranks_by_year.get(y, "")}</td>' for y in view.years]
            out.append("<tr>" + "".join(cells) + f'<td class="c">{_e(_move(r))}</td></tr>')
        out.append("</tbody></table>")
    out.append("</section>")
    return "".join(out)


def _unit(view: ReportView, u: UnitView, font: str, sheet_rows: Sequence | None = None, enc=None):
    """A unit's section; ``sheet_rows``: its score sheet's rows when already made, in pieces (:func:`_sheet_rows`).
    ``enc``: :func:`_utf8` for the section as UTF-8 bytes (the rows' pieces then bytes too), text otherwise."""
    L = view.L
    head = t("rep.unit_head", view.lang, name=u.name, id=u.id, sheet=L["sheet"])
    summary = L["summary"].format(total=view.num(u.total), of=u.of, rank=u.rank, grade=u.grade or "—")
    places = view.places
    mods = "".join([_module_row(m["name"], m["weight"], m["score"], avg, m["contribution"], places) for m, avg in zip(u.modules, u.averages)])
    # the modules table and the profile chart side by side (a layout table: prints the same everywhere)
    out = (
        f'<section class="unit" id="u-{_once(u.id)}"><h2>{_once(head)}</h2><p class="summary"><b>{_e(u.category)}</b>　{_once(summary)}</p>'
        '<table class="pair"><tr><td class="left"><table class="modules">'
        + _table_head((27, 14, 16, 18, 18), (L["module"], L["weight"], L["score"], L["average"], L["contribution"]))
        + f'<tbody>{mods}</tbody></table></td><td class="right">{charts.profile_chart(view, u, font)}</td></tr></table>'
        + '<table class="sheet">'
        + _table_head((25, 9.5, 7.5, 7.5, 30.5, 20), tuple(L["sheet_head"]))
        + "<tbody>"
    )
    enc = enc or _same
    rows = [enc(_cell_row(view, c)) for c in u.cells] if sheet_rows is None else sheet_rows
    sentences = "".join([f"<p>{_once(s)}</p>" for s in u.sentences])
    tail = f'</tbody></table><div class="sentences"><h3>{_e(L["explanation"])}</h3>{sentences}</div></section>'
    return (b"" if enc is _utf8 else "").join([enc(out), *rows, enc(tail)])  # the rows joined once, with the section


@lru_cache(maxsize=16384)  # a module's few distinct scores recur on many units' sheets
def _module_row(name: str, weight: float, score: float | None, avg: float | None, contribution: float | None, places: int) -> str:
    """A row of a unit's modules table. Numbers are keys as they compare: 0.0 and -0.0, 1 and 1.0 show the same."""
    return (
        f'<tr><td>{_e(name)}</td><td class="n">{_num(weight)}</td>'
        f'<td class="n">{_num_text(score, places)}</td><td class="n">{_num_text(avg, places)}</td><td class="n">{_num_text(contribution, places)}</td></tr>'
    )


def _same(text: str) -> str:
    return text


def _utf8(text: str) -> bytes:
    """A piece as it is written: a row's texts made once are encoded once, and a unit's section is joined
    as bytes (no text of hundreds of MB is encoded piece by piece)."""
    return text.encode("utf-8")


@lru_cache(maxsize=64)  # the same on every unit's sheet
def _table_head(widths: tuple[float, ...], head: tuple[str, ...]) -> str:
    return _cols(widths) + _thead(list(head))


def _cell_row(view: ReportView, c: dict) -> str:
    """One score-sheet row from its cell (:func:`scoring.report.notice.sheet_cells`)."""
    return (
        _row_head(c["level"], c["label"], c["bonus"], c["full"], c["full_note"])
        + view.num(c["points"])
        + _LOST
        + ("" if not c["lost"] else view.num(c["lost"]))
        + _REASON
        + (_e(c["reason"]) if c["reason"] else "")
        + _SOURCE
        + _escaped(c["source"])
        + _END
    )


_LOST, _REASON, _SOURCE, _END = '</td><td class="n">', '</td><td class="reason">', '</td><td class="source">', "</td></tr>"


class _Texts(dict):
    """Each value's text, made the first time it is asked for (``how``): a column's texts are then one
    lookup a value.  Numbers on score sheets are few (points at the sheet's precision), so a report keeps
    them; it starts again past ``LIMIT`` values all the same."""

    LIMIT = 1 << 16

    def __init__(self, how):
        super().__init__()
        self.how = how

    def __missing__(self, x):
        if len(self) >= self.LIMIT:
            self.clear()
        text = self[x] = self.how(x)
        return text

    def column(self, values: list) -> list[str]:
        return list(map(self.__getitem__, values))


def _sheet_rows(view: ReportView, block: SheetBlock, numbers: tuple[_Texts, _Texts] | None = None, enc=_same, said: dict | None = None) -> Iterator[Sequence]:
    """The score-sheet rows of each unit of a block (the text :func:`_cell_row` gives for every cell) in
    pieces, made as the JSON sheets are (:mod:`.output`): one pass per line over the block's columns, a
    unit's pieces taken as it is written (the columns hold references to texts made once).  Lines that are not the usual kind (not
    applicable, 0 ÷ 0, a capped group …) go through the unit's own cells.  ``numbers``: the texts of
    points and losses already made (:func:`_number_texts`); ``enc``: :func:`_utf8` for pieces as bytes;
    ``said``: kept from block to block, the reasons' texts of the lines the blocks share (:func:`_reason_pieces`)."""
    numbers = numbers or _number_texts(view, enc)
    said = {} if said is None else said
    pieces: list[list] = []
    blank = enc("")
    for j, (head, s, c) in enumerate(block.columns):
        columns = _line_pieces(view, head, s.indicator, c, numbers, enc, said)
        for k, line in block.odd.get(j, {}).items():
            columns[0][k] = enc(_cell_row(view, line_cell(line, view.lang)))
            for col in columns[1:]:
                col[k] = blank
        pieces += columns
    # a unit's pieces side by side in one list (laid a column at a time): each unit's row a slice of it
    n, width = len(block.units), len(pieces)
    laid: list = [None] * (n * width)
    for j, col in enumerate(pieces):
        laid[j::width] = col
    return map(laid.__getitem__, map(slice, range(0, n * width, width), range(width, n * width + 1, width))) if width else iter([()] * n)


def _number_texts(view: ReportView, enc=_same) -> tuple[_Texts, _Texts]:
    """A row's points with what follows them up to the loss, and its loss up to the reason."""
    num = view.num
    return _Texts(lambda x: enc(num(x) + _LOST)), _Texts(lambda x: enc((num(x) if x else "") + _REASON))


def _line_pieces(view: ReportView, head: dict, ind, c: LineColumns, numbers: tuple[_Texts, _Texts], enc, said: dict) -> list[list]:
    """One line's rows for every unit of a block as columns of pieces (joined along a unit, its row); the
    texts every unit's row repeats are one piece."""
    lang, n, blank = view.lang, len(c.rows), enc("")
    level, label, owner = head["level"], f"{ind.id} {ind.name}", ind.owner or ""
    app = c.applicable_full
    if np.isnan(app).all():  # the whole indicator applies to every unit (mostly)
        heads = [enc(_row_head(level, label, ind.bonus, ind.full, ""))] * n
    else:  # numbers with None for NaN: a NaN is a distinct value each time
        heads = column_texts(nullable(app), lambda a: enc(_row_head(level, label, ind.bonus, ind.full, full_note(a, lang))), blank, blank)
    files = list(c.sources.values())
    if all(v.count(v[0]) == n for v in files):  # mostly every unit's values of a field come from one file
        sources = [enc(_SOURCE + _escaped(source_text(owner, tuple(v[0] for v in files), (), lang)) + _END)] * n
    else:
        sources = column_texts(list(zip(*files)), lambda f: enc(_SOURCE + _escaped(source_text(owner, f, (), lang)) + _END), blank, blank)
    points, lost = numbers
    return [
        heads,
        points.column(nullable(c.points)),
        lost.column(nullable(c.lost)),
        _reason_pieces(ind.id, c, enc, said),
        sources,
    ]


def _reason_pieces(key: str, c: LineColumns, enc, said: dict) -> list:
    """A line's reasons as their cells' texts.  A leaf's reasons come numbered among the distinct ones
    (``LineColumns.reason_codes``), shared by the blocks parted from one run of lines: each is escaped
    once for them all (``said`` keeps the texts by ``key``) and taken by its number."""
    how = _reason_text if enc is _same else _reason_bytes
    if c.reason_codes is None:
        return column_texts(c.reasons, how, enc(""), enc(""))
    texts, codes = c.reason_codes
    made = said.get(key)
    if made is None or made[0] is not texts:  # the first block of a run
        made = said[key] = (texts, list(map(how, texts)))
    return pick(made[1], codes)


def _reason_text(reason: str) -> str:
    """A reason as the row shows it: one without & < > " ' is its own text."""
    return escape(reason, quote=True) if reason and _MARKUP(reason) else (reason or "")


def _reason_bytes(reason: str) -> bytes:
    """:func:`_reason_text` as UTF-8."""
    return _reason_text(reason).encode("utf-8") if reason else b""


@lru_cache(maxsize=8192)
def _row_head(level: int, label: str, bonus: bool, full: float, full_note: str) -> str:
    """A score-sheet row up to its points: the same for the indicator on every sheet (mostly)."""
    cell = {"bonus": bonus, "full": full, "full_note": full_note}
    return f'<tr class="l{min(level, 4)}"><td>{_e(label)}</td><td class="n">{_e(full_text(cell))}</td><td class="n">'


def _stamp(view: ReportView) -> str:
    if not view.stamp:
        return ""
    L = view.L
    items = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in view.stamp)
    return f'<section class="stamp"><h2>{_e(L["stamp"])}</h2><p class="note">{_e(L["stamp_intro"])}</p><dl class="stamp">{items}</dl></section>'


# Units whose sheets are made together, their lines as columns: each line's fixed costs (the methods'
# reasons among them) paid once for that many units.  A block holds numbers and references to texts made
# once; each unit's rows are joined only when it is written (the rows' texts are most of a report's size).
BLOCK = 500
# Units from which the report's sections, written as bytes (to a file), are made on two processors where the
# command line allows it (scoring.parallel): a province's 6 000 sections are 240 MB of HTML; its report took
# 3.30 s made on one processor, 2.55 s so (7 pairs).
ON_TWO_FROM = 2000


def render(view: ReportView, font: str = SCREEN_FONTS) -> str:
    """The whole report as an HTML document (text)."""
    return "".join(render_parts(view, font))


def render_parts(view: ReportView, font: str = SCREEN_FONTS) -> Iterator[str]:
    """The report's HTML piece by piece (one unit's sheet at a time), to be written as it comes: at province
    size the document is hundreds of MB and is never held whole."""
    return _parts(view, font, _same)


def render_encoded(view: ReportView, font: str = SCREEN_FONTS) -> Iterator[bytes]:
    """:func:`render_parts` as UTF-8 bytes, each piece as it is written."""
    return _parts(view, font, _utf8)


def _parts(view: ReportView, font: str, enc):
    from .papers import words

    L = view.L
    parts = [_head(view, font), f'<p class="internal">{_e(words(view.lang)["internal"])}</p><div class="front">']
    parts.append(f"<h1>{_e(view.title)}</h1>")
    meta = [view.office, t("text.year", view.lang, year=view.year), L["ranking"]]
    parts.append(f'<p class="meta">{_e("　".join(m for m in meta if m))}</p>')
    if view.note:
        parts.append(f'<p class="note">{_e(view.note)}</p>')
    yield enc("".join(parts))
    for cat in view.categories:
        yield from map(enc, _ranking(view, cat, font))
    parts = ["</div>", _proposals(view)]
    if view.years:
        parts.append(_movement(view, font))
    yield enc("".join(parts))
    numbers = _number_texts(view, enc)
    said: dict[str, tuple[list[str], list]] = {}

    def sections(run: tuple[int, int]) -> Iterator:
        for block in view.units.blocks(size=BLOCK, start=run[0], end=run[1]):
            for u, rows in zip(block.units, _sheet_rows(view, block, numbers, enc, said)):
                yield _unit(view, u, font, rows, enc)

    if enc is _utf8 and len(view.units) >= ON_TWO_FROM:  # bytes: every second run made by a forked process
        yield from parallel.in_turn(view.units.halves(SPAN), sections)
    else:
        yield from sections((0, len(view.units)))
    tail = [_stamp(view)]
    if view.footer_stamp:
        tail.append(
            '<footer class="stamp">'
            + _e(t("sep.wide", view.lang).join(t("text.label_value", view.lang, label=k, value=v) for k, v in view.stamp))
            + "</footer>"
        )
    tail.append("</body></html>\n")
    yield enc("".join(tail))


# --- papers sent out (公示, 考核结果反馈): one self-contained file each, readable on a phone --------------------------
PAPER_FONTS = '"Noto Serif CJK SC", "Source Han Serif SC", "FangSong", "STFangsong", "仿宋", "SimSun", serif'
PAPER_CSS = f"""
html {{ font-family: {PAPER_FONTS}; font-size: 16px; color: #111; -webkit-text-size-adjust: 100%; }}
body {{ margin: 0 auto; max-width: 46em; padding: 1.2em 1em 3em; line-height: 1.75; }}
h1 {{ font-size: 1.45em; text-align: center; font-weight: bold; margin: 0.6em 0 1em; line-height: 1.4; }}
h2 {{ font-size: 1.1em; text-align: center; margin: 1em 0 0.6em; }}
h3 {{ font-family: {SCREEN_FONTS}; font-size: 1em; margin: 1.2em 0 0.4em; }}
p {{ margin: 0.3em 0; text-indent: 2em; text-align: justify; }}
p.to, p.summary, p.label {{ text-indent: 0; }}
p.label {{ font-family: {SCREEN_FONTS}; margin-top: 2em; }}
div.sign {{ text-align: right; margin: 2em 2em 0 0; }}
div.sign p {{ text-indent: 0; text-align: center; display: inline-block; }}
.scroll {{ overflow-x: auto; -webkit-overflow-scrolling: touch; margin: 0.4em 0 1em; }}
table {{ border-collapse: collapse; width: 100%; font-family: {SCREEN_FONTS}; font-size: 0.85em; line-height: 1.45; }}
th, td {{ border: 1px solid #888; padding: 0.3em 0.45em; vertical-align: top; }}
th {{ background: #eceff3; white-space: nowrap; }}
td.r {{ text-align: right; white-space: nowrap; }}
td.c {{ text-align: center; white-space: nowrap; }}
td.b {{ font-weight: bold; }}
hr.att {{ border: none; border-top: 1px dashed #999; margin: 2.5em 0 0; }}
@media (max-width: 600px) {{
  html {{ font-size: 15px; }}
  body {{ padding: 0.8em 0.6em 2em; }}
  table.sheet {{ min-width: 40em; }}
}}
@media print {{ @page {{ size: A4; margin: 37mm 26mm 35mm 28mm; }} hr.att {{ break-after: page; border: none; }} body {{ max-width: none; padding: 0; }} }}
"""


def _paper_table(t: dict, cls: str = "") -> str:
    out = [f'<div class="scroll"><table class="{cls}"><thead><tr>' + "".join(f"<th>{_e(h)}</th>" for h in t["head"]) + "</tr></thead><tbody>"]
    for r in t["rows"]:
        cells = []
        for c, a in zip(r["cells"], t["align"]):
            klass = {"r": "r", "c": "c"}.get(a, "")
            if isinstance(c, dict):
                pad = f' style="padding-left:{0.45 + 1.2 * c.get("ind", 0):.2f}em"' if c.get("ind") else ""
                klass = (klass + " b").strip() if c.get("b") else klass
                cells.append(f'<td class="{klass}"{pad}>{_e(c["t"])}</td>')
            else:
                cells.append(f'<td class="{klass}">{"<br>".join(_e(x) for x in str(c).split(chr(10)))}</td>')
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def render_paper(doc: dict, view: ReportView) -> str:
    """A 公示 or a unit's 考核结果反馈 (a document from :mod:`.papers`) as one HTML file: no script, no network."""
    lang = "en" if view.lang == "en" else "zh-CN"
    out = [
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(doc['heading'])}</title><style>{PAPER_CSS}</style></head><body>"
    ]
    out.append(f"<h1>{_e(doc['heading'])}</h1>")
    att = doc["attachment"]
    if doc["kind"] == "unit":
        out.append(f'<p class="to">{_e(doc["to"])}</p>')
        out += [f"<p>{_e(p)}</p>" for p in doc["body"]]
        if doc["losses"]:
            out.append(f"<h3>{_e(doc['losses_heading'])}</h3>")
            out += [f"<p>{_e(p)}</p>" for p in doc["losses"]]
        out += [f"<p>{_e(p)}</p>" for p in doc["after"]]
    else:
        out += [f"<p>{_e(p)}</p>" for p in doc["body"]]
    out.append(f'<div class="sign"><p>{_e(doc["issuer"])}<br>{_e(doc["date"])}</p></div>')
    out.append(f'<hr class="att"><p class="label">{_e(att["label"])}</p><h2>{_e(att["heading"])}</h2>')
    if doc["kind"] == "unit":
        out.append(f'<p class="summary">{_e(att["summary"])}</p>')
        out.append(_paper_table(att["modules"]))
        out.append(_paper_table(att["sheet"], "sheet"))
    else:
        for c in att["categories"]:
            out.append(f"<h3>{_e(c['heading'])}</h3>")
            out.append(_paper_table(c["table"]))
    out.append("</body></html>\n")
    return "".join(out)
