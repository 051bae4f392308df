"""The engine: criteria + data ⇒ scores, totals, ranks, grades, vetoes. Pure: no I/O.

Work is done per category and per indicator on whole columns.  Every shown number
is rounded to the declared precision (四舍五入) and every sum is a sum of shown
numbers, so a score sheet adds up to the last point.  Ranks and ties are decided on
exact integers in units of the last decimal, never on raw floats.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable, cast

import numpy as np

from ..errors import DataError, Problem
from . import boundary, consistency, expr
from .criteria import Indicator, Module, Veto
from .dataset import Dataset, previous_of
from .lists import objects
from .methods import Column
from .plan import Leaf, Plan
from .rounding import ROUNDED_AGAIN, round_array, to_fixed, whole
from .scope import unit_scopes


# repr=False, eq=False on the result classes here: their fields are arrays (== on them says nothing,
# a repr prints them whole), and Python compiles every method a dataclass generates at each import
@dataclass(repr=False, eq=False)
class IndicatorScores:
    """One indicator (leaf or group) over the units of one category."""

    indicator: Indicator
    points: np.ndarray  # NaN = not counted for that unit (not applicable / excluded)
    applicable_full: np.ndarray  # full points that count for each unit (0 where excluded)
    leaf: Leaf | None = None
    inputs: Mapping[str, np.ndarray] = field(default_factory=dict)  # a leaf's: see Gathered
    missing: np.ndarray | None = None  # units with an input missing
    context: dict[str, Any] = field(default_factory=dict)
    # points before the item's own caps/floors: a group's, and a leaf's with a cap of its own
    # (max_deduction); None for any other leaf, whose points are these clipped to [0, full] and rounded
    raw: np.ndarray | None = None
    applies: np.ndarray | None = None  # units it applies to, when not all of the category (named units, tasks)
    share: np.ndarray | None = None  # a task's share of the points per unit (牵头/责任), when split
    zero: np.ndarray | None = None  # units whose input has no value because a denominator was 0


@dataclass(repr=False, eq=False)
class ModuleScores:
    """One module (a weighted block of the total) over the units of one category."""

    module: Module
    weight: float
    base: np.ndarray  # earned ÷ applicable full × module full (百分制 rescaling)
    bonus: np.ndarray  # 附加项, within the module's bonus range
    score: np.ndarray  # base + bonus
    contribution: np.ndarray  # weight × score ÷ full: this module's part of the total
    earned: np.ndarray
    applicable_full: np.ndarray


@dataclass(repr=False, eq=False)
class VetoHits:
    """One veto over the units of one category: which units it caught and the values it read."""

    veto: Veto
    hit: np.ndarray  # bool per unit
    values: np.ndarray


@dataclass(repr=False, eq=False)
class CategoryScores:
    """Everything scored for the units of one category: indicators, modules, totals, ranks, grades."""

    category: str
    index: np.ndarray  # positions of this category's units in the dataset
    indicators: dict[str, IndicatorScores]
    modules: dict[str, ModuleScores]
    total: np.ndarray
    rank: np.ndarray
    grade: list[str | None]
    vetoes: list[VetoHits]
    failed: np.ndarray  # 一票否决
    no_excellent: np.ndarray  # 否优
    grade_why: list[str | None]  # why a grade differs from the score's band (veto, quota)


@dataclass(repr=False, eq=False)
class Results:
    """A run's results: every category's scores, the data they came from and the plan that made them."""

    plan: Plan
    data: Dataset
    categories: dict[str, CategoryScores]
    columns: dict[str, np.ndarray] = field(default_factory=dict)  # every field, derived ones computed
    zero: dict[str, np.ndarray] = field(default_factory=dict)  # derived field -> units whose denominator was 0
    # texts that are the same for every unit, made once by explain (a province has 720 000 lines)
    text_cache: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def criteria(self):
        return self.plan.criteria

    def locate(self, unit_id: str) -> tuple[CategoryScores, int]:
        for cs in self.categories.values():
            hits = np.nonzero(np.asarray([self.data.ids[i] == unit_id for i in cs.index]))[0]
            if len(hits):
                return cs, int(hits[0])
        raise KeyError(unit_id)


def gather(col: np.ndarray, idx: np.ndarray, applies: np.ndarray | None = None, out: np.ndarray | None = None) -> np.ndarray:
    """A field's values over a category's units, as a leaf's method reads them: NaN where the
    indicator does not apply (those units take no part in a best, an average or a rank)."""
    v = np.take(col, idx, out=out, mode="clip") if col.dtype == float else col[idx]  # idx is in range: clip never acts
    if applies is not None:
        v[~applies] = np.nan
    return v


class Gathered(Mapping[str, np.ndarray]):
    """A leaf's inputs (field -> its values over the category's units), each gathered again from
    the field columns when first read and then kept: the very values its method was given.

    Scoring needs a leaf's gathered inputs only while the leaf is scored, explanations later need a
    few of them: keeping every one would hold a second copy of every field the criteria read, and
    each new column costs more to map in than to compute."""

    __slots__ = ("_fields", "_cols", "_idx", "_applies", "_got")

    def __init__(self, fields: list[str], cols: Mapping[str, np.ndarray], idx: np.ndarray, applies: np.ndarray | None):
        self._fields = fields
        self._cols, self._idx, self._applies = cols, idx, applies
        self._got: dict[str, np.ndarray] = {}

    def __getitem__(self, f: str) -> np.ndarray:
        v = self._got.get(f)
        if v is None:
            if f not in self._fields:
                raise KeyError(f)
            v = self._got[f] = gather(self._cols[f], self._idx, self._applies)
        return v

    def __iter__(self) -> Iterator[str]:
        return iter(self._fields)

    def __len__(self) -> int:
        return len(self._fields)


def derive(plan: Plan, data: Dataset) -> dict[str, np.ndarray]:
    """All field columns, derived ones computed by their formulas in dependency order."""
    return derive_with_zero(plan, data)[0]


def derive_with_zero(plan: Plan, data: Dataset) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Field columns, and for each derived field the units whose value is absent only
    because a denominator was 0 (every input submitted): 0 ÷ 0 申请 is not "not submitted"."""
    cols = {f.name: data.column(f.name) for f in plan.criteria.fields}
    for name in plan.previous:  # last year's values, put in the dataset by the caller (NaN if none)
        cols[name] = data.column(name)
    zero: dict[str, np.ndarray] = {}
    n = len(data)
    for name, node in plan.formulas:
        given = data.values.get(name)
        computed = np.broadcast_to(expr.evaluate(node, cols), (n,)).astype(float)
        gap = np.zeros(n, bool)  # an input really missing (blank, or missing further down)
        for f in expr.names(node):
            gap |= np.isnan(cols[f]) & ~zero[f] if f in zero else np.isnan(cols[f])
        divided = np.broadcast_to(expr.zero_division(node, cols, zero), (n,))
        # a value submitted directly for a derived field wins where the formula has no value
        cols[name] = computed if given is None else np.where(np.isnan(computed), given, computed)
        zero[name] = np.isnan(cols[name]) & divided & ~gap
    return cols, zero


