"""Shapes that compare a unit with the others of its category (they need the whole column)."""

from __future__ import annotations

import numpy as np
from typing import Literal


from scoring import Column, deducted, difference_column, fmt, Method, Params as BaseParams, Scored, shown, shown_column, tr, Field, model_validator

from ._common import LOWER_IS_BETTER, PARTIAL, Capped, Partial, blank_where_absent, cap_words, partial_words, steps


class VsAverage(Method):
    """编制: 不低于平均值的得满分；每低1%扣0.1分. The average is over the units of the category that reported."""

    name = "vs_average"
    title = ("与类别平均值比较", "Against the category average")
    example = {"field": "负责人出庭应诉率", "params": {"step": 5, "per_step": 0.5, "max_deduction": 3}}

    class Params(Capped):
        step: float = Field(1, gt=0, description="每低多少为一档", json_schema_extra={"en": "how far below the average makes one step"})
        per_step: float = Field(gt=0, description="每档扣分", json_schema_extra={"en": "points deducted per step"})
        partial: Partial = PARTIAL

    def score(self, col: Column, p: Params) -> Scored:
        v = col.value
        if len(v) and not np.isnan(v.min()):  # no value missing: the very sum and division np.nanmean makes
            avg = float(np.sum(v) / len(v))
        else:
            avg = float(np.nanmean(v)) if np.any(~np.isnan(v)) else float("nan")
        n = steps(avg - v, p.step, p.partial)
        n *= p.per_step
        return Scored(deducted(col.full, n, p.max_deduction, col.bonus), {"average": avg})

    def rule(self, p: Params, full: float, lang: str = "zh") -> str:
        return (
            tr(
                lang,
                f"不低于本类别平均值得满分，每低{fmt(p.step)}扣{fmt(p.per_step)}分",
                f"full points at or above the category average, −{fmt(p.per_step)} per {fmt(p.step)} below",
            )
            + partial_words(p.partial, lang)
            + cap_words(p, lang)
        )

    def lost_reasons(self, p, inputs, points, full, context, lang="zh"):
        ((field, v),) = inputs.items()
        avg = context["average"]
        text = tr(lang, "{f}{v}，低于本类别平均值{a}，差{d}", "{f} {v}, {d} below the category average {a}")
        a = shown(avg, field, lang)
        return [text.format(f=field, v=x, a=a, d=d) for x, d in zip(shown_column(v, field, lang), difference_column(avg - v, field, lang))]


class RelativeToBest(Method):
    """瑞安 2012: 得分 = 本单位 ÷ 第一名 × 分值."""

    name = "relative_to_best"
    title = ("与最优值比较", "Relative to the best")
    example = {"field": "招商引资到位资金", "full": 10, "params": {}}
    least_value = 0.0  # a negative value has no ratio to the best: the field must be declared min = 0

    class Params(BaseParams):
        lower_is_better: bool = LOWER_IS_BETTER
        # a best of 0 leaves the ratio undefined for the units at 0 (they equal the best):
        # "full" — they are the best, full points (both directions alike); "zero" — 0 points
        best_zero: Literal["full", "zero"] = Field(
            "full",
            description="最优值为0时，值为0的单位：full 得满分，zero 得0分",
            json_schema_extra={"en": "when the best is 0, units at 0 get: full points (full) or 0 (zero)"},
        )

    def score(self, col: Column, p: Params) -> Scored:
        v = col.value
        present = ~np.isnan(v)
        if not present.any():
            return Scored(np.full(len(v), np.nan), {"best": float("nan")})
        best = float(np.nanmin(v) if p.lower_is_better else np.nanmax(v))
        with np.errstate(divide="ignore", invalid="ignore"):
            if p.lower_is_better:
                ratio = np.where(v > 0, best / v, 1.0)
            else:
                ratio = v / best if best > 0 else np.zeros(len(v))
        if best == 0:  # the same answer whichever way is better: what the criteria declare
            ratio = np.where(v == 0, 1.0 if p.best_zero == "full" else 0.0, ratio)
        out = np.clip(ratio, 0.0, 1.0, out=ratio)  # a new column of the method's own (see _common)
        out *= col.full
        return Scored(blank_where_absent(out, v), {"best": best})

    def rule(self, p: Params, full: float, lang: str = "zh") -> str:
        zero = tr(
            lang,
            "；本类别最优值为0时，值为0的单位" + ("得满分" if p.best_zero == "full" else "得0分"),
            "; when the best is 0, units at 0 get " + ("full points" if p.best_zero == "full" else "0 points"),
        )
        if p.lower_is_better:
            return (
                tr(lang, f"得分 = 本类别最优值 ÷ 本单位值 × {fmt(full)}（越低越好）", f"points = best in category ÷ own value × {fmt(full)} (lower is better)")
                + zero
            )
        return tr(lang, f"得分 = 本单位值 ÷ 本类别最优值 × {fmt(full)}", f"points = own value ÷ best in category × {fmt(full)}") + zero

    def lost_reasons(self, p, inputs, points, full, context, lang="zh"):
        ((field, v),) = inputs.items()
        best = context["best"]
        text = tr(lang, "{f}{v}，本类别最优值{b}", "{f} {v}; best in category {b}")
        b = shown(best, field, lang)
        zero = tr(lang, "，最优值为0，按细则（best_zero）得0分", "; the best is 0: 0 points as the criteria declare (best_zero)")
        ends = ((v == 0) if best == 0 else np.zeros(len(v), bool)).tolist()
        return [text.format(f=field, v=x, b=b) + (zero if e else "") for x, e in zip(shown_column(v, field, lang), ends)]


