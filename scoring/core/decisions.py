"""Proposed decisions (约谈, 通报, 组织调整 …) from results and history. Pure: no I/O.

The engine proposes, people decide: every proposal carries the rule, the figures that
triggered it and its margin — how many points the unit is from escaping, and how far
the nearest unit outside is from falling in.  Rules that look back over years use
:class:`Outcome` records of earlier years (from the history store); where a year is
missing the proposal says so ("undetermined") instead of guessing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields

import numpy as np

from .criteria import Condition, Criteria, Rule
from .cycles import pausing
from .engine import Results
from .lists import picker
from .rounding import each_distinct, whole

EPS = 1e-9


@dataclass(frozen=True)
class Outcome:
    """One unit's published result in one year."""

    year: int
    unit_id: str
    category: str
    total: float
    rank: int
    of: int
    grade: str | None
    failed: bool = False
    no_excellent: bool = False
    vetoes: tuple[str, ...] = ()
    name: str = ""


_OUTCOME_FIELDS = tuple(f.name for f in fields(Outcome))


def _outcome(values: tuple) -> Outcome:
    """``Outcome(*values)`` without the frozen dataclass's ``__init__``, which sets each field through
    ``object.__setattr__`` (6 µs a record; a nation's rules name tens of thousands of units)."""
    o = object.__new__(Outcome)
    o.__dict__.update(zip(_OUTCOME_FIELDS, values))
    return o


class Outcomes(Sequence[Outcome]):
    """This year's outcomes of every unit, kept as columns: an :class:`Outcome` is made only for a
    unit a rule looks at (170 000 records took longer than the rules themselves).  Reads as a
    sequence of Outcome, category after category, in each the units' order."""

    def __init__(
        self,
        year: int,
        ids: list[str],
        names: list[str],
        cats: list[str],
        total: np.ndarray,
        rank: np.ndarray,
        of: np.ndarray,
        grade: list,
        failed: np.ndarray,
        no_excellent: np.ndarray,
        vetoes: dict[int, tuple[str, ...]],
    ):
        self.year, self.ids, self.names, self.cats = year, ids, names, cats
        self.total, self.rank, self.of, self.grade = total, rank, of, grade
        self.failed, self.no_excellent, self.vetoes = failed, no_excellent, vetoes  # vetoes: position -> ids hit
        self._made: dict[int, Outcome] = {}
        self._lists: list[list] | None = None
        self._grade_codes: tuple[np.ndarray, dict] | None = None

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, k):  # type: ignore[override]
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(len(self)))]
        if k < 0:
            k += len(self)
        o = self._made.get(k)
        if o is None:
            if not 0 <= k < len(self):
                raise IndexError(k)
            o = self.records([k])[0]
        return o

    def records(self, ks: list[int]) -> list[Outcome]:
        """The records at positions ``ks``, each 0 … len − 1 (a negative position is refused, not read
        from the end); those not made yet are made together: a nation's rules name tens of thousands of units."""
        made = self._made
        new = [k for k in dict.fromkeys(ks) if k not in made]
        if new:
            if not 0 <= min(new) <= max(new) < len(self.ids):
                raise IndexError(next(k for k in new if not 0 <= k < len(self.ids)))
            if self._lists is None:  # Python numbers, as the records hold them (once, not per record)
                self._lists = [a.tolist() for a in (self.total, self.rank, self.of, self.failed, self.no_excellent)]
            total, rank, of, failed, no_exc = self._lists
            year, ids, cats, grade, names, vetoes = self.year, self.ids, self.cats, self.grade, self.names, self.vetoes
            for k in new:
                made[k] = _outcome((year, ids[k], cats[k], total[k], rank[k], of[k], grade[k], failed[k], no_exc[k], vetoes.get(k, ()), names[k]))
        return [made[k] for k in ks]

    @staticmethod
    def _codes(texts: list) -> tuple[np.ndarray, dict]:
        """Each text as a number (its place among the distinct texts, in order of coming), and the numbers."""
        codes = {x: c for c, x in enumerate(dict.fromkeys(texts))}
        return np.fromiter(map(codes.__getitem__, texts), np.int64, len(texts)), codes

    def groups(self) -> dict[str, "_Group"]:
        """Every category's group, in the order the categories first come."""
        code, codes = self._codes(self.cats)
        return {cat: _Group(self, np.flatnonzero(code == c)) for cat, c in codes.items()}

    def group(self, category: str) -> "_Group":
        return self.groups().get(category) or _Group(self, np.zeros(0, np.int64))

    def grade_in(self, grades: list[str]) -> np.ndarray:
        """Whether each unit's grade is one of ``grades``."""
        if self._grade_codes is None:
            self._grade_codes = self._codes(self.grade)
        code, codes = self._grade_codes
        return np.isin(code, [c for g, c in codes.items() if g in grades])

    def vetoed(self, veto: str) -> np.ndarray:
        """Whether each unit was hit by the veto ``veto``."""
        out = np.zeros(len(self), bool)
        out[[k for k, ids in self.vetoes.items() if veto in ids]] = True
        return out