def score(plan: Plan, data: Dataset, partial: bool = False) -> Results:
    """Score every category. ``partial`` (interim warnings on data still coming in): a module
    with nothing to score yet is left empty (NaN) instead of being a problem, and the total
    adds up only the modules that could be scored; such a total is no result."""
    c = plan.criteria
    places = c.assessment.precision
    cols, zero = derive_with_zero(plan, data)
    # impossible values (a rate of 150 %, a failed cross-field check) are refused before anything is scored
    problems: list[Problem] = consistency.problems(plan, data, cols)
    if problems:
        raise DataError(problems)
    codes = data.category_codes(c.categories)
    out: dict[str, CategoryScores] = {}
    scopes = unit_scopes(plan, data)
    for k, cat in enumerate(c.categories):
        idx = np.flatnonzero(codes == k)
        out[cat] = _score_category(plan, data, cols, zero, cat, idx, places, problems, partial, scopes)
    if problems:
        raise DataError(problems)
    return Results(plan, data, out, cols, zero)


def _score_category(
    plan: Plan, data: Dataset, cols, zero, cat: str, idx: np.ndarray, places: int, problems, partial: bool = False, scopes=({}, {})
) -> CategoryScores:
    c = plan.criteria
    n = len(idx)
    new = _columns(n)
    scores: dict[str, IndicatorScores] = {}
    kids: dict[str, list[str]] = {}
    for ind in plan.order:
        if ind.parent is not None:
            kids.setdefault(ind.parent, []).append(ind.id)

    for ind in plan.order:  # children before parents
        if cat not in plan.applies[ind.id]:
            continue
        masks, shares = scopes
        applies = masks[ind.id][idx] if ind.id in masks else None
        if applies is not None and not applies.any():
            continue  # it names no unit of this category: as if the category were not named
        share = shares[ind.id][idx] if ind.id in shares else None
        if ind.id in plan.leaves:
            scores[ind.id] = _score_leaf(plan.leaves[ind.id], data, cols, zero, cat, idx, places, problems, c.assessment.year, applies, share, new)
        else:
            parts = [scores[k] for k in kids.get(ind.id, []) if k in scores]
            whole = [_every_unit_scored(p, n) for p in parts]
            earned, uncounted = _nansum([p.points for p in parts], new, whole)  # uncounted: no part counts for the unit
            app = _sum([p.applicable_full for p in parts], new)
            pts = new()
            if ind.max_deduction is not None:  # a cap on the group's total deduction
                np.subtract(app, ind.max_deduction, out=pts)
                np.maximum(earned, pts, out=pts)
                np.clip(pts, 0, None, out=pts)
            else:  # earned stays as it is: the points before the cap (raw)
                np.clip(earned, 0, None, out=pts)
            round_array(pts, places, out=pts)
            if uncounted.any():
                pts[uncounted] = np.nan
                # a part's own column is not written into; nor a constant (never met: parts whose full
                # points are one value for every unit have points for every unit, none uncounted)
                if app is parts[0].applicable_full or not app.flags.writeable:
                    app = _copy(app, new)
                app[uncounted] = 0.0
            scores[ind.id] = IndicatorScores(ind, pts, app, raw=earned, applies=applies, share=share)

    modules: dict[str, ModuleScores] = {}
    unscored = {p.args["unit"] for p in problems if p.code in ("data.missing_value", "data.missing_previous")}
    total = np.zeros(n)
    top: dict[str | None, list[IndicatorScores]] = {}  # module -> its top-level items scored here, in the plan's order
    for i in plan.order:
        if i.parent is None and i.id in scores:
            top.setdefault(i.module, []).append(scores[i.id])
    for m in c.modules:
        if cat not in m.weights:
            continue
        tops = top.get(m.id, [])
        normal = [s for s in tops if not s.indicator.bonus]
        extra = [s for s in tops if s.indicator.bonus]
        one_full = len(normal) == 1 and _every_unit_scored(normal[0], n)  # a single leaf that scored every unit
        earned = normal[0].points if one_full else _nansum([s.points for s in normal], new, [_every_unit_scored(s, n) for s in normal])[0]
        app = _sum([s.applicable_full for s in normal], new)
        if len(normal) == 1 and _rescaled(normal[0], m):
            base = normal[0].points
        else:
            base = _base(earned, app, m.full, places, new)
        empty = not partial and not (one_full and base is earned) and np.isnan(base.min(initial=0.0))
        for pos in np.nonzero(np.isnan(base))[0] if empty else ():
            if data.ids[idx[pos]] in unscored:  # already reported: its missing values leave the module empty
                continue
            problems.append(Problem("data.module_empty", {"unit": data.ids[idx[pos]], "name": data.names[idx[pos]], "module": m.name}))
        at_least_0 = False  # whether every unit's score is known to be at least 0 (with no 附加项, see below)
        if extra:
            bonus = np.clip(_nansum([s.points for s in extra], new)[0], m.bonus.min, m.bonus.max, out=new())
            round_array(bonus, places, out=bonus)
            sc = np.add(base, bonus, out=new())
            round_array(sc, places, out=sc)
        else:  # no 附加项: the same bonus for every unit
            constant = _no_bonus(m.bonus.min, m.bonus.max, places)
            bonus = _constant(constant, n)
            at_least_0 = constant >= 0
            if constant == 0.0 and abs(m.full) <= ROUNDED_AGAIN:  # +0.0: a rounded value is never -0.0
                sc = base  # base + 0.0 is base, and rounding a rounded column gives it back (see ROUNDED_AGAIN)
            else:
                sc = np.add(base, bonus, out=new())
                round_array(sc, places, out=sc)
        w = m.weights[cat]
        contrib = np.multiply(sc, w, out=new())
        contrib /= m.full
        # a base is at least 0 (points earned over full points): with a bonus of at least 0, times a
        # weight of at least 0, over full points above 0, no value is below 0
        round_array(contrib, places, out=contrib, negative=False if at_least_0 else None)
        modules[m.id] = ModuleScores(m, w, base, bonus, sc, contrib, earned, app)
        if partial:
            total = total + np.where(np.isnan(contrib), 0.0, contrib)
        else:
            total += contrib
    total = round_array(total, places)

    vetoes, failed, no_exc = [], np.zeros(n, bool), np.zeros(n, bool)
    for v in c.vetoes:
        if v.applies_to is not None and cat not in v.applies_to:
            continue
        vals = cols[v.field][idx]
        miss = np.isnan(vals)
        if v.field in zero:  # 0 ÷ 0 (no such work): nothing to veto, and no value missing
            miss &= ~zero[v.field][idx]
        if miss.any():
            if v.missing == "error":
                for pos in np.nonzero(miss)[0]:
                    problems.append(Problem("data.missing_veto", {"unit": data.ids[idx[pos]], "name": data.names[idx[pos]], "field": v.field, "veto": v.name}))
            vals = np.where(miss, 0.0, vals) if v.missing == "zero" else vals
        hit = vals > v.threshold  # NaN (excluded) never triggers
        vetoes.append(VetoHits(v, hit, vals))
        if v.kind == "fail":
            failed |= hit
        else:
            no_exc |= hit

    rank = rank_totals(total, failed, [cols[f][idx] for f in c.ranking.tie_break], places)
    grade, grade_why = grade_units(plan, cat, total, failed, no_exc, rank)
    return CategoryScores(cat, idx, scores, modules, total, rank, grade, vetoes, failed, no_exc, grade_why)


