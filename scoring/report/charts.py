"""Charts drawn as plain SVG text: no plotting library, no script, no network.

Every chart is a function of a :mod:`scoring.report.view` object returning one ``<svg>``
element, inlined in HTML and placed as an image by Typst in PDF.  All text is escaped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from html import escape

from wcwidth import wcswidth

from .. import i18n
from ..core.rounding import fmt
from .view import CategoryView, ReportView, UnitView, _num_text

BLUE = "#3f6fa8"
RED = "#c0392b"
AMBER = "#d68910"
GREY = "#9a9a9a"
INK = "#222"
GRID = "#d9d9d9"
AVG = "#111"

FONT = 11  # px in the SVG's own units


@lru_cache(maxsize=8192)  # unit and module names: measured for every chart they are on
def _w(text: str, size: float = FONT) -> float:
    """Estimated width of a text: CJK characters are a full em, others about half."""
    n = wcswidth(text)
    return (n if n >= 0 else len(text) * 2) * size * 0.55


def _t(x: float, y: float, text: str, size: float = FONT, anchor: str = "start", fill: str = INK, weight: str = "normal") -> str:
    return _text_tag(x, y, size, anchor, fill, weight) + escape(text) + "</text>"


@lru_cache(maxsize=4096, typed=True)  # the same places on every unit's chart, and on every piece of a long one
def _text_tag(x: float, y: float, size: float, anchor: str, fill: str, weight: str) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}"'
        + (f' font-weight="{weight}"' if weight != "normal" else "")
        + ">"
    )


def _svg(width: float, height: float, body: list[str], title: str, font: str) -> str:
    title = escape(title)
    return f'{_svg_head(width, height, font)}{title}"><title>{title}</title>' + "".join(body) + "</svg>"


@lru_cache(maxsize=256)  # the same size and font for most charts of a report
def _svg_head(width: float, height: float, font: str) -> str:
    """An ``<svg>`` element's start, up to its label's text."""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" font-family="{escape(font)}" role="img" aria-label="'
    )


def _ticks(lo: float, hi: float, step: float | None = None) -> list[float]:
    span = hi - lo
    if step is None:
        step = 1 if span <= 10 else 2 if span <= 20 else 5 if span <= 50 else 10 if span <= 100 else 10 ** math.floor(math.log10(span))
    first = math.ceil(lo / step) * step
    out, v = [], first
    while v <= hi + 1e-9:
        out.append(v)
        v += step
    return out


def axis_range(cat: CategoryView, total: float) -> tuple[float, float]:
    """Where the totals axis starts and ends: bars start from a round number below the lowest total or line."""
    vals = [r.total for r in cat.rows] + [ln.value for ln in cat.lines if ln.kind == "score"]
    if not vals:
        return 0.0, total
    low = min(vals)
    lo = max(0.0, math.floor((low - 5) / 10) * 10)
    hi = max(total, math.ceil(max(vals) / 5) * 5)
    return lo, hi


@dataclass
class Box:
    """Where a piece of text of a chart sits, in the chart's own units (top-left origin)."""

    x0: float
    y0: float
    x1: float
    y1: float
    text: str

    def overlaps(self, o: "Box") -> bool:
        return self.x0 < o.x1 and o.x0 < self.x1 and self.y0 < o.y1 and o.y0 < self.y1


def _box(x: float, y: float, text: str, size: float, anchor: str) -> Box:
    """The box a text drawn at baseline (x, y) occupies, by its estimated width."""
    w = _w(text, size)
    x0 = x - w if anchor == "end" else x - w / 2 if anchor == "middle" else x
    return Box(x0, y - size * 0.9, x0 + w, y + size * 0.25, text)


@dataclass
class TotalsLayout:
    width: float
    height: float
    body: list[str]
    labels: list[Box]


ROW_H, TOP, PLOT_W = 18, 34, 430


