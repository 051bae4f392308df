"""What every printed report shows, gathered once: the renderers (HTML, PDF, XLSX) only lay it out.

:func:`build` takes the results, the proposed decisions (:func:`scoring.core.decisions.decide`),
earlier years' outcomes (or None) and a reproducibility stamp (or None) and returns a
:class:`ReportView` of plain numbers and text.  Nothing here computes a score: scores come
from the engine, score sheets and their sentences from :mod:`scoring.report.notice`,
reasons and margins from :mod:`scoring.report.decisions` and lines from the decision rules.
Numbers stay numbers (rounded by the engine); they are formatted only when printed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache, partial

import numpy as np

from ..core.decisions import Outcome, RuleResult, band_floor, evaluate, outcomes_of
from ..core.engine import CategoryScores, IndicatorScores, Results
from ..core.explain import LineColumns, indicator_lines, line_head, odd_lines, ranked, sheet_columns, sheet_heads
from ..core.rounding import fmt, round_half_up
from ..i18n import MESSAGES, t
from . import decisions as rd
from . import notice
from .stamp import FOOTER_KEYS, stamp_items


def labels(lang: str) -> dict:
    """The labels a renderer lays out (``ReportView.L``), from the message catalogue's view.* codes.

    Texts with {placeholders} are left unfilled here; the renderer fills them where it prints them."""
    out: dict = {k[len("view.") :]: t(k, lang) for k in MESSAGES if k.startswith("view.")}
    out["sheet_head"] = [t(f"notice.col.{k}", lang) for k in notice.COLUMNS]  # the score sheet's own columns
    return out


@dataclass
class ModuleHead:
    id: str
    name: str
    weight: float
    full: float


@dataclass
class Row:
    """One unit in a ranked table."""

    id: str
    name: str
    rank: int
    of: int
    total: float
    contributions: list[float | None]  # per module of the category: weighted points
    scores: list[float | None]  # per module: score out of the module's full
    grade: str | None
    vetoes: str
    decisions: list[str]
    flag: str | None  # "caught", "undetermined" or None
    failed: bool
    previous_rank: int | None = None
    ranks_by_year: dict[int, int] = field(default_factory=dict)


@dataclass
class Line:
    """A decision line on the totals chart: a score ("score") or a place in the ranking ("rank")."""

    kind: str
    value: float  # the total for "score"; for "rank", how many rows lie above the line
    label: str
    rules: list[str]


@dataclass
class CategoryView:
    name: str
    modules: list[ModuleHead]
    rows: list[Row]  # in rank order
    averages: list[float | None]  # module scores, category average
    lines: list[Line]
    rules: list[tuple[str, str, str]]  # (id, name, consequence) of the rules that name units here


@dataclass
class UnitView:
    id: str
    name: str
    category: str
    total: float
    rank: int
    of: int
    grade: str | None
    modules: list[dict]  # from the score sheet: id, name, weight, full, score, base, bonus, contribution
    averages: list[float | None]  # category average score per module, same order
    sheet_lines: Callable[[], list[dict]]  # makes the score sheet's indicator lines (explain.indicator_line)
    sentences: list[str]
    decisions: list[str]
    vetoes: list[dict] = field(default_factory=list)  # from the score sheet: kind, name
    lang: str = "zh"

    @cached_property
    def lines(self) -> list[dict]:
        """The score sheet's lines: made when a renderer asks (the HTML report builds its rows from columns)."""
        return self.sheet_lines()

    @cached_property
    def cells(self) -> list[dict]:
        """The lines as notice.sheet_cells: made when a renderer asks (the HTML report builds its rows from columns)."""
        return [notice.line_cell(line, self.lang) for line in self.lines]


@dataclass
class SheetBlock:
    """The sheets of up to BLOCK units of one category, made together: their views, and the lines they
    show as columns (:func:`scoring.core.explain.sheet_columns`), with what each line says of its indicator."""

    units: list[UnitView]
    columns: list[tuple[dict, IndicatorScores, LineColumns]]  # (line_head, indicator's scores, columns)
    odd: dict[int, dict[int, dict]]  # the unusual lines (not LineColumns.usual), by line then unit position (read only: see odd_lines)


class _BlockLines:
    """Every line of a block's sheets, made (a column at a time) the first time a unit's are asked for."""

    def __init__(self, res: Results, cs: CategoryScores, rows: list[int], columns: list, lang: str):
        self._args = (res, cs, rows, columns, lang)
        self._lines: list[list[dict]] | None = None

    def unit(self, k: int) -> list[dict]:
        if self._lines is None:
            res, cs, rows, columns, lang = self._args
            self._lines = [indicator_lines(res, cs, rows, s, lang, c) for s, c in columns]
        return [col[k] for col in self._lines]