# The columns a category's scoring keeps (points, full points, module scores: 140 MB at nation size) are
# cut from blocks of about 8 MiB: numpy asks the system for huge pages for an array of 4 MiB or more, so
# a nation's 57 000-unit category faults a block's pages in by the 2 MiB, not by the 4 KiB (29 700 page
# faults per scoring of the nation in memory, 7 600 so). A block is let go only with its last column: a
# column dropped early (a leaf's gathered inputs) is allocated alone.
_BLOCK = 8 << 20
_BLOCK_COLUMNS = 256  # the most columns of a block (a county's category: 256 columns of 20 units)


def _columns(n: int) -> Callable[[], np.ndarray]:
    """What makes a new column of ``n`` units for the results: its values are written by the step that
    asks for it (with ``out=``), so each step costs one pass and no temporary."""
    rows = min(_BLOCK_COLUMNS, -(-_BLOCK // (8 * n))) if n else 1  # a column of 1 MiB or more: a block of its own
    block, used = np.empty((0, n)), rows

    def new() -> np.ndarray:
        nonlocal block, used
        if used == rows:
            block, used = np.empty((rows, n)), 0
        used += 1
        return block[used - 1]

    return new


def _constant(value: float, n: int) -> np.ndarray:
    """A column of one value for every unit: read-only, and no memory of its own; one per value
    (told apart bit for bit: 0.0 and -0.0 are two) and number of units, shared by every item."""
    return _broadcast(np.float64(value).tobytes(), n)


@lru_cache(maxsize=256)
def _no_bonus(low: float, high: float, places: int) -> float:
    """A module's bonus for a unit that earned none: 0 within the module's bonus range, rounded."""
    return float(round_array(np.clip(np.zeros(1), low, high), places)[0])


def _is_constant(a: np.ndarray) -> bool:
    """Whether ``a`` is one value for every unit, as :func:`_constant` makes it (no memory of its own)."""
    return a.ndim == 1 and a.strides[0] == 0


def _nobody(n: int) -> np.ndarray:
    """A column of False for every unit (no one missing, no 0 ÷ 0): read-only, no memory of its own."""
    return _broadcast(b"", n)


@lru_cache(maxsize=256)
def _broadcast(value: bytes, n: int) -> np.ndarray:
    # made once: np.broadcast_to costs more than a pass over a column of a few thousand units,
    # and a category asks for a few such columns per item
    return np.broadcast_to(np.frombuffer(value, np.float64)[0] if value else np.False_, (n,))


def _any_nan(columns: list[np.ndarray]) -> np.ndarray | None:
    """Where any of the columns is NaN (a new column of its own), or None where none has a NaN:
    told by each column's minimum (NaN propagates), a pass that writes nothing."""
    blank = [c for c in columns if c.size and np.isnan(c.min())]
    if not blank:
        return None
    out = np.isnan(blank[0])
    for c in blank[1:]:
        out |= np.isnan(c)
    return out


def _copy(a: np.ndarray, new) -> np.ndarray:
    out = new()
    np.copyto(out, a)
    return out


def _nansum(arrays: list[np.ndarray], new, whole: list[bool] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Sum of columns, NaN counting as nothing (the same additions, in the same order, as np.nansum),
    and the units where every column is NaN; ``new`` gives the new column. ``whole``: per column,
    whether it is known to have a number for every unit (its NaN test is left out; with one such
    column no unit is uncounted).

    A NaN is added as 0.0 rather than skipped: ``acc + 0.0`` is ``acc`` because the sum, begun at
    +0.0, is never -0.0 (a sum is -0.0 only when both terms are). A single column with neither NaN
    nor -0.0 is its own sum (0.0 + x is x): it is returned as it is, no new memory."""
    if len(arrays) == 1:
        a = arrays[0]
        low = a.min(initial=np.inf)  # NaN when any value is NaN: one pass that writes nothing
        if not np.isnan(low) and (low > 0 or not np.signbit(a).any()):
            return a, _nobody(len(a))
    acc = new()
    if not arrays:
        acc.fill(0.0)
        return acc, np.ones(len(acc), bool)
    whole = whole or [False] * len(arrays)
    counted = any(whole)  # a column with a number for every unit: every unit is counted
    uncounted = None
    for k, (a, known) in enumerate(zip(arrays, whole)):
        nan = None if known else np.isnan(a)
        gaps = nan is not None and bool(nan.any())
        if k == 0:  # 0.0 + the first column, written straight into the sum (no pass to fill it with 0.0)
            np.add(a, 0.0, out=acc)
            if gaps:
                acc[nan] = 0.0
        else:
            if gaps:
                a = a.copy()
                a[nan] = 0.0
            acc += a
        if not counted:  # no column known whole: each one's NaN test was made
            assert nan is not None
            uncounted = nan if uncounted is None else np.logical_and(uncounted, nan, out=uncounted)
    if counted or uncounted is None:
        return acc, _nobody(len(acc))
    return acc, uncounted


def _sum(arrays: list[np.ndarray], new) -> np.ndarray:
    """Sum of columns; a single column without -0.0 is its own sum (returned as it is), and a sum
    of constant columns (full points the same for every unit) is a constant column: the same
    additions, made once."""
    if len(arrays) == 1:
        a = arrays[0]
        if not np.signbit(a[:1] if _is_constant(a) else a).any():  # a constant column: its one value tells
            return a
    if arrays and len(arrays[0]) and all(_is_constant(a) for a in arrays):
        total = 0.0
        for a in arrays:
            total += float(a[0])
        return _constant(total, len(arrays[0]))
    acc = new()
    if not arrays:
        acc.fill(0.0)
        return acc
    np.add(arrays[0], 0.0, out=acc)  # 0.0 + the first column, as a sum begun at 0.0 adds it
    for a in arrays[1:]:
        acc += a
    return acc


def _base(earned: np.ndarray, app: np.ndarray, full: float, places: int, new) -> np.ndarray:
    """A module's base score (百分制): earned ÷ applicable × full, rounded; NaN where nothing applies."""
    with np.errstate(divide="ignore", invalid="ignore"):
        base = np.divide(earned, app, out=new())
    base *= full
    nothing = ~(app > 0)  # whatever 0 ÷ 0 gave there
    if nothing.any():
        base[nothing] = np.nan
    return round_array(base, places, out=base)


def _every_unit_scored(s: IndicatorScores, n: int) -> bool:
    """Whether a leaf has points for every unit and none is -0.0, told by what the leaf decided
    (no pass over its points): no unit missing, no 0 ÷ 0, applicable to every unit, scored whole
    (no task share); its points are then clipped finite numbers, rounded (never -0.0)."""
    return s.leaf is not None and s.applies is None and s.share is None and s.missing is _nobody(n) and s.zero is _nobody(n)


def _rescaled(s: IndicatorScores, m: Module) -> bool:
    """Whether ``s``'s points are already its module's base score, bit for bit: the module's only
    indicator, a leaf worth the module's full points, scored whole (no task share). Its applicable
    points are then the full points where it has points and 0 where not, so the base
    ``points ÷ full × full`` rounded is the rounded points themselves (a value within a few units in
    the last place of a rounded one rounds back to it, below ROUNDED_AGAIN)."""
    return s.leaf is not None and s.share is None and s.indicator.full == m.full and abs(m.full) <= ROUNDED_AGAIN


def _score_leaf(
    leaf: Leaf,
    data: Dataset,
    cols,
    zero,
    cat: str,
    idx,
    places: int,
    problems,
    year: int = 0,
    applies: np.ndarray | None = None,
    share: np.ndarray | None = None,
    new=None,
) -> IndicatorScores:
    ind = leaf.indicator
    n = len(idx)
    if new is None:
        new = _columns(n)
    # the inputs as the method reads them: dropped when the leaf is scored, gathered again if explained
    inputs = {f: gather(cols[f], idx, applies, np.empty(n)) for f in leaf.reads}
    col = Column(inputs, ind.full, ind.bonus, cat)
    result = boundary.call(leaf, "score", leaf.method.score, col, leaf.params)
    absent = _any_nan(list(inputs.values()))  # units with an input left blank or without a value (None: none)
    raw, nan, inside = boundary.checked_points(leaf, result, n, absent, lambda k: f"{data.ids[idx[k]]} {data.names[idx[k]]}")
    missing: np.ndarray | None
    by_zero: np.ndarray | None = None
    if any(f in zero for f in inputs):  # a derived field: no value because a denominator was 0 is not missing data
        missing, by_zero = np.zeros(n, bool), np.zeros(n, bool)
        for f, v in inputs.items():
            if f in zero:
                z = zero[f][idx]
                missing |= np.isnan(v) & ~z
                by_zero |= z
            else:
                missing |= np.isnan(v)
        by_zero &= ~missing  # a unit that also left an input blank is missing data, whatever else
        if nan is not None:
            nan &= ~by_zero
    else:
        missing = absent
    if nan is not None:  # the method itself found no value
        missing = nan if missing is None else np.logical_or(missing, nan, out=missing)
    if applies is not None:  # not applicable is not missing
        if missing is not None:
            missing &= applies
        if by_zero is not None:
            by_zero &= applies
    gaps = missing is not None and bool(missing.any())
    if missing is None:
        missing = _nobody(n)  # no one missing: no memory kept for it
    divided = by_zero is not None and bool(by_zero.any())
    if not divided:
        by_zero = _nobody(n)
    # the points: one new column, every later step in place; where no step before the rounding has
    # anything to do (points within [0, full] or a 附加项's, every unit scored whole), the rounding
    # reads the method's points and writes the new column (a -0.0 the clip would make +0.0 rounds to +0.0)
    pts = new()
    if ind.max_deduction is not None and not ind.bonus:
        np.maximum(raw, ind.full - ind.max_deduction, out=pts)
        np.clip(pts, 0.0, ind.full, out=pts)
        src = pts
    elif not ind.bonus and not inside:
        src = np.clip(raw, 0.0, ind.full, out=pts)
    elif gaps or divided or applies is not None or share is not None:  # written into before the rounding
        np.copyto(pts, raw)
        src = pts
    else:
        src = raw
    if gaps:
        if ind.missing == "error":
            for pos in np.nonzero(missing)[0]:
                gone = [f for f, v in inputs.items() if np.isnan(v[pos])] or leaf.reads
                args = {"unit": data.ids[idx[pos]], "name": data.names[idx[pos]], "field": "、".join(gone), "indicator": f"{ind.id} {ind.name}"}
                if all(previous_of(f) is not None for f in gone):  # only last year's value is missing
                    args.update(field="、".join(str(previous_of(f)) for f in gone), year=year - 1)
                    problems.append(Problem("data.missing_previous", args))
                else:
                    problems.append(Problem("data.missing_value", args))
        pts[missing] = 0.0 if ind.missing == "zero" else np.nan
    if divided:  # the criteria say what a zero denominator means for this indicator
        pts[by_zero] = {"exclude": np.nan, "zero": 0.0, "full": 0.0 if ind.bonus else ind.full}[ind.zero_policy]
    full: float | np.ndarray = ind.full
    if applies is not None:
        pts[~applies] = np.nan
    if share is not None:  # a task's department scores its share of the points (and of the full points)
        pts *= share
        full = ind.full * share
    # not a 附加项: clipped to [0, full], or 0, full or NaN, times a share of at least 0 (or NaN)
    round_array(src, places, out=pts, negative=None if ind.bonus else False)
    # full points where the unit is scored, 0 where not (and always 0 for a 附加项)
    if ind.bonus:
        applicable = _constant(0.0, n)
    else:
        # a unit has no points only where a value is missing, a 0 ÷ 0 excludes it, it is not
        # applicable or its share is NaN: with none of these, every unit has points
        unscored = np.isnan(pts) if gaps or divided or applies is not None or share is not None else None
        if share is None and (unscored is None or not unscored.any()):  # every unit scored on the same full points
            applicable = _constant(ind.full, n)
        else:
            applicable = new()
            np.copyto(applicable, full)
            applicable[unscored] = 0.0
    kept = raw if ind.max_deduction is not None and not ind.bonus else None  # see IndicatorScores.raw
    return IndicatorScores(ind, pts, applicable, leaf, Gathered(list(inputs), cols, idx, applies), missing, result.context, kept, applies, share, zero=by_zero)


def rank_totals(total: np.ndarray, failed: np.ndarray, tie_cols: list[np.ndarray], places: int) -> np.ndarray:
    """Competition ranking (1, 2, 2, 4) within a category on rounded totals.

    Order: units not vetoed before vetoed ones, then total, then the declared tie-break
    fields (larger first). Units equal on all of these share a rank (并列).
    """
    n = len(total)
    if n == 0:
        return np.zeros(0, dtype=int)
    fixed = to_fixed(total, places)
    ties = [round_array(np.asarray(t, dtype=float), 6) for t in tie_cols]
    counted = _counted_ranks(failed, fixed, ties)
    if counted is not None:
        return counted
    new_group = np.zeros(n, bool)
    new_group[0] = True
    packed = None if ties else _packed_order(failed, fixed)
    if packed is not None:
        order, code = packed
        new_group[1:] = code[1:] != code[:-1]
    else:
        keys = [failed.astype(np.int64), -fixed]
        keys += [-np.nan_to_num(t, nan=-np.inf) for t in ties]
        # a key with one value for every unit orders nothing (the sort is stable): no one vetoed is the usual case
        order = np.lexsort(tuple(reversed(keys if failed.any() else keys[1:])))
        for k in keys:  # a unit starts a new rank where any key differs from the unit before it
            ordered = np.asarray(k, dtype=float)[order]
            new_group[1:] |= ordered[1:] != ordered[:-1]
    positions = np.arange(1, n + 1)
    group_start = np.maximum.accumulate(np.where(new_group, positions, 0))
    rank = np.empty(n, dtype=int)
    rank[order] = group_start
    return rank


def _packed_order(failed: np.ndarray, fixed: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """The order :func:`rank_totals` sorts the units in (vetoed last, larger totals first, then by
    position), where there is no tie-break field and every total is given: each unit's keys
    numbered as one integer (as :func:`_counted_ranks` numbers them) with its position in the low
    bits, so one plain sort of integers orders them, stably; and the keys' number in that order.
    None when the numbers would not fit in 63 bits (a range of totals too wide)."""
    n = len(fixed)
    hi, lo = int(fixed.max()), int(fixed.min())
    if lo == np.iinfo(np.int64).min + 1:  # a missing total
        return None
    span = (hi - lo + 1) * (2 if failed.any() else 1)
    shift = n.bit_length()
    if span << shift >= 2**63:
        return None
    code = hi - fixed
    if span > hi - lo + 1:
        code += failed * (hi - lo + 1)
    code <<= shift
    code |= np.arange(n)
    code.sort()  # numbers all different (the positions): an order with no ties to break
    order = code & ((1 << shift) - 1)
    code >>= shift
    return order, code


def _counted_ranks(failed: np.ndarray, fixed: np.ndarray, ties: list[np.ndarray]) -> np.ndarray | None:
    """:func:`rank_totals` without sorting, where every key is a whole number in a small range (a
    total to 2 decimals, a count as tie-break): each unit's keys numbered as one integer in the
    ranking's order (vetoed last, larger totals and tie-break values first, a missing tie-break
    value last), and a unit's rank is 1 + how many units have a smaller number. None otherwise."""
    n = len(fixed)
    limit = 4 * n + 1024  # the counting costs about as much as a few passes over the units
    code, span = None, 1
    if failed.any():
        code, span = failed.astype(np.int64), 2
    hi, lo = int(fixed.max()), int(fixed.min())
    if lo == np.iinfo(np.int64).min + 1 or (hi - lo + 1) * span > limit:  # a missing total, or too wide
        return None
    code = hi - fixed if code is None else code * (hi - lo + 1) + (hi - fixed)
    span *= hi - lo + 1
    for t in ties:
        nan = np.isnan(t)
        top, low = np.fmax.reduce(t), np.fmin.reduce(t)  # NaN passed over; NaN when every value is
        if np.isnan(top):
            continue  # no value: orders nothing
        if not (np.isfinite(top) and np.isfinite(low)) or (top - low + 2) * span > limit:
            return None
        below = top - t  # 0 for the largest value; NaN stays NaN
        whole = below == np.floor(below)  # False for NaN
        if not (whole | nan).all():
            return None
        width = int(top - low) + 2  # the last place for a missing value
        below[nan] = width - 1
        code = code * width + below.astype(np.int64)
        span *= width
    counts = np.bincount(code, minlength=span)
    before = np.cumsum(counts) - counts  # how many units come before each number
    return before[code] + 1


def grade_units(plan: Plan, cat: str, total, failed, no_exc, rank) -> tuple[list[str | None], list[str | None]]:
    """Grade per unit, and why a grade is not the one its score alone gives (None when it is).

    Reasons: "fail" (一票否决), "no_excellent" (否优), "quota:<grade>" (名额已满, dropped a band).
    """
    g = plan.criteria.grades_for(cat)
    n = len(total)
    if g is None:
        return [None] * n, [None] * n
    bands = sorted(g.bands, key=lambda b: -b.low)
    names = [b.name for b in bands]
    fail = names.index(g.fail) if g.fail else len(bands) - 1
    t = np.asarray(total, dtype=float)
    lows = np.array([b.low for b in bands]) - 1e-9
    # bands run from the highest floor down: a unit gets the first whose floor it reaches, that is
    # its level is how many floors are above its total (a NaN total is below none: 0, replaced below)
    above = len(lows) - np.searchsorted(lows[::-1], t, side="right")
    level = np.where(np.isnan(t), len(bands) - 1, np.minimum(above, len(bands) - 1)).astype(int)
    why: list[str | None] = [None] * n
    for pos in np.nonzero(no_exc & (level == 0))[0]:
        if len(bands) > 1:
            level[pos], why[pos] = 1, "no_excellent"
    for q in sorted(g.quotas, key=lambda q: names.index(q.grade)):
        k = names.index(q.grade)
        members = np.nonzero((level == k) & ~failed)[0]
        members = members[np.lexsort((members, rank[members]))].tolist()  # by rank, then position
        limit = q.max_count if q.max_count is not None else whole(cast(float, q.max_share) * n, q.rounding)  # one of the two, by the model
        if len(members) <= limit or k + 1 >= len(bands):
            continue
        keep = members[:limit]
        if limit > 0 and limit < len(members) and rank[members[limit]] == rank[members[limit - 1]]:
            tied = rank[members[limit - 1]]  # a tie straddles the boundary
            keep = [p for p in members if rank[p] < tied] + ([p for p in members if rank[p] == tied] if q.ties == "include" else [])
        kept = set(keep)
        for p in members:
            if p not in kept:
                level[p], why[p] = k + 1, f"quota:{q.grade}"
    for pos in np.nonzero(failed)[0]:
        level[pos], why[pos] = fail, "fail"
    return objects(names)[level].tolist(), why
