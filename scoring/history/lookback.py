"""Looking back over published results: outcomes per unit and year, a unit's history,
and the year-over-year table of a category.

Only published results count: for each year, the final run of the series or the
latest final correction of it (:meth:`Store.official`).  Draft runs are never read
here.  A year with no published result, and a unit that was not assessed that year,
are reported as such (:class:`NoRecord`), never as a clean record: a rule such as
"不合格 two years running" must be able to tell "not caught" from "no data".
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Iterable, Literal

from .lineage import ids_in_year
from .store import RunInfo, Store, UnitRow, open_store


@dataclass(frozen=True)
class Outcome:
    """A unit's published result for one year."""

    year: int
    unit_id: str  # the id asked about (today's id)
    category: str
    total: float | None
    rank: int
    of: int  # units in the category that year
    grade: str | None
    failed: bool  # 一票否决
    no_excellent: bool  # 否优
    run_id: int
    recorded_id: str  # the id the unit had that year (differs after 机构改革)
    name: str  # the unit's name that year
    last_rank: int = 0  # the rank of the last place in the category that year (ties share it)

    found = True

    @property
    def last(self) -> bool:
        """In last place of its category (a tie for last place counts for each unit in it)."""
        return self.rank == self.last_rank


Reason = Literal["no_final_run", "not_assessed", "merged"]


@dataclass(frozen=True)
class NoRecord:
    """No published result for this unit and year, and why.

    ``no_final_run``: the year has no final run in the store (not scored, or only drafts);
    ``not_assessed``: the year is published but the unit (under any of its ids) is not in it;
    ``merged``: several predecessors were assessed that year (``ids``); which one counts
    is for people to say.
    """

    year: int
    unit_id: str
    reason: Reason
    run_id: int | None = None
    ids: tuple[str, ...] = ()

    found = False


def _store(db: Store | str | os.PathLike | None) -> tuple[Store, bool]:
    if isinstance(db, Store):
        return db, False
    return open_store(db), True


def _official_rows(store: Store, series: str, years: Iterable[int]) -> dict[int, tuple[RunInfo, dict[str, UnitRow], dict[str, int]]]:
    """year → (published run, its unit rows by id, last rank per category)."""
    out = {}
    for y in sorted(set(years)):
        run = store.official(series, y)
        if run is not None:
            rows = store.unit_rows(run.id)
            last: dict[str, int] = {}
            for u in rows:
                last[u.category] = max(last.get(u.category, 0), u.rank)
            out[y] = (run, {u.unit_id: u for u in rows}, last)
    return out


def outcome_for(unit: str, year: int, official: dict[int, tuple[RunInfo, dict[str, UnitRow], dict[str, int]]], aliases) -> Outcome | NoRecord:
    if year not in official:
        return NoRecord(year, unit, "no_final_run")
    run, rows, last = official[year]
    found = [u for u in ids_in_year(unit, year, aliases) if u in rows]
    if not found:
        return NoRecord(year, unit, "not_assessed", run.id)
    if len(found) > 1:
        return NoRecord(year, unit, "merged", run.id, tuple(found))
    return _outcome(unit, year, run, rows[found[0]], last)


def _outcome(unit: str, year: int, run: RunInfo, r: UnitRow, last: dict[str, int]) -> Outcome:
    return Outcome(year, unit, r.category, r.total, r.rank, r.of, r.grade, r.failed, r.no_excellent, run.id, r.unit_id, r.name, last.get(r.category, r.of))


def outcomes(
    db: Store | str | os.PathLike | None, unit_ids: Iterable[str], years: Iterable[int], series: str | None = None
) -> dict[tuple[str, int], Outcome | NoRecord]:
    """Published outcome of each unit in each year: ``{(unit_id, year): Outcome | NoRecord}``.

    Every requested pair is in the answer.  ``unit_ids`` are today's ids; earlier years
    are found through the aliases kept in the store.  ``db``: an open :class:`Store` or a
    path (``None``: the default location).  ``series``: needed only when the store holds
    more than one assessment series.
    """
    store, close = _store(db)
    try:
        series = store.pick_series(series)
        years = sorted(set(years))
        official = _official_rows(store, series, years)
        aliases = store.aliases(series)
        return {(u, y): outcome_for(u, y, official, aliases) for u in unit_ids for y in years}
    finally:
        if close:
            store.close()


