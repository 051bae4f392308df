"""Small pieces the built-in methods share."""

from __future__ import annotations

from typing import Literal

import numpy as np

from scoring import Params, Field

Partial = Literal["linear", "ceil", "floor"]

# Parameters several methods share, declared once so their documentation reads the same everywhere.
PARTIAL: Partial = Field(
    "linear",
    description="不足一档如何计：linear 按比例，ceil 不足一档按一档，floor 满一档才计",
    json_schema_extra={"en": "how a part step counts: linear pro rata, ceil as a whole step, floor not at all"},
)
LOWER_IS_BETTER: bool = Field(False, description="越低越好：以最低值为最优", json_schema_extra={"en": "lower is better: the lowest value is the best"})


def steps(shortfall: np.ndarray, step: float, partial: str) -> np.ndarray:
    """How many steps a shortfall counts as: 'linear' pro rata, 'ceil' 不足一档按一档, 'floor' 满一档才计."""
    raw = np.maximum(shortfall, 0.0) / step
    if partial == "ceil":
        return np.ceil(np.round(raw, 9))
    if partial == "floor":
        return np.floor(np.round(raw, 9))
    return raw


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