@dataclass
class ProposalView:
    rule: str
    name: str
    consequence: str
    category: str
    line: str
    units: list[dict]  # from decisions.as_dicts, plus "margin_text"
    nearest: str  # sentence on the nearest unit outside, or ""
    nearest_unit: dict | None


@dataclass
class ReportView:
    lang: str
    places: int
    title: str
    year: int
    office: str
    note: str
    total: float
    categories: list[CategoryView]
    units: "UnitSheets"  # a sequence of UnitView, built on access
    proposals: list[ProposalView]
    years: list[int]  # years shown in rank movement (empty without history)
    stamp: list[tuple[str, str]]
    footer_stamp: list[tuple[str, str]]
    close_margin: float
    L: dict = field(default_factory=dict)

    def num(self, x) -> str:
        return _num_text(x, self.places)


@lru_cache(maxsize=65536)  # a report at province size shows millions of numbers, few of them distinct
def _num_text(x, places: int) -> str:
    if x is None or x != x or x == 0:
        return fmt(x, places)
    text = f"{x:.{places}f}"
    # a number the engine has already rounded is its own half-up rounding: shown as it is (a report
    # at province size formats millions of them); anything else goes through fmt
    return text if float(text) == x else fmt(x, places)


BLOCK = 100  # units whose sheets are made together: long columns, a bounded number of sheets in memory
# Units whose lines are made together, for blocks of them: the methods' sentences asked once. A multiple of
# every report's block size (BLOCK here, html.BLOCK, xlsx.LINES), so that a span's blocks are the blocks the
# category would be cut into anyway (the workbook numbers its shared texts in the order the blocks meet them).
SPAN = 2000


