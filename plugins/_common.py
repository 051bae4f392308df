"""Small pieces the built-in methods share."""

from __future__ import annotations

from typing import Literal

import numpy as np

from scoring import Column, Params, Field

Partial = Literal["linear", "ceil", "floor"]

# Parameters several methods share, declared once so their documentation reads the same everywhere.
PARTIAL: Partial = Field(
    "linear",
    description="不足一档如何计：linear 按比例，ceil 不足一档按一档，floor 满一档才计",
    json_schema_extra={"en": "how a part step counts: linear pro rata, ceil as a whole step, floor not at all"},
)
LOWER_IS_BETTER: bool = Field(False, description="越低越好：以最低值为最优", json_schema_extra={"en": "lower is better: the lowest value is the best"})


# A method's steps write into one new column (out=): a new column per step costs more to map in than
# the step itself, and a nation's category is 57 000 units.


def steps(shortfall: np.ndarray, step: float, partial: str) -> np.ndarray:
    """How many steps a shortfall counts as: 'linear' pro rata, 'ceil' 不足一档按一档, 'floor' 满一档才计."""
    raw = np.maximum(shortfall, 0.0)
    raw /= step
    if partial in ("ceil", "floor"):
        np.round(raw, 9, out=raw)
        (np.ceil if partial == "ceil" else np.floor)(raw, out=raw)
    return raw


def weighted_total(col: Column, weights: dict[str, float]) -> np.ndarray:
    """Σ col.values[f] × k over ``weights`` in their order, from 0: the very additions of
    ``sum((col.values[f] * k for f, k in weights.items()), np.zeros(len(col)))``, into one new column."""
    total = np.zeros(len(col))
    term = None
    for f, k in weights.items():
        if k == 1.0:  # x × 1 is x
            total += col.values[f]
            continue
        term = np.multiply(col.values[f], k, out=term)
        total += term
    return total


def blank_where_absent(points: np.ndarray, value: np.ndarray) -> np.ndarray:
    """``points`` with NaN where ``value`` has none (few units: set one by one, not a pass choosing between two columns)."""
    absent = np.isnan(value)
    if absent.any():
        points[absent] = np.nan
    return points


def partial_words(partial: str, lang: str) -> str:
    if partial == "ceil":
        return "（不足一档按一档计）" if lang != "en" else " (a part step counts as a whole step)"
    if partial == "floor":
        return "（满一档才计）" if lang != "en" else " (only whole steps count)"
    return ""


class Capped(Params):
    max_deduction: float | None = Field(None, ge=0, description="扣分上限 (封顶)", json_schema_extra={"en": "most points deducted in all (cap)"})


def cap_words(p: Capped, lang: str) -> str:
    if p.max_deduction is None:
        return "，扣完为止" if lang != "en" else ", down to 0 at most"
    from scoring import fmt

    return f"，最多扣{fmt(p.max_deduction)}分" if lang != "en" else f", at most {fmt(p.max_deduction)} points deducted"