# ---------------------------------------------------------------------------- one unit over the years
@dataclass(frozen=True)
class HistoryLine:
    year: int
    record: Outcome | NoRecord
    change: float | None  # total minus last year's total (None if either is missing)
    rank_change: int | None  # positive: moved up (only within the same category)
    grade_before: str | None


def find_unit(store: Store, series: str, text: str) -> str:
    """A unit named by id or by name → its id (the latest one it had)."""
    from difflib import get_close_matches

    from ..errors import HistoryError, Problem

    rows = store.query(
        """SELECT DISTINCT u.unit_id, u.name, r.year FROM unit_results u JOIN runs r ON r.id = u.run_id
                       WHERE r.series = ? ORDER BY r.year DESC""",
        (series,),
    )
    ids = {r[0] for r in rows}
    if text in ids:
        return text
    by_name: dict[str, str] = {}
    for uid, name, _ in rows:  # newest year first: a name's latest id wins
        by_name.setdefault(name, uid)
    matches = sorted({uid for uid, name, _ in rows if name == text})
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        # the same name under several ids: fine if they are one unit linked by aliases
        latest = by_name[text]
        if all(m in ids_in_year(latest, 0, store.aliases(series)) for m in matches):
            return latest
        raise HistoryError(Problem("history.unit_ambiguous", {"unit": text, "known": "、".join(matches)}))
    known = get_close_matches(text, list(ids) + list(by_name), n=5, cutoff=0.3)
    raise HistoryError(Problem("history.no_unit", {"unit": text, "known": "、".join(known) or "—"}))


def unit_history(store: Store, series: str, unit: str) -> list[HistoryLine]:
    years = store.years(series)
    official = _official_rows(store, series, years)
    aliases = store.aliases(series)
    lines: list[HistoryLine] = []
    prev: Outcome | NoRecord | None = None
    for y in years:
        rec = outcome_for(unit, y, official, aliases)
        lines.append(_line(y, rec, prev))
        prev = rec
    return lines


def _line(year: int, rec, prev) -> HistoryLine:
    change = rank_change = grade_before = None
    if isinstance(rec, Outcome) and isinstance(prev, Outcome) and prev.year == year - 1:
        if rec.total is not None and prev.total is not None:
            change = round(rec.total - prev.total, 6)
        if rec.category == prev.category:
            rank_change = prev.rank - rec.rank
        grade_before = prev.grade
    return HistoryLine(year, rec, change, rank_change, grade_before)


# ---------------------------------------------------------------------------- a category, year over year
@dataclass(frozen=True)
class CompareLine:
    unit_id: str
    name: str
    now: Outcome | None  # None: assessed last year only
    before: Outcome | NoRecord
    change: float | None
    rank_change: int | None
    grade_changed: bool


@dataclass(frozen=True)
class Comparison:
    series: str
    year: int
    category: str | None
    run: RunInfo
    before_run: RunInfo | None
    lines: list[CompareLine]