class UnitSheets(Sequence):
    """Every unit's score sheet in report order, each built when it is asked for and not kept.

    A report streamed to a file (HTML at province size: 6 000 sheets, 240 MB) then holds one sheet at a
    time, so its memory does not grow with the number of units.  Iterate once where possible: each access
    builds the sheet again.  ``find`` looks a unit up by id or name without building any sheet.
    """

    def __init__(self, res: Results, decisions: list[RuleResult], lang: str, keys: list, texts: dict[str, list[str]]):
        self._res, self._lang, self._keys, self._texts = res, lang, keys, texts
        # each unit's sheet reads only the rules that catch it: looked up once here, not by scanning every
        # rule's catches for every unit (quadratic at province size)
        self._rules: dict[str, list[RuleResult]] = {}
        for r in decisions:
            for uid in dict.fromkeys(c.unit.unit_id for c in r.catches):
                self._rules.setdefault(uid, []).append(r)

    def __len__(self) -> int:
        return len(self._keys)

    def __getitem__(self, k):
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(len(self)))]
        return self._view(self._keys[k], None)

    def _view(self, key, sheet: dict | None, lines: Callable[[], list[dict]] | None = None, top: list | None = None, sentences: bool = True) -> UnitView:
        """A unit's view; ``sheet``: its sheet when already made (without its lines when ``lines`` makes
        them), ``top``: its costliest losses (:func:`.notice.top_losses`); ``sentences=False``: without
        its explanation sentences."""
        cs, p, averages = key
        if sentences or sheet is None:
            n = notice.unit_notice(self._res, cs, p, self._rules.get(self._res.data.ids[cs.index[p]], []), self._lang, sheet, top)
        else:
            n = {"sheet": sheet, "sentences": []}
        sheet = n["sheet"]
        if lines is None:
            lines = partial(dict.__getitem__, sheet, "indicators")
        return UnitView(
            sheet["id"],
            sheet["name"],
            sheet["category"],
            sheet["total"],
            sheet["rank"],
            sheet["of"],
            sheet["grade"],
            sheet["modules"],
            averages,
            lines,
            n["sentences"],
            self._texts.get(sheet["id"], []),
            sheet["vetoes"],
            self._lang,
        )

    def __iter__(self) -> Iterator[UnitView]:
        """Every sheet in order, those of up to BLOCK units of a category made together (their lines a column
        at a time, :func:`scoring.core.explain.unit_sheets`)."""
        return self.iterate()

    def iterate(self, sentences: bool = True) -> Iterator[UnitView]:
        """As iterating; ``sentences=False`` leaves each view's explanation sentences empty, for a report that
        does not print them (the workbook): they are about a third of a sheet's cost."""
        for block in self.blocks(sentences):
            yield from block.units

    def blocks(self, sentences: bool = True, size: int | None = None, start: int = 0, end: int | None = None) -> Iterator[SheetBlock]:
        """Every sheet in order (those from ``start`` up to ``end``), a block of up to ``size`` (default BLOCK)
        units of a category at a time.  The lines are made for up to SPAN units at once (the methods'
        sentences asked once for them all) and handed to each block as parts of those columns."""
        keys, res = self._keys, self._res
        size = size or BLOCK
        for k, stop in self._runs(max(SPAN, size), start, end):
            cs = keys[k][0]
            made = sheet_columns(res, cs, [p for _, p, _ in keys[k:stop]], self._lang)
            for lo in range(k, stop, size):
                yield self._block(cs, keys[lo : min(lo + size, stop)], [(s, c.part(lo - k, lo - k + size)) for s, c in made], sentences)

    def _runs(self, size: int, start: int = 0, end: int | None = None) -> Iterator[tuple[int, int]]:
        """``(start, end)`` of each run of units of one category, of at most ``size``, from ``start`` up to ``end``."""
        keys = self._keys
        end = len(keys) if end is None else end
        k = start
        while k < end:
            cs, stop = keys[k][0], k + 1
            while stop < end and stop - k < size and keys[stop][0] is cs:
                stop += 1
            yield k, stop
            k = stop

    def _block(self, cs: CategoryScores, block: list, columns: list[tuple[IndicatorScores, LineColumns]], sentences: bool) -> SheetBlock:
        """The sheets of the units ``block`` (keys of one category), their lines being ``columns``."""
        res = self._res
        rows = [p for _, p, _ in block]
        odd: dict[int, dict[int, dict]] = {}
        for j, (s, c) in enumerate(columns):
            if not all(c.usual):  # mostly every line is
                at = [u for u, usual in enumerate(c.usual) if not usual]
                odd[j] = dict(zip(at, odd_lines(res, cs, [rows[u] for u in at], s, self._lang)))
        sheets = sheet_heads(res, cs, rows, self._lang)
        tops = notice.top_losses(res, cs, rows, columns, odd, sheets, self._lang) if sentences else [None] * len(rows)
        lines = _BlockLines(res, cs, rows, columns, self._lang)
        units = [self._view(key, sheet, partial(lines.unit, u), top, sentences) for u, (key, sheet, top) in enumerate(zip(block, sheets, tops))]
        return SheetBlock(units, [(line_head(res, s.indicator), s, c) for s, c in columns], odd)

    def halves(self, size: int) -> list[tuple[int, int]]:
        """The units cut into runs of one category, of at most ``size`` each, every run cut in two halves:
        ``(start, end)`` each, in order (:meth:`blocks` of each give every sheet).  Work shared by two
        processes, each making every second run: the halves keep their turns about equal in length."""
        runs = []
        for k, stop in self._runs(size):
            half = k + (stop - k + 1) // 2
            runs += [(k, half), (half, stop)] if half < stop else [(k, stop)]
        return runs

    def find(self, unit: str) -> list[int]:
        """Positions of the units whose id or name is ``unit``."""
        ids, names = self._res.data.ids, self._res.data.names
        return [k for k, (cs, p, _) in enumerate(self._keys) if unit in (ids[cs.index[p]], names[cs.index[p]])]


def _lines(res: Results, cat: str, group: list[Outcome], decisions: list[RuleResult], order: list[str], lang: str) -> list[Line]:
    """The lines the decision rules draw in one category, one per distinct condition."""
    L = labels(lang)
    crit = res.criteria
    places = crit.assessment.precision
    seen: dict[str, Line] = {}
    where: dict[str, int] | None = None  # each unit's place in ``order``: made once, when a rule needs it
    for r in decisions:
        if r.category != cat:
            continue
        w = r.rule.when
        key = repr(sorted(w.model_dump().items()))
        if key in seen:
            seen[key].rules.append(r.rule.id)
            continue
        line = None
        if w.total_below is not None:
            line = Line("score", w.total_below, L["line_total"].format(v=fmt(w.total_below)), [r.rule.id])
        elif w.grade is not None:
            floor = band_floor(crit, cat, w.grade)
            if floor is not None:
                line = Line("score", floor, L["line_grade"].format(g="/".join(w.grade), v=fmt(floor)), [r.rule.id])
        elif w.bottom is not None or w.bottom_percent is not None:
            hits, *_ = evaluate(w, group, crit, cat, places)  # this year's condition, whatever the look-back
            if where is None:
                where = {u: k for k, u in reversed(list(enumerate(order)))}  # the first place, as list.index finds it
            pos = [where[h.unit.unit_id] for h in hits if h.unit.unit_id in where]
            if pos:
                k = r.bottom_count or len(pos)
                label = L["line_bottom"].format(k=k) if w.bottom is not None else L["line_bottom_pct"].format(p=fmt(w.bottom_percent), k=k)
                line = Line("rank", min(pos), label, [r.rule.id])
        if line is not None:
            seen[key] = line
    return list(seen.values())