class _Group:
    """One category's outcomes as columns (positions into an :class:`Outcomes`)."""

    def __init__(self, of: Outcomes, at: np.ndarray):
        self.all, self.at = of, at
        self.total, self.rank = of.total[at], of.rank[at]
        self.failed = of.failed[at]

    def __len__(self) -> int:
        return len(self.at)

    def __iter__(self):
        return (self.all[int(k)] for k in self.at)

    def unit(self, p: int) -> Outcome:
        return self.all[int(self.at[p])]

    def grade_in(self, grades: list[str]) -> np.ndarray:
        return self.all.grade_in(grades)[self.at]


def outcomes_of(res: Results) -> Outcomes:
    year = res.criteria.assessment.year
    at: list[np.ndarray] = []
    cats: list[str] = []
    total, rank, of, failed, no_exc = [], [], [], [], []
    grade: list = []
    vetoes: dict[int, tuple[str, ...]] = {}
    start = 0
    for cs in res.categories.values():
        n = len(cs.index)
        at.append(np.asarray(cs.index, dtype=np.int64))
        cats += [cs.category] * n
        total.append(np.asarray(cs.total, dtype=float))
        rank.append(np.asarray(cs.rank, dtype=np.int64))
        of.append(np.full(n, n, dtype=np.int64))
        grade += list(cs.grade)
        failed.append(np.asarray(cs.failed, dtype=bool))
        no_exc.append(np.asarray(cs.no_excellent, dtype=bool))
        if cs.vetoes:
            for p in np.nonzero(np.any([v.hit for v in cs.vetoes], axis=0))[0].tolist():
                vetoes[start + p] = tuple(v.veto.id for v in cs.vetoes if v.hit[p])
        start += n
    idx = _join(at, np.int64).tolist()
    ids, names = res.data.ids, res.data.names
    by_unit = picker(idx)
    return Outcomes(
        year,
        by_unit(ids),
        by_unit(names),
        cats,
        _join(total, float),
        _join(rank, np.int64),
        _join(of, np.int64),
        grade,
        _join(failed, bool),
        _join(no_exc, bool),
        vetoes,
    )


def _join(parts: list[np.ndarray], dtype) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0, dtype)


@dataclass
class Hit:
    unit: Outcome
    margin: float | None  # points short of escaping this year's condition (None: not a matter of points)
    figure: str  # what triggered it, e.g. "总分 78.50 < 85"; language-neutral figures


@dataclass(slots=True)  # no dict of its own: a nation's rules make tens of thousands
class Catch:
    rule: Rule
    unit: Outcome
    margin: float | None
    figure: str
    close: bool
    status: str = "caught"  # "caught" or "undetermined" (history missing)
    years_caught: list[int] = field(default_factory=list)
    years_missing: list[int] = field(default_factory=list)
    years_draft: list[int] = field(default_factory=list)  # of the missing years, those with only a draft result


