"""How stable each 约谈 call is: the share of weight draws in which a rule catches a unit. Pure.

An observer of :func:`scoring.core.sensitivity.sensitivity`: for every draw and category it
applies each decision rule's condition to that draw's totals and ranks, column-wise, and
counts.  Look-back rules combine the draw with the unit's earlier years (from the history,
as :func:`scoring.core.decisions.decide` does); where earlier years are missing the draw
counts as "undetermined", never as caught.  With zero spread the shares are exactly 1 for
the published proposal and 0 elsewhere.
"""

from __future__ import annotations

import numpy as np

from .criteria import Condition, Rule
from .decisions import EPS, PastRecord, bottom_count
from .engine import CategoryScores, Results, grade_units


def condition_mask(cond: Condition, res: Results, cs: CategoryScores, totals: np.ndarray, ranks: np.ndarray) -> np.ndarray:
    """Units of one category (one draw) that meet a rule's condition this year."""
    n = len(totals)
    if cond.total_below is not None:
        return totals < cond.total_below - EPS
    if cond.grade is not None:
        grades, _ = grade_units(res.plan, cs.category, totals, cs.failed, cs.no_excellent, ranks)
        return np.isin(np.asarray(grades, dtype=object), cond.grade)
    if cond.bottom is not None or cond.bottom_percent is not None:
        k = bottom_count(cond, n) or 0  # not None: a bottom-N or bottom-% condition
        at_or_above = np.searchsorted(np.sort(ranks), ranks, side="right")
        return (n - at_or_above) < k  # fewer than k units rank strictly below
    if cond.veto == "fail":
        return np.asarray(cs.failed, bool)
    if cond.veto == "no_excellent":
        return np.asarray(cs.no_excellent, bool)
    hit = np.zeros(n, bool)
    for v in cs.vetoes:
        if v.veto.id == cond.veto:
            hit |= v.hit
    return hit


class RuleShares:
    """Counts, per rule and category, how many draws catch each unit (and leave it undetermined)."""

    def __init__(self, res: Results, history=None):
        self.res = res
        c = res.criteria
        past = PastRecord(c, history)
        self.rules: dict[str, list[Rule]] = {}
        self.caught: dict[tuple[str, str], np.ndarray] = {}
        self.undetermined: dict[tuple[str, str], np.ndarray] = {}
        self._past: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
        self.draws: dict[str, int] = {cat: 0 for cat in res.categories}  # draws seen, per category
        for cat, cs in res.categories.items():
            self.rules[cat] = [r for r in c.decisions.rules if r.applies_to is None or cat in r.applies_to]
            for r in self.rules[cat]:
                n = len(cs.index)
                self.caught[r.id, cat] = np.zeros(n, dtype=np.int64)
                self.undetermined[r.id, cat] = np.zeros(n, dtype=np.int64)
                if r.look_back is not None:
                    years = [past.years(r, res.data.ids[i]) for i in cs.index]
                    self._past[r.id, cat] = (np.array([len(a) for a, _ in years]), np.array([len(b) for _, b in years]))

    def observe(self, draw: int, category: str, totals: np.ndarray, ranks: np.ndarray) -> None:
        cs = self.res.categories[category]
        self.draws[category] += 1
        for r in self.rules[category]:
            hit = condition_mask(r.when, self.res, cs, totals, ranks)
            if r.look_back is not None:
                earlier, missing = self._past[r.id, category]
                need = r.look_back.times - 1
                sure = hit & (earlier >= need)
                self.undetermined[r.id, category] += hit & ~sure & (earlier + missing >= need)
                hit = sure
            self.caught[r.id, category] += hit

    def share(self, rule_id: str, category: str) -> np.ndarray:
        return self.caught[rule_id, category] / max(self.draws[category], 1)

    def undetermined_share(self, rule_id: str, category: str) -> np.ndarray:
        return self.undetermined[rule_id, category] / max(self.draws[category], 1)

    def by_unit(self) -> dict[tuple[str, str, str], tuple[float, float]]:
        """(rule id, category, unit id) → (share caught, share undetermined), for units caught at least once."""
        out = {}
        for (rid, cat), counts in self.caught.items():
            cs = self.res.categories[cat]
            caught, und = self.share(rid, cat), self.undetermined_share(rid, cat)
            for p in np.nonzero((counts > 0) | (self.undetermined[rid, cat] > 0))[0]:
                out[rid, cat, self.res.data.ids[cs.index[p]]] = (float(caught[p]), float(und[p]))
        return out