def totals_layout(
    view: ReportView, cat: CategoryView, start: int = 0, stop: int | None = None, axis: tuple[float, float] | None = None, draw: bool = True
) -> TotalsLayout:
    """Totals as horizontal bars in rank order, with the lines the decision rules draw.

    ``start``/``stop``: the rows drawn (all by default; a long category is drawn in pieces that each fit
    a page).  The rank numbers have their own column left of the names, line labels below the plot
    stack instead of overprinting, and the chart is as wide as its longest label needs: every text's box is
    returned so tests can check that none overlaps another and all stay inside the chart.  ``axis``: the
    category's :func:`axis_range` when already found (it reads every row: once per chart, not per piece).
    ``draw=False``: the size and the boxes alone, the body left empty (how a long chart is cut is found
    from the whole chart's size, and only its pieces are drawn).
    """
    L = view.L
    rows = cat.rows[start:stop]
    rank_w = max([_w(str(r.rank), 10) for r in rows] + [_w("00", 10)])
    name_w = max([_w(r.name) for r in rows] + [40])
    label_w = 6 + rank_w + 10 + name_w + 8
    lo, hi = axis_range(cat, view.total) if axis is None else axis
    x = lambda v: label_w + (min(max(v, lo), hi) - lo) / (hi - lo) * PLOT_W  # noqa: E731
    bottom = TOP + len(rows) * ROW_H
    b: list[str] = []
    labels: list[Box] = []

    def text(x_, y_, t, size=FONT, anchor="start", fill=INK):
        if draw:
            b.append(_t(x_, y_, t, size, anchor, fill))
        labels.append(_box(x_, y_, t, size, anchor))

    for tv in _ticks(lo, hi):
        b.append(f'<line x1="{x(tv):.1f}" y1="{TOP - 4}" x2="{x(tv):.1f}" y2="{bottom}" stroke="{GRID}" stroke-width="0.8"/>')
        text(x(tv), TOP - 8, fmt(tv), 9, "middle", "#555")
    right = label_w + PLOT_W
    for k, r in enumerate(rows):
        y = TOP + k * ROW_H
        color = GREY if r.failed else RED if r.flag == "caught" else AMBER if r.flag == "undetermined" else BLUE
        text(6 + rank_w, y + 13, f"{r.rank}", 10, "end", "#555")
        text(label_w - 8, y + 13, r.name, FONT, "end")
        if draw:
            b.append(f'<rect x="{label_w:.1f}" y="{y + 3}" width="{max(x(r.total) - label_w, 0.5):.1f}" height="{ROW_H - 6}" fill="{color}"/>')
        tail = view.num(r.total) + (f"  {L['fail']}" if r.failed else "")
        text(x(r.total) + 4, y + 13, tail, 10)
        right = max(right, labels[-1].x1)
    b.append(f'<line x1="{label_w}" y1="{TOP - 4}" x2="{label_w}" y2="{bottom}" stroke="{INK}" stroke-width="1"/>')
    below = bottom + 16  # score-line labels: one row each where they would touch
    score_rows: list[list[Box]] = []
    for ln in cat.lines:
        tag = i18n.t("sep.enum", view.lang).join(ln.rules)
        if ln.kind == "score" and lo <= ln.value <= hi:
            lx = x(ln.value)
            b.append(f'<line x1="{lx:.1f}" y1="{TOP - 4}" x2="{lx:.1f}" y2="{bottom + 4}" stroke="{RED}" stroke-width="1.4" stroke-dasharray="5,3"/>')
            t = f"{tag} {ln.label}"
            w = _w(t, 9.5)
            cx = min(max(lx, label_w + w / 2), label_w + PLOT_W - w / 2) if w < PLOT_W else label_w + w / 2
            k = 0
            while k < len(score_rows) and any(_box(cx, 0, t, 9.5, "middle").overlaps(o) for o in score_rows[k]):
                k += 1
            if k == len(score_rows):
                score_rows.append([])
            score_rows[k].append(_box(cx, 0, t, 9.5, "middle"))
            text(cx, below + k * 13, t, 9.5, "middle", RED)
            right = max(right, labels[-1].x1)
        elif ln.kind == "rank" and start <= ln.value <= start + len(rows):
            ly = TOP + (ln.value - start) * ROW_H
            b.append(f'<line x1="{6}" y1="{ly:.1f}" x2="{label_w + PLOT_W + 8}" y2="{ly:.1f}" stroke="{RED}" stroke-width="1.4" stroke-dasharray="5,3"/>')
            text(label_w + PLOT_W + 12, ly + 4, f"{tag} {ln.label}", 9.5, "start", RED)
            right = max(right, labels[-1].x1)
    ly = below + len(score_rows) * 13 + 12
    lx = label_w
    for color, t in ((BLUE, L["legend_normal"]), (RED, L["legend_caught"]), (AMBER, L["legend_pending"]), (GREY, L["legend_failed"])):
        b.append(f'<rect x="{lx:.1f}" y="{ly - 9}" width="10" height="10" fill="{color}"/>')
        text(lx + 14, ly, t, 9.5)
        lx += 14 + _w(t, 9.5) + 16
    right = max(right, lx)
    if lo > 0:
        ly += 16
        text(label_w, ly, L["chart_axis_from"].format(lo=fmt(lo)), 9, "start", "#555")
    return TotalsLayout(right + 8, ly + 8, b if draw else [], labels)