@dataclass
class RuleResult:
    rule: Rule
    category: str
    line: str  # the line in figures, e.g. "总分 < 85" or "后 2 名（共 17 个，10%，向上取整）"
    catches: list[Catch]
    nearest_outside: Outcome | None = None
    outside_margin: float | None = None  # points the nearest unit outside is from falling in
    veto_names: dict[str, str] = field(default_factory=dict)  # veto id -> its name, for sentences
    # bottom-N and bottom-% rules: how many units the line takes (N, or X % of the category rounded); else None
    bottom_count: int | None = None


def bottom_count(cond: Condition, n: int) -> int | None:
    """How many units of a category of n a bottom-N or bottom-% condition takes (at most n); None for other conditions."""
    if cond.bottom is not None:
        return min(cond.bottom, n)
    if cond.bottom_percent is not None:
        return min(whole(cond.bottom_percent * n / 100, cond.rounding), n)
    return None


def band_floor(criteria: Criteria, category: str, grades: list[str]) -> float | None:
    """The lowest total that escapes the given grades by score alone (the min of the band above them)."""
    g = criteria.grades_for(category)
    if g is None:
        return None
    above = [b for b in g.bands if b.name not in grades]
    caught = [b for b in g.bands if b.name in grades]
    if not caught or not above:
        return None
    top_caught = max(b.low for b in caught)
    higher = [b.low for b in above if b.low > top_caught]
    return min(higher) if higher else None


def evaluate(
    cond: Condition, group: "list[Outcome] | _Group", criteria: Criteria, category: str, places: int
) -> tuple[list[Hit], str, Outcome | None, float | None]:
    """Who in one category (one year) meets a condition; the line; the nearest unit outside and its distance."""
    if isinstance(group, _Group) and not np.isnan(group.total).any():
        return _evaluate_columns(cond, group, criteria, category, places)
    group = list(group)
    if cond.total_below is not None:
        line = cond.total_below
        hits = [Hit(u, round(line - u.total, places), f"{u.total:.{places}f} < {line:g}") for u in group if u.total < line - EPS]
        outside = [u for u in group if u.total >= line - EPS]
        near = min(outside, key=lambda u: u.total, default=None)
        return hits, f"< {line:g}", near, None if near is None else round(near.total - line, places)
    if cond.grade is not None:
        floor = band_floor(criteria, category, cond.grade)
        hits = []
        for u in group:
            if u.grade in cond.grade:
                by_score = floor is not None and u.total < floor - EPS and not u.failed
                hits.append(Hit(u, round(floor - u.total, places) if by_score and floor is not None else None, f"{u.grade}"))
        outside = [u for u in group if u.grade not in cond.grade and not u.failed]
        near = min(outside, key=lambda u: u.total, default=None)
        dist = None if near is None or floor is None else round(near.total - floor, places)
        return hits, "/".join(cond.grade), near, dist
    if cond.bottom is not None or cond.bottom_percent is not None:
        n = len(group)
        k = bottom_count(cond, n) or 0  # not None: this is a bottom-N or bottom-% condition
        if k <= 0:
            return [], "0", None, None
        # caught: fewer than k units ranked below. With the ranks sorted, that is every unit
        # ranked at or below the k-th rank from the bottom (ties at that rank go in together)
        line_rank = sorted(v.rank for v in group)[n - k]
        caught = [u for u in group if u.rank >= line_rank]
        outside = [u for u in group if u.rank < line_rank]
        weakest_out = max(outside, key=lambda u: (u.rank, -u.total), default=None)
        hits = []
        for u in caught:
            margin = None if u.failed else (round(weakest_out.total - u.total, places) if weakest_out else None)
            hits.append(Hit(u, margin, f"{u.rank}/{n}"))
        best_in = min((u for u in caught if not u.failed), key=lambda u: (u.rank, -u.total), default=None)
        dist = None if weakest_out is None or best_in is None else round(weakest_out.total - best_in.total, places)
        label = f"{k}/{n}" if cond.bottom is not None else f"{cond.bottom_percent:g}% → {k}/{n}"
        return hits, label, weakest_out, dist
    # veto
    v = cond.veto
    hits = []
    for u in group:
        if (v == "fail" and u.failed) or (v == "no_excellent" and u.no_excellent) or (v in u.vetoes):
            hits.append(Hit(u, None, v))
    return hits, v or "", None, None