class RankPoints(Method):
    """编制: ranks 1–5 get 60/57/54/51/48; 瑞安: 1st full points, −2 % per rank. Equal values share a rank."""

    name = "rank_points"
    title = ("按名次得分", "Points by rank")
    example = {"field": "法治宣传报道篇数", "full": 60, "params": {"points": [60, 57, 54, 51, 48], "rest": 45}}

    class Params(BaseParams):
        points: list[float] | None = Field(None, description="第1、2、3…名的得分", json_schema_extra={"en": "points for rank 1, 2, 3 …"})
        decay: float | None = Field(None, gt=0, lt=1, description="每下降一个名次减少分值的比例", json_schema_extra={"en": "share of the points lost per rank"})
        rest: float = Field(0, ge=0, description="points 列表之外名次的得分", json_schema_extra={"en": "points for ranks beyond the points list"})
        lower_is_better: bool = LOWER_IS_BETTER

        @model_validator(mode="after")
        def _one_rule(self):
            if (self.points is None) == (self.decay is None):
                raise ValueError("value.rank_rule")
            return self

    def max_points(self, p: Params) -> float | None:
        return None if p.points is None else max(list(p.points) + [p.rest])

    def score(self, col: Column, p: Params) -> Scored:
        v = col.value
        present = ~np.isnan(v)
        every = bool(present.all())  # the usual case: the ranked values are the column itself
        key = v if p.lower_is_better else -v
        r, ordered = _competition_ranks(key if every else key[present])
        if p.points is not None:
            table = np.array(list(p.points) + [p.rest])
            got = table[np.minimum(r - 1, len(p.points))]
        else:
            assert p.decay is not None  # _one_rule: exactly one of points and decay is given
            got = np.maximum(col.full * (1 - p.decay * (r - 1)), 0.0)
        if every:
            out = got
        else:
            out = np.full(len(v), np.nan)
            out[present] = got
        return Scored(out, {"count": float(present.sum()), "ordered": ordered})

    def rule(self, p: Params, full: float, lang: str = "zh") -> str:
        if p.points is not None:
            pts = "/".join(fmt(x) for x in p.points)
            return tr(lang, f"按名次依次得{pts}分，其余{fmt(p.rest)}分", f"by rank: {pts}; others {fmt(p.rest)}")
        assert p.decay is not None  # _one_rule: exactly one of points and decay is given
        return tr(lang, f"第一名{fmt(full)}分，每下降一名减{fmt(p.decay * 100)}%", f"1st gets {fmt(full)}, −{fmt(p.decay * 100)}% per rank")

    def lost_reasons(self, p, inputs, points, full, context, lang="zh"):
        ((field, v),) = inputs.items()
        key = v if p.lower_is_better else -v
        ranks = (np.searchsorted(context["ordered"], key, side="left") + 1).tolist()
        text = tr(lang, "{f}{v}，在本类别{n}个单位中列第{r}名", "{f} {v}: rank {r} of {n} in the category")
        n = int(context["count"])
        return [text.format(f=field, v=x, n=n, r=r) for x, r in zip(shown_column(v, field, lang), ranks)]


def _competition_ranks(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Competition ranks (1 + how many are strictly smaller: ties share a rank) of values without
    NaN, and the values in order. Whole numbers in a small range (counts, the usual key) are
    counted, not sorted; any others are sorted once, and each run of equal values ranks where it
    begins (no search per unit)."""
    m = len(key)
    if m:
        lo, hi = float(key.min()), float(key.max())
        if hi - lo <= 4 * m + 1024 and bool((key == np.floor(key)).all()):  # False for an infinite range
            code = (key - lo).astype(np.intp)
            counts = np.bincount(code)
            before = np.cumsum(counts) - counts  # how many values are smaller than each whole number
            return before[code] + 1, np.repeat(lo + np.arange(len(counts)), counts)
    by = np.argsort(key)  # the order among equal values does not matter: they share a rank
    ordered = key[by]
    starts = np.ones(m, bool)
    starts[1:] = ordered[1:] != ordered[:-1]
    first = np.maximum.accumulate(np.where(starts, np.arange(m), 0))
    ranks = np.empty(m, dtype=np.intp)
    ranks[by] = first + 1
    return ranks, ordered


METHODS = [VsAverage, RelativeToBest, RankPoints]
