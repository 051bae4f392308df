"""How stable is each unit's rank when the module weights move? Monte Carlo, seeded. Pure: no I/O.

Each draw multiplies every module weight of a category by its own factor drawn
uniformly from [1 − spread, 1 + spread], then scales the weights back to the declared
total (百分制 stays 百分制).  Module scores do not depend on weights, so a draw redoes
only what the weights touch, exactly as the engine does it: contribution = module
score × weight ÷ module full, rounded; total = sum of contributions, rounded; rank on
fixed-point totals with the vetoed units last and the declared tie-breaks.  With a
spread of 0 every draw is the published ranking, to the unit.

Per unit it reports the interval of its rank (best and worst, and the central 90 %),
the share of draws in which its rank differs from the published one, and which weight
moves it most: the least-squares effect on its rank of raising one module's weight by
the full spread (others scaled down to keep the total).

Further questions about each draw (for example which 约谈 rules would catch a unit)
plug in as observers: ``observe(draw, category, totals, ranks)`` is called for every
draw with the arrays of that category; see :class:`DrawObserver`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, Sequence

import numpy as np

from .engine import Results, rank_totals, derive
from .rounding import round_array


class DrawObserver(Protocol):
    def observe(self, draw: int, category: str, totals: np.ndarray, ranks: np.ndarray) -> None:
        """Called once per draw and category: ``totals`` and ``ranks`` are per unit of the category."""


@dataclass
class CategorySensitivity:
    category: str
    index: np.ndarray  # positions of the category's units in the dataset
    modules: list[str]  # module ids weighted in this category
    module_names: list[str]
    weights: np.ndarray  # the declared weights, per module
    base_rank: np.ndarray
    best: np.ndarray  # best (smallest) rank over the draws
    worst: np.ndarray
    low: np.ndarray  # central 90 % of the draws: 5th and 95th percentile of the rank
    high: np.ndarray
    moved: np.ndarray  # share of draws whose rank differs from the published one
    effect: np.ndarray  # (units, modules): rank change when one weight rises by the full spread

    def strongest(self, pos: int) -> tuple[int, float] | None:
        """The module that moves this unit most, and by how many places (None if nothing moves it)."""
        if not len(self.modules):
            return None
        row = self.effect[pos]
        k = int(np.argmax(np.abs(row)))
        return (k, float(row[k])) if abs(row[k]) >= 0.05 else None


@dataclass
class Sensitivity:
    draws: int
    spread: float  # as a share: 0.1 = ±10 %
    seed: int
    categories: dict[str, CategorySensitivity] = field(default_factory=dict)


def sensitivity(res: Results, draws: int = 1000, spread: float = 0.1, seed: int = 0, observers: Sequence[DrawObserver] = (), chunk: int = 100) -> Sensitivity:
    """Rank intervals under random module weights; ``spread`` is a share (0.1 = ±10 %)."""
    if draws < 1:
        raise ValueError("draws must be at least 1")
    if not 0 <= spread < 1:
        raise ValueError("spread must be in [0, 1)")
    c = res.criteria
    places = c.assessment.precision
    target = c.assessment.total
    rng = np.random.default_rng(seed)
    out = Sensitivity(draws, spread, seed)
    cols = derive(res.plan, res.data) if c.ranking.tie_break else {}
    for cs in res.categories.values():  # the same order every time: reproducible draws
        mods = list(cs.modules.values())
        n, m = len(cs.index), len(mods)
        base = np.asarray([ms.weight for ms in mods], dtype=float)
        # every category draws its factors, even one without units, so a category's draws
        # do not depend on whether another category has units
        factors = rng.uniform(-spread, spread, size=(draws, m)) if spread > 0 else np.zeros((draws, m))
        ranks = np.empty((draws, n), dtype=np.int32)
        tie_cols = [cols[f][cs.index] for f in c.ranking.tie_break]
        for start in range(0, draws, chunk):
            stop = min(start + chunk, draws)
            if spread > 0:
                w = base * (1 + factors[start:stop])
                w = w * (target / w.sum(axis=1, keepdims=True))
            else:
                w = np.broadcast_to(base, (stop - start, m))
            total = np.zeros((stop - start, n))
            for k, ms in enumerate(mods):  # the engine's additions, in the engine's order
                total = total + round_array(ms.score[None, :] * w[:, k : k + 1] / ms.module.full, places)
            total = round_array(total, places)
            for d in range(stop - start):
                ranks[start + d] = rank_totals(total[d], cs.failed, tie_cols, places)
                for obs in observers:
                    obs.observe(start + d, cs.category, total[d], ranks[start + d])
        if n:
            low = np.quantile(ranks, 0.05, axis=0, method="inverted_cdf").astype(int)
            high = np.quantile(ranks, 0.95, axis=0, method="inverted_cdf").astype(int)
            best, worst = ranks.min(axis=0), ranks.max(axis=0)
            moved = (ranks != cs.rank[None, :]).mean(axis=0)
        else:
            low = high = best = worst = np.zeros(0, dtype=int)
            moved = np.zeros(0)
        effect = _effects(factors, ranks, spread)
        out.categories[cs.category] = CategorySensitivity(
            cs.category,
            cs.index,
            [ms.module.id for ms in mods],
            [ms.module.name for ms in mods],
            base,
            np.asarray(cs.rank),
            best,
            worst,
            low,
            high,
            moved,
            effect,
        )
    return out


def _effects(factors: np.ndarray, ranks: np.ndarray, spread: float) -> np.ndarray:
    """Least-squares effect of each weight's factor on each unit's rank, scaled to the full spread."""
    draws, m = factors.shape
    n = ranks.shape[1]
    if spread == 0 or draws < m + 2 or m == 0 or n == 0:
        return np.zeros((n, m))
    X = np.column_stack([np.ones(draws), factors])
    coef, *_ = np.linalg.lstsq(X, ranks.astype(float), rcond=None)
    return (coef[1:] * spread).T