def _first(g: _Group, among: np.ndarray, *keys: np.ndarray) -> Outcome | None:
    """The first unit (in the group's order) of ``among`` with the smallest keys, compared in turn
    (what ``min`` with a key tuple gives); None when ``among`` is empty."""
    pos = np.nonzero(among)[0]
    for key in keys:
        if len(pos) == 0:
            return None
        k = key[pos]
        pos = pos[k == k.min()]
    return g.unit(int(pos[0])) if len(pos) else None


def _evaluate_columns(cond: Condition, g: _Group, criteria: Criteria, category: str, places: int) -> tuple[list[Hit], str, Outcome | None, float | None]:
    """``evaluate`` on a category's columns: the same hits, in the same order, the same line, nearest
    unit and distance; an Outcome is made only for the units named."""
    c = _column_hits(cond, g, criteria, category, places)
    return [Hit(g.unit(p), m, f) for p, m, f in zip(c.at, c.margins, c.figures)], c.line, c.near, c.dist


@dataclass
class _ColumnHits:
    """Who in a category meets a condition, as columns: positions in the group (in its order), each
    one's margin and figure (as :class:`Hit` holds them); the line, nearest unit outside, distance."""

    at: list[int]
    margins: list[float | None]
    figures: list[str]
    line: str
    near: Outcome | None
    dist: float | None


def _rounded(a: np.ndarray, places: int) -> list[float | None]:
    """``round(x, places)`` of every value (Python's rounding, as the records' margins are made)."""

    def margin(x: float) -> float | None:
        return round(x, places)

    return each_distinct(a, margin)


def _column_hits(cond: Condition, g: _Group, criteria: Criteria, category: str, places: int) -> _ColumnHits:
    """:func:`evaluate`'s answer on a category's columns, the margins and figures made a column at a time."""
    total, rank, failed = g.total, g.rank, g.failed
    if cond.total_below is not None:
        line = cond.total_below
        inside = total < line - EPS
        at = np.flatnonzero(inside)
        figure = f" < {line:g}"
        figures = each_distinct(total[at], lambda x: f"{x:.{places}f}{figure}")
        near = _first(g, ~inside, total)
        return _ColumnHits(
            at.tolist(), _rounded(line - total[at], places), figures, f"< {line:g}", near, None if near is None else round(near.total - line, places)
        )
    if cond.grade is not None:
        floor = band_floor(criteria, category, cond.grade)
        inside = g.grade_in(cond.grade)
        at = np.flatnonzero(inside)
        margins: list[float | None] = [None] * len(at)
        if floor is not None:
            by_score = (total[at] < floor - EPS) & ~failed[at]
            for k, m in zip(np.flatnonzero(by_score).tolist(), _rounded(floor - total[at][by_score], places)):
                margins[k] = m
        grade = g.all.grade
        figures = [f"{grade[k]}" for k in g.at[at].tolist()]
        near = _first(g, ~inside & ~failed, total)
        dist = None if near is None or floor is None else round(near.total - floor, places)
        return _ColumnHits(at.tolist(), margins, figures, "/".join(cond.grade), near, dist)
    if cond.bottom is not None or cond.bottom_percent is not None:
        n = len(g)
        k = bottom_count(cond, n) or 0
        if k <= 0:
            return _ColumnHits([], [], [], "0", None, None)
        line_rank = np.sort(rank)[n - k]  # as evaluate: every unit ranked at or below the k-th rank from the bottom
        inside = rank >= line_rank
        at = np.flatnonzero(inside)
        weakest_out = _first(g, ~inside, -rank, total)  # max by (rank, -total)
        margins = [None] * len(at)
        if weakest_out is not None:
            scored = ~failed[at]
            for j, m in zip(np.flatnonzero(scored).tolist(), _rounded(weakest_out.total - total[at][scored], places)):
                margins[j] = m
        figures = each_distinct(rank[at], lambda r: f"{r}/{n}")
        best_in = _first(g, inside & ~failed, rank, -total)  # min by (rank, -total)
        dist = None if weakest_out is None or best_in is None else round(weakest_out.total - best_in.total, places)
        label = f"{k}/{n}" if cond.bottom is not None else f"{cond.bottom_percent:g}% → {k}/{n}"
        return _ColumnHits(at.tolist(), margins, figures, label, weakest_out, dist)
    v = cond.veto
    inside = g.all.vetoed(v)[g.at] if v is not None else np.zeros(len(g), bool)
    if v == "fail":
        inside |= failed
    elif v == "no_excellent":
        inside |= g.all.no_excellent[g.at]
    at = np.flatnonzero(inside).tolist()
    return _ColumnHits(at, [None] * len(at), [v or ""] * len(at), v or "", None, None)


