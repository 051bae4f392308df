"""Proposed decisions (约谈, 通报, 组织调整 …) from results and history. Pure: no I/O.

The engine proposes, people decide: every proposal carries the rule, the figures that
triggered it and its margin — how many points the unit is from escaping, and how far
the nearest unit outside is from falling in.  Rules that look back over years use
:class:`Outcome` records of earlier years (from the history store); where a year is
missing the proposal says so ("undetermined") instead of guessing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .criteria import Condition, Criteria, Rule
from .engine import Results
from .rounding import whole

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
            if self._lists is None:  # Python numbers, as the records hold them (once, not per record)
                self._lists = [a.tolist() for a in (self.total, self.rank, self.of, self.failed, self.no_excellent)]
            total, rank, of, failed, no_exc = self._lists
            o = self._made[k] = Outcome(
                self.year, self.ids[k], self.cats[k], total[k], rank[k], of[k], self.grade[k], failed[k], no_exc[k], self.vetoes.get(k, ()), self.names[k]
            )
        return o

    def group(self, category: str) -> "_Group":
        return _Group(self, np.asarray([k for k, c in enumerate(self.cats) if c == category], dtype=np.int64))


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
        g = self.all.grade
        return np.fromiter((g[k] in grades for k in self.at.tolist()), bool, len(self.at))


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
    return Outcomes(
        year,
        [ids[i] for i in idx],
        [names[i] for i in idx],
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


@dataclass
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
    total, rank, failed = g.total, g.rank, g.failed
    if cond.total_below is not None:
        line = cond.total_below
        inside = total < line - EPS
        hits = [Hit(u, round(line - u.total, places), f"{u.total:.{places}f} < {line:g}") for u in map(g.unit, np.nonzero(inside)[0].tolist())]
        near = _first(g, ~inside, total)
        return hits, f"< {line:g}", near, None if near is None else round(near.total - line, places)
    if cond.grade is not None:
        floor = band_floor(criteria, category, cond.grade)
        inside = g.grade_in(cond.grade)
        hits = []
        for u in map(g.unit, np.nonzero(inside)[0].tolist()):
            by_score = floor is not None and u.total < floor - EPS and not u.failed
            hits.append(Hit(u, round(floor - u.total, places) if by_score and floor is not None else None, f"{u.grade}"))
        near = _first(g, ~inside & ~failed, total)
        dist = None if near is None or floor is None else round(near.total - floor, places)
        return hits, "/".join(cond.grade), near, dist
    if cond.bottom is not None or cond.bottom_percent is not None:
        n = len(g)
        k = bottom_count(cond, n) or 0
        if k <= 0:
            return [], "0", None, None
        line_rank = np.sort(rank)[n - k]  # as evaluate: every unit ranked at or below the k-th rank from the bottom
        inside = rank >= line_rank
        weakest_out = _first(g, ~inside, -rank, total)  # max by (rank, -total)
        hits = []
        for u in map(g.unit, np.nonzero(inside)[0].tolist()):
            margin = None if u.failed else (round(weakest_out.total - u.total, places) if weakest_out else None)
            hits.append(Hit(u, margin, f"{u.rank}/{n}"))
        best_in = _first(g, inside & ~failed, rank, -total)  # min by (rank, -total)
        dist = None if weakest_out is None or best_in is None else round(weakest_out.total - best_in.total, places)
        label = f"{k}/{n}" if cond.bottom is not None else f"{cond.bottom_percent:g}% → {k}/{n}"
        return hits, label, weakest_out, dist
    v = cond.veto
    vetoes = g.all.vetoes
    inside = np.fromiter((v in vetoes.get(k, ()) for k in g.at.tolist()), bool, len(g))
    if v == "fail":
        inside |= failed
    elif v == "no_excellent":
        inside |= g.all.no_excellent[g.at]
    return [Hit(u, None, v or "") for u in map(g.unit, np.nonzero(inside)[0].tolist())], v or "", None, None


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
        year = self.criteria.assessment.year
        for y in range(year - 1, year - rule.look_back.years, -1):
            past = self.unit.get((y, unit_id))
            if past is None:
                missing.append(y)
            elif unit_id in self._caught_in(rule, y, past.category):
                caught.append(y)
        return caught, missing


def decide(criteria: Criteria, current: Sequence[Outcome], history: dict[int, list[Outcome]] | None = None) -> list[RuleResult]:
    """Apply every decision rule of the criteria to this year's outcomes (and history for look-backs)."""
    places = criteria.assessment.precision
    close = criteria.decisions.close_margin
    year = criteria.assessment.year
    by_cat: dict[str, list[Outcome] | _Group] = {}
    if isinstance(current, Outcomes):
        by_cat = {cat: current.group(cat) for cat in dict.fromkeys(current.cats)}
    else:
        for u in current:
            by_cat.setdefault(u.category, []).append(u)  # type: ignore[union-attr]
    past = PastRecord(criteria, history)
    veto_names = {v.id: v.name for v in criteria.vetoes}

    results = []
    for rule in criteria.decisions.rules:
        for cat in criteria.categories:
            if rule.applies_to is not None and cat not in rule.applies_to:
                continue
            group = by_cat.get(cat, [])
            hits, line, near, dist = evaluate(rule.when, group, criteria, cat, places)
            catches = []
            for h in hits:
                c = Catch(rule, h.unit, h.margin, h.figure, h.margin is not None and h.margin <= close + EPS, years_caught=[year])
                if rule.look_back is not None:
                    earlier, c.years_missing = past.years(rule, h.unit.unit_id)
                    c.years_draft = [y for y in c.years_missing if y in getattr(history, "drafts", ())]
                    c.years_caught += earlier
                    need = rule.look_back.times
                    if len(c.years_caught) >= need:
                        c.status = "caught"
                    elif len(c.years_caught) + len(c.years_missing) >= need:
                        c.status = "undetermined"
                    else:
                        continue
                catches.append(c)
            catches.sort(key=lambda c: (c.unit.rank, c.unit.unit_id))
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