def build(
    res: Results, decisions: list[RuleResult], history: dict[int, list[Outcome]] | None = None, stamp: dict | None = None, lang: str = "zh"
) -> ReportView:
    crit = res.criteria
    a = crit.assessment
    places = a.precision
    L = labels(lang)
    texts, flags = rd.unit_texts(decisions, lang)
    current = outcomes_of(res)
    by_cat: dict[str, list[Outcome]] = {}
    for o in current:
        by_cat.setdefault(o.category, []).append(o)

    history = history or {}
    years = sorted(y for y in history if y != a.year)
    past: dict[tuple[int, str], Outcome] = {(y, o.unit_id): o for y in years for o in history[y]}
    if years:
        years = years + [a.year]

    categories: list[CategoryView] = []
    units: list[tuple[CategoryScores, int, list[float | None]]] = []
    for cs in res.categories.values():
        mods = list(cs.modules.values())
        heads = [ModuleHead(m.module.id, m.module.name, m.weight, m.module.full) for m in mods]
        averages = [None if len(cs.index) == 0 or np.all(np.isnan(m.score)) else round_half_up(float(np.nanmean(m.score)), places) for m in mods]
        rows = []
        order = ranked(res, cs)
        for p in order:
            i = cs.index[p]
            uid = res.data.ids[i]
            row = Row(
                uid,
                res.data.names[i],
                int(cs.rank[p]),
                len(cs.index),
                float(cs.total[p]),
                [_f(m.contribution[p]) for m in mods],
                [_f(m.score[p]) for m in mods],
                cs.grade[p],
                t("sep.items", lang).join(t("out.veto_item", lang, kind=L[v.veto.kind], name=v.veto.name) for v in cs.vetoes if v.hit[p]),
                texts.get(uid, []),
                flags.get(uid),
                bool(cs.failed[p]),
            )
            if years:
                row.ranks_by_year = {y: past[(y, uid)].rank for y in years[:-1] if (y, uid) in past}
                row.ranks_by_year[a.year] = row.rank
                before = [y for y in years[:-1] if (y, uid) in past and past[(y, uid)].category == cs.category]
                row.previous_rank = past[(before[-1], uid)].rank if before else None
            rows.append(row)
        ids_in_order = [r.id for r in rows]
        used: dict[str, tuple[str, str, str]] = {}
        for r in decisions:
            if r.category == cs.category and r.catches:
                used.setdefault(r.rule.id, (r.rule.id, r.rule.name, r.rule.consequence))
        categories.append(
            CategoryView(
                cs.category, heads, rows, averages, _lines(res, cs.category, by_cat.get(cs.category, []), decisions, ids_in_order, lang), list(used.values())
            )
        )
        units.extend((cs, p, averages) for p in order)

    proposals = []
    for d, r in zip(rd.as_dicts(decisions, places, lang), decisions):
        if not r.catches and r.nearest_outside is None:
            continue
        for u in d["units"]:
            u["margin_text"] = rd.margin_text(u["margin"], places, lang)
        near, near_unit = "", d["nearest_outside"]
        if near_unit is not None and near_unit["margin"] is not None:
            near = L["nearest"].format(name=near_unit["name"], total=fmt(near_unit["total"], places), margin=fmt(near_unit["margin"], places))
            if near_unit["margin"] <= crit.decisions.close_margin + 1e-9:
                near += L["nearest_close"]
        proposals.append(ProposalView(d["rule"], d["name"], d["consequence"], d["category"], d["line"], d["units"], near, near_unit))

    return ReportView(
        lang,
        places,
        a.name,
        a.year,
        a.office,
        a.note,
        a.total,
        categories,
        UnitSheets(res, decisions, lang, units, texts),
        proposals,
        years,
        stamp_items(stamp, lang),
        stamp_items(stamp, lang, FOOTER_KEYS),
        crit.decisions.close_margin,
        L,
    )


def _f(x) -> float | None:
    x = float(x)
    return None if x != x else x