class PastRecord:
    """Which earlier years each look-back rule caught a unit in, from the history's outcomes."""

    def __init__(self, criteria: Criteria, history: dict[int, list[Outcome]] | None):
        self.criteria = criteria
        self.places = criteria.assessment.precision
        self.groups: dict[tuple[int, str], list[Outcome]] = {}
        self.unit: dict[tuple[int, str], Outcome] = {}
        for y, outs in (history or {}).items():
            for u in outs:
                self.groups.setdefault((y, u.category), []).append(u)
                self.unit[(y, u.unit_id)] = u
        self._held = {y for y, _ in self.unit}  # the years some unit has an outcome in
        self._memo: dict[tuple[str, int, str], set[str]] = {}

    def _caught_in(self, rule: Rule, y: int, cat: str) -> set[str]:
        key = (rule.id, y, cat)
        if key not in self._memo:
            hits, *_ = evaluate(rule.when, self.groups.get((y, cat), []), self.criteria, cat, self.places)
            self._memo[key] = {h.unit.unit_id for h in hits}
        return self._memo[key]

    def years(self, rule: Rule, unit_id: str) -> tuple[list[int], list[int]]:
        """(earlier years the rule caught the unit, earlier years with no result for it) in its window."""
        caught: list[int] = []
        missing: list[int] = []
        if rule.look_back is None:  # asked of look-back rules only
            return caught, missing
        for y in self.window(rule):
            past = self.unit.get((y, unit_id))
            if past is None:
                missing.append(y)
            elif unit_id in self._caught_in(rule, y, past.category):
                caught.append(y)
        return caught, missing

    def window(self, rule: Rule) -> list[int]:
        """The earlier years a look-back rule looks at, the latest first."""
        assert rule.look_back is not None
        year = self.criteria.assessment.year
        return list(range(year - 1, year - rule.look_back.years, -1))

    def holds_any(self, rule: Rule) -> bool:
        """Whether any unit has an outcome in the rule's window (else every unit misses every year)."""
        return any(y in self._held for y in self.window(rule))