def compare_years(store: Store, series: str, year: int, category: str | None = None) -> Comparison:
    from ..errors import HistoryError, Problem

    official = _official_rows(store, series, [year, year - 1])
    if year not in official:
        raise HistoryError(Problem("history.no_year", {"series": series, "year": year}))
    aliases = store.aliases(series)
    run, rows, last = official[year]
    before_run = official[year - 1][0] if year - 1 in official else None
    lines: list[CompareLine] = []
    seen_before: set[str] = set()
    # categories in the criteria's order, as `run` and the report print them; a category only
    # last year had comes after
    order = {c: i for i, c in enumerate(store.categories(run))}

    def in_order(r: UnitRow):
        return (order.get(r.category, len(order)), r.category, r.rank, r.unit_id)

    for r in sorted(rows.values(), key=in_order):
        now = _outcome(r.unit_id, year, run, r, last)  # the row itself: this year's result under this id
        before = outcome_for(r.unit_id, year - 1, official, aliases)
        if isinstance(before, Outcome):
            seen_before.add(before.recorded_id)
        elif isinstance(before, NoRecord) and before.reason == "merged":
            seen_before.update(before.ids)
        if category is not None and r.category != category:
            continue
        ln = _line(year, now, before)
        lines.append(CompareLine(r.unit_id, r.name, now, before, ln.change, ln.rank_change, isinstance(before, Outcome) and before.grade != now.grade))
    if year - 1 in official:  # units of last year that are gone (merged away or no longer assessed)
        prev_run, prev_rows, prev_last = official[year - 1]
        for r in sorted(prev_rows.values(), key=in_order):
            if r.unit_id in seen_before or (category is not None and r.category != category):
                continue
            before = _outcome(r.unit_id, year - 1, prev_run, r, prev_last)
            lines.append(CompareLine(r.unit_id, r.name, None, before, None, None, False))
    return Comparison(series, year, category, run, before_run, lines)


# ---------------------------------------------------------------------------- for decisions (look-back rules)
def look_back_years(criteria) -> list[int]:
    """The earlier years the criteria's look-back rules need ("two years running" → last year)."""
    spans = [r.look_back.years for r in criteria.decisions.rules if r.look_back is not None]
    if not spans:
        return []
    year = criteria.assessment.year
    return list(range(year - max(spans) + 1, year))


def decision_history(store: Store, criteria, current_ids: Iterable[str], years: Iterable[int]):
    """Earlier years' published outcomes as :func:`scoring.core.decisions.decide` takes them.

    ``{year: [core Outcome, ...]}`` with every unit of that year (rules such as "bottom
    10 %" need the whole category).  A unit whose id changed since is listed under
    today's id when it was exactly one unit that year; a merged unit's predecessors keep
    their own ids, so for the merged unit that year counts as missing (undetermined),
    never as "not caught".  A year without a published result is simply absent.
    """
    from .lineage import merge_aliases

    series = criteria.series
    aliases = merge_aliases(criteria.history.aliases, store.aliases(series))
    current = list(current_ids)
    out: dict[int, list] = {}
    for y, (_run, rows, _) in _official_rows(store, series, years).items():
        today: dict[str, str] = {}
        for u in current:
            found = [r for r in ids_in_year(u, y, aliases) if r in rows]
            if len(found) == 1:
                today[found[0]] = u
            elif len(found) > 1:  # merged: no predecessor stands for the unit (not even one with its id)
                for r in found:
                    today.setdefault(r, f"{r}（{y}）")
        out[y] = [decision_outcome(y, r, today.get(r.unit_id, r.unit_id)) for r in rows.values()]
    # a year with runs but none final: "only a draft" tells the office what to do (finalize it)
    drafts = {y for y in years if y not in out and store.runs(series, y)}
    return DecisionHistory(out, drafts)


class DecisionHistory(dict):
    """``{year: [Outcome, ...]}`` plus ``drafts``: earlier years the store holds only drafts of."""

    def __init__(self, years: dict, drafts: Iterable[int] = ()):
        super().__init__(years)
        self.drafts = frozenset(drafts)


def decision_outcome(year: int, r: UnitRow, unit_id: str | None = None):
    """A stored unit row as :class:`scoring.core.decisions.Outcome`."""
    from ..core.decisions import Outcome as DecisionOutcome

    vetoes = tuple(v["id"] for v in r.sheet_dict().get("vetoes", []))
    return DecisionOutcome(
        year, unit_id or r.unit_id, r.category, float("nan") if r.total is None else r.total, r.rank, r.of, r.grade, r.failed, r.no_excellent, vetoes, r.name
    )