def totals_svg(view: ReportView, cat: CategoryView, lay: TotalsLayout, font: str = "sans-serif") -> str:
    """A totals chart drawn from its layout (:func:`totals_layout`)."""
    return _svg(lay.width, lay.height, lay.body, f"{cat.name} {view.L['chart_totals']}", font)


def rows_per_piece(n: int, width_mm: float, height_mm: float, svg_width: float) -> int:
    """How many rows of a totals chart fit in ``height_mm`` when it is printed ``width_mm`` wide."""
    scale = width_mm / svg_width  # mm per chart unit
    fixed = TOP + 16 + 13 * 2 + 12 + 16 + 8  # axis, line labels, legend, axis note
    return max(1, min(n, int((height_mm / scale - fixed) // ROW_H)))


PROFILE_ROW_H, PROFILE_TOP, PROFILE_PLOT_W = 22, 22, 230


def profile_chart(view: ReportView, unit: UnitView, font: str = "sans-serif") -> str:
    """One unit's module scores (out of 100) as bars, the category's average as a black mark."""
    L = view.L
    mods = unit.modules
    row_h, top, plot_w = PROFILE_ROW_H, PROFILE_TOP, PROFILE_PLOT_W
    label_w = max([_w(m["name"]) for m in mods] + [40]) + 12
    hi = max([100.0] + [100 * (m["score"] or 0) / m["full"] for m in mods])
    hi = math.ceil(hi / 10) * 10
    height = top + len(mods) * row_h + 30
    width = label_w + plot_w + 100
    grid, frame = _profile_frame(label_w, hi, len(mods), plot_w, row_h, top, height, L["legend_unit"], L["legend_avg"])
    b: list[str] = [grid]
    lang, places = view.lang, view.places
    for k, (m, avg) in enumerate(zip(mods, unit.averages)):
        b.append(_profile_row(label_w, hi, top + k * row_h, m["name"], m["score"], m["full"], avg, lang, places))
    b.append(frame)
    return _svg(width, height, b, f"{unit.name} {L['profile']}", font)


@lru_cache(maxsize=16384)  # a module's few distinct scores recur on many units' charts
def _profile_row(label_w: float, hi: float, y: float, name: str, score: float | None, full: float, avg: float | None, lang: str, places: int) -> str:
    """One module's row of a profile chart at ``y``: its name, bar, the average's mark and the score.
    Numbers are keys as they compare: 0.0 and -0.0, 1 and 1.0 draw and show the same."""
    name_text, bar, mark, value = _profile_fixed(label_w, hi, y, name, full, avg)
    if score is None:
        return name_text + mark + value + _num_text(score, places) + "</text>"
    width = _profile_x(label_w, hi, 100 * score / full) - label_w
    diff = "" if avg is None else _diff(lang, ("+" if score >= avg else "−") + _num_text(abs(score - avg), places))
    # numbers and the difference's words hold no markup: the value is written as it is
    return f'{name_text}{bar}{max(width, 0.5):.1f}{_BAR_END}{mark}{value}{_num_text(score, places)}{diff}</text>'


_BAR_END = f'" height="{PROFILE_ROW_H - 8}" fill="{BLUE}"/>'


def _profile_x(label_w: float, hi: float, v: float) -> float:
    """Where a score of ``v`` out of 100 lies on a profile chart whose axis ends at ``hi`` (within the plot)."""
    return label_w + max(min(v, hi), 0) / hi * PROFILE_PLOT_W


@lru_cache(maxsize=1024)  # the same for a module on every unit's chart of a category
def _profile_fixed(label_w: float, hi: float, y: float, name: str, full: float, avg: float | None) -> tuple[str, str, str, str]:
    """What a module's row of a profile chart draws whatever the unit's score: its name, the start of its
    bar (up to the width), the average's mark and the value's text element up to the value."""
    mark = ""
    if avg is not None:
        mark = _average_mark(_profile_x(label_w, hi, 100 * avg / full), y, PROFILE_ROW_H)
    bar = f'<rect x="{label_w}" y="{y + 4}" width="'
    return _name(label_w - 6, y + 15, name), bar, mark, _text_tag(label_w + PROFILE_PLOT_W + 8, y + 15, 10, "start", INK, "normal")


@lru_cache(maxsize=1024, typed=True)  # a module's average: the same on every unit's chart of a category
def _average_mark(x: float, y: float, row_h: float) -> str:
    return f'<line x1="{x:.1f}" y1="{y + 1}" x2="{x:.1f}" y2="{y + row_h - 1}" stroke="{AVG}" stroke-width="2.2"/>'


@lru_cache(maxsize=1024)  # a module's name on every unit's chart of a category
def _name(x: float, y: float, text: str) -> str:
    return _t(x, y, text, FONT, "end")


@lru_cache(maxsize=4096)  # the same few differences from the average on many units' charts
def _diff(lang: str, diff: str) -> str:
    """A score's difference from the average as the chart writes it (escaped)."""
    return escape(i18n.t("chart.diff", lang, diff=diff))


@lru_cache(maxsize=256)  # the same grid, axis and legend on every sheet of a category
def _profile_frame(label_w: float, hi: float, n: int, plot_w: float, row_h: float, top: float, height: float, unit: str, avg: str) -> tuple[str, str]:
    """A profile chart's grid (drawn under the bars) and its axis and legend (drawn over them)."""
    x = lambda v: label_w + max(min(v, hi), 0) / hi * plot_w  # noqa: E731
    grid = []
    for tv in _ticks(0, hi, 20):
        grid.append(f'<line x1="{x(tv):.1f}" y1="{top - 4}" x2="{x(tv):.1f}" y2="{top + n * row_h}" stroke="{GRID}" stroke-width="0.8"/>')
        grid.append(_t(x(tv), top - 8, fmt(tv), 9, "middle", "#555"))
    b = [f'<line x1="{label_w}" y1="{top - 4}" x2="{label_w}" y2="{top + n * row_h}" stroke="{INK}" stroke-width="1"/>']
    ly = height - 8
    b.append(f'<rect x="{label_w}" y="{ly - 9}" width="10" height="10" fill="{BLUE}"/>')
    b.append(_t(label_w + 14, ly, unit, 9.5))
    ax = label_w + 14 + _w(unit, 9.5) + 18
    b.append(f'<line x1="{ax + 4:.1f}" y1="{ly - 10}" x2="{ax + 4:.1f}" y2="{ly + 1}" stroke="{AVG}" stroke-width="2.2"/>')
    b.append(_t(ax + 12, ly, avg, 9.5))
    return "".join(grid), "".join(b)


def movement_chart(view: ReportView, cat: CategoryView, font: str = "sans-serif") -> str:
    """Ranks by year, one line per unit (rank 1 at the top); units proposed for a decision in red."""
    L = view.L
    years = view.years
    n = max([cat.rows[0].of if cat.rows else 1] + [rk for r in cat.rows for rk in r.ranks_by_year.values()])
    row_h, top, left = 16, 26, 40
    step = 200 if len(years) <= 3 else 110
    label_w = max([_w(r.name) for r in cat.rows] + [40]) + 40
    width = left + step * (len(years) - 1) + label_w + 20
    height = top + n * row_h + 16
    x = lambda k: left + k * step  # noqa: E731
    y = lambda rank: top + (rank - 1) * row_h + row_h / 2  # noqa: E731
    b: list[str] = []
    for k, yr in enumerate(years):
        b.append(f'<line x1="{x(k)}" y1="{top - 4}" x2="{x(k)}" y2="{top + n * row_h}" stroke="{GRID}" stroke-width="0.8"/>')
        b.append(_t(x(k), top - 10, str(yr), 10, "middle", "#555"))
    for rank in range(1, n + 1):
        b.append(_t(left - 14, y(rank) + 3.5, str(rank), 9, "end", "#777"))
    for r in sorted(cat.rows, key=lambda r: r.flag is not None):  # flagged lines drawn last, on top
        color = RED if r.flag == "caught" else AMBER if r.flag == "undetermined" else BLUE
        pts = [(x(k), y(r.ranks_by_year[yr])) for k, yr in enumerate(years) if yr in r.ranks_by_year]
        if len(pts) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in pts)
            b.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="1.6" opacity="0.85"/>')
        for px, py in pts:
            b.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="2.6" fill="{color}"/>')
        px, py = pts[-1]
        move = ""
        if r.previous_rank is not None:
            d = r.previous_rank - r.rank
            move = f" ↑{d}" if d > 0 else f" ↓{-d}" if d < 0 else " —"
        b.append(_t(px + 8, py + 4, r.name + move, 10, "start", color if r.flag else INK))
    return _svg(width, height, b, f"{cat.name} {L['movement']}", font)