@pausing  # tens of thousands of catches, each with its lists of years (see core.cycles)
def decide(criteria: Criteria, current: Sequence[Outcome], history: dict[int, list[Outcome]] | None = None) -> list[RuleResult]:
    """Apply every decision rule of the criteria to this year's outcomes (and history for look-backs)."""
    places = criteria.assessment.precision
    close = criteria.decisions.close_margin
    year = criteria.assessment.year
    by_cat: dict[str, list[Outcome] | _Group] = {}
    if isinstance(current, Outcomes):
        by_cat = dict(current.groups())
    else:
        for u in current:
            by_cat.setdefault(u.category, []).append(u)  # type: ignore[union-attr]
    past = PastRecord(criteria, history)
    veto_names = {v.id: v.name for v in criteria.vetoes}
    drafts = getattr(history, "drafts", ())

    results = []
    for rule in criteria.decisions.rules:
        for cat in criteria.categories:
            if rule.applies_to is not None and cat not in rule.applies_to:
                continue
            group = by_cat.get(cat, [])
            if isinstance(group, _Group) and not np.isnan(group.total).any():
                c = _column_hits(rule.when, group, criteria, cat, places)
                order = _by_rank_and_id(group, c.at)  # the catches' order, found before any is made
                units = group.all.records(group.at[np.asarray(c.at, np.int64)[order]].tolist())
                hits: Iterable[tuple[Outcome, float | None, str]] = zip(units, [c.margins[k] for k in order], [c.figures[k] for k in order])
                line, near, dist = c.line, c.near, c.dist
            else:
                found, line, near, dist = evaluate(rule.when, group, criteria, cat, places)
                found.sort(key=lambda h: (h.unit.rank, h.unit.unit_id))
                hits = ((h.unit, h.margin, h.figure) for h in found)
            if rule.look_back is not None and not past.holds_any(rule):
                catches = _unseen_past(rule, hits, past.window(rule), drafts, close, year)
            else:
                catches = []
                for unit, margin, figure in hits:
                    k = Catch(rule, unit, margin, figure, margin is not None and margin <= close + EPS, years_caught=[year])
                    if rule.look_back is not None:
                        earlier, k.years_missing = past.years(rule, unit.unit_id)
                        k.years_draft = [y for y in k.years_missing if y in drafts]
                        k.years_caught += earlier
                        status = _status(rule, len(k.years_caught), len(k.years_missing))
                        if status is None:
                            continue
                        k.status = status
                    catches.append(k)
            results.append(
                RuleResult(
                    rule,
                    cat,
                    line,
                    catches,
                    near if rule.look_back is None else None,
                    dist if rule.look_back is None else None,
                    veto_names,
                    bottom_count(rule.when, len(group)),
                )
            )
    return results


def _by_rank_and_id(g: _Group, at: list[int]) -> list[int]:
    """The order of the units at ``at`` by rank, then id (as the catches are sorted): by id first,
    then by rank keeping that order among equal ranks."""
    ids = g.all.ids
    by_id = sorted(range(len(at)), key=[ids[k] for k in g.at[at].tolist()].__getitem__)
    return [by_id[k] for k in np.argsort(g.rank[at][by_id], kind="stable").tolist()]


def _status(rule: Rule, caught: int, missing: int) -> str | None:
    """A look-back rule's call on a unit caught this year: "caught" (enough years caught), "undetermined"
    (enough only if missing years were caught too) or None (not enough either way)."""
    assert rule.look_back is not None
    need = rule.look_back.times
    if caught >= need:
        return "caught"
    if caught + missing >= need:
        return "undetermined"
    return None


def _unseen_past(rule: Rule, hits, window: list[int], drafts, close: float, year: int) -> list[Catch]:
    """A look-back rule's catches when no unit has an outcome in its window: every unit caught this
    year misses every earlier year, so the call is the same for all (decided once)."""
    status = _status(rule, 1, len(window))
    if status is None:
        return []
    draft = [y for y in window if y in drafts]
    return [
        Catch(rule, unit, margin, figure, margin is not None and margin <= close + EPS, status, [year], list(window), list(draft))
        for unit, margin, figure in hits
    ]
